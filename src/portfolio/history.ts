import { ApplicantSchema } from '../applicant/schema.ts';
import { streamCsv } from '../data/csv.ts';
import { lendingClubApplicant, lendingClubTarget, parseLooseNumber } from '../data/lendingclub.ts';
import { estimatePd, type LoadedModel } from '../scoring/model.ts';
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
  for await (const { line, record } of streamCsv(path, { headerMustInclude: 'loan_status' })) {
    const bad = lendingClubTarget(record.loan_status ?? '');
    const parsed = ApplicantSchema.safeParse(lendingClubApplicant(record));
    const rate = parseLooseNumber(record.int_rate);
    const installment = parseLooseNumber(record.installment);
    if (bad === null || !parsed.success || rate === undefined || installment === undefined) continue;
    const applicant = parsed.data;
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
      grade: record.grade?.trim() ?? '?',
    });
  }
  return loans;
}
