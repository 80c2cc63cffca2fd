import type { TopLevelSpec } from 'vega-lite';
import { renderSvg } from '../evaluation/charts.ts';
import { FOUR_FIFTHS, type ByGroup, type ModelFigures, type ObservedFigures } from './figures.ts';
import type { LdaCandidate, LdaResult } from './lda.ts';
import type { Share } from './stats.ts';

/** The fairness report: what a run found (built by src/training/fairness.ts), as markdown and charts. */

export interface CandidateResult extends LdaCandidate {
  featureSet: string;
  /** Hanley–McNeil 95% interval of the AUC. */
  aucLow: number;
  aucHigh: number;
  /** AUC within each held-out fold (raw scores). */
  foldAuc: number[];
  approvalRate: number;
  cutoff: number;
}

export interface ProxyCheck {
  /** What is predicted, e.g. "afam ≠ no". */
  groupDescription: string;
  /** Each input alone: AUC for telling the group apart (0.5 = no information), strongest first. */
  inputs: { feature: string; column: string; auc: number; higherInGroup: boolean }[];
  /** All inputs together, cross-validated. */
  models: { family: string; auc: number; low: number; high: number }[];
}

export interface FairnessRun {
  data: {
    file: string;
    sha256: string;
    rowsRead: number;
    rowsUsed: number;
    rowsWithoutTarget: number;
    rowsWithoutGroup: number;
    target: { column: string; bad: string };
    group: string;
    /** The model features of the all-inputs candidate. */
    inputs: string[];
    /** Columns that are not inputs, and why. */
    notInputs: { name: string; reason: string }[];
  };
  protocol: {
    folds: number;
    seed: number;
    tolerance: number;
    families: string[];
    featureSets: string[];
    settings: Record<string, string>;
  };
  observed: ObservedFigures;
  lda: LdaResult<CandidateResult>;
  bestFigures: ModelFigures;
  chosenFigures: ModelFigures;
  proxy: ProxyCheck;
  seconds: number;
}

