import { riskBand, type RiskBand } from '../scoring/policy.ts';
import { annualDefaultRate } from '../scoring/pricing.ts';
import { retailCorrelation } from './basel.ts';
import { correlationsBySegment, type SegmentCorrelation } from './correlation.ts';
import type { HistoricalLoan } from './history.ts';
import { CorrelationTableSchema, type CorrelationTable } from './loans.ts';
import shipped from '../../models/portfolio-correlation.json' with { type: 'json' };

/**
 * The asset correlations the optimiser and the risk figures use, estimated from LendingClub's own
 * history (default-rate variation across issue-order blocks) for the book, per LendingClub grade
 * and per risk band (grades grouped by their default rate), next to the Basel retail formula's value for comparison.
 */

export const CORRELATION_FILE = 'portfolio-correlation.json';
export const PERIODS = 12;

export interface CorrelationReport {
  periods: number;
  source: string;
  table: CorrelationTable;
  estimates: (SegmentCorrelation & { kind: 'book' | 'band' | 'grade'; baselRetail: number })[];
}

export function estimateCorrelationTable(loans: readonly HistoricalLoan[], source: string): CorrelationReport {
  const withBasel = (kind: 'book' | 'band' | 'grade', list: SegmentCorrelation[]) =>
    // Basel's formula takes a one-year PD; the segment's PD is over the loans' terms (mostly 36 months).
    list.map((e) => ({ ...e, kind, baselRetail: retailCorrelation(annualDefaultRate(e.pd, 36)) }));
  const book = withBasel(
    'book',
    correlationsBySegment(
      loans.map((l) => ({ bad: l.bad, segment: 'book' })),
      PERIODS,
    ),
  );
  const grades = withBasel(
    'grade',
    correlationsBySegment(
      loans.map((l) => ({ bad: l.bad, segment: l.grade })),
      PERIODS,
    ),
  );
  // Segments are LendingClub's grades (independent of our model, whose in-sample PDs would
  // overstate the separation); each of our bands takes the grades whose default rate lies in it.
  const bandOfGrade = new Map(grades.map((g) => [g.segment, riskBand(g.pd)]));
  const bands = withBasel(
    'band',
    correlationsBySegment(
      loans.map((l) => ({ bad: l.bad, segment: bandOfGrade.get(l.grade)! })),
      PERIODS,
    ),
  );
  const bookRho = book[0].rho;
  if (bookRho === null) throw new Error('default rates vary no more than chance: no book correlation can be estimated');
  const byBand: Partial<Record<RiskBand, number>> = {};
  // A band with few loans gives a noisy estimate; below 300 loans the book value stands in.
  for (const b of bands) if (b.rho !== null && b.loans >= 300) byBand[b.segment as RiskBand] = b.rho;
  return { periods: PERIODS, source, table: CorrelationTableSchema.parse({ book: bookRho, byBand }), estimates: [...book, ...bands, ...grades] };
}

/** The table shipped in models/ (`npm run portfolio:correlation` rebuilds it); bundled, so Workers have it too. */
export const SHIPPED_CORRELATIONS: CorrelationTable = CorrelationTableSchema.parse(shipped.table);
