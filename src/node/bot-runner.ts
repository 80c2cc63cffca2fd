import { GrammyError, type Bot } from 'grammy';
import { publishCommands, type ApiSignal } from '../../bot/commands.ts';
import type { BotContext } from '../../bot/session.ts';
import type { QueueLog, UpdateQueue } from '../../bot/update-queue.ts';
import type { BotHealth } from '../api/routes/meta.ts';

/**
 * Brings the Telegram bot up in the background, so that Telegram being unreachable never holds up
 * or takes down the API and the widget: getMe, the command menus, then setWebhook (webhook mode) or
 * deleteWebhook and a long poll. A failure at any step is retried after an exponential back-off with
 * jitter; a long poll that fails later is retried the same way. The state is what /healthz shows.
 */

/** What /healthz says about the bot (its schema is the API's): never the token, never a message (grammY's can quote a URL). */
export type BotStatus = BotHealth;
export type BotState = BotHealth['state'];

export interface BackoffOptions {
  /** The first delay. */
  baseMs?: number;
  /** No delay is longer than this. */
  capMs?: number;
  /** A number in [0, 1); Math.random by default, a seeded generator in tests. */
  random?: () => number;
}

/**
 * The wait before attempt `failures + 1`: base·2^(failures−1), capped, then scaled by a jitter in
 * [0.5, 1) so that many processes restarting together do not call Telegram in step. Always within
 * [base/2, cap].
 *
 * @example backoffDelay(3, { baseMs: 1000, capMs: 60_000, random: () => 0.5 }) // 3000
 */
export function backoffDelay(failures: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 1_000;
  const cap = options.capMs ?? 60_000;
  const exponential = Math.min(cap, base * 2 ** Math.max(0, Math.min(30, failures - 1)));
  const jitter = 0.5 + 0.5 * Math.min(Math.max((options.random ?? Math.random)(), 0), 1);
  return Math.max(Math.min(base / 2, cap), Math.min(cap, Math.round(exponential * jitter)));
}

export interface BotRunnerOptions {
  bot: Bot<BotContext>;
  queue: UpdateQueue;
  mode: { kind: 'webhook'; url: string; secretToken: string } | { kind: 'polling' };
  /** The admins (BOT_ADMIN_IDS and the bot_admins table) and former admins, for the command menus. */
  admins: () => Promise<{ admins: number[]; former: number[] }>;
  backoff?: BackoffOptions;
  log?: QueueLog;
}

export interface BotRunner {
  status(): BotStatus;
  /** Stops retrying and polling, and lets the updates being handled finish (up to `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

/** Telegram's long-poll wait, in seconds. */
const POLL_TIMEOUT_SECONDS = 30;

const errorOf = (error: unknown): BotStatus['lastError'] =>
  error instanceof GrammyError ? { class: 'GrammyError', code: error.error_code } : { class: (error as Error)?.name ?? 'Error' };

/**
 * @example
 * const runner = runBot({ bot, queue, mode: { kind: 'polling' }, admins: async () => ({ admins: [], former: [] }) });
 * app health: () => runner.status(); on shutdown: await runner.stop();
 */
export function runBot(options: BotRunnerOptions): BotRunner {
  const { bot, queue, mode } = options;
  const log = options.log ?? { info: () => {}, error: () => {} };
  const abort = new AbortController();
  const signal = abort.signal as unknown as ApiSignal;
  let state: BotState = 'starting';
  let failures = 0;
  let lastError: BotStatus['lastError'];
  let nextAttemptAt: Date | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  // Done once: what the next attempt can skip after a long poll fails.
  let configured = false;
  // The long poll's place: only moved on once the updates before it are stored, so none is lost.
  let offset: number | undefined;

  const fail = (error: unknown) => {
    if (stopped) return;
    failures += 1;
    lastError = errorOf(error);
    const delay = backoffDelay(failures, options.backoff);
    nextAttemptAt = new Date(Date.now() + delay);
    state = 'retrying';
    log.error({ bot: queue.botId, ...lastError, failures, nextAttemptAt: nextAttemptAt.toISOString() }, 'telegram bot not up; trying again later');
    timer = setTimeout(() => void attempt(), delay);
  };

  const up = () => {
    if (state !== 'up') log.info({ bot: queue.botId, mode: mode.kind }, 'telegram bot up');
    state = 'up';
    nextAttemptAt = undefined;
  };

  async function poll(): Promise<void> {
    while (!stopped) {
      const updates = await bot.api.getUpdates({ ...(offset === undefined ? {} : { offset }), timeout: POLL_TIMEOUT_SECONDS }, signal);
      // Stored (committed) before Telegram is told, by the next call's offset, that they arrived.
      for (const update of updates) await queue.enqueue(update);
      if (updates.length > 0) offset = updates[updates.length - 1].update_id + 1;
      // Telegram answered: a later failure starts the back-off from its shortest delay again.
      failures = 0;
    }
  }

  async function attempt(): Promise<void> {
    timer = undefined;
    if (stopped) return;
    try {
      if (!configured) {
        // getMe by hand: bot.init() retries by itself, for ever and out of sight; here every failure is seen and counted.
        if (!bot.isInited()) bot.botInfo = await bot.api.getMe(signal);
        const users = await options.admins();
        const { skipped } = await publishCommands(bot.api, users, signal);
        if (skipped > 0) log.info({ bot: queue.botId, skipped }, 'admin command menus skipped: Telegram knows no chat with them yet');
        if (mode.kind === 'webhook') await bot.api.setWebhook(mode.url, { secret_token: mode.secretToken }, signal);
        else await bot.api.deleteWebhook({}, signal);
        configured = true;
        // The bot is initialised: the queue may hand it updates (those waiting from before included).
        queue.start();
      }
      up();
      if (mode.kind === 'polling') await poll();
      else failures = 0;
    } catch (error) {
      fail(error);
    }
  }

  void attempt();
  return {
    status: () => ({
      state: stopped ? 'off' : state,
      mode: mode.kind,
      failures,
      ...(lastError ? { lastError } : {}),
      ...(state === 'retrying' && nextAttemptAt ? { nextAttemptAt: nextAttemptAt.toISOString() } : {}),
    }),
    async stop(graceMs) {
      stopped = true;
      clearTimeout(timer);
      abort.abort();
      await queue.stop(graceMs);
    },
  };
}
