import hypergeometricPmf from '@stdlib/stats-base-dists-hypergeometric-pmf';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';

/**
 * The statistics behind the fairness figures, each a standard closed form:
 * - a share: Wilson's score interval (good coverage at small counts and near 0 or 1, unlike p ± z·se);
 * - a gap between two shares: Newcombe's hybrid score interval (his method 10, 1998), built from the
 *   two Wilson intervals;
 * - a ratio of two shares (the adverse impact ratio): the Katz log interval;
 * - is the gap real: Fisher's exact test on the 2×2 table (two-sided, tables no more likely than the
 *   one observed), exact at any count, so it stays right for small groups and thin cells (bad
 *   applicants of a minority group), where the chi-square approximation does not;
 * - a model's AUC: the Hanley–McNeil (1982) standard error;
 * - calibration in the large: observed minus expected bads over √Σ p(1 − p), a normal z-test.
 * The normal quantile and cdf and the hypergeometric pmf come from @stdlib.
 */

export const DEFAULT_CONFIDENCE = 0.95;

/** The two-sided normal quantile for a confidence level (1.96 at 95%). */
export const zFor = (confidence = DEFAULT_CONFIDENCE): number => normalQuantile(1 - (1 - confidence) / 2, 0, 1);

export interface Interval {
  low: number;
  high: number;
}

/** A share k/n with its Wilson score interval. */
export interface Share extends Interval {
  count: number;
  n: number;
  rate: number;
}

/** Wilson score interval for k successes out of n (n = 0: the whole [0, 1]). */
export function wilson(k: number, n: number, confidence = DEFAULT_CONFIDENCE): Share {
  if (!Number.isInteger(k) || !Number.isInteger(n) || k < 0 || n < 0 || k > n) throw new Error(`wilson: need 0 ≤ k ≤ n integers, got ${k} of ${n}`);
  if (n === 0) return { count: 0, n: 0, rate: Number.NaN, low: 0, high: 1 };
  const z = zFor(confidence);
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { count: k, n, rate: p, low: k === 0 ? 0 : Math.max(0, centre - half), high: k === n ? 1 : Math.min(1, centre + half) };
}

/** Newcombe's hybrid score interval for p1 − p2 (method 10). */
export function newcombeDifference(k1: number, n1: number, k2: number, n2: number, confidence = DEFAULT_CONFIDENCE): Interval & { difference: number } {
  const a = wilson(k1, n1, confidence);
  const b = wilson(k2, n2, confidence);
  const d = a.rate - b.rate;
  return {
    difference: d,
    low: d - Math.sqrt((a.rate - a.low) ** 2 + (b.high - b.rate) ** 2),
    high: d + Math.sqrt((a.high - a.rate) ** 2 + (b.rate - b.low) ** 2),
  };
}

/**
 * Katz log interval for the ratio (k1/n1) / (k2/n2). A zero count gets the usual 0.5 added to
 * each count (and 1 to each total) so the interval stays finite.
 */
export function katzRatio(k1: number, n1: number, k2: number, n2: number, confidence = DEFAULT_CONFIDENCE): Interval & { ratio: number } {
  if (n1 === 0 || n2 === 0 || k2 === 0) return { ratio: Number.NaN, low: 0, high: Number.POSITIVE_INFINITY };
  const ratio = k1 / n1 / (k2 / n2);
  const [a, m, b, n] = k1 === 0 ? [k1 + 0.5, n1 + 1, k2 + 0.5, n2 + 1] : [k1, n1, k2, n2];
  const se = Math.sqrt(1 / a - 1 / m + 1 / b - 1 / n);
  const z = zFor(confidence);
  const centre = Math.log(a / m / (b / n));
  return { ratio, low: Math.exp(centre - z * se), high: Math.exp(centre + z * se) };
}

/**
 * Fisher's exact test, two-sided, for the table [[a, b], [c, d]]: the probability, with the margins
 * fixed, of a table no more likely than the one observed.
 */
export function fisherExact(a: number, b: number, c: number, d: number): number {
  for (const v of [a, b, c, d])
    if (!Number.isInteger(v) || v < 0) throw new Error(`fisherExact: counts must be non-negative integers, got ${[a, b, c, d].join(', ')}`);
  const N = a + b + c + d;
  const K = a + c; // first column's total
  const n = a + b; // first row's total
  if (N === 0) return 1;
  const observed = hypergeometricPmf(a, N, K, n);
  // Tables within a relative 1e-7 of the observed one count as equally likely (as R's fisher.test).
  const limit = observed * (1 + 1e-7);
  let p = 0;
  for (let x = Math.max(0, n + K - N); x <= Math.min(n, K); x++) {
    const px = hypergeometricPmf(x, N, K, n);
    if (px <= limit) p += px;
  }
  return Math.min(1, p);
}

/** Two-sided p-value of a standard normal statistic. */
export const twoSidedP = (z: number): number => 2 * (1 - normalCdf(Math.abs(z), 0, 1));

/**
 * Hanley–McNeil standard error of an AUC from nPos positives and nNeg negatives, with its normal
 * interval (clipped to [0, 1]).
 */
export function aucInterval(auc: number, nPos: number, nNeg: number, confidence = DEFAULT_CONFIDENCE): Interval & { se: number } {
  const q1 = auc / (2 - auc);
  const q2 = (2 * auc * auc) / (1 + auc);
  const se = Math.sqrt((auc * (1 - auc) + (nPos - 1) * (q1 - auc * auc) + (nNeg - 1) * (q2 - auc * auc)) / (nPos * nNeg));
  const z = zFor(confidence);
  return { se, low: Math.max(0, auc - z * se), high: Math.min(1, auc + z * se) };
}
