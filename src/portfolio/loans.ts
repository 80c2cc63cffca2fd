import { z } from 'zod';
import { annualDefaultRate } from '../scoring/pricing.ts';
import { RISK_BANDS, riskBand, type RiskBand } from '../scoring/policy.ts';
import type { RiskExposure } from './covariance.ts';

/** A loan the portfolio tools can fund: a scored application or a row of an uploaded book. */
export const PortfolioLoanSchema = z.object({
  id: z.string().min(1).max(100),
  amount: z.number().positive().max(10_000_000).meta({ description: 'Requested amount; funding may be any part of it' }),
  termMonths: z.number().int().min(1).max(480),
  rate: z.number().min(0).max(1).meta({ description: 'Yearly interest rate (APR) as a fraction' }),
  pd: z.number().min(0).max(1).meta({ description: 'Probability of default over the whole term' }),
  lgd: z.number().min(0).max(1).optional().meta({ description: "Loss given default; the policy's value when absent" }),
  purpose: z.string().min(1).max(60).default('other'),
});
export type PortfolioLoan = z.infer<typeof PortfolioLoanSchema>;

/** Asset correlation per risk band (one-factor model), with a value for the whole book as fallback. */
export const CorrelationTableSchema = z.object({
  book: z.number().gt(0).lt(1),
  byBand: z.partialRecord(z.enum(RISK_BANDS.map((b) => b.band) as [RiskBand, ...RiskBand[]]), z.number().gt(0).lt(1)),
});
export type CorrelationTable = z.infer<typeof CorrelationTableSchema>;

export interface Economics {
  lgd: number;
  fundingCost: number;
}

/** A loan with its one-year figures: everything in the portfolio tools is per year per unit funded. */
export interface PricedLoan extends PortfolioLoan, RiskExposure {
  lgd: number;
  band: RiskBand;
  /** One-year default probability (the term PD spread evenly over the years). */
  pd: number;
  termPd: number;
  /** Expected one-year return per unit funded: rate earned by survivors, less expected loss and funding. */
  expectedReturn: number;
}

export function priceLoans(loans: readonly PortfolioLoan[], economics: Economics, correlations: CorrelationTable): PricedLoan[] {
  return loans.map((loan) => {
    const lgd = loan.lgd ?? economics.lgd;
    const pd = annualDefaultRate(loan.pd, loan.termMonths);
    const band = riskBand(loan.pd);
    return {
      ...loan,
      lgd,
      band,
      termPd: loan.pd,
      pd,
      rho: correlations.byBand[band] ?? correlations.book,
      // Return = rate if the loan survives the year, −LGD if it defaults, less funding either way.
      expectedReturn: (1 - pd) * loan.rate - pd * lgd - economics.fundingCost,
      lossIfDefault: loan.rate + lgd,
    };
  });
}
