import { serve, type ServerType } from '@hono/node-server';
import { openDatabase, type Database } from '../../db/client.ts';
import { currentPolicy, registerModel } from '../../db/repository.ts';
import { createApp } from '../api/app.ts';
import { widgetOrigins, type Env } from '../config.ts';
import { loadModel } from '../scoring/load.ts';
import type { LoadedModel } from '../scoring/model.ts';
import { swaggerAssets } from './docs-assets.ts';

export interface Running {
  url: string;
  model: LoadedModel;
  database: Database;
  server: ServerType;
  stop(): Promise<void>;
}

/** Everything `npm start` does: model, database (migrated), app, HTTP server. */
export async function start(env: Env): Promise<Running> {
  const model = loadModel(env.MODELS_DIR);
  const database = await openDatabase(env.DATABASE_URL ? { url: env.DATABASE_URL, max: env.DB_POOL_SIZE } : { dataDir: env.DATA_DIR });
  await registerModel(database.db, model);
  await currentPolicy(database.db);
  const app = createApp({ model, db: () => database.db, widgetOrigins: widgetOrigins(env), docsAssets: swaggerAssets() });
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: env.PORT, hostname: env.HOST }, () => resolve(s));
  });
  return {
    url: `http://${env.HOST}:${env.PORT}`,
    model,
    database,
    server,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections would hold close() open until they time out.
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await database.close();
    },
  };
}
