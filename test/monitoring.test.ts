import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Database } from '../db/client.ts';
import { weeklyDriftCounts } from '../db/monitoring-repository.ts';
import { createKey, registerModel } from '../db/repository.ts';
import { createApp } from '../src/api/app.ts';
import { healthRoutes } from '../src/api/routes/meta.ts';
import type { Applicant } from '../src/applicant/schema.ts';
import { loadModel } from '../src/model/load.ts';
import { estimatePd } from '../src/model/model.ts';
import { driftReport, driftWindow, featureDrift, latestWarning, weekStart, type WeekCounts } from '../src/monitoring/drift.ts';
import { loadDriftReference } from '../src/monitoring/load.ts';
import { driftMonitor } from '../src/monitoring/monitor.ts';
import { driftStatus, driftThresholds, EMPTY_BIN_SHARE, psi } from '../src/monitoring/psi.ts';
import { binIndex, buildReference, countBins, quantileEdges, type DriftReference, type DriftSample } from '../src/monitoring/reference.ts';
import { DEFAULT_POLICY, PolicySchema } from '../src/scoring/policy.ts';
import { pdToScore } from '../src/scoring/scale.ts';
import { ENGINES, openTestDatabase } from './support/databases.ts';
import { lendingClubApplicants } from './support/lendingclub-book.ts';

const model = loadModel('models');
const reference = loadDriftReference(model)!;
const thresholds = driftThresholds(DEFAULT_POLICY);
const json = async (res: Response): Promise<any> => res.json();

/**
 * SYNTHETIC shift: real LendingClub applicants with their FICO score lowered by `points` (floored at
 * 300) and the loan asked for raised by `amountFactor` (capped at 40,000). Not observed data: a
 * made-up change of population, to show what the monitor flags.
 */
const syntheticShift = (a: Applicant, points: number, amountFactor = 1): Applicant => ({
  ...a,
  ficoScore: Math.max(300, a.ficoScore - points),
  loanAmount: Math.min(40_000, Math.round(a.loanAmount * amountFactor)),
});
const scored = (applicant: Applicant): DriftSample => ({ applicant, score: pdToScore(estimatePd(model, applicant).pd) });

