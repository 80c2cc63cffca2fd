import { z } from 'zod';
import { stressPd, type MacroRelation } from '../macro/stress.ts';
import { annualDefaultRate } from '../scoring/pricing.ts';
import { RISK_BANDS, riskBand, type RiskBand } from '../scoring/policy.ts';
import { retailCapital } from './basel.ts';
import type { CorrelationTable, Economics, PortfolioLoan } from './loans.ts';
import { PortfolioError } from './markowitz.ts';
import { asrfLossDistribution, segmentBook, segmentMonteCarlo, type Segment, type TailFigures } from './segments.ts';

/**
 * The lender's book as groups of loans, and its risk figures from them (issue 12). A group is the
 * loans with the same term, purpose, risk band and a narrow bucket of term PD (6% wide), with their
 * exposures summed: the database computes the groups in SQL (db/portfolio-repository.ts), so no
 * request ever holds the book's rows, and every figure below costs O(groups), not O(loans).
 *
 * Within a group the term PDs differ by at most 6%, and each figure uses the group's EAD-weighted
 * mean: the expected loss is exact, Basel capital and the stressed PDs are within 0.1% of the
 * loan-by-loan figures on real books (test/portfolio-book.test.ts measures it).
 */

/** Buckets of term PD per unit of log-PD: neighbouring bucket edges e^(1/16) − 1 = 6.4% apart. */
export const PD_BUCKETS_PER_LOG = 16;
/** PDs below this share the lowest bucket. */
export const PD_BUCKET_FLOOR = 1e-6;

/** The bucket of a term PD (the same expression in SQL). */
export const pdBucket = (pd: number): number => Math.floor(Math.log(Math.max(pd, PD_BUCKET_FLOOR)) * PD_BUCKETS_PER_LOG);

export const BookGroupSchema = z.object({
  termMonths: z.number().int().min(1).max(480),
  purpose: z.string(),
  band: z.enum(RISK_BANDS.map((b) => b.band) as [RiskBand, ...RiskBand[]]),
  pdBucket: z.number().int(),
  count: z.number().int().positive(),
  /** Σ amount. */
  ead: z.number().positive(),
  /** Σ amount², for the group's effective number of loans. */
  eadSq: z.number().positive(),
  /** Σ amount × term PD. */
  eadPd: z.number().min(0),
  /** Σ amount × APR. */
  eadRate: z.number().min(0),
});
export type BookGroup = z.infer<typeof BookGroupSchema>;

/**
 * Groups loan-level loans as the SQL does: for uploaded books and tests.
 *
 * @example const groups = groupLoans([{ id: 'a', amount: 10_000, termMonths: 36, rate: 0.12, pd: 0.1, purpose: 'car' }]);
 */
export function groupLoans(loans: readonly PortfolioLoan[]): BookGroup[] {
  const groups = new Map<string, BookGroup>();
  for (const l of loans) {
    const band = riskBand(l.pd);
    const bucket = pdBucket(l.pd);
    const key = `${l.termMonths}|${l.purpose}|${band}|${bucket}`;
    const g = groups.get(key) ?? { termMonths: l.termMonths, purpose: l.purpose, band, pdBucket: bucket, count: 0, ead: 0, eadSq: 0, eadPd: 0, eadRate: 0 };
    g.count += 1;
    g.ead += l.amount;
    g.eadSq += l.amount * l.amount;
    g.eadPd += l.amount * l.pd;
    g.eadRate += l.amount * l.rate;
    groups.set(key, g);
  }
  return [...groups.values()];
}

/** A group with its one-year figures. */
export interface PricedGroup extends BookGroup {
  /** EAD-weighted mean term PD (after any stress), its band and one-year PD. */
  termPd: number;
  riskBand: RiskBand;
  pd: number;
  lgd: number;
  rho: number;
  /** EAD-weighted mean APR. */
  rate: number;
  /** Expected one-year return per unit lent: rate earned by survivors, less expected loss and funding. */
  expectedReturn: number;
}

