import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eq, inArray } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { activeModelVersions, seedModelRoles } from '../db/model-repository.ts';
import { outcomeRows } from '../db/outcome-repository.ts';
import { createKey, registerModel } from '../db/repository.ts';
import { auditLog, decisions, outcomes, shadowScores } from '../db/schema.ts';
import { createApp } from '../src/api/app.ts';
import { ModelRegistry } from '../src/app/model-registry.ts';
import { parseOutcomeDate } from '../src/app/outcomes.ts';
import type { Applicant } from '../src/applicant/schema.ts';
import { streamLendingClub } from '../src/data/lendingclub.ts';
import { brier, rocAuc } from '../src/evaluation/metrics.ts';
import { loadModel, modelLoader, readManifest } from '../src/model/load.ts';
import { importOutcomes, OutcomeFileError } from '../src/node/outcomes-cli.ts';
import { sampleApplicant } from './helpers.ts';
import { ENGINES, openTestDatabase } from './support/databases.ts';
import { widgetSession } from './support/widget-session.ts';

/**
 * Loan outcomes: recorded by the API (own applications only, admins any; idempotent, corrections
 * audited) and by CSV import (rejects listed by row with a plain reason); then read back with the PD
 * and decision behind each, and used by GET /v1/models for each version's ROC-AUC and Brier score.
 */

const load = modelLoader('models');
const champion = loadModel('models');
const challenger = load(readManifest('models').challenger!);
const json = async (res: Response): Promise<any> => res.json();
const run = promisify(execFile);
const today = new Date().toISOString().slice(0, 10);

/** The newest LendingClub loans, with how each really ended. */
async function loans(n: number): Promise<{ applicant: Applicant; bad: 0 | 1 }[]> {
  const out: { applicant: Applicant; bad: 0 | 1 }[] = [];
  for await (const loan of streamLendingClub('datasets/lendingclub_2007_2011.csv.gz')) {
    out.push({ applicant: loan.applicant, bad: loan.bad });
    if (out.length === n) break;
  }
  return out;
}

describe('outcome dates', () => {
  it('reads YYYY-MM-DD and ISO timestamps, and refuses days that do not exist', () => {
    expect(parseOutcomeDate('2025-03-31')).toBe('2025-03-31');
    expect(parseOutcomeDate(' 2025-03-31T23:30:00-02:00 ')).toBe('2025-04-01');
    for (const bad of ['2025-02-30', '31/03/2025', '2025-3-1', 'yesterday', '']) expect(parseOutcomeDate(bad)).toBeUndefined();
  });
});

