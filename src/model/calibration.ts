import { z } from 'zod';
import { sigmoid } from './logistic.ts';

/**
 * Platt scaling of a model's raw output: PD = σ(a · logit(p) + b), with a > 0 so that calibration
 * never reverses the model's ranking.
 */

export const CalibrationSchema = z.object({
  method: z.literal('platt'),
  /** Positive: calibration may stretch or shift the ranking, never reverse it. */
  a: z.number().positive('must be positive (a calibration that reverses the ranking is refused)'),
  b: z.number(),
  /** Raw outputs are clipped to [eps, 1 − eps] (as probabilities) before taking log-odds. */
  eps: z.number().positive().lt(0.5),
  fittedOn: z.string(),
});
export type Calibration = z.infer<typeof CalibrationSchema>;

export const EPS = 1e-3;

export function clippedLogit(p: number, eps = EPS): number {
  const q = Math.min(1 - eps, Math.max(eps, p));
  return Math.log(q / (1 - q));
}

/** PD from a raw probability. */
export function calibrate(c: Calibration, p: number): number {
  return sigmoid(c.a * clippedLogit(p, c.eps) + c.b);
}

/** PD from a raw log-odds (the same clipping, applied on the log-odds scale). */
export function calibrateLogit(c: Calibration, z: number): number {
  const limit = Math.log((1 - c.eps) / c.eps);
  return sigmoid(c.a * Math.min(limit, Math.max(-limit, z)) + c.b);
}