/** One-year figures of each group; `shift` moves term PDs (a stress scenario). */
export function priceGroups(groups: readonly BookGroup[], economics: Economics, correlations: CorrelationTable, shift?: (pd: number) => number): PricedGroup[] {
  return groups.map((g) => {
    const mean = g.eadPd / g.ead;
    const termPd = shift ? shift(mean) : mean;
    const band = riskBand(termPd);
    const pd = annualDefaultRate(termPd, g.termMonths);
    const rate = g.eadRate / g.ead;
    return {
      ...g,
      termPd,
      riskBand: band,
      pd,
      lgd: economics.lgd,
      rho: correlations.byBand[band] ?? correlations.book,
      rate,
      expectedReturn: (1 - pd) * rate - pd * economics.lgd - economics.fundingCost,
    };
  });
}

/** Risk segments for the one-factor model: groups merged by one-year PD bucket, LGD and ρ (exposures, squares and counts summed). */
export const riskSegments = (priced: readonly PricedGroup[]): Segment[] =>
  segmentBook(priced.map((g) => ({ pd: g.pd, lgd: g.lgd, rho: g.rho, ead: g.ead, count: g.count, eadSq: g.eadSq })));

export const RiskOptionsSchema = z.object({
  scenarios: z.coerce.number().int().min(1_000).max(1_000_000).default(20_000).meta({
    description: 'Scenarios of the Monte Carlo check on segments (the figures themselves are the large-pool ones)',
  }),
  seed: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(42),
});
export type RiskOptions = z.infer<typeof RiskOptionsSchema>;

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

/** Expected loss, VaR and expected shortfall at 99% and 99.9%, to the cent, as the answers report them. */
const tails = (f: { expectedLoss: number; var: TailFigures; es: TailFigures }) => ({
  expectedLoss: round(f.expectedLoss, 2),
  var99: round(f.var[0.99], 2),
  var999: round(f.var[0.999], 2),
  es99: round(f.es[0.99], 2),
  es999: round(f.es[0.999], 2),
});

/** Equal-width bins over simulated losses (sorted ascending). */
export function histogram(sorted: Float64Array, bins: number): { from: number; to: number; count: number }[] {
  const lo = sorted[0];
  const hi = sorted[sorted.length - 1];
  const width = hi > lo ? (hi - lo) / bins : 1;
  const out = Array.from({ length: hi > lo ? bins : 1 }, (_, b) => ({ from: round(lo + b * width, 2), to: round(lo + (b + 1) * width, 2), count: 0 }));
  for (const v of sorted) out[Math.min(out.length - 1, Math.floor((v - lo) / width))].count += 1;
  return out;
}

export interface RiskExtras {
  /** Moves term PDs before the figures (a stress scenario). */
  shift?: (pd: number) => number;
  /** Share of the work done, 0 to 1. */
  onProgress?: (share: number) => void;
}

/**
 * Risk figures of a book given as groups: Basel IRB retail capital (in total and by risk band ×
 * term × purpose), the large-pool (ASRF) loss distribution as the answer, and a Monte Carlo on
 * segments as its check (defaults drawn per segment, Binomial on its effective number of loans).
 * `losses` holds the answer: the large-pool figures, or the check's when the book is too
 * concentrated for them (the check's VaR 99.9% above by more than 5% and its own noise).
 *
 * @example const report = riskOfGroups(groupLoans(loans), RiskOptionsSchema.parse({}), { lgd: 0.85, fundingCost: 0.03 }, SHIPPED_CORRELATIONS);
 */
