import type { Applicant } from '../../src/applicant/schema.ts';
import { streamLendingClub } from '../../src/data/lendingclub.ts';
import { loadModel } from '../../src/model/load.ts';
import { estimatePd } from '../../src/model/model.ts';
import { SHIPPED_CORRELATIONS } from '../../src/portfolio/correlation-table.ts';
import { priceLoans, type PortfolioLoan } from '../../src/portfolio/loans.ts';
import { DEFAULT_POLICY } from '../../src/scoring/policy.ts';

/** The first `n` applicants of the LendingClub file, as the API takes them. */
export async function lendingClubApplicants(n: number): Promise<Applicant[]> {
  const out: Applicant[] = [];
  for await (const loan of streamLendingClub('datasets/lendingclub_2007_2011.csv.gz')) {
    out.push(loan.applicant);
    if (out.length === n) break;
  }
  return out;
}

/** The first `n` loans of the LendingClub file as the portfolio tools take them: amount, term, APR, term PD (the shipped model's), purpose. */
export async function lendingClubLoans(n: number): Promise<PortfolioLoan[]> {
  const model = loadModel('models');
  const loans: PortfolioLoan[] = [];
  for await (const { line, applicant, rate } of streamLendingClub('datasets/lendingclub_2007_2011.csv.gz')) {
    if (rate === undefined) continue;
    loans.push({
      id: `LC-${line}`,
      amount: applicant.loanAmount,
      termMonths: applicant.termMonths,
      rate: rate / 100,
      pd: estimatePd(model, applicant).pd,
      purpose: applicant.purpose,
    });
    if (loans.length === n) break;
  }
  return loans;
}

/** The first `n` loans of the LendingClub file as risk exposures, priced as the portfolio tools price them (PDs from the shipped model). */
export async function lendingClubBook(n: number) {
  const loans = await lendingClubLoans(n);
  return priceLoans(loans, { lgd: DEFAULT_POLICY.lossGivenDefault, fundingCost: DEFAULT_POLICY.fundingCost }, SHIPPED_CORRELATIONS).map((l) => ({
    pd: l.pd,
    lgd: l.lgd,
    ead: l.amount,
    rho: l.rho,
  }));
}
