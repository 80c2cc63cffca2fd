import { streamLendingClub } from '../data/lendingclub.ts';
import { estimatePd, type LoadedModel } from '../model/model.ts';
import type { PortfolioLoan } from './loans.ts';

/**
 * Real LendingClub loans as a book: what was lent (amount, term, LendingClub's rate and instalment),
 * what happened (default or repaid) and the PD our model gives each applicant. Rows keep the file's
 * order; for datasets/lendingclub_2007_2011.csv.gz that is newest first (see datasets/README.md).
 */
export interface HistoricalLoan extends PortfolioLoan {
  /** Line in the CSV file. */
  line: number;
  bad: 0 | 1;
  installment: number;
  grade: string;
}

export const LENDINGCLUB_FILE = 'datasets/lendingclub_2007_2011.csv.gz';

export async function loadHistory(model: LoadedModel, path = LENDINGCLUB_FILE): Promise<HistoricalLoan[]> {
  const loans: HistoricalLoan[] = [];
  for await (const { line, applicant, bad, grade, rate, installment } of streamLendingClub(path)) {
    if (rate === undefined || installment === undefined) continue;
    loans.push({
      id: `LC-${line}`,
      line,
      amount: applicant.loanAmount,
      termMonths: applicant.termMonths,
      rate: rate / 100,
      pd: estimatePd(model, applicant).pd,
      purpose: applicant.purpose,
      bad,
      installment,
      grade: grade ?? '?',
    });
  }
  return loans;
}
