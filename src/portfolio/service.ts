import { z } from 'zod';
import type { Policy } from '../scoring/policy.ts';
import { priceGroups, type BookGroup } from './book.ts';
import { portfolioCapital } from './basel.ts';
import { priceLoans, PortfolioLoanSchema, type CorrelationTable, type PortfolioLoan, type PricedLoan } from './loans.ts';
import {
  allocation,
  buildBook,
  efficientFrontier,
  LimitsSchema,
  minimumVariance,
  optimise,
  PortfolioError,
  type Allocation,
  type Book,
  type FixedExposure,
  type FrontierPoint,
} from './markowitz.ts';
import { DEFAULT_NOTES, toNotes, type NoteRules } from './notes.ts';

/**
 * What the API and the chat ask of the portfolio tools, on a book of candidate loans: the best
 * allocation of a budget and the efficient frontier with the current book on it (risk figures of
 * the whole book: book.ts).
 * Pure: the adapters bring the loans (stored decisions or an uploaded book) and the policy.
 */

/** How frontiers are computed: in-process by default, or on a pool of threads (Node). */
export type FrontierSolver = (book: Book, points: number) => Promise<FrontierPoint[]> | FrontierPoint[];
const inProcess: FrontierSolver = (book, points) => efficientFrontier(book, points);

export interface BookInput {
  /** Candidates the budget may fund. */
  loans: PortfolioLoan[];
  /** The loans as currently lent (ids among `loans`, funded in full); the frontier marks this book. */
  currentIds?: readonly string[];
  /** The existing book, held fixed: the new money's risk is counted together with it. */
  fixed?: readonly BookGroup[];
}

export const OptimiseOptionsSchema = z.object({
  budget: z.number().positive().max(1e12).optional().meta({ description: 'Amount to lend; default: what the current book lends' }),
  note: z
    .number()
    .positive()
    .max(100_000)
    .default(DEFAULT_NOTES.note)
    .meta({ description: 'Loans are funded in whole notes of this size (LendingClub sold $25 notes)' }),
  minimumTicket: z.number().min(0).max(1_000_000).default(DEFAULT_NOTES.minimumTicket).meta({ description: 'A loan gets at least this much, or nothing' }),
  limits: LimitsSchema,
  riskAversion: z.number().positive().max(1e6).optional().meta({ description: 'Maximise return − λ/2·variance (λ per unit of budget)' }),
  targetReturn: z.number().min(-1).max(1).optional().meta({ description: 'Least variance with at least this expected yearly return (fraction of the budget)' }),
});
export type OptimiseOptions = z.input<typeof OptimiseOptionsSchema> & { limits: z.infer<typeof LimitsSchema> };

export const UploadedBookSchema = z.array(PortfolioLoanSchema).min(1).max(10_000);

function priced(input: BookInput, policy: Policy, correlations: CorrelationTable): PricedLoan[] {
  return priceLoans(input.loans, { lgd: policy.lossGivenDefault, fundingCost: policy.fundingCost }, correlations);
}

/** The existing book's groups as fixed exposures for the optimiser (its segments' one-year figures). */
function fixedOf(input: BookInput, policy: Policy, correlations: CorrelationTable): FixedExposure[] {
  if (!input.fixed?.length) return [];
  return priceGroups(input.fixed, { lgd: policy.lossGivenDefault, fundingCost: policy.fundingCost }, correlations).map((g) => ({
    pd: g.pd,
    lgd: g.lgd,
    rho: g.rho,
    lossIfDefault: g.rate + g.lgd,
    exposure: g.ead,
    hhi: g.eadSq / (g.ead * g.ead),
    expectedReturn: g.expectedReturn,
  }));
}

function defaultBudget(input: BookInput): number {
  const current = new Set(input.currentIds ?? input.loans.map((l) => l.id));
  const total = input.loans.filter((l) => current.has(l.id)).reduce((s, l) => s + l.amount, 0);
  if (total <= 0) throw new PortfolioError('no current book to take a budget from: give a budget');
  return total;
}

