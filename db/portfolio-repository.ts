import { sql } from 'drizzle-orm';
import type { BookSource } from '../src/app/portfolio-jobs.ts';
import { BookGroupSchema, PD_BUCKET_FLOOR, PD_BUCKETS_PER_LOG, type BookGroup } from '../src/portfolio/book.ts';
import type { BookInput, OptimiseOptions } from '../src/portfolio/service.ts';
import { FrontierJobParamsSchema, OptimiseJobParamsSchema, RiskJobParamsSchema, startOfDay, type StressRelation } from '../src/portfolio/tasks.ts';
import { RISK_BANDS } from '../src/scoring/policy.ts';
import type { Db } from './client.ts';
import { rowsOf } from './rows.ts';
import { auditLog, decisions } from './schema.ts';

/** Each live application's decision (a reviewer's taking precedence) with its offer, from the decisions table alone. */
const liveDecisions = sql`
  select application_id as id, pd, coalesce(reviewed_decision, decision) as decision,
    amount, term_months as term, apr, coalesce(purpose, 'other') as purpose, created_at as decided_at
  from ${decisions}
  where live`;

// Spelled out rather than coalesce(...) = 'approve', whose row estimate (0.5%) led the planner to
// sort a million rows on disk instead of hashing them.
const approvedFilter = sql`(reviewed_decision = 'approve' or (reviewed_decision is null and decision = 'approve'))`;

const bandCase = sql.raw(
  `case ${RISK_BANDS.filter((b) => Number.isFinite(b.below))
    .map((b) => `when pd < ${b.below} then '${b.band}'`)
    .join(' ')} else '${RISK_BANDS[RISK_BANDS.length - 1].band}' end`,
);

/**
 * The current book (approved loans) as groups of term × purpose × risk band × PD bucket, summed in
 * SQL: the answer has at most a few thousand rows whatever the size of the book, so memory stays
 * bounded. `from` / `before`: only loans decided in that window (`before`: the book that today's
 * candidates join).
 */
