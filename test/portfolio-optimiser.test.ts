import { beforeAll, describe, expect, it } from 'vitest';
import { quadprogSolve } from './support/quadprog-reference.ts';
import { Matrix, solve } from 'ml-matrix';
import { loadModel } from '../src/model/load.ts';
import { loadHistory, type HistoricalLoan } from '../src/portfolio/history.ts';
import { SHIPPED_CORRELATIONS } from '../src/portfolio/correlation-table.ts';
import { priceLoans, type PricedLoan } from '../src/portfolio/loans.ts';
import { denseCovariance, factorCovariance, quadraticForm } from '../src/portfolio/covariance.ts';
import { FrontierPool } from '../src/portfolio/frontier-pool.ts';
import { buildBook, efficientFrontier, maximumReturn, minimumVariance, optimise, PortfolioError, type Book, type Limits } from '../src/portfolio/markowitz.ts';
import { solveQp, type Constraint, type QpProblem } from '../src/portfolio/qp.ts';

// Real loans: the latest LendingClub loans in datasets/, PDs from the shipped model, rates as LendingClub set them.
let history: HistoricalLoan[];
const economics = { lgd: 0.6, fundingCost: 0.04 };
const correlations = SHIPPED_CORRELATIONS;
const price = (loans: HistoricalLoan[]) => priceLoans(loans, economics, correlations);

beforeAll(async () => {
  history = await loadHistory(loadModel('models'));
});

/** A small book with several purposes and bands, amounts in thousands to keep the references well scaled. */
function smallBook(n: number, offset: number): PricedLoan[] {
  return price(history.slice(offset, offset + n).map((l) => ({ ...l, amount: l.amount / 1000 })));
}

const objectiveOf = (Sigma: number[][], c: number[], x: ArrayLike<number>) => {
  let v = 0;
  for (let i = 0; i < c.length; i++) {
    v += c[i] * x[i];
    for (let j = 0; j < c.length; j++) v += 0.5 * x[i] * Sigma[i][j] * x[j];
  }
  return v;
};

/** The same problem for quadprog (dense, Goldfarb–Idnani), with Σ from the bivariate normal. */
function referenceSolve(book: Book, lambda: number, target?: number): { x: number[]; objective: number; Sigma: number[][]; c: number[] } {
  const dense = denseCovariance(book.loans);
  const Sigma = dense.map((row) => row.map((v) => v * (target === undefined ? lambda : 1)));
  const c = Array.from(book.mu, (m) => (target === undefined ? -m : 0));
  const { x, message } = quadprogSolve(book, Sigma, c, target);
  expect(message).toBe('');
  return { x, objective: objectiveOf(Sigma, c, x), Sigma, c };
}

describe('one-factor covariance', () => {
  it('matches the entry-by-entry bivariate-normal covariance, in a low-rank form', () => {
    const loans = smallBook(60, 0);
    const dense = denseCovariance(loans);
    const cov = factorCovariance(loans);
    expect(cov.rank).toBeLessThan(16);
    const top = Math.max(...dense.flat().map(Math.abs));
    let worst = 0;
    for (let i = 0; i < loans.length; i++) {
      for (let j = 0; j < loans.length; j++) {
        let v = i === j ? cov.diag[i] : 0;
        for (let a = 0; a < cov.rank; a++) v += cov.factors[i * cov.rank + a] * cov.factors[j * cov.rank + a];
        worst = Math.max(worst, Math.abs(v - dense[i][j]));
      }
    }
    expect(worst / top).toBeLessThan(1e-6);
    // Correlated defaults: off-diagonal covariances are positive.
    expect(dense[0][1]).toBeGreaterThan(0);
  });
});

const budgetOf = (loans: PricedLoan[], share: number) => loans.reduce((s, l) => s + l.amount, 0) * share;

