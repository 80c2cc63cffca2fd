import { clippedLogit } from './calibration.ts';
import type { FlatForest } from './flat.ts';
import type { LogisticModel } from './logistic.ts';
import { treeLogit, type ScorerParts } from './scorer.ts';

/**
 * Why one applicant's raw risk is what it is, per feature, in log-odds. Trees: path-based
 * ("Saabas") contributions — walking each tree from root to leaf, every split moves the node's value
 * and that move is credited to the split's feature. Logistic: β·(x − mean). A blend adds the two
 * with the champion's weights. In every case `base + Σ byFeature` is exactly the champion's log-odds.
 */
export interface Explanation {
  /** Log-odds of the average training row (the starting point of every path). */
  base: number;
  byFeature: Float64Array;
}

/** Saabas contributions of a tree ensemble on its own output scale (forest: bad share; boosting: log-odds). */
export function treeContributions(forest: FlatForest, x: ArrayLike<number>): { bias: number; byFeature: Float64Array } {
  const byFeature = new Float64Array(forest.nFeatures);
  const { feature, threshold, left, value, roots } = forest;
  let bias = 0;
  for (let t = 0; t < roots.length; t++) {
    let node = roots[t];
    bias += value[node];
    while (feature[node] >= 0) {
      const next = x[feature[node]] <= threshold[node] ? left[node] : left[node] + 1;
      byFeature[feature[node]] += value[next] - value[node];
      node = next;
    }
  }
  if (forest.kind === 'forest') {
    const n = roots.length;
    for (let f = 0; f < byFeature.length; f++) byFeature[f] /= n;
    return { bias: bias / n, byFeature };
  }
  return { bias: forest.base + bias, byFeature };
}

/** Tree contributions moved to the log-odds scale, keeping their sum exact. */
function treeLogOdds(forest: FlatForest, x: ArrayLike<number>): Explanation {
  const { bias, byFeature } = treeContributions(forest, x);
  if (forest.kind === 'boosting') return { base: bias, byFeature };
  // A forest's contributions add up to p − bias in probability; scale them to logit(p) − logit(bias).
  const p = bias + byFeature.reduce((s, v) => s + v, 0);
  const base = clippedLogit(bias);
  const span = p - bias;
  const factor = Math.abs(span) > 1e-12 ? (treeLogit(forest, x) - base) / span : 1 / Math.max(1e-6, bias * (1 - bias));
  return { base, byFeature: byFeature.map((v) => v * factor) };
}

function logisticContributions(model: LogisticModel, x: ArrayLike<number>): Explanation {
  const byFeature = Float64Array.from(model.coefficients, (b, j) => (b * (x[j] - model.means[j])) / model.scales[j]);
  return { base: model.intercept, byFeature };
}

/**
 * The champion's log-odds for `x`, feature by feature.
 *
 * @example const { base, byFeature } = explain(model, applicantFeatures(spec, applicant));
 */
export function explain(parts: ScorerParts, x: ArrayLike<number>): Explanation {
  const { scorer, trees, logistic } = parts;
  const byFeature = new Float64Array(x.length);
  let base = 0;
  const add = (e: Explanation, w: number) => {
    base += w * e.base;
    for (let f = 0; f < byFeature.length; f++) byFeature[f] += w * e.byFeature[f];
  };
  if (scorer.treeWeight > 0) add(treeLogOdds(trees!, x), scorer.treeWeight);
  if (scorer.logisticWeight > 0) add(logisticContributions(logistic, x), scorer.logisticWeight);
  return { base, byFeature };
}
