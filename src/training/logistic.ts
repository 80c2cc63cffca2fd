import { Matrix, solve } from 'ml-matrix';
import { sigmoid, type LogisticModel } from '../model/logistic.ts';

/**
 * L2-regularised logistic regression fitted by Newton–Raphson (IRLS) on standardised inputs.
 * The baseline model, and (on one input) Platt calibration.
 */

export interface LogisticOptions {
  /** Ridge penalty on the standardised coefficients (not on the intercept). */
  l2?: number;
  maxIterations?: number;
  tolerance?: number;
  /**
   * Per feature: +1 the coefficient may not be negative, -1 not positive, 0 free. Held by an active
   * set: a coefficient that would cross zero is fixed at zero, and freed again when the gradient
   * points back into the allowed side.
   */
  signs?: readonly number[];
  /** Per feature: multiplies `l2` for that coefficient (default 1; 0 leaves it unpenalised, e.g. a nuisance indicator). */
  penaltyFactors?: readonly number[];
}

/** Fits on a row-major matrix X (nRows × nFeatures), optionally only on `rows`. */
export function fitLogistic(X: Float64Array, y: ArrayLike<number>, nFeatures: number, rows: ArrayLike<number>, options: LogisticOptions = {}): LogisticModel {
  const { l2 = 1, maxIterations = 50, tolerance = 1e-9, signs, penaltyFactors } = options;
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
  /** Coefficients held at zero by their sign constraint (index in beta). */
  const fixed = new Uint8Array(p + 1);
  /** Freed once and pushed straight back: not freed again (keeps the active set from cycling). */
  const stuck = new Uint8Array(p + 1);
  const sign = (a: number) => (a > 0 && signs ? (signs[a - 1] ?? 0) : 0);
  const gradientAndHessian = () => {
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
        const penalty = l2 * (penaltyFactors?.[a - 1] ?? 1);
        g[a] -= penalty * beta[a];
        H.set(a, a, H.get(a, a) + penalty);
      }
      for (let b = 0; b < a; b++) H.set(a, b, H.get(b, a));
    }
    return { H, g };
  };
  let iterations = 0;
  let justFreed = -1;
  for (let outer = 0; outer <= 2 * p + 1; outer++) {
    // Newton on the free coefficients; a step that would cross a sign boundary stops there and fixes it.
    for (let inner = 0; inner < maxIterations; inner++, iterations++) {
      const { H, g } = gradientAndHessian();
      for (let a = 0; a <= p; a++) {
        if (!fixed[a]) continue;
        for (let b = 0; b <= p; b++) {
          H.set(a, b, a === b ? 1 : 0);
          H.set(b, a, a === b ? 1 : 0);
        }
        g[a] = 0;
      }
      const step = solve(H, Matrix.columnVector(Array.from(g))).to1DArray();
      let t = 1;
      let blocking = -1;
      for (let a = 1; a <= p; a++) {
        const c = sign(a);
        if (c === 0 || fixed[a] || (beta[a] + step[a]) * c >= 0) continue;
        const ta = Math.abs(beta[a]) / Math.abs(step[a]);
        if (ta < t) {
          t = ta;
          blocking = a;
        }
      }
      let change = 0;
      for (let j = 0; j <= p; j++) {
        beta[j] += t * step[j];
        change = Math.max(change, Math.abs(t * step[j]));
      }
      if (blocking >= 0) {
        beta[blocking] = 0;
        fixed[blocking] = 1;
        if (blocking === justFreed && t === 0) stuck[blocking] = 1;
        justFreed = -1;
        continue;
      }
      justFreed = -1;
      if (change < tolerance) break;
    }
    // Free the held coefficient whose gradient points furthest into its allowed side, if any.
    const { g } = gradientAndHessian();
    let release = -1;
    for (let a = 1; a <= p; a++) {
      if (fixed[a] && !stuck[a] && g[a] * sign(a) > 1e-7 && (release < 0 || g[a] * sign(a) > g[release] * sign(release))) release = a;
    }
    if (release < 0) break;
    fixed[release] = 0;
    justFreed = release;
  }
  return { means, scales, coefficients: Array.from(beta.subarray(1)), intercept: beta[0], l2, iterations };
}