export const pct = (v: number, digits = 1) => (Number.isFinite(v) ? `${(v * 100).toFixed(digits)}%` : '–');
export const pp = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v * 100).toFixed(1)}`;
export const num = (v: number, digits = 3) => (Number.isFinite(v) ? v.toFixed(digits) : '–');
export const int = (v: number) => v.toLocaleString('en');
const signed = (v: number, digits: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(digits)}`;
export const shareText = (s: Share) => `${pct(s.rate)} [${pct(s.low)}, ${pct(s.high)}]`;
export const pValueText = (p: number) => (!Number.isFinite(p) ? '–' : p < 0.0001 ? '< 0.0001' : p < 0.001 ? p.toFixed(4) : p.toFixed(3));
export const code = (s: string) => `\`${s}\``;
export const table = (head: string[], rows: string[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

/** "0.79 [0.74, 0.85]" */
export const ratioText = (ratio: number, low: number, high: number) => `${num(ratio, 3)} [${num(low, 3)}, ${num(high, 3)}]`;
const fourFifths = (ratio: number, high: number) =>
  ratio >= FOUR_FIFTHS ? 'passes' : high >= FOUR_FIFTHS ? 'fails (interval reaches 0.8)' : 'fails (whole interval under 0.8)';
export const fourFifthsSentence = (ratio: number, low: number, high: number) =>
  ratio >= FOUR_FIFTHS
    ? low >= FOUR_FIFTHS
      ? 'above the four-fifths line (0.8), interval included'
      : 'above the four-fifths line (0.8), though its interval reaches below it'
    : high >= FOUR_FIFTHS
      ? 'under the four-fifths line (0.8), though its interval reaches above it'
      : 'under the four-fifths line (0.8), interval included';

export function gapRows(byGroup: ByGroup, label: (g: string) => string, withRatio: boolean): string[][] {
  return byGroup.gaps.map((g) => [
    label(g.group),
    `${pp(g.difference)} pp [${pp(g.differenceLow)}, ${pp(g.differenceHigh)}]`,
    ...(withRatio ? [ratioText(g.ratio, g.ratioLow, g.ratioHigh), fourFifths(g.ratio, g.ratioHigh)] : []),
    pValueText(g.pValue),
  ]);
}

/** A sentence on any group whose observed bad rate differs from the model's prediction (p < 0.05). */
export function calibrationNote(f: ModelFigures, label: (g: string) => string): string[] {
  const off = f.calibration.groups.filter((c) => c.pValue < 0.05);
  if (off.length === 0) return ['No group is mis-calibrated at the 5% level.', ''];
  return [
    off
      .map(
        (c) =>
          `${label(c.group)}: the bad outcome came ${c.observedOverExpected > 1 ? 'more' : 'less'} often than predicted (observed / expected ${num(c.observedOverExpected, 2)}, p ${pValueText(c.pValue).startsWith('<') ? '' : '= '}${pValueText(c.pValue)}): ` +
          `the model ${c.observedOverExpected > 1 ? 'under' : 'over'}-states this group's risk; the bands below show whether it does so at the same predicted P(bad).`,
      )
      .join(' '),
    '',
  ];
}

/** The summary's sentence on the observed decisions: bad rates, approval rates, the AIR and the gap's p-value. */
export function observedSummary(observed: ObservedFigures, target: { column: string; bad: string }, group: string): string {
  const ref = observed.levels.reference;
  const G = code(group);
  const label = (g: string) => `${G} = ${g}${g === ref ? ' (reference)' : ''}`;
  const obsGap = observed.approval.gaps.find((g) => g.group === observed.airGroup)!;
  const badWord = `${code(target.column)} = ${target.bad}`;
  return (
    `- **Observed decisions.** ${badWord} for ${pct(observed.bad.shares[observed.airGroup].rate)} of ${label(observed.airGroup)} applicants ` +
    `against ${pct(observed.bad.shares[ref].rate)} of ${G} = ${ref}; approval ${pct(observed.approval.shares[observed.airGroup].rate)} vs ` +
    `${pct(observed.approval.shares[ref].rate)}: adverse impact ratio **${num(obsGap.ratio, 2)}** (95% interval ${num(obsGap.ratioLow, 2)}–${num(obsGap.ratioHigh, 2)}), ` +
    `${fourFifthsSentence(obsGap.ratio, obsGap.ratioLow, obsGap.ratioHigh)}; the ${pp(obsGap.difference)} point gap in approval has p ${pValueText(obsGap.pValue).startsWith('<') ? '' : '= '}${pValueText(obsGap.pValue)}.`
  );
}

/** Section 1's tables: the observed outcome and approval by group, and each group's gap to the reference. */
export function observedTables(observed: ObservedFigures, target: { column: string; bad: string }, label: (g: string) => string): string[] {
  const levels = observed.levels;
  return [
    table(
      ['group', 'applicants', `${target.column} = ${target.bad}`, 'rate [95%]', 'approval rate [95%]'],
      levels.levels.map((g) => [
        label(g),
        int(levels.counts[g]),
        int(observed.bad.shares[g].count),
        shareText(observed.bad.shares[g]),
        shareText(observed.approval.shares[g]),
      ]),
    ),
    '',
    table(['group vs reference', 'approval gap [95%]', 'adverse impact ratio [95%]', 'four-fifths rule', 'p'], gapRows(observed.approval, label, true)),
    '',
  ];
}

/**
 * A model's decisions by group, as markdown lines: approval, true and false positive rates with
 * their gaps, calibration in the large and by PD band (section 2 of both reports).
 */
export function decisionTables(f: ModelFigures, levels: readonly string[], label: (g: string) => string): string[] {
  return [
    table(
      ['group', 'approval rate [95%]', 'true positive rate (approved among good) [95%]', 'false positive rate (approved among bad) [95%]'],
      levels.map((g) => [label(g), shareText(f.approval.shares[g]), shareText(f.truePositive.shares[g]), shareText(f.falsePositive.shares[g])]),
    ),
    '',
    table(
      ['group vs reference', 'measure', 'gap [95%]', 'ratio [95%]', 'p'],
      f.approval.gaps.flatMap((g, i) => {
        const tp = f.truePositive.gaps[i];
        const fp = f.falsePositive.gaps[i];
        const row = (measure: string, x: typeof g) => [
          label(g.group),
          measure,
          `${pp(x.difference)} pp [${pp(x.differenceLow)}, ${pp(x.differenceHigh)}]`,
          ratioText(x.ratio, x.ratioLow, x.ratioHigh),
          pValueText(x.pValue),
        ];
        return [row('approval (AIR)', g), row('true positive rate', tp), row('false positive rate', fp)];
      }),
    ),
    '',
    `Calibration by group (observed over expected bads above 1: the model under-states the group's risk; p from a z-test of observed = expected):`,
    '',
    table(
      ['group', 'rows', 'mean predicted P(bad)', 'observed bad rate [95%]', 'observed / expected', 'p'],
      f.calibration.groups.map((c) => [label(c.group), int(c.n), pct(c.meanPd), shareText(c.observed), num(c.observedOverExpected, 2), pValueText(c.pValue)]),
    ),
    '',
    ...calibrationNote(f, label),
    `By PD band (fifths of all rows by predicted P(bad), the same PDs for every group):`,
    '',
    table(
      ['band', ...levels.map((g) => `${label(g)}: rows, mean PD → observed [95%]`)],
      [...new Set(f.calibration.bands.map((b) => b.band))].map((band) => [
        String(band),
        ...levels.map((g) => {
          const b = f.calibration.bands.find((x) => x.band === band && x.group === g);
          return b ? `${int(b.n)}, ${pct(b.meanPd)} → ${pct(b.observedRate)} [${pct(b.low)}, ${pct(b.high)}]` : '–';
        }),
      ]),
    ),
    '',
  ];
}

/** The method notes on the statistics and the four-fifths rule (both reports). */
export const METHOD_STATISTICS = [
  `- **Statistics** (src/fairness/stats.ts): Wilson intervals for each rate; Newcombe's hybrid score interval for a gap between two rates; the Katz log interval for a ratio (the AIR); ` +
    `Fisher's exact test for each 2×2 table (exact at any count, so small groups and thin cells are handled the same way); Hanley–McNeil for an AUC's interval.`,
  `- **Four-fifths rule**: an AIR under ${FOUR_FIFTHS} is treated as evidence of adverse impact (EEOC Uniform Guidelines, 29 CFR 1607.4(D)); it is a screening rule, not a legal finding, and the interval says how sure the sample makes it.`,
];

export interface MarkdownOptions {
  /** The command that wrote the report. */
  command: string;
  /** Chart files, relative to the report. */
  charts: string[];
}

/** The report as markdown. Deterministic: the same run gives the same text. */
export function fairnessMarkdown(run: FairnessRun, options: MarkdownOptions): string {
  const { data, observed, lda, proxy, protocol } = run;
  const levels = observed.levels;
  const ref = levels.reference;
  const G = code(data.group);
  const label = (g: string) => `${G} = ${g}${g === ref ? ' (reference)' : ''}`;
  const best = lda.best;
  const chosen = lda.chosen;
  const same = best.name === chosen.name;
  const inGroup = levels.levels.length === 2 ? `${G} = ${levels.levels[1]}` : `${G} ≠ ${ref}`;
  const lines: string[] = [];
  const out = (...l: string[]) => lines.push(...l);

  out(
    `# Fair-lending report: ${data.file}`,
    '',
    `Outcome ${code(data.target.column)} (bad = "${data.target.bad}"; the favourable outcome, approval, is every other value), group ${G}, ` +
      `reference group "${ref}" (${int(levels.counts[ref])} of ${int(data.rowsUsed)} rows). ` +
      `File SHA-256 ${data.sha256.slice(0, 16)}…; ${int(data.rowsRead)} rows read` +
      (data.rowsWithoutTarget + data.rowsWithoutGroup > 0
        ? `, ${int(data.rowsWithoutTarget)} without an outcome and ${int(data.rowsWithoutGroup)} without a group left out.`
        : ', all used.'),
    '',
    `Written by \`${options.command}\` (src/training/fairness-cli.ts); every figure below is in \`figures.json\`. ` +
      `Intervals are 95%; p-values are Fisher's exact test, two-sided.`,
    '',
    '## Summary',
    '',
    observedSummary(observed, data.target, data.group),
    `- **The best model** by cross-validated ROC-AUC, ${code(best.name)}: AUC ${num(best.auc)}; approving the observed ${pct(observed.approvalRate)} ` +
      `(P(bad) under ${num(best.cutoff, 4)}), its AIR is **${num(best.air, 3)}**.`,
    same
      ? `- **Less-discriminatory alternative:** none better. Of the ${lda.eligible.length} candidates within ${lda.tolerance} AUC of the best, none has a higher AIR than the best model itself.`
      : `- **Less-discriminatory alternative:** ${code(chosen.name)}, AUC ${num(chosen.auc)} (${signed(chosen.auc - best.auc, 4)} from the best, tolerance ${lda.tolerance}), ` +
          `AIR **${num(chosen.air, 3)}** (${signed(chosen.air - best.air, 3)}). ${lda.eligible.length} of ${lda.candidates.length} candidates were within tolerance.`,
    `- **Proxy check:** the model's inputs tell ${inGroup} from ${G} = ${ref} with cross-validated AUC ` +
      `${proxy.models.map((m) => `${num(m.auc)} [${num(m.low)}, ${num(m.high)}] (${m.family})`).join(', ')}; the strongest single input is ` +
      `${code(proxy.inputs[0].feature)} (AUC ${num(proxy.inputs[0].auc)}).`,
    `- ${G} is never a model input: every candidate's feature list is checked before it counts (\`assertGroupNotAnInput\`).`,
    '',
  );

  out(
    '## 1. The observed decisions',
    '',
    `What the lender decided (${code(data.target.column)} as recorded), by group.`,
    '',
    ...observedTables(observed, data.target, label),
  );

  const models: [string, CandidateResult, ModelFigures][] = same
    ? [['best model', best, run.bestFigures]]
    : [
        ['best model', best, run.bestFigures],
        ['less-discriminatory alternative', chosen, run.chosenFigures],
      ];
  out(
    "## 2. The models' decisions",
    '',
    `Each model approves the applicants with the lowest predicted P(bad), as many as the lender approved (${pct(observed.approvalRate)}), ` +
      `so approval rates are compared at the same overall rate. PDs are out-of-fold (each row scored by a model that did not train on it) and calibrated (below). ` +
      `A **true positive** here is an applicant whose outcome was good and who is approved (equal opportunity compares these rates); a **false positive** one whose ` +
      `outcome was bad and who is approved anyway (equalised odds asks for both to match). For HMDA the "outcome" is the lender's own decision, ` +
      `so these rates measure agreement with decisions that were themselves unequal.`,
    '',
  );
  for (const [title, c, f] of models) {
    out(
      `### ${title}: ${code(c.name)}`,
      '',
      `ROC-AUC ${num(c.auc)} [${num(c.aucLow)}, ${num(c.aucHigh)}]; cut-off P(bad) < ${num(f.cutoff, 4)}, approving ${pct(f.approvalRate)}.`,
      '',
      ...decisionTables(f, levels.levels, label),
    );
  }

  const sorted = [...lda.candidates].sort((a, b) => b.auc - a.auc || a.name.localeCompare(b.name));
  const sd = (v: number[]) => {
    const m = v.reduce((s, x) => s + x, 0) / v.length;
    return Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / Math.max(1, v.length - 1));
  };
  out(
    '## 3. Less-discriminatory alternative search',
    '',
    `${lda.candidates.length} candidates: ${protocol.families.join(', ')} × ${protocol.featureSets.length} feature sets (all inputs; each input left out in turn; ` +
      `the strongest proxies of the group, from section 4, left out together). Each is scored by ${protocol.folds}-fold cross-validation (stratified, seed ${protocol.seed}) ` +
      `and its decisions taken at the observed approval rate. Among the candidates whose AUC is within **${lda.tolerance}** of the best, ` +
      `the one with the highest AIR is the less-discriminatory alternative; the best model is one of them, so the alternative's AIR is never lower.`,
    '',
    `The AUCs' own 95% intervals are about ±${num((best.aucHigh - best.aucLow) / 2, 3)} and the spread across folds about ${num(sd(best.foldAuc), 3)}: ` +
      `wider than the tolerance, so candidates within it are not distinguishable in accuracy on this sample, and the alternative was chosen on the same out-of-fold rows its AIR is reported on (a selection effect, small next to these intervals). Check an alternative on new data before adopting it.`,
    '',
    table(
      ['candidate', 'ROC-AUC [95%]', 'fold AUC sd', 'AIR', 'within tolerance', ''],
      sorted.map((c) => [
        code(c.name),
        `${num(c.auc)} [${num(c.aucLow)}, ${num(c.aucHigh)}]`,
        num(sd(c.foldAuc), 3),
        num(c.air, 3),
        lda.eligible.includes(c) ? 'yes' : 'no',
        c === best && c === chosen ? '**best, chosen**' : c === best ? '**best**' : c === chosen ? '**chosen**' : '',
      ]),
    ),
    '',
  );

  out(
    '## 4. Proxy check: how well the inputs predict the group',
    '',
    `Even with ${G} left out, inputs correlated with it can carry it into the model. Here each input alone (its AUC for telling ${inGroup} from ${G} = ${ref}; ` +
      `0.5 = no information, 1 = perfect), and all inputs together in a cross-validated model (${proxy.models.map((m) => m.family).join(' and ')}, the same folds and settings as above):`,
    '',
    table(
      ['model of the group', 'cross-validated AUC [95%]'],
      proxy.models.map((m) => [m.family, `${num(m.auc)} [${num(m.low)}, ${num(m.high)}]`]),
    ),
    '',
    table(
      ['input', 'AUC alone', 'more common or higher in'],
      proxy.inputs.map((i) => [code(i.feature), num(i.auc), i.auc < 0.505 ? '–' : i.higherInGroup ? inGroup : `${G} = ${ref}`]),
    ),
    '',
    `(A categorical input is encoded as the model sees it, by its levels' bad rate, so "higher" means the riskier level.)`,
    '',
    `Where a data set has no group column (LendingClub has none), this is the check that can be made: on a data set where the group is known, ` +
      `how much of it inputs of the same kind carry. An AUC well above 0.5 means a model can treat groups differently without ever seeing the group, ` +
      `and the gaps in section 2 show how much it does at the decision.`,
    '',
  );

  out(
    '## Method',
    '',
    `- **Inputs**: every column but the outcome and ${G}${data.notInputs.length > 0 ? ` (not inputs: ${data.notInputs.map((d) => `${code(d.name)} — ${d.reason}`).join('; ')})` : ''}: ` +
      `${data.inputs.map(code).join(', ')}. Types are inferred and categories encoded on each fold's training rows only (src/features/generic.ts).`,
    `- **Families** (fixed settings, not searched): ${Object.entries(protocol.settings)
      .map(([k, v]) => `${k}: ${v}`)
      .join('; ')}.`,
    `- **Out-of-fold PDs**: ${protocol.folds} stratified folds (seed ${protocol.seed}); each fold's raw scores are Platt-calibrated on the other folds' out-of-fold scores. Deterministic: the same file, seed and options give the same report.`,
    `- **Decisions**: approve the ${pct(observed.approvalRate)} of applicants with the lowest P(bad) (the observed approval rate), so every model approves as many as the lender did.`,
    ...METHOD_STATISTICS,
    '',
    '## Charts',
    '',
    ...options.charts.map((c) => `![${c}](${c})`),
    '',
  );
  return `${lines.join('\n')}\n`;
}

const WIDTH = 420;
const HEIGHT = 300;
const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Bars with Wilson whiskers: `x` categories, groups side by side. */
function ratesSpec(
  title: string,
  values: { x: string; group: string; rate: number; low: number; high: number; panel?: string }[],
  xTitle: string,
  xOrder: string[],
): TopLevelSpec {
  const layer = [
    {
      mark: { type: 'bar' as const },
      encoding: {
        // "first line|second line" labels are drawn on two lines.
        x: {
          field: 'x',
          type: 'nominal' as const,
          title: xTitle,
          sort: xOrder,
          axis: { labelAngle: 0, labelLimit: 260, labelExpr: "split(datum.label, '|')" },
        },
        xOffset: { field: 'group', type: 'nominal' as const },
        y: { field: 'rate', type: 'quantitative' as const, title: 'rate (95% interval)', axis: { format: '%' }, scale: { domain: [0, 1] } },
        color: { field: 'group', type: 'nominal' as const, title: 'group' },
      },
    },
    {
      mark: { type: 'rule' as const, color: '#333' },
      encoding: {
        x: { field: 'x', type: 'nominal' as const, sort: xOrder },
        xOffset: { field: 'group', type: 'nominal' as const },
        y: { field: 'low', type: 'quantitative' as const },
        y2: { field: 'high' },
      },
    },
  ];
  const panels = [...new Set(values.map((v) => v.panel).filter((p): p is string => p !== undefined))];
  if (panels.length > 0) {
    return {
      $schema: SCHEMA,
      title,
      data: { values },
      facet: { column: { field: 'panel', type: 'nominal', title: null, sort: panels, header: { labelLimit: 300 } } },
      spec: { width: 300, height: HEIGHT, layer },
    } as TopLevelSpec;
  }
  return { $schema: SCHEMA, title, width: WIDTH, height: HEIGHT, data: { values }, layer } as TopLevelSpec;
}

/** The Pareto front of (AUC, AIR): for each AUC, the best AIR any candidate at least that accurate reaches. */
export function tradeoffFront<C extends { auc: number; air: number }>(candidates: readonly C[]): C[] {
  const byAuc = [...candidates].sort((a, b) => b.auc - a.auc || b.air - a.air);
  const front: C[] = [];
  for (const c of byAuc) if (front.length === 0 || c.air > front[front.length - 1].air) front.push(c);
  return front;
}

/** The report's charts as SVG, by file stem. */
export async function fairnessCharts(run: FairnessRun): Promise<Record<string, string>> {
  const { observed, lda } = run;
  const same = lda.best.name === lda.chosen.name;
  const modelList: [string, ModelFigures][] = same
    ? [[`best model|${lda.best.name}`, run.bestFigures]]
    : [
        [`best model|${lda.best.name}`, run.bestFigures],
        [`alternative|${lda.chosen.name}`, run.chosenFigures],
      ];
  const decisions = await decisionCharts(observed, run.data.group, modelList);

  const front = new Set(tradeoffFront(lda.candidates).map((c) => c.name));
  const points = lda.candidates.map((c) => ({
    name: c.name,
    family: c.family,
    auc: c.auc,
    air: c.air,
    within: lda.eligible.includes(c) ? `within ${lda.tolerance} of the best AUC` : 'outside the tolerance',
    label: c === lda.best && c === lda.chosen ? 'best = chosen' : c === lda.best ? 'best' : c === lda.chosen ? 'chosen' : '',
    front: front.has(c.name),
  }));
  const aucs = points.map((p) => p.auc);
  const airs = points.map((p) => p.air);
  const xScale = { domain: [Math.min(...aucs, lda.best.auc - lda.tolerance) - 0.005, Math.max(...aucs) + 0.005], zero: false, nice: false };
  const yScale = { domain: [Math.min(FOUR_FIFTHS, ...airs) - 0.01, Math.max(FOUR_FIFTHS, ...airs) + 0.01], zero: false, nice: false };
  const x = { field: 'auc', type: 'quantitative' as const, scale: xScale };
  const y = { field: 'air', type: 'quantitative' as const, scale: yScale };
  const label = (which: string, dy: number) => ({
    transform: [{ filter: `datum.label == '${which}'` }],
    mark: { type: 'text' as const, align: 'left' as const, dx: 7, dy, fontWeight: 'bold' as const },
    encoding: { x, y, text: { field: 'label', type: 'nominal' as const } },
  });
  const tradeoff = await renderSvg({
    $schema: SCHEMA,
    title: `Accuracy vs adverse impact: ${lda.candidates.length} candidates (line: the best AIR at each AUC)`,
    width: 520,
    height: 360,
    data: { values: points },
    layer: [
      {
        mark: { type: 'rule', strokeDash: [4, 4], color: '#999' },
        encoding: { x: { datum: lda.best.auc - lda.tolerance, type: 'quantitative', scale: xScale } },
      },
      {
        mark: { type: 'rule', strokeDash: [2, 2], color: '#c0392b' },
        encoding: { y: { datum: FOUR_FIFTHS, type: 'quantitative', scale: yScale } },
      },
      {
        transform: [{ filter: 'datum.front' }],
        mark: { type: 'line', interpolate: 'step-before', color: '#555' },
        encoding: { x, y, order: { field: 'auc' } },
      },
      {
        mark: { type: 'point', filled: true, size: 60, opacity: 0.85 },
        encoding: {
          x: { ...x, title: 'ROC-AUC, cross-validated (dashed: best − tolerance)' },
          y: { ...y, title: 'adverse impact ratio (red: four-fifths)' },
          color: { field: 'family', type: 'nominal', title: 'family' },
          shape: { field: 'within', type: 'nominal', title: null },
          tooltip: [{ field: 'name' }, { field: 'auc', format: '.4f' }, { field: 'air', format: '.3f' }],
        },
      },
      label('best', 12),
      label('chosen', -8),
      label('best = chosen', -8),
    ],
  } as TopLevelSpec);

  const proxy = await renderSvg({
    $schema: SCHEMA,
    title: `How well each input alone tells ${run.proxy.groupDescription} apart`,
    width: WIDTH,
    height: Math.max(120, 22 * run.proxy.inputs.length),
    data: { values: run.proxy.inputs },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          y: { field: 'feature', type: 'nominal', sort: '-x', title: 'input' },
          x: { field: 'auc', type: 'quantitative', title: 'ROC-AUC of the input alone (0.5 = no information)', scale: { domain: [0.5, 1] } },
          x2: { datum: 0.5 },
        },
      },
    ],
  } as TopLevelSpec);

  return { ...decisions, tradeoff, proxy };
}

