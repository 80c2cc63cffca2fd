import { lendingClubBook } from './support/lendingclub-book.ts';
import { describe, expect, it } from 'vitest';
import cdf from '@stdlib/stats-base-dists-normal-cdf';
import quantile from '@stdlib/stats-base-dists-normal-quantile';
import { simulateLosses, type LossDistribution } from '../src/portfolio/monte-carlo.ts';
import { simulateLossesLoanLevel } from './support/monte-carlo-reference.ts';

/**
 * The Monte Carlo samples defaults conditionally on the factor, settling most loans with 8 random
 * bits against bounds per cell of the factor axis. These tests hold it to the exact distribution
 * of the one-factor model, and to the loan-level sampler it replaced on a real book.
 */

/** Exact P(exactly the loans in `mask` default) = ∫ Π p_i(z)^d_i (1 − p_i(z))^(1−d_i) φ(z) dz, by the trapezoid rule on [−10, 10]. */
function patternProbabilities(loans: { pd: number; rho: number }[]): number[] {
  const out = new Array(2 ** loans.length).fill(0);
  const step = 1e-3;
  for (let z = -10; z <= 10; z += step) {
    const weight = (Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI)) * step;
    const p = loans.map((l) => cdf((quantile(l.pd, 0, 1) - Math.sqrt(l.rho) * z) / Math.sqrt(1 - l.rho), 0, 1));
    for (let mask = 0; mask < out.length; mask++) {
      let prob = weight;
      p.forEach((pi, i) => (prob *= mask & (1 << i) ? pi : 1 - pi));
      out[mask] += prob;
    }
  }
  return out;
}

/** Pearson's χ² of observed counts against expected probabilities. */
const chiSquare = (counts: number[], probabilities: number[], n: number) =>
  counts.reduce((s, c, k) => s + (c - n * probabilities[k]) ** 2 / (n * probabilities[k]), 0);
/** χ² critical values at p = 0.001 for 7 and 15 degrees of freedom. */
const CHI2_999 = { 7: 24.32, 15: 37.7 } as const;

describe('Monte Carlo: exact in distribution', () => {
  // Losses 1, 2, 4, 8: every set of defaulting loans gives a different total, so the 16 patterns can be counted.
  const loans = [
    { pd: 0.02, rho: 0.03, ead: 1 },
    { pd: 0.11, rho: 0.08, ead: 2 },
    { pd: 0.3, rho: 0.16, ead: 4 },
    { pd: 0.006, rho: 0.4, ead: 8 },
  ];
  const exact = patternProbabilities(loans);
  const exposures = loans.map((l) => ({ pd: l.pd, lgd: 1, ead: l.ead, rho: l.rho }));
  const correlation = (e: object) => (e as (typeof exposures)[number]).rho;

  it.each([
    ['the default cells (1/32 of a unit of Z)', undefined],
    ['coarse cells, so that p_i(Z) itself decides many draws', 0.25],
  ])('with %s, the 16 default patterns of 4 loans occur as often as the model says (χ², p > 0.001)', (_, cellsPerUnit) => {
    const scenarios = 400_000;
    const r = simulateLosses(exposures, { scenarios, seed: 11, correlation, ...(cellsPerUnit ? { cellsPerUnit } : {}) });
    const counts = new Array(16).fill(0);
    for (const loss of r.losses) counts[Math.round(loss)] += 1;
    expect(counts.reduce((s, c) => s + c, 0)).toBe(scenarios);
    expect(chiSquare(counts, exact, scenarios)).toBeLessThan(CHI2_999[15]);
  });

  it('handles PD 0 (never), PD 1 (always), zero correlation and odd book sizes', () => {
    const book = [
      { pd: 0, lgd: 0.6, ead: 1000 },
      { pd: 1, lgd: 0.5, ead: 100 },
      { pd: 0.2, lgd: 1, ead: 1 },
      { pd: 0.5, lgd: 1, ead: 2 },
      { pd: 0.05, lgd: 1, ead: 4 },
    ];
    const scenarios = 200_000;
    const r = simulateLosses(book, { scenarios, seed: 4, correlation: 0 });
    // With ρ = 0 the loans are independent: pattern probabilities are products of PDs.
    const pds = [0.2, 0.5, 0.05];
    const exactIndependent = Array.from({ length: 8 }, (_, mask) => pds.reduce((p, pd, i) => p * (mask & (1 << i) ? pd : 1 - pd), 1));
    const counts = new Array(8).fill(0);
    for (const loss of r.losses) counts[Math.round(loss - 50)] += 1;
    expect(counts.reduce((s, c) => s + c, 0)).toBe(scenarios);
    expect(chiSquare(counts, exactIndependent, scenarios)).toBeLessThan(CHI2_999[7]);
    expect(r.losses[0]).toBeGreaterThanOrEqual(50);
    expect(simulateLosses([], { scenarios: 1_000, correlation: 0.1 }).var999).toBe(0);
  });

  it('is deterministic for a seed, and another seed gives other draws', () => {
    const a = simulateLosses(exposures, { scenarios: 10_000, seed: 5, correlation });
    const b = simulateLosses(exposures, { scenarios: 10_000, seed: 5, correlation });
    const c = simulateLosses(exposures, { scenarios: 10_000, seed: 6, correlation });
    expect(Array.from(a.losses)).toEqual(Array.from(b.losses));
    expect(Array.from(a.losses)).not.toEqual(Array.from(c.losses));
  });
});

