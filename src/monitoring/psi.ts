import type { Policy } from '../scoring/policy.ts';

/**
 * Population stability index: how far a live distribution over fixed bins has moved from the
 * reference one. PSI = Σ (a − e) · ln(a / e) over the bins, with a and e the actual and expected
 * shares. Each term is never negative, so each bin's term is its contribution (characteristic
 * stability by bin) and the terms add up to the index.
 */

/**
 * The share an empty bin is given (0.01%), on either side, so that ln(a / e) stays finite. Only
 * bins with no count at all get it; the other shares are left as counted (no renormalisation).
 * A bin empty on both sides contributes 0.
 */
export const EMPTY_BIN_SHARE = 0.0001;

/** Counts → shares of their total, an empty bin at EMPTY_BIN_SHARE (all at it when the total is 0). */
export function shares(counts: readonly number[]): number[] {
  const total = counts.reduce((s, c) => s + c, 0);
  return counts.map((c) => (c > 0 && total > 0 ? c / total : EMPTY_BIN_SHARE));
}

/** One bin's term (a − e) · ln(a / e): 0 when the shares are equal, positive otherwise. */
export function psiTerm(actual: number, expected: number): number {
  return (actual - expected) * Math.log(actual / expected);
}

export interface PsiResult {
  psi: number;
  /** Per bin, in the bins' order: the shares compared (after EMPTY_BIN_SHARE) and the bin's term. */
  bins: { expected: number; actual: number; contribution: number }[];
}

/** PSI of actual counts against expected counts over the same bins. */
export function psi(expectedCounts: readonly number[], actualCounts: readonly number[]): PsiResult {
  if (expectedCounts.length !== actualCounts.length)
    throw new Error(`PSI needs the same bins on both sides (${expectedCounts.length} vs ${actualCounts.length})`);
  const e = shares(expectedCounts);
  const a = shares(actualCounts);
  const bins = e.map((expected, i) => ({ expected, actual: a[i], contribution: psiTerm(a[i], expected) }));
  return { psi: bins.reduce((s, b) => s + b.contribution, 0), bins };
}

export type DriftStatus = 'ok' | 'watch' | 'act';

/** The policy's PSI thresholds (0.1 watch and 0.25 act by default) and the least volume a week needs to count. */
export interface DriftThresholds {
  watch: number;
  act: number;
  /** Weeks with fewer applications are shown but flagged `lowVolume`, and /healthz looks past them. */
  minApplications: number;
}

export function driftStatus(value: number, t: Pick<DriftThresholds, 'watch' | 'act'>): DriftStatus {
  return value >= t.act ? 'act' : value >= t.watch ? 'watch' : 'ok';
}

const RANK: Record<DriftStatus, number> = { ok: 0, watch: 1, act: 2 };

/** The worse of the statuses (ok when there are none). */
export function worstStatus(statuses: Iterable<DriftStatus>): DriftStatus {
  let worst: DriftStatus = 'ok';
  for (const s of statuses) if (RANK[s] > RANK[worst]) worst = s;
  return worst;
}

/** The policy's drift settings as thresholds. */
export function driftThresholds(policy: Pick<Policy, 'driftWatchPsi' | 'driftActPsi' | 'driftMinApplications'>): DriftThresholds {
  return { watch: policy.driftWatchPsi, act: policy.driftActPsi, minApplications: policy.driftMinApplications };
}
