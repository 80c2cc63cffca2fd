import { z } from 'zod';
import { BehaviourFeaturesSchema } from './behaviour.ts';

/**
 * What every channel (API, bot, widget) collects from an applicant.
 * Units and plain-language labels live in each field's metadata so that forms,
 * chat questions and the OpenAPI document are all generated from this one schema.
 */

export const LOAN_PURPOSES = [
  'debt_consolidation',
  'credit_card',
  'home_improvement',
  'major_purchase',
  'small_business',
  'car',
  'wedding',
  'medical',
  'moving',
  'vacation',
  'house',
  'educational',
  'renewable_energy',
  'other',
] as const;

/** Loan purposes in plain words, for forms and chat buttons. */
export const PURPOSE_LABELS: Record<(typeof LOAN_PURPOSES)[number], string> = {
  debt_consolidation: 'Paying off other debts',
  credit_card: 'Paying off credit cards',
  home_improvement: 'Home improvement',
  major_purchase: 'A major purchase',
  small_business: 'A small business',
  car: 'A car',
  wedding: 'A wedding',
  medical: 'Medical costs',
  moving: 'Moving home',
  vacation: 'A holiday',
  house: 'Buying a house',
  educational: 'Education',
  renewable_energy: 'Renewable energy',
  other: 'Something else',
};

export const HOME_OWNERSHIP = ['RENT', 'MORTGAGE', 'OWN', 'OTHER'] as const;
export const LOAN_TERMS = [36, 60] as const;

export interface FieldMeta {
  label: string;
  unit: string;
  [key: string]: unknown;
}

const field = <T extends z.ZodType>(schema: T, meta: FieldMeta): T => schema.meta(meta);

const count = (label: string, max: number) => field(z.number().int().min(0).max(max), { label, unit: 'count' });

/** A NUL, or half of a surrogate pair: text PostgreSQL (text or JSON) cannot store. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what is refused here.
const UNSTORABLE_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const TransactionInputSchema = z
  .object({
    date: z.iso.date(),
    amount: z
      .number()
      .min(-100_000_000)
      .max(100_000_000)
      .meta({ description: 'Signed: money in is positive, money out negative (at most 100 million either way)' }),
    balance: z.number().min(-1_000_000_000).max(1_000_000_000).optional(),
    // Stored with the application when the policy keeps raw transactions: text PostgreSQL can hold.
    description: z
      .string()
      .max(200)
      .refine((text) => !UNSTORABLE_TEXT.test(text), 'must be plain text: no NUL characters and no broken Unicode')
      .optional(),
  })
  .strict();

/**
 * Optional bank-account evidence for thin-file applicants. Absent means "not given":
 * no field here is ever read as zero when missing.
 */
export const AlternativeDataSchema = z
  .object({
    monthlyIncomeDeposits: field(z.number().min(0).max(1_000_000).optional(), {
      label: 'Average monthly income paid into the account',
      unit: 'USD per month',
    }),
    monthlySpending: field(z.number().min(0).max(1_000_000).optional(), {
      label: 'Average monthly spending from the account',
      unit: 'USD per month',
    }),
    monthlySavings: field(z.number().min(-1_000_000).max(1_000_000).optional(), {
      label: 'Average amount put aside each month',
      unit: 'USD per month',
    }),
    overdraftMonths12m: field(z.number().int().min(0).max(12).optional(), {
      label: 'Months with an overdraft in the last 12',
      unit: 'months',
    }),
    /** Raw transactions: reduced to `behaviour` at once and, unless the policy says so, never stored. */
    transactions: field(z.array(TransactionInputSchema).min(1).max(5_000).optional(), {
      label: 'Bank transactions (reduced to behavioural features on arrival)',
      unit: 'list',
    }),
    statementId: field(z.uuid('must be the statementId that POST /v1/statements returned').optional(), {
      label: 'A statement this server parsed (POST /v1/statements), sent with the same key within 24 hours',
      unit: 'id',
    }),
    behaviour: field(BehaviourFeaturesSchema.optional(), {
      label: 'Behavioural features computed elsewhere: accepted only from keys with the trusted-evidence scope',
      unit: 'object',
    }),
    statementSha256: field(
      z
        .string()
        .regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in hex')
        .optional(),
      {
        label: 'SHA-256 of the statement the behavioural features came from',
        unit: 'hex',
      },
    ),
  })
  .strict();

