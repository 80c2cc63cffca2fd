import { createRequire } from 'node:module';
import { startWranglerDev } from './support/wrangler-dev.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client.ts';
import { DecisionWriter } from '../db/decision-writer.ts';
import { createKey, registerModel } from '../db/repository.ts';
import { createApp } from '../src/api/app.ts';
import { LATENCY_BUCKETS, metricsTokenFromEnvironment } from '../src/api/metrics.ts';
import { loadModel } from '../src/model/load.ts';
import { sampleApplicant } from './helpers.ts';
import { ENGINES, openTestDatabase } from './support/databases.ts';

/**
 * GET /metrics (issue 15): Prometheus' text format, read back by a real parser of that format
 * (parse-prometheus-text-format, which follows the Prometheus Python client's parser), never public.
 */

interface Sample {
  value?: string;
  labels?: Record<string, string>;
}
interface Family {
  name: string;
  help: string;
  type: string;
  metrics: Sample[];
}
const parsePrometheus = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => Family[];

/**
 * The exposition parsed twice: as it is (families and their types), and with the histograms' TYPE
 * lines dropped, so that their _bucket, _sum and _count lines come back as plain samples with their
 * labels (this parser reads unlabelled histograms only: it merges a labelled one's series into one).
 */
const parseExposition = (text: string) => ({ typed: parsePrometheus(text), flat: parsePrometheus(text.replace(/^# TYPE \S+ histogram$/gm, '')) });

const model = loadModel('models');
const TOKEN = 'scrape-token-for-tests-0123456789abcdef';
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

/** The samples of `name` whose labels include `labels` (a parse may split a name's samples into several families). */
const samples = (families: Family[], name: string, labels: Record<string, string> = {}) =>
  families
    .filter((f) => f.name === name)
    .flatMap((f) => f.metrics)
    .filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
const total = (families: Family[], name: string, labels: Record<string, string> = {}) =>
  samples(families, name, labels).reduce((s, m) => s + Number(m.value), 0);

describe.each(ENGINES)('GET /metrics on %s', (engine) => {
  let database: Database;
  let app: ReturnType<typeof createApp>;
  let adminKey: string;
  let scoreKey: string;

  const scrape = async (auth = `Bearer ${TOKEN}`) => {
    const res = await app.request('/metrics', { headers: { authorization: auth } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseExposition(await res.text());
  };
  const score = (headers: Record<string, string> = {}) =>
    app.request('/v1/score', {
      method: 'POST',
      body: JSON.stringify(sampleApplicant),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${scoreKey}`, ...headers },
    });

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    await registerModel(database.db, model);
    app = createApp({ model, db: () => database.db, keyCacheMs: 0, metricsToken: TOKEN });
    adminKey = (await createKey(database.db, { name: 'admin', scope: 'admin' }, 'test')).key;
    scoreKey = (await createKey(database.db, { name: 'partner', scope: 'score' }, 'test')).key;
  });
  afterAll(async () => {
    await database?.close();
  });

  it('is never public: 401 without a key or with a wrong token, 403 for a non-admin key; the scrape token or an admin key may read it', async () => {
    expect((await app.request('/metrics')).status).toBe(401);
    expect((await app.request('/metrics', { headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
    expect((await app.request('/metrics', { headers: { authorization: 'Bearer ' } })).status).toBe(401);
    expect((await app.request('/metrics', { headers: { authorization: `Bearer ${scoreKey}` } })).status).toBe(403);
    expect((await app.request('/metrics', { headers: { 'x-api-key': TOKEN } })).status).toBe(401);
    await scrape(`Bearer ${adminKey}`);
    await scrape();
    // Without a scrape token configured, admin keys only.
    const keysOnly = createApp({ model, db: () => database.db, keyCacheMs: 0, metricsToken: '' });
    expect((await keysOnly.request('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(401);
    expect((await keysOnly.request('/metrics', { headers: { authorization: `Bearer ${adminKey}` } })).status).toBe(200);
  });

  it('parses as Prometheus text, with process metrics, the model version, the writer queue and the pool', async () => {
    // Requests at once make the pool open more than one connection.
    await Promise.all([1, 2, 3].map(() => app.request('/readyz')));
    const { typed, flat: families } = await scrape();
    const names = typed.map((f) => f.name);
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
      'lendwise_http_requests_total',
      'lendwise_http_request_duration_seconds',
      'lendwise_decisions_total',
      'lendwise_decision_writer_queue_depth',
      'lendwise_db_pool_max_connections',
      'lendwise_model_info',
    ])
      expect(names).toContain(name);
    expect(typed.find((f) => f.name === 'lendwise_http_request_duration_seconds')?.type).toBe('HISTOGRAM');
    expect(typed.find((f) => f.name === 'lendwise_decisions_total')?.type).toBe('COUNTER');
    expect(typed.find((f) => f.name === 'lendwise_decision_writer_queue_depth')?.type).toBe('GAUGE');
    expect(samples(families, 'lendwise_model_info', { role: 'champion' })).toEqual([{ value: '1', labels: { role: 'champion', version: model.version } }]);
    // Nothing is waiting to be stored between requests.
    expect(total(families, 'lendwise_decision_writer_queue_depth')).toBe(0);
    if (engine === 'pglite') expect(samples(families, 'lendwise_db_pool_max_connections')).toEqual([{ value: '1', labels: { engine: 'pglite' } }]);
    else {
      expect(samples(families, 'lendwise_db_pool_max_connections')).toEqual([{ value: '5', labels: { engine: 'postgres' } }]);
      // The server's count of this role's sessions on this database, the scrape's own left out: the pool opened others above.
      expect(total(families, 'lendwise_db_server_connections')).toBeGreaterThanOrEqual(1);
      expect(total(families, 'lendwise_db_server_connections')).toBeLessThanOrEqual(4);
      // The pool's own counts, within its max (idle connections close after 10 s, so there may be
      // none left by the time of the scrape); none waits between requests.
      const pooled = samples(families, 'lendwise_db_pool_connections');
      expect(pooled.map((p) => p.labels?.state).sort()).toEqual(['busy', 'idle']);
      expect(total(families, 'lendwise_db_pool_connections')).toBeLessThanOrEqual(5);
      expect(total(families, 'lendwise_db_pool_waiting')).toBe(0);
    }
  });

  it('counts requests, latency by route pattern (no ids) and decisions by outcome', async () => {
    const before = (await scrape()).flat;
    const first = await score();
    expect(first.status).toBe(200);
    const { applicationId, decision } = (await first.json()) as { applicationId: string; decision: string };
    expect((await score()).status).toBe(200);
    // A retry with the same Idempotency-Key is answered from storage: not a new decision.
    expect((await score({ 'idempotency-key': 'metrics-test-1' })).status).toBe(200);
    expect((await score({ 'idempotency-key': 'metrics-test-1' })).headers.get('idempotent-replayed')).toBe('true');
    expect((await app.request(`/v1/applications/${applicationId}`, { headers: { authorization: `Bearer ${scoreKey}` } })).status).toBe(200);
    expect((await app.request('/no/such/page/12345')).status).toBe(404);
    const after = (await scrape()).flat;

    const route = { method: 'POST', route: '/v1/score' };
    expect(
      total(after, 'lendwise_http_requests_total', { ...route, status: '200' }) - total(before, 'lendwise_http_requests_total', { ...route, status: '200' }),
    ).toBe(4);
    const h = 'lendwise_http_request_duration_seconds';
    expect(total(after, `${h}_count`, route) - total(before, `${h}_count`, route)).toBe(4);
    expect(total(after, `${h}_sum`, route)).toBeGreaterThan(0);
    // Cumulative buckets up to +Inf, which holds every request.
    const buckets = samples(after, `${h}_bucket`, route);
    expect(buckets.map((b) => b.labels?.le)).toEqual([...LATENCY_BUCKETS.map(String), '+Inf']);
    const counts = buckets.map((b) => Number(b.value));
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(counts.at(-1)).toBe(total(after, `${h}_count`, route));
    // The route pattern, never the URL: the application's id and the unknown path appear nowhere.
    expect(samples(after, `${h}_count`, { method: 'GET', route: '/v1/applications/:id' })).toHaveLength(1);
    expect(samples(after, 'lendwise_http_requests_total', { route: 'unmatched', status: '404' })).toHaveLength(1);
    const routes = new Set(after.flatMap((f) => f.metrics.map((m) => m.labels?.route)).filter(Boolean));
    for (const r of routes) {
      expect(r).not.toMatch(UUID);
      expect(r).not.toContain('12345');
    }
    // Three new decisions, the outcome the API answered.
    const decisions = (f: Family[]) => total(f, 'lendwise_decisions_total');
    expect(decisions(after) - decisions(before)).toBe(3);
    expect(total(after, 'lendwise_decisions_total', { decision }) - total(before, 'lendwise_decisions_total', { decision })).toBe(3);
    expect(samples(after, 'lendwise_decisions_total').map((m) => m.labels?.decision)).toEqual(['approve', 'refer', 'decline']);
  });
});

describe('metrics helpers', () => {
  it("the writer's queue depth counts decisions from hand-over until committed or failed", async () => {
    const failing = new DecisionWriter(() => {
      throw new Error('no database');
    });
    const start = DecisionWriter.pending;
    const a = failing.write({} as never);
    const b = failing.write({} as never);
    expect(DecisionWriter.pending).toBe(start + 2);
    await expect(a).rejects.toThrow('no database');
    await expect(b).rejects.toThrow('no database');
    expect(DecisionWriter.pending).toBe(start);
  });

  it('METRICS_TOKEN must be long enough to be a secret', () => {
    expect(metricsTokenFromEnvironment({})).toBeUndefined();
    expect(metricsTokenFromEnvironment({ METRICS_TOKEN: '' })).toBeUndefined();
    expect(metricsTokenFromEnvironment({ METRICS_TOKEN: TOKEN })).toBe(TOKEN);
    expect(() => metricsTokenFromEnvironment({ METRICS_TOKEN: 'short' })).toThrow(/at least 32 characters/);
  });

  it('the text parser used here rejects what is not Prometheus text', () => {
    expect(() => parsePrometheus('lendwise_x{route="/v1/score" 1\n')).toThrow();
  });
});

describe('GET /metrics on Cloudflare Workers', () => {
  it('answers 501 with a sentence under wrangler dev (counts in one isolate would mean nothing)', async () => {
    const database = await openTestDatabase('postgres');
    const dev = await startWranglerDev({ DATABASE_URL: database.url! });
    try {
      expect(dev.healthy).toBe(true);
      const res = await fetch(`${dev.url}/metrics`);
      expect(res.status).toBe(501);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await res.text()).toMatch(/^Metrics are not served on Cloudflare Workers/);
    } finally {
      dev.stop();
      await database.close();
    }
  }, 120_000);
});