/**
 * The charts of observed and model decisions by group: approval rates, true and false positive
 * rates, calibration by PD band. `models`: [label ("kind|name": drawn on two lines), figures].
 */
export async function decisionCharts(
  observed: ObservedFigures,
  group: string,
  modelList: readonly [string, ModelFigures][],
): Promise<{ approval: string; 'error-rates': string; calibration: string }> {
  const groupName = (g: string) => `${group} = ${g}${g === observed.levels.reference ? ' (reference)' : ''}`;
  const panelName = (name: string) => name.replace('|', ': ');
  const sources: [string, ByGroup][] = [['observed decisions', observed.approval], ...modelList.map(([name, f]): [string, ByGroup] => [name, f.approval])];
  const approvalValues = sources.flatMap(([x, by]) =>
    observed.levels.levels.map((g) => ({ x, group: groupName(g), rate: by.shares[g].rate, low: by.shares[g].low, high: by.shares[g].high })),
  );
  const approval = await renderSvg(
    ratesSpec(
      `Approval rate by group (AIR: observed ${observed.air.toFixed(2)}, ${modelList.map(([n, f]) => `${n.split('|')[0]} ${f.air.toFixed(2)}`).join(', ')})`,
      approvalValues,
      'decisions',
      sources.map(([x]) => x),
    ),
  );

  const errorValues = modelList.flatMap(([panel, f]) =>
    (
      [
        ['true positive rate|(approved among good)', f.truePositive],
        ['false positive rate|(approved among bad)', f.falsePositive],
      ] as const
    ).flatMap(([x, by]) =>
      observed.levels.levels.map((g) => ({
        panel: panelName(panel),
        x,
        group: groupName(g),
        rate: by.shares[g].rate,
        low: by.shares[g].low,
        high: by.shares[g].high,
      })),
    ),
  );
  const errorRates = await renderSvg(
    ratesSpec('Equal opportunity and equalised odds (95% intervals)', errorValues, '', [
      'true positive rate|(approved among good)',
      'false positive rate|(approved among bad)',
    ]),
  );

  const calValues = modelList.flatMap(([panel, f]) =>
    f.calibration.bands.map((b) => ({
      panel: panelName(panel),
      group: groupName(b.group),
      predicted: b.meanPd,
      observed: b.observedRate,
      low: b.low,
      high: b.high,
    })),
  );
  const top = Math.min(1, Math.max(...calValues.map((v) => Math.max(v.predicted, v.high))) * 1.05);
  const calibration = await renderSvg({
    $schema: SCHEMA,
    title: 'Calibration by group (fifths of predicted P(bad), 95% intervals)',
    data: { values: calValues },
    facet: { column: { field: 'panel', type: 'nominal', title: null, sort: modelList.map(([n]) => panelName(n)), header: { labelLimit: 300 } } },
    spec: {
      width: 300,
      height: HEIGHT,
      layer: [
        {
          mark: { type: 'rule', strokeDash: [4, 4], color: '#999' },
          encoding: { x: { datum: 0, type: 'quantitative' }, y: { datum: 0, type: 'quantitative' }, x2: { datum: top }, y2: { datum: top } },
        },
        {
          mark: { type: 'rule' },
          encoding: {
            x: { field: 'predicted', type: 'quantitative' },
            y: { field: 'low', type: 'quantitative' },
            y2: { field: 'high' },
            color: { field: 'group', type: 'nominal', title: 'group' },
          },
        },
        {
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'predicted', type: 'quantitative', title: 'mean predicted P(bad)', scale: { domain: [0, top] }, axis: { format: '%' } },
            y: { field: 'observed', type: 'quantitative', title: 'observed bad rate', scale: { domain: [0, top] }, axis: { format: '%' } },
            color: { field: 'group', type: 'nominal', title: 'group' },
          },
        },
      ],
    },
  } as TopLevelSpec);
  return { approval, 'error-rates': errorRates, calibration };
}
