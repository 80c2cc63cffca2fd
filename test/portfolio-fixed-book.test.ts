import { beforeAll, describe, expect, it } from 'vitest';
import { quadprogSolve } from './support/quadprog-reference.ts';
import { loadModel } from '../src/model/load.ts';
import { loadHistory, type HistoricalLoan } from '../src/portfolio/history.ts';
import { SHIPPED_CORRELATIONS } from '../src/portfolio/correlation-table.ts';
import { priceLoans, type PricedLoan } from '../src/portfolio/loans.ts';
import { denseCovariance } from '../src/portfolio/covariance.ts';
import { FrontierPool } from '../src/portfolio/frontier-pool.ts';
import {
  allocation,
  buildBook,
  efficientFrontier,
  maximumReturn,
  minimumVariance,
  optimise,
  PortfolioError,
  type Allocation,
  type Book,
  type FixedExposure,
  type Limits,
} from '../src/portfolio/markowitz.ts';

/**
 * New loans chosen with an existing book held fixed: the variance minimised is the whole book's.
 * References: the fixed book's segments expanded into individual equal loans, every covariance
 * entry from the bivariate normal (denseCovariance), and quadprog on that explicit objective.
 */

let history: HistoricalLoan[];
const economics = { lgd: 0.6, fundingCost: 0.04 };
const price = (loans: HistoricalLoan[]) => priceLoans(loans, economics, SHIPPED_CORRELATIONS);
/** Loans per segment when a segment is expanded for the references (hhi = 1/20). */
const LOANS_PER_SEGMENT = 20;

beforeAll(async () => {
  history = await loadHistory(loadModel('models'));
});

/** A segment of equal loans alike to the candidates of one risk band (their mean PD, loss and return), of the given exposure. */
function segmentLike(loans: readonly PricedLoan[], band: string, exposure: number, count = LOANS_PER_SEGMENT): FixedExposure {
  const members = loans.filter((l) => l.band === band);
  const mean = (f: (l: PricedLoan) => number) => members.reduce((s, l) => s + f(l), 0) / members.length;
  return {
    pd: mean((l) => l.pd),
    lgd: economics.lgd,
    rho: members[0].rho,
    lossIfDefault: mean((l) => l.lossIfDefault),
    exposure,
    hhi: 1 / count,
    expectedReturn: mean((l) => l.expectedReturn),
  };
}

/** The candidates, then every segment as LOANS_PER_SEGMENT equal loans: the whole book loan by loan. */
function expanded(book: Book, fixed: readonly FixedExposure[]) {
  const loans = [...book.loans, ...fixed.flatMap((f) => Array.from({ length: LOANS_PER_SEGMENT }, () => f))];
  const held = fixed.flatMap((f) => Array<number>(LOANS_PER_SEGMENT).fill(f.exposure / LOANS_PER_SEGMENT));
  return { dense: denseCovariance(loans), held };
}

/** The whole book's variance from the dense reference: (x, e)ᵀ·Σ·(x, e). */
function denseBookVariance(book: Book, fixed: readonly FixedExposure[], x: ArrayLike<number>): number {
  const { dense, held } = expanded(book, fixed);
  const w = [...Array.from(x), ...held];
  let v = 0;
  for (let i = 0; i < w.length; i++) for (let j = 0; j < w.length; j++) v += w[i] * dense[i][j] * w[j];
  return v;
}

/** Σ_xx and Σ_xe·e from the dense reference, for quadprog. */
function denseObjective(book: Book, fixed: readonly FixedExposure[]): { Sigma: number[][]; cross: number[] } {
  const { dense, held } = expanded(book, fixed);
  const n = book.loans.length;
  return {
    Sigma: dense.slice(0, n).map((row) => row.slice(0, n)),
    cross: dense.slice(0, n).map((row) => held.reduce((s, e, k) => s + row[n + k] * e, 0)),
  };
}