describe('population stability index', () => {
  it('matches hand-computed values on a small table', () => {
    // Expected 25/25/25/25 %, actual 10/20/30/40 %:
    //   (0.10 − 0.25)·ln(0.10/0.25) = 0.15 · 0.916291 = 0.137444
    //   (0.20 − 0.25)·ln(0.20/0.25) = 0.05 · 0.223144 = 0.011157
    //   (0.30 − 0.25)·ln(0.30/0.25) = 0.05 · 0.182322 = 0.009116
    //   (0.40 − 0.25)·ln(0.40/0.25) = 0.15 · 0.470004 = 0.070501   → PSI 0.228217
    const a = psi([25, 25, 25, 25], [10, 20, 30, 40]);
    expect(a.psi).toBeCloseTo(0.228217, 6);
    expect(a.bins.map((b) => b.contribution)).toEqual([0.137444, 0.011157, 0.009116, 0.070501].map((v) => expect.closeTo(v, 6)));
    expect(a.bins.map((b) => [b.expected, b.actual])).toEqual([
      [0.25, 0.1],
      [0.25, 0.2],
      [0.25, 0.3],
      [0.25, 0.4],
    ]);
    // 30/40/30 against 20/40/40: 0.1·ln(3/2) + 0 + 0.1·ln(4/3) = 0.1·ln 2 = 0.069315 (counts, not shares, may be given).
    expect(psi([300, 400, 300], [2, 4, 4]).psi).toBeCloseTo(0.1 * Math.LN2, 12);
    // An empty expected bin counts as EMPTY_BIN_SHARE (0.0001): (0.2 − 0.0001)·ln(0.2/0.0001) = 0.1999 · 7.600902 = 1.519420,
    // plus 2 · (0.4 − 0.5)·ln(0.4/0.5) = 2 · 0.022314 → 1.564049.
    expect(EMPTY_BIN_SHARE).toBe(0.0001);
    const empty = psi([50, 50, 0], [40, 40, 20]);
    expect(empty.bins[2].expected).toBe(0.0001);
    expect(empty.bins[2].contribution).toBeCloseTo(1.51942, 5);
    expect(empty.psi).toBeCloseTo(1.564049, 6);
    // Empty on both sides: nothing.
    expect(psi([10, 0], [3, 0]).psi).toBe(0);
  });

  it('is 0 for identical (or proportional) distributions, and never negative', () => {
    expect(psi([1, 2, 3, 4], [1, 2, 3, 4]).psi).toBe(0);
    expect(psi([1, 2, 3], [100, 200, 300]).psi).toBeCloseTo(0, 15);
    for (const f of reference.features) expect(featureDrift(f, f.counts, thresholds)?.psi ?? 0).toBeCloseTo(0, 12);
    for (let i = 0; i < 50; i++) {
      const e = Array.from({ length: 5 }, (_, j) => ((i * 7 + j * 13) % 11) + 1);
      const a = Array.from({ length: 5 }, (_, j) => ((i * 5 + j * 3) % 9) + 1);
      expect(psi(e, a).psi).toBeGreaterThanOrEqual(0);
      expect(psi(e, a).bins.every((b) => b.contribution >= 0)).toBe(true);
    }
  });

  it('maps PSI to ok / watch / act by the policy thresholds (0.1 and 0.25 by default)', () => {
    expect(thresholds).toEqual({ watch: 0.1, act: 0.25, minApplications: 300 });
    expect([0, 0.0999, 0.1, 0.2499, 0.25, 3].map((v) => driftStatus(v, thresholds))).toEqual(['ok', 'ok', 'watch', 'watch', 'act', 'act']);
    // Stored policies without the fields still parse, with the defaults.
    const { driftWatchPsi: _w, driftActPsi: _a, driftMinApplications: _m, ...stored } = DEFAULT_POLICY;
    expect(PolicySchema.parse(stored)).toEqual(DEFAULT_POLICY);
    expect(PolicySchema.safeParse({ ...DEFAULT_POLICY, driftWatchPsi: 0.3, driftActPsi: 0.2 }).success).toBe(false);
  });
});

describe('reference bins', () => {
  it('cuts numeric inputs at the sample deciles (ties merged, never at the minimum) and bins as width_bucket does', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantileEdges(sorted)).toEqual([11, 21, 31, 41, 51, 61, 71, 81, 91]);
    // A count that is mostly 0: deciles all 0, cut at the next value so that it has two bins.
    expect(quantileEdges([...Array(95).fill(0), 1, 1, 2, 3, 5])).toEqual([1]);
    expect(quantileEdges([...Array(50).fill(0), ...Array(50).fill(1)])).toEqual([1]);
    expect(quantileEdges([7, 7, 7])).toEqual([]);
    const f = reference.features.find((x) => x.name === 'ficoScore')!;
    const edges = f.edges!;
    expect(edges).toHaveLength(9);
    // [edge(i-1), edge(i)): an edge belongs to the bin above it; "not given" only for optional inputs.
    expect(binIndex(f, edges[0] - 1)).toBe(0);
    expect(binIndex(f, edges[0])).toBe(1);
    expect(binIndex(f, edges[8])).toBe(9);
    expect(binIndex(f, undefined)).toBeUndefined();
    const dti = reference.features.find((x) => x.name === 'dti')!;
    expect(dti.bins.at(-1)).toBe('not given');
    expect(binIndex(dti, undefined)).toBe(dti.bins.length - 1);
    const purpose = reference.features.find((x) => x.name === 'purpose')!;
    expect(binIndex(purpose, 'car')).toBe(purpose.levels!.indexOf('car'));
  });

  it('the shipped reference is the training part of LendingClub, 10 quantile bins per numeric input, its counts adding up', () => {
    expect(reference.modelVersion).toBe(model.version);
    expect(reference.data.file).toBe('lendingclub_2007_2011.csv.gz');
    expect(reference.rows).toBe(13_422);
    expect(reference.features.map((f) => f.name)).toEqual([
      'loanAmount',
      'termMonths',
      'purpose',
      'annualIncome',
      'employmentYears',
      'homeOwnership',
      'dti',
      'ficoScore',
      'delinquencies2y',
      'inquiries6m',
      'revolvingUtilisation',
      'revolvingBalance',
      'openAccounts',
      'totalAccounts',
      'publicRecords',
      'creditHistoryYears',
      'score',
    ]);
    for (const f of reference.features) expect(f.counts.reduce((s, c) => s + c, 0)).toBe(reference.rows);
    for (const name of ['loanAmount', 'annualIncome', 'ficoScore', 'score']) expect(reference.features.find((f) => f.name === name)!.edges).toHaveLength(9);
    // LendingClub never gives the length of credit history: the model saw it "not given" only.
    expect(reference.features.find((f) => f.name === 'creditHistoryYears')!.counts.at(-1)).toBe(reference.rows);
  });

  it('is read from the model directory: none is off, a wrong one throws (or is reported and left out)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-reference-'));
    try {
      expect(loadDriftReference({ version: 'v1', dir })).toBeUndefined();
      writeFileSync(join(dir, 'reference.json'), JSON.stringify(reference));
      expect(() => loadDriftReference({ version: 'v1', dir })).toThrow(/made for model pd-.*, not v1; run npm run monitoring:reference/);
      expect(loadDriftReference({ version: model.version, dir })).toEqual(reference);
      writeFileSync(join(dir, 'reference.json'), JSON.stringify({ ...reference, features: [{ ...reference.features[0], counts: [1] }] }));
      const problems: string[] = [];
      expect(loadDriftReference({ version: model.version, dir }, (p) => problems.push(p))).toBeUndefined();
      expect(problems[0]).toMatch(/invalid reference distribution .*loanAmount: 10 bins expected, 10 labels and 1 counts found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rebuilds the same reference from the same rows (deterministic)', async () => {
    const sample = (await lendingClubApplicants(500)).map(scored);
    const meta = { modelVersion: 'm', data: { file: 'f', part: 'p' }, createdAt: new Date(0) };
    expect(buildReference(sample, meta)).toEqual(buildReference(sample, meta));
  });
});