export function riskOfGroups(
  groups: readonly BookGroup[],
  options: RiskOptions,
  economics: Economics,
  correlations: CorrelationTable,
  extras: RiskExtras = {},
) {
  if (groups.length === 0) throw new PortfolioError('the book is empty: no approved loans yet');
  const priced = priceGroups(groups, economics, correlations, extras.shift);
  let loans = 0;
  let exposure = 0;
  let earned = 0;
  let rwa = 0;
  let capital = 0;
  let expectedLoss = 0;
  const bySegment = new Map<
    string,
    { band: RiskBand; termMonths: number; purpose: string; loans: number; exposure: number; pdEad: number; capital: number; rwa: number; expectedLoss: number }
  >();
  for (const g of priced) {
    const basel = retailCapital(g.pd, g.lgd, g.ead);
    loans += g.count;
    exposure += g.ead;
    earned += g.expectedReturn * g.ead;
    rwa += basel.rwa;
    capital += basel.capital;
    expectedLoss += basel.expectedLoss;
    const key = `${g.riskBand}|${g.termMonths}|${g.purpose}`;
    const s = bySegment.get(key) ?? {
      band: g.riskBand,
      termMonths: g.termMonths,
      purpose: g.purpose,
      loans: 0,
      exposure: 0,
      pdEad: 0,
      capital: 0,
      rwa: 0,
      expectedLoss: 0,
    };
    s.loans += g.count;
    s.exposure += g.ead;
    s.pdEad += g.pd * g.ead;
    s.capital += basel.capital;
    s.rwa += basel.rwa;
    s.expectedLoss += basel.expectedLoss;
    bySegment.set(key, s);
  }
  const segments = riskSegments(priced);
  const pool = asrfLossDistribution(segments);
  extras.onProgress?.(0.05);
  const mc = segmentMonteCarlo(segments, { scenarios: options.scenarios, seed: options.seed, onProgress: (share) => extras.onProgress?.(0.05 + 0.95 * share) });
  // The large-pool answer holds for granular books; when the check (which counts each name) sits
  // above it by more than its own noise, the book is too concentrated and the check is the answer.
  const gap = (mc.var[0.999] - pool.var[0.999]) / pool.var[0.999];
  const noise = (3 * mc.varStandardError[0.999]) / pool.var[0.999];
  const granular = !(gap > Math.max(0.05, noise));
  const percent = `${(Math.abs(gap) * 100).toFixed(1)}%`;
  const figures = granular
    ? { source: 'largePool' as const, why: `granular book: the Monte Carlo check's VaR 99.9% is within ${percent} of the large-pool one`, ...pool }
    : {
        source: 'monteCarlo' as const,
        why: `concentrated book: the Monte Carlo check's VaR 99.9% is ${percent} above the large-pool one, which ignores name concentration`,
        expectedLoss: mc.expectedLoss,
        var: mc.var,
        es: mc.es,
      };
  return {
    horizon: 'one year',
    loans,
    exposure: round(exposure, 2),
    expectedReturn: round(earned / exposure, 6),
    basel: {
      rwa: round(rwa, 2),
      capital: round(capital, 2),
      expectedLoss: round(expectedLoss, 2),
      bySegment: [...bySegment.values()]
        .sort((a, b) => a.band.localeCompare(b.band) || a.termMonths - b.termMonths || b.exposure - a.exposure)
        .map(({ pdEad, ...s }) => ({
          ...s,
          exposure: round(s.exposure, 2),
          pd: round(pdEad / s.exposure, 6),
          capital: round(s.capital, 2),
          rwa: round(s.rwa, 2),
          expectedLoss: round(s.expectedLoss, 2),
        })),
    },
    losses: { source: figures.source, why: figures.why, ...tails(figures) },
    largePool: {
      method: 'Vasicek large pool (ASRF): exact for a granular book, ignores name concentration',
      segments: segments.length,
      ...tails(pool),
    },
    monteCarlo: {
      method: 'segments: one factor draw per scenario, Binomial defaults per segment',
      segments: segments.length,
      scenarios: mc.scenarios,
      seed: options.seed,
      ...tails(mc),
      standardError: round(mc.standardError, 2),
      analyticExpectedLoss: round(mc.analyticExpectedLoss, 2),
      histogram: histogram(mc.losses, 40),
    },
  };
}
export type RiskReport = ReturnType<typeof riskOfGroups>;

export type StressResult =
  | { unemploymentShock: number; unavailable: string }
  | { unemploymentShock: number; relation: MacroRelation; expectedLoss: number; var999: number; capital: number };

/**
 * The book's large-pool figures with PDs under an unemployment shock (percentage points), or why
 * there are none.
 */
export function stressOfGroups(
  groups: readonly BookGroup[],
  economics: Economics,
  correlations: CorrelationTable,
  relation: MacroRelation | { unavailable: string },
  shock: number,
): StressResult {
  if ('unavailable' in relation) return { unemploymentShock: shock, unavailable: relation.unavailable };
  const priced = priceGroups(groups, economics, correlations, stressPd(relation, shock));
  const pool = asrfLossDistribution(riskSegments(priced));
  const capital = priced.reduce((s, g) => s + retailCapital(g.pd, g.lgd, g.ead).capital, 0);
  return {
    unemploymentShock: shock,
    relation,
    expectedLoss: round(pool.expectedLoss, 2),
    var999: round(pool.var[0.999], 2),
    capital: round(capital, 2),
  };
}