const objectiveOf = (Sigma: number[][], c: number[], x: ArrayLike<number>) => {
  let v = 0;
  for (let i = 0; i < c.length; i++) {
    v += c[i] * x[i];
    for (let j = 0; j < c.length; j++) v += 0.5 * x[i] * Sigma[i][j] * x[j];
  }
  return v;
};

const budgetOf = (loans: readonly PricedLoan[], share: number) => loans.reduce((s, l) => s + l.amount, 0) * share;
const bandShare = (book: Book, a: Pick<Allocation, 'funded'>, band: string) =>
  book.loans.reduce((s, l, i) => s + (l.band === band ? a.funded[i] : 0), 0) / book.budget;

describe('a fixed book against the loan-by-loan reference', () => {
  const limits: Limits = { purpose: 0.5, riskBand: 0.6 };
  let loans: PricedLoan[];
  let fixed: FixedExposure[];
  let book: Book;

  beforeAll(() => {
    // Amounts in thousands keep quadprog well scaled; the fixed book is a few times the budget.
    loans = price(history.slice(400, 418).map((l) => ({ ...l, amount: l.amount / 1000 })));
    const budget = budgetOf(loans, 0.4);
    fixed = [segmentLike(loans, 'D', 2 * budget), segmentLike(loans, 'B', budget)];
    book = buildBook(loans, budget, limits, fixed);
  });

  it('gives the whole book the variance of its segments expanded into equal loans, to 1e-9', () => {
    const high = maximumReturn(book);
    const low = minimumVariance(book);
    const middle = minimumVariance(book, (low.expectedReturn + high.expectedReturn) / 2);
    for (const a of [low, middle, high, optimise(book, 20)]) {
      const reference = denseBookVariance(book, fixed, a.funded);
      const exposure = book.budget + fixed.reduce((s, f) => s + f.exposure, 0);
      expect(Math.abs((a.bookRisk * exposure) ** 2 - reference)).toBeLessThan(1e-9 * reference);
    }
  });

  it('reports the whole book’s return as the fixed and the new money’s, over their joint exposure', () => {
    const a = minimumVariance(book);
    const fixedReturn = fixed.reduce((s, f) => s + f.exposure * f.expectedReturn, 0);
    const exposure = book.budget + fixed.reduce((s, f) => s + f.exposure, 0);
    expect(a.bookExpectedReturn).toBeCloseTo((a.expectedReturn * book.budget + fixedReturn) / exposure, 14);
  });

  it('least whole-book variance for a target return: the same optimum as quadprog on xᵀΣx + 2·xᵀΣ_xe·e', () => {
    const low = minimumVariance(book);
    const target = (low.expectedReturn + maximumReturn(book).expectedReturn) / 2;
    const ours = minimumVariance(book, target);
    const { Sigma, cross } = denseObjective(book, fixed);
    const ref = quadprogSolve(book, Sigma, cross, target);
    expect(ref.message).toBe('');
    const best = objectiveOf(Sigma, cross, ref.x);
    expect(Math.abs(objectiveOf(Sigma, cross, ours.funded) - best)).toBeLessThan(1e-7 * Math.abs(best));
    for (let i = 0; i < loans.length; i++) expect(Math.abs(ours.funded[i] - ref.x[i])).toBeLessThan(1e-4 * book.budget);
  });

  it('return − λ/2·(whole-book variance): the same optimum as quadprog', () => {
    const riskAversion = 20;
    const lambda = riskAversion / book.budget;
    const ours = optimise(book, riskAversion);
    const dense = denseObjective(book, fixed);
    const Sigma = dense.Sigma.map((row) => row.map((v) => v * lambda));
    const c = dense.cross.map((v, i) => lambda * v - book.mu[i]);
    const ref = quadprogSolve(book, Sigma, c);
    expect(ref.message).toBe('');
    const best = objectiveOf(Sigma, c, ref.x);
    expect(Math.abs(objectiveOf(Sigma, c, ours.funded) - best)).toBeLessThan(1e-7 * Math.abs(best) + 1e-9);
    for (let i = 0; i < loans.length; i++) expect(Math.abs(ours.funded[i] - ref.x[i])).toBeLessThan(1e-4 * book.budget);
  });

  it('refuses a segment without a valid Herfindahl index or exposure', () => {
    const budget = budgetOf(loans, 0.4);
    expect(() => buildBook(loans, budget, limits, [{ ...fixed[0], hhi: 0 }])).toThrow(PortfolioError);
    expect(() => buildBook(loans, budget, limits, [{ ...fixed[0], exposure: -1 }])).toThrow(/fixed segment 0/);
  });
});

