import type { Applicant } from '../src/applicant/schema.ts';
import { loadTrainingSet, type TrainingSet } from '../src/training/dataset.ts';
import { holdoutSplit } from '../src/training/split.ts';

/** German Credit (real, 1,000 rows, shipped in datasets/) as a feature matrix with a seeded holdout. */
export async function germanCredit(seed = 7): Promise<{
  set: TrainingSet;
  X: Float64Array;
  nFeatures: number;
  train: Uint32Array;
  test: Uint32Array;
}> {
  const set = await loadTrainingSet('datasets/german_credit.csv', { format: 'generic', target: 'bad', bad: '1', exclude: ['class'] });
  const { train, test } = holdoutSplit(set.y, 0.3, 'random', seed);
  const { X, nFeatures } = set.vectorise(set.fitSpec(train));
  return { set, X, nFeatures, train, test };
}

export function rowsOf(X: Float64Array, nFeatures: number, rows: ArrayLike<number>): number[][] {
  return Array.from(rows, (r) => Array.from(X.subarray(r * nFeatures, (r + 1) * nFeatures)));
}

/** A plausible applicant (made up for tests). */
export const sampleApplicant: Applicant = {
  loanAmount: 12_000,
  termMonths: 36,
  purpose: 'debt_consolidation',
  annualIncome: 60_000,
  employmentYears: 4,
  homeOwnership: 'RENT',
  dti: 18,
  ficoScore: 700,
  delinquencies2y: 0,
  inquiries6m: 1,
  revolvingUtilisation: 55,
  revolvingBalance: 9_000,
  openAccounts: 9,
  totalAccounts: 20,
  publicRecords: 0,
};
