import { z } from 'zod';

/** Logistic maths needed at scoring time: the stored model's shape, log-odds and probabilities. */

export const LogisticModelSchema = z.object({
  means: z.array(z.number()),
  scales: z.array(z.number().positive()),
  coefficients: z.array(z.number()),
  intercept: z.number(),
  l2: z.number().nonnegative(),
  iterations: z.number().int(),
});
export type LogisticModel = z.infer<typeof LogisticModelSchema>;

export const logit = (p: number): number => Math.log(p / (1 - p));
export const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

export function logisticLogit(model: LogisticModel, x: ArrayLike<number>, offset = 0): number {
  let eta = model.intercept;
  for (let j = 0; j < model.coefficients.length; j++) {
    eta += (model.coefficients[j] * (x[offset + j] - model.means[j])) / model.scales[j];
  }
  return eta;
}

export function predictLogistic(model: LogisticModel, X: Float64Array, nRows: number): Float64Array {
  const p = model.coefficients.length;
  const out = new Float64Array(nRows);
  for (let r = 0; r < nRows; r++) out[r] = sigmoid(logisticLogit(model, X, r * p));
  return out;
}
