import { ApplicantSchema, AlternativeDataSchema, LOAN_PURPOSES, PURPOSE_LABELS, type Applicant } from '../src/applicant/schema.ts';

/**
 * The application as questions, in order. Each answer is checked against the applicant schema's
 * own rule for that field, so the bot, the API and the widget accept exactly the same values.
 */
export interface Choice {
  label: string;
  /** undefined: "not given" (the field stays absent). */
  value: string | number | undefined;
}

export interface Question {
  field: keyof Applicant;
  text: string;
  example?: string;
  choices?: Choice[];
  /** Offer a "Skip" button; the field stays absent. */
  optional?: boolean;
  /** Buttons per keyboard row. */
  columns?: number;
}

export const QUESTIONS: Question[] = [
  { field: 'loanAmount', text: 'How much would you like to borrow (in dollars)?', example: '12,000 or 12k' },
  {
    field: 'termMonths',
    text: 'Over how long would you like to repay?',
    choices: [
      { label: '36 months', value: 36 },
      { label: '60 months', value: 60 },
    ],
  },
  { field: 'purpose', text: 'What is the loan for?', choices: LOAN_PURPOSES.map((p) => ({ label: PURPOSE_LABELS[p], value: p })), columns: 2 },
  { field: 'annualIncome', text: 'What is your yearly income before tax?', example: '52,000 or 52k' },
  {
    field: 'employmentYears',
    text: 'How many years have you been in your current job?',
    choices: [
      { label: 'Under 1', value: 0 },
      ...Array.from({ length: 9 }, (_, i) => ({ label: String(i + 1), value: i + 1 })),
      { label: '10 or more', value: 10 },
      { label: 'Not employed / rather not say', value: undefined },
    ],
    columns: 4,
  },
  {
    field: 'homeOwnership',
    text: 'Do you rent, have a mortgage, or own your home outright?',
    choices: [
      { label: 'Rent', value: 'RENT' },
      { label: 'Mortgage', value: 'MORTGAGE' },
      { label: 'Own outright', value: 'OWN' },
      { label: 'Other', value: 'OTHER' },
    ],
    columns: 2,
  },
  {
    field: 'monthlyDebtPayments',
    text: 'How much do you pay each month on other debts (cards, loans, car finance), not counting rent or mortgage?',
    example: '450',
    optional: true,
  },
  { field: 'ficoScore', text: 'What is your credit score (FICO, between 300 and 850)?', example: '710' },
  { field: 'delinquencies2y', text: 'In the last 2 years, how many times were you 30 or more days late with a payment?', example: '0' },
  { field: 'inquiries6m', text: 'How many times have you applied for credit in the last 6 months?', example: '1' },
  { field: 'revolvingUtilisation', text: 'Roughly what share of your credit card limits are you using right now?', example: '35%', optional: true },
  { field: 'openAccounts', text: 'How many credit accounts (cards and loans) do you have open?', example: '6' },
  { field: 'publicRecords', text: 'How many public records (bankruptcies, court judgments, tax liens) are on your credit file?', example: '0' },
];

export interface AltQuestion {
  field: 'monthlyIncomeDeposits' | 'monthlySpending' | 'monthlySavings' | 'overdraftMonths12m';
  text: string;
  example: string;
}

export const ALT_QUESTIONS: AltQuestion[] = [
  { field: 'monthlyIncomeDeposits', text: 'On average, how much is paid into your bank account each month?', example: '3,200' },
  { field: 'monthlySpending', text: 'On average, how much do you spend from it each month?', example: '2,700' },
  { field: 'monthlySavings', text: 'How much do you put aside each month (0 if nothing)?', example: '300' },
  { field: 'overdraftMonths12m', text: 'In how many of the last 12 months did your account go overdrawn?', example: '0' },
];

/** The schema's verdict on one answer: the value, or the rule it broke. */
export function checkAnswer(field: keyof Applicant, value: unknown): { ok: true; value: unknown } | { ok: false; rule: string } {
  const result = ApplicantSchema.shape[field].safeParse(value);
  return result.success ? { ok: true, value: result.data } : { ok: false, rule: result.error.issues[0]?.message ?? 'not accepted' };
}

export function checkAltAnswer(field: AltQuestion['field'], value: unknown): { ok: true; value: unknown } | { ok: false; rule: string } {
  const result = AlternativeDataSchema.shape[field].safeParse(value);
  return result.success ? { ok: true, value: result.data } : { ok: false, rule: result.error.issues[0]?.message ?? 'not accepted' };
}

export function choiceLabel(question: Question, value: unknown): string {
  return question.choices?.find((c) => c.value === value)?.label ?? String(value);
}