describe.each(ENGINES)('loan outcomes on %s', (engine) => {
  let database: Database;
  let app: ReturnType<typeof createApp>;
  let scoreKey: string;
  let scoreKeyId: number;
  let otherKey: string;
  let adminKey: string;
  let book: { applicationId: string; decision: string; bad: 0 | 1 }[];

  const post = (path: string, body: unknown, key: string | undefined, headers: Record<string, string> = {}) =>
    app.request(path, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    });
  const outcome = (id: string, body: unknown, key = scoreKey) => post(`/v1/applications/${id}/outcome`, body, key);
  const auditFor = (id: string) => database.db.select().from(auditLog).where(eq(auditLog.subject, id)).orderBy(auditLog.id);

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    await registerModel(database.db, champion);
    await registerModel(database.db, challenger);
    await seedModelRoles(database.db, { champion: champion.version, challenger: challenger.version });
    const models = new ModelRegistry({ fallback: champion, load, read: () => activeModelVersions(database.db) });
    app = createApp({ model: champion, db: () => database.db, models, keyCacheMs: 0, widgetOrigins: ['https://widget.example'] });
    const score = await createKey(database.db, { name: 'partner', scope: 'score' }, 'test');
    scoreKey = score.key;
    scoreKeyId = score.record.id;
    otherKey = (await createKey(database.db, { name: 'other', scope: 'score' }, 'test')).key;
    adminKey = (await createKey(database.db, { name: 'admin', scope: 'admin' }, 'test')).key;
    book = [];
    for (const loan of await loans(120)) {
      const res = await post('/v1/score', loan.applicant, scoreKey);
      expect(res.status).toBe(200);
      const body = await json(res);
      book.push({ applicationId: body.applicationId, decision: body.decision, bad: loan.bad });
    }
  }, 120_000);
  afterAll(async () => {
    await database?.close();
  });

  const lent = () => book.filter((b) => b.decision !== 'decline');
  const declined = () => book.find((b) => b.decision === 'decline')!;

  it('records an outcome by API for its own application, once; a correction is audited with the previous one', async () => {
    const [first] = lent();
    const recorded = await outcome(first.applicationId, { outcome: 'repaid' });
    expect(recorded.status).toBe(200);
    expect(await json(recorded)).toMatchObject({
      applicationId: first.applicationId,
      outcome: 'repaid',
      at: today,
      status: 'recorded',
      recordedBy: `api-key:${scoreKeyId}`,
    });
    // The same again: nothing changes, nothing more is audited.
    expect(await json(await outcome(first.applicationId, { outcome: 'repaid' }))).toMatchObject({ status: 'unchanged', at: today });
    expect(await json(await outcome(first.applicationId, { outcome: 'repaid', at: today }))).toMatchObject({ status: 'unchanged' });
    expect((await auditFor(first.applicationId)).map((a) => a.action)).toEqual(['outcome.record']);
    // A correction: another outcome (the date kept unless given).
    const corrected = await json(await outcome(first.applicationId, { outcome: 'defaulted' }));
    expect(corrected).toMatchObject({ status: 'updated', outcome: 'defaulted', at: today, previous: { outcome: 'repaid', at: today } });
    const trail = await auditFor(first.applicationId);
    expect(trail.map((a) => [a.actor, a.action])).toEqual([
      [`api-key:${scoreKeyId}`, 'outcome.record'],
      [`api-key:${scoreKeyId}`, 'outcome.update'],
    ]);
    expect(trail[1].detail).toMatchObject({ outcome: 'defaulted', previous: { outcome: 'repaid' }, source: 'api' });
    // An admin key may record it for any application; another score key may not even see it.
    expect(await json(await outcome(first.applicationId, { outcome: 'repaid' }, adminKey))).toMatchObject({ status: 'updated', outcome: 'repaid' });
    expect((await outcome(first.applicationId, { outcome: 'repaid' }, otherKey)).status).toBe(404);
  });

  it('refuses what cannot be an outcome, in plain words', async () => {
    const [, second] = lent();
    const refused = async (res: Response, status: number, pattern: RegExp) => {
      expect(res.status).toBe(status);
      expect(JSON.stringify(await json(res))).toMatch(pattern);
    };
    await refused(await outcome(second.applicationId, { outcome: 'paid off' }), 400, /outcome/);
    await refused(await outcome(second.applicationId, { outcome: 'repaid', at: '2025-02-30' }), 400, /must be a date, YYYY-MM-DD/);
    await refused(await outcome(second.applicationId, { outcome: 'repaid', at: '2999-01-01' }), 400, /is in the future/);
    await refused(await outcome(second.applicationId, { outcome: 'repaid', at: '2001-01-01' }), 400, /before the application was decided/);
    await refused(await outcome(declined().applicationId, { outcome: 'repaid' }), 409, /declined, so no loan was made/);
    await refused(await outcome('00000000-0000-4000-8000-000000000000', { outcome: 'repaid' }), 404, /no application with this id/);
    await refused(await outcome('not-an-id', { outcome: 'repaid' }), 400, /id/);
    // The keyless widget may not record outcomes.
    const session = await widgetSession(app, 'https://widget.example/');
    const widget = await post(`/v1/applications/${second.applicationId}/outcome`, { outcome: 'repaid' }, undefined, {
      origin: 'https://widget.example',
      'x-widget-session': session,
    });
    expect(widget.status).toBe(403);
    // A superseded application passed its loan on to its counter-offer.
    const stretched = { ...sampleApplicant, loanAmount: 35_000, annualIncome: 45_000, ficoScore: 690, inquiries6m: 2 };
    const original = await json(await post('/v1/score', stretched, scoreKey));
    if (original.offer.counterOffer) {
      const accepted = await json(await post(`/v1/applications/${original.applicationId}/accept-counter-offer`, {}, scoreKey));
      await refused(
        await outcome(original.applicationId, { outcome: 'repaid' }),
        409,
        new RegExp(`accepted counter-offer \\(application ${accepted.applicationId}\\)`),
      );
      expect((await outcome(accepted.applicationId, { outcome: 'repaid' })).status).toBe(200);
    }
    expect(await database.db.select().from(outcomes).where(eq(outcomes.applicationId, second.applicationId))).toEqual([]);
  });

  it('imports outcomes from a CSV, listing each rejected row with its number and reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-outcomes-'));
    const rest = lent().slice(1);
    const rows = [
      'applicationId,outcome,date',
      ...rest.map((b) => `${b.applicationId},${b.bad ? 'defaulted' : 'Repaid'},${today}`),
      `${declined().applicationId},repaid,${today}`,
      '00000000-0000-4000-8000-000000000000,repaid,',
      `${rest[0].applicationId},repaid,${today}`,
      `${rest[1].applicationId.slice(0, 8)},repaid,`,
      `${declined().applicationId},written off,`,
      `${declined().applicationId},repaid,31/12/2025`,
    ];
    const file = join(dir, 'outcomes.csv');
    writeFileSync(file, `${rows.join('\n')}\n`);
    const report = await importOutcomes(database.db, file, 'cli:test');
    expect(report).toMatchObject({ rows: rows.length - 1, recorded: rest.length, updated: 0, unchanged: 0 });
    const first = rest.length + 2;
    expect(report.rejects.map((r) => [r.row, r.reason])).toEqual([
      [first, 'this application was declined, so no loan was made and there is no outcome to record'],
      [first + 1, 'no application with this id'],
      [first + 2, 'this application is already in the file at row 2'],
      [first + 3, `"${rest[1].applicationId.slice(0, 8)}" is not an application id (they look like 0f8e4a5c-…, 36 characters)`],
      [first + 4, 'the outcome "written off" is neither repaid nor defaulted'],
      [first + 5, 'the date "31/12/2025" is not a date written YYYY-MM-DD'],
    ]);
    // Run again: every outcome is already there.
    const again = await importOutcomes(database.db, file, 'cli:test');
    expect(again).toMatchObject({ recorded: 0, unchanged: rest.length });
    const audited = await database.db.select().from(auditLog).where(eq(auditLog.actor, 'cli:test'));
    expect(audited).toHaveLength(rest.length);
    expect(audited[0].detail).toMatchObject({ source: 'csv:outcomes.csv' });
    // A file without the columns, or none at all: one line.
    writeFileSync(join(dir, 'wrong.csv'), 'id,status\n1,2\n');
    await expect(importOutcomes(database.db, join(dir, 'wrong.csv'), 'cli:test')).rejects.toThrow(/must name the columns applicationId and outcome/);
    await expect(importOutcomes(database.db, join(dir, 'missing.csv'), 'cli:test')).rejects.toBeInstanceOf(OutcomeFileError);

    if (engine === 'postgres') {
      // The command itself: rejects on stdout with their rows, exit code 2 when some were rejected.
      writeFileSync(join(dir, 'cli.csv'), `applicationId,outcome\n${rest[0].applicationId},${rest[0].bad ? 'defaulted' : 'repaid'}\nnope,repaid\n`);
      const result = await run('npx', ['tsx', 'src/node/outcomes-cli.ts', '--file', join(dir, 'cli.csv'), '--rejects', join(dir, 'rejects.csv')], {
        env: { ...process.env, DATABASE_URL: database.url! },
      }).then(
        () => ({ code: 0, stdout: '' }),
        (error: { code: number; stdout: string }) => error,
      );
      expect(result.code).toBe(2);
      expect(result.stdout).toContain('row 3: "nope" is not an application id');
      expect(result.stdout).toMatch(/2 row\(s\): 0 recorded, 0 updated, 1 unchanged, 1 rejected/);
      expect(readFileSync(join(dir, 'rejects.csv'), 'utf8')).toMatch(/^row,applicationId,outcome,date,reason\n3,nope,repaid,,/);
    }
  }, 60_000);

  it('gives monitoring and the SGD policy (pd, decision, outcome, date) rows, and /v1/models the ROC-AUC and Brier of each version', async () => {
    const rows = await outcomeRows(database.db);
    const expected = lent().filter((b) => rows.some((r) => r.applicationId === b.applicationId));
    expect(rows.length).toBeGreaterThanOrEqual(lent().length - 1);
    for (const r of rows) {
      expect(r).toMatchObject({ modelVersion: champion.version, outcomeAt: today, bad: r.outcome === 'defaulted' ? 1 : 0 });
      expect(['approve', 'refer']).toContain(r.finalDecision);
      expect(r.pd).toBeGreaterThan(0);
      expect(r.amount).toBeGreaterThan(0);
    }
    // Oldest decision first: the order the loans were made.
    expect(rows.map((r) => r.decidedAt.getTime())).toEqual([...rows.map((r) => r.decidedAt.getTime())].sort((a, b) => a - b));
    expect(expected.length).toBeGreaterThan(50);

    const body = await json(await app.request('/v1/models', { headers: { authorization: `Bearer ${adminKey}` } }));
    expect(body.outcomes.recorded).toBe(rows.length);
    const ids = rows.map((r) => r.applicationId);
    const bad = new Map(rows.map((r) => [r.applicationId, r.bad]));
    // The champion on the PDs it decided with; the challenger on its shadow PDs for the same loans.
    const champ = body.versions.find((v: { version: string }) => v.version === champion.version).performance;
    const shadow = await database.db.select().from(shadowScores).where(inArray(shadowScores.applicationId, ids));
    const decided = await database.db.select().from(decisions).where(inArray(decisions.applicationId, ids));
    const perf = (list: { applicationId: string; pd: number }[]) => {
      const y = list.map((r) => bad.get(r.applicationId)!);
      const p = list.map((r) => r.pd);
      return { applications: list.length, defaulted: y.reduce<number>((s, v) => s + v, 0), rocAuc: rocAuc(y, p), brier: brier(y, p) };
    };
    const expectedChampion = perf(decided);
    expect(champ).toMatchObject({ applications: expectedChampion.applications, defaulted: expectedChampion.defaulted });
    expect(expectedChampion.defaulted).toBeGreaterThan(0);
    expect(champ.rocAuc).toBeCloseTo(expectedChampion.rocAuc, 4);
    expect(champ.brier).toBeCloseTo(expectedChampion.brier, 4);
    const chall = body.versions.find((v: { version: string }) => v.version === challenger.version).performance;
    const expectedChallenger = perf(shadow.filter((s) => s.modelVersion === challenger.version));
    expect(chall).toMatchObject({ applications: expectedChallenger.applications, defaulted: expectedChallenger.defaulted });
    expect(chall.rocAuc).toBeCloseTo(expectedChallenger.rocAuc, 4);
    expect(chall.brier).toBeCloseTo(expectedChallenger.brier, 4);
    // Real models on real outcomes: better than chance.
    expect(champ.rocAuc).toBeGreaterThan(0.55);
  });
});
