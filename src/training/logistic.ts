import { z } from 'zod';
import { Matrix, solve } from 'ml-matrix';

/**
 * L2-regularised logistic regression fitted by Newton–Raphson (IRLS) on standardised inputs.
 * The baseline model, and (on one input) Platt calibration.
 */

export const LogisticModelSchema = z.object({
  means: z.array(z.number()),
  scales: z.array(z.number().positive()),
  coefficients: z.array(z.number()),
  intercept: z.number(),
  l2: z.number().nonnegative(),
  iterations: z.number().int(),
});
export type LogisticModel = z.infer<typeof LogisticModelSchema>;

export interface LogisticOptions {
  /** Ridge penalty on the standardised coefficients (not on the intercept). */
  l2?: number;
  maxIterations?: number;
  tolerance?: number;
}

export const logit = (p: number): number => Math.log(p / (1 - p));
export const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** Fits on a row-major matrix X (nRows × nFeatures), optionally only on `rows`. */
export function fitLogistic(
  X: Float64Array,
  y: ArrayLike<number>,
  nFeatures: number,
  rows: ArrayLike<number>,
  options: LogisticOptions = {},
): LogisticModel {
  const { l2 = 1, maxIterations = 50, tolerance = 1e-9 } = options;
  const n = rows.length;
  const p = nFeatures;
  const means = new Array<number>(p).fill(0);
  const scales = new Array<number>(p).fill(0);
  for (let k = 0; k < n; k++) for (let j = 0; j < p; j++) means[j] += X[rows[k] * p + j] / n;
  for (let k = 0; k < n; k++) for (let j = 0; j < p; j++) scales[j] += (X[rows[k] * p + j] - means[j]) ** 2 / n;
  for (let j = 0; j < p; j++) scales[j] = Math.sqrt(scales[j]) || 1;

  // Design matrix with a leading column of ones for the intercept.
  const Z = new Float64Array(n * (p + 1));
  for (let k = 0; k < n; k++) {
    Z[k * (p + 1)] = 1;
    for (let j = 0; j < p; j++) Z[k * (p + 1) + j + 1] = (X[rows[k] * p + j] - means[j]) / scales[j];
  }
  const beta = new Float64Array(p + 1);
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    const H = Matrix.zeros(p + 1, p + 1);
    const g = new Float64Array(p + 1);
    for (let k = 0; k < n; k++) {
      let eta = 0;
      for (let j = 0; j <= p; j++) eta += Z[k * (p + 1) + j] * beta[j];
      const mu = sigmoid(eta);
      const w = Math.max(mu * (1 - mu), 1e-12);
      const r = y[rows[k]] - mu;
      for (let a = 0; a <= p; a++) {
        const za = Z[k * (p + 1) + a];
        g[a] += za * r;
        for (let b = a; b <= p; b++) H.set(a, b, H.get(a, b) + w * za * Z[k * (p + 1) + b]);
      }
    }
    for (let a = 0; a <= p; a++) {
      if (a > 0) {
        g[a] -= l2 * beta[a];
        H.set(a, a, H.get(a, a) + l2);
      }
      for (let b = 0; b < a; b++) H.set(a, b, H.get(b, a));
    }
    const step = solve(H, Matrix.columnVector(Array.from(g))).to1DArray();
    let change = 0;
    for (let j = 0; j <= p; j++) {
      beta[j] += step[j];
      change = Math.max(change, Math.abs(step[j]));
    }
    if (change < tolerance) {
      iterations++;
      break;
    }
  }
  return { means, scales, coefficients: Array.from(beta.subarray(1)), intercept: beta[0], l2, iterations };
}

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
