import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drizzle } from 'drizzle-orm/node-postgres';
import type { Database, Db } from '../db/client.ts';
import { serverPool } from '../db/pg-pool.ts';
import * as schema from '../db/schema.ts';
import { auditEntries, countDecisions, createKey, registerModel, revokeKey } from '../db/repository.ts';
import { createApp } from '../src/api/app.ts';
import { readEnv, widgetOrigins } from '../src/config/env.ts';
import { loadModel } from '../src/model/load.ts';
import { DEFAULT_POLICY } from '../src/scoring/policy.ts';
import { sampleApplicant } from './helpers.ts';
import { ENGINES, openTestDatabase } from './support/databases.ts';
import { widgetSession } from './support/widget-session.ts';

const model = loadModel('models');
const WIDGET = 'https://widget.example';

/** Response bodies are checked field by field. */
const json = async (res: Response): Promise<any> => res.json();

describe.each(ENGINES)('HTTP API on %s', (engine) => {
  let database: Database;
  let app: ReturnType<typeof createApp>;
  let scoreKey: string;
  let otherKey: string;
  let adminKey: string;
  let ok200 = 0;

  const score = async (body: unknown, headers: Record<string, string> = { authorization: `Bearer ${scoreKey}` }) => {
    const res = await app.request('/v1/score', {
      method: 'POST',
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...headers },
    });
    if (res.status === 200) ok200++;
    return res;
  };

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    await registerModel(database.db, model);
    app = createApp({ model, db: () => database.db, widgetOrigins: [WIDGET], keyCacheMs: 0 });
    scoreKey = (await createKey(database.db, { name: 'partner', scope: 'score' }, 'test')).key;
    otherKey = (await createKey(database.db, { name: 'other', scope: 'score' }, 'test')).key;
    adminKey = (await createKey(database.db, { name: 'admin', scope: 'admin' }, 'test')).key;
  });
  afterAll(async () => {
    await database?.close();
  });

  it('scores, decides, prices, explains and stores before answering', async () => {
    const res = await score(sampleApplicant);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ modelVersion: model.version, policyVersion: 1 });
    expect(body.applicationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(['approve', 'refer', 'decline']).toContain(body.decision);
    expect(body.reasons.length).toBeGreaterThan(0);
    expect(body.offer.apr).toBeGreaterThan(0.07);
    const stored = await json(await app.request(`/v1/applications/${body.applicationId}`, { headers: { authorization: `Bearer ${scoreKey}` } }));
    expect(stored.applicant).toEqual(sampleApplicant);
    expect(stored.decision).toMatchObject({ pd: body.pd, decision: body.decision, modelVersion: model.version, policyVersion: 1 });
    expect(stored.channel).toBe('api');
    // Only its own key (or an admin key) can read it back.
    expect((await app.request(`/v1/applications/${body.applicationId}`, { headers: { 'x-api-key': otherKey } })).status).toBe(404);
    expect((await app.request(`/v1/applications/${body.applicationId}`, { headers: { 'x-api-key': adminKey } })).status).toBe(200);
    expect((await app.request('/v1/applications/not-a-uuid', { headers: { 'x-api-key': adminKey } })).status).toBe(400);
  });

  it('answers 400 with every failing field and its rule, 413 for big bodies, 404 JSON for unknown routes', async () => {
    const bad = await score({ ...sampleApplicant, loanAmount: -1, termMonths: 12, ficoScore: 'high' });
    expect(bad.status).toBe(400);
    const issues = (await json(bad)).issues as { field: string; rule: string }[];
    expect(issues.map((i) => i.field).sort()).toEqual(['ficoScore', 'loanAmount', 'termMonths']);
    expect(issues.every((i) => i.rule.length > 3)).toBe(true);
    const malformed = await score('{"loanAmount": ');
    expect(malformed.status).toBe(400);
    expect(await json(malformed.clone())).toEqual({ error: 'invalid input', issues: [{ field: '(body)', rule: 'must be valid JSON' }] });
    // A field left out is "required", whatever rule it would break (an enum, a choice of terms).
    const { purpose: _p, termMonths: _t, ...partial } = sampleApplicant;
    const required = (await json(await score(partial))).issues as { field: string; rule: string }[];
    expect(required).toEqual(
      expect.arrayContaining([
        { field: 'purpose', rule: 'is required' },
        { field: 'termMonths', rule: 'is required' },
      ]),
    );
    expect(JSON.stringify(await json(malformed))).not.toMatch(/at .*\.ts:\d+/);
    expect((await score({ ...sampleApplicant, pad: 'x'.repeat(300_000) })).status).toBe(413);
    const missing = await app.request('/v1/nothing');
    expect(missing.status).toBe(404);
    expect(await json(missing)).toMatchObject({ error: 'not found' });
  });

  it('requires a valid, unrevoked key; the keyless widget only with its page’s session, from that page’s origin', async () => {
    expect((await score(sampleApplicant, {})).status).toBe(401);
    expect((await score(sampleApplicant, { authorization: 'Bearer lw_0000000000_nope-nope-nope-nope-nope-nope-nope' })).status).toBe(401);
    // The Origin header alone is not enough (test/widget-security.test.ts has the attacks).
    expect((await score(sampleApplicant, { origin: WIDGET })).status).toBe(401);
    const session = await widgetSession(app, `${WIDGET}/`);
    const widget = await score(sampleApplicant, { origin: WIDGET, 'x-widget-session': session });
    expect(widget.status).toBe(200);
    expect(widget.headers.get('access-control-allow-origin')).toBe(WIDGET);
    const id = (await json(widget)).applicationId;
    expect((await json(await app.request(`/v1/applications/${id}`, { headers: { 'x-api-key': adminKey } }))).channel).toBe('widget');
    expect((await score(sampleApplicant, { origin: 'https://evil.example' })).status).toBe(401);
    // Widget-scoped keys work only from their own origins.
    const { key: widgetKey } = await createKey(database.db, { name: 'lender site', scope: 'widget', allowedOrigins: ['https://lender.example'] }, 'test');
    expect((await score(sampleApplicant, { 'x-api-key': widgetKey, origin: 'https://lender.example' })).status).toBe(200);
    expect((await score(sampleApplicant, { 'x-api-key': widgetKey })).status).toBe(403);
    const { key, record } = await createKey(database.db, { name: 'short-lived', scope: 'score' }, 'test');
    expect((await score(sampleApplicant, { 'x-api-key': key })).status).toBe(200);
    await revokeKey(database.db, record.id, 'test');
    expect((await score(sampleApplicant, { 'x-api-key': key })).status).toBe(401);
  });

  it('trusts a verified key for a short while, then sees its revocation', async () => {
    const cached = createApp({ model, db: () => database.db, widgetOrigins: [WIDGET], keyCacheMs: 300 });
    const { key, record } = await createKey(database.db, { name: 'cached', scope: 'score' }, 'test');
    const call = () => cached.request('/v1/policy', { headers: { 'x-api-key': key } });
    expect((await call()).status).toBe(200);
    await revokeKey(database.db, record.id, 'test');
    expect((await call()).status).toBe(200);
    await new Promise((r) => setTimeout(r, 350));
    expect((await call()).status).toBe(401);
  });

  it('stores concurrent decisions in group commits, each answered after its commit', async () => {
    const before = await countDecisions(database.db);
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => score({ ...sampleApplicant, loanAmount: 1000 + i * 100 })));
    expect(answers.map((a) => a.status)).toEqual(new Array(40).fill(200));
    const ids = new Set(await Promise.all(answers.map(async (a) => (await json(a)).applicationId)));
    expect(ids.size).toBe(40);
    expect(await countDecisions(database.db)).toBe(before + 40);
  });

  it('rate-limits each key', async () => {
    const { key } = await createKey(database.db, { name: 'tiny', scope: 'score', ratePerMinute: 2 }, 'test');
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await score(sampleApplicant, { 'x-api-key': key })).status);
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('sets security headers and answers CORS preflights only for allowed origins', async () => {
    const res = await app.request('/healthz');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(await json(res)).toEqual({ ok: true, modelVersion: model.version, database: 'up' });
    const allowed = await app.request('/v1/score', { method: 'OPTIONS', headers: { origin: WIDGET, 'access-control-request-method': 'POST' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe(WIDGET);
    const refused = await app.request('/v1/score', { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('reads the policy from the database; admins change it without a deploy, audited', async () => {
    expect((await app.request('/v1/policy')).status).toBe(401);
    const current = await json(await app.request('/v1/policy', { headers: { 'x-api-key': scoreKey } }));
    expect(current.policy).toEqual(DEFAULT_POLICY);
    const put = (key: string, body: unknown) =>
      app.request('/v1/policy', { method: 'PUT', body: JSON.stringify(body), headers: { 'content-type': 'application/json', 'x-api-key': key } });
    expect((await put(scoreKey, DEFAULT_POLICY)).status).toBe(403);
    const invalid = await put(adminKey, { ...DEFAULT_POLICY, approveBelow: 0.5, declineAtOrAbove: 0.3 });
    expect(invalid.status).toBe(400);
    expect((await json(invalid)).issues[0].field).toBe('approveBelow');
    const lenient = await json(await put(adminKey, { ...DEFAULT_POLICY, approveBelow: 0.95, declineAtOrAbove: 0.99 }));
    expect(lenient.version).toBe(2);
    const decided = await json(await score({ ...sampleApplicant, ficoScore: 640, inquiries6m: 6 }));
    expect(decided).toMatchObject({ decision: 'approve', policyVersion: 2 });
    expect((await auditEntries(database.db, 20)).some((e) => e.action === 'policy.set' && e.subject === '2')).toBe(true);
    await put(adminKey, DEFAULT_POLICY);
  });

  it('publishes an OpenAPI document generated from the schemas, and docs', async () => {
    const doc = await json(await app.request('/openapi.json'));
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/score', '/v1/applications/{id}', '/v1/models/current', '/healthz', '/v1/policy']));
    const body = doc.paths['/v1/score'].post.requestBody.content['application/json'].schema;
    const applicant = body.$ref ? doc.components.schemas[body.$ref.split('/').pop()] : body;
    expect(applicant.properties.ficoScore).toMatchObject({ minimum: 300, maximum: 850 });
    expect(applicant.required).toContain('loanAmount');
    const docs = await app.request('/docs');
    expect(await docs.text()).toContain('SwaggerUIBundle');
    expect((await json(await app.request('/v1/models/current'))).metrics.test.champion.rocAuc).toBeGreaterThanOrEqual(0.735);
  });

  it('reduces raw transactions to behavioural features and a hash before scoring and storing', async () => {
    const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
    const transactions = [
      { date: day(70), amount: 2500, balance: 2600, description: 'Salary' },
      { date: day(65), amount: -900, balance: 1700, description: 'Rent' },
      { date: day(40), amount: 2500, balance: 4200, description: 'Salary' },
      { date: day(35), amount: -4500, balance: -300, description: 'Holiday' },
      { date: day(34), amount: -30, balance: -330, description: 'Overdraft fee' },
      { date: day(10), amount: 2500, balance: 2170, description: 'Salary' },
    ];
    const res = await score({ ...sampleApplicant, alternativeData: { transactions } });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.behaviour).toMatchObject({ source: 'statement' });
    expect(body.behaviour.signals.length).toBeGreaterThan(0);
    expect(body.behaviour.signals.some((s: { code: string; direction: string }) => s.code === 'episodesBelowZero' && s.direction === 'raised')).toBe(true);
    const stored = await json(await app.request(`/v1/applications/${body.applicationId}`, { headers: { 'x-api-key': adminKey } }));
    expect(Object.keys(stored.applicant.alternativeData).sort()).toEqual(['behaviour', 'statementSha256']);
    expect(stored.applicant.alternativeData.behaviour).toMatchObject({ penaltyCharges: 1, episodesBelowZero: 1 });
    expect(JSON.stringify(stored)).not.toContain('Holiday');
    expect(stored.decision.behaviour.source).toBe('statement');
    // Only when the lender's policy says so are the raw transactions kept.
    const put = (body: unknown) =>
      app.request('/v1/policy', { method: 'PUT', body: JSON.stringify(body), headers: { 'content-type': 'application/json', 'x-api-key': adminKey } });
    expect((await put({ ...DEFAULT_POLICY, storeRawTransactions: true })).status).toBe(200);
    const kept = await json(await score({ ...sampleApplicant, alternativeData: { transactions } }));
    const keptRow = await json(await app.request(`/v1/applications/${kept.applicationId}`, { headers: { 'x-api-key': adminKey } }));
    expect(keptRow.applicant.alternativeData.transactions).toEqual(transactions);
    // Text the database could not store is refused up front, naming the field.
    for (const description of ['pay\u0000day', 'half \uD83D pair']) {
      const refused = await score({ ...sampleApplicant, alternativeData: { transactions: [{ ...transactions[0], description }] } });
      expect(refused.status).toBe(400);
      expect((await json(refused)).issues[0]).toMatchObject({
        field: 'alternativeData.transactions.0.description',
        rule: expect.stringMatching(/no NUL characters and no broken Unicode/),
      });
    }
    await put(DEFAULT_POLICY);
    const bad = await score({ ...sampleApplicant, alternativeData: { transactions: [{ date: '2001-01-01', amount: 5 }] } });
    expect(bad.status).toBe(400);
    expect((await json(bad)).issues[0]).toMatchObject({
      field: 'alternativeData.transactions',
      rule: expect.stringMatching(/no transactions in the months before/),
    });
  });

  it('turns an uploaded CSV statement into features without storing it', async () => {
    const csv =
      'Date,Description,Paid out,Paid in,Balance\n' +
      [60, 30, 5].map((d) => `${new Date(Date.now() - d * 86_400_000).toISOString().slice(0, 10)},Wages,,2000,${5000 - d}`).join('\n');
    const res = await app.request('/v1/statements', { method: 'POST', body: csv, headers: { 'content-type': 'text/csv', 'x-api-key': scoreKey } });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.transactions).toBe(3);
    expect(body.behaviour.regularIncome).toBe(2000);
    expect(body.statementSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(body.statementId).toMatch(/^[0-9a-f-]{36}$/);
    const scored = await json(await score({ ...sampleApplicant, alternativeData: { statementId: body.statementId } }));
    expect(scored.behaviour.source).toBe('statement');
    const mapped = await app.request('/v1/statements?columns=date=Posted,amount=Value', {
      method: 'POST',
      body: csv.replace('Date', 'Posted').replace('Paid in', 'Value').replace('Paid out', 'Unused'),
      headers: { 'content-type': 'text/csv', 'x-api-key': scoreKey },
    });
    expect(mapped.status).toBe(200);
    expect(
      (await app.request('/v1/statements?columns=when:Posted', { method: 'POST', body: csv, headers: { 'content-type': 'text/csv', 'x-api-key': scoreKey } }))
        .status,
    ).toBe(400);
    const broken = await app.request('/v1/statements', {
      method: 'POST',
      body: 'Date,Amount\n2024-01-01,ten\n',
      headers: { 'content-type': 'text/csv', 'x-api-key': scoreKey },
    });
    expect(broken.status).toBe(400);
    expect((await json(broken)).issues).toEqual([{ field: 'statement', rule: 'row 2, column "Amount": not an amount' }]);
  });

  it('stored one decision for every 200 answer', async () => {
    expect(await countDecisions(database.db)).toBe(ok200);
  });
});

describe('when the database is down', () => {
  it('answers 503, says so, and stores nothing (PGlite closed)', async () => {
    const database = await openTestDatabase('pglite');
    await registerModel(database.db, model);
    const app = createApp({ model, db: () => database.db, widgetOrigins: [WIDGET] });
    await database.close();
    const session = await widgetSession(app, `${WIDGET}/`);
    const res = await app.request('/v1/score', {
      method: 'POST',
      body: JSON.stringify(sampleApplicant),
      headers: { 'content-type': 'application/json', origin: WIDGET, 'x-widget-session': session },
    });
    expect(res.status).toBe(503);
    expect((await json(res)).error).toMatch(/storage unavailable: nothing was stored/);
    // Alive (a restart would not bring the database back), not ready.
    expect(await json(await app.request('/healthz'))).toMatchObject({ ok: true, database: 'down' });
    expect((await app.request('/readyz')).status).toBe(503);
  });

  it('answers 503 when the PostgreSQL server cannot be reached', async () => {
    const client = serverPool('postgres://postgres@127.0.0.1:1/none', { max: 1, connectionTimeoutMillis: 2000 });
    const db = drizzle({ client, schema }) as unknown as Db;
    const app = createApp({ model, db: () => db, widgetOrigins: [WIDGET] });
    const res = await app.request('/v1/score', {
      method: 'POST',
      body: JSON.stringify(sampleApplicant),
      headers: { 'content-type': 'application/json', authorization: 'Bearer lw_0123456789_abcdefghijklmnopqrstuvwxyz0123456789' },
    });
    expect(res.status).toBe(503);
    await client.end();
  });
});

describe('configuration', () => {
  it('validates the environment and names the variable', () => {
    expect(readEnv({}).PORT).toBe(8787);
    expect(() => readEnv({ PORT: 'eighty' })).toThrow(/PORT: /);
    expect(() => readEnv({ PORT: '70000' })).toThrow(/PORT: must be at most 65,535/);
    expect(() => readEnv({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL: must be a postgres/);
    expect(() => readEnv({ WIDGET_ORIGINS: 'https://a.example/path' })).toThrow(/WIDGET_ORIGINS/);
    expect(widgetOrigins(readEnv({ PORT: '9000', WIDGET_ORIGINS: 'https://a.example' }))).toEqual(
      expect.arrayContaining(['http://127.0.0.1:9000', 'http://localhost:9000', 'https://a.example']),
    );
  });
});
