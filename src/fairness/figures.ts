import { DEFAULT_CONFIDENCE, fisherExact, katzRatio, newcombeDifference, twoSidedP, wilson, type Share } from './stats.ts';

/**
 * Fair-lending figures for any set of decisions and any group column. The favourable outcome is
 * approval: for observed outcomes, a row whose outcome is not the bad one (not denied, repaid); for
 * a model, a row whose predicted P(bad) is under the cut-off. Every group is compared with one
 * reference group (by default the largest):
 * - approval rate by group and the adverse impact ratio (AIR, the group's approval rate over the
 *   reference's; under 0.8 fails the four-fifths rule);
 * - a model's true positive rate (approved among applicants whose outcome was good: equal
 *   opportunity) and false positive rate (approved among those whose outcome was bad; both
 *   together: equalised odds) by group;
 * - calibration by group: mean predicted P(bad) against the observed bad rate, overall and by PD band.
 * Each gap comes with Newcombe's interval for the difference, the Katz interval for the ratio and
 * Fisher's exact p-value (src/fairness/stats.ts).
 */

/** The four-fifths rule: an AIR under this is evidence of adverse impact (EEOC Uniform Guidelines). */
export const FOUR_FIFTHS = 0.8;

export interface GroupLevels {
  reference: string;
  /** The reference first, then the other groups by size (largest first), then by name. */
  levels: string[];
  counts: Record<string, number>;
}

/** The groups found and the reference (given, or the most frequent value). */
export function groupLevels(groups: readonly string[], reference?: string): GroupLevels {
  const counts: Record<string, number> = {};
  for (const g of groups) counts[g] = (counts[g] ?? 0) + 1;
  const bySize = Object.keys(counts).sort((a, b) => counts[b] - counts[a] || a.localeCompare(b, 'en', { numeric: true }));
  if (bySize.length < 2)
    throw new Error(`the group column has ${bySize.length === 0 ? 'no values' : `only one value ("${bySize[0]}")`}: there is nothing to compare`);
  const ref = reference ?? bySize[0];
  if (!(ref in counts)) throw new Error(`reference group "${ref}" is not a value of the group column (values: ${describeCounts(counts, bySize)})`);
  return { reference: ref, levels: [ref, ...bySize.filter((g) => g !== ref)], counts };
}

export const describeCounts = (counts: Record<string, number>, order = Object.keys(counts)): string =>
  order.map((g) => `${g} (${counts[g].toLocaleString('en')})`).join(', ');

/** One group against the reference on some share (approval, TPR, FPR). */
export interface GroupGap {
  group: string;
  reference: string;
  /** group − reference, with Newcombe's interval. */
  difference: number;
  differenceLow: number;
  differenceHigh: number;
  /** group / reference, with the Katz interval (the AIR when the share is approval). */
  ratio: number;
  ratioLow: number;
  ratioHigh: number;
  /** Fisher's exact test of "the share is the same in both groups". */
  pValue: number;
}

export interface ByGroup {
  shares: Record<string, Share>;
  /** Every group but the reference, in level order. */
  gaps: GroupGap[];
}

/**
 * The share of rows with `flag` = 1 in each group, among the rows `include` keeps (all by default),
 * and each group's gap to the reference.
 */
export function shareByGroup(
  flag: ArrayLike<number>,
  groups: readonly string[],
  levels: GroupLevels,
  include: (row: number) => boolean = () => true,
  confidence = DEFAULT_CONFIDENCE,
): ByGroup {
  if (flag.length !== groups.length) throw new Error(`${flag.length} outcomes for ${groups.length} group labels`);
  const k: Record<string, number> = {};
  const n: Record<string, number> = {};
  for (const g of levels.levels) k[g] = n[g] = 0;
  for (let i = 0; i < groups.length; i++) {
    if (!include(i)) continue;
    n[groups[i]]++;
    if (flag[i] === 1) k[groups[i]]++;
  }
  const shares = Object.fromEntries(levels.levels.map((g) => [g, wilson(k[g], n[g], confidence)]));
  const r = levels.reference;
  const gaps = levels.levels
    .filter((g) => g !== r)
    .map((g): GroupGap => {
      const d = newcombeDifference(k[g], n[g], k[r], n[r], confidence);
      const q = katzRatio(k[g], n[g], k[r], n[r], confidence);
      return {
        group: g,
        reference: r,
        difference: d.difference,
        differenceLow: d.low,
        differenceHigh: d.high,
        ratio: q.ratio,
        ratioLow: q.low,
        ratioHigh: q.high,
        pValue: fisherExact(k[g], n[g] - k[g], k[r], n[r] - k[r]),
      };
    });
  return { shares, gaps };
}

