import type { Applicant } from '../applicant/schema.ts';
import type { FlatForest } from '../forest/flat.ts';

/**
 * Why this applicant's risk is what it is: per-decision feature contributions of the forest
 * (path-based, "Saabas"): walking each tree from root to leaf, every split moves the node's bad
 * share; that move is credited to the split's feature. Contributions plus the forest's average
 * root value add up exactly to the forest's output for this applicant.
 */
export function contributions(forest: FlatForest, x: ArrayLike<number>): { bias: number; byFeature: Float64Array } {
  const byFeature = new Float64Array(forest.nFeatures);
  const { feature, threshold, left, value, roots } = forest;
  let bias = 0;
  for (let t = 0; t < roots.length; t++) {
    let node = roots[t];
    bias += value[node];
    while (feature[node] >= 0) {
      const next = x[feature[node]] <= threshold[node] ? left[node] : left[node] + 1;
      byFeature[feature[node]] += value[next] - value[node];
      node = next;
    }
  }
  const n = roots.length;
  for (let f = 0; f < byFeature.length; f++) byFeature[f] /= n;
  return { bias: bias / n, byFeature };
}

/**
 * Groups of model features that a person recognises as one thing, with adverse-action style text.
 * `applies` keeps a reason from stating a fact that is not true of this applicant (a tree can credit
 * "no late payments" with some risk through interactions; we must not then say there were some).
 */
interface ReasonGroup {
  code: string;
  features: readonly string[];
  text: string;
  applies?: (a: Applicant) => boolean;
}

export const REASON_GROUPS: readonly ReasonGroup[] = [
  { code: 'credit_score', features: ['fico_score'], text: 'Your credit score is lower than that of most applicants who repaid.', applies: (a) => a.ficoScore < 750 },
  { code: 'loan_size', features: ['loan_amount', 'loan_to_income', 'payment_to_income'], text: 'The amount asked for is high compared with your income.' },
  { code: 'income', features: ['log_annual_income'], text: 'Your income is lower than that of most applicants who repaid.', applies: (a) => a.annualIncome < 100_000 },
  { code: 'term', features: ['term_months'], text: 'A 60-month term carries more risk than a 36-month one.', applies: (a) => a.termMonths === 60 },
  { code: 'debt_burden', features: ['dti', 'dti_missing', 'dti_after_loan'], text: 'Your existing debt payments take a large share of your income.' },
  { code: 'inquiries', features: ['inquiries_6m'], text: 'You have applied for credit in the last 6 months.', applies: (a) => a.inquiries6m > 0 },
  { code: 'delinquencies', features: ['delinquencies_2y'], text: 'Your credit file shows late payments in the last 2 years.', applies: (a) => a.delinquencies2y > 0 },
  { code: 'revolving_utilisation', features: ['revolving_utilisation', 'revolving_utilisation_missing'], text: 'Your credit card balances are high compared with their limits, or were not given.', applies: (a) => a.revolvingUtilisation === undefined || a.revolvingUtilisation >= 30 },
  { code: 'revolving_balance', features: ['log_revolving_balance', 'revolving_balance_missing', 'revolving_balance_to_income'], text: 'Your revolving balances are high compared with your income, or were not given.' },
  { code: 'accounts', features: ['open_accounts', 'total_accounts', 'total_accounts_missing', 'open_to_total_accounts'], text: 'The number or mix of your credit accounts.' },
  { code: 'public_records', features: ['public_records'], text: 'Your credit file shows public records, such as a bankruptcy or judgment.', applies: (a) => a.publicRecords > 0 },
  { code: 'employment', features: ['employment_years', 'employment_years_missing'], text: 'Your time in your current job is short or not given.', applies: (a) => a.employmentYears === undefined || a.employmentYears < 3 },
  { code: 'home_ownership', features: ['home_ownership'], text: 'Your housing situation is linked with higher risk in our data.' },
  { code: 'purpose', features: ['purpose'], text: 'Loans for this purpose are repaid less often.' },
  { code: 'credit_history', features: ['credit_history_years', 'credit_history_years_missing'], text: 'Your credit history is short or not given.', applies: (a) => a.creditHistoryYears === undefined || a.creditHistoryYears < 5 },
];

export interface Reason {
  code: string;
  text: string;
  /** How much this group raised the forest's bad share for this applicant (probability points). */
  impact: number;
}

/**
 * The groups that raised the risk most, largest first (only positive pushes).
 * Features of the spec that no group names are reported under their own name.
 */
export function topReasons(featureNames: readonly string[], byFeature: ArrayLike<number>, applicant?: Applicant, limit = 4): Reason[] {
  const index = new Map(featureNames.map((name, i) => [name, i]));
  const covered = new Set<string>();
  const reasons: Reason[] = [];
  for (const g of REASON_GROUPS) {
    let impact = 0;
    for (const f of g.features) {
      const i = index.get(f);
      if (i !== undefined) {
        impact += byFeature[i];
        covered.add(f);
      }
    }
    if (!applicant || !g.applies || g.applies(applicant)) reasons.push({ code: g.code, text: g.text, impact });
  }
  featureNames.forEach((name, i) => {
    if (!covered.has(name)) reasons.push({ code: name, text: `The value of ${name.replace(/_/g, ' ')} raised the risk.`, impact: byFeature[i] });
  });
  return reasons
    .filter((r) => r.impact > 1e-6)
    .sort((a, b) => b.impact - a.impact)
    .slice(0, limit)
    .map((r) => ({ ...r, impact: Math.round(r.impact * 10_000) / 10_000 }));
}
