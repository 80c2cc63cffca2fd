import { readEnv } from './config/env.ts';
import { start } from './node/start.ts';

try {
  const running = await start(readEnv());
  console.log(
    `Lendwise ${running.model.version} on ${running.url} (database: ${running.database.engine}; Telegram bot: ${running.botMode}${running.genericModel ? `; generic model: ${running.genericModel.version}` : ''}); docs at ${running.url}/docs`,
  );
  const shutdown = () => void running.stop().finally(() => process.exit(0));
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
} catch (error) {
  console.error(`lendwise: ${(error as Error).message}`);
  process.exit(1);
}