export async function bookGroups(db: Db, options: { from?: Date; before?: Date } = {}): Promise<BookGroup[]> {
  const from = options.from ? sql`and created_at >= ${options.from.toISOString()}` : sql``;
  const before = options.before ? sql`and created_at < ${options.before.toISOString()}` : sql``;
  const result = await db.transaction(async (tx) => {
    // One core for this scan (no parallel workers, no JIT): the other keeps answering requests.
    await tx.execute(sql`set local max_parallel_workers_per_gather = 0`);
    await tx.execute(sql`set local jit = off`);
    return tx.execute(sql`
      select term_months as "termMonths", coalesce(purpose, 'other') as purpose, ${bandCase} as band,
        floor(ln(greatest(pd, ${PD_BUCKET_FLOOR})) * ${PD_BUCKETS_PER_LOG})::int as "pdBucket",
        count(*)::int as count, sum(amount) as ead, sum(amount * amount) as "eadSq",
        sum(amount * pd) as "eadPd", sum(amount * apr) as "eadRate"
      from ${decisions}
      where live and apr > 0 and amount > 0 and ${approvedFilter} ${from} ${before}
      group by 1, 2, 3, 4`);
  });
  const rows = rowsOf<Record<string, unknown>>(result);
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
  const rows = rowsOf<Record<string, unknown>>(result);
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

/** What the book's groups depend on besides new decisions, and the database's clock. */
interface BookMarks {
  lastDecision: number;
  /** The last audited action: reviews, deletions, policy changes, macro refreshes. */
  audit: number;
  /** Decisions taken out of the book by an accepted counter-offer. */
  retired: number;
  now: Date;
}

async function bookMarks(db: Db): Promise<BookMarks> {
  const [row] = await db
    .select({
      lastDecision: sql<string>`(select coalesce(max(${decisions.id}), 0) from ${decisions})`,
      audit: sql<string>`(select coalesce(max(${auditLog.id}), 0) from ${auditLog})`,
      retired: sql<string>`(select count(*) from ${decisions} where not ${decisions.live})`,
      now: sql<string>`now()`,
    })
    .from(sql`(select 1) as one`);
  return { lastDecision: Number(row.lastDecision), audit: Number(row.audit), retired: Number(row.retired), now: new Date(row.now) };
}

/**
 * The book's version: the last decision, the last audited action and the decisions retired by a
 * counter-offer. Any change to the book or to what its figures depend on moves it.
 */
export async function bookVersion(db: Db): Promise<string> {
  const m = await bookMarks(db);
  return `d${m.lastDecision}.a${m.audit}.r${m.retired}`;
}

const groupKey = (g: BookGroup) => `${g.termMonths}|${g.purpose}|${g.band}|${g.pdBucket}`;

/** Two sets of groups as one: the sums of groups with the same key added. */
export function mergeGroups(a: readonly BookGroup[], b: readonly BookGroup[]): BookGroup[] {
  const out = new Map(a.map((g) => [groupKey(g), { ...g }]));
  for (const g of b) {
    const m = out.get(groupKey(g));
    if (!m) out.set(groupKey(g), { ...g });
    else {
      m.count += g.count;
      m.ead += g.ead;
      m.eadSq += g.eadSq;
      m.eadPd += g.eadPd;
      m.eadRate += g.eadRate;
    }
  }
  return [...out.values()];
}

/**
 * The book's groups without scanning the whole book each time: the groups of loans decided before a
 * settled point (`settleMs` behind the database's clock, so no transaction still writing there) are
 * kept, moved forward as time passes, and only the loans decided since are summed on each call.
 * A review, a deletion, a policy change (any audited action) or an accepted counter-offer changes
 * old rows: then everything is summed again.
 *
 * @example const groups = incrementalGroups(() => db); const book = await groups(); const before = await groups(since);
 */
export function incrementalGroups(db: () => Db, settleMs = 300_000): (before?: Date) => Promise<BookGroup[]> {
  let settled: { until: Date; audit: number; retired: number; groups: BookGroup[] } | undefined;
  return async (before) => {
    const marks = await bookMarks(db());
    const until = new Date(marks.now.getTime() - settleMs);
    if (!settled || settled.audit !== marks.audit || settled.retired !== marks.retired) {
      settled = { until, audit: marks.audit, retired: marks.retired, groups: await bookGroups(db(), { before: until }) };
    } else if (until > settled.until) {
      const moved = await bookGroups(db(), { from: settled.until, before: until });
      settled = { ...settled, until, groups: mergeGroups(settled.groups, moved) };
    }
    if (before && before < settled.until) return bookGroups(db(), { before });
    return mergeGroups(settled.groups, await bookGroups(db(), { from: settled.until, ...(before ? { before } : {}) }));
  };
}

/**
 * Today's allocation question: the candidates decided since `since` (default: today, from 00:00
 * UTC), loan by loan, and the book approved before then as fixed groups.
 */
export async function todaysBook(
  db: Db,
  since?: string,
  groups: (before?: Date) => Promise<BookGroup[]> = (before) => bookGroups(db, { before }),
): Promise<BookInput> {
  const from = since ? new Date(since) : startOfDay();
  const [candidates, fixed] = await Promise.all([candidateBook(db, from), groups(from)]);
  return { loans: candidates.loans, currentIds: candidates.currentIds, fixed };
}

/**
 * What portfolio jobs read: the book's version, its groups, today's candidates. `macroRelation`
 * gives the stored unemployment → charge-off relation for stress scenarios.
 */
export function portfolioSource(db: () => Db, macroRelation: () => Promise<StressRelation>): BookSource {
  const groups = incrementalGroups(db);
  return {
    version: () => bookVersion(db()),
    async task(kind, params, policy, correlations) {
      const base = { policy: policy.policy, correlations };
      if (kind === 'risk') {
        const { unemploymentShock, ...options } = RiskJobParamsSchema.parse(params);
        const [book, relation] = await Promise.all([groups(), unemploymentShock === undefined ? undefined : macroRelation()]);
        return { kind, groups: book, options, ...base, ...(relation ? { stress: { shock: unemploymentShock!, relation } } : {}) };
      }
      const { since, loans, ...options } = (kind === 'frontier' ? FrontierJobParamsSchema : OptimiseJobParamsSchema).parse(params);
      const book: BookInput = loans ? { loans } : await todaysBook(db(), since, groups);
      return kind === 'frontier' ? { kind, book, options, ...base } : { kind, book, options: options as OptimiseOptions, ...base };
    },
  };
}
