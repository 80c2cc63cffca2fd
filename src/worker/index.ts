import { AsyncLocalStorage } from 'node:async_hooks';
import { drizzle } from 'drizzle-orm/postgres-js';
import type { ExecutionContext } from 'hono';
import postgres from 'postgres';
import type { Db } from '../../db/client.ts';
import * as schema from '../../db/schema.ts';
import { registerModel } from '../../db/repository.ts';
import { createApp } from '../api/app.ts';
import { modelFromArtefacts } from '../model/model.ts';
import { fredClient } from '../macro/fred.ts';
import { refreshMacro } from '../macro/refresh.ts';
import { seedRecordedMacro } from '../macro/recorded.ts';
import { BUNDLED_VERSION, bundledArtefacts } from './bundled-model.ts';

/**
 * Cloudflare Workers entry: the same app as on Node, with the model bundled and PostgreSQL reached
 * through Hyperdrive (binding HYPERDRIVE) or a DATABASE_URL secret. Migrations are applied from a
 * machine with `npm run db:migrate`, not from the Worker.
 */
export interface WorkerEnv {
  HYPERDRIVE?: { connectionString: string };
  DATABASE_URL?: string;
  /** Comma-separated origins allowed to embed the widget, besides the Worker's own. */
  WIDGET_ORIGINS?: string;
  /** Turns on the scheduled FRED refresh (cron trigger in wrangler.toml). */
  FRED_API_KEY?: string;
  FRED_API_ROOT?: string;
}

const model = modelFromArtefacts(BUNDLED_VERSION, bundledArtefacts, `models/${BUNDLED_VERSION}`);
// A Worker may not share a connection between requests: each request gets its own client.
const requestDb = new AsyncLocalStorage<Db>();
let app: ReturnType<typeof createApp> | undefined;
// Decisions reference their model version: record it once per isolate (idempotent).
let registered = false;
// The recorded FRED series (bundled from datasets/fred/) are stored once per isolate where missing (idempotent).
let seeded = false;

function appFor(request: Request, env: WorkerEnv) {
  app ??= createApp({
    model,
    db: () => {
      const db = requestDb.getStore();
      if (!db) throw new Error('no database for this request');
      return db;
    },
    batchWrites: false,
    widgetOrigins: [new URL(request.url).origin, ...(env.WIDGET_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean)],
  });
  return app;
}

function connect(url: string) {
  const client = postgres(url, { max: 5, fetch_types: false, onnotice: () => {} });
  return { client, db: drizzle({ client, schema }) as unknown as Db };
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    const url = env.HYPERDRIVE?.connectionString ?? env.DATABASE_URL;
    if (!url) return Response.json({ error: 'storage unavailable: set DATABASE_URL or bind HYPERDRIVE' }, { status: 503 });
    const { client, db } = connect(url);
    try {
      if (!registered || !seeded) {
        try {
          if (!registered) await registerModel(db, model);
          registered = true;
          if (!seeded) await seedRecordedMacro(db, 'worker');
          seeded = true;
        } catch {
          // The database is down: the app answers 503 on the routes that need it; the next request tries again.
        }
      }
      return await requestDb.run(db, () => appFor(request, env).fetch(request, env, ctx));
    } finally {
      ctx.waitUntil(client.end({ timeout: 5 }));
    }
  },

  /** Cron trigger (wrangler.toml): store the recorded series where missing, then refresh the FRED macro series into PostgreSQL. */
  async scheduled(_controller: unknown, env: WorkerEnv, ctx: ExecutionContext): Promise<void> {
    const url = env.HYPERDRIVE?.connectionString ?? env.DATABASE_URL;
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
      ctx.waitUntil(client.end({ timeout: 5 }));
    }
  },
};
