import { sql } from 'drizzle-orm';
import type { BookSource } from '../src/app/portfolio-jobs.ts';
import { BookGroupSchema, PD_BUCKET_FLOOR, PD_BUCKETS_PER_LOG, type BookGroup } from '../src/portfolio/book.ts';
import type { BookInput, OptimiseOptions } from '../src/portfolio/service.ts';
import { FrontierJobParamsSchema, OptimiseJobParamsSchema, RiskJobParamsSchema, startOfDay, type StressRelation } from '../src/portfolio/tasks.ts';
import { RISK_BANDS } from '../src/scoring/policy.ts';
import type { Db } from './client.ts';
import { auditLog, decisions } from './schema.ts';

/** Each live application's decision (a reviewer's taking precedence) with its offer, from the decisions table alone. */
const liveDecisions = sql`
  select application_id as id, pd, coalesce(reviewed_decision, decision) as decision,
    amount, term_months as term, apr, coalesce(purpose, 'other') as purpose, created_at as decided_at
  from ${decisions}
  where live`;

const bandCase = sql.raw(
  `case ${RISK_BANDS.filter((b) => Number.isFinite(b.below))
    .map((b) => `when pd < ${b.below} then '${b.band}'`)
    .join(' ')} else '${RISK_BANDS[RISK_BANDS.length - 1].band}' end`,
);

/**
 * The current book (approved loans) as groups of term × purpose × risk band × PD bucket, summed in
 * SQL: the answer has at most a few thousand rows whatever the size of the book, so memory stays
 * bounded. `before`: only loans decided before then (the book that today's candidates join).
 */
export async function bookGroups(db: Db, options: { before?: Date } = {}): Promise<BookGroup[]> {
  const before = options.before ? sql`and decided_at < ${options.before.toISOString()}` : sql``;
  const result = await db.execute(sql`
    with latest as (${liveDecisions})
    select term as "termMonths", purpose, ${bandCase} as band,
      floor(ln(greatest(pd, ${PD_BUCKET_FLOOR})) * ${PD_BUCKETS_PER_LOG})::int as "pdBucket",
      count(*)::int as count, sum(amount) as ead, sum(amount * amount) as "eadSq",
      sum(amount * pd) as "eadPd", sum(amount * apr) as "eadRate"
    from latest
    where decision = 'approve' and apr > 0 and amount > 0 ${before}
    group by 1, 2, 3, 4`);
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Record<string, unknown>[];
  // Sums come back as text or numbers depending on the driver.
  return rows.map((r) => BookGroupSchema.parse(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k === 'purpose' || k === 'band' ? v : Number(v)]))));
}

/**
 * Today's candidates for an allocation: approved and referred applications decided since `since`,
 * loan by loan (newest first, at most `limit`); the approved ones are their current allocation.
 */
export async function candidateBook(db: Db, since: Date, limit = 10_000): Promise<BookInput & { truncated: boolean }> {
  const result = await db.execute(sql`
    with latest as (${liveDecisions})
    select id, pd, decision, amount, term, apr, purpose from latest
    where decision in ('approve', 'refer') and apr > 0 and amount > 0 and decided_at >= ${since.toISOString()}
    order by decided_at desc
    limit ${limit + 1}`);
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Record<string, unknown>[];
  const kept = rows.slice(0, limit);
  return {
    loans: kept.map((r) => ({
      id: String(r.id),
      amount: Number(r.amount),
      termMonths: Number(r.term),
      rate: Number(r.apr),
      pd: Number(r.pd),
      purpose: String(r.purpose),
    })),
    currentIds: kept.filter((r) => r.decision === 'approve').map((r) => String(r.id)),
    truncated: rows.length > limit,
  };
}

/**
 * The book's version: the last decision and the last audited action (reviews, policy changes,
 * deletions, macro refreshes). Any change to the book or to what its figures depend on moves it.
 */
export async function bookVersion(db: Db): Promise<string> {
  const [row] = await db
    .select({
      decision: sql<string>`(select coalesce(max(${decisions.id}), 0) from ${decisions})`,
      audit: sql<string>`(select coalesce(max(${auditLog.id}), 0) from ${auditLog})`,
    })
    .from(sql`(select 1) as one`);
  return `d${row.decision}.a${row.audit}`;
}

/**
 * Today's allocation question: the candidates decided since `since` (default: today, from 00:00
 * UTC), loan by loan, and the book approved before then as fixed groups.
 */
export async function todaysBook(db: Db, since?: string): Promise<BookInput> {
  const from = since ? new Date(since) : startOfDay();
  const [candidates, fixed] = await Promise.all([candidateBook(db, from), bookGroups(db, { before: from })]);
  return { loans: candidates.loans, currentIds: candidates.currentIds, fixed };
}

/**
 * What portfolio jobs read: the book's version, its groups, today's candidates. `macroRelation`
 * gives the stored unemployment → charge-off relation for stress scenarios.
 */
export function portfolioSource(db: () => Db, macroRelation: () => Promise<StressRelation>): BookSource {
  return {
    version: () => bookVersion(db()),
    async task(kind, params, policy, correlations) {
      const base = { policy: policy.policy, correlations };
      if (kind === 'risk') {
        const { unemploymentShock, ...options } = RiskJobParamsSchema.parse(params);
        const [groups, relation] = await Promise.all([bookGroups(db()), unemploymentShock === undefined ? undefined : macroRelation()]);
        return { kind, groups, options, ...base, ...(relation ? { stress: { shock: unemploymentShock!, relation } } : {}) };
      }
      const { since, loans, ...options } = (kind === 'frontier' ? FrontierJobParamsSchema : OptimiseJobParamsSchema).parse(params);
      const book: BookInput = loans ? { loans } : await todaysBook(db(), since);
      return kind === 'frontier' ? { kind, book, options, ...base } : { kind, book, options: options as OptimiseOptions, ...base };
    },
  };
}
