import quantile from '@stdlib/stats-base-dists-normal-quantile';
import { mulberry32, type Rng } from '../../src/forest/rng.ts';
import type { Exposure } from '../../src/portfolio/basel.ts';
import { summariseLosses, type LossDistribution, type SimulationOptions } from '../../src/portfolio/monte-carlo.ts';

/**
 * The loan-level sampler Lendwise used before issue 11, kept as the reference the fast sampler is
 * checked against (tests and `npm run bench -- portfolio`): in each scenario a common factor Z and
 * an idiosyncratic ε_i per loan are drawn (Box–Muller), and loan i defaults when
 * √ρ_i·Z + √(1−ρ_i)·ε_i < Φ⁻¹(PD_i). One normal per loan per scenario: O(loans × scenarios) normals.
 */
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

export function simulateLossesLoanLevel(exposures: readonly Exposure[], options: SimulationOptions): LossDistribution {
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
  return summariseLosses(losses, exposures);
}
