import cluster from 'node:cluster';
import { readEnv } from './config/env.ts';
import { runPrimary, workerIndex } from './node/cluster.ts';
import { start } from './node/start.ts';

try {
  const env = readEnv();
  if (cluster.isPrimary && env.WEB_CONCURRENCY > 1) await runPrimary(env);
  else {
    const index = workerIndex();
    const running = await start(env, { index, recovered: !cluster.isPrimary });
    console.log(
      `Lendwise ${running.model.version} on ${running.url} (database: ${running.database.engine}; Telegram bot: ${running.botMode}${running.genericModel ? `; generic model: ${running.genericModel.version}` : ''}${cluster.isPrimary ? '' : `; worker ${index} of ${env.WEB_CONCURRENCY}`}); docs at ${running.url}/docs`,
    );
    const shutdown = () => void running.stop().finally(() => process.exit(0));
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  }
} catch (error) {
  console.error(`lendwise: ${(error as Error).message}`);
  process.exit(1);
}
