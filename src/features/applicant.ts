import { z } from 'zod';
import type { Applicant } from '../applicant/schema.ts';
import { CategoryEncodingSchema, encodeCategory, fitCategoryEncoding, median } from './encoding.ts';

/**
 * The one map from an Applicant to the model's input vector, used by training and by scoring alike.
 * Fitted pieces (imputation medians, category encodings) are stored in the model artefact.
 */

/** Applicant fields that may be missing: imputed with the training median, plus a 0/1 indicator. */
export const IMPUTED_FIELDS = ['employmentYears', 'dti', 'revolvingUtilisation', 'revolvingBalance', 'totalAccounts', 'creditHistoryYears'] as const;
type ImputedField = (typeof IMPUTED_FIELDS)[number];

export const ApplicantFeatureSpecSchema = z.object({
  kind: z.literal('applicant'),
  features: z.array(z.string()).min(1),
  medians: z.object(Object.fromEntries(IMPUTED_FIELDS.map((f) => [f, z.number()])) as Record<ImputedField, z.ZodNumber>),
  categories: z.object({ purpose: CategoryEncodingSchema, homeOwnership: CategoryEncodingSchema }),
});
export type ApplicantFeatureSpec = z.infer<typeof ApplicantFeatureSpecSchema>;

/**
 * Each feature with its unit, what it is and its monotone direction, in vector order. The direction
 * is how default risk may move when the feature rises (+1 up, -1 down, 0 free), and it is chosen so
 * that the PD is monotone in the applicant's own answers, not only in the features: a derived
 * feature gets the direction its inputs imply (loan-to-income rises with the amount and falls with
 * income, which matches amount +1 and income -1). Free: the term (a longer term lowers the monthly
 * payment but raises risk, so term and payment ratios would pull against each other), the
 * categories, the missing-value flags, and the account counts, whose direction is not settled.
 * Training reads the directions from here; the model card prints them.
 */
export const APPLICANT_FEATURES = [
  ['loan_amount', 'USD', 'requested amount', 1],
  ['term_months', 'months', '36 or 60', 0],
  ['log_annual_income', 'ln USD', 'natural log of yearly income', -1],
  ['employment_years', 'years', 'years in job, 10 = 10+', -1],
  ['employment_years_missing', '0/1', 'employment length not given', 0],
  ['home_ownership', 'log-odds', 'home ownership, encoded by its training bad rate', 0],
  ['purpose', 'log-odds', 'loan purpose, encoded by its training bad rate', 0],
  ['dti', '%', 'debt-to-income (from DTI or monthly debt payments)', 1],
  ['dti_missing', '0/1', 'neither DTI nor monthly debt given', 0],
  ['fico_score', 'points', 'FICO score', -1],
  ['delinquencies_2y', 'count', '30+ day delinquencies in 2 years', 1],
  ['inquiries_6m', 'count', 'hard inquiries in 6 months', 1],
  ['revolving_utilisation', '%', 'revolving balance / revolving limit', 1],
  ['revolving_utilisation_missing', '0/1', 'no revolving utilisation given', 0],
  ['log_revolving_balance', 'ln USD', 'ln(1 + revolving balance)', 0],
  ['revolving_balance_missing', '0/1', 'revolving balance not given', 0],
  ['open_accounts', 'count', 'open credit lines', 0],
  ['total_accounts', 'count', 'credit lines ever opened', 0],
  ['total_accounts_missing', '0/1', 'total accounts not given', 0],
  ['public_records', 'count', 'derogatory public records', 1],
  ['credit_history_years', 'years', 'years since first credit line', -1],
  ['credit_history_years_missing', '0/1', 'credit history length not given', 0],
  ['loan_to_income', 'ratio', 'loan amount / yearly income', 1],
  ['payment_to_income', 'ratio', 'monthly principal (amount / term) / monthly income', 1],
  ['dti_after_loan', '%', "DTI plus the new loan's monthly principal", 1],
  ['revolving_balance_to_income', 'ratio', 'revolving balance / yearly income', 1],
  ['open_to_total_accounts', 'ratio', 'open / total credit lines', 0],
] as const satisfies readonly (readonly [string, string, string, -1 | 0 | 1])[];

export const APPLICANT_FEATURE_NAMES: readonly string[] = APPLICANT_FEATURES.map(([name]) => name);

/** Monotone direction per feature, in vector order. */
export const APPLICANT_FEATURE_DIRECTIONS: readonly (-1 | 0 | 1)[] = APPLICANT_FEATURES.map(([, , , d]) => d);

