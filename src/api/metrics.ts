import { createHash, timingSafeEqual } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { DecisionWriter } from '../../db/decision-writer.ts';
import { authenticate, type AuthEnv } from './auth.ts';

/**
 * Operational metrics (issue 15) at GET /metrics, in Prometheus' text format (prom-client): requests
 * and their latency by route pattern (the matched route, never the URL: no ids, no query), decisions
 * by outcome, the decision writer's queue, the database pool, the model versions in force and the
 * process's own metrics (prom-client's defaults).
 *
 * Never public: an admin API key, or the scrape token of METRICS_TOKEN (Authorization: Bearer …), which
 * a Prometheus server can hold without holding a key that could also change the policy.
 *
 * Counters live in this process's memory. On Cloudflare Workers each request may run in another
 * isolate, so they would say nothing: there /metrics answers 501 and nothing is counted.
 */

/** Decisions by outcome, the counts a decision service keeps since it was made. */
type Outcome = 'approve' | 'refer' | 'decline';

/** What /metrics reads from the decision service; both are optional, so any service will do. */
export interface MetricsDecisions {
  /** Decisions stored by this service since start, by outcome (replays of an Idempotency-Key not counted). */
  decided?: () => Record<Outcome, number>;
  /** The champion (decides) and challenger (scores in shadow) in force. */
  models?: { active(): Promise<{ champion: { version: string }; challenger?: { version: string } }> };
}

export interface MetricsOptions {
  db: () => Db;
  decisions: MetricsDecisions;
  /** The model the app was started with: the champion when the service names none. */
  model: { version: string };
  genericModel?: { version: string };
  /** Bearer token for the scraper (METRICS_TOKEN); without it only admin keys may read /metrics. */
  token?: string;
  /** How long a verified admin key is trusted (as for the API's other routes). */
  keyCacheMs?: number;
}

export const METRICS_PATH = '/metrics';

/** Latency buckets in seconds: a scored decision takes about a millisecond, the deadline is 10 s. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const ON_WORKERS = (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent === 'Cloudflare-Workers';

const TokenSchema = z
  .string()
  .refine((t) => t.length >= 32, 'METRICS_TOKEN must be at least 32 characters: make one with `openssl rand -base64 32`')
  .optional();

/** METRICS_TOKEN from the process environment (Node), checked; undefined when unset or empty. */
export function metricsTokenFromEnvironment(env: Record<string, string | undefined> = typeof process === 'undefined' ? {} : process.env): string | undefined {
  const parsed = TokenSchema.safeParse(env.METRICS_TOKEN || undefined);
  if (!parsed.success) throw new Error(parsed.error.issues[0].message);
  return parsed.data;
}

/** Process metrics (CPU, memory, event loop, GC, handles): one set per process, started with its first app. */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** The scrape token, or else an admin key (401 without either, 403 for another scope). */
function guard(options: MetricsOptions): MiddlewareHandler<AuthEnv> {
  const admin = authenticate({ db: options.db, scopes: ['admin'], ...(options.keyCacheMs !== undefined ? { cacheMs: options.keyCacheMs } : {}) });
  const expected = options.token ? digest(options.token) : undefined;
  return async (c, next) => {
    const auth = c.req.header('authorization');
    const presented = auth?.toLowerCase().startsWith('bearer ') ? auth.slice(7).trim() : undefined;
    // Compared as digests: equal length, and no timing that tells how much of the token was right.
    if (expected && presented && timingSafeEqual(digest(presented), expected)) return next();
    return admin(c, next);
  };
}

/** node-postgres's pool, as far as these gauges read it. */
interface PoolCounts {
  options: { max?: number };
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}
const isPool = (client: unknown): client is PoolCounts => typeof (client as PoolCounts | undefined)?.totalCount === 'number';

