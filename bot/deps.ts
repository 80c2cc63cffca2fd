import type { Db } from '../db/client.ts';
import type { PolicyCache } from '../src/api/policy-cache.ts';
import type { StoreDecision } from '../src/api/routes/score.ts';
import type { LoadedModel } from '../src/model/model.ts';
import type { FrontierSolver } from '../src/portfolio/service.ts';

/** What the bot's features need from the outside world. */
export interface BotDeps {
  db: () => Db;
  model: LoadedModel;
  policy: PolicyCache;
  /** Stores an application and its decision, exactly as the API does. */
  store: StoreDecision;
  /** Telegram user ids allowed to run admin commands (BOT_ADMIN_IDS), besides those in the database. */
  admins: readonly number[];
  /** Downloads a file Telegram holds, by its file_path. */
  downloadFile: (filePath: string) => Promise<string>;
  /** Frontier solver (a thread pool on Node); in-process when absent. */
  frontier?: FrontierSolver;
}
