import { and, desc, eq, inArray } from 'drizzle-orm';
import { PortfolioJobs, type JobRecord, type JobStore, type TaskRunner } from '../src/app/portfolio-jobs.ts';
import type { PolicyCache } from '../src/app/policy-cache.ts';
import type { CorrelationTable } from '../src/portfolio/loans.ts';
import type { StressRelation } from '../src/portfolio/tasks.ts';
import { portfolioSource } from './portfolio-repository.ts';
import type { Db } from './client.ts';
import { portfolioJobs } from './schema.ts';

/**
 * Portfolio jobs in PostgreSQL: their parameters, progress and results survive the request that
 * asked, and a restart (which marks the unfinished ones as interrupted).
 */
export function databaseJobStore(db: () => Db): JobStore {
  const toRecord = (row: typeof portfolioJobs.$inferSelect): JobRecord => ({ ...row, result: row.result as JobRecord['result'] });
  return {
    async insert(job) {
      await db().insert(portfolioJobs).values(job);
    },
    async get(id) {
      const [row] = await db().select().from(portfolioJobs).where(eq(portfolioJobs.id, id)).limit(1);
      return row ? toRecord(row) : null;
    },
    async update(id, patch) {
      await db().update(portfolioJobs).set(patch).where(eq(portfolioJobs.id, id));
    },
    async reusable(cacheKey) {
      const [row] = await db()
        .select()
        .from(portfolioJobs)
        .where(and(eq(portfolioJobs.cacheKey, cacheKey), inArray(portfolioJobs.status, ['done', 'queued', 'running'])))
        .orderBy(desc(portfolioJobs.createdAt))
        .limit(1);
      return row ? toRecord(row) : null;
    },
    async interruptUnfinished(reason) {
      const rows = await db()
        .update(portfolioJobs)
        .set({ status: 'failed', error: reason, finishedAt: new Date() })
        .where(inArray(portfolioJobs.status, ['queued', 'running']))
        .returning({ id: portfolioJobs.id });
      return rows.length;
    },
  };
}

/**
 * The portfolio jobs of a process, on this database: jobs kept here, data read here (the book as
 * SQL aggregates), run by `runner`.
 *
 * @example const jobs = databasePortfolioJobs(db, { policy, correlations, runner: threadRunner(), macroRelation: () => storedMacroRelation(db()) });
 */
export function databasePortfolioJobs(
  db: () => Db,
  options: {
    policy: PolicyCache;
    correlations: CorrelationTable;
    runner: TaskRunner;
    /** The stored unemployment → charge-off relation, for stress scenarios. */
    macroRelation: () => Promise<StressRelation>;
    deadlineMs?: number;
  },
): PortfolioJobs {
  return new PortfolioJobs({
    store: databaseJobStore(db),
    source: portfolioSource(db, options.macroRelation),
    runner: options.runner,
    policy: options.policy,
    correlations: options.correlations,
    ...(options.deadlineMs ? { deadlineMs: options.deadlineMs } : {}),
  });
}
