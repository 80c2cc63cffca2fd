import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { MIGRATIONS } from '../db/client.ts';
import * as schema from '../db/schema.ts';
import { createBot } from '../bot/bot.ts';
import type { Database } from '../db/client.ts';
import { databaseStore } from '../db/decision-store.ts';
import { activeModelVersions, seedModelRoles } from '../db/model-repository.ts';
import { auditEntries, createKey, currentPolicy, registerModel } from '../db/repository.ts';
import { auditLog, decisions, modelVersions, shadowScores } from '../db/schema.ts';
import { createApp } from '../src/api/app.ts';
import { decisionService } from '../src/app/decide.ts';
import { ModelRegistry } from '../src/app/model-registry.ts';
import type { Applicant } from '../src/applicant/schema.ts';
import { streamLendingClub } from '../src/data/lendingclub.ts';
import { loadModel, modelLoader, readManifest } from '../src/model/load.ts';
import type { LoadedModel } from '../src/model/model.ts';
import { shadowAssess } from '../src/scoring/assess.ts';
import { sampleApplicant } from './helpers.ts';
import { ENGINES, openTestDatabase } from './support/databases.ts';
import { FakeTelegram, TEST_BOT_INFO, textUpdate } from './support/fake-telegram.ts';

/**
 * Champion/challenger in production: the challenger named in models/manifest.json scores every live
 * application in shadow (stored beside the decision, never changing it), and admins promote and roll
 * back — through the API or the bot, audited — with every process deciding with the new champion
 * within its roles cache, without a restart.
 */

const manifest = readManifest('models');
const load = modelLoader('models');
const champion = loadModel('models');
const challenger = load(manifest.challenger!);
const json = async (res: Response): Promise<any> => res.json();

/** Real applicants: the newest LendingClub loans (out of time for both models), a few with bank answers. */
async function applicants(n: number): Promise<Applicant[]> {
  const out: Applicant[] = [];
  for await (const loan of streamLendingClub('datasets/lendingclub_2007_2011.csv.gz')) {
    const i = out.length;
    out.push(
      i % 5 === 0
        ? { ...loan.applicant, alternativeData: { monthlyIncomeDeposits: 3_000 + 100 * i, monthlySpending: 2_600, overdraftMonths12m: i % 3 } }
        : loan.applicant,
    );
    if (out.length === n) break;
  }
  return out;
}

/** Two processes' worth of registry: the same database, each its own roles cache. */
const registry = (database: Database, ttlMs: number) =>
  new ModelRegistry({ fallback: champion, load, read: () => activeModelVersions(database.db), ttlMs, warn: () => {} });

describe('the shipped challenger', () => {
  it('is a real model of its own, trained by the repository trainer and loadable like the champion', () => {
    expect(manifest.challenger).toMatch(/^pd-/);
    expect(challenger.version).not.toBe(champion.version);
    expect(challenger.spec.kind).toBe('applicant');
    // The same bank-account evidence model, so both weigh the same evidence.
    expect(challenger.behaviour).toEqual(champion.behaviour);
    expect(challenger.metrics.test.champion.rocAuc).toBeGreaterThan(0.7);
  });
});

describe('a database made before model roles (migration 0011)', () => {
  it('keeps its model versions, retired, and takes the manifest roles at its next start', async () => {
    const old = mkdtempSync(join(tmpdir(), 'lw-migrations-'));
    cpSync(MIGRATIONS, old, { recursive: true });
    const journal = JSON.parse(readFileSync(join(old, 'meta', '_journal.json'), 'utf8'));
    journal.entries = journal.entries.slice(0, journal.entries.findIndex((e: { tag: string }) => e.tag === '0010_bot_update_queue') + 1);
    writeFileSync(join(old, 'meta', '_journal.json'), JSON.stringify(journal));
    const client = new PGlite();
    try {
      const db = drizzle({ client, schema }) as unknown as Database['db'];
      await migrate(db as never, { migrationsFolder: old });
      await db.execute(sql`insert into model_versions (version, kind, metrics) values (${champion.version}, 'applicant', '{}'), ('pd-old', 'applicant', '{}')`);
      await migrate(db as never, { migrationsFolder: MIGRATIONS });
      expect((await db.select({ role: modelVersions.role }).from(modelVersions)).map((r) => r.role)).toEqual(['retired', 'retired']);
      expect(await activeModelVersions(db)).toEqual({ champion: null, challenger: null });
      await registerModel(db, challenger);
      expect(await seedModelRoles(db, { champion: champion.version, challenger: challenger.version })).toBe(true);
      expect(await activeModelVersions(db)).toEqual({ champion: champion.version, challenger: challenger.version });
    } finally {
      await client.close();
      rmSync(old, { recursive: true, force: true });
    }
  });
});