/** The lowest ratio over the groups compared (the AIR that decides the four-fifths rule) and its group. */
export function worstRatio(byGroup: ByGroup): { ratio: number; group: string } {
  return byGroup.gaps.reduce((w, g) => (g.ratio < w.ratio ? { ratio: g.ratio, group: g.group } : w), { ratio: Number.POSITIVE_INFINITY, group: '' });
}

/** Observed outcomes: approval (not bad) and bad rates by group, and the AIR. */
export interface ObservedFigures {
  levels: GroupLevels;
  /** Favourable outcome (not bad) by group. */
  approval: ByGroup;
  /** The bad outcome by group (for HMDA, the denial rate). */
  bad: ByGroup;
  air: number;
  airGroup: string;
  approvalRate: number;
}

export interface FairnessInput {
  groups: readonly string[];
  /** Observed outcome, 1 = bad (denied, defaulted). */
  bad: ArrayLike<number>;
  reference?: string;
  confidence?: number;
}

export function observedFigures({ groups, bad, reference, confidence = DEFAULT_CONFIDENCE }: FairnessInput): ObservedFigures {
  const levels = groupLevels(groups, reference);
  const good = Uint8Array.from({ length: bad.length }, (_, i) => (bad[i] === 1 ? 0 : 1));
  const approval = shareByGroup(good, groups, levels, undefined, confidence);
  const worst = worstRatio(approval);
  let approved = 0;
  for (const v of good) approved += v;
  return {
    levels,
    approval,
    bad: shareByGroup(bad, groups, levels, undefined, confidence),
    air: worst.ratio,
    airGroup: worst.group,
    approvalRate: approved / good.length,
  };
}

/**
 * Approve the `rate` share of rows with the lowest P(bad): the cut-off is half-way between the last
 * approved and the first declined PD; approve when PD < cut-off (rows tied at the boundary are all
 * declined, so the rate reached may be a little lower).
 */
export function approveAtRate(pd: ArrayLike<number>, rate: number): { cutoff: number; approved: Uint8Array; approvalRate: number } {
  if (!(rate >= 0 && rate <= 1)) throw new Error(`approval rate must be between 0 and 1, got ${rate}`);
  const sorted = Float64Array.from(pd).sort();
  const k = Math.round(sorted.length * rate);
  const cutoff = k <= 0 ? sorted[0] : k >= sorted.length ? Number.POSITIVE_INFINITY : sorted[k - 1] < sorted[k] ? (sorted[k - 1] + sorted[k]) / 2 : sorted[k];
  const approved = Uint8Array.from(pd, (p) => (p < cutoff ? 1 : 0));
  let count = 0;
  for (const a of approved) count += a;
  return { cutoff, approved, approvalRate: count / Math.max(1, approved.length) };
}

/** Approve every row whose P(bad) is under a fixed `cutoff` (a lender's policy: approve below it). */
export function approveBelow(pd: ArrayLike<number>, cutoff: number): { cutoff: number; approved: Uint8Array; approvalRate: number } {
  if (!(cutoff >= 0 && cutoff <= 1)) throw new Error(`the cut-off must be a probability between 0 and 1, got ${cutoff}`);
  const approved = Uint8Array.from(pd, (p) => (p < cutoff ? 1 : 0));
  let count = 0;
  for (const a of approved) count += a;
  return { cutoff, approved, approvalRate: count / Math.max(1, approved.length) };
}

export interface GroupCalibration {
  group: string;
  n: number;
  meanPd: number;
  /** Observed bad rate with its Wilson interval. */
  observed: Share;
  /** Observed bads over expected (Σ PD): above 1, the model under-predicts the group's risk. */
  observedOverExpected: number;
  /** z-test of observed = expected bads (variance Σ PD(1 − PD)). */
  pValue: number;
}

export interface CalibrationBand {
  band: number;
  group: string;
  n: number;
  meanPd: number;
  observedRate: number;
  low: number;
  high: number;
}

/**
 * Calibration by group: in the large (observed bads vs Σ PD, with a z-test), and by PD band — rows
 * cut into `bands` equal-count bands of the PD over all groups, so a band means the same PDs in
 * every group and groups can be compared at equal predicted risk.
 */
