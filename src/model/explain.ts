import { clippedLogit } from './calibration.ts';
import type { FlatForest } from './flat.ts';
import { logisticLogit, type LogisticModel } from './logistic.ts';
import type { ScorerParts } from './scorer.ts';

/**
 * Why one applicant's raw risk is what it is, per feature, in log-odds. Trees: path-based
 * ("Saabas") contributions — walking each tree from root to leaf, every split moves the node's value
 * and that move is credited to the split's feature. Logistic: β·(x − mean). A blend adds the two
 * with the champion's weights. In every case `base + Σ byFeature` is the champion's log-odds.
 */
export interface Explanation {
  /** Log-odds of the average training row (the starting point of every path). */
  base: number;
  /**
   * A plain array: a Float64Array of a model's 27 features is past V8's 64-byte limit for typed
   * arrays kept on the heap, and each one made per decision cost more than the walk that fills it.
   */
  byFeature: number[];
}

const zeros = (n: number): number[] => new Array<number>(n).fill(0);

/** An explanation with the champion's raw log-odds itself, bit for bit what `rawLogit` gives. */
export interface ExplainedLogit extends Explanation {
  logit: number;
}

/**
 * Saabas contributions of a tree ensemble on its own output scale (forest: bad share; boosting:
 * log-odds); `leafSum` is `flat.ts`'s `leafSum`, summed in the same order so that it is the same
 * number, from the same walk.
 */
export function treeContributions(forest: FlatForest, x: ArrayLike<number>): { bias: number; byFeature: number[]; leafSum: number } {
  const byFeature = zeros(forest.nFeatures);
  const { feature, threshold, left, value, roots } = forest;
  let bias = 0;
  let leafSum = 0;
  for (let t = 0; t < roots.length; t++) {
    let node = roots[t];
    bias += value[node];
    let f = feature[node];
    while (f >= 0) {
      const next = x[f] <= threshold[node] ? left[node] : left[node] + 1;
      byFeature[f] += value[next] - value[node];
      node = next;
      f = feature[node];
    }
    leafSum += value[node];
  }
  if (forest.kind === 'forest') {
    const n = roots.length;
    for (let j = 0; j < byFeature.length; j++) byFeature[j] /= n;
    return { bias: bias / n, byFeature, leafSum };
  }
  return { bias: forest.base + bias, byFeature, leafSum };
}

/** Tree contributions moved to the log-odds scale (keeping their sum exact), and the trees' log-odds as `treeLogit` gives it. */
function treeLogOdds(forest: FlatForest, x: ArrayLike<number>): ExplainedLogit {
  const { bias, byFeature, leafSum } = treeContributions(forest, x);
  if (forest.kind === 'boosting') return { base: bias, byFeature, logit: forest.base + leafSum };
  // A forest's contributions add up to p − bias in probability, p its mean leaf; scale them to logit(p) − logit(bias).
  const p = leafSum / forest.roots.length;
  const base = clippedLogit(bias);
  const logit = clippedLogit(p);
  const span = p - bias;
  const factor = Math.abs(span) > 1e-12 ? (logit - base) / span : 1 / Math.max(1e-6, bias * (1 - bias));
  for (let j = 0; j < byFeature.length; j++) byFeature[j] *= factor;
  return { base, byFeature, logit };
}

function logisticContributions(model: LogisticModel, x: ArrayLike<number>): ExplainedLogit {
  const byFeature = zeros(model.coefficients.length);
  for (let j = 0; j < byFeature.length; j++) byFeature[j] = (model.coefficients[j] * (x[j] - model.means[j])) / model.scales[j];
  return { base: model.intercept, byFeature, logit: logisticLogit(model, x) };
}

/**
 * The champion's log-odds for `x`, feature by feature, and the log-odds itself: one walk of the
 * trees gives both, so a live decision scores and explains for the price of one.
 *
 * @example const { logit, base, byFeature } = explain(model, applicantFeatures(spec, applicant));
 */
export function explain(parts: ScorerParts, x: ArrayLike<number>): ExplainedLogit {
  const { scorer, trees, logistic } = parts;
  const out: ExplainedLogit = { base: 0, byFeature: zeros(x.length), logit: 0 };
  // Added in `rawLogit`'s order (trees, then logistic), so `logit` is that very number.
  if (scorer.treeWeight > 0) addWeighted(out, treeLogOdds(trees!, x), scorer.treeWeight);
  if (scorer.logisticWeight > 0) addWeighted(out, logisticContributions(logistic, x), scorer.logisticWeight);
  return out;
}

function addWeighted(into: ExplainedLogit, part: ExplainedLogit, weight: number): void {
  into.base += weight * part.base;
  into.logit += weight * part.logit;
  for (let j = 0; j < into.byFeature.length; j++) into.byFeature[j] += weight * part.byFeature[j];
}