describe('Markowitz solver against references', () => {
  const limits: Limits = { purpose: 0.4, riskBand: 0.45 };

  it.each([
    [12, 0, 2],
    [16, 100, 20],
    [20, 400, 200],
  ])('%i loans (from row %i), risk aversion %f: the same optimum as quadprog', (n, offset, riskAversion) => {
    const loans = smallBook(n, offset);
    const book = buildBook(loans, budgetOf(loans, 0.4), limits);
    const ours = optimise(book, riskAversion);
    const ref = referenceSolve(book, riskAversion / book.budget);
    const objective = objectiveOf(ref.Sigma, ref.c, ours.funded);
    expect(Math.abs(objective - ref.objective)).toBeLessThan(1e-7 * Math.abs(ref.objective) + 1e-9);
    for (let i = 0; i < n; i++) expect(Math.abs(ours.funded[i] - ref.x[i])).toBeLessThan(1e-4 * book.budget);
  });

  it('least variance for a target return: the same optimum as quadprog', () => {
    const loans = smallBook(14, 800);
    const book = buildBook(loans, budgetOf(loans, 0.5), limits);
    const low = minimumVariance(book);
    const high = maximumReturn(book);
    const target = (low.expectedReturn + high.expectedReturn) / 2;
    const ours = minimumVariance(book, target);
    const ref = referenceSolve(book, 1, target);
    expect(ours.expectedReturn).toBeGreaterThanOrEqual(target - 1e-9);
    const variance = objectiveOf(ref.Sigma, ref.c, ours.funded);
    expect(Math.abs(variance - ref.objective)).toBeLessThan(1e-7 * ref.objective);
  });

  it('agrees with brute force over every face of the feasible set (6 loans, a purpose cap)', () => {
    const loans = smallBook(6, 50).map((l, i) => ({ ...l, purpose: i < 3 ? 'a' : 'b' }));
    const book = buildBook(loans, budgetOf(loans, 0.55), { purpose: 0.6 });
    const riskAversion = 30;
    const ours = optimise(book, riskAversion);
    const dense = denseCovariance(loans).map((row) => row.map((v) => (v * riskAversion) / book.budget));
    const c = Array.from(book.mu, (m) => -m);
    const n = loans.length;
    // Each loan at 0, at its amount or free; each cap active or not. On each face, solve the
    // equality-constrained problem; the best feasible candidate is the global optimum (convexity).
    let best = Infinity;
    for (let code = 0; code < 3 ** n * 4; code++) {
      const state = Array.from({ length: n }, (_, i) => Math.floor(code / 3 ** i) % 3);
      const activeCaps = book.caps.filter((_, k) => (Math.floor(code / 3 ** n) >> k) & 1);
      const free = state.map((s, i) => (s === 2 ? i : -1)).filter((i) => i >= 0);
      const fixed = state.map((s, i) => (s === 0 ? 0 : s === 1 ? book.upper[i] : 0));
      const rows = [book.budgetRow, ...activeCaps].map((r) => {
        const a = Array(n).fill(0);
        for (let p = 0; p < r.row.index.length; p++) a[r.row.index[p]] = r.row.value[p];
        return { a, b: r.rhs };
      });
      const f = free.length;
      const m = rows.length;
      const K = Matrix.zeros(f + m, f + m);
      const rhs = Matrix.zeros(f + m, 1);
      free.forEach((i, a) => {
        free.forEach((j, b) => K.set(a, b, dense[i][j]));
        rows.forEach((r, k) => {
          K.set(a, f + k, r.a[i]);
          K.set(f + k, a, r.a[i]);
        });
        rhs.set(a, 0, -c[i] - fixed.reduce((s, v, j) => s + dense[i][j] * v, 0));
      });
      rows.forEach((r, k) => rhs.set(f + k, 0, r.b - r.a.reduce((s, v, j) => s + v * fixed[j], 0)));
      let sol: Matrix;
      try {
        sol = solve(K, rhs);
      } catch {
        continue;
      }
      const x = fixed.slice();
      free.forEach((i, a) => (x[i] = sol.get(a, 0)));
      if (x.some((v) => !Number.isFinite(v))) continue;
      const residual = rows.reduce((worst, r) => Math.max(worst, Math.abs(r.a.reduce((s, v, j) => s + v * x[j], 0) - r.b)), 0);
      const feasible =
        residual < 1e-6 &&
        x.every((v, i) => v >= -1e-9 && v <= book.upper[i] + 1e-9) &&
        book.caps.every((cap) => Array.from(cap.row.index).reduce((s, i) => s + x[i], 0) <= cap.rhs + 1e-9);
      if (feasible) best = Math.min(best, objectiveOf(dense, c, x));
    }
    expect(Number.isFinite(best)).toBe(true);
    expect(Math.abs(objectiveOf(dense, c, ours.funded) - best)).toBeLessThan(1e-7 * Math.abs(best));
  });
});

