import { ApplicantSchema, describeIssues, type Applicant, type FieldIssue } from '../applicant/schema.ts';
import { streamCsv, type CsvRecord, type CsvStreamOptions } from './csv.ts';
import { AS_OF_DATE_COLUMN } from './leakage.ts';

/**
 * Streams LendingClub loan files in their public column layout (LoanStats*, accepted_2007_to_2018),
 * plain or gzipped, one row in memory at a time, and turns each finished loan into an Applicant
 * plus its outcome. Only applicant-side columns are read: see ./leakage.ts.
 */

export interface LendingClubLoan {
  line: number;
  applicant: Applicant;
  /** 1 = charged off or defaulted, 0 = fully paid. */
  bad: 0 | 1;
  /** LendingClub's own grade: a benchmark, never a feature. */
  grade?: string;
  /** LendingClub's interest rate (percent) and monthly instalment: what was lent on, never features. */
  rate?: number;
  installment?: number;
}

export interface LendingClubRejection {
  line: number;
  issues: FieldIssue[];
  /** The row as read: only with `includeUnfinished` (batch scoring writes it to its rejects file). */
  record?: CsvRecord;
}

/** A row of a batch to score (`includeUnfinished`): every valid row, finished or not, with the row as read. */
export interface LendingClubApplication extends Omit<LendingClubLoan, 'bad'> {
  /** null: no final outcome (a loan still running, or a new application without `loan_status`). */
  bad: 0 | 1 | null;
  record: CsvRecord;
}

export interface LendingClubStats {
  read: number;
  kept: number;
  /** Loans still running (Current, Late, In Grace Period, …): no outcome yet. */
  unfinished: number;
  invalid: number;
  malformedRows: number;
}

const BAD_STATUSES = new Set(['charged off', 'default']);
const GOOD_STATUSES = new Set(['fully paid']);
const POLICY_PREFIX = 'does not meet the credit policy. status:';

/** Maps `loan_status` to the target: 1 bad, 0 good, null for loans without a final outcome. */
export function lendingClubTarget(status: string): 0 | 1 | null {
  let s = status.trim().toLowerCase();
  if (s.startsWith(POLICY_PREFIX)) s = s.slice(POLICY_PREFIX.length).trim();
  if (BAD_STATUSES.has(s)) return 1;
  if (GOOD_STATUSES.has(s)) return 0;
  return null;
}

/** "10.65%", " 36 months", "" → number or undefined. */
export function parseLooseNumber(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const cleaned = raw.replace(/[%,$\s]|months?/gi, '');
  if (cleaned === '' || cleaned.toLowerCase() === 'n/a') return undefined;
  const value = Number(cleaned);
  return Number.isFinite(value) ? value : undefined;
}

