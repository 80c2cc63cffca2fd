import { describe, expect, it } from 'vitest';
import cdf from '@stdlib/stats-base-dists-normal-cdf';
import quantile from '@stdlib/stats-base-dists-normal-quantile';
import { portfolioCapital, retailCapital, retailCorrelation } from '../src/portfolio/basel.ts';
import { simulateLosses } from '../src/portfolio/monte-carlo.ts';
import { bivariateNormalCdf, correlationsBySegment, estimateCorrelation } from '../src/portfolio/correlation.ts';
import { mulberry32 } from '../src/forest/rng.ts';

describe('Basel IRB, other retail', () => {
  // Basel II (June 2006) Annex 5, "Illustrative IRB risk weights", other retail exposures.
  const PUBLISHED: [number, number, number][] = [
    // PD, risk weight at LGD 45%, at LGD 85%
    [0.0003, 4.45, 8.41],
    [0.0005, 6.63, 12.52],
    [0.001, 11.16, 21.08],
    [0.0025, 21.15, 39.96],
    [0.004, 28.42, 53.69],
    [0.005, 32.36, 61.13],
    [0.0075, 40.1, 75.74],
    [0.01, 45.77, 86.46],
    [0.013, 50.8, 95.95],
    [0.015, 53.37, 100.81],
    [0.02, 57.99, 109.53],
    [0.025, 60.9, 115.03],
  ];

  it.each(PUBLISHED)('PD %f: risk weights %f%% (LGD 45%%) and %f%% (LGD 85%%) as published', (pd, rw45, rw85) => {
    expect(retailCapital(pd, 0.45, 1, 0).riskWeight * 100).toBeCloseTo(rw45, 1);
    expect(retailCapital(pd, 0.85, 1, 0).riskWeight * 100).toBeCloseTo(rw85, 1);
    expect(Math.abs(retailCapital(pd, 0.45, 1, 0).riskWeight * 100 - rw45)).toBeLessThanOrEqual(0.006);
  });

  it('applies the PD floor, the correlation range, RWA and EL', () => {
    expect(retailCorrelation(0)).toBeCloseTo(0.16, 12);
    expect(retailCorrelation(1)).toBeCloseTo(0.03, 6);
    const tiny = retailCapital(0.0001, 0.45, 1000);
    expect(tiny.pd).toBe(0.0005);
    const c = retailCapital(0.02, 0.6, 10_000);
    expect(c.rwa).toBeCloseTo(c.k * 12.5 * 10_000, 8);
    expect(c.expectedLoss).toBeCloseTo(0.02 * 0.6 * 10_000, 10);
    const book = portfolioCapital([
      { pd: 0.02, lgd: 0.6, ead: 10_000 },
      { pd: 0.1, lgd: 0.6, ead: 5_000 },
    ]);
    expect(book.rwa).toBeCloseTo(book.loans[0].rwa + book.loans[1].rwa, 8);
    expect(book.ead).toBe(15_000);
  });
});

