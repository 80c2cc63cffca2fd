import { sql } from 'drizzle-orm';
import { lendingClubApplicants } from './support/lendingclub-book.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db/rows.ts';
import { databaseStore } from '../db/decision-store.ts';
import { databaseJobStore, databasePortfolioJobs } from '../db/portfolio-jobs.ts';
import { bookGroups, incrementalGroups } from '../db/portfolio-repository.ts';
import { nextReferral, reviewDecision } from '../db/bot-repository.ts';
import type { BookGroup } from '../src/portfolio/book.ts';
import { createKey, registerModel } from '../db/repository.ts';
import { portfolioJobs as jobsTable } from '../db/schema.ts';
import { createApp } from '../src/api/app.ts';
import { decisionService } from '../src/app/decide.ts';
import { storedMacroRelation } from '../src/macro/refresh.ts';
import { loadModel } from '../src/model/load.ts';
import { threadRunner } from '../src/node/portfolio-threads.ts';
import { SHIPPED_CORRELATIONS } from '../src/portfolio/correlation-table.ts';
import { ENGINES, openTestDatabase, type Engine } from './support/databases.ts';
import { replicateBook } from './support/large-book.ts';

/**
 * Portfolio work as jobs (issue 12), with the Node runner (a worker thread): 202 and a job to poll,
 * results kept per book version, cancellation and deadlines that stop the thread, recovery after a
 * restart, and, on a large book in PostgreSQL, scoring that goes on at its usual speed while a job runs.
 */

const model = loadModel('models');
const json = async (res: Response): Promise<any> => res.json();

/** An app whose portfolio jobs run on a worker thread, with a book of `n` real applicants scored through it. */
async function setup(engine: Engine, n: number, deadlineMs = 120_000) {
  const database = await openTestDatabase(engine);
  await registerModel(database.db, model);
  const db = () => database.db;
  const decisions = decisionService({ model, store: databaseStore(db) });
  const runner = threadRunner();
  const jobs = databasePortfolioJobs(db, {
    policy: decisions.policy,
    correlations: SHIPPED_CORRELATIONS,
    runner,
    macroRelation: () => storedMacroRelation(db()),
    deadlineMs,
  });
  const app = createApp({ model, db, decisions, portfolioJobs: jobs, keyCacheMs: 0 });
  const admin = {
    authorization: `Bearer ${(await createKey(database.db, { name: 'lender', scope: 'admin' }, 'test')).key}`,
    'content-type': 'application/json',
  };
  const scorer = {
    authorization: `Bearer ${(await createKey(database.db, { name: 'partner', scope: 'score', ratePerMinute: 100_000 }, 'test')).key}`,
    'content-type': 'application/json',
  };
  const applicants = await lendingClubApplicants(n);
  for (const applicant of applicants) await app.request('/v1/score', { method: 'POST', headers: scorer, body: JSON.stringify(applicant) });
  return { database, app, jobs, runner, admin, scorer, applicants };
}

async function poll(app: ReturnType<typeof createApp>, headers: Record<string, string>, location: string, until: (job: any) => boolean) {
  for (let i = 0; i < 600; i++) {
    const job = await json(await app.request(location, { headers }));
    if (until(job)) return job;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`job at ${location} never got there`);
}

