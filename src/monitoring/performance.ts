import { aucInterval, DEFAULT_CONFIDENCE, wilson } from '../fairness/stats.ts';

/**
 * How the model's PDs fared against recorded outcomes, by month of decision (UTC): of the loans a
 * model version decided that month, those with an outcome; their observed default rate with its
 * Wilson score interval against their mean predicted PD (calibration in the large), the z statistic
 * (observed − expected defaults) / √Σ PD·(1 − PD), and the ROC-AUC where both outcomes occur.
 *
 * The counts come from the database already summed (db/monitoring-repository.ts): per month, Σ PD,
 * Σ PD·(1 − PD) and the sum of the defaulted loans' ranks of PD among the month's loans with an
 * outcome (ties share their mean rank), which gives the ROC-AUC as Mann–Whitney's U / (n₁·n₀): the
 * same value as the trapezoid area with ties counted ½ (src/evaluation/metrics.ts `rocAuc`).
 */

/** One month's (or the whole window's) loans and outcomes, summed. */
export interface OutcomeSums {
  /** Loans made (approved or referred, not replaced by an accepted counter-offer). */
  loans: number;
  /** Of them, those with a recorded outcome. */
  applications: number;
  defaulted: number;
  /** Σ PD over the loans with an outcome. */
  sumPd: number;
  /** Σ PD·(1 − PD) over them: the variance of the number of defaults if the PDs are right. */
  sumPdVariance: number;
  /** Σ of the defaulted loans' mid-ranks of PD (1 = lowest) among the loans with an outcome. */
  defaultedRankSum: number;
}

export interface MonthSums extends OutcomeSums {
  /** YYYY-MM (UTC). */
  month: string;
}

export type Calibration = 'within' | 'under-predicted' | 'over-predicted';

export interface OutcomePerformance {
  loans: number;
  applications: number;
  defaulted: number;
  /** Observed default rate; null without outcomes. */
  defaultRate: number | null;
  /** Its Wilson score interval at `confidence`. */
  defaultRateInterval: { low: number; high: number } | null;
  meanPd: number | null;
  /** (observed − expected defaults) / √Σ PD·(1 − PD); null without outcomes. */
  z: number | null;
  /**
   * Mean PD against the interval of the observed rate: `within` it; `under-predicted` when the interval
   * lies wholly above the mean PD (more defaults than the PDs said), `over-predicted` when below.
   */
  calibration: Calibration | null;
  /** Null unless both outcomes occur. */
  rocAuc: number | null;
  /** Hanley–McNeil interval at `confidence`. */
  rocAucInterval: { low: number; high: number } | null;
}

export interface MonthPerformance extends OutcomePerformance {
  month: string;
}

export interface PerformanceReport {
  modelVersion: string;
  confidence: number;
  from: string;
  to: string;
  months: MonthPerformance[];
  /** The whole window at once (its ROC-AUC ranks every loan of the window together). */
  total: OutcomePerformance;
}

/** The longest window, in months: the longest loans last 60 months. */
export const MAX_MONTHS = 60;
export const DEFAULT_MONTHS = 12;

export class PerformanceRangeError extends Error {
  override name = 'PerformanceRangeError';
}

export interface PerformanceWindow {
  from: Date;
  to: Date;
  /** Every month of the window, oldest first (YYYY-MM). */
  months: string[];
}

const monthName = (d: Date) => d.toISOString().slice(0, 7);

/** The last `months` calendar months (UTC), this one included. */
export function performanceWindow(months: number = DEFAULT_MONTHS, now: Date = new Date()): PerformanceWindow {
  if (!(Number.isInteger(months) && months >= 1 && months <= MAX_MONTHS))
    throw new PerformanceRangeError(`months must be a whole number from 1 to ${MAX_MONTHS}`);
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const names = Array.from({ length: months }, (_, i) => monthName(new Date(Date.UTC(y, m - months + 1 + i, 1))));
  return { from: new Date(Date.UTC(y, m - months + 1, 1)), to: new Date(Date.UTC(y, m + 1, 1)), months: names };
}

