import cdf from '@stdlib/stats-base-dists-normal-cdf';
import quantile from '@stdlib/stats-base-dists-normal-quantile';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { bivariateNormalCdf } from './correlation.ts';

/**
 * Covariance of loan returns under the one-factor default model (Gaussian copula / Vasicek).
 * Given the common factor Z, loans default independently with p_i(Z) = Φ((Φ⁻¹(p_i) − √ρ_i·Z)/√(1−ρ_i)),
 * so for i ≠ j Cov(D_i, D_j) = E[p_i(Z)·p_j(Z)] − p_i·p_j. Integrating over Z by Gauss–Hermite
 * quadrature writes the whole matrix as diagonal + F·Fᵀ with F only n × K: the solver then works in
 * O(n·K²) instead of O(n³). The reference `denseCovariance` computes each entry from Φ₂ instead.
 */

export interface RiskExposure {
  /** One-year default probability. */
  pd: number;
  /** Return lost per unit funded when the loan defaults (LGD plus the interest not earned). */
  lossIfDefault: number;
  /** Asset correlation of the loan's segment. */
  rho: number;
}

/** Σ = diag(d) + F·Fᵀ, F stored row-major (n × rank). */
export interface FactorCovariance {
  n: number;
  rank: number;
  diag: Float64Array;
  factors: Float64Array;
}

const NODES = 48;

/** Probabilists' Gauss–Hermite rule (weight e^(−z²/2)/√(2π)), by Golub–Welsch. */
export function gaussHermite(k: number): { nodes: number[]; weights: number[] } {
  const jacobi = Matrix.zeros(k, k);
  for (let i = 1; i < k; i++) {
    jacobi.set(i, i - 1, Math.sqrt(i));
    jacobi.set(i - 1, i, Math.sqrt(i));
  }
  const eig = new EigenvalueDecomposition(jacobi, { assumeSymmetric: true });
  const vectors = eig.eigenvectorMatrix;
  const nodes = eig.realEigenvalues;
  const weights = nodes.map((_, i) => vectors.get(0, i) ** 2);
  return { nodes, weights };
}

let rule: { nodes: number[]; weights: number[] } | undefined;

function conditionalPd(pd: number, rho: number, z: number): number {
  if (pd <= 0) return 0;
  if (pd >= 1) return 1;
  return cdf((quantile(pd, 0, 1) - Math.sqrt(rho) * z) / Math.sqrt(1 - rho), 0, 1);
}

/**
 * The factor form of Σ. Columns of the quadrature matrix are compressed to the directions that
 * carry weight (eigenvalues of FᵀF above 1e-13 of the largest), which drops nothing measurable.
 */
export function factorCovariance(loans: readonly RiskExposure[]): FactorCovariance {
  rule ??= gaussHermite(NODES);
  const { nodes, weights } = rule;
  const n = loans.length;
  const raw = new Matrix(n, NODES);
  const diag = new Float64Array(n);
  loans.forEach((loan, i) => {
    const values = nodes.map((z) => conditionalPd(loan.pd, loan.rho, z));
    const mean = values.reduce((s, v, k) => s + weights[k] * v, 0);
    let systematic = 0;
    for (let k = 0; k < NODES; k++) {
      const f = loan.lossIfDefault * (values[k] - mean) * Math.sqrt(weights[k]);
      raw.set(i, k, f);
      systematic += f * f;
    }
    diag[i] = Math.max(0, loan.lossIfDefault ** 2 * loan.pd * (1 - loan.pd) - systematic);
  });
  const gram = raw.transpose().mmul(raw);
  const eig = new EigenvalueDecomposition(gram, { assumeSymmetric: true });
  const values = eig.realEigenvalues;
  const top = Math.max(0, ...values);
  const keep = values
    .map((v, k) => [v, k] as const)
    .filter(([v]) => top > 0 && v > top * 1e-13)
    .map(([, k]) => k);
  const projected = keep.length ? raw.mmul(eig.eigenvectorMatrix.subMatrixColumn(keep)) : new Matrix(n, 0);
  const rank = keep.length;
  const factors = new Float64Array(n * rank);
  for (let i = 0; i < n; i++) for (let c = 0; c < rank; c++) factors[i * rank + c] = projected.get(i, c);
  return { n, rank, diag, factors };
}

/** Σ·v in O(n·rank). */
export function covarianceTimes(cov: FactorCovariance, v: ArrayLike<number>, out = new Float64Array(cov.n)): Float64Array {
  const { n, rank, diag, factors } = cov;
  const t = new Float64Array(rank);
  for (let i = 0; i < n; i++) for (let c = 0; c < rank; c++) t[c] += factors[i * rank + c] * v[i];
  for (let i = 0; i < n; i++) {
    let s = diag[i] * v[i];
    for (let c = 0; c < rank; c++) s += factors[i * rank + c] * t[c];
    out[i] = s;
  }
  return out;
}

/** vᵀΣv. */
export function quadraticForm(cov: FactorCovariance, v: ArrayLike<number>): number {
  const sv = covarianceTimes(cov, v);
  let s = 0;
  for (let i = 0; i < cov.n; i++) s += v[i] * sv[i];
  return s;
}

/** Reference: every entry from the bivariate normal, O(n²) Φ₂ evaluations. For tests and small books. */
export function denseCovariance(loans: readonly RiskExposure[]): number[][] {
  const c = loans.map((l) => quantile(l.pd, 0, 1));
  return loans.map((a, i) =>
    loans.map((b, j) => {
      if (i === j) return a.lossIfDefault ** 2 * a.pd * (1 - a.pd);
      const joint = bivariateNormalCdf(c[i], c[j], Math.sqrt(a.rho * b.rho));
      return a.lossIfDefault * b.lossIfDefault * (joint - a.pd * b.pd);
    }),
  );
}

/**
 * Rows [from, to) of a factor covariance, in the same factors: a covariance built on a union (loans
 * and the segments of a fixed book) keeps the cross covariances of its parts exact.
 *
 * @example
 * const union = factorCovariance([...loans, ...segments]);
 * const loansOnly = factorRows(union, 0, loans.length);
 */
export function factorRows(cov: FactorCovariance, from: number, to: number): FactorCovariance {
  return { n: to - from, rank: cov.rank, diag: cov.diag.slice(from, to), factors: cov.factors.slice(from * cov.rank, to * cov.rank) };
}