/** "< 1 year" → 0, "4 years" → 4, "10+ years" → 10, "n/a" → undefined. */
export function parseEmploymentLength(raw: string | undefined): number | undefined {
  if (!raw) return undefined;
  const s = raw.trim().toLowerCase();
  if (s.startsWith('<')) return 0;
  const match = /^(\d+)/.exec(s);
  return match ? Number(match[1]) : undefined;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** LendingClub month stamps: "Aug-2003", "Aug-03" or "2003-08" → months since year 0. */
export function parseMonthStamp(raw: string | undefined): number | undefined {
  if (!raw) return undefined;
  const s = raw.trim().toLowerCase();
  let m = /^([a-z]{3})-(\d{2}|\d{4})$/.exec(s);
  if (m) {
    const month = MONTHS.indexOf(m[1]);
    if (month < 0) return undefined;
    let year = Number(m[2]);
    if (m[2].length === 2) year += year > 50 ? 1900 : 2000;
    return year * 12 + month;
  }
  m = /^(\d{4})-(\d{2})/.exec(s);
  return m ? Number(m[1]) * 12 + Number(m[2]) - 1 : undefined;
}

function homeOwnership(raw: string | undefined): string | undefined {
  const s = raw?.trim().toUpperCase();
  if (s === 'NONE' || s === 'ANY') return 'OTHER';
  return s;
}

function ficoScore(record: CsvRecord): number | undefined {
  const low = parseLooseNumber(record.fico_range_low);
  const high = parseLooseNumber(record.fico_range_high);
  if (low === undefined) return undefined;
  // LendingClub reports a 4-point band (e.g. 675–679); an applicant states one score: use the middle.
  return Math.round(high !== undefined ? (low + high) / 2 : low + 2);
}

function creditHistoryYears(record: CsvRecord): number | undefined {
  const first = parseMonthStamp(record.earliest_cr_line);
  const issued = parseMonthStamp(record[AS_OF_DATE_COLUMN]);
  if (first === undefined || issued === undefined || issued < first) return undefined;
  return Math.round(((issued - first) / 12) * 10) / 10;
}

/** One LendingClub row → an applicant candidate (not yet validated). */
export function lendingClubApplicant(record: CsvRecord): Record<string, unknown> {
  const candidate: Record<string, unknown> = {
    loanAmount: parseLooseNumber(record.loan_amnt),
    termMonths: parseLooseNumber(record.term),
    purpose: record.purpose?.trim().toLowerCase(),
    annualIncome: parseLooseNumber(record.annual_inc),
    employmentYears: parseEmploymentLength(record.emp_length),
    homeOwnership: homeOwnership(record.home_ownership),
    dti: parseLooseNumber(record.dti),
    ficoScore: ficoScore(record),
    delinquencies2y: parseLooseNumber(record.delinq_2yrs),
    inquiries6m: parseLooseNumber(record.inq_last_6mths),
    revolvingUtilisation: parseLooseNumber(record.revol_util),
    revolvingBalance: parseLooseNumber(record.revol_bal),
    openAccounts: parseLooseNumber(record.open_acc),
    totalAccounts: parseLooseNumber(record.total_acc),
    publicRecords: parseLooseNumber(record.pub_rec),
    creditHistoryYears: creditHistoryYears(record),
  };
  for (const key of Object.keys(candidate)) if (candidate[key] === undefined) delete candidate[key];
  return candidate;
}

export interface StreamLendingClubOptions {
  onReject?: (rejection: LendingClubRejection) => void;
  stats?: LendingClubStats;
  /**
   * Batch scoring: also yield rows without a final outcome (counted in `stats.unfinished`) with
   * `bad: null`, accept files with no `loan_status` column at all (the header is found by
   * `loan_amnt`), and give each row (and each rejection) the record as read.
   */
  includeUnfinished?: boolean;
  /** Passed on to the CSV reader: skipped rows and bytes read, for callers that report them. */
  csv?: Pick<CsvStreamOptions, 'onSkippedRow' | 'onBytesRead'>;
}

export function emptyLendingClubStats(): LendingClubStats {
  return { read: 0, kept: 0, unfinished: 0, invalid: 0, malformedRows: 0 };
}

export function streamLendingClub(path: string, options: StreamLendingClubOptions & { includeUnfinished: true }): AsyncGenerator<LendingClubApplication>;
export function streamLendingClub(path: string, options?: StreamLendingClubOptions): AsyncGenerator<LendingClubLoan>;
export async function* streamLendingClub(path: string, options: StreamLendingClubOptions = {}): AsyncGenerator<LendingClubLoan | LendingClubApplication> {
  const stats = options.stats ?? emptyLendingClubStats();
  const csvStats = { skippedRows: 0 };
  const all = options.includeUnfinished === true;
  const csvOptions: CsvStreamOptions = { ...options.csv, headerMustInclude: all ? 'loan_amnt' : 'loan_status' };
  for await (const { line, record } of streamCsv(path, csvOptions, csvStats)) {
    stats.read += 1;
    const bad = lendingClubTarget(record.loan_status ?? '');
    if (bad === null) {
      stats.unfinished += 1;
      if (!all) continue;
    }
    const parsed = ApplicantSchema.safeParse(lendingClubApplicant(record));
    if (!parsed.success) {
      stats.invalid += 1;
      options.onReject?.({ line, issues: describeIssues(parsed.error), ...(all ? { record } : {}) });
      continue;
    }
    stats.kept += 1;
    const grade = record.grade?.trim();
    const rate = parseLooseNumber(record.int_rate);
    const installment = parseLooseNumber(record.installment);
    yield {
      line,
      applicant: parsed.data,
      bad,
      ...(grade ? { grade } : {}),
      ...(rate !== undefined ? { rate } : {}),
      ...(installment !== undefined ? { installment } : {}),
      ...(all ? { record } : {}),
    } as LendingClubLoan | LendingClubApplication;
  }
  stats.malformedRows = csvStats.skippedRows;
}

/** Whether a header looks like a LendingClub loan file. */
export function isLendingClubHeader(header: readonly string[]): boolean {
  return header.includes('loan_status') && header.includes('loan_amnt') && header.includes('annual_inc');
}
