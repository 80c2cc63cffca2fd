import { sql, type SQL } from 'drizzle-orm';
import type { WeekCounts } from '../src/monitoring/drift.ts';
import { inputOf, type DriftReference, type FeatureReference } from '../src/monitoring/reference.ts';
import { driftMonitor, type DriftMonitor } from '../src/monitoring/monitor.ts';
import { driftThresholds } from '../src/monitoring/psi.ts';
import { type MonthSums, type OutcomeSums, type PerformanceReport, performanceReport, performanceWindow } from '../src/monitoring/performance.ts';
import type { Policy } from '../src/scoring/policy.ts';
import type { Db } from './client.ts';
import { rowsOf } from './rows.ts';
import { applications, decisions, outcomes } from './schema.ts';

/**
 * Live applications binned like the reference, in SQL: per week (Monday, UTC) and monitored input,
 * the count in each bin. The answer has weeks × bins rows (a few hundred) whatever the volume, and
 * reads the applicant's answers where they are stored (the JSON), so nothing is added at decision time.
 *
 * The bins are those of src/monitoring/reference.ts: width_bucket(value, edges) is the number of edges
 * at or below the value, as `binIndex` counts; levels are matched as text; a missing optional answer
 * is the "not given" bin. Counter-offer applications (which repeat an applicant already counted) are left out.
 */

const NAME = /^[A-Za-z][A-Za-z0-9]*$/;

/** The number as a SQL literal: reference edges are validated finite numbers. */
const literal = (n: number) => {
  if (!Number.isFinite(n)) throw new Error(`not a finite number: ${n}`);
  return String(n);
};

const answer = (field: string, cast: 'float8' | 'text') => {
  if (!NAME.test(field)) throw new Error(`not a field name: ${field}`);
  return cast === 'text' ? sql.raw(`(a.applicant ->> '${field}')`) : sql.raw(`(a.applicant ->> '${field}')::float8`);
};

/** The value the input reads, as src/monitoring/inputs.ts `inputValue` does (the score: only the reference model's). */
function valueSql(feature: FeatureReference, modelVersion: string): SQL {
  const source = inputOf(feature).source;
  if (source.kind === 'score') return sql`case when d.model_version = ${modelVersion} then d.score::float8 end`;
  if (source.kind === 'dti')
    return sql`coalesce(${answer('dti', 'float8')}, ${answer('monthlyDebtPayments', 'float8')} / (${answer('annualIncome', 'float8')} / 12) * 100)`;
  return answer(source.field, feature.kind === 'categorical' ? 'text' : 'float8');
}

/** The bin of the value in column `v` (null: no bin, not counted). */
function binSql(feature: FeatureReference, v: SQL): SQL {
  const missing = feature.optional ? sql.raw(String(feature.bins.length - 1)) : sql.raw('null::int');
  let bin: SQL;
  if (feature.kind === 'categorical') {
    const levels = feature.levels!.map((level, i) => sql`when ${level}::text then ${sql.raw(String(i))}`);
    bin = sql`case ${v} ${sql.join(levels, sql` `)} else null::int end`;
  } else {
    const edges = feature.edges!;
    bin = edges.length === 0 ? sql.raw('0') : sql`width_bucket(${v}, array[${sql.raw(edges.map(literal).join(', '))}]::float8[])`;
  }
  return sql`case when ${v} is null then ${missing} else ${bin} end`;
}

/**
 * Each week's bin counts for the applications decided in [from, to). One pass: each application's
 * bins as columns, counted by grouping sets (one per input, and the week alone for its total).
 */
export async function weeklyDriftCounts(db: Db, reference: Pick<DriftReference, 'features' | 'modelVersion'>, from: Date, to: Date): Promise<WeekCounts[]> {
  // The values (read from the JSON once each), then their bins.
  const values = reference.features.map((f, i) => sql`${valueSql(f, reference.modelVersion)} as ${sql.raw(`v${i}`)}`);
  const bins = reference.features.map((f, i) => sql`${binSql(f, sql.raw(`v${i}`))} as ${sql.raw(`b${i}`)}`);
  const names = reference.features.map((_, i) => `b${i}`);
  const sets = sql.raw(['(week)', ...names.map((b) => `(week, ${b})`)].join(', '));
  // Which input a row counts (null: the week's total), and its bin.
  const feature = sql.raw(`case ${names.map((b, i) => `when grouping(${b}) = 0 then ${i}`).join(' ')} end`);
  const bin = sql.raw(`case ${names.map((b) => `when grouping(${b}) = 0 then ${b}`).join(' ')} end`);
  const result = await db.transaction(async (tx) => {
    // One core for this scan (no parallel workers, no JIT), as the portfolio's: the other keeps answering requests.
    await tx.execute(sql`set local max_parallel_workers_per_gather = 0`);
    await tx.execute(sql`set local jit = off`);
    return tx.execute(sql`
      select week, ${feature} as feature, ${bin} as bin, count(*)::int as n
      from (
        select week, ${sql.join(bins, sql`, `)}
        from (
          select to_char(date_trunc('week', d.created_at at time zone 'UTC'), 'YYYY-MM-DD') as week, ${sql.join(values, sql`, `)}
          from ${decisions} d
          join ${applications} a on a.id = d.application_id
          where d.created_at >= ${from.toISOString()} and d.created_at < ${to.toISOString()} and a.supersedes is null
          offset 0 -- evaluated here, once per row: not inlined into the bins
        ) answers
      ) binned
      group by grouping sets (${sets})`);
  });
  const weeks = new Map<string, WeekCounts>();
  const rows = rowsOf<{ week: string; feature: number | null; bin: number | null; n: number }>(result);
  for (const r of rows) if (r.feature === null) weeks.set(String(r.week), { week: String(r.week), applications: Number(r.n), counts: {} });
  for (const r of rows) {
    const week = weeks.get(String(r.week));
    const f = r.feature === null ? undefined : reference.features[Number(r.feature)];
    // A null bin: no bin for the value (the score of another model version).
    if (!week || !f || r.bin === null) continue;
    week.counts[f.name] ??= f.bins.map(() => 0);
    week.counts[f.name][Number(r.bin)] += Number(r.n);
  }
  return [...weeks.values()].sort((a, b) => a.week.localeCompare(b.week));
}

