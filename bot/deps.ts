import type { Db } from '../db/client.ts';
import type { DecisionService } from '../src/app/decide.ts';
import type { LoadedModel } from '../src/model/model.ts';
import type { PortfolioJobs } from '../src/app/portfolio-jobs.ts';
import type { ChatService } from '../src/app/chat.ts';

/** What the bot's features need from the outside world. */
export interface BotDeps {
  db: () => Db;
  model: LoadedModel;
  /** The process's one decision service, shared with the API (one policy cache, one writer). */
  decisions: DecisionService;
  /** Telegram user ids allowed to run admin commands (BOT_ADMIN_IDS), besides those in the database. */
  admins: readonly number[];
  /** Downloads a file Telegram holds, by its file_path. */
  downloadFile: (filePath: string) => Promise<string>;
  /** The process's portfolio jobs, shared with the API (threads on Node); in-process when absent. */
  portfolioJobs: PortfolioJobs;
  /** The conversation over the decision service: made once per bot by createBot. */
  chat: ChatService;
}
