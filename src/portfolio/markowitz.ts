import { z } from 'zod';
import { RISK_BANDS, type RiskBand } from '../scoring/policy.ts';
import { factorCovariance, factorRows, quadraticForm, type FactorCovariance, type RiskExposure } from './covariance.ts';
import type { PricedLoan } from './loans.ts';
import { QpError, solveQp, type Constraint, type QpNeighbour, type QpProblem } from './qp.ts';

/**
 * Mean–variance allocation of a budget across loans (Markowitz): fractional funding
 * 0 ≤ x_i ≤ amount_i, the whole budget lent, and caps on the share of the budget per purpose
 * and per risk band. With an existing book held fixed, the variance minimised is the whole book's
 * (existing + new): xᵀΣx + 2·xᵀΣ_xe·e (+ the constant eᵀΣ_ee·e), so the new money diversifies the
 * book the lender already has.
 */

const Share = z.number().gt(0).max(1);
const BAND_NAMES = RISK_BANDS.map((b) => b.band) as [RiskBand, ...RiskBand[]];

export const LimitsSchema = z
  .object({
    /** Largest share of the budget in any one purpose (a number), or per purpose. */
    purpose: z.union([Share, z.record(z.string(), Share)]).optional(),
    /** Largest share of the budget per risk band, or one cap for every band. */
    riskBand: z.union([Share, z.partialRecord(z.enum(BAND_NAMES), Share)]).optional(),
  })
  .default({});
export type Limits = z.infer<typeof LimitsSchema>;

export class PortfolioError extends Error {
  override name = 'PortfolioError';
}

export interface Allocation {
  funded: Float64Array;
  budget: number;
  /** Expected one-year return of the new money and its standard deviation, as fractions of the budget. */
  expectedReturn: number;
  risk: number;
  /** The same for the whole book (fixed + new), as fractions of its exposure (budget + Σ E_s); equal to the above without a fixed book. */
  bookExpectedReturn: number;
  bookRisk: number;
  iterations: number;
}

/**
 * One segment of the existing book, held fixed while new loans are chosen: loans alike in PD, LGD
 * and correlation (as segments.ts groups them), figures per unit of exposure like a PricedLoan's.
 */
export interface FixedExposure extends RiskExposure {
  /** One-year default probability. */
  pd: number;
  /** Loss given default, for reports: the covariance uses `lossIfDefault`. */
  lgd?: number;
  /** Asset correlation of the segment. */
  rho: number;
  /** Return lost per unit when a loan defaults (LGD plus the interest not earned). */
  lossIfDefault: number;
  /** Total exposure E_s, in currency. */
  exposure: number;
  /** Herfindahl index of its loans' exposures, Σ (e_i/E_s)²: 1/count for equal loans, 1 for one loan. */
  hhi: number;
  /** Expected one-year return per unit: (1 − pd)·rate − pd·lgd − funding cost. */
  expectedReturn: number;
}

/** The fixed book as the optimiser sees it, in the loans' factors. */
export interface FixedBook {
  segments: readonly FixedExposure[];
  /** Σ_xe·e: each loan's covariance with the whole fixed book, per unit funded (the QPs' linear term). */
  cross: Float64Array;
  /** Σ E_s. */
  exposure: number;
  /** Σ E_s·r_s, in currency per year. */
  expectedReturn: number;
  /** eᵀΣ_ee·e, the fixed book's own variance, in currency². */
  variance: number;
}

/**
 * What every solve needs: the numbers, not the loan records (those are 22 of the 25 ms a
 * 10,000-loan book takes to post to a worker thread).
 */
export interface SolverBook {
  cov: FactorCovariance;
  budget: number;
  upper: Float64Array;
  mu: Float64Array;
  budgetRow: Constraint;
  caps: Constraint[];
  /** The existing book held fixed, when there is one. */
  fixed?: FixedBook;
}

/** The loans, their covariance and the constraint rows: built once, solved for many objectives. */
export interface Book extends SolverBook {
  loans: readonly PricedLoan[];
}

/**
 * One cap row per group whose limit binds (share < 1), and how much of the budget the limits let
 * be lent at all (each group's amount, up to its cap): checked here so that a clear message beats
 * a non-converging solver.
 */
