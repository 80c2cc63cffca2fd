import { HOME_OWNERSHIP, LOAN_PURPOSES, LOAN_TERMS, type Applicant } from '../applicant/schema.ts';
import { effectiveDti } from '../features/applicant.ts';

/**
 * What drift monitoring watches: each input of the applicant model as the applicant gives it (the
 * model's features are computed from these), and the score. Numeric inputs are binned by the
 * reference's deciles, categorical ones by level; an optional input has a "not given" bin of its own.
 *
 * `source` says where the value comes from, declaratively, so that the database can bin stored
 * applications in SQL exactly as `inputValue` does here (db/monitoring-repository.ts).
 */
export type DriftSource =
  /** The applicant's own answer. */
  | { kind: 'field'; field: keyof Applicant }
  /** DTI as given, or derived from monthly debt payments and income (what the model reads). */
  | { kind: 'dti' }
  /** The decision's score (300–850); only decisions of the reference's model version count. */
  | { kind: 'score' };

export interface DriftInput {
  name: string;
  label: string;
  kind: 'numeric' | 'categorical';
  /** May be missing: "not given" is then a bin of its own (the last). */
  optional: boolean;
  source: DriftSource;
  /** Categorical: every level the applicant schema allows, in this order. */
  levels?: readonly string[];
}

const numeric = (name: keyof Applicant, label: string, optional = false): DriftInput => ({
  name,
  label,
  kind: 'numeric',
  optional,
  source: { kind: 'field', field: name },
});
const categorical = (name: keyof Applicant, label: string, levels: readonly (string | number)[]): DriftInput => ({
  name,
  label,
  kind: 'categorical',
  optional: false,
  source: { kind: 'field', field: name },
  levels: levels.map(String),
});

export const SCORE_INPUT: DriftInput = { name: 'score', label: 'Score (300–850)', kind: 'numeric', optional: false, source: { kind: 'score' } };

/** The monitored characteristics, in report order: the applicant model's inputs, then the score. */
export const DRIFT_INPUTS: readonly DriftInput[] = [
  numeric('loanAmount', 'Loan amount (USD)'),
  categorical('termMonths', 'Term (months)', LOAN_TERMS),
  categorical('purpose', 'Purpose', LOAN_PURPOSES),
  numeric('annualIncome', 'Yearly income (USD)'),
  numeric('employmentYears', 'Years in current job', true),
  categorical('homeOwnership', 'Home ownership', HOME_OWNERSHIP),
  { name: 'dti', label: 'Debt-to-income (%; given, or from monthly debt payments)', kind: 'numeric', optional: true, source: { kind: 'dti' } },
  numeric('ficoScore', 'FICO score'),
  numeric('delinquencies2y', 'Delinquencies in 2 years'),
  numeric('inquiries6m', 'Hard inquiries in 6 months'),
  numeric('revolvingUtilisation', 'Revolving utilisation (%)', true),
  numeric('revolvingBalance', 'Revolving balance (USD)', true),
  numeric('openAccounts', 'Open credit accounts'),
  numeric('totalAccounts', 'Credit accounts ever opened', true),
  numeric('publicRecords', 'Public records'),
  numeric('creditHistoryYears', 'Years of credit history', true),
  SCORE_INPUT,
];

/** The input's value for an applicant (and the score decided for them): a number, a level, or undefined when not given. */
export function inputValue(input: DriftInput, applicant: Applicant, score?: number): number | string | undefined {
  const source = input.source;
  const raw = source.kind === 'score' ? score : source.kind === 'dti' ? effectiveDti(applicant) : applicant[source.field];
  if (raw === undefined || raw === null) return undefined;
  if (input.kind === 'categorical') return String(raw);
  return typeof raw === 'number' ? raw : undefined;
}