/** The database pool: its size, its busy and idle connections and its queue, and the server's own count of our connections. */
function poolMetrics(registry: Registry, db: () => Db) {
  const clientOf = () => {
    try {
      return (db() as unknown as { $client?: unknown }).$client;
    } catch {
      return undefined; // no database for this context
    }
  };
  new Gauge({
    name: 'lendwise_db_pool_max_connections',
    help: "Connections the database client may open (the pool's max, DB_POOL_SIZE; the embedded PGlite has one).",
    labelNames: ['engine'],
    registers: [registry],
    collect() {
      this.reset();
      const client = clientOf();
      if (isPool(client)) this.set({ engine: 'postgres' }, client.options.max ?? 10);
      else if (client) this.set({ engine: 'pglite' }, 1);
    },
  });
  new Gauge({
    name: 'lendwise_db_pool_connections',
    help: "PostgreSQL only: this process's pooled connections, busy (checked out) or idle.",
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.reset();
      const client = clientOf();
      if (!isPool(client)) return;
      this.set({ state: 'busy' }, client.totalCount - client.idleCount);
      this.set({ state: 'idle' }, client.idleCount);
    },
  });
  new Gauge({
    name: 'lendwise_db_pool_waiting',
    help: 'PostgreSQL only: queries of this process waiting for a pooled connection (all busy).',
    registers: [registry],
    collect() {
      this.reset();
      const client = clientOf();
      if (isPool(client)) this.set(client.waitingCount);
    },
  });
  // Every process of the role, as the server sees them (other instances, the bot, CLIs).
  new Gauge({
    name: 'lendwise_db_server_connections',
    help: "PostgreSQL only: sessions of this server's role on its database by state (active = running a statement), as pg_stat_activity counts them: every process of the role, not only this one; the scrape's own session left out.",
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      if (!isPool(clientOf())) return;
      const ask = db().execute(
        sql`select coalesce(state, 'unknown') as state, count(*)::int as n from pg_stat_activity where datname = current_database() and usename = current_user and pid <> pg_backend_pid() group by 1`,
      );
      // A database that does not answer within a second leaves the gauge empty rather than holding up the scrape.
      const late = new Promise<undefined>((resolve) => {
        const timer = setTimeout(resolve, 1_000);
        ask.then(
          () => clearTimeout(timer),
          () => clearTimeout(timer),
        );
      });
      const rows = await Promise.race([ask, late]).catch(() => undefined);
      const list = (rows as { rows?: unknown[] } | unknown[] | undefined) ?? [];
      for (const row of (Array.isArray(list) ? list : (list.rows ?? [])) as { state: string; n: number }[]) this.set({ state: row.state }, Number(row.n));
    },
  });
}

/**
 * @example
 * const metrics = operationalMetrics({ db, decisions, model, token: metricsTokenFromEnvironment() });
 * app.use('*', metrics.observe);
 * app.route('/', metrics.routes);
 */
export function operationalMetrics(options: MetricsOptions): { observe: MiddlewareHandler; routes: Hono<AuthEnv> } {
  const routes = new Hono<AuthEnv>();
  if (ON_WORKERS) {
    routes.get(METRICS_PATH, (c) =>
      c.text(
        'Metrics are not served on Cloudflare Workers: each request may run in another isolate, so counts kept in memory would mean nothing. Use Workers Analytics, or run the Node server (npm start).\n',
        501,
      ),
    );
    return { observe: (_c, next) => next(), routes };
  }

  const processWide = processMetrics();
  const registry = new Registry();
  const requests = new Counter({
    name: 'lendwise_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern (never the URL) and status.',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'lendwise_http_request_duration_seconds',
    help: 'Time from receiving a request to its answer, by method and route pattern.',
    labelNames: ['method', 'route'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const { decisions } = options;
  new Counter({
    name: 'lendwise_decisions_total',
    help: 'Decisions stored by this process since it started, by outcome (a replayed Idempotency-Key is not a new decision).',
    labelNames: ['decision'],
    registers: [registry],
    collect() {
      const counts = decisions.decided?.();
      if (!counts) return;
      this.reset();
      for (const outcome of ['approve', 'refer', 'decline'] as const) this.inc({ decision: outcome }, counts[outcome] ?? 0);
    },
  });
  new Gauge({
    name: 'lendwise_decision_writer_queue_depth',
    help: 'Decisions handed to the group-commit writer and not yet committed or failed (waiting for a batch, or in its transaction).',
    registers: [registry],
    collect() {
      this.set(DecisionWriter.pending);
    },
  });
  poolMetrics(registry, options.db);
  new Gauge({
    name: 'lendwise_model_info',
    help: 'The model versions in force (1): the champion decides, a challenger scores in shadow, the generic model serves /v1/models/generic/score.',
    labelNames: ['role', 'version'],
    registers: [registry],
    async collect() {
      const active = await decisions.models?.active().catch(() => undefined);
      this.reset();
      this.set({ role: 'champion', version: active?.champion.version ?? options.model.version }, 1);
      if (active?.challenger) this.set({ role: 'challenger', version: active.challenger.version }, 1);
      if (options.genericModel) this.set({ role: 'generic', version: options.genericModel.version }, 1);
    },
  });

  const observe: MiddlewareHandler = async (c, next) => {
    const started = performance.now();
    let status = 500;
    try {
      await next();
      status = c.res.status;
    } finally {
      const route = routeLabel(c);
      requests.inc({ method: c.req.method, route, status: String(status) });
      latency.observe({ method: c.req.method, route }, (performance.now() - started) / 1000);
    }
  };

  routes.get(METRICS_PATH, guard(options), async (c) => {
    const all = Registry.merge([processWide, registry]);
    return c.body(await all.metrics(), 200, { 'content-type': all.contentType, 'cache-control': 'no-store' });
  });
  return { observe, routes };
}

/** The pattern of the route that answered (e.g. /v1/applications/:id); a path matched by no route is "unmatched". */
function routeLabel(c: Context): string {
  const path = routePath(c) || 'unmatched';
  // Only middleware ran ("*", "/v1/*"): no route had this path.
  return c.res.status === 404 && path.endsWith('*') ? 'unmatched' : path;
}
