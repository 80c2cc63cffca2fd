import { serve } from '@hono/node-server';
import { createApp } from './api/app.ts';
import { readEnv } from './config.ts';
import { loadModel } from './scoring/model.ts';

try {
  const env = readEnv();
  const model = loadModel(env.MODELS_DIR);
  serve({ fetch: createApp(model).fetch, port: env.PORT, hostname: env.HOST }, (info) => {
    console.log(`Lendwise scoring ${model.version} on http://${info.address}:${info.port}`);
  });
} catch (error) {
  console.error(`lendwise: ${(error as Error).message}`);
  process.exit(1);
}
