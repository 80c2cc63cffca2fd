import quantile from '@stdlib/stats-base-dists-normal-quantile';
import { mulberry32, type Rng } from '../forest/rng.ts';
import type { Exposure } from './basel.ts';

/**
 * Portfolio losses with correlated defaults (one-factor Gaussian copula, Vasicek): in each
 * scenario a common factor Z and an idiosyncratic ε_i per loan are drawn, and loan i defaults when
 * √ρ_i·Z + √(1−ρ_i)·ε_i < Φ⁻¹(PD_i). Seeded: the same seed gives the same distribution.
 */

export interface LossDistribution {
  scenarios: number;
  /** Mean simulated loss, and its standard error. */
  expectedLoss: number;
  standardError: number;
  /** Σ PD × LGD × EAD: what the mean should converge to. */
  analyticExpectedLoss: number;
  var99: number;
  var999: number;
  es99: number;
  es999: number;
  /** Simulated losses, sorted ascending (for charts). */
  losses: Float64Array;
}

/** Standard normal draws by Box–Muller, keeping the second value of each pair. */
function normalSource(rng: Rng): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const u = 1 - rng();
    const v = rng();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

export interface SimulationOptions {
  scenarios?: number;
  seed?: number;
  /** Asset correlation, one for all loans or per loan. */
  correlation: number | ((exposure: Exposure) => number);
}

export function simulateLosses(exposures: readonly Exposure[], options: SimulationOptions): LossDistribution {
  const scenarios = options.scenarios ?? 100_000;
  const n = exposures.length;
  const threshold = new Float64Array(n);
  const loadings = new Float64Array(n);
  const idiosyncratic = new Float64Array(n);
  const lossGiven = new Float64Array(n);
  exposures.forEach((e, i) => {
    const rho = typeof options.correlation === 'number' ? options.correlation : options.correlation(e);
    if (!(rho >= 0 && rho < 1)) throw new Error(`loan ${i}: asset correlation ${rho} is outside [0, 1)`);
    threshold[i] = e.pd <= 0 ? -Infinity : e.pd >= 1 ? Infinity : quantile(e.pd, 0, 1);
    loadings[i] = Math.sqrt(rho);
    idiosyncratic[i] = Math.sqrt(1 - rho);
    lossGiven[i] = e.lgd * e.ead;
  });
  const normal = normalSource(mulberry32(options.seed ?? 42));
  const losses = new Float64Array(scenarios);
  for (let s = 0; s < scenarios; s++) {
    const z = normal();
    let loss = 0;
    for (let i = 0; i < n; i++) if (loadings[i] * z + idiosyncratic[i] * normal() < threshold[i]) loss += lossGiven[i];
    losses[s] = loss;
  }
  let sum = 0;
  let sumSq = 0;
  for (const l of losses) {
    sum += l;
    sumSq += l * l;
  }
  const mean = sum / scenarios;
  const variance = Math.max(0, sumSq / scenarios - mean * mean);
  losses.sort();
  const valueAtRisk = (q: number) => losses[Math.min(scenarios - 1, Math.ceil(q * scenarios) - 1)];
  const shortfall = (q: number) => {
    const from = Math.min(scenarios - 1, Math.ceil(q * scenarios) - 1);
    let tail = 0;
    for (let k = from; k < scenarios; k++) tail += losses[k];
    return tail / (scenarios - from);
  };
  return {
    scenarios,
    expectedLoss: mean,
    standardError: Math.sqrt(variance / scenarios),
    analyticExpectedLoss: exposures.reduce((s, e) => s + e.pd * e.lgd * e.ead, 0),
    var99: valueAtRisk(0.99),
    var999: valueAtRisk(0.999),
    es99: shortfall(0.99),
    es999: shortfall(0.999),
    losses,
  };
}