/** Standard errors of the tail figures: VaR from the spread of order statistics one binomial SD either side of rank N·q; ES from the tail's variance. */
function tailErrors(r: LossDistribution, q: number) {
  const n = r.scenarios;
  const at = (p: number) => r.losses[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))];
  const d = Math.sqrt((q * (1 - q)) / n);
  const varSe = (at(q + d) - at(q - d)) / 2;
  const from = Math.ceil(q * n) - 1;
  const tail = r.losses.subarray(from);
  const mean = tail.reduce((s, v) => s + v, 0) / tail.length;
  const variance = tail.reduce((s, v) => s + (v - mean) ** 2, 0) / tail.length;
  const valueAtRisk = r.losses[from];
  const esSe = Math.sqrt((variance + q * (mean - valueAtRisk) ** 2) / (n * (1 - q)));
  return { varSe, esSe };
}

describe('Monte Carlo against the loan-level sampler, on 1,000 real LendingClub loans', () => {
  it('gives the same expected loss, VaR and expected shortfall within sampling error, and EL within its SE of Σ PD·LGD·EAD', async () => {
    const book = await lendingClubBook(1_000);
    expect(book).toHaveLength(1_000);
    const correlation = (e: object) => (e as (typeof book)[number]).rho;
    const fast = simulateLosses(book, { scenarios: 100_000, seed: 42, correlation });
    const old = simulateLossesLoanLevel(book, { scenarios: 40_000, seed: 42, correlation });
    const analytic = book.reduce((s, e) => s + e.pd * e.lgd * e.ead, 0);
    expect(fast.analyticExpectedLoss).toBeCloseTo(analytic, 6);
    // Expected loss: each sampler within 4 of its standard errors of the exact value, and of each other.
    expect(Math.abs(fast.expectedLoss - analytic)).toBeLessThan(4 * fast.standardError);
    expect(Math.abs(old.expectedLoss - analytic)).toBeLessThan(4 * old.standardError);
    expect(Math.abs(fast.expectedLoss - old.expectedLoss)).toBeLessThan(4 * Math.hypot(fast.standardError, old.standardError));
    // Tail figures: the difference within 4 combined standard errors.
    for (const [q, varKey, esKey] of [
      [0.99, 'var99', 'es99'],
      [0.999, 'var999', 'es999'],
    ] as const) {
      const a = tailErrors(fast, q);
      const b = tailErrors(old, q);
      expect(Math.abs(fast[varKey] - old[varKey])).toBeLessThan(4 * Math.hypot(a.varSe, b.varSe));
      expect(Math.abs(fast[esKey] - old[esKey])).toBeLessThan(4 * Math.hypot(a.esSe, b.esSe));
    }
    // The spread of losses agrees too: standard deviations (SE·√N) within 5%.
    const ratio = (fast.standardError * Math.sqrt(100_000)) / (old.standardError * Math.sqrt(40_000));
    expect(ratio).toBeGreaterThan(0.95);
    expect(ratio).toBeLessThan(1.05);
  }, 60_000);
});
