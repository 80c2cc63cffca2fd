import { fitLogistic } from './logistic.ts';
import { clippedLogit, EPS, type Calibration } from '../model/calibration.ts';

/**
 * Platt scaling on the log-odds of the forest's vote share: PD = σ(a · logit(p) + b).
 * Forest probabilities are squeezed towards the middle; this stretches them back, fitted on
 * predictions for rows the trees did not train on (cross-validation out-of-fold).
 */

export function fitPlatt(p: ArrayLike<number>, y: ArrayLike<number>, fittedOn: string): Calibration {
  const x = Float64Array.from({ length: p.length }, (_, i) => clippedLogit(p[i]));
  const rows = Uint32Array.from({ length: p.length }, (_, i) => i);
  const model = fitLogistic(x, y, 1, rows, { l2: 0 });
  // Undo the standardisation so the stored pair applies to raw log-odds.
  const a = model.coefficients[0] / model.scales[0];
  const b = model.intercept - a * model.means[0];
  return { method: 'platt', a, b, eps: EPS, fittedOn };
}