describe.each(ENGINES)('champion and challenger on %s', (engine) => {
  let database: Database;
  let adminKey: string;
  let adminKeyId: number;
  let scoreKey: string;
  let people: Applicant[];

  const post = (app: ReturnType<typeof createApp>, path: string, body: unknown, key: string, headers: Record<string, string> = {}) =>
    app.request(path, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
    });
  const shadowOf = async (ids: string[]) => database.db.select().from(shadowScores).where(inArray(shadowScores.applicationId, ids));

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    await registerModel(database.db, champion);
    await registerModel(database.db, challenger);
    expect(await seedModelRoles(database.db, { champion: champion.version, challenger: challenger.version })).toBe(true);
    // Seeding is for the first start only: the database decides afterwards.
    expect(await seedModelRoles(database.db, { champion: challenger.version })).toBe(false);
    const admin = await createKey(database.db, { name: 'admin', scope: 'admin' }, 'test');
    adminKey = admin.key;
    adminKeyId = admin.record.id;
    scoreKey = (await createKey(database.db, { name: 'partner', scope: 'score' }, 'test')).key;
    people = await applicants(60);
  }, 60_000);
  afterAll(async () => {
    await database?.close();
  });

  it("stores the challenger's shadow scores and never changes a decision", async () => {
    const withChallenger = createApp({ model: champion, db: () => database.db, models: registry(database, 1_000), keyCacheMs: 0 });
    // The same champion, with no challenger at all.
    const alone = createApp({
      model: champion,
      db: () => database.db,
      models: new ModelRegistry({ fallback: champion, read: async () => ({ champion: champion.version, challenger: null }) }),
      keyCacheMs: 0,
    });
    const policy = (await currentPolicy(database.db)).policy;
    const shadowIds: string[] = [];
    const aloneIds: string[] = [];
    // Concurrently, so the group commit writes shadow rows for whole batches.
    const answers = await Promise.all(
      people.map(async (person) => {
        const [a, b] = await Promise.all([post(withChallenger, '/v1/score', person, scoreKey), post(alone, '/v1/score', person, scoreKey)]);
        expect(a.status).toBe(200);
        expect(b.status).toBe(200);
        return [await json(a), await json(b)];
      }),
    );
    for (const [a, b] of answers) {
      shadowIds.push(a.applicationId);
      aloneIds.push(b.applicationId);
      const { applicationId: _a, ...decidedWith } = a;
      const { applicationId: _b, ...decidedAlone } = b;
      // Everything the applicant sees is the same, to the last digit: the champion decided both.
      expect(decidedWith).toEqual(decidedAlone);
      expect(decidedWith.modelVersion).toBe(champion.version);
    }
    // A keyed (unbatched) write and an accepted counter-offer are shadow-scored too.
    const keyed = await json(await post(withChallenger, '/v1/score', people[1], scoreKey, { 'idempotency-key': 'shadow-keyed-0001' }));
    shadowIds.push(keyed.applicationId);
    const stretched = { ...sampleApplicant, loanAmount: 35_000, annualIncome: 45_000, ficoScore: 690, inquiries6m: 2 };
    const original = await json(await post(withChallenger, '/v1/score', stretched, scoreKey));
    shadowIds.push(original.applicationId);
    if (original.offer.counterOffer) {
      const accepted = await json(await post(withChallenger, `/v1/applications/${original.applicationId}/accept-counter-offer`, {}, scoreKey));
      shadowIds.push(accepted.applicationId);
    }

    const rows = await shadowOf(shadowIds);
    expect(rows).toHaveLength(shadowIds.length);
    expect(new Set(rows.map((r) => r.modelVersion))).toEqual(new Set([challenger.version]));
    expect(await shadowOf(aloneIds)).toEqual([]);
    // Each row is what the challenger says about the stored application, under the same policy.
    const byId = new Map(answers.map(([a], i) => [a.applicationId as string, people[i]]));
    let differs = 0;
    for (const row of rows.filter((r) => byId.has(r.applicationId))) {
      const expected = shadowAssess(challenger, policy, byId.get(row.applicationId)!);
      expect(row.pd).toBeCloseTo(expected.pd, 12);
      expect(row).toMatchObject({ score: expected.score, decision: expected.decision });
      const [decision] = await database.db.select().from(decisions).where(eq(decisions.applicationId, row.applicationId));
      if (Math.abs(decision.pd - row.pd) > 1e-9) differs++;
    }
    // A different model: its PDs are not the champion's.
    expect(differs).toBeGreaterThan(people.length / 2);
  }, 60_000);

  it('decides just the same when the challenger throws or its scores cannot be stored', async () => {
    // A broken challenger: its trees are missing, so scoring it throws.
    const broken: LoadedModel = { ...challenger, trees: undefined };
    const throwing = decisionService({
      model: champion,
      store: databaseStore(() => database.db),
      models: new ModelRegistry({ fallback: champion, load: () => broken, read: async () => ({ champion: champion.version, challenger: challenger.version }) }),
    });
    // A challenger the database does not know: its shadow row breaks a foreign key, inside the decision's transaction.
    const unknown: LoadedModel = { ...challenger, version: 'pd-not-registered' };
    const unstorable = (batchWrites: boolean) =>
      decisionService({
        model: champion,
        store: databaseStore(() => database.db, { batchWrites }),
        models: new ModelRegistry({ fallback: champion, load: () => unknown, read: async () => ({ champion: champion.version, challenger: unknown.version }) }),
      });
    const warn = console.warn;
    console.warn = () => {};
    try {
      const caller = { owner: 'key:test', channel: 'api' as const, trustedEvidence: false };
      const reference = decisionService({
        model: champion,
        store: databaseStore(() => database.db),
        models: new ModelRegistry({ fallback: champion, read: async () => ({ champion: champion.version, challenger: null }) }),
      });
      const expected = (await reference.decide({ applicant: people[2], caller })).assessment;
      for (const [service, key] of [
        [throwing, undefined],
        [unstorable(true), undefined],
        [unstorable(false), 'unstorable-keyed-01'],
      ] as const) {
        const answer = await service.decide({ applicant: people[2], caller, ...(key ? { idempotencyKey: key } : {}) });
        expect(answer.assessment).toEqual(expected);
        const [stored] = await database.db.select().from(decisions).where(eq(decisions.applicationId, answer.applicationId));
        expect(stored.pd).toBe(expected.pd);
        expect(await shadowOf([answer.applicationId])).toEqual([]);
      }
      expect(throwing.shadowFailures()).toBe(1);
    } finally {
      console.warn = warn;
    }
  });

  it('shows live agreement and score shift in GET /v1/models (admin keys only)', async () => {
    const app = createApp({ model: champion, db: () => database.db, models: registry(database, 1_000), keyCacheMs: 0 });
    expect((await app.request('/v1/models', { headers: { authorization: `Bearer ${scoreKey}` } })).status).toBe(403);
    expect((await app.request('/v1/models')).status).toBe(401);
    const res = await app.request('/v1/models', { headers: { authorization: `Bearer ${adminKey}` } });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({
      champion: champion.version,
      challenger: challenger.version,
      servingHere: { champion: champion.version, challenger: challenger.version },
    });
    const c = body.versions.find((v: { version: string }) => v.version === challenger.version);
    expect(c).toMatchObject({ role: 'challenger', kind: 'applicant', availableHere: true, performance: null });
    expect(c.offline.rocAuc).toBeCloseTo(challenger.metrics.test.champion.rocAuc, 6);
    // Recomputed here from the stored rows: the share of the same decision and the mean score shift.
    const pairs = await database.db
      .select({ s: shadowScores, d: decisions })
      .from(shadowScores)
      .innerJoin(decisions, eq(decisions.applicationId, shadowScores.applicationId))
      .where(and(eq(shadowScores.modelVersion, challenger.version), eq(decisions.modelVersion, champion.version)));
    const compared = c.live.comparedWithChampion;
    expect(compared.applications).toBe(pairs.length);
    expect(c.live.shadowScored).toBe(pairs.length);
    expect(compared.agreement).toBeCloseTo(pairs.filter((p) => p.s.decision === p.d.decision).length / pairs.length, 4);
    const shifts = pairs.map((p) => p.s.score - p.d.score);
    expect(compared.scoreShift.mean).toBeCloseTo(shifts.reduce((a, b) => a + b, 0) / shifts.length, 2);
    expect(compared.scoreShift.min).toBe(Math.min(...shifts));
    expect(compared.scoreShift.max).toBe(Math.max(...shifts));
    expect(compared.scoreShift.histogram.reduce((s: number, h: { count: number }) => s + h.count, 0)).toBe(pairs.length);
    const tab = Object.values(compared.decisions as Record<string, Record<string, number>>).flatMap((r) => Object.values(r));
    expect(tab.reduce((a, b) => a + b, 0)).toBe(pairs.length);
    const champ = body.versions.find((v: { version: string }) => v.version === champion.version);
    expect(champ).toMatchObject({ role: 'champion', live: { comparedWithChampion: null } });
    expect(champ.live.decided).toBeGreaterThanOrEqual(pairs.length);
    // /v1/models/current and /healthz name the champion in force.
    expect((await json(await app.request('/v1/models/current'))).version).toBe(champion.version);
  });

  it('promotes and rolls back through one process, audited, and another decides with the new champion within its cache', async () => {
    const TTL = 400;
    const one = createApp({ model: champion, db: () => database.db, models: registry(database, TTL), keyCacheMs: 0 });
    const two = createApp({ model: champion, db: () => database.db, models: registry(database, TTL), keyCacheMs: 0 });
    const versionFrom = async (app: ReturnType<typeof createApp>) => {
      const res = await post(app, '/v1/score', sampleApplicant, scoreKey);
      expect(res.status).toBe(200);
      return (await json(res)).modelVersion as string;
    };
    const untilDecidedBy = async (app: ReturnType<typeof createApp>, version: string) => {
      const started = Date.now();
      while ((await versionFrom(app)) !== version) {
        if (Date.now() - started > TTL + 1_000) throw new Error(`still not deciding with ${version}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return Date.now() - started;
    };
    expect(await versionFrom(one)).toBe(champion.version);
    expect(await versionFrom(two)).toBe(champion.version);

    // Refusals first: not an admin, an unknown version, the champion itself.
    expect((await post(one, `/v1/models/${challenger.version}/promote`, {}, scoreKey)).status).toBe(403);
    const unknown = await post(one, '/v1/models/pd-nothing-0000/promote', {}, adminKey);
    expect(unknown.status).toBe(404);
    expect((await json(unknown)).error).toMatch(/no model version pd-nothing-0000/);
    expect((await post(one, `/v1/models/${champion.version}/promote`, {}, adminKey)).status).toBe(409);

    const promoted = await post(one, `/v1/models/${challenger.version}/promote`, {}, adminKey);
    expect(promoted.status).toBe(200);
    // The old champion becomes the challenger: still scored in shadow, and what a rollback brings back.
    expect(await json(promoted)).toEqual({
      champion: challenger.version,
      challenger: champion.version,
      previous: { champion: champion.version, challenger: challenger.version },
    });
    // The process that promoted decides with the new champion at once; the other within its cache's TTL.
    expect(await versionFrom(one)).toBe(challenger.version);
    expect(await untilDecidedBy(two, challenger.version)).toBeLessThan(TTL + 500);
    const afterPromotion = await json(await post(two, '/v1/score', people[3], scoreKey));
    const [shadowed] = await shadowOf([afterPromotion.applicationId]);
    expect(shadowed.modelVersion).toBe(champion.version);

    // Rolled back through the other process: the first picks it up within its TTL.
    const rolledBack = await post(two, '/v1/models/rollback', {}, adminKey);
    expect(rolledBack.status).toBe(200);
    expect(await json(rolledBack)).toMatchObject({ champion: champion.version, challenger: challenger.version });
    expect(await versionFrom(two)).toBe(champion.version);
    expect(await untilDecidedBy(one, champion.version)).toBeLessThan(TTL + 500);
    // Nothing more to undo.
    const again = await post(one, '/v1/models/rollback', {}, adminKey);
    expect(again.status).toBe(409);
    expect((await json(again)).error).toMatch(/no promotion to roll back/);

    const audited = await database.db
      .select()
      .from(auditLog)
      .where(inArray(auditLog.action, ['model.promote', 'model.rollback']));
    expect(audited.map((a) => [a.actor, a.action, a.subject])).toEqual([
      [`api-key:${adminKeyId}`, 'model.promote', challenger.version],
      [`api-key:${adminKeyId}`, 'model.rollback', champion.version],
    ]);
    expect(audited[0].detail).toMatchObject({ champion: challenger.version, challenger: champion.version, previous: { champion: champion.version } });
    const overview = await json(await one.request('/v1/models', { headers: { authorization: `Bearer ${adminKey}` } }));
    expect(overview.changes.map((c: { action: string }) => c.action).slice(0, 3)).toEqual(['rollback', 'promote', 'seed']);
    expect(await activeModelVersions(database.db)).toEqual({ champion: champion.version, challenger: challenger.version });
  }, 30_000);

  it('lets lenders promote, roll back and see the challenger from the bot, audited with who did it', async () => {
    const ADMIN = 9101;
    const fake = await new FakeTelegram().start();
    try {
      const db = () => database.db;
      const decisions = decisionService({ model: champion, store: databaseStore(db), models: registry(database, 60_000) });
      const bot = createBot({ db, model: champion, decisions, admins: [ADMIN] }, { token: '123456:TEST-TOKEN', botInfo: TEST_BOT_INFO, apiRoot: fake.url });
      const app = createApp({ model: champion, db, decisions, telegram: { bot, secretToken: 'secret-1' } });
      const send = async (text: string, user = ADMIN) => {
        const res = await app.request('/telegram/webhook', {
          method: 'POST',
          body: JSON.stringify(textUpdate(user, text)),
          headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 'secret-1' },
        });
        expect(res.status).toBe(200);
        return fake.textsTo(user).at(-1) ?? '';
      };
      const shown = await send('/model');
      expect(shown).toContain(`Model ${champion.version}`);
      expect(shown).toMatch(new RegExp(`Challenger ${challenger.version} \\(in shadow, never deciding\\)`));
      expect(shown).toMatch(/would have made the same decision \d+\.\d% of the time/);
      expect(await send(`/model promote ${challenger.version}`, 9999)).toMatch(/not allowed/);
      expect(await send('/model promote')).toMatch(/\/model promote VERSION/);
      const promoted = await send(`/model promote ${challenger.version}`);
      expect(promoted).toMatch(new RegExp(`Champion \\(deciding\\): ${challenger.version} \\(was ${champion.version}\\)`));
      // This process's cache is long (60 s), yet it decides with the new champion at once: the change dropped it.
      const caller = { owner: 'key:test', channel: 'api' as const, trustedEvidence: false };
      expect((await decisions.decide({ applicant: sampleApplicant, caller })).assessment.modelVersion).toBe(challenger.version);
      expect(await send('/model rollback')).toMatch(new RegExp(`Champion \\(deciding\\): ${champion.version}`));
      expect(await send(`/model promote ${champion.version}`)).toMatch(/Not changed: .* is already the champion/);
      const actions = (await auditEntries(database.db, 20)).filter((e) => e.actor === `tg:${ADMIN}`).map((e) => `${e.action} ${e.subject ?? ''}`.trim());
      expect(actions).toEqual(expect.arrayContaining([`model.promote ${challenger.version}`, `model.rollback ${champion.version}`, 'bot.model']));
    } finally {
      await fake.stop();
    }
  });
});
