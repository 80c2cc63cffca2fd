import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { BotError, type Bot } from 'grammy';
import type { Update } from 'grammy/types';
import { claimNextUpdate, enqueueUpdate, finishUpdate, pruneUpdates, renewClaims, updateStatus, type ClaimedUpdate } from '../db/bot-repository.ts';
import type { Db } from '../db/client.ts';
import { classifyDatabaseError } from '../src/app/database-errors.ts';
import type { BotContext } from './session.ts';

/**
 * The bot's durable update queue (table telegram_updates). The webhook and the long poll store each
 * update here before Telegram is answered; a worker in the process that runs the bot claims the
 * oldest, hands it to grammY, and marks it done only once the handling (the answer sent, the
 * conversation written) has finished. An update whose handling died with its process keeps its
 * claim until the lease runs out, then is handled again: nothing received is lost, and a re-sent
 * update is a no-op. A chat's updates are handled in order, one at a time; different chats in parallel.
 */

/** What a process that only receives needs (a cluster's other workers, the webhook route). */
export interface UpdateReceiver {
  /** The bot's id: the number before the colon in its token. */
  readonly botId: number;
  /** Stores the update (committed when this resolves) and wakes the worker; false for an update already received. */
  enqueue(update: Update): Promise<boolean>;
  /**
   * Resolves true once the update has been handled (here or by another worker), false after `ms`, or
   * at once where this process has no running worker: the update is stored either way.
   */
  settled(updateId: number, ms: number): Promise<boolean>;
}

export interface UpdateQueue extends UpdateReceiver {
  /** Lets the worker run (after the bot is initialised), polls for updates other processes stored and for dead claims, prunes. */
  start(): void;
  /** Stops claiming and waits (up to `graceMs`) for the updates being handled; a claim left open is retaken after its lease. */
  stop(graceMs?: number): Promise<void>;
  /** Updates being handled by this process now. */
  inFlight(): number;
}

/** Operators' log: ids, counts, durations and error classes only, never an update's content. */
export interface QueueLog {
  info(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface UpdateQueueOptions {
  db: () => Db;
  botId: number;
  /** Handles one update (`handleOnce` with the bot); a process without it only receives. */
  handle?: (update: Update) => Promise<void>;
  /** Wait for start() before handling (the bot is not initialised yet); false: handle as soon as something is queued. */
  paused?: boolean;
  /** Updates handled at once (of different chats). */
  concurrency?: number;
  /** A claim not renewed for this long is taken for a dead worker's. */
  leaseMs?: number;
  /** How often the started worker looks for work it was not told about (other processes' updates, dead claims). */
  pollMs?: number;
  /** Claims an update may have; past it, it is set aside as failed (a poison update must not loop forever). */
  maxAttempts?: number;
  /** Test-only: wait this long after claiming an update, before handling it (to kill the process in between). */
  testDelayMs?: number;
  log?: QueueLog;
}

export const UPDATE_LEASE_MS = 30_000;
export const MAX_UPDATE_ATTEMPTS = 10;
const PRUNE_EVERY_MS = 3_600_000;

/** The bot id in a token (`123456:ABC…` → 123456): known without asking Telegram, so updates can be queued while it is unreachable. */
export function botIdOfToken(token: string): number {
  const id = Number(token.split(':')[0]);
  if (!Number.isSafeInteger(id) || id <= 0) throw new Error('the bot token must start with the bot id, like 123456:ABC-DEF…');
  return id;
}

/** Delay before retrying an update whose handling failed: 2 s, 4 s, … at most 5 minutes. */
export const retryDelayMs = (attempts: number) => Math.min(300_000, 1_000 * 2 ** Math.max(1, attempts));

/**
 * Handles one update as grammY's polling loop does: a handler's error goes to the bot's error handler
 * (bot.catch), which tells the person. Rejects only when the update should be tried again (the error
 * handler rethrew: Telegram unavailable) or the bot is not initialised yet.
 *
 * @example updateQueue({ db, botId, handle: (update) => handleOnce(bot, update) });
 */
export async function handleOnce(bot: Bot<BotContext>, update: Update): Promise<void> {
  try {
    await bot.handleUpdate(update);
  } catch (error) {
    if (error instanceof BotError) await bot.errorHandler(error as BotError<BotContext>);
    else throw error;
  }
}

const silent: QueueLog = { info: () => {}, error: () => {} };

/**
 * @example
 * const queue = updateQueue({ db, botId: botIdOfToken(token), handle: (u) => handleOnce(bot, u), paused: true });
 * app.post('/telegram/webhook', telegramWebhook({ queue, secretToken }));
 * bot.botInfo = await bot.api.getMe(); queue.start();
 */
export function updateQueue(options: UpdateQueueOptions): UpdateQueue {
  const { db, botId, handle } = options;
  const concurrency = options.concurrency ?? 4;
  const leaseMs = options.leaseMs ?? UPDATE_LEASE_MS;
  const maxAttempts = options.maxAttempts ?? MAX_UPDATE_ATTEMPTS;
  const log = options.log ?? silent;
  // Claims are per worker: a restarted process must not think it holds its predecessor's.
  const owner = `${process.pid}-${randomUUID().slice(0, 8)}`;
  const settledEvents = new EventEmitter();
  settledEvents.setMaxListeners(0);
  const working = new Map<number, Promise<void>>();
  let paused = options.paused ?? false;
  let stopped = false;
  let pumping = false;
  let again = false;
  let timers: NodeJS.Timeout[] = [];
  let renewing = false;
  /** A timer that does not keep the process alive, cleared by stop(). */
  const every = (ms: number, work: () => void) => {
    const timer = setInterval(work, ms);
    timer.unref();
    timers.push(timer);
    return timer;
  };

  const dbFailure = (error: unknown, message: string) => {
    const { kind, code } = classifyDatabaseError(error);
    log.error({ bot: botId, errorClass: `database.${kind}`, code }, message);
  };

  /** Claims and starts updates while there are free slots and claimable rows. */
  async function pump(): Promise<void> {
    if (!handle || paused || stopped) return;
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        while (!paused && !stopped && working.size < concurrency) {
          const claimed = await claimNextUpdate(db(), botId, owner, leaseMs);
          if (!claimed) break;
          const run = handleClaimed(claimed).finally(() => {
            working.delete(claimed.updateId);
            void pump();
          });
          working.set(claimed.updateId, run);
          if (!renewing) {
            // Long handlings keep their claims: renewed well before the lease runs out.
            renewing = true;
            every(Math.max(1_000, Math.floor(leaseMs / 3)), renew);
          }
        }
      } while (again && !paused && !stopped);
    } catch (error) {
      // The database is away: the poll (or the next update) tries again.
      dbFailure(error, 'bot queue: could not claim an update');
    } finally {
      pumping = false;
    }
  }