function shares(book: Book, funded: ArrayLike<number>, key: (l: PricedLoan) => string): Record<string, number> {
  const out: Record<string, number> = {};
  book.loans.forEach((l, i) => (out[key(l)] = (out[key(l)] ?? 0) + funded[i] / book.budget));
  for (const k of Object.keys(out)) out[k] = round(out[k], 6);
  return out;
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

function summarise(book: Book, optimum: Allocation, objective: string, notes: NoteRules = DEFAULT_NOTES) {
  // What a lender can actually fund: whole notes, a minimum ticket, never more than a loan asks for.
  const a = allocation(
    book,
    toNotes(
      optimum.funded,
      book.loans.map((l) => l.amount),
      book.budget,
      notes,
    ),
  );
  const lent = a.funded.reduce((s, v) => s + v, 0);
  const exposures = book.loans.map((l, i) => ({ pd: l.pd, lgd: l.lgd, ead: a.funded[i] }));
  const capital = portfolioCapital(exposures);
  return {
    objective,
    budget: book.budget,
    lent: round(lent, 2),
    note: notes.note,
    minimumTicket: notes.minimumTicket,
    loans: book.loans.length,
    funded: a.funded.reduce((s, v) => s + (v > book.budget * 1e-9 ? 1 : 0), 0),
    expectedReturn: round(a.expectedReturn, 6),
    risk: round(a.risk, 6),
    // With the existing book held fixed: the whole book's figures, new money included.
    book: {
      exposure: round(book.budget + (book.fixed?.exposure ?? 0), 2),
      expectedReturn: round(a.bookExpectedReturn, 6),
      risk: round(a.bookRisk, 6),
    },
    expectedLoss: round(capital.expectedLoss, 2),
    capital: round(capital.capital, 2),
    rwa: round(capital.rwa, 2),
    byPurpose: shares(book, a.funded, (l) => l.purpose),
    byRiskBand: shares(book, a.funded, (l) => l.band),
    allocations: book.loans.map((l, i) => ({
      id: l.id,
      amount: l.amount,
      funded: round(a.funded[i], 2),
      pd: round(l.termPd, 6),
      rate: l.rate,
      band: l.band,
      purpose: l.purpose,
    })),
  };
}
export type OptimiseResult = ReturnType<typeof summarise>;

/**
 * The allocation asked for: a target return, a risk aversion, or by default the frontier point
 * with the highest expected return per unit of risk.
 */
export async function optimiseBook(
  input: BookInput,
  options: OptimiseOptions,
  policy: Policy,
  correlations: CorrelationTable,
  solver: FrontierSolver = inProcess,
): Promise<OptimiseResult> {
  const book = buildBook(priced(input, policy, correlations), options.budget ?? defaultBudget(input), options.limits, fixedOf(input, policy, correlations));
  const notes = { note: options.note ?? DEFAULT_NOTES.note, minimumTicket: options.minimumTicket ?? DEFAULT_NOTES.minimumTicket };
  if (options.targetReturn !== undefined)
    return summarise(book, minimumVariance(book, options.targetReturn), `least risk for an expected return of ${options.targetReturn}`, notes);
  if (options.riskAversion !== undefined) return summarise(book, optimise(book, options.riskAversion), `return − ${options.riskAversion}/2 × variance`, notes);
  const points = await solver(book, 50);
  const best = points.reduce((b, p) => (p.expectedReturn / Math.max(p.risk, 1e-12) > b.expectedReturn / Math.max(b.risk, 1e-12) ? p : b));
  return summarise(book, { ...best, budget: book.budget, iterations: 0 }, 'highest expected return per unit of risk on the 50-point efficient frontier', notes);
}

export interface FrontierView {
  /** The new money's expected yearly return and risk, as fractions of the budget. */
  expectedReturn: number;
  risk: number;
  /** The whole book's (the existing book held fixed, plus the new money), as fractions of its exposure: what the frontier minimises. */
  bookExpectedReturn: number;
  bookRisk: number;
}

export interface FrontierResult {
  budget: number;
  /** The existing book held fixed (0 when none). */
  fixedExposure: number;
  points: FrontierView[];
  /** Today's approvals (funded in full), when they spend this budget. */
  current: (FrontierView & { amount: number }) | null;
}

export interface FrontierOptions {
  budget?: number;
  limits?: z.input<typeof LimitsSchema>;
  points?: number;
}

export async function frontierOfBook(
  input: BookInput,
  options: FrontierOptions,
  policy: Policy,
  correlations: CorrelationTable,
  solver: FrontierSolver = inProcess,
): Promise<FrontierResult> {
  const loans = priced(input, policy, correlations);
  const book = buildBook(loans, options.budget ?? defaultBudget(input), LimitsSchema.parse(options.limits ?? {}), fixedOf(input, policy, correlations));
  const view = (p: Pick<FrontierView, 'expectedReturn' | 'risk' | 'bookExpectedReturn' | 'bookRisk'>) => ({
    expectedReturn: round(p.expectedReturn, 6),
    risk: round(p.risk, 6),
    bookExpectedReturn: round(p.bookExpectedReturn, 6),
    bookRisk: round(p.bookRisk, 6),
  });
  const points = (await solver(book, options.points ?? 50)).map(view);
  const currentIds = new Set(input.currentIds ?? []);
  const funded = Float64Array.from(loans, (l) => (currentIds.has(l.id) ? l.amount : 0));
  const amount = funded.reduce((s, v) => s + v, 0);
  // Figures per unit of what today's approvals lend (the frontier's are per unit of the budget).
  const current = amount > 0 ? { amount, ...view(allocation({ ...book, budget: amount }, funded)) } : null;
  return { budget: book.budget, fixedExposure: round(book.fixed?.exposure ?? 0, 2), points, current };
}