describe('drift on real LendingClub applicants and a SYNTHETIC shift', () => {
  let held: Applicant[];
  beforeAll(async () => {
    // The first rows of the file are the newest loans: the model's out-of-time test part, not in the reference.
    held = await lendingClubApplicants(2_000);
  });

  const report = (samples: DriftSample[]) => {
    const window = driftWindow({ weeks: 1 }, new Date());
    const counted: WeekCounts[] = [{ week: window.weeks[0], applications: samples.length, counts: countBins(reference, samples) }];
    return driftReport(reference, window, counted, thresholds);
  };
  const byFeature = (r: ReturnType<typeof report>) => Object.fromEntries(r.weeks[0].features.map((f) => [f.feature, f]));

  it('real applicants the model did not see stay close to the reference on most inputs', () => {
    const f = byFeature(report(held.map(scored)));
    for (const name of ['loanAmount', 'annualIncome', 'ficoScore', 'dti', 'revolvingUtilisation', 'openAccounts']) expect(f[name].status).toBe('ok');
    expect(f.ficoScore.psi).toBeLessThan(0.05);
    // The shipped reference's own record of the whole test part (3,356 loans) agrees.
    expect(reference.holdout!.rows).toBe(3_356);
    expect(reference.holdout!.psi.ficoScore).toBeLessThan(0.05);
  });

  it('flags a SYNTHETIC shift: watch for a small one, act for a large one', () => {
    const small = byFeature(report(held.map((a) => scored(syntheticShift(a, 0, 1.25)))));
    expect(small.loanAmount.status).toBe('watch');
    const large = byFeature(report(held.map((a) => scored(syntheticShift(a, 40)))));
    expect(large.ficoScore.status).toBe('act');
    expect(large.score.status).toBe('act');
    // The bins that moved: the lowest FICO bin gained most.
    const top = large.ficoScore.bins.reduce((x, y) => (y.contribution > x.contribution ? y : x));
    expect(top.bin).toBe(reference.features.find((x) => x.name === 'ficoScore')!.bins[0]);
    expect(top.actual).toBeGreaterThan(top.expected);
    const warning = latestWarning({ ...report(held.map((a) => scored(syntheticShift(a, 40)))) });
    expect(warning).toMatchObject({ status: 'act', applications: held.length });
    expect(warning!.features[0].status).toBe('act');
  });
});