describe.each(ENGINES)('portfolio jobs on %s', (engine) => {
  let s: Awaited<ReturnType<typeof setup>>;
  beforeAll(async () => {
    s = await setup(engine, 120);
  });
  afterAll(async () => {
    await s?.runner.close();
    await s?.database.close();
  });

  it('answers 202 with a job to poll, then the same answer from the job, kept until the book changes', async () => {
    const started = await s.app.request('/v1/portfolio/risk?scenarios=50000&seed=3&wait=0', { headers: s.admin });
    expect(started.status).toBe(202);
    const location = started.headers.get('location')!;
    expect(location).toMatch(/^\/v1\/portfolio\/jobs\/[0-9a-f-]{36}$/);
    const job = await json(started);
    expect(['queued', 'running', 'done']).toContain(job.status);
    const done = await poll(s.app, s.admin, location, (j) => j.status === 'done');
    expect(done.progress).toBe(1);
    expect(done.result.monteCarlo.scenarios).toBe(50_000);
    expect(done.result.loans).toBeGreaterThan(10);

    // The same question on the same book: the kept answer, from the same job.
    const again = await s.app.request('/v1/portfolio/risk?scenarios=50000&seed=3', { headers: s.admin });
    expect(again.status).toBe(200);
    expect(again.headers.get('x-portfolio-job')).toBe(job.id);
    expect(await json(again)).toEqual(done.result);
    const chart = await s.app.request(`${location}?format=svg`, { headers: s.admin });
    expect(chart.headers.get('content-type')).toContain('image/svg+xml');

    // One more decision moves the book's version: a new job.
    await s.app.request('/v1/score', { method: 'POST', headers: s.scorer, body: JSON.stringify(s.applicants[0]) });
    const moved = await s.app.request('/v1/portfolio/risk?scenarios=50000&seed=3', { headers: s.admin });
    expect(moved.status).toBe(200);
    expect(moved.headers.get('x-portfolio-job')).not.toBe(job.id);
  });

  it('stops a cancelled job at once, its thread with it, and the next job runs', async () => {
    const started = await json(await s.app.request('/v1/portfolio/risk?scenarios=1000000&seed=11&wait=0', { headers: s.admin }));
    await poll(s.app, s.admin, `/v1/portfolio/jobs/${started.id}`, (j) => j.status === 'running');
    const t0 = Date.now();
    const cancelled = await s.app.request(`/v1/portfolio/jobs/${started.id}`, { method: 'DELETE', headers: s.admin });
    expect(cancelled.status).toBe(200);
    const body = await json(cancelled);
    expect(body.status).toBe('cancelled');
    expect(body.result).toBeNull();
    expect(Date.now() - t0).toBeLessThan(2_000);
    // A cancelled job stays cancelled; the same question starts afresh rather than reusing it.
    expect((await json(await s.app.request(`/v1/portfolio/jobs/${started.id}`, { headers: s.admin }))).status).toBe('cancelled');
    const next = await s.app.request('/v1/portfolio/risk?scenarios=2000&seed=11', { headers: s.admin });
    expect(next.status).toBe(200);
    expect((await json(next)).monteCarlo.scenarios).toBe(2_000);
  });

  it('on shutdown, ends running jobs as interrupted and tells whoever waits on them to ask again', async () => {
    const waiting = s.app.request('/v1/portfolio/risk?scenarios=1000000&seed=23&wait=30', { headers: s.admin });
    await new Promise((r) => setTimeout(r, 300));
    await s.jobs.stopAll();
    const res = await waiting;
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await json(res)).error).toMatch(/interrupted/);
    // A date alone is a valid `since` (midnight UTC).
    const dated = await s.app.request('/v1/portfolio/frontier?since=2020-01-01&points=5', { headers: s.admin });
    expect(dated.status).toBe(200);
  });

  it('says what is wrong with a question in plain words, and that a job does not exist', async () => {
    const bad = await s.app.request('/v1/portfolio/risk?scenarios=5&wait=100', { headers: s.admin });
    expect(bad.status).toBe(400);
    const issues = (await json(bad)).issues.map((i: { field: string }) => i.field);
    expect(issues).toEqual(expect.arrayContaining(['scenarios', 'wait']));
    expect((await s.app.request('/v1/portfolio/jobs/7d9f2f1e-8a47-4a5e-9d9b-3c2a1f0e9b8c', { headers: s.admin })).status).toBe(404);
    expect((await s.app.request('/v1/portfolio/jobs/not-a-job', { headers: s.admin })).status).toBe(400);
  });

  it('keeps the settled part of the book and sums only what is new, until an audited change', async () => {
    const groups = incrementalGroups(() => s.database.db, 0);
    const same = async () => {
      const [fast, full] = await Promise.all([groups(), bookGroups(s.database.db)]);
      const key = (g: BookGroup) => `${g.termMonths}|${g.purpose}|${g.band}|${g.pdBucket}`;
      const sorted = (list: BookGroup[]) => [...list].sort((x, y) => key(x).localeCompare(key(y)));
      expect(sorted(fast).map(key)).toEqual(sorted(full).map(key));
      sorted(fast).forEach((g, i) => {
        const f = sorted(full)[i];
        expect(g.count).toBe(f.count);
        for (const k of ['ead', 'eadSq', 'eadPd', 'eadRate'] as const) expect(g[k]).toBeCloseTo(f[k], 6);
      });
      return full.reduce((n, g) => n + g.count, 0);
    };
    const before = await same();
    for (const applicant of s.applicants.slice(0, 30)) await s.app.request('/v1/score', { method: 'POST', headers: s.scorer, body: JSON.stringify(applicant) });
    const after = await same();
    expect(after).toBeGreaterThan(before);
    const referral = await nextReferral(s.database.db);
    expect(referral).toBeDefined();
    await reviewDecision(s.database.db, referral!.decisionId, 'test', 'approve');
    expect(await same()).toBe(after + 1);
  });

  it('marks the jobs a stopped server left unfinished as interrupted', async () => {
    const store = databaseJobStore(() => s.database.db);
    const id = crypto.randomUUID();
    const now = new Date();
    await store.insert({
      id,
      kind: 'risk',
      params: {},
      bookVersion: 'd0.a0',
      cacheKey: 'orphan',
      status: 'running',
      progress: 0.4,
      result: null,
      error: null,
      requestedBy: 'test',
      createdAt: now,
      startedAt: now,
      finishedAt: null,
      deadlineAt: new Date(now.getTime() + 60_000),
    });
    expect(await s.jobs.recover()).toBeGreaterThanOrEqual(1);
    const job = await store.get(id);
    expect(job?.status).toBe('failed');
    expect(job?.error).toMatch(/interrupted/);
    expect(await store.reusable('orphan')).toBeNull();
  });
});

