import { AsyncLocalStorage } from 'node:async_hooks';
import { drizzle } from 'drizzle-orm/node-postgres';
import type { ExecutionContext } from 'hono';
import type { Db } from '../../db/client.ts';
import { serverPool } from '../../db/pg-pool.ts';
import * as schema from '../../db/schema.ts';
import { registerModel } from '../../db/repository.ts';
import { createApp } from '../api/app.ts';
import { modelFromArtefacts, type LoadedModel, type RawArtefacts } from '../model/model.ts';
import { activeModelVersions, seedModelRoles } from '../../db/model-repository.ts';
import { ModelRegistry } from '../app/model-registry.ts';
import { fredClient } from '../macro/fred.ts';
import { refreshMacro } from '../macro/refresh.ts';
import { seedRecordedMacro } from '../macro/recorded.ts';
import { BUNDLED_VERSION, bundledArtefacts, bundledChallenger } from './bundled-model.ts';
import { workerConfig, workerWidgetOrigins, workerWidgetSettings, type WorkerBindings } from './env.ts';
import type { Env } from '../config/env.ts';

/**
 * Cloudflare Workers entry: the same app as on Node, with the model bundled and PostgreSQL reached
 * through Hyperdrive (binding HYPERDRIVE) or a DATABASE_URL secret. Migrations are applied from a
 * machine with `npm run db:migrate`, not from the Worker.
 */
/** Bindings and variables: validated by the same schema as Node's (src/config/env.ts) on every request. */
export type WorkerEnv = WorkerBindings;

const model = modelFromArtefacts(BUNDLED_VERSION, bundledArtefacts, `models/${BUNDLED_VERSION}`);
// The manifest's challenger is bundled too: scored in shadow, and promotable without a redeploy.
const challenger: LoadedModel | undefined = bundledChallenger
  ? modelFromArtefacts(bundledChallenger.version, bundledChallenger.artefacts as unknown as RawArtefacts, `models/${bundledChallenger.version}`)
  : undefined;
const bundled = new Map([model, ...(challenger ? [challenger] : [])].map((m) => [m.version, m]));
// A Worker may not share a connection between requests: each request gets its own client.
const requestDb = new AsyncLocalStorage<Db>();
const requestDatabase = () => {
  const db = requestDb.getStore();
  if (!db) throw new Error('no database for this request');
  return db;
};
// Which bundled version decides and which is scored in shadow: the database's roles, read through a
// short cache per isolate, so a promotion made anywhere reaches every isolate within seconds.
const models = new ModelRegistry({
  fallback: model,
  load: (version) => bundled.get(version),
  read: () => activeModelVersions(requestDatabase()),
});
let app: ReturnType<typeof createApp> | undefined;
// Decisions reference their model version: record it once per isolate (idempotent).
let registered = false;
// The recorded FRED series (bundled from datasets/fred/) are stored once per isolate where missing (idempotent).
let seeded = false;

function appFor(request: Request, env: Env) {
  app ??= createApp({
    model,
    models,
    db: requestDatabase,
    batchWrites: false,
    widgetOrigins: workerWidgetOrigins(request.url, env),
    widget: workerWidgetSettings(env),
  });
  return app;
}

function connect(url: string) {
  // node-postgres over the Workers runtime's TCP sockets (nodejs_compat), as on Node (db/pg-pool.ts).
  const client = serverPool(url, { max: 5 });
  return { client, db: drizzle({ client, schema }) as unknown as Db };
}

export default {
  async fetch(request: Request, bindings: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    const config = workerConfig(bindings);
    if (!config.ok) {
      console.error(config.error);
      return Response.json({ error: 'the server is misconfigured: see its log' }, { status: 500 });
    }
    const url = config.databaseUrl;
    if (!url) return Response.json({ error: 'storage unavailable: set DATABASE_URL or bind HYPERDRIVE' }, { status: 503 });
    const { client, db } = connect(url);
    try {
      if (!registered || !seeded) {
        try {
          if (!registered) {
            for (const m of bundled.values()) await registerModel(db, m);
            await seedModelRoles(db, { champion: model.version, ...(challenger ? { challenger: challenger.version } : {}) });
          }
          registered = true;
          if (!seeded) await seedRecordedMacro(db, 'worker');
          seeded = true;
        } catch {
          // The database is down: the app answers 503 on the routes that need it; the next request tries again.
        }
      }
      return await requestDb.run(db, () => appFor(request, config.env).fetch(request, bindings, ctx));
    } finally {
      ctx.waitUntil(client.end());
    }
  },

  /** Cron trigger (wrangler.toml): store the recorded series where missing, then refresh the FRED macro series into PostgreSQL. */
  async scheduled(_controller: unknown, bindings: WorkerEnv, ctx: ExecutionContext): Promise<void> {
    const config = workerConfig(bindings);
    if (!config.ok) {
      console.error(`macro refresh skipped: ${config.error}`);
      return;
    }
    const { env } = config;
    const url = config.databaseUrl;
    if (!url) {
      console.log('macro refresh skipped: needs DATABASE_URL (or HYPERDRIVE)');
      return;
    }
    const { client, db } = connect(url);
    try {
      if (!seeded) {
        await seedRecordedMacro(db, 'cron');
        seeded = true;
      }
      if (!env.FRED_API_KEY) {
        console.log('macro refresh skipped: needs FRED_API_KEY (the recorded series are stored)');
        return;
      }
      const counts = await refreshMacro(db, fredClient({ apiKey: env.FRED_API_KEY, apiRoot: env.FRED_API_ROOT }), 'cron');
      console.log(`macro series refreshed: ${JSON.stringify(counts)}`);
    } finally {
      ctx.waitUntil(client.end());
    }
  },
};
