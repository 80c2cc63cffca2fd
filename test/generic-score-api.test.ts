import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from '../db/client.ts';
import { createKey, registerModel } from '../db/repository.ts';
import { createApp } from '../src/api/app.ts';
import { NO_GENERIC_MODEL } from '../src/api/routes/generic.ts';
import type { CsvRecord } from '../src/data/csv.ts';
import { loadModel } from '../src/model/load.ts';
import { estimatePd, type LoadedModel } from '../src/model/model.ts';
import { loadPromotedGeneric, promoteGeneric } from '../src/node/generic-model.ts';
import { riskBand } from '../src/scoring/policy.ts';
import { pdToScore } from '../src/scoring/scale.ts';
import { germanRecords, tempModels, writeGenericModel } from './support/generic-model.ts';
import { openTestDatabase } from './support/databases.ts';
import { widgetSession } from './support/widget-session.ts';

/**
 * POST /v1/models/generic/score against a generic model written without the trainer (the
 * trainer has its own tests), promoted in a temporary copy of models/ exactly as
 * `npm run score -- --promote` does, and loaded the way the server loads it.
 */

const WIDGET = 'https://widget.example';
const json = async (res: Response): Promise<any> => res.json();

describe('generic model scoring over HTTP', () => {
  let tmp: string;
  let models: string;
  let generic: LoadedModel;
  let database: Database;
  let app: ReturnType<typeof createApp>;
  let bare: ReturnType<typeof createApp>;
  let key: string;
  let sample: CsvRecord[];
  let columns: string[];
  /** The temporary manifest before promoting. */
  let before: Record<string, unknown>;

  /** A German Credit row as the JSON body: numbers for numeric columns, text for categories. */
  const body = (record: CsvRecord): Record<string, unknown> => {
    if (generic.spec.kind !== 'generic') throw new Error('not generic');
    return Object.fromEntries(generic.spec.columns.map((c) => [c.name, c.type === 'numeric' ? Number(record[c.name]) : record[c.name]]));
  };
  const post = (target: ReturnType<typeof createApp>, payload: unknown, headers: Record<string, string> = { authorization: `Bearer ${key}` }) =>
    target.request('/v1/models/generic/score', { method: 'POST', body: JSON.stringify(payload), headers: { 'content-type': 'application/json', ...headers } });

  beforeAll(async () => {
    ({ dir: tmp, models } = tempModels('lw-generic-api-'));
    const version = await writeGenericModel(models);
    expect(loadPromotedGeneric(models)).toBeUndefined();
    before = JSON.parse(readFileSync(join(models, 'manifest.json'), 'utf8'));
    promoteGeneric(models, version);
    generic = loadPromotedGeneric(models)!;
    expect(generic.version).toBe(version);
    if (generic.spec.kind !== 'generic') throw new Error('the promoted model is not generic');
    columns = generic.spec.columns.map((c) => c.name);
    sample = await germanRecords(25);
    database = await openTestDatabase('pglite');
    const model = loadModel(models);
    await registerModel(database.db, model);
    app = createApp({ model, genericModel: generic, db: () => database.db, widgetOrigins: [WIDGET], keyCacheMs: 0 });
    bare = createApp({ model, db: () => database.db, widgetOrigins: [WIDGET], keyCacheMs: 0 });
    key = (await createKey(database.db, { name: 'partner', scope: 'score' }, 'test')).key;
  });
  afterAll(async () => {
    await database?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('promoting records the model in the manifest and leaves the applicant model and the rest alone', () => {
    const manifest = JSON.parse(readFileSync(join(models, 'manifest.json'), 'utf8'));
    expect(manifest).toEqual({
      ...before,
      generic: generic.version,
      versions: [...(before.versions as unknown[]), { version: generic.version, kind: 'generic', data: 'german_credit.csv' }],
    });
    expect(() => promoteGeneric(models, manifest.current)).toThrow(/is an applicant model/);
    expect(() => promoteGeneric(models, 'no-such-model')).toThrow(/no model version "no-such-model"/);
    expect(JSON.parse(readFileSync(join(models, 'manifest.json'), 'utf8')).generic).toBe(generic.version);
  });

  it('answers pd, score, risk band and version, the same as estimatePd on the record', async () => {
    const pds = new Set<number>();
    for (const record of sample) {
      const res = await post(app, body(record));
      expect(res.status).toBe(200);
      const answer = await json(res);
      const expected = estimatePd(generic, record).pd;
      expect(answer).toEqual({ pd: expected, score: pdToScore(expected), riskBand: riskBand(expected), modelVersion: generic.version });
      expect(answer.pd).toBeGreaterThanOrEqual(0);
      expect(answer.pd).toBeLessThanOrEqual(1);
      pds.add(answer.pd);
    }
    // The answer depends on the record, not only on the model.
    expect(pds.size).toBeGreaterThan(10);
  });

  it('reads null as a value not known, as an empty cell in a CSV', async () => {
    const record = sample[0];
    const res = await post(app, { ...body(record), duration_months: null, purpose: null });
    expect(res.status).toBe(200);
    expect((await json(res)).pd).toBe(estimatePd(generic, { ...record, duration_months: '', purpose: '' }).pd);
    expect(estimatePd(generic, { ...record, duration_months: '', purpose: '' }).pd).not.toBe(estimatePd(generic, record).pd);
  });

  it('names every missing, unknown or wrong column with its rule in plain words', async () => {
    const { duration_months: _dropped, ...rest } = body(sample[0]);
    const res = await post(app, { ...rest, colour: 'blue', credit_amount: 'lots', purpose: { a: 1 } });
    expect(res.status).toBe(400);
    const answer = await json(res);
    expect(answer.error).toBe('invalid input');
    const byField = Object.fromEntries((answer.issues as { field: string; rule: string }[]).map((i) => [i.field, i.rule]));
    expect(Object.keys(byField).sort()).toEqual(['colour', 'credit_amount', 'duration_months', 'purpose']);
    expect(byField.duration_months).toMatch(/is missing/);
    expect(byField.colour).toMatch(/is not a column of this model/);
    expect(byField.credit_amount).toMatch(/must be a number/);
    expect(byField.purpose).toMatch(/must be text/);
    const notAnObject = await post(app, [1, 2]);
    expect(notAnObject.status).toBe(400);
  });

  it('takes the same keys as /v1/score: none → 401, the widget only with its page’s session, from its origin', async () => {
    expect((await post(app, body(sample[0]), {})).status).toBe(401);
    expect((await post(app, body(sample[0]), { authorization: 'Bearer lw_0000000000_nope-nope-nope-nope-nope-nope-nope' })).status).toBe(401);
    expect((await post(app, body(sample[0]), { origin: WIDGET })).status).toBe(401);
    const session = await widgetSession(app, `${WIDGET}/`);
    expect((await post(app, body(sample[0]), { origin: WIDGET, 'x-widget-session': session })).status).toBe(200);
    expect((await post(app, body(sample[0]), { origin: 'https://evil.example' })).status).toBe(401);
    const { key: widgetKey } = await createKey(database.db, { name: 'site', scope: 'widget', allowedOrigins: ['https://lender.example'] }, 'test');
    expect((await post(app, body(sample[0]), { 'x-api-key': widgetKey })).status).toBe(403);
  });

  it('answers 404 with what to do when no generic model is promoted', async () => {
    const res = await post(bare, body(sample[0]));
    expect(res.status).toBe(404);
    expect(await json(res)).toEqual({ error: NO_GENERIC_MODEL });
    expect(NO_GENERIC_MODEL).toMatch(/npm run score -- --promote VERSION/);
    expect((await post(bare, body(sample[0]), {})).status).toBe(401);
  });

  it("is in the OpenAPI document, with the promoted model's columns", async () => {
    const doc = await json(await app.request('/openapi.json'));
    const operation = doc.paths['/v1/models/generic/score']?.post;
    expect(operation).toBeDefined();
    expect(operation.security).toEqual([{ apiKey: [] }]);
    const schema = operation.requestBody.content['application/json'].schema;
    expect(Object.keys(schema.properties).sort()).toEqual([...columns].sort());
    expect([...schema.required].sort()).toEqual([...columns].sort());
    expect(Object.keys(operation.responses).sort()).toEqual(['200', '400', '401', '403', '404', '413', '429']);
    const bareDoc = await json(await bare.request('/openapi.json'));
    expect(bareDoc.paths['/v1/models/generic/score'].post.description).toMatch(/No generic model is promoted/);
  });
});