export interface DatabaseDriftMonitorOptions {
  reference: DriftReference;
  /** The policy in force (its drift thresholds). */
  policy: () => Promise<Policy>;
  healthTtlMs?: number;
  onError?: (error: unknown) => void;
}

/** Drift reports and the /healthz warning over this database's stored decisions. */
export function databaseDriftMonitor(db: () => Db, options: DatabaseDriftMonitorOptions): DriftMonitor {
  return driftMonitor({
    reference: options.reference,
    counts: (from, to) => weeklyDriftCounts(db(), options.reference, from, to),
    thresholds: async () => driftThresholds(await options.policy()),
    ...(options.healthTtlMs !== undefined ? { healthTtlMs: options.healthTtlMs } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
  });
}

/**
 * The loans `modelVersion` decided in [from, to) and their recorded outcomes, summed per month of
 * decision (UTC) and over the whole range, in one pass (src/monitoring/performance.ts makes the
 * figures): the answer has one row per month whatever the volume. A loan is a decision that was not
 * a decline (a reviewer's decision wins) and not replaced by an accepted counter-offer; any decision
 * with an outcome counts among the outcomes. Ranks of PD are taken among the loans with an outcome
 * only, ties sharing their mean rank.
 */
export async function monthlyOutcomeSums(db: Db, modelVersion: string, from: Date, to: Date): Promise<{ months: MonthSums[]; total: OutcomeSums | undefined }> {
  const result = await db.execute(sql`
    with made as (
      select to_char(date_trunc('month', d.created_at at time zone 'UTC'), 'YYYY-MM') as month,
             d.pd,
             d.live and coalesce(d.reviewed_decision, d.decision) <> 'decline' as lent,
             case o.outcome when 'defaulted' then 1 when 'repaid' then 0 end as bad
      from ${decisions} d
      left join ${outcomes} o on o.application_id = d.application_id
      where d.model_version = ${modelVersion} and d.created_at >= ${from.toISOString()} and d.created_at < ${to.toISOString()}
    ), ranked as (
      select month, pd, lent, bad,
             rank() over (partition by month, bad is null order by pd)
               + (count(*) over (partition by month, bad is null, pd) - 1) / 2.0 as month_rank,
             rank() over (partition by bad is null order by pd)
               + (count(*) over (partition by bad is null, pd) - 1) / 2.0 as total_rank
      from made
      where lent or bad is not null
    )
    select month,
           count(*) filter (where lent)::int as loans,
           count(bad)::int as applications,
           coalesce(sum(bad), 0)::int as defaulted,
           coalesce(sum(pd) filter (where bad is not null), 0)::float8 as sum_pd,
           coalesce(sum(pd * (1 - pd)) filter (where bad is not null), 0)::float8 as sum_pd_variance,
           coalesce(sum(month_rank) filter (where bad = 1), 0)::float8 as month_rank_sum,
           coalesce(sum(total_rank) filter (where bad = 1), 0)::float8 as total_rank_sum
    from ranked
    group by grouping sets ((month), ())`);
  type Row = {
    month: string | null;
    loans: number;
    applications: number;
    defaulted: number;
    sum_pd: number;
    sum_pd_variance: number;
    month_rank_sum: number;
    total_rank_sum: number;
  };
  const sums = (r: Row, rankSum: number): OutcomeSums => ({
    loans: Number(r.loans),
    applications: Number(r.applications),
    defaulted: Number(r.defaulted),
    sumPd: Number(r.sum_pd),
    sumPdVariance: Number(r.sum_pd_variance),
    defaultedRankSum: rankSum,
  });
  const rows = rowsOf<Row>(result);
  const total = rows.find((r) => r.month === null);
  return {
    months: rows
      .filter((r) => r.month !== null)
      .map((r) => ({ month: String(r.month), ...sums(r, Number(r.month_rank_sum)) }))
      .sort((a, b) => a.month.localeCompare(b.month)),
    total: total ? sums(total, Number(total.total_rank_sum)) : undefined,
  };
}

/** GET /v1/monitoring/performance and /drift's outcomes line: `modelVersion`'s PDs against the outcomes of the last `months` months' loans. */
export async function outcomePerformanceReport(db: Db, modelVersion: string, months?: number, now: Date = new Date()): Promise<PerformanceReport> {
  const window = performanceWindow(months, now);
  return performanceReport(modelVersion, window, await monthlyOutcomeSums(db, modelVersion, window.from, window.to));
}
