import { describe, expect, it } from 'vitest';
import { streamLendingClub } from '../src/data/lendingclub.ts';
import { loadModel } from '../src/model/load.ts';
import { assess } from '../src/scoring/assess.ts';
import { DEFAULT_POLICY } from '../src/scoring/policy.ts';
import { SHIPPED_CORRELATIONS } from '../src/portfolio/correlation-table.ts';
import { frontierOfBook, optimiseBook } from '../src/portfolio/service.ts';
import { frontierChart } from '../src/portfolio/charts.ts';

/**
 * A book worth optimising: loans priced by the rate card earn different returns, so the efficient
 * frontier over real applicants spans a range a lender can read off the chart, and the optimiser
 * funds whole notes.
 */
describe('the frontier over a realistic book', () => {
  it('spans a visible range of returns, with a legible axis, and funds whole $25 notes', async () => {
    const model = loadModel('models');
    const loans = [];
    for await (const loan of streamLendingClub('datasets/lendingclub_2007_2011.csv.gz')) {
      const a = assess(model, DEFAULT_POLICY, loan.applicant);
      if (a.decision !== 'decline' && a.offer.apr !== null)
        loans.push({
          id: String(loans.length),
          amount: a.offer.amount,
          termMonths: a.offer.termMonths,
          rate: a.offer.apr,
          pd: a.pd,
          purpose: loan.applicant.purpose,
        });
      if (loans.length === 200) break;
    }
    const book = { loans, currentIds: loans.slice(0, 100).map((l) => l.id) };
    const frontier = await frontierOfBook(book, {}, DEFAULT_POLICY, SHIPPED_CORRELATIONS);
    const returns = frontier.points.map((p) => p.expectedReturn);
    const spread = Math.max(...returns) - Math.min(...returns);
    // Before the rate card every loan earned the target margin: the frontier spanned 0.0024 points.
    expect(spread).toBeGreaterThan(0.01);
    const svg = await frontierChart(frontier);
    const ticks = [...svg.matchAll(/>(-?\d+\.\d%)</g)].map((m) => m[1]);
    expect(new Set(ticks).size).toBeGreaterThanOrEqual(4);
    const best = await optimiseBook(book, { limits: {} }, DEFAULT_POLICY, SHIPPED_CORRELATIONS);
    for (const a of best.allocations) {
      expect(a.funded % 25).toBe(0);
      expect(a.funded === 0 || a.funded >= 100).toBe(true);
      expect(a.funded).toBeLessThanOrEqual(a.amount);
    }
    expect(best.lent).toBeLessThanOrEqual(best.budget);
    expect(best.budget - best.lent).toBeLessThan(25);
  });
});

describe('the frontier on a book with identical loans', () => {
  it('converges (warm starts that stall fall back to a cold start), returns rising along it', async () => {
    // A stored book from the bot tests: the same applicant scored three times gives three identical loans.
    const { readFileSync } = await import('node:fs');
    const book = JSON.parse(readFileSync('test/fixtures/book-with-duplicates.json', 'utf8'));
    const duplicates = book.loans.filter(
      (l: { amount: number; rate: number; pd: number }) => l.amount === 12_000 && l.rate === 0.0995 && Math.abs(l.pd - 0.13) < 1e-3,
    );
    expect(duplicates.length).toBeGreaterThanOrEqual(3);
    const frontier = await frontierOfBook(book, {}, DEFAULT_POLICY, SHIPPED_CORRELATIONS);
    expect(frontier.points).toHaveLength(50);
    for (let i = 1; i < frontier.points.length; i++)
      expect(frontier.points[i].expectedReturn).toBeGreaterThanOrEqual(frontier.points[i - 1].expectedReturn - 1e-9);
  });
});
