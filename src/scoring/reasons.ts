import type { Applicant } from '../applicant/schema.ts';
import { effectiveDti, type ApplicantFeatureSpec } from '../features/applicant.ts';
import { encodeCategory, type CategoryEncoding } from '../features/encoding.ts';

/**
 * Groups of model features that a person recognises as one thing, with adverse-action style text.
 * `applies` keeps a reason from stating a fact that is not true of this applicant (a tree can credit
 * "no late payments" with some risk through interactions; we must not then say there were some), and
 * from citing a field the applicant did not give: a missing answer is never a reason.
 */
interface ReasonGroup {
  code: string;
  features: readonly string[];
  text: string;
  applies?: (a: Applicant, spec?: ApplicantFeatureSpec) => boolean;
}

/** A category level whose training bad rate is above the average's (the encoding is log-odds). */
const riskierLevel = (encoding: CategoryEncoding | undefined, level: string): boolean =>
  encoding !== undefined && encodeCategory(encoding, level) > encoding.unseen;

export const REASON_GROUPS: readonly ReasonGroup[] = [
  {
    code: 'credit_score',
    features: ['fico_score'],
    text: 'Your credit score is lower than that of most applicants who repaid.',
    applies: (a) => a.ficoScore < 750,
  },
  { code: 'loan_size', features: ['loan_amount', 'loan_to_income', 'payment_to_income'], text: 'The amount asked for is high compared with your income.' },
  {
    code: 'income',
    features: ['log_annual_income'],
    text: 'Your income is lower than that of most applicants who repaid.',
    applies: (a) => a.annualIncome < 100_000,
  },
  { code: 'term', features: ['term_months'], text: 'A 60-month term carries more risk than a 36-month one.', applies: (a) => a.termMonths === 60 },
  {
    code: 'debt_burden',
    features: ['dti', 'dti_missing', 'dti_after_loan'],
    text: 'Your existing debt payments take a large share of your income.',
    applies: (a) => effectiveDti(a) !== undefined,
  },
  { code: 'inquiries', features: ['inquiries_6m'], text: 'You have applied for credit in the last 6 months.', applies: (a) => a.inquiries6m > 0 },
  {
    code: 'delinquencies',
    features: ['delinquencies_2y'],
    text: 'Your credit file shows late payments in the last 2 years.',
    applies: (a) => a.delinquencies2y > 0,
  },
  {
    code: 'revolving_utilisation',
    features: ['revolving_utilisation', 'revolving_utilisation_missing'],
    text: 'Your credit card balances are high compared with their limits.',
    applies: (a) => a.revolvingUtilisation !== undefined && a.revolvingUtilisation >= 30,
  },
  {
    code: 'revolving_balance',
    features: ['log_revolving_balance', 'revolving_balance_missing', 'revolving_balance_to_income'],
    text: 'Your revolving balances are high compared with your income.',
    applies: (a) => a.revolvingBalance !== undefined,
  },
  {
    code: 'accounts',
    features: ['open_accounts', 'total_accounts', 'total_accounts_missing', 'open_to_total_accounts'],
    text: 'The number or mix of your credit accounts.',
  },
  {
    code: 'public_records',
    features: ['public_records'],
    text: 'Your credit file shows public records, such as a bankruptcy or judgment.',
    applies: (a) => a.publicRecords > 0,
  },
  {
    code: 'employment',
    features: ['employment_years', 'employment_years_missing'],
    text: 'Your time in your current job is short.',
    applies: (a) => a.employmentYears !== undefined && a.employmentYears < 3,
  },
  {
    code: 'home_ownership',
    features: ['home_ownership'],
    text: 'Your housing situation is linked with higher risk in our data.',
    applies: (a, spec) => riskierLevel(spec?.categories.homeOwnership, a.homeOwnership),
  },
  {
    code: 'purpose',
    features: ['purpose'],
    text: 'Loans for this purpose are repaid less often.',
    applies: (a, spec) => riskierLevel(spec?.categories.purpose, a.purpose),
  },
  {
    code: 'credit_history',
    features: ['credit_history_years', 'credit_history_years_missing'],
    text: 'Your credit history is short.',
    applies: (a) => a.creditHistoryYears !== undefined && a.creditHistoryYears < 5,
  },
];

export interface Reason {
  code: string;
  text: string;
  /** How much this group raised the model's log-odds of default for this applicant (before calibration). */
  impact: number;
}

/**
 * The groups that raised the risk most, largest first (only positive pushes).
 * Features of the spec that no group names are reported under their own name.
 */
export function topReasons(
  featureNames: readonly string[],
  byFeature: ArrayLike<number>,
  applicant?: Applicant,
  limit = 4,
  spec?: ApplicantFeatureSpec,
): Reason[] {
  const { groups, ungrouped } = layoutOf(featureNames);
  const reasons: Reason[] = [];
  REASON_GROUPS.forEach((g, k) => {
    let impact = 0;
    for (const i of groups[k]) impact += byFeature[i];
    if (!applicant || !g.applies || g.applies(applicant, spec)) reasons.push({ code: g.code, text: g.text, impact });
  });
  for (const [i, code, text] of ungrouped) reasons.push({ code, text, impact: byFeature[i] });
  return reasons
    .filter((r) => r.impact > 1e-6)
    .sort((a, b) => b.impact - a.impact)
    .slice(0, limit)
    .map((r) => ({ ...r, impact: Math.round(r.impact * 10_000) / 10_000 }));
}

/** Where each group's features sit in a feature vector, and the features no group names. */
interface ReasonLayout {
  groups: readonly (readonly number[])[];
  ungrouped: readonly (readonly [number, string, string])[];
}

/** Worked out once per feature layout (a model's spec keeps its array), not for every decision. */
const layouts = new WeakMap<readonly string[], ReasonLayout>();

function layoutOf(featureNames: readonly string[]): ReasonLayout {
  const known = layouts.get(featureNames);
  if (known) return known;
  const index = new Map(featureNames.map((name, i) => [name, i]));
  const covered = new Set(REASON_GROUPS.flatMap((g) => g.features));
  const layout: ReasonLayout = {
    groups: REASON_GROUPS.map((g) => g.features.flatMap((f) => (index.has(f) ? [index.get(f)!] : []))),
    ungrouped: featureNames.flatMap((name, i) => (covered.has(name) ? [] : [[i, name, `The value of ${name.replace(/_/g, ' ')} raised the risk.`] as const])),
  };
  layouts.set(featureNames, layout);
  return layout;
}