export const ApplicantSchema = z
  .object({
    loanAmount: field(z.number().min(500).max(40_000), { label: 'Loan amount', unit: 'USD' }),
    termMonths: field(z.union([z.literal(36), z.literal(60)]), { label: 'Loan term', unit: 'months' }),
    purpose: field(z.enum(LOAN_PURPOSES), { label: 'What the loan is for', unit: 'category' }),
    annualIncome: field(z.number().min(4_000).max(10_000_000), {
      label: 'Yearly income before tax',
      unit: 'USD per year',
    }),
    employmentYears: field(z.number().min(0).max(10).optional(), {
      label: 'Years in current job (10 means 10 or more)',
      unit: 'years',
    }),
    homeOwnership: field(z.enum(HOME_OWNERSHIP), { label: 'Home ownership', unit: 'category' }),
    dti: field(z.number().min(0).max(100).optional(), {
      label: 'Monthly debt payments (excluding mortgage) as a share of monthly income',
      unit: '%',
    }),
    monthlyDebtPayments: field(z.number().min(0).max(1_000_000).optional(), {
      label: 'Monthly debt payments, excluding mortgage or rent',
      unit: 'USD per month',
    }),
    ficoScore: field(z.number().int().min(300).max(850), { label: 'FICO credit score', unit: 'points' }),
    delinquencies2y: count('Payments 30+ days late in the last 2 years', 50),
    inquiries6m: count('Credit applications (hard inquiries) in the last 6 months', 50),
    revolvingUtilisation: field(z.number().min(0).max(200).optional(), {
      label: 'Credit card balances as a share of credit card limits',
      unit: '%',
    }),
    revolvingBalance: field(z.number().min(0).max(5_000_000).optional(), {
      label: 'Total credit card and revolving balances',
      unit: 'USD',
    }),
    openAccounts: count('Open credit accounts', 100),
    totalAccounts: field(z.number().int().min(0).max(200).optional(), {
      label: 'Credit accounts ever opened',
      unit: 'count',
    }),
    publicRecords: count('Public records (bankruptcies, judgments, tax liens)', 50),
    creditHistoryYears: field(z.number().min(0).max(80).optional(), {
      label: 'Years since the first credit account was opened',
      unit: 'years',
    }),
    alternativeData: field(AlternativeDataSchema.optional(), {
      label: 'Bank-account evidence for thin credit files (optional)',
      unit: 'object',
    }),
  })
  .strict();

export type Applicant = z.infer<typeof ApplicantSchema>;
export type AlternativeData = z.infer<typeof AlternativeDataSchema>;

export interface FieldIssue {
  field: string;
  rule: string;
}

const KIND: Record<string, string> = {
  number: 'a number',
  string: 'text',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  int: 'a whole number',
  integer: 'a whole number',
};
const fmt = (v: unknown) => (typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: 6 }) : String(v));

/**
 * The rule an issue breaks, in our words: zod's own wording ("Invalid input: expected number,
 * received undefined") never reaches a person. Messages we wrote in a schema pass through unchanged.
 */