describe('the drift monitor for /healthz', () => {
  const week = (d: Date) => weekStart(d).toISOString().slice(0, 10);
  const actCounts = (): WeekCounts[] => {
    const now = new Date();
    const f = reference.features.find((x) => x.name === 'ficoScore')!;
    return [{ week: week(now), applications: 400, counts: { ficoScore: f.counts.map((_, i) => (i === 0 ? 400 : 0)) } }];
  };

  it('answers at once from its cache, refreshing in the background, and never throws', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const counts = vi.fn(async () => {
      await gate;
      return actCounts();
    });
    const monitor = driftMonitor({ reference, counts, thresholds: async () => thresholds, healthTtlMs: 60_000 });
    expect(monitor.health()).toBeUndefined();
    expect(monitor.health()).toBeUndefined();
    expect(counts).toHaveBeenCalledTimes(1);
    release();
    await vi.waitFor(() => expect(monitor.health()).toMatchObject({ status: 'act', features: [{ feature: 'ficoScore', status: 'act' }] }));
    expect(counts).toHaveBeenCalledTimes(1);

    const failing = driftMonitor({
      reference,
      counts: async () => {
        throw new Error('database down');
      },
      thresholds: async () => thresholds,
      onError: () => {},
    });
    expect(failing.health()).toBeUndefined();
    await failing.refresh();
    expect(failing.health()).toBeUndefined();
  });

  it('reads weeks that are over from the database once, then only this week', async () => {
    const calls: [string, string][] = [];
    const monitor = driftMonitor({
      reference,
      counts: async (from, to) => {
        calls.push([from.toISOString(), to.toISOString()]);
        return [];
      },
      thresholds: async () => thresholds,
    });
    const first = await monitor.report({ weeks: 4 });
    expect(first.weeks).toHaveLength(4);
    const thisWeek = `${first.weeks[3].week}T00:00:00.000Z`;
    expect(calls).toEqual([[`${first.weeks[0].week}T00:00:00.000Z`, first.to]]);
    expect(await monitor.report({ weeks: 4 })).toEqual(first);
    expect(calls[1]).toEqual([thisWeek, first.to]);
    await monitor.refresh();
    expect(calls[2]).toEqual([thisWeek, first.to]);
    // A since in the middle of a week: that week is read from `since` on, not taken from memory.
    const since = new Date(Date.parse(first.weeks[1].week) + 3 * 86_400_000);
    await monitor.report({ since });
    expect(calls[3]).toEqual([since.toISOString(), first.to]);
  });

  it('/healthz answers fast without the warning when the monitor hangs or throws', async () => {
    const hanging = driftMonitor({ reference, counts: () => new Promise(() => {}), thresholds: async () => thresholds });
    for (const drift of [() => hanging.health(), () => raise()]) {
      const app = healthRoutes({ model, ping: async () => {}, drift });
      const t0 = performance.now();
      const res = await app.request('/healthz');
      // The monitor never answers: /healthz does not wait for it (a generous bound for a loaded machine).
      expect(performance.now() - t0).toBeLessThan(1_000);
      expect(await json(res)).toEqual({ ok: true, modelVersion: model.version, database: 'up' });
    }
  });
});

function raise(): never {
  throw new Error('boom');
}

describe('src/monitoring is domain code', () => {
  it('imports no adapter, database or framework', () => {
    for (const name of readdirSync('src/monitoring')) {
      const text = readFileSync(join('src/monitoring', name), 'utf8');
      for (const spec of text.matchAll(/from '([^']+)'/g)) {
        expect(spec[1], `${name} imports ${spec[1]}`).not.toMatch(/^(hono|grammy|drizzle-orm|postgres|@electric-sql)|\/(db|bot|api|node|worker)\//);
      }
    }
  });
});

