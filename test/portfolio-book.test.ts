import { describe, expect, it } from 'vitest';
import { fitMacroRelation, stressPd } from '../src/macro/stress.ts';
import { portfolioCapital } from '../src/portfolio/basel.ts';
import { groupLoans, priceGroups, RiskOptionsSchema, riskOfGroups, riskSegments, stressOfGroups } from '../src/portfolio/book.ts';
import { SHIPPED_CORRELATIONS } from '../src/portfolio/correlation-table.ts';
import { priceLoans } from '../src/portfolio/loans.ts';
import { simulateLosses } from '../src/portfolio/monte-carlo.ts';
import { asrfLossDistribution, segmentBook } from '../src/portfolio/segments.ts';
import { DEFAULT_POLICY } from '../src/scoring/policy.ts';
import { lendingClubLoans } from './support/lendingclub-book.ts';
import { syntheticMacroSeries } from './support/macro.ts';

/**
 * The book as groups (term × purpose × risk band × 6%-wide PD bucket), as the database sums it,
 * against the same loans one by one, on 1,000 real LendingClub loans priced by the shipped model.
 *
 * Measured (seed 42): 1,000 loans → 340 groups → 38 risk segments. From loan by loan: Basel
 * capital −0.001%, expected loss −0.01% (the one-year PD of a group's mean term PD), large-pool
 * VaR 99.9% −0.003% and ES −0.003% (from the loans' own segments), stressed expected loss −0.003%.
 * Monte Carlo, 20,000 scenarios: the segment check's VaR 99.9% +1.0% from the loan-level sampler's,
 * the large-pool VaR −1.1% (name concentration): within 5%, so the large-pool figures are the answer.
 */

const economics = { lgd: DEFAULT_POLICY.lossGivenDefault, fundingCost: DEFAULT_POLICY.fundingCost };
const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('the book as groups, against loan by loan (1,000 real LendingClub loans)', () => {
  it('keeps the exposure, the loans and the expected loss exactly, and Basel capital within 0.1%', async () => {
    const loans = await lendingClubLoans(1_000);
    const groups = groupLoans(loans);
    expect(groups.length).toBeLessThan(loans.length);
    const priced = priceLoans(loans, economics, SHIPPED_CORRELATIONS);
    const byLoan = portfolioCapital(priced.map((l) => ({ pd: l.pd, lgd: l.lgd, ead: l.amount })));
    const report = riskOfGroups(groups, RiskOptionsSchema.parse({ scenarios: 20_000 }), economics, SHIPPED_CORRELATIONS);
    expect(report.loans).toBe(1_000);
    expect(report.exposure).toBeCloseTo(byLoan.ead, 1);
    expect(relative(report.basel.capital, byLoan.capital)).toBeLessThan(1e-3);
    expect(relative(report.basel.rwa, byLoan.rwa)).toBeLessThan(1e-3);
    // The one-year PD of a group's mean term PD: the expected loss moves by the curvature of 1 − (1 − p)^(12/term) only.
    expect(relative(report.basel.expectedLoss, byLoan.expectedLoss)).toBeLessThan(1e-3);
    const earned = priced.reduce((s, l) => s + l.expectedReturn * l.amount, 0) / byLoan.ead;
    expect(Math.abs(report.expectedReturn - earned)).toBeLessThan(1e-4);

    // The same risk segments as the loans give, up to the PD buckets' spread.
    const fromLoans = asrfLossDistribution(segmentBook(priced.map((l) => ({ pd: l.pd, lgd: l.lgd, rho: l.rho, ead: l.amount }))));
    expect(relative(report.largePool.var999, fromLoans.var[0.999])).toBeLessThan(2e-3);
    expect(relative(report.largePool.es999, fromLoans.es[0.999])).toBeLessThan(2e-3);
    expect(riskSegments(priceGroups(groups, economics, SHIPPED_CORRELATIONS)).reduce((n, s) => n + s.count, 0)).toBe(1_000);

    // The segment check against the loan-level sampler; the answer names its source by the 5% rule.
    const loanLevel = simulateLosses(
      priced.map((l) => ({ pd: l.pd, lgd: l.lgd, ead: l.amount, rho: l.rho })),
      { scenarios: 20_000, seed: 42, correlation: (e) => (e as unknown as { rho: number }).rho },
    );
    expect(relative(report.monteCarlo.var999, loanLevel.var999)).toBeLessThan(0.05);
    expect(report.losses.source).toBe(report.monteCarlo.var999 > report.largePool.var999 * 1.05 ? 'monteCarlo' : 'largePool');
  });

  it('stresses each group as the loans would be, within 0.5% of loan by loan', async () => {
    const loans = await lendingClubLoans(1_000);
    const { unemployment, chargeOffs } = syntheticMacroSeries();
    const relation = fitMacroRelation(unemployment, chargeOffs);
    const stressed = stressOfGroups(groupLoans(loans), economics, SHIPPED_CORRELATIONS, relation, 3);
    if ('unavailable' in stressed) throw new Error(stressed.unavailable);
    const shift = stressPd(relation, 3);
    const byLoan = priceLoans(
      loans.map((l) => ({ ...l, pd: shift(l.pd) })),
      economics,
      SHIPPED_CORRELATIONS,
    );
    const el = byLoan.reduce((s, l) => s + l.pd * l.lgd * l.amount, 0);
    expect(relative(stressed.expectedLoss, el)).toBeLessThan(5e-3);
    expect(stressed.capital).toBeGreaterThan(
      portfolioCapital(priceLoans(loans, economics, SHIPPED_CORRELATIONS).map((l) => ({ pd: l.pd, lgd: l.lgd, ead: l.amount }))).capital,
    );
  });

  it('refuses an empty book in plain words', () => {
    expect(() => riskOfGroups([], RiskOptionsSchema.parse({}), economics, SHIPPED_CORRELATIONS)).toThrow(/the book is empty/);
  });
});