function capRows(
  loans: readonly PricedLoan[],
  key: (l: PricedLoan) => string,
  limit: number | Record<string, number> | undefined,
  budget: number,
  label: string,
): Constraint[] {
  if (limit === undefined) return [];
  const groups = new Map<string, number[]>();
  loans.forEach((l, i) => groups.set(key(l), [...(groups.get(key(l)) ?? []), i]));
  const rows: Constraint[] = [];
  let reachable = 0;
  for (const [name, members] of groups) {
    const share = (typeof limit === 'number' ? limit : limit[name]) ?? 1;
    reachable += Math.min(
      members.reduce((s, i) => s + loans[i].amount, 0),
      share * budget,
    );
    if (share < 1) rows.push({ row: { index: members, value: members.map(() => 1) }, rhs: share * budget });
  }
  if (reachable < budget * (1 - 1e-9)) throw new PortfolioError(`the ${label} limits let at most ${reachable.toFixed(2)} of the ${budget} budget be lent`);
  return rows;
}

function checkFixed(fixed: readonly FixedExposure[]): void {
  fixed.forEach((f, s) => {
    const valid =
      f.pd >= 0 &&
      f.pd <= 1 &&
      f.rho >= 0 &&
      f.rho < 1 &&
      Number.isFinite(f.lossIfDefault) &&
      f.exposure >= 0 &&
      f.hhi > 0 &&
      f.hhi <= 1 &&
      Number.isFinite(f.expectedReturn);
    if (!valid) throw new PortfolioError(`fixed segment ${s}: needs pd in [0, 1], rho in [0, 1), exposure ≥ 0, hhi in (0, 1] and finite returns`);
  });
}

/**
 * The fixed book in the factors of a covariance compressed on the union (loans, then segments per
 * unit), so that the cross covariances are those of the same model: Σ_xe·e = F_x·v with
 * v = Σ_s F_s·E_s, and eᵀΣ_ee·e = |v|² + Σ_s diag_s·E_s²·hhi_s (a segment's idiosyncratic part shrinks
 * with the number of its loans; its systematic part does not).
 */
function fixedBook(union: FactorCovariance, n: number, segments: readonly FixedExposure[]): FixedBook {
  const { rank, factors, diag } = union;
  const v = new Float64Array(rank);
  let variance = 0;
  segments.forEach((f, s) => {
    for (let a = 0; a < rank; a++) v[a] += factors[(n + s) * rank + a] * f.exposure;
    variance += diag[n + s] * f.exposure ** 2 * f.hhi;
  });
  for (let a = 0; a < rank; a++) variance += v[a] ** 2;
  const cross = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let a = 0; a < rank; a++) cross[i] += factors[i * rank + a] * v[a];
  return {
    segments,
    cross,
    exposure: segments.reduce((t, f) => t + f.exposure, 0),
    expectedReturn: segments.reduce((t, f) => t + f.exposure * f.expectedReturn, 0),
    variance,
  };
}

/**
 * The loans, their covariance and constraint rows for a budget and limits; with `fixed` segments of
 * an existing book, whose covariance with the loans every solve then takes into account.
 *
 * @example
 * const book = buildBook(loans, 1_000_000, { riskBand: { E: 0.1 } }, [
 *   { pd: 0.08, lgd: 0.6, rho: 0.06, lossIfDefault: 0.74, exposure: 5_000_000, hhi: 0.002, expectedReturn: 0.03 },
 * ]);
 * const { bookRisk } = minimumVariance(book);
 */
