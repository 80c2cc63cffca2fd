import { driftReport, driftWindow, latestWarning, type DriftQuery, type DriftReport, type DriftWarning, type DriftWindow, type WeekCounts } from './drift.ts';
import type { DriftThresholds } from './psi.ts';
import type { DriftReference } from './reference.ts';

/**
 * Drift reports on demand, and the latest week's warning for /healthz from a cache: `health()`
 * never waits and never throws. When its last look is older than `healthTtlMs` it starts another
 * in the background (one at a time) and answers with what it has meanwhile; a report asked for
 * through the API or the chat that reaches this week refreshes it too. Weeks that are over are
 * counted once an hour at most: a refresh reads this week's applications only.
 */

export interface DriftHealth extends DriftWarning {
  /** When the database was last read for it. */
  checkedAt: string;
}

export interface DriftMonitor {
  readonly reference: DriftReference;
  report(query: DriftQuery): Promise<DriftReport>;
  /** The cached warning (undefined when none, or not looked yet); starts a refresh when stale. */
  health(): DriftHealth | undefined;
  /** Looks at the latest two weeks now. */
  refresh(): Promise<void>;
}

export interface DriftMonitorOptions {
  reference: DriftReference;
  /** Each week's bin counts for the applications decided in [from, to). */
  counts: (from: Date, to: Date) => Promise<WeekCounts[]>;
  /** The policy's thresholds, read for each report. */
  thresholds: () => Promise<DriftThresholds>;
  /** How long /healthz trusts its last look (default 5 minutes). */
  healthTtlMs?: number;
  now?: () => Date;
  /** A background refresh failed (the previous answer stays until the next try). */
  onError?: (error: unknown) => void;
}

export const HEALTH_TTL_MS = 5 * 60_000;
/** How long the counts of a week that is over are kept (a person's data deleted meanwhile leaves them after this). */
export const PAST_WEEKS_TTL_MS = 60 * 60_000;
const WEEK_MS = 7 * 86_400_000;

export function driftMonitor(options: DriftMonitorOptions): DriftMonitor {
  const now = options.now ?? (() => new Date());
  const ttl = options.healthTtlMs ?? HEALTH_TTL_MS;
  let cached: { at: number; warning: DriftHealth | undefined } | undefined;
  let inFlight: Promise<void> | undefined;

  const remember = (report: DriftReport, at: Date) => {
    const warning = latestWarning(report);
    cached = { at: at.getTime(), warning: warning ? { ...warning, checkedAt: at.toISOString() } : undefined };
  };

  // Weeks that are over and were counted whole: read again only after PAST_WEEKS_TTL_MS (deletions).
  const past = new Map<string, { at: number; counts: WeekCounts | undefined }>();

  /** The window's counts: past weeks from memory where counted lately, the rest (one range) from the database. */
  const countsFor = async (window: DriftWindow, at: number): Promise<WeekCounts[]> => {
    const whole = (week: string) => {
      const start = Date.parse(`${week}T00:00:00Z`);
      return start >= window.from.getTime() && start + WEEK_MS <= Math.min(window.to.getTime(), at);
    };
    const known = (week: string) => whole(week) && at - (past.get(week)?.at ?? -Infinity) < PAST_WEEKS_TTL_MS;
    const remembered = new Set(window.weeks.filter(known));
    const missing = window.weeks.filter((w) => !remembered.has(w));
    const fromMemory = [...remembered].flatMap((w) => (past.get(w)!.counts ? [past.get(w)!.counts!] : []));
    if (missing.length === 0) return fromMemory;
    const from = Math.max(window.from.getTime(), Date.parse(`${missing[0]}T00:00:00Z`));
    const to = Math.min(window.to.getTime(), Date.parse(`${missing[missing.length - 1]}T00:00:00Z`) + WEEK_MS);
    const read = await options.counts(new Date(from), new Date(to));
    for (const week of missing.filter(whole)) past.set(week, { at, counts: read.find((c) => c.week === week) });
    return [...fromMemory, ...read.filter((c) => !remembered.has(c.week))];
  };

  const report = async (query: DriftQuery): Promise<DriftReport> => {
    const at = now();
    const window = driftWindow(query, at);
    const [counted, thresholds] = await Promise.all([countsFor(window, at.getTime()), options.thresholds()]);
    const result = driftReport(options.reference, window, counted, thresholds);
    // A report of the last two weeks or more, up to this one, is what /healthz looks at: keep it.
    if (query.since === undefined && (query.weeks ?? 2) >= 2) remember(result, at);
    return result;
  };

  const refresh = (): Promise<void> => {
    inFlight ??= report({ weeks: 2 })
      .then(
        () => undefined,
        (error) => {
          // Tried: wait a full period before the next try, keeping the last answer.
          cached = { at: now().getTime(), warning: cached?.warning };
          options.onError?.(error);
        },
      )
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };

  return {
    reference: options.reference,
    report,
    refresh,
    health() {
      try {
        if (!inFlight && (!cached || now().getTime() - cached.at >= ttl)) void refresh();
        return cached?.warning;
      } catch (error) {
        options.onError?.(error);
        return undefined;
      }
    },
  };
}
