import { z } from 'zod';
import { fitLogistic, sigmoid } from './logistic.ts';

/**
 * Platt scaling on the log-odds of the forest's vote share: PD = σ(a · logit(p) + b).
 * Forest probabilities are squeezed towards the middle; this stretches them back, fitted on
 * predictions for rows the trees did not train on (cross-validation out-of-fold).
 */

export const CalibrationSchema = z.object({
  method: z.literal('platt'),
  a: z.number(),
  b: z.number(),
  /** Forest outputs are clipped to [eps, 1 − eps] before taking log-odds. */
  eps: z.number().positive().lt(0.5),
  fittedOn: z.string(),
});
export type Calibration = z.infer<typeof CalibrationSchema>;

const EPS = 1e-3;

export function clippedLogit(p: number, eps = EPS): number {
  const q = Math.min(1 - eps, Math.max(eps, p));
  return Math.log(q / (1 - q));
}

export function fitPlatt(p: ArrayLike<number>, y: ArrayLike<number>, fittedOn: string): Calibration {
  const x = Float64Array.from({ length: p.length }, (_, i) => clippedLogit(p[i]));
  const rows = Uint32Array.from({ length: p.length }, (_, i) => i);
  const model = fitLogistic(x, y, 1, rows, { l2: 0 });
  // Undo the standardisation so the stored pair applies to raw log-odds.
  const a = model.coefficients[0] / model.scales[0];
  const b = model.intercept - a * model.means[0];
  return { method: 'platt', a, b, eps: EPS, fittedOn };
}

export function calibrate(c: Calibration, p: number): number {
  return sigmoid(c.a * clippedLogit(p, c.eps) + c.b);
}