export function buildBook(loans: readonly PricedLoan[], budget: number, limits: Limits = {}, fixed: readonly FixedExposure[] = []): Book {
  if (loans.length === 0) throw new PortfolioError('no loans to allocate');
  const total = loans.reduce((s, l) => s + l.amount, 0);
  if (!(budget > 0)) throw new PortfolioError('budget must be positive');
  if (budget > total * (1 + 1e-12)) throw new PortfolioError(`budget ${budget} is more than the ${loans.length} loans ask for in total (${total})`);
  checkFixed(fixed);
  const caps = [...capRows(loans, (l) => l.purpose, limits.purpose, budget, 'purpose'), ...capRows(loans, (l) => l.band, limits.riskBand, budget, 'risk-band')];
  const union = factorCovariance(fixed.length ? [...loans, ...fixed] : loans);
  return {
    loans,
    cov: fixed.length ? factorRows(union, 0, loans.length) : union,
    budget,
    upper: Float64Array.from(loans, (l) => l.amount),
    mu: Float64Array.from(loans, (l) => l.expectedReturn),
    budgetRow: { row: { index: loans.map((_, i) => i), value: loans.map(() => 1) }, rhs: budget },
    caps,
    ...(fixed.length ? { fixed: fixedBook(union, loans.length, fixed) } : {}),
  };
}

/** Return and risk of funding `x` (amounts per loan) from the book's budget, and of the whole book with it. */
export function allocation(book: SolverBook, x: Float64Array, iterations = 0): Allocation {
  let ret = 0;
  for (let i = 0; i < x.length; i++) ret += book.mu[i] * x[i];
  const variance = quadraticForm(book.cov, x);
  const expectedReturn = ret / book.budget;
  const risk = Math.sqrt(Math.max(0, variance)) / book.budget;
  const { fixed } = book;
  if (!fixed) return { funded: x, budget: book.budget, expectedReturn, risk, bookExpectedReturn: expectedReturn, bookRisk: risk, iterations };
  let cross = 0;
  for (let i = 0; i < x.length; i++) cross += fixed.cross[i] * x[i];
  const exposure = book.budget + fixed.exposure;
  return {
    funded: x,
    budget: book.budget,
    expectedReturn,
    risk,
    bookExpectedReturn: (ret + fixed.expectedReturn) / exposure,
    bookRisk: Math.sqrt(Math.max(0, variance + 2 * cross + fixed.variance)) / exposure,
    iterations,
  };
}

type Guess = Pick<QpProblem, 'start' | 'near'>;

interface Solved {
  allocation: Allocation;
  multipliers: Float64Array;
}

function solveBook(book: SolverBook, problem: Partial<QpProblem> & Pick<QpProblem, 'cov' | 'linear'>): Solved {
  try {
    // Unless told, start every loan at the same funded share, which spends the budget exactly.
    const share = book.budget / book.upper.reduce((a, b) => a + b, 0);
    const start = problem.start ?? book.upper.map((amount) => amount * share);
    const solution = solveQp({ upper: book.upper, equalities: [book.budgetRow], inequalities: book.caps, ...problem, start });
    return { allocation: allocation(book, solution.x, solution.iterations), multipliers: solution.multipliers };
  } catch (error) {
    if (error instanceof QpError) throw new PortfolioError(`the optimiser found no allocation: ${error.message}`);
    throw error;
  }
}

const solve = (book: SolverBook, problem: Partial<QpProblem> & Pick<QpProblem, 'cov' | 'linear'>): Allocation => solveBook(book, problem).allocation;

/** Maximise return − (λ/2)·variance (of the whole book, when part of it is fixed), both in currency units of the budget. */
export function optimise(book: SolverBook, riskAversion: number): Allocation {
  const lambda = riskAversion / book.budget;
  const scaled: FactorCovariance = { ...book.cov, diag: book.cov.diag.map((d) => d * lambda), factors: book.cov.factors.map((f) => f * Math.sqrt(lambda)) };
  const cross = book.fixed?.cross;
  return solve(book, { cov: scaled, linear: book.mu.map((m, i) => (cross ? lambda * cross[i] : 0) - m) });
}

/** Least variance (of the whole book, when part of it is fixed) with the new money's expected return at least `target` (a fraction of the budget). */
export function minimumVariance(book: SolverBook, target?: number, start?: ArrayLike<number>): Allocation {
  return leastVariance(book, target, start ? { start } : {}).allocation;
}