const round = (v: number, digits = 6) => Math.round(v * 10 ** digits) / 10 ** digits;

/** One month's (or the window's) figures from its sums. */
export function outcomePerformance(sums: OutcomeSums, confidence = DEFAULT_CONFIDENCE): OutcomePerformance {
  const { loans, applications: n, defaulted: k } = sums;
  if (n === 0)
    return {
      loans,
      applications: 0,
      defaulted: 0,
      defaultRate: null,
      defaultRateInterval: null,
      meanPd: null,
      z: null,
      calibration: null,
      rocAuc: null,
      rocAucInterval: null,
    };
  const rate = wilson(k, n, confidence);
  const meanPd = sums.sumPd / n;
  const calibration: Calibration = rate.low > meanPd ? 'under-predicted' : rate.high < meanPd ? 'over-predicted' : 'within';
  const z = sums.sumPdVariance > 0 ? (k - sums.sumPd) / Math.sqrt(sums.sumPdVariance) : null;
  const good = n - k;
  const auc = k > 0 && good > 0 ? (sums.defaultedRankSum - (k * (k + 1)) / 2) / (k * good) : null;
  const aucCi = auc === null ? null : aucInterval(auc, k, good, confidence);
  return {
    loans,
    applications: n,
    defaulted: k,
    defaultRate: round(rate.rate),
    defaultRateInterval: { low: round(rate.low), high: round(rate.high) },
    meanPd: round(meanPd),
    z: z === null ? null : round(z, 4),
    calibration,
    rocAuc: auc === null ? null : round(auc, 4),
    rocAucInterval: aucCi ? { low: round(aucCi.low, 4), high: round(aucCi.high, 4) } : null,
  };
}

const EMPTY: OutcomeSums = { loans: 0, applications: 0, defaulted: 0, sumPd: 0, sumPdVariance: 0, defaultedRankSum: 0 };

/** Every month of the window (a month without loans is listed empty), and the window as a whole. */
export function performanceReport(
  modelVersion: string,
  window: PerformanceWindow,
  counted: { months: readonly MonthSums[]; total: OutcomeSums | undefined },
  confidence = DEFAULT_CONFIDENCE,
): PerformanceReport {
  const byMonth = new Map(counted.months.map((m) => [m.month, m]));
  return {
    modelVersion,
    confidence,
    from: window.from.toISOString(),
    to: window.to.toISOString(),
    months: window.months.map((month) => ({ month, ...outcomePerformance(byMonth.get(month) ?? EMPTY, confidence) })),
    total: outcomePerformance(counted.total ?? EMPTY, confidence),
  };
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

/** One line for the chat: the window's default rate against the mean PD, and the ROC-AUC. */
export function performanceLine(report: PerformanceReport, months: number): string {
  const t = report.total;
  const span = `last ${months} month${months === 1 ? '' : 's'}`;
  if (t.applications === 0)
    return `Outcomes (${report.modelVersion}, ${span}): none recorded yet for its ${t.loans.toLocaleString('en-US')} loan${t.loans === 1 ? '' : 's'}.`;
  const verdict =
    t.calibration === 'within' ? 'as predicted' : t.calibration === 'under-predicted' ? 'more defaults than predicted' : 'fewer defaults than predicted';
  return `Outcomes (${report.modelVersion}, ${span}): ${t.applications.toLocaleString('en-US')} of ${t.loans.toLocaleString('en-US')} loans ended, default rate ${pct(t.defaultRate!)} [${pct(t.defaultRateInterval!.low)}, ${pct(t.defaultRateInterval!.high)}] vs mean PD ${pct(t.meanPd!)} (${verdict})${t.rocAuc === null ? '' : `, ROC-AUC ${t.rocAuc.toFixed(3)}`}.`;
}
