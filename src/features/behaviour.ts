import { z } from 'zod';
import type { Transaction } from '../data/statement.ts';

/**
 * Behavioural features from a bank-account history, computed only from transactions strictly
 * before `asOf` (the application date) and within the `months` before it. Each feature is defined
 * once here, with its unit; amounts are in the statement's currency.
 */
export const BEHAVIOUR_FEATURES = [
  ['monthsObserved', 'months', 'calendar months with at least one transaction in the window'],
  ['regularIncomeShare', 'share 0–1', 'share of observed months with a salary-like credit (the month\'s largest credit within ±30% of the typical one)'],
  ['regularIncome', 'currency / month', 'median of the months\' largest credit'],
  ['incomeVolatility', 'ratio', 'coefficient of variation of monthly credits'],
  ['monthlySpending', 'currency / month', 'mean of monthly debits'],
  ['spendingVolatility', 'ratio', 'coefficient of variation of monthly debits'],
  ['essentialShare', 'share 0–1', 'share of debits for household bills, rent, utilities and insurance (by description)'],
  ['savingsRate', 'ratio', '(credits − debits) / credits over the window'],
  ['averageBalance', 'currency', 'mean of the balances after each transaction'],
  ['lowestBalance', 'currency', 'lowest balance after a transaction'],
  ['daysBelowZero', 'days', 'days the balance stayed below zero'],
  ['episodesBelowZero', 'count', 'times the balance went from zero or above to below zero'],
  ['penaltyCharges', 'count', 'penalty or overdraft-interest charges'],
  ['loanPayments', 'currency / month', 'mean monthly payments to existing loans'],
  ['cashWithdrawalShare', 'share 0–1', 'share of debits taken out as cash'],
] as const;

export type BehaviourFeatureName = (typeof BEHAVIOUR_FEATURES)[number][0];
export const BEHAVIOUR_FEATURE_NAMES: readonly BehaviourFeatureName[] = BEHAVIOUR_FEATURES.map(([n]) => n);

export const BehaviourFeaturesSchema = z.object(
  Object.fromEntries(BEHAVIOUR_FEATURE_NAMES.map((n) => [n, z.number()])) as Record<BehaviourFeatureName, z.ZodNumber>,
);
export type BehaviourFeatures = z.infer<typeof BehaviourFeaturesSchema>;

const ESSENTIAL = /household|rent|utilit|electric|gas\b|water|insur|council tax|mortgage|sipo|pojistne/i;
const PENALTY = /sanction|penalt|overdraft (fee|interest|charge)|unpaid item|returned item|late fee|sankc/i;
const LOAN = /loan payment|loan repayment|\bloan\b|uver|finance payment/i;
const CASH = /cash withdrawal|withdrawal in cash|\batm\b|cash machine|vyber/i;

