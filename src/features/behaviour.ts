import type { Transaction } from '../data/statement.ts';

/**
 * Behavioural features from a bank-account history, computed only from transactions strictly
 * before `asOf` (the application date) and within the `months` before it. The features, their units
 * and bounds are defined in src/applicant/behaviour.ts (they are part of an application).
 */
import {
  AMOUNT_LIMIT,
  BEHAVIOUR_FEATURE_BOUNDS,
  BEHAVIOUR_FEATURE_NAMES,
  BEHAVIOUR_FEATURES,
  BehaviourFeaturesSchema,
  COUNT_LIMIT,
  CV_LIMIT,
  DAYS_LIMIT,
  MAX_WINDOW_MONTHS,
  MONTHS_LIMIT,
  type BehaviourFeatureName,
  type BehaviourFeatures,
} from '../applicant/behaviour.ts';

export {
  AMOUNT_LIMIT,
  BEHAVIOUR_FEATURE_BOUNDS,
  BEHAVIOUR_FEATURE_NAMES,
  BEHAVIOUR_FEATURES,
  BehaviourFeaturesSchema,
  COUNT_LIMIT,
  MAX_WINDOW_MONTHS,
  type BehaviourFeatureName,
  type BehaviourFeatures,
};

const ESSENTIAL = /household|rent|utilit|electric|gas\b|water|insur|council tax|mortgage|sipo|pojistne/i;
const PENALTY = /sanction|penalt|overdraft (fee|interest|charge)|unpaid item|returned item|late fee|sankc/i;
const LOAN = /loan payment|loan repayment|\bloan\b|uver|finance payment/i;
const CASH = /cash withdrawal|withdrawal in cash|\batm\b|cash machine|vyber/i;

const DAY = 86_400_000;
const monthKey = (d: Date) => d.getUTCFullYear() * 12 + d.getUTCMonth();
const dayKey = (t: number) => Math.floor(t / DAY);
const clamp = (v: number, min: number, max: number) => Math.min(max, Math.max(min, v));
const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);
/** Sample coefficient of variation of non-negative values (0 when it is undefined). */
const cv = (xs: number[]) => {
  const m = mean(xs);
  if (xs.length < 2 || m === 0) return 0;
  return clamp(Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1)) / Math.abs(m), 0, CV_LIMIT);
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
  if (!Number.isInteger(months) || months < 1 || months > MAX_WINDOW_MONTHS)
    throw new RangeError(`window of ${months} months: 1 to ${MAX_WINDOW_MONTHS} whole months`);
  if (!Number.isFinite(asOf.getTime())) throw new BehaviourError('the application date is not a valid date');
  const end = asOf.getTime();
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0–99 as 1900–1999.
  const start = new Date(0);
  start.setUTCFullYear(asOf.getUTCFullYear(), asOf.getUTCMonth() - months, asOf.getUTCDate());
  const from = start.getTime();
  // Strictly before the application date: nothing on or after it may leak into the evidence.
  const tx: Transaction[] = [];
  all.forEach((t, i) => {
    const time = t.date.getTime();
    if (!(time < end && time >= from)) return;
    if (!Number.isFinite(t.amount)) throw new BehaviourError(`transaction ${i + 1}: the amount is not a finite number`);
    if (t.balance !== undefined && !Number.isFinite(t.balance)) throw new BehaviourError(`transaction ${i + 1}: the balance is not a finite number`);
    // Read amounts and balances beyond a trillion as a trillion: every sum below stays finite.
    tx.push({
      date: t.date,
      amount: clamp(t.amount, -AMOUNT_LIMIT, AMOUNT_LIMIT),
      ...(t.balance !== undefined ? { balance: clamp(t.balance, -AMOUNT_LIMIT, AMOUNT_LIMIT) } : {}),
      description: t.description ?? '',
    });
  });
  if (tx.length === 0) throw new BehaviourError('no transactions in the months before the application');
  tx.sort((a, b) => a.date.getTime() - b.date.getTime());

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

  let totalDebits = 0;
  let totalCredits = 0;
  let essential = 0;
  let cash = 0;
  let loans = 0;
  let penalties = 0;
  for (const t of tx) {
    if (PENALTY.test(t.description)) penalties++;
    if (t.amount >= 0) {
      totalCredits += t.amount;
      continue;
    }
    totalDebits -= t.amount;
    if (ESSENTIAL.test(t.description)) essential -= t.amount;
    if (CASH.test(t.description)) cash -= t.amount;
    if (LOAN.test(t.description)) loans -= t.amount;
  }
  const debitShare = (part: number) => (totalDebits > 0 ? clamp(part / totalDebits, 0, 1) : 0);

  // Balances, day by day: a day whose closing balance is negative counts until the next day with a
  // transaction (or the application date); a day that only dipped below zero counts once.
  const balances = tx.filter((t) => t.balance !== undefined);
  let daysBelowZero = 0;
  let episodes = 0;
  let balanceSum = 0;
  let lowestBalance = Infinity;
  for (let i = 0; i < balances.length; ) {
    const day = dayKey(balances[i].date.getTime());
    let dipped = false;
    let started = false;
    let closing = 0;
    for (; i < balances.length && dayKey(balances[i].date.getTime()) === day; i++) {
      const b = balances[i].balance!;
      balanceSum += b;
      if (b < lowestBalance) lowestBalance = b;
      if (b < 0) {
        dipped = true;
        if (i === 0 || balances[i - 1].balance! >= 0) started = true;
      }
      closing = b;
    }
    if (started) episodes++;
    if (closing < 0) {
      const next = i < balances.length ? dayKey(balances[i].date.getTime()) : Math.ceil(end / DAY);
      daysBelowZero += Math.max(1, next - day);
    } else if (dipped) daysBelowZero += 1;
  }

  const currency = (v: number) => clamp(v, -AMOUNT_LIMIT, AMOUNT_LIMIT);
  return withinBounds({
    monthsObserved: Math.min(monthly.length, MONTHS_LIMIT),
    regularIncomeShare: monthly.length ? regular / monthly.length : 0,
    regularIncome: currency(typical),
    incomeVolatility: cv(monthly.map((m) => m.credits)),
    monthlySpending: currency(mean(monthly.map((m) => m.debits))),
    spendingVolatility: cv(monthly.map((m) => m.debits)),
    essentialShare: debitShare(essential),
    savingsRate: totalCredits > 0 ? clamp((totalCredits - totalDebits) / totalCredits, -1, 1) : totalDebits > 0 ? -1 : 0,
    averageBalance: balances.length ? currency(balanceSum / balances.length) : 0,
    lowestBalance: balances.length ? lowestBalance : 0,
    daysBelowZero: Math.min(daysBelowZero, DAYS_LIMIT),
    episodesBelowZero: Math.min(episodes, DAYS_LIMIT),
    penaltyCharges: Math.min(penalties, COUNT_LIMIT),
    loanPayments: currency(loans / Math.max(1, monthly.length)),
    cashWithdrawalShare: debitShare(cash),
  });
}

