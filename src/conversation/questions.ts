import { AlternativeDataSchema, ApplicantSchema, HOME_OWNERSHIP, LOAN_PURPOSES } from '../applicant/schema.ts';
import type { ChatField } from './understand.ts';

/**
 * What the conversation asks, in order. Each answer is checked by the applicant schema's own rule
 * for its field, so the chat, the API and the form accept exactly the same values. Wording lives in
 * the Fluent files (q-<field>, ex-<field>); this module holds only the structure.
 */

export type { ChatField } from './understand.ts';

/** The order questions are asked in (free text may answer any of them at any time). */
export const CHAT_FIELDS: readonly ChatField[] = [
  'loanAmount',
  'termMonths',
  'purpose',
  'annualIncome',
  'employmentYears',
  'homeOwnership',
  'monthlyDebtPayments',
  'ficoScore',
  'delinquencies2y',
  'inquiries6m',
  'publicRecords',
  'revolvingUtilisation',
  'openAccounts',
];

/** Fields a person may leave out ("Skip"): the model reads them as not given, never as zero. */
export const OPTIONAL_FIELDS: ReadonlySet<ChatField> = new Set(['employmentYears', 'monthlyDebtPayments', 'revolvingUtilisation']);

/** The credit-record counts, asked together first: most people answer all three with "none". */
export const RECORD_FIELDS: readonly ChatField[] = ['delinquencies2y', 'inquiries6m', 'publicRecords'];

export type Kind = 'money' | 'count' | 'score' | 'percent' | 'choice';

export const KIND: Record<ChatField, Kind> = {
  loanAmount: 'money',
  termMonths: 'choice',
  purpose: 'choice',
  annualIncome: 'money',
  employmentYears: 'choice',
  homeOwnership: 'choice',
  monthlyDebtPayments: 'money',
  ficoScore: 'score',
  delinquencies2y: 'count',
  inquiries6m: 'count',
  publicRecords: 'count',
  revolvingUtilisation: 'percent',
  openAccounts: 'count',
};

export interface Choice {
  /** The Fluent message id of its label (with `args`). */
  label: string;
  args?: Record<string, string | number>;
  /** undefined: "not given" (the field is declined). */
  value: string | number | undefined;
}

/** Buttons for the questions that have them, and how many per row. */
export const CHOICES: Partial<Record<ChatField, { choices: Choice[]; columns: number }>> = {
  termMonths: {
    columns: 2,
    choices: [36, 60].map((months) => ({ label: 'term-months', args: { months }, value: months })),
  },
  purpose: { columns: 2, choices: LOAN_PURPOSES.map((p) => ({ label: `purpose-${p}`, value: p })) },
  employmentYears: {
    columns: 4,
    choices: [
      { label: 'employment-0', value: 0 },
      ...Array.from({ length: 9 }, (_, i) => ({ label: 'count', args: { count: i + 1 }, value: i + 1 })),
      { label: 'employment-10', value: 10 },
      { label: 'employment-none', value: undefined },
    ],
  },
  homeOwnership: { columns: 2, choices: HOME_OWNERSHIP.map((h) => ({ label: `home-${h}`, value: h })) },
};

/** The optional bank-account questions, asked one at a time when the person chooses to answer them. */
export const ALT_FIELDS = ['monthlyIncomeDeposits', 'monthlySpending', 'monthlySavings', 'overdraftMonths12m'] as const;
export type AltField = (typeof ALT_FIELDS)[number];

export type Rule = { kind: 'range'; min: number; max: number } | { kind: 'whole' } | { kind: 'term'; months: number } | { kind: 'choice' };

/** The schema's verdict on one answer: the value, or the rule it broke (in our terms, worded by the caller). */
export function checkField(field: ChatField | AltField, value: unknown): { ok: true; value: string | number } | { ok: false; rule: Rule } {
  const schema = field in ApplicantSchema.shape ? ApplicantSchema.shape[field as ChatField] : AlternativeDataSchema.shape[field as AltField];
  const result = schema.safeParse(value);
  if (result.success && result.data !== undefined) return { ok: true, value: result.data as string | number };
  if (field === 'termMonths' && typeof value === 'number') return { ok: false, rule: { kind: 'term', months: value } };
  if (typeof value !== 'number' || !Number.isFinite(value)) return { ok: false, rule: { kind: 'choice' } };
  const issue = result.success ? undefined : result.error.issues[0];
  if (issue?.code === 'invalid_type' && issue.expected === 'int') return { ok: false, rule: { kind: 'whole' } };
  return { ok: false, rule: { kind: 'range', ...rangeOf(field) } };
}

/** The field's bounds, read from the schema (so the words always match the rule). */
export function rangeOf(field: ChatField | AltField): { min: number; max: number } {
  const json = (
    field in ApplicantSchema.shape
      ? ApplicantSchema.shape[field as ChatField].toJSONSchema({ io: 'input', unrepresentable: 'any' })
      : AlternativeDataSchema.shape[field as AltField].toJSONSchema({ io: 'input', unrepresentable: 'any' })
  ) as { minimum?: number; maximum?: number };
  return { min: json.minimum ?? -Infinity, max: json.maximum ?? Infinity };
}
