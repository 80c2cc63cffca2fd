import { z } from 'zod';

/**
 * Behavioural features from a bank-account history: each defined once here, with its unit and its
 * finite bounds, as part of what an application may carry (computed by src/features/behaviour.ts
 * from transactions strictly before the application date). Amounts are in the statement's currency.
 */
export const BEHAVIOUR_FEATURES = [
  ['monthsObserved', 'months', 'calendar months with at least one transaction in the window'],
  ['regularIncomeShare', 'share 0–1', "share of observed months with a salary-like credit (the month's largest credit within ±30% of the typical one)"],
  ['regularIncome', 'currency / month', "median of the months' largest credit"],
  ['incomeVolatility', 'ratio', 'coefficient of variation of monthly credits'],
  ['monthlySpending', 'currency / month', 'mean of monthly debits'],
  ['spendingVolatility', 'ratio', 'coefficient of variation of monthly debits'],
  ['essentialShare', 'share 0–1', 'share of debits for household bills, rent, utilities and insurance (by description)'],
  [
    'savingsRate',
    'ratio −1–1',
    '(credits − debits) / credits over the window, held to −1…1 (−1: spending twice the income or more, or spending with no income)',
  ],
  ['averageBalance', 'currency', 'mean of the balances after each transaction'],
  ['lowestBalance', 'currency', 'lowest balance after a transaction'],
  ['daysBelowZero', 'days', 'days the balance stayed below zero (a day with a dip below zero counts once)'],
  ['episodesBelowZero', 'count', 'days on which the balance went from zero or above to below zero'],
  ['penaltyCharges', 'count', 'penalty or overdraft-interest charges'],
  ['loanPayments', 'currency / month', 'mean monthly payments to existing loans'],
  ['cashWithdrawalShare', 'share 0–1', 'share of debits taken out as cash'],
] as const;

export type BehaviourFeatureName = (typeof BEHAVIOUR_FEATURES)[number][0];
export const BEHAVIOUR_FEATURE_NAMES: readonly BehaviourFeatureName[] = BEHAVIOUR_FEATURES.map(([n]) => n);

/**
 * Limits that keep every feature finite whatever a statement holds. An amount or balance beyond
 * ±AMOUNT_LIMIT (a trillion) is read as ±AMOUNT_LIMIT: no personal account is that large, and it
 * keeps every sum finite (amounts up to ±1.8e308 would otherwise overflow to ±Infinity and NaN).
 */
export const AMOUNT_LIMIT = 1e12;
/** The longest window `behaviourFeatures` accepts. */
export const MAX_WINDOW_MONTHS = 24;
/** Most charges counted (a statement may have any number of rows). */
export const COUNT_LIMIT = 1000;
/** A window that starts mid-month touches one more calendar month than it spans. */
export const MONTHS_LIMIT = MAX_WINDOW_MONTHS + 1;
export const DAYS_LIMIT = 31 * MONTHS_LIMIT;
/** The largest sample coefficient of variation of MONTHS_LIMIT non-negative monthly sums is √MONTHS_LIMIT. */
export const CV_LIMIT = Math.sqrt(MONTHS_LIMIT);

/** Finite bounds of every feature (what `behaviourFeatures` can return, and what the API accepts). */
export const BEHAVIOUR_FEATURE_BOUNDS: Record<BehaviourFeatureName, { min: number; max: number; integer?: true }> = {
  monthsObserved: { min: 0, max: MONTHS_LIMIT, integer: true },
  regularIncomeShare: { min: 0, max: 1 },
  regularIncome: { min: 0, max: AMOUNT_LIMIT },
  incomeVolatility: { min: 0, max: CV_LIMIT },
  monthlySpending: { min: 0, max: AMOUNT_LIMIT },
  spendingVolatility: { min: 0, max: CV_LIMIT },
  essentialShare: { min: 0, max: 1 },
  savingsRate: { min: -1, max: 1 },
  averageBalance: { min: -AMOUNT_LIMIT, max: AMOUNT_LIMIT },
  lowestBalance: { min: -AMOUNT_LIMIT, max: AMOUNT_LIMIT },
  daysBelowZero: { min: 0, max: DAYS_LIMIT, integer: true },
  episodesBelowZero: { min: 0, max: DAYS_LIMIT, integer: true },
  penaltyCharges: { min: 0, max: COUNT_LIMIT, integer: true },
  loanPayments: { min: 0, max: AMOUNT_LIMIT },
  cashWithdrawalShare: { min: 0, max: 1 },
};

export const BehaviourFeaturesSchema = z.object(
  Object.fromEntries(
    BEHAVIOUR_FEATURE_NAMES.map((n) => {
      const { min, max, integer } = BEHAVIOUR_FEATURE_BOUNDS[n];
      return [n, (integer ? z.number().int() : z.number()).min(min).max(max)];
    }),
  ) as Record<BehaviourFeatureName, z.ZodNumber>,
);
export type BehaviourFeatures = z.infer<typeof BehaviourFeaturesSchema>;