export function plainRule(issue: z.core.$ZodIssue): string {
  const i = issue as z.core.$ZodIssue & {
    expected?: string;
    input?: unknown;
    maximum?: number | bigint;
    minimum?: number | bigint;
    inclusive?: boolean;
    values?: unknown[];
    keys?: string[];
    origin?: string;
    format?: string;
  };
  switch (i.code) {
    case 'invalid_type': {
      // zod says what it received at the end of its message ("… received undefined").
      const received = /received (\S+)$/.exec(i.message)?.[1];
      if (received === 'undefined') return 'is required';
      if (received === 'Infinity' || received === 'NaN') return 'must be a finite number';
      return `must be ${KIND[i.expected ?? ''] ?? i.expected}`;
    }
    case 'too_big':
      if (i.origin === 'array') return `must have at most ${fmt(i.maximum)} items`;
      if (i.origin === 'string') return `must be at most ${fmt(i.maximum)} characters`;
      return i.inclusive === false ? `must be below ${fmt(i.maximum)}` : `must be at most ${fmt(i.maximum)}`;
    case 'too_small':
      if (i.origin === 'array') return `must have at least ${fmt(i.minimum)} item${Number(i.minimum) === 1 ? '' : 's'}`;
      if (i.origin === 'string') return Number(i.minimum) === 1 ? 'must not be empty' : `must be at least ${fmt(i.minimum)} characters`;
      return i.inclusive === false ? `must be above ${fmt(i.minimum)}` : `must be at least ${fmt(i.minimum)}`;
    case 'invalid_value':
      return `must be one of: ${(i.values ?? []).map(fmt).join(', ')}`;
    case 'unrecognized_keys':
      return `${(i.keys ?? []).map((k) => `"${k}"`).join(', ')} ${(i.keys ?? []).length === 1 ? 'is not a field' : 'are not fields'} of this request`;
    case 'invalid_format':
      // Our schemas give their own message for formats; zod's generic one reads "Invalid …".
      return /^Invalid /.test(i.message) ? `must be a valid ${i.format ?? 'value'}` : i.message;
    case 'invalid_union': {
      // A union of single values (36 | 60): list them.
      const options = ((i as { errors?: { code: string; values?: unknown[] }[][] }).errors ?? []).flat();
      if (options.length > 0 && options.every((o) => o.code === 'invalid_value'))
        return `must be one of: ${options
          .flatMap((o) => o.values ?? [])
          .map(fmt)
          .join(', ')}`;
      return /^Invalid input/.test(i.message) ? 'is not one of the allowed values' : i.message;
    }
    default:
      return /^Invalid input/.test(i.message) ? 'is not allowed here' : i.message;
  }
}

/**
 * Every issue as a field and a rule in plain words. Given the `input` that was checked, a choice
 * (an enum, 36 or 60) that was left out reads "is required", not "must be one of …"; any other
 * rule keeps its own words.
 *
 * @example describeIssues(error, body) // [{ field: 'purpose', rule: 'is required' }]
 */
export function describeIssues(error: z.ZodError, input?: unknown): FieldIssue[] {
  return error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.join('.') : '(body)',
    rule: ruleFor(issue, input),
  }));
}

function ruleFor(issue: z.core.$ZodIssue, input: unknown): string {
  const rule = plainRule(issue);
  return rule.startsWith('must be one of') && input !== undefined && issue.path.length > 0 && missingAt(input, issue.path) ? 'is required' : rule;
}

/** True when `path` leads to nothing in `input` (the last key absent or undefined, under objects that exist). */
function missingAt(input: unknown, path: readonly PropertyKey[]): boolean {
  let at: unknown = input;
  for (const key of path) {
    if (at === null || typeof at !== 'object') return false;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at === undefined;
}

export type ApplicantParse = { ok: true; applicant: Applicant } | { ok: false; issues: FieldIssue[] };

export function parseApplicant(input: unknown): ApplicantParse {
  const result = ApplicantSchema.safeParse(input);
  return result.success ? { ok: true, applicant: result.data } : { ok: false, issues: describeIssues(result.error, input) };
}

/** Label and unit of a top-level applicant field, from the schema's metadata. */
export function fieldMeta(name: keyof Applicant): FieldMeta {
  const meta = ApplicantSchema.shape[name].meta() as FieldMeta | undefined;
  if (!meta) throw new Error(`applicant field ${String(name)} has no metadata`);
  return meta;
}