/**
 * The applicant inputs whose effect on risk is settled, with their direction: what the shipped
 * model must respect (tested across each input's whole range).
 */
export const APPLICANT_INPUT_DIRECTIONS = {
  loanAmount: 1,
  annualIncome: -1,
  employmentYears: -1,
  dti: 1,
  monthlyDebtPayments: 1,
  ficoScore: -1,
  delinquencies2y: 1,
  inquiries6m: 1,
  revolvingUtilisation: 1,
  publicRecords: 1,
  creditHistoryYears: -1,
} as const satisfies Partial<Record<keyof Applicant, 1 | -1>>;

/** DTI as given, or derived from monthly debt payments and income. */
export function effectiveDti(a: Applicant): number | undefined {
  if (a.dti !== undefined) return a.dti;
  if (a.monthlyDebtPayments !== undefined) return (a.monthlyDebtPayments / (a.annualIncome / 12)) * 100;
  return undefined;
}

function rawImputed(a: Applicant, field: ImputedField): number | undefined {
  return field === 'dti' ? effectiveDti(a) : a[field];
}

export function fitApplicantSpec(applicants: readonly Applicant[], bad: ArrayLike<number>): ApplicantFeatureSpec {
  const medians = Object.fromEntries(IMPUTED_FIELDS.map((field) => [field, median(applicants.map((a) => rawImputed(a, field) ?? Number.NaN))])) as Record<
    ImputedField,
    number
  >;
  return {
    kind: 'applicant',
    features: [...APPLICANT_FEATURE_NAMES],
    medians,
    categories: {
      purpose: fitCategoryEncoding(
        applicants.map((a) => a.purpose),
        bad,
      ),
      homeOwnership: fitCategoryEncoding(
        applicants.map((a) => a.homeOwnership),
        bad,
      ),
    },
  };
}

/** Writes the feature vector of `a` into `out` (allocated when not given) and returns it. */
export function applicantFeatures(
  spec: ApplicantFeatureSpec,
  a: Applicant,
  out: Float64Array = new Float64Array(APPLICANT_FEATURE_NAMES.length),
): Float64Array {
  // Written out field by field: this runs several times per live decision (counter-offers, the
  // challenger), and a closure returning pairs cost more than the arithmetic.
  const dtiGiven = effectiveDti(a);
  const employment = a.employmentYears === undefined ? spec.medians.employmentYears : a.employmentYears;
  const dti = dtiGiven === undefined ? spec.medians.dti : dtiGiven;
  const utilisation = a.revolvingUtilisation === undefined ? spec.medians.revolvingUtilisation : a.revolvingUtilisation;
  const balance = a.revolvingBalance === undefined ? spec.medians.revolvingBalance : a.revolvingBalance;
  const totalAccounts = a.totalAccounts === undefined ? spec.medians.totalAccounts : a.totalAccounts;
  const history = a.creditHistoryYears === undefined ? spec.medians.creditHistoryYears : a.creditHistoryYears;
  const monthlyIncome = a.annualIncome / 12;
  const monthlyPrincipal = a.loanAmount / a.termMonths;

  let i = 0;
  out[i++] = a.loanAmount;
  out[i++] = a.termMonths;
  out[i++] = Math.log(a.annualIncome);
  out[i++] = employment;
  out[i++] = a.employmentYears === undefined ? 1 : 0;
  out[i++] = encodeCategory(spec.categories.homeOwnership, a.homeOwnership);
  out[i++] = encodeCategory(spec.categories.purpose, a.purpose);
  out[i++] = dti;
  out[i++] = dtiGiven === undefined ? 1 : 0;
  out[i++] = a.ficoScore;
  out[i++] = a.delinquencies2y;
  out[i++] = a.inquiries6m;
  out[i++] = utilisation;
  out[i++] = a.revolvingUtilisation === undefined ? 1 : 0;
  out[i++] = Math.log1p(balance);
  out[i++] = a.revolvingBalance === undefined ? 1 : 0;
  out[i++] = a.openAccounts;
  out[i++] = totalAccounts;
  out[i++] = a.totalAccounts === undefined ? 1 : 0;
  out[i++] = a.publicRecords;
  out[i++] = history;
  out[i++] = a.creditHistoryYears === undefined ? 1 : 0;
  out[i++] = a.loanAmount / a.annualIncome;
  out[i++] = monthlyPrincipal / monthlyIncome;
  out[i++] = dti + (monthlyPrincipal / monthlyIncome) * 100;
  out[i++] = balance / a.annualIncome;
  out[i++] = totalAccounts > 0 ? Math.min(a.openAccounts / totalAccounts, 1) : 1;
  return out;
}