  async function handleClaimed(claimed: ClaimedUpdate): Promise<void> {
    const { updateId, attempts } = claimed;
    const started = Date.now();
    try {
      if (attempts > maxAttempts) {
        await finishUpdate(db(), botId, updateId, owner, { status: 'failed' });
        log.error({ bot: botId, update: updateId, attempts }, 'bot update set aside: it failed too many times');
        return;
      }
      if (options.testDelayMs) {
        log.info({ bot: botId, update: updateId }, 'bot update claimed, handling delayed (test hook)');
        await new Promise((resolve) => setTimeout(resolve, options.testDelayMs));
      }
      // The handler (and grammY's session write after it) has finished before the update is marked done.
      await handle!(JSON.parse(claimed.payload) as Update);
      if (await finishUpdate(db(), botId, updateId, owner, { status: 'done' }))
        log.info({ bot: botId, update: updateId, attempts, ms: Date.now() - started }, 'bot update handled');
    } catch (error) {
      // Telegram or the database failed under the handler: the update goes back to the queue, to be tried again later.
      const retryAt = new Date(Date.now() + retryDelayMs(attempts));
      log.error(
        { bot: botId, update: updateId, attempts, errorClass: (error as Error)?.name, retryAt: retryAt.toISOString() },
        'bot update failed; it will be tried again',
      );
      await finishUpdate(db(), botId, updateId, owner, { status: 'retry', retryAt }).catch((e) => dbFailure(e, 'bot queue: could not requeue an update'));
    } finally {
      settledEvents.emit(String(updateId));
    }
  }

  const renew = () => {
    if (working.size === 0) return;
    renewClaims(db(), botId, owner, [...working.keys()]).catch((e) => dbFailure(e, 'bot queue: could not renew claims'));
  };

  return {
    botId,
    async enqueue(update) {
      const fresh = await enqueueUpdate(db(), botId, update as unknown as { update_id: number } & Record<string, unknown>);
      if (fresh) void pump();
      return fresh;
    },
    async settled(updateId, ms) {
      // Nothing here will handle it before start(): answer at once (it is stored).
      if (!handle || paused || stopped || ms <= 0) return false;
      const deadline = Date.now() + ms;
      let wake = () => {};
      const listener = () => wake();
      settledEvents.on(String(updateId), listener);
      try {
        for (;;) {
          const status = await updateStatus(db(), botId, updateId);
          if (status === 'done' || status === 'failed') return true;
          const left = deadline - Date.now();
          if (left <= 0) return false;
          // Woken when this process's worker ends an attempt; else looked at again shortly, for an
          // update another worker (a restarted one's predecessor, another process) has taken.
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, Math.min(left, 250));
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        }
      } finally {
        settledEvents.off(String(updateId), listener);
      }
    },
    start() {
      if (!handle || stopped) return;
      paused = false;
      every(options.pollMs ?? 1_000, () => void pump());
      const prune = () =>
        pruneUpdates(db()).then(
          (n) => n > 0 && log.info({ bot: botId, pruned: n }, 'bot queue: old handled updates forgotten'),
          (e) => dbFailure(e, 'bot queue: could not prune'),
        );
      every(PRUNE_EVERY_MS, () => void prune());
      void prune();
      void pump();
    },
    async stop(graceMs = 10_000) {
      stopped = true;
      if (working.size > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.allSettled([...working.values()]),
          new Promise((resolve) => {
            timer = setTimeout(resolve, graceMs);
          }),
        ]);
        clearTimeout(timer);
      }
      // Renewed until here: an update still being handled keeps its claim while it may finish.
      for (const timer of timers) clearInterval(timer);
      timers = [];
      renewing = false;
    },
    inFlight: () => working.size,
  };
}