/** `minimumVariance` from a starting guess or a neighbouring solution, with the row multipliers. */
function leastVariance(book: SolverBook, target: number | undefined, guess: Guess): Solved {
  // ½·xᵀΣx + xᵀΣ_xe·e has the argmin of the whole book's variance xᵀΣx + 2·xᵀΣ_xe·e + eᵀΣ_ee·e.
  const linear = book.fixed ? book.fixed.cross : new Float64Array(book.upper.length);
  if (target === undefined) return solveBook(book, { cov: book.cov, linear });
  const returnRow: Constraint = { row: { index: book.budgetRow.row.index, value: book.mu.map((m) => -m) }, rhs: -target * book.budget };
  return solveBook(book, { cov: book.cov, linear, inequalities: [...book.caps, returnRow], ...guess });
}

/**
 * The highest expected return the constraints allow. A linear programme may have a face of optima;
 * a variance weight of 1e-6 picks the least risky of them (on 1,000 and 10,000 LendingClub loans the
 * return is the same to 1e-12 for weights from 1e-2 down to 1e-8).
 */
export function maximumReturn(book: SolverBook): Allocation {
  return optimise(book, 1e-6);
}

export type FrontierPoint = Pick<Allocation, 'expectedReturn' | 'risk' | 'bookExpectedReturn' | 'bookRisk' | 'funded'>;

const point = (a: Allocation): FrontierPoint => ({
  expectedReturn: a.expectedReturn,
  risk: a.risk,
  bookExpectedReturn: a.bookExpectedReturn,
  bookRisk: a.bookRisk,
  funded: a.funded,
});

/** The ends of the frontier and the returns of the points in between. */
export interface FrontierEnds {
  /** Least variance; `lowMultipliers` are its row multipliers, which start the working set of the points after it. */
  low: FrontierPoint;
  lowMultipliers: Float64Array;
  /** Highest return: it keeps every constraint at every target. */
  high: FrontierPoint;
  targets: number[];
}

/**
 * Least-variance allocations for `targets` (ascending, between the ends' returns), each a
 * working-set solve from the one before: only the loans that move are solved for (a few hundred of
 * 10,000), and the optimality conditions of the whole book are checked. The first starts from the
 * least-variance allocation (its return floor not binding: multiplier 0); the highest-return
 * allocation is the way out when a held set leaves no feasible subproblem.
 */
export function frontierSegment(book: SolverBook, targets: readonly number[], ends: Omit<FrontierEnds, 'targets'>): FrontierPoint[] {
  const feasible = ends.high.funded;
  let near: QpNeighbour = { x: ends.low.funded, multipliers: Float64Array.of(...ends.lowMultipliers, 0), feasible };
  let previous: Float64Array | undefined;
  return targets.map((target) => {
    let solved: Solved;
    try {
      solved = leastVariance(book, target, { near });
    } catch (error) {
      // Degenerate faces (e.g. identical loans) can still stall a solve: solve from scratch.
      if (!(error instanceof PortfolioError)) throw error;
      solved = leastVariance(book, target, {});
    }
    // Multipliers move smoothly with the target: one step of linear extrapolation ranks the held
    // loans by how close they are at the next target (halves the time with a fixed book).
    const { multipliers } = solved;
    const last = previous;
    const ahead = last ? multipliers.map((v, j) => 2 * v - last[j]) : multipliers;
    previous = multipliers;
    near = { x: solved.allocation.funded, multipliers: ahead, feasible };
    return point(solved.allocation);
  });
}

/** The ends of the frontier and the returns of the points in between, equally spaced. */
export function frontierEnds(book: SolverBook, points: number): FrontierEnds {
  const lowest = leastVariance(book, undefined, {});
  const low = point(lowest.allocation);
  const high = point(maximumReturn(book));
  const span = high.expectedReturn - low.expectedReturn;
  const targets = span > 0 ? Array.from({ length: Math.max(0, points - 2) }, (_, p) => low.expectedReturn + (span * (p + 1)) / (points - 1)) : [];
  return { low, lowMultipliers: lowest.multipliers, high, targets };
}

/** `points` allocations from least variance to highest return, equally spaced in return (one thread). */
export function efficientFrontier(book: SolverBook, points = 50): FrontierPoint[] {
  const ends = frontierEnds(book, points);
  const { low, high, targets } = ends;
  if (targets.length === 0 && points > 2) return Array.from({ length: points }, () => low);
  return [low, ...frontierSegment(book, targets, ends), ...(points > 1 ? [high] : [])];
}