describe('Monte Carlo portfolio losses', () => {
  const book = Array.from({ length: 400 }, (_, i) => ({ pd: 0.02 + (i % 10) * 0.01, lgd: 0.6, ead: 5_000 + (i % 7) * 1_000 }));

  it('expected loss converges to Σ PD × LGD × EAD within sampling error', () => {
    const r = simulateLosses(book, { scenarios: 20_000, seed: 3, correlation: 0.05 });
    expect(Math.abs(r.expectedLoss - r.analyticExpectedLoss)).toBeLessThan(4 * r.standardError);
    expect(r.var999).toBeGreaterThanOrEqual(r.var99);
    expect(r.es99).toBeGreaterThanOrEqual(r.var99);
    expect(r.es999).toBeGreaterThanOrEqual(r.var999);
  });

  it('is reproducible with a seed, and correlation fattens the tail', () => {
    const a = simulateLosses(book, { scenarios: 5_000, seed: 9, correlation: 0.05 });
    const b = simulateLosses(book, { scenarios: 5_000, seed: 9, correlation: 0.05 });
    expect(Array.from(a.losses)).toEqual(Array.from(b.losses));
    const low = simulateLosses(book, { scenarios: 5_000, seed: 9, correlation: 0.01 });
    const high = simulateLosses(book, { scenarios: 5_000, seed: 9, correlation: 0.2 });
    expect(high.var99).toBeGreaterThan(low.var99);
  });

  it('matches the Vasicek large-portfolio quantile for many small identical loans', () => {
    const n = 2_000;
    const pd = 0.05;
    const rho = 0.1;
    const r = simulateLosses(
      Array.from({ length: n }, () => ({ pd, lgd: 1, ead: 1 })),
      { scenarios: 20_000, seed: 5, correlation: rho },
    );
    const vasicek = n * cdf((quantile(pd, 0, 1) + Math.sqrt(rho) * quantile(0.99, 0, 1)) / Math.sqrt(1 - rho), 0, 1);
    expect(r.var99 / vasicek).toBeGreaterThan(0.95);
    expect(r.var99 / vasicek).toBeLessThan(1.05);
  });
});

describe('asset correlation from default-rate variation', () => {
  it('bivariate normal CDF matches closed forms', () => {
    for (const rho of [-0.5, 0.1, 0.3, 0.8]) expect(bivariateNormalCdf(0, 0, rho)).toBeCloseTo(0.25 + Math.asin(rho) / (2 * Math.PI), 10);
    expect(bivariateNormalCdf(-1.2, 0.4, 0)).toBeCloseTo(cdf(-1.2, 0, 1) * cdf(0.4, 0, 1), 12);
    // P(X ≤ h, Y ≤ h) with ρ → 1 tends to Φ(h).
    expect(bivariateNormalCdf(-1, -1, 0.9999)).toBeCloseTo(cdf(-1, 0, 1), 2);
  });

  it('recovers ρ from simulated Vasicek default rates (synthetic data, known answer)', () => {
    const rng = mulberry32(17);
    const normal = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
    const pd = 0.1;
    const rho = 0.05;
    const c = quantile(pd, 0, 1);
    const cohorts = Array.from({ length: 400 }, () => {
      const conditional = cdf((c - Math.sqrt(rho) * normal()) / Math.sqrt(1 - rho), 0, 1);
      const n = 4_000;
      let defaults = 0;
      for (let i = 0; i < n; i++) defaults += rng() < conditional ? 1 : 0;
      return { n, defaults };
    });
    const estimate = estimateCorrelation(cohorts);
    expect(estimate.rho).not.toBeNull();
    expect(Math.abs(estimate.rho! - rho)).toBeLessThan(0.015);
    // Pure binomial noise (ρ = 0) gives no correlation.
    const flat = Array.from({ length: 200 }, () => {
      let defaults = 0;
      for (let i = 0; i < 2_000; i++) defaults += rng() < pd ? 1 : 0;
      return { n: 2_000, defaults };
    });
    const none = estimateCorrelation(flat);
    expect(none.rho === null || none.rho < 0.003).toBe(true);
  });

  it('estimates LendingClub correlations by grade, of the same order as the Basel retail values', async () => {
    const { streamLendingClub } = await import('../src/data/lendingclub.ts');
    const loans: { bad: 0 | 1; segment: string }[] = [];
    for await (const l of streamLendingClub('datasets/lendingclub_2007_2011.csv.gz')) loans.push({ bad: l.bad, segment: 'all' });
    const [book] = correlationsBySegment(loans, 12);
    expect(book.loans).toBe(16_778);
    expect(book.rho).toBeGreaterThan(0.01);
    expect(book.rho).toBeLessThan(0.1);
    expect(retailCorrelation(book.pd)).toBeGreaterThan(0.03);
  });
});
