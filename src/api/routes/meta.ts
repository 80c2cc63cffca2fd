import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { PolicySchema } from '../../scoring/policy.ts';
import type { LoadedModel } from '../../model/model.ts';
import { setPolicy } from '../../../db/repository.ts';
import type { Db } from '../../../db/client.ts';
import type { AuthEnv } from '../auth.ts';
import { ErrorSchema, jsonContent, withStorage } from '../errors.ts';
import type { PolicyCache } from '../../app/policy-cache.ts';
import { DriftHealthSchema } from './monitoring.ts';

/** The Telegram bot as /healthz shows it, when this process runs one: never its token. */
export const BotHealthSchema = z
  .object({
    state: z.enum(['starting', 'up', 'retrying', 'off']),
    mode: z.enum(['webhook', 'polling']),
    /** Failed attempts to bring it (back) up. */
    failures: z.number().int().min(0),
    /** The last failure's class (HttpError: Telegram not reached; GrammyError: refused, with Telegram's code). */
    lastError: z.object({ class: z.string(), code: z.number().int().optional() }).optional(),
    /** While retrying: when the next attempt starts. */
    nextAttemptAt: z.string().optional(),
  })
  .meta({ description: 'The Telegram bot, when this process runs one: starting, up, or retrying (Telegram unreachable) with the next attempt' });
export type BotHealth = z.infer<typeof BotHealthSchema>;

export const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  summary: 'Liveness: the process answers (200 even when the database is down or Telegram unreachable: restarting would not help)',
  responses: {
    200: jsonContent(
      z.object({
        ok: z.literal(true),
        modelVersion: z.string(),
        database: z.enum(['up', 'down']),
        bot: BotHealthSchema.optional(),
        drift: DriftHealthSchema.optional(),
      }),
      'Alive; the database and bot states for information',
    ),
  },
});

const Ready = z.object({
  ready: z.boolean(),
  modelVersion: z.string(),
  database: z.enum(['up', 'down']),
  bot: z.enum(['off', 'up', 'down']).meta({ description: 'The Telegram bot, when this process runs one' }),
});

export const readyRoute = createRoute({
  method: 'get',
  path: '/readyz',
  summary: 'Readiness: model loaded, database answering within 2 s (the bot is reported but does not count)',
  responses: { 200: jsonContent(Ready, 'Ready for traffic'), 503: jsonContent(Ready, 'Not ready: send traffic elsewhere') },
});

export const currentModelRoute = createRoute({
  method: 'get',
  path: '/v1/models/current',
  summary: 'The model in use, with its evaluation',
  responses: {
    200: jsonContent(
      z.object({ version: z.string(), kind: z.string(), features: z.array(z.string()), metrics: z.record(z.string(), z.unknown()) }),
      'Current model',
    ),
  },
});

const PolicyVersionSchema = z.object({ version: z.number().int(), policy: PolicySchema, createdBy: z.string(), createdAt: z.string() });

export const getPolicyRoute = createRoute({
  method: 'get',
  path: '/v1/policy',
  summary: 'The decision policy in force',
  security: [{ apiKey: [] }],
  responses: {
    200: jsonContent(PolicyVersionSchema, 'Current policy'),
    401: jsonContent(ErrorSchema, 'API key required'),
    503: jsonContent(ErrorSchema, 'Storage unavailable'),
  },
});

export const putPolicyRoute = createRoute({
  method: 'put',
  path: '/v1/policy',
  summary: 'Set a new policy version (admin keys)',
  security: [{ apiKey: [] }],
  request: { body: { content: { 'application/json': { schema: PolicySchema } }, required: true } },
  responses: {
    200: jsonContent(PolicyVersionSchema, 'The new policy, in force now'),
    400: jsonContent(ErrorSchema, 'Invalid policy'),
    401: jsonContent(ErrorSchema, 'API key required'),
    403: jsonContent(ErrorSchema, 'Admin key required'),
    503: jsonContent(ErrorSchema, 'Storage unavailable'),
  },
});

export interface HealthDeps {
  model: LoadedModel;
  /** The champion in force (database roles, cached); `model` when absent. */
  champion?: { peek(): LoadedModel; active(): Promise<{ champion: LoadedModel }> };
  /** Answers when the database does. */
  ping: () => Promise<void>;
  /** The bot's state, when this process runs one. */
  bot?: () => BotHealth;
  /** The latest week's drift warning, from a cache (never waits); undefined when none. */
  drift?: () => z.infer<typeof DriftHealthSchema> | undefined;
}

/** Resolves true when `work` settles successfully within `ms`. */
const within = (work: Promise<unknown>, ms: number) =>
  new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    const settle = (ok: boolean) => {
      clearTimeout(timer);
      resolve(ok);
    };
    work.then(
      () => settle(true),
      () => settle(false),
    );
  });

export function healthRoutes(deps: HealthDeps) {
  const app = new OpenAPIHono();
  const database = async (ms: number) => ((await within(deps.ping(), ms)) ? ('up' as const) : ('down' as const));
  // Liveness answers at once (a probe's timeout is often 1 s): the database gets 250 ms to say it is up.
  // Drift: what the monitor last found (it looks again in the background); never a reason to fail.
  const drift = () => {
    try {
      return deps.drift?.();
    } catch {
      return undefined;
    }
  };
  app.openapi(healthRoute, async (c) => {
    // The ping first: a drift refresh this call starts must not queue ahead of it (PGlite has one connection).
    const up = await database(250);
    const warning = drift();
    return c.json(
      {
        ok: true as const,
        modelVersion: (deps.champion?.peek() ?? deps.model).version,
        database: up,
        ...(deps.bot ? { bot: deps.bot() } : {}),
        ...(warning ? { drift: warning } : {}),
      },
      200,
    );
  });
  app.openapi(readyRoute, async (c) => {
    const db = await database(2_000);
    // Starting or retrying is not running yet: /healthz says why and when it tries again. It does not
    // make the process unready: the API and the widget serve without Telegram, and the webhook still
    // stores updates, so pulling traffic during a Telegram outage would take them down for nothing.
    const bot: 'off' | 'up' | 'down' = deps.bot ? (deps.bot().state === 'up' ? 'up' : 'down') : 'off';
    const body = { ready: db === 'up', modelVersion: (deps.champion?.peek() ?? deps.model).version, database: db, bot };
    return c.json(body, body.ready ? 200 : 503);
  });
  app.openapi(currentModelRoute, async (c) => {
    // The champion now; with the database unreachable, the last one known.
    const model = deps.champion
      ? await deps.champion.active().then(
          (a) => a.champion,
          () => deps.champion!.peek(),
        )
      : deps.model;
    return c.json({ version: model.version, kind: model.spec.kind, features: model.spec.features, metrics: model.metrics }, 200);
  });
  return app;
}

export function policyRoutes(deps: { db: () => Db; policy: PolicyCache }) {
  const app = new OpenAPIHono<AuthEnv>();
  const view = (p: Awaited<ReturnType<PolicyCache['get']>>) => ({ ...p, createdAt: p.createdAt.toISOString() });
  app.openapi(getPolicyRoute, async (c) => c.json(view(await withStorage(() => deps.policy.get())), 200));
  app.openapi(putPolicyRoute, async (c) => {
    const caller = c.get('caller');
    if (caller.kind !== 'key' || caller.key.scope !== 'admin') return c.json({ error: 'an admin key is required' }, 403);
    const next = await withStorage(() => setPolicy(deps.db(), c.req.valid('json'), `api-key:${caller.key.id}`));
    deps.policy.invalidate();
    return c.json(view(next), 200);
  });
  return app;
}