const DAY = 86_400_000;
const monthKey = (d: Date) => d.getUTCFullYear() * 12 + d.getUTCMonth();
const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);
const cv = (xs: number[]) => {
  const m = mean(xs);
  if (xs.length < 2 || m === 0) return 0;
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1)) / Math.abs(m);
};
const median = (xs: number[]) => {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export class BehaviourError extends Error {
  override name = 'BehaviourError';
}

export function behaviourFeatures(all: readonly Transaction[], asOf: Date, months = 12): BehaviourFeatures {
  const from = Date.UTC(asOf.getUTCFullYear(), asOf.getUTCMonth() - months, asOf.getUTCDate());
  // Strictly before the application date: nothing on or after it may leak into the evidence.
  const tx = all.filter((t) => t.date.getTime() < asOf.getTime() && t.date.getTime() >= from).sort((a, b) => a.date.getTime() - b.date.getTime());
  if (tx.length === 0) throw new BehaviourError('no transactions in the months before the application');

  const byMonth = new Map<number, { credits: number; debits: number; largestCredit: number }>();
  for (const t of tx) {
    const m = byMonth.get(monthKey(t.date)) ?? { credits: 0, debits: 0, largestCredit: 0 };
    if (t.amount >= 0) {
      m.credits += t.amount;
      m.largestCredit = Math.max(m.largestCredit, t.amount);
    } else m.debits += -t.amount;
    byMonth.set(monthKey(t.date), m);
  }
  const monthly = [...byMonth.values()];
  const typical = median(monthly.map((m) => m.largestCredit).filter((v) => v > 0));
  const regular = monthly.filter((m) => typical > 0 && Math.abs(m.largestCredit - typical) <= 0.3 * typical).length;

  const debits = tx.filter((t) => t.amount < 0);
  const totalDebits = debits.reduce((s, t) => s - t.amount, 0);
  const totalCredits = tx.filter((t) => t.amount >= 0).reduce((s, t) => s + t.amount, 0);
  const debitShare = (re: RegExp) => (totalDebits > 0 ? debits.filter((t) => re.test(t.description)).reduce((s, t) => s - t.amount, 0) / totalDebits : 0);

  const balances = tx.filter((t) => t.balance !== undefined);
  let daysBelowZero = 0;
  let episodes = 0;
  for (let i = 0; i < balances.length; i++) {
    const b = balances[i].balance!;
    const wasNegative = i > 0 && balances[i - 1].balance! < 0;
    if (b < 0) {
      if (!wasNegative) episodes++;
      const until = i + 1 < balances.length ? balances[i + 1].date.getTime() : asOf.getTime();
      daysBelowZero += Math.max(1, Math.round((until - balances[i].date.getTime()) / DAY));
    }
  }

  return {
    monthsObserved: monthly.length,
    regularIncomeShare: monthly.length ? regular / monthly.length : 0,
    regularIncome: typical,
    incomeVolatility: cv(monthly.map((m) => m.credits)),
    monthlySpending: mean(monthly.map((m) => m.debits)),
    spendingVolatility: cv(monthly.map((m) => m.debits)),
    essentialShare: debitShare(ESSENTIAL),
    savingsRate: totalCredits > 0 ? (totalCredits - totalDebits) / totalCredits : 0,
    averageBalance: balances.length ? mean(balances.map((t) => t.balance!)) : 0,
    lowestBalance: balances.length ? Math.min(...balances.map((t) => t.balance!)) : 0,
    daysBelowZero,
    episodesBelowZero: episodes,
    penaltyCharges: tx.filter((t) => PENALTY.test(t.description)).length,
    loanPayments: debits.filter((t) => LOAN.test(t.description)).reduce((s, t) => s - t.amount, 0) / Math.max(1, monthly.length),
    cashWithdrawalShare: debitShare(CASH),
  };
}

/**
 * The behavioural model's inputs: scale-free, so evidence learnt on one currency (Berka, CZK)
 * applies to statements in another. Each is a ratio, share or count of the features above.
 */
export const BEHAVIOUR_MODEL_INPUTS = [
  'regularIncomeShare',
  'incomeVolatility',
  'spendingVolatility',
  'essentialShare',
  'savingsRate',
  'balanceToSpending',
  'lowestBalanceToSpending',
  'daysBelowZero',
  'episodesBelowZero',
  'penaltyCharges',
  'cashWithdrawalShare',
] as const;
export type BehaviourModelInput = (typeof BEHAVIOUR_MODEL_INPUTS)[number];

export function behaviourModelInputs(f: BehaviourFeatures): Record<BehaviourModelInput, number> {
  const spending = Math.max(f.monthlySpending, 1);
  return {
    regularIncomeShare: f.regularIncomeShare,
    incomeVolatility: f.incomeVolatility,
    spendingVolatility: f.spendingVolatility,
    essentialShare: f.essentialShare,
    savingsRate: Math.max(-1, Math.min(1, f.savingsRate)),
    balanceToSpending: Math.max(-5, Math.min(20, f.averageBalance / spending)),
    lowestBalanceToSpending: Math.max(-5, Math.min(20, f.lowestBalance / spending)),
    daysBelowZero: f.daysBelowZero,
    episodesBelowZero: f.episodesBelowZero,
    penaltyCharges: f.penaltyCharges,
    cashWithdrawalShare: f.cashWithdrawalShare,
  };
}
