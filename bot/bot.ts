import { Bot, GrammyError, HttpError, session, type BotConfig } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import { isBotAdmin } from '../db/bot-repository.ts';
import { classifyDatabaseError } from '../src/app/database-errors.ts';
import { databasePortfolioJobs } from '../db/portfolio-jobs.ts';
import { inProcessRunner } from '../src/app/portfolio-jobs.ts';
import { storedMacroRelation } from '../src/macro/refresh.ts';
import { SHIPPED_CORRELATIONS } from '../src/portfolio/correlation-table.ts';
import type { BotDeps } from './deps.ts';
import { chatService } from '../src/app/chat.ts';
import { accountFeature } from './features/account.ts';
import { adminFeature } from './features/admin.ts';
import { portfolioFeature } from './features/portfolio.ts';
import { monitoringFeature } from './features/monitoring.ts';
import { applyFeature, languageFromTelegram } from './features/apply.ts';
import { pickLanguage, translator, type Language } from '../src/conversation/i18n.ts';
import { fallbackFeature } from './features/fallback.ts';
import { conversationStorage, freshConversation, type BotContext, type BotSession } from './session.ts';

export interface CreateBotOptions {
  token: string;
  /** Skip the getMe call (tests, the terminal chat). */
  botInfo?: UserFromGetMe;
  /** Another Bot API server (tests use a fake one on 127.0.0.1). */
  apiRoot?: string;
}

/**
 * Builds the Lendwise bot: private-chat rule → session → features → fallback. Updates reach it
 * through the update queue (bot/update-queue.ts), which marks each done only once `handleOnce` has
 * returned, that is once the session middleware has written the conversation after the handler.
 *
 * @example const bot = createBot({ db, model, decisions, admins: [] }, { token, apiRoot });
 */
export function createBot(
  deps: Omit<BotDeps, 'downloadFile' | 'portfolioJobs' | 'chat'> & Partial<Pick<BotDeps, 'downloadFile' | 'portfolioJobs'>>,
  options: CreateBotOptions,
): Bot<BotContext> {
  const apiRoot = options.apiRoot ?? 'https://api.telegram.org';
  const config: BotConfig<BotContext> = { client: { apiRoot }, ...(options.botInfo ? { botInfo: options.botInfo } : {}) };
  const bot = new Bot<BotContext>(options.token, config);
  const full: BotDeps = {
    ...deps,
    chat: chatService({ decisions: deps.decisions }),
    portfolioJobs:
      deps.portfolioJobs ??
      databasePortfolioJobs(deps.db, {
        policy: deps.decisions.policy,
        correlations: SHIPPED_CORRELATIONS,
        runner: inProcessRunner(),
        macroRelation: () => storedMacroRelation(deps.db()),
      }),
    downloadFile:
      deps.downloadFile ??
      (async (filePath) => {
        const res = await fetch(`${apiRoot}/file/bot${options.token}/${filePath}`);
        if (!res.ok) throw new Error(`file download failed: ${res.status}`);
        return res.text();
      }),
  };
  const isAdmin = async (ctx: BotContext) => {
    const id = ctx.from?.id;
    return id !== undefined && (deps.admins.includes(id) || (await isBotAdmin(deps.db(), id)));
  };

  bot.on('message').filter(
    (ctx) => ctx.chat.type !== 'private',
    async (ctx) => {
      await ctx.reply(translator(pickLanguage(ctx.from?.language_code)).t('private-only'));
    },
  );
  bot.use(session({ initial: freshConversation, storage: conversationStorage(deps.db) }));
  bot.use(languageFromTelegram);
  bot.use(accountFeature(full, isAdmin));
  bot.use(adminFeature(full, isAdmin));
  bot.use(portfolioFeature(full, isAdmin));
  bot.use(monitoringFeature(full, isAdmin));
  bot.use(applyFeature(full));
  bot.use(fallbackFeature());

  bot.catch(async (err) => {
    // Telegram not reached (or busy): the answer was not sent, and the conversation was not written
    // (grammY writes it only after the handler succeeds). Rethrown, so the queue tries the update again.
    if (telegramUnavailable(err.error)) throw err.error;
    // The error's class and code, not its message: a database driver's quotes the query's parameters (answers).
    const { kind, code } = classifyDatabaseError(err.error);
    console.error(
      JSON.stringify({ level: 50, msg: 'bot update failed', update: err.ctx.update.update_id, errorClass: (err.error as Error)?.name, kind, code }),
    );
    // An update without a chat (e.g. a poll answer) has no one to tell; ctx.reply would throw before its promise.
    if (!err.ctx.chat) return;
    try {
      await err.ctx.reply(translator(languageOf(err.ctx)).t('error-ours'));
    } catch {
      // Telegram unreachable too: nothing more to do for this update.
    }
  });
  return bot;
}

/** The person's language; grammY's session getter throws when the error came before the session was read. */
function languageOf(ctx: BotContext): Language {
  try {
    return (ctx.session as BotSession | undefined)?.chat.language ?? pickLanguage(ctx.from?.language_code);
  } catch {
    return pickLanguage(ctx.from?.language_code);
  }
}

/** Telegram could not be reached, or asked to come back later (429, 5xx): worth trying the update again. */
export function telegramUnavailable(error: unknown): boolean {
  return error instanceof HttpError || (error instanceof GrammyError && (error.error_code === 429 || error.error_code >= 500));
}