/**
 * The features, checked against their schema before anyone sees them: the clamps above keep each one
 * finite and in bounds, and this says so in plain words, rather than answering NaN (null in JSON), if
 * a change to them ever does not.
 */
function withinBounds(features: BehaviourFeatures): BehaviourFeatures {
  for (const name of BEHAVIOUR_FEATURE_NAMES) {
    const v = features[name];
    const { min, max, integer } = BEHAVIOUR_FEATURE_BOUNDS[name];
    if (!Number.isFinite(v)) throw new BehaviourError(`the statement's figures give no finite ${name}: the file cannot be used`);
    if (v < min || v > max || (integer && !Number.isInteger(v)))
      throw new BehaviourError(`the statement's figures give ${name} = ${v}, outside ${min} to ${max}: the file cannot be used`);
  }
  return features;
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

/**
 * The range each model input is held to (values beyond are read as the nearest end): counts are
 * held at 12 (a month a year and more says no more than that), ratios at a few times what Berka's
 * accounts show, so the linear model never extrapolates far past its data.
 */
export const BEHAVIOUR_MODEL_INPUT_BOUNDS: Record<BehaviourModelInput, { min: number; max: number }> = {
  regularIncomeShare: { min: 0, max: 1 },
  incomeVolatility: { min: 0, max: 3 },
  spendingVolatility: { min: 0, max: 3 },
  essentialShare: { min: 0, max: 1 },
  savingsRate: { min: -1, max: 1 },
  balanceToSpending: { min: -5, max: 20 },
  lowestBalanceToSpending: { min: -5, max: 20 },
  daysBelowZero: { min: 0, max: 90 },
  episodesBelowZero: { min: 0, max: 12 },
  penaltyCharges: { min: 0, max: 12 },
  cashWithdrawalShare: { min: 0, max: 1 },
};

/**
 * The direction each input may push the risk, decided before fitting and held by the fit (+1: more
 * of it can only raise the risk, −1: only lower it, 0: left to the data, because the direction is not
 * settled). Why:
 * - steadier income lowers risk: `regularIncomeShare` −1, `incomeVolatility` +1;
 * - more savings lowers risk: `savingsRate`, `balanceToSpending`, `lowestBalanceToSpending` −1;
 * - running overdrawn and paying penalties raise it: `daysBelowZero`, `episodesBelowZero`, `penaltyCharges` +1;
 * - a larger share taken out in cash raises it (less traceable spending, a common sign of strain): `cashWithdrawalShare` +1;
 * - free: `spendingVolatility` (a one-off purchase and a chaotic budget look alike) and `essentialShare`
 *   (bills paid on time, or a budget with no slack).
 */
export const BEHAVIOUR_INPUT_SIGNS: Record<BehaviourModelInput, -1 | 0 | 1> = {
  regularIncomeShare: -1,
  incomeVolatility: 1,
  spendingVolatility: 0,
  essentialShare: 0,
  savingsRate: -1,
  balanceToSpending: -1,
  lowestBalanceToSpending: -1,
  daysBelowZero: 1,
  episodesBelowZero: 1,
  penaltyCharges: 1,
  cashWithdrawalShare: 1,
};

/** A model input held to its range; undefined when it is not a number. */
export function boundModelInput(name: BehaviourModelInput, v: number | undefined): number | undefined {
  if (v === undefined || Number.isNaN(v)) return undefined;
  const { min, max } = BEHAVIOUR_MODEL_INPUT_BOUNDS[name];
  return Math.min(max, Math.max(min, v));
}

export function behaviourModelInputs(f: BehaviourFeatures): Record<BehaviourModelInput, number> {
  const spending = Math.max(f.monthlySpending, 1);
  const raw: Record<BehaviourModelInput, number> = {
    regularIncomeShare: f.regularIncomeShare,
    incomeVolatility: f.incomeVolatility,
    spendingVolatility: f.spendingVolatility,
    essentialShare: f.essentialShare,
    savingsRate: f.savingsRate,
    balanceToSpending: f.averageBalance / spending,
    lowestBalanceToSpending: f.lowestBalance / spending,
    daysBelowZero: f.daysBelowZero,
    episodesBelowZero: f.episodesBelowZero,
    penaltyCharges: f.penaltyCharges,
    cashWithdrawalShare: f.cashWithdrawalShare,
  };
  for (const name of BEHAVIOUR_MODEL_INPUTS) raw[name] = boundModelInput(name, raw[name]) ?? 0;
  return raw;
}
