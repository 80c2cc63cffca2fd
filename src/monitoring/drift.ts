import { binBounds, type DriftReference, type FeatureReference } from './reference.ts';
import { driftStatus, EMPTY_BIN_SHARE, psi, worstStatus, type DriftStatus, type DriftThresholds } from './psi.ts';

/**
 * Drift by week: live applications' bin counts (per week, per monitored input) against the
 * reference's, as PSI with a status per the policy's thresholds, and each bin's contribution.
 * Weeks start on Monday, 00:00 UTC, and are named by that day (YYYY-MM-DD).
 */

/** One week of live applications, binned like the reference (what db/monitoring-repository.ts reads). */
export interface WeekCounts {
  week: string;
  /** Applications that week. */
  applications: number;
  /** Per reference feature, its count in each bin. A feature left out had no value that week. */
  counts: Record<string, number[]>;
}

export interface BinDrift {
  bin: string;
  /** Numeric bins: [from, to), null at an open end. */
  from?: number | null;
  to?: number | null;
  expected: number;
  actual: number;
  /** (actual − expected) · ln(actual / expected): this bin's part of the PSI. */
  contribution: number;
  count: number;
}

export interface FeatureDrift {
  feature: string;
  label: string;
  /** Applications counted (the score: those decided by the reference's model version). */
  n: number;
  psi: number;
  status: DriftStatus;
  bins: BinDrift[];
}

export interface WeekDrift {
  week: string;
  applications: number;
  /** Fewer applications than the policy's driftMinApplications: PSI is noisy, shown but not alarmed on. */
  lowVolume: boolean;
  /** The worst feature's status; null without applications. */
  status: DriftStatus | null;
  features: FeatureDrift[];
}

export interface DriftReport {
  modelVersion: string;
  reference: { rows: number; data: DriftReference['data']; createdAt: string };
  thresholds: DriftThresholds;
  emptyBinShare: number;
  from: string;
  to: string;
  weeks: WeekDrift[];
}

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** The longest a report reaches back. */
export const MAX_WEEKS = 52;
export const DEFAULT_WEEKS = 8;

/** Monday 00:00 UTC of the week holding `d`. */
export function weekStart(d: Date): Date {
  const monday = (d.getUTCDay() + 6) % 7;
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - monday));
}
export const weekName = (d: Date) => d.toISOString().slice(0, 10);

export class DriftRangeError extends Error {
  override name = 'DriftRangeError';
}

export interface DriftQuery {
  /** How many weeks (1–52): the last ones, this one included; from `since` on when it is given. */
  weeks?: number;
  /** Only applications from then on; the weeks are those from its week to this one (at most 52). */
  since?: Date;
}

export interface DriftWindow {
  from: Date;
  to: Date;
  /** Every week in the window, oldest first. */
  weeks: string[];
}

/** The applications a query covers: [from, to) and the weeks in it. */
export function driftWindow(query: DriftQuery, now: Date = new Date()): DriftWindow {
  const current = weekStart(now).getTime();
  const end = current + WEEK_MS;
  if (query.weeks !== undefined && !(Number.isInteger(query.weeks) && query.weeks >= 1 && query.weeks <= MAX_WEEKS))
    throw new DriftRangeError(`weeks must be a whole number from 1 to ${MAX_WEEKS}`);
  let from: number;
  let to = end;
  if (query.since) {
    from = query.since.getTime();
    if (!Number.isFinite(from)) throw new DriftRangeError('since must be a date');
    if (from >= now.getTime()) throw new DriftRangeError('since must be in the past');
    const first = weekStart(query.since).getTime();
    if (query.weeks !== undefined) to = Math.min(end, first + query.weeks * WEEK_MS);
    else if ((end - first) / WEEK_MS > MAX_WEEKS)
      throw new DriftRangeError(`since reaches back more than ${MAX_WEEKS} weeks: give weeks too (at most ${MAX_WEEKS}), or a later since`);
  } else from = current - ((query.weeks ?? DEFAULT_WEEKS) - 1) * WEEK_MS;
  const weeks: string[] = [];
  for (let w = weekStart(new Date(from)).getTime(); w < to; w += WEEK_MS) weeks.push(weekName(new Date(w)));
  return { from: new Date(from), to: new Date(to), weeks };
}

/** One feature's drift over a week's counts; undefined when it had no value that week. */
export function featureDrift(feature: FeatureReference, actual: readonly number[] | undefined, thresholds: DriftThresholds): FeatureDrift | undefined {
  const n = actual?.reduce((s, c) => s + c, 0) ?? 0;
  if (!actual || n === 0) return undefined;
  const result = psi(feature.counts, actual);
  return {
    feature: feature.name,
    label: feature.label,
    n,
    psi: result.psi,
    status: driftStatus(result.psi, thresholds),
    bins: result.bins.map((b, i) => ({ bin: feature.bins[i], ...binBounds(feature, i), ...b, count: actual[i] })),
  };
}

/** Every week of the window, with the counts found for it (a week without applications is listed empty). */
export function driftReport(reference: DriftReference, window: DriftWindow, counted: readonly WeekCounts[], thresholds: DriftThresholds): DriftReport {
  const byWeek = new Map(counted.map((w) => [w.week, w]));
  const weeks = window.weeks.map((week): WeekDrift => {
    const found = byWeek.get(week);
    const applications = found?.applications ?? 0;
    const features = found
      ? reference.features.flatMap((f) => {
          const d = featureDrift(f, found.counts[f.name], thresholds);
          return d ? [d] : [];
        })
      : [];
    return {
      week,
      applications,
      lowVolume: applications < thresholds.minApplications,
      status: applications > 0 ? worstStatus(features.map((f) => f.status)) : null,
      features,
    };
  });
  return {
    modelVersion: reference.modelVersion,
    reference: { rows: reference.rows, data: reference.data, createdAt: reference.createdAt },
    thresholds,
    emptyBinShare: EMPTY_BIN_SHARE,
    from: window.from.toISOString(),
    to: window.to.toISOString(),
    weeks,
  };
}

/** What /healthz says when the latest week crossed a threshold. */
export interface DriftWarning {
  status: 'watch' | 'act';
  week: string;
  applications: number;
  /** The features past a threshold, worst first. */
  features: { feature: string; psi: number; status: 'watch' | 'act' }[];
}

/**
 * The latest week with enough applications to count, among the report's last `lookBack` weeks (this
 * week, or the one before while this one is still thin), when it crossed a threshold; else undefined.
 */
export function latestWarning(report: DriftReport, lookBack = 2): DriftWarning | undefined {
  const latest = report.weeks
    .slice(-lookBack)
    .reverse()
    .find((w) => !w.lowVolume && w.applications > 0);
  if (!latest || latest.status === null || latest.status === 'ok') return undefined;
  const features = latest.features
    .filter((f): f is FeatureDrift & { status: 'watch' | 'act' } => f.status !== 'ok')
    .sort((a, b) => b.psi - a.psi)
    .map((f) => ({ feature: f.feature, psi: Number(f.psi.toFixed(4)), status: f.status }));
  return { status: latest.status, week: latest.week, applications: latest.applications, features };
}