describe('a job past its deadline', () => {
  it('is stopped and says so', async () => {
    const s = await setup('pglite', 60, 400);
    try {
      const res = await s.app.request('/v1/portfolio/risk?scenarios=1000000&wait=30', { headers: s.admin });
      expect(res.status).toBe(500);
      expect((await json(res)).error).toMatch(/deadline/);
      const [row] = await s.database.db.select().from(jobsTable);
      expect(row.status).toBe('failed');
      expect(row.finishedAt!.getTime() - row.createdAt.getTime()).toBeLessThan(5_000);
    } finally {
      await s.runner.close();
      await s.database.close();
    }
  });
});

describe('a large book on PostgreSQL (synthetic replicas of 200 real scored applications)', () => {
  let s: Awaited<ReturnType<typeof setup>>;
  let loans = 0;
  beforeAll(async () => {
    s = await setup('postgres', 200);
    await replicateBook(s.database.db, 1_500, { decisions: ['approve'] });
    loans = (await bookGroups(s.database.db)).reduce((n, g) => n + g.count, 0);
  }, 300_000);
  afterAll(async () => {
    await s?.runner.close();
    await s?.database.close();
  });

  it('is read as SQL aggregates: a few hundred rows for 50,000+ loans, the same totals as the loans', async () => {
    const groups = await bookGroups(s.database.db);
    expect(loans).toBeGreaterThan(50_000);
    expect(groups.length).toBeLessThan(2_000);
    // 1,501 copies of each approved loan: totals are 1,501 times the original book's.
    const original = await s.database.db.execute(
      sql`select count(*)::int as n, sum((d.offer->>'amount')::float8) as ead from decisions d join applications a on a.id = d.application_id where a.owner is distinct from 'synthetic-replica' and d.decision = 'approve'`,
    );
    const [row] = rowsOf<{ n: number; ead: string }>(original);
    expect(loans).toBe(1_501 * row.n);
    expect(groups.reduce((t, g) => t + g.ead, 0)).toBeCloseTo(1_501 * Number(row.ead), 0);
  });

  it('runs a portfolio job while scoring goes on: no score waits more than 1 s', async () => {
    const started = await s.app.request('/v1/portfolio/risk?scenarios=400000&seed=5&wait=0', { headers: s.admin });
    expect(started.status).toBe(202);
    const job = await json(started);
    await poll(s.app, s.admin, `/v1/portfolio/jobs/${job.id}`, (j) => j.status === 'running' && j.progress > 0);
    const latencies: number[] = [];
    const until = Date.now() + 2_000;
    for (let i = 0; Date.now() < until; i++) {
      const t0 = performance.now();
      const res = await s.app.request('/v1/score', { method: 'POST', headers: s.scorer, body: JSON.stringify(s.applicants[i % s.applicants.length]) });
      latencies.push(performance.now() - t0);
      expect(res.status).toBe(200);
    }
    // The job was still at work the whole time: had it run on this thread, the first score would have waited for it.
    const during = await json(await s.app.request(`/v1/portfolio/jobs/${job.id}`, { headers: s.admin }));
    expect(during.status).toBe('running');
    expect(latencies.length).toBeGreaterThan(10);
    expect(Math.max(...latencies)).toBeLessThan(1_000);
    await s.app.request(`/v1/portfolio/jobs/${job.id}`, { method: 'DELETE', headers: s.admin });
  }, 120_000);
});