describe.each(ENGINES)('GET /v1/monitoring/drift and /healthz on %s (real LendingClub applicants scored through the API)', (engine) => {
  let database: Database;
  let app: ReturnType<typeof createApp>;
  let adminKey: string;
  let scoreKey: string;
  const PER_WEEK = 100;
  const earlier: DriftSample[] = [];
  const shifted: DriftSample[] = [];

  const get = (path: string, key?: string) => app.request(path, key ? { headers: { authorization: `Bearer ${key}` } } : {});
  const score = async (applicant: Applicant): Promise<DriftSample> => {
    const res = await app.request('/v1/score', {
      method: 'POST',
      body: JSON.stringify(applicant),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${scoreKey}` },
    });
    expect(res.status).toBe(200);
    return { applicant, score: (await json(res)).score };
  };

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    await registerModel(database.db, model);
    app = createApp({ model, db: () => database.db, keyCacheMs: 0, driftReference: reference });
    adminKey = (await createKey(database.db, { name: 'admin', scope: 'admin' }, 'test')).key;
    scoreKey = (await createKey(database.db, { name: 'partner', scope: 'score', ratePerMinute: 10_000 }, 'test')).key;
    // A small lender: weeks of 100 applications count (the default asks for 300).
    const policy = await app.request('/v1/policy', {
      method: 'PUT',
      body: JSON.stringify({ ...DEFAULT_POLICY, driftMinApplications: PER_WEEK }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
    });
    expect(policy.status).toBe(200);
    const applicants = await lendingClubApplicants(2 * PER_WEEK);
    // Last week: real applicants as they came. This week: the next ones, with a SYNTHETIC shift (FICO 40 points lower).
    for (const a of applicants.slice(0, PER_WEEK)) earlier.push(await score(a));
    await database.db.execute(sql`update decisions set created_at = created_at - interval '7 days'`);
    await database.db.execute(sql`update applications set created_at = created_at - interval '7 days'`);
    for (const a of applicants.slice(PER_WEEK)) shifted.push(await score(syntheticShift(a, 40)));
  });
  afterAll(async () => {
    await database?.close();
  });

  it('is for admin keys only', async () => {
    expect((await get('/v1/monitoring/drift')).status).toBe(401);
    const refused = await get('/v1/monitoring/drift', scoreKey);
    expect(refused.status).toBe(403);
    expect(await json(refused)).toMatchObject({ error: expect.stringMatching(/scope score/) });
    for (const bad of ['weeks=0', 'weeks=53', 'weeks=two', 'since=yesterday', `since=${new Date(Date.now() + 86_400_000).toISOString()}`, 'since=2020-01-01'])
      expect((await get(`/v1/monitoring/drift?${bad}`, adminKey)).status, bad).toBe(400);
    const doc = await json(await app.request('/openapi.json'));
    expect(doc.paths['/v1/monitoring/drift'].get.security).toEqual([{ apiKey: [] }]);
    expect(doc.paths['/healthz'].get.responses['200'].content['application/json'].schema.properties.drift).toBeDefined();
  });

  it('answers PSI per week × input with the bins, flagging the shifted week; the counts are those the pure code finds', async () => {
    const res = await get('/v1/monitoring/drift?weeks=2', adminKey);
    expect(res.status).toBe(200);
    const body = await json(res);
    const now = new Date();
    const thisWeek = weekStart(now).toISOString().slice(0, 10);
    const lastWeek = weekStart(new Date(now.getTime() - 7 * 86_400_000))
      .toISOString()
      .slice(0, 10);
    expect(body).toMatchObject({ modelVersion: model.version, thresholds: { watch: 0.1, act: 0.25, minApplications: PER_WEEK }, emptyBinShare: 0.0001 });
    expect(body.weeks.map((w: any) => [w.week, w.applications, w.lowVolume])).toEqual([
      [lastWeek, PER_WEEK, false],
      [thisWeek, PER_WEEK, false],
    ]);
    const [before, after] = body.weeks.map((w: any) => Object.fromEntries(w.features.map((f: any) => [f.feature, f])));
    expect(after.ficoScore.status).toBe('act');
    expect(after.score.status).toBe('act');
    expect(after.ficoScore.psi).toBeGreaterThan(before.ficoScore.psi + 0.25);
    expect(body.weeks[1].status).toBe('act');
    // Each bin: expected and actual shares, and its contribution; they add up to the PSI.
    const fico = after.ficoScore;
    expect(fico.bins).toHaveLength(10);
    expect(fico.bins[0]).toMatchObject({ from: null, to: reference.features.find((f) => f.name === 'ficoScore')!.edges![0] });
    expect(fico.bins.reduce((s: number, b: any) => s + b.contribution, 0)).toBeCloseTo(fico.psi, 10);
    expect(fico.bins.reduce((s: number, b: any) => s + b.count, 0)).toBe(PER_WEEK);
    // SQL binning (width_bucket on the stored JSON) = the domain's binning of the same applicants and scores.
    for (const [week, samples] of [
      [before, earlier],
      [after, shifted],
    ] as const) {
      const counts = countBins(reference, samples);
      for (const f of reference.features)
        expect(
          week[f.name].bins.map((b: any) => b.count),
          f.name,
        ).toEqual(counts[f.name]);
    }
    // ?since= reaches from its week on.
    const since = await json(await get(`/v1/monitoring/drift?since=${thisWeek}`, adminKey));
    expect(since.weeks.map((w: any) => w.week)).toEqual([thisWeek]);
    expect(since.weeks[0].applications).toBe(PER_WEEK);
  });

  it("counts the score only for the reference's model version", async () => {
    const weeks = await weeklyDriftCounts(
      database.db,
      { ...reference, modelVersion: 'another-model' } as DriftReference,
      new Date(0),
      new Date(Date.now() + 1e9),
    );
    expect(weeks.reduce((s, w) => s + w.applications, 0)).toBe(2 * PER_WEEK);
    expect(weeks.every((w) => w.counts.score === undefined)).toBe(true);
  });

  it('/healthz warns after the shifted week, from its cache', async () => {
    const health = await json(await app.request('/healthz'));
    expect(health).toMatchObject({ ok: true, database: 'up' });
    // The report above (this week and the one before) left the warning in the cache.
    expect(health.drift).toMatchObject({ status: 'act', week: weekStart(new Date()).toISOString().slice(0, 10), applications: PER_WEEK });
    expect(health.drift.features).toEqual(expect.arrayContaining([expect.objectContaining({ feature: 'ficoScore', status: 'act' })]));
    expect(Date.parse(health.drift.checkedAt)).toBeGreaterThan(Date.now() - 60_000);
    // A new process (no report asked for yet) finds it by itself, in the background, without making /healthz wait.
    const fresh = createApp({ model, db: () => database.db, keyCacheMs: 0, driftReference: reference });
    const first = await json(await fresh.request('/healthz'));
    expect(first.ok).toBe(true);
    await vi.waitFor(async () => expect((await json(await fresh.request('/healthz'))).drift?.status).toBe('act'));
  });

  it('reads the thresholds from the policy in force', async () => {
    const put = await app.request('/v1/policy', {
      method: 'PUT',
      body: JSON.stringify({ ...DEFAULT_POLICY, driftWatchPsi: 5, driftActPsi: 9, driftMinApplications: 150 }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
    });
    expect(put.status).toBe(200);
    expect((await json(put)).policy).toMatchObject({ driftWatchPsi: 5, driftActPsi: 9, driftMinApplications: 150 });
    const body = await json(await get('/v1/monitoring/drift?weeks=2', adminKey));
    expect(body.thresholds).toEqual({ watch: 5, act: 9, minApplications: 150 });
    expect(body.weeks.every((w: any) => w.lowVolume)).toBe(true);
    expect((await json(await app.request('/healthz'))).drift).toBeUndefined();
    await app.request('/v1/policy', {
      method: 'PUT',
      body: JSON.stringify(DEFAULT_POLICY),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
    });
  });

  it('without a reference distribution drift monitoring is off: 404 saying how to make one, and /healthz says nothing of drift', async () => {
    const off = createApp({ model, db: () => database.db, keyCacheMs: 0 });
    const res = await off.request('/v1/monitoring/drift', { headers: { authorization: `Bearer ${adminKey}` } });
    expect(res.status).toBe(404);
    expect((await json(res)).error).toMatch(/npm run monitoring:reference/);
    expect(await json(await off.request('/healthz'))).toEqual({ ok: true, modelVersion: model.version, database: 'up' });
  });
});
