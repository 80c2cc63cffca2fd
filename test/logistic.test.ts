import { describe, expect, it } from 'vitest';
import { fitLogistic } from '../src/training/logistic.ts';
import { predictLogistic, sigmoid } from '../src/model/logistic.ts';
import { fitPlatt } from '../src/training/calibrate.ts';
import { calibrate } from '../src/model/calibration.ts';
import { mulberry32 } from '../src/forest/rng.ts';
import { rocAuc } from '../src/evaluation/metrics.ts';
import { germanCredit } from './helpers.ts';

// Synthetic data (labelled as such): outcomes drawn from a known logistic model, to check recovery.
function simulate(n: number, beta: number[], intercept: number, seed: number) {
  const rng = mulberry32(seed);
  const p = beta.length;
  const X = new Float64Array(n * p);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let eta = intercept;
    for (let j = 0; j < p; j++) {
      X[i * p + j] = (rng() - 0.5) * 4 + j * 10; // off-centre, to test standardisation
      eta += beta[j] * X[i * p + j];
    }
    y[i] = rng() < sigmoid(eta) ? 1 : 0;
  }
  return { X, y };
}

describe('logistic regression', () => {
  it('recovers known coefficients from simulated data', () => {
    const beta = [0.8, -0.5];
    const { X, y } = simulate(20_000, beta, 5, 1);
    const rows = Uint32Array.from({ length: 20_000 }, (_, i) => i);
    const model = fitLogistic(X, y, 2, rows, { l2: 0 });
    const raw = model.coefficients.map((c, j) => c / model.scales[j]);
    expect(raw[0]).toBeCloseTo(0.8, 1);
    expect(raw[1]).toBeCloseTo(-0.5, 1);
    expect(model.iterations).toBeLessThan(20);
  });

  it('ranks real held-out German Credit applicants well above chance', async () => {
    const { set, X, nFeatures, train, test } = await germanCredit();
    const model = fitLogistic(X, set.y, nFeatures, train, { l2: 1 });
    const Xt = new Float64Array(test.length * nFeatures);
    test.forEach((r, i) => Xt.set(X.subarray(r * nFeatures, (r + 1) * nFeatures), i * nFeatures));
    const auc = rocAuc(
      Array.from(test, (r) => set.y[r]),
      predictLogistic(model, Xt, test.length),
    );
    expect(auc).toBeGreaterThan(0.75);
  });
});

describe('Platt calibration', () => {
  it('recovers a known distortion of log-odds', () => {
    // True PD = σ(2·logit(p) − 1): p is "too flat", as forest vote shares are.
    const rng = mulberry32(2);
    const p: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < 30_000; i++) {
      const q = 0.05 + 0.9 * rng();
      p.push(q);
      y.push(rng() < sigmoid(2 * Math.log(q / (1 - q)) - 1) ? 1 : 0);
    }
    const c = fitPlatt(p, y, 'simulated');
    expect(c.a).toBeCloseTo(2, 1);
    expect(c.b).toBeCloseTo(-1, 1);
    expect(calibrate(c, 0.5)).toBeCloseTo(sigmoid(-1), 1);
  });

  it('keeps order: calibration never changes the ranking', () => {
    const c = { method: 'platt' as const, a: 1.3, b: 0.4, eps: 1e-3, fittedOn: 'test' };
    const ps = [0.01, 0.1, 0.3, 0.6, 0.99];
    const q = ps.map((p) => calibrate(c, p));
    for (let i = 1; i < q.length; i++) expect(q[i]).toBeGreaterThan(q[i - 1]);
  });
});
