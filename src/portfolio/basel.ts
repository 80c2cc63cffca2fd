import cdf from '@stdlib/stats-base-dists-normal-cdf';
import quantile from '@stdlib/stats-base-dists-normal-quantile';

/**
 * Basel IRB capital for "other retail" exposures (Basel II, paragraph 330; the formula Basel III
 * keeps), per loan and in total: PD floor, asset correlation by the retail formula, capital
 * requirement K per unit of EAD at 99.9%, risk-weighted assets and expected loss.
 */
export const RETAIL_PD_FLOOR = 0.0005; // Basel III retail floor (0.05%); Basel II used 0.03%
const Phi = (x: number) => cdf(x, 0, 1);
const PhiInv = (p: number) => quantile(p, 0, 1);

/** Other-retail asset correlation: from 16% for the safest loans down to 3% for the riskiest. */
export function retailCorrelation(pd: number): number {
  const w = (1 - Math.exp(-35 * pd)) / (1 - Math.exp(-35));
  return 0.03 * w + 0.16 * (1 - w);
}

export interface CapitalFigures {
  pd: number;
  correlation: number;
  /** Capital per unit of exposure: the 99.9% conditional loss minus the expected loss. */
  k: number;
  riskWeight: number;
  rwa: number;
  capital: number;
  expectedLoss: number;
}

export function retailCapital(pd: number, lgd: number, ead: number, pdFloor = RETAIL_PD_FLOOR): CapitalFigures {
  const p = Math.max(pdFloor, Math.min(1, pd));
  const r = retailCorrelation(p);
  const k = p >= 1 ? 0 : Math.max(0, lgd * Phi((PhiInv(p) + Math.sqrt(r) * PhiInv(0.999)) / Math.sqrt(1 - r)) - p * lgd);
  return { pd: p, correlation: r, k, riskWeight: k * 12.5, rwa: k * 12.5 * ead, capital: k * ead, expectedLoss: p * lgd * ead };
}

export interface Exposure {
  pd: number;
  lgd: number;
  ead: number;
}

export function portfolioCapital(exposures: readonly Exposure[], pdFloor = RETAIL_PD_FLOOR) {
  const each = exposures.map((e) => retailCapital(e.pd, e.lgd, e.ead, pdFloor));
  const sum = (f: (c: CapitalFigures) => number) => each.reduce((s, c) => s + f(c), 0);
  return {
    loans: each,
    ead: exposures.reduce((s, e) => s + e.ead, 0),
    rwa: sum((c) => c.rwa),
    capital: sum((c) => c.capital),
    expectedLoss: sum((c) => c.expectedLoss),
  };
}