describe('new money next to a fixed book of real loans', () => {
  const limits: Limits = { purpose: 0.3, riskBand: { D: 0.45, E: 0.1 } };
  let loans: PricedLoan[];
  let plain: Book;
  let budget: number;

  beforeAll(() => {
    loans = price(history.slice(0, 1000));
    budget = budgetOf(loans, 0.3);
    plain = buildBook(loans, budget, limits);
  });

  it('with no fixed book nothing changes: the same covariance and frontier, the book figures equal the new money’s', () => {
    const empty = buildBook(loans, budget, limits, []);
    expect(empty.fixed).toBeUndefined();
    expect(empty.cov).toEqual(plain.cov);
    const frontier = efficientFrontier(plain, 12);
    expect(efficientFrontier(empty, 12)).toEqual(frontier);
    for (const p of frontier) {
      expect(p.bookExpectedReturn).toBe(p.expectedReturn);
      expect(p.bookRisk).toBe(p.risk);
    }
  });

  it('a fixed book concentrated in band D pushes the new money out of band D', () => {
    // Three budgets of band-D loans already lent, in 2,000 equal loans.
    const heldInD = buildBook(loans, budget, limits, [segmentLike(loans, 'D', 3 * budget, 2000)]);
    const heldInB = buildBook(loans, budget, limits, [segmentLike(loans, 'B', 3 * budget, 2000)]);
    const low = minimumVariance(plain);
    const high = maximumReturn(plain);
    expect(bandShare(heldInD, minimumVariance(heldInD), 'D')).toBeLessThan(bandShare(plain, low, 'D'));
    for (const share of [0.25, 0.5, 0.75]) {
      const target = low.expectedReturn + share * (high.expectedReturn - low.expectedReturn);
      const alone = minimumVariance(plain, target);
      const next = minimumVariance(heldInD, target);
      expect(bandShare(heldInD, next, 'D')).toBeLessThan(bandShare(plain, alone, 'D') - 0.005);
      // The optimum for the whole book beats the allocation chosen as if the fixed book were not there.
      expect(next.bookRisk).toBeLessThan(allocation(heldInD, alone.funded).bookRisk);
    }
    // The push comes from correlation: the same exposure in band B (ρ 0.027 against 0.060) pushes less.
    const target = low.expectedReturn + 0.75 * (high.expectedReturn - low.expectedReturn);
    expect(bandShare(heldInD, minimumVariance(heldInD, target), 'D')).toBeLessThan(bandShare(heldInB, minimumVariance(heldInB, target), 'D') - 0.005);
  });

  it('gives the same whole-book frontier on a pool of worker threads', async () => {
    const book = buildBook(loans, budget, limits, [segmentLike(loans, 'D', 3 * budget, 2000), segmentLike(loans, 'C', budget, 500)]);
    const frontier = efficientFrontier(book, 50);
    for (let p = 1; p < 50; p++) expect(frontier[p].bookRisk).toBeGreaterThanOrEqual(frontier[p - 1].bookRisk - 1e-9);
    const pool = FrontierPool.create(2);
    try {
      const parallel = await pool.frontier(book, 50);
      expect(parallel).toHaveLength(50);
      parallel.forEach((p, k) => {
        expect(Math.abs(p.expectedReturn - frontier[k].expectedReturn)).toBeLessThan(1e-8);
        expect(Math.abs(p.bookRisk - frontier[k].bookRisk)).toBeLessThan(1e-7 * frontier[k].bookRisk);
      });
    } finally {
      await pool.close();
    }
  });
});