export function calibrationByGroup(
  bad: ArrayLike<number>,
  pd: ArrayLike<number>,
  groups: readonly string[],
  levels: GroupLevels,
  bands = 5,
  confidence = DEFAULT_CONFIDENCE,
): { groups: GroupCalibration[]; bands: CalibrationBand[] } {
  const n = pd.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => pd[a] - pd[b] || a - b);
  const bandOf = new Uint16Array(n);
  order.forEach((row, rank) => (bandOf[row] = Math.min(bands - 1, Math.floor((rank * bands) / n))));
  const summary = (rows: number[]) => {
    let sumPd = 0;
    let variance = 0;
    let k = 0;
    for (const i of rows) {
      sumPd += pd[i];
      variance += pd[i] * (1 - pd[i]);
      k += bad[i] === 1 ? 1 : 0;
    }
    return { sumPd, variance, k, share: wilson(k, rows.length, confidence) };
  };
  const rowsOf = (keep: (i: number) => boolean) => Array.from({ length: n }, (_, i) => i).filter(keep);
  const byGroup = levels.levels.map((group): GroupCalibration => {
    const rows = rowsOf((i) => groups[i] === group);
    const s = summary(rows);
    return {
      group,
      n: rows.length,
      meanPd: s.sumPd / Math.max(1, rows.length),
      observed: s.share,
      observedOverExpected: s.k / s.sumPd,
      pValue: s.variance > 0 ? twoSidedP((s.k - s.sumPd) / Math.sqrt(s.variance)) : Number.NaN,
    };
  });
  const byBand: CalibrationBand[] = [];
  for (let b = 0; b < bands; b++) {
    for (const group of levels.levels) {
      const rows = rowsOf((i) => bandOf[i] === b && groups[i] === group);
      if (rows.length === 0) continue;
      const s = summary(rows);
      byBand.push({ band: b + 1, group, n: rows.length, meanPd: s.sumPd / rows.length, observedRate: s.share.rate, low: s.share.low, high: s.share.high });
    }
  }
  return { groups: byGroup, bands: byBand };
}

/** A model's decisions at a cut-off, judged against the observed outcomes. */
export interface ModelFigures {
  cutoff: number;
  /** The approval rate the cut-off was chosen to reach (null for a fixed cut-off), and the one reached. */
  targetApprovalRate: number | null;
  approvalRate: number;
  approval: ByGroup;
  air: number;
  airGroup: string;
  /** Approved among rows whose outcome was good (equal opportunity). */
  truePositive: ByGroup;
  /** Approved among rows whose outcome was bad (with the above: equalised odds). */
  falsePositive: ByGroup;
  calibration: ReturnType<typeof calibrationByGroup>;
}

/**
 * Approve the `approvalRate` share with the lowest PD (or, given `cutoff` instead, every PD under
 * it), then every figure by group.
 */
export function modelFigures(
  input: FairnessInput & { pd: ArrayLike<number>; levels?: GroupLevels; calibrationBands?: number } & (
      | { approvalRate: number; cutoff?: undefined }
      | { cutoff: number; approvalRate?: undefined }
    ),
): ModelFigures {
  const { groups, bad, pd, confidence = DEFAULT_CONFIDENCE } = input;
  if (pd.length !== groups.length || bad.length !== groups.length)
    throw new Error(`${pd.length} PDs, ${bad.length} outcomes and ${groups.length} group labels`);
  const levels = input.levels ?? groupLevels(groups, input.reference);
  const decision = input.cutoff !== undefined ? approveBelow(pd, input.cutoff) : approveAtRate(pd, input.approvalRate);
  const approval = shareByGroup(decision.approved, groups, levels, undefined, confidence);
  const worst = worstRatio(approval);
  return {
    cutoff: decision.cutoff,
    targetApprovalRate: input.approvalRate ?? null,
    approvalRate: decision.approvalRate,
    approval,
    air: worst.ratio,
    airGroup: worst.group,
    truePositive: shareByGroup(decision.approved, groups, levels, (i) => bad[i] !== 1, confidence),
    falsePositive: shareByGroup(decision.approved, groups, levels, (i) => bad[i] === 1, confidence),
    calibration: calibrationByGroup(bad, pd, groups, levels, input.calibrationBands ?? 5, confidence),
  };
}