describe('efficient frontier', () => {
  let book: Book;
  let frontier: ReturnType<typeof efficientFrontier>;
  const limits: Limits = { purpose: 0.3, riskBand: { D: 0.3, E: 0.1 } };

  beforeAll(() => {
    const loans = price(history.slice(0, 1000));
    book = buildBook(loans, budgetOf(loans, 0.3), limits);
    frontier = efficientFrontier(book, 50);
  });

  it('has 50 points from least variance to highest return, return rising and risk never falling', () => {
    expect(frontier).toHaveLength(50);
    for (let p = 1; p < 50; p++) {
      expect(frontier[p].expectedReturn).toBeGreaterThan(frontier[p - 1].expectedReturn);
      expect(frontier[p].risk).toBeGreaterThanOrEqual(frontier[p - 1].risk - 1e-9);
    }
    // No allocation the optimiser finds for any risk appetite beats the ends.
    for (const lambda of [0.5, 5, 50]) {
      const a = optimise(book, lambda);
      expect(a.risk).toBeGreaterThanOrEqual(frontier[0].risk - 1e-9);
      expect(a.expectedReturn).toBeLessThanOrEqual(frontier[49].expectedReturn + 1e-9);
    }
  });

  it('keeps every constraint at every point', () => {
    const purposeShare = new Map<string, number>();
    for (const point of frontier) {
      const total = point.funded.reduce((s, v) => s + v, 0);
      expect(Math.abs(total - book.budget)).toBeLessThan(1e-6 * book.budget);
      point.funded.forEach((v, i) => {
        expect(v).toBeGreaterThanOrEqual(-1e-9 * book.budget);
        expect(v).toBeLessThanOrEqual(book.loans[i].amount * (1 + 1e-9));
      });
      purposeShare.clear();
      const bandShare = new Map<string, number>();
      book.loans.forEach((l, i) => {
        purposeShare.set(l.purpose, (purposeShare.get(l.purpose) ?? 0) + point.funded[i] / book.budget);
        bandShare.set(l.band, (bandShare.get(l.band) ?? 0) + point.funded[i] / book.budget);
      });
      for (const share of purposeShare.values()) expect(share).toBeLessThanOrEqual(0.3 + 1e-7);
      expect(bandShare.get('D') ?? 0).toBeLessThanOrEqual(0.3 + 1e-7);
      expect(bandShare.get('E') ?? 0).toBeLessThanOrEqual(0.1 + 1e-7);
      expect(Math.abs(point.risk - Math.sqrt(quadraticForm(book.cov, point.funded)) / book.budget)).toBeLessThan(1e-12);
    }
  });

  it('is at every point the optimum of a solve over every loan (working sets change the cost, not the answer)', () => {
    for (const k of [1, 12, 25, 37, 48]) {
      const whole = minimumVariance(book, frontier[k].expectedReturn);
      expect(Math.abs(frontier[k].risk - whole.risk)).toBeLessThan(1e-9 * whole.risk);
      expect(frontier[k].expectedReturn).toBeGreaterThanOrEqual(whole.expectedReturn - 1e-12);
    }
  });

  it('gives the same frontier on a pool of worker threads', async () => {
    const pool = FrontierPool.create(2);
    try {
      const parallel = await pool.frontier(book, 50);
      expect(parallel).toHaveLength(50);
      parallel.forEach((p, k) => {
        expect(Math.abs(p.expectedReturn - frontier[k].expectedReturn)).toBeLessThan(1e-8);
        expect(Math.abs(p.risk - frontier[k].risk)).toBeLessThan(1e-7 * frontier[k].risk);
      });
    } finally {
      await pool.close();
    }
  });

  it('refuses limits that cannot spend the budget, naming the limit', () => {
    const loans = price(history.slice(0, 200));
    expect(() => buildBook(loans, budgetOf(loans, 0.9), { purpose: 0.2 })).toThrow(PortfolioError);
    expect(() => buildBook(loans, budgetOf(loans, 0.9), { purpose: 0.2 })).toThrow(/purpose limits let at most/);
    expect(() => buildBook(loans, budgetOf(loans, 1.1))).toThrow(/more than the 200 loans ask for/);
  });
});

/** The least-variance problem for a target return, as markowitz.ts poses it. */
function leastVarianceProblem(book: Book, target: number): QpProblem {
  const returnRow: Constraint = { row: { index: book.loans.map((_, i) => i), value: Array.from(book.mu, (m) => -m) }, rhs: -target * book.budget };
  return {
    cov: book.cov,
    linear: new Float64Array(book.loans.length),
    upper: book.upper,
    equalities: [book.budgetRow],
    inequalities: [...book.caps, returnRow],
  };
}

describe('working-set solves from a neighbouring solution', () => {
  const limits: Limits = { purpose: 0.3, riskBand: { D: 0.3, E: 0.1 } };

  it('reach the same optimum as quadprog (20 loans, the target raised from a solved one)', () => {
    const loans = smallBook(20, 400);
    const book = buildBook(loans, budgetOf(loans, 0.4), { purpose: 0.4, riskBand: 0.45 });
    const low = minimumVariance(book).expectedReturn;
    const high = maximumReturn(book).expectedReturn;
    const before = solveQp(leastVarianceProblem(book, low + 0.5 * (high - low)));
    const target = low + 0.6 * (high - low);
    const ours = solveQp({ ...leastVarianceProblem(book, target), near: before });
    const ref = referenceSolve(book, 1, target);
    expect(Math.abs(objectiveOf(ref.Sigma, ref.c, ours.x) - ref.objective)).toBeLessThan(1e-7 * ref.objective);
  });

  it('get out of held sets that leave no feasible subproblem: by releasing more, through a feasible allocation, or by solving over every loan', () => {
    const loans = price(history.slice(0, 1000));
    const book = buildBook(loans, budgetOf(loans, 0.3), limits);
    const low = minimumVariance(book);
    const high = maximumReturn(book);
    // The least-variance allocation holds its loans where no allocation earns 90% of the way to the highest return.
    const problem = leastVarianceProblem(book, low.expectedReturn + 0.9 * (high.expectedReturn - low.expectedReturn));
    const whole = solveQp(problem);
    const lowest = solveQp({ ...problem, inequalities: book.caps });
    const multipliers = Float64Array.of(...lowest.multipliers, 0);
    for (const near of [{ x: low.funded, multipliers, feasible: high.funded }, { x: low.funded, feasible: high.funded }, { x: low.funded }]) {
      const ours = solveQp({ ...problem, near });
      expect(Math.abs(ours.objective - whole.objective)).toBeLessThan(1e-9 * whole.objective);
    }
  });
});
