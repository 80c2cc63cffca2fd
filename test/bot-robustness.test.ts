import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { and, eq } from 'drizzle-orm';
import type { Update } from 'grammy/types';
import { createBot } from '../bot/bot.ts';
import { publishCommands } from '../bot/commands.ts';
import { ADMIN_COMMANDS, APPLICANT_COMMANDS } from '../bot/features/account.ts';
import { botIdOfToken, handleOnce, updateQueue, type UpdateQueue, type UpdateQueueOptions } from '../bot/update-queue.ts';
import { claimNextUpdate, enqueueUpdate, formerBotAdmins, readConversation } from '../db/bot-repository.ts';
import { openDatabase, type Database } from '../db/client.ts';
import { databaseStore } from '../db/decision-store.ts';
import { registerModel } from '../db/repository.ts';
import { telegramUpdates } from '../db/schema.ts';
import { createApp } from '../src/api/app.ts';
import { decisionService } from '../src/app/decide.ts';
import { readEnv } from '../src/config/env.ts';
import { mulberry32 } from '../src/forest/rng.ts';
import { loadModel } from '../src/model/load.ts';
import { backoffDelay, runBot } from '../src/node/bot-runner.ts';
import { ENGINES, openTestDatabase } from './support/databases.ts';
import { FakeTelegram, TEST_BOT_INFO, textUpdate } from './support/fake-telegram.ts';

/**
 * Issue 13 (robustness), in process, over the webhook route with real update JSON and a fake Bot API:
 * updates are queued per bot, a re-sent one is a no-op, concurrent copies run once, a failed reply is
 * tried again, a dead worker's claim is retaken after its lease, one chat's updates are handled in
 * order, and an update is marked done only after its conversation is written. The process-level
 * cases (kill -9, Telegram down at start-up) are in bot-crash.test.ts.
 */

const model = loadModel('models');
const run = promisify(execFile);
const SECRET = 'robustness-secret-1';
const TOKEN_A = '123456:TOKEN-A';
const TOKEN_B = '654321:TOKEN-B';

describe.each(ENGINES)('the bot update queue on %s', (engine) => {
  let database: Database;
  let fake: FakeTelegram;
  const queues: UpdateQueue[] = [];
  const db = () => database.db;

  const makeBot = (token: string, apiRoot = fake.url) =>
    createBot(
      { db, model, decisions: decisionService({ model, store: databaseStore(db), policyTtlMs: 0 }), admins: [] },
      { token, botInfo: { ...TEST_BOT_INFO, id: botIdOfToken(token) }, apiRoot },
    );
  /** The webhook app with its own queue (options as given), its worker running. */
  const webhook = (token: string, options: Partial<UpdateQueueOptions> = {}, apiRoot = fake.url) => {
    const bot = makeBot(token, apiRoot);
    const queue = updateQueue({ db, botId: botIdOfToken(token), handle: (u) => handleOnce(bot, u), pollMs: 100, ...options });
    queue.start();
    queues.push(queue);
    const app = createApp({ model, db, telegram: { queue, secretToken: SECRET } });
    const post = async (update: unknown) =>
      (
        await app.request('/telegram/webhook', {
          method: 'POST',
          body: JSON.stringify(update),
          headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
        })
      ).status;
    return { bot, queue, post };
  };
  const sentTo = (f: FakeTelegram, chat: number) => f.calls.filter((c) => c.method === 'sendMessage' && c.payload.chat_id === chat);
  const row = async (botId: number, updateId: number) =>
    (
      await db()
        .select()
        .from(telegramUpdates)
        .where(and(eq(telegramUpdates.botId, botId), eq(telegramUpdates.updateId, updateId)))
    )[0];

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    await registerModel(database.db, model);
    fake = await new FakeTelegram().start();
  });
  afterEach(async () => {
    for (const q of queues.splice(0)) await q.stop(5_000);
    fake.refuse = () => undefined;
  });
  afterAll(async () => {
    await fake?.stop();
    await database?.close();
  });

  it('handles the same update id from two bots, and a re-sent one once per bot', async () => {
    const other = await new FakeTelegram().start();
    try {
      const a = webhook(TOKEN_A);
      const b = webhook(TOKEN_B, {}, other.url);
      const update = textUpdate(701, '/help');
      expect(await a.post(update)).toBe(200);
      expect(await b.post(update)).toBe(200);
      expect(sentTo(fake, 701)).toHaveLength(1);
      expect(sentTo(other, 701)).toHaveLength(1);
      // Telegram re-sends it to bot A (its answer was lost on the way): stored already, nothing runs again.
      expect(await a.post(update)).toBe(200);
      expect(sentTo(fake, 701)).toHaveLength(1);
      expect(await row(botIdOfToken(TOKEN_A), update.update_id)).toMatchObject({ status: 'done', attempts: 1, payload: null });
      expect(await row(botIdOfToken(TOKEN_B), update.update_id)).toMatchObject({ status: 'done', attempts: 1 });
    } finally {
      await other.stop();
    }
  });

  it('runs an update once when Telegram re-sends it while the first copy is still being handled', async () => {
    const { post } = webhook(TOKEN_A, { testDelayMs: 400 });
    const update = textUpdate(702, '/help');
    expect(await Promise.all([post(update), post(update), post(update)])).toEqual([200, 200, 200]);
    await new Promise((r) => setTimeout(r, 300));
    expect(sentTo(fake, 702)).toHaveLength(1);
  });

  it('marks an update done only after its conversation is written', async () => {
    const bot = makeBot(TOKEN_A);
    const seen: { status?: string; conversation: unknown }[] = [];
    const update = textUpdate(703, '/apply');
    const queue = updateQueue({
      db,
      botId: botIdOfToken(TOKEN_A),
      handle: async (u) => {
        await handleOnce(bot, u);
        // grammY's session middleware has written the conversation; the update is still being handled.
        seen.push({ status: (await row(botIdOfToken(TOKEN_A), u.update_id))?.status, conversation: await readConversation(db(), '703') });
      },
    });
    queues.push(queue);
    expect(await queue.enqueue(update as unknown as Update)).toBe(true);
    expect(await queue.settled(update.update_id, 10_000)).toBe(true);
    expect(seen).toHaveLength(1);
    expect(seen[0].status).toBe('working');
    expect(seen[0].conversation).toBeDefined();
    expect((await row(botIdOfToken(TOKEN_A), update.update_id))?.status).toBe('done');
  });

  it('tries an update again when Telegram fails under the reply, and answers it once', async () => {
    const { post } = webhook(TOKEN_A);
    let refusals = 0;
    fake.refuse = (method, payload) =>
      method === 'sendMessage' && payload.chat_id === 704 && refusals++ === 0 ? { code: 502, description: 'Bad Gateway' } : undefined;
    const update = textUpdate(704, '/help');
    // Queued again 2 s on (the first retry's delay), then handled: one refused call, one answer.
    expect(await post(update)).toBe(200);
    await expect.poll(async () => (await row(botIdOfToken(TOKEN_A), update.update_id))?.status, { timeout: 10_000, interval: 200 }).toBe('done');
    expect(sentTo(fake, 704)).toHaveLength(2);
    expect(refusals).toBe(2);
    expect(await row(botIdOfToken(TOKEN_A), update.update_id)).toMatchObject({ attempts: 2 });
  });

  it("retakes a dead worker's claim once its lease has run out, and not before", async () => {
    const botId = botIdOfToken(TOKEN_A);
    const update = textUpdate(705, '/help');
    await enqueueUpdate(db(), botId, update);
    // A worker that claimed it and died: its lease is never renewed.
    expect((await claimNextUpdate(db(), botId, 'dead-worker', 60_000))?.updateId).toBe(update.update_id);
    const patient = webhook(TOKEN_A, { leaseMs: 60_000 });
    await new Promise((r) => setTimeout(r, 500));
    expect(sentTo(fake, 705)).toHaveLength(0);
    await patient.queue.stop();
    webhook(TOKEN_A, { leaseMs: 800 });
    await expect.poll(() => sentTo(fake, 705).length, { timeout: 10_000, interval: 100 }).toBe(1);
    // The answer is sent before the update is marked done (after the session is written): wait for that too.
    await expect.poll(async () => (await row(botId, update.update_id))?.status, { timeout: 10_000, interval: 100 }).toBe('done');
    expect(await row(botId, update.update_id)).toMatchObject({ status: 'done', attempts: 2 });
    expect(sentTo(fake, 705)).toHaveLength(1);
  });

  it("handles one chat's updates in order, one at a time, and other chats meanwhile", async () => {
    const bot = makeBot(TOKEN_A);
    const log: string[] = [];
    const queue = updateQueue({
      db,
      botId: botIdOfToken(TOKEN_A),
      concurrency: 4,
      handle: async (u) => {
        const chat = (u.message?.chat.id ?? 0) as number;
        log.push(`start ${chat} ${u.message?.text}`);
        await new Promise((r) => setTimeout(r, 150));
        await handleOnce(bot, u);
        log.push(`end ${chat} ${u.message?.text}`);
      },
    });
    queues.push(queue);
    const mine = ['/start', '/help', '/status'].map((t) => textUpdate(706, t));
    const theirs = textUpdate(707, '/help');
    for (const u of [...mine, theirs]) await queue.enqueue(u as unknown as Update);
    await Promise.all([...mine, theirs].map((u) => queue.settled(u.update_id, 10_000)));
    const chat706 = log.filter((l) => l.includes(' 706 '));
    expect(chat706).toEqual(['start 706 /start', 'end 706 /start', 'start 706 /help', 'end 706 /help', 'start 706 /status', 'end 706 /status']);
    // The other chat did not wait for the first chat's three.
    expect(log.indexOf('start 707 /help')).toBeLessThan(log.indexOf('end 706 /start'));
  });
});

describe('scoped command menus', () => {
  it('sets the applicant menu for everyone and applicant + lender menus in each admin chat; skips chats Telegram does not know', async () => {
    const fake = await new FakeTelegram().start();
    try {
      const bot = createBot(
        { db: () => undefined as never, model, decisions: {} as never, admins: [], portfolioJobs: {} as never },
        { token: TOKEN_A, botInfo: TEST_BOT_INFO, apiRoot: fake.url },
      );
      fake.refuse = (_method, payload) => (payload.scope?.chat_id === 9003 ? { code: 400, description: 'Bad Request: chat not found' } : undefined);
      expect(await publishCommands(bot.api, { admins: [9001, 9003], former: [9002] })).toEqual({ skipped: 1 });
      const menus = fake.calls.filter((c) => c.method === 'setMyCommands');
      expect(menus[0].payload.scope).toBeUndefined();
      const names = (call: (typeof menus)[number]) => call.payload.commands.map((c: { command: string }) => c.command);
      expect(names(menus[0])).toEqual(APPLICANT_COMMANDS.map((c) => c.command));
      const admin = menus.find((c) => c.payload.scope?.chat_id === 9001)!;
      expect(admin.payload.scope).toEqual({ type: 'chat', chat_id: 9001 });
      expect(names(admin)).toEqual([...APPLICANT_COMMANDS, ...ADMIN_COMMANDS].map((c) => c.command));
      expect(names(admin)).toEqual(expect.arrayContaining(['apply', 'help', 'stats', 'export', 'frontier']));
      expect(fake.calls.filter((c) => c.method === 'deleteMyCommands').map((c) => c.payload.scope)).toEqual([{ type: 'chat', chat_id: 9002 }]);
      // Telegram unreachable is not a chat it does not know: that fails the attempt (retried by the runner).
      fake.refuse = () => ({ code: 502, description: 'Bad Gateway' });
      await expect(publishCommands(bot.api, { admins: [9001] })).rejects.toThrow();
    } finally {
      await fake.stop();
    }
  });
});

describe('npm run keys -- admin add|remove, beside a running bot', () => {
  const keys = (env: Record<string, string>, ...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'src/node/keys-cli.ts', ...args], { env: { ...process.env, ...env } });

  it("updates that user's command menu in Telegram at once, and says so", async () => {
    const fake = await new FakeTelegram().start();
    try {
      const dataDir = mkdtempSync(join(tmpdir(), 'lw-keys-'));
      const env = { DATA_DIR: dataDir, TELEGRAM_BOT_TOKEN: TOKEN_A, TELEGRAM_API_ROOT: fake.url };
      expect((await keys(env, 'admin', 'add', '9005')).stdout).toMatch(/added bot admin 9005\ntheir command menu in Telegram is updated/);
      const set = fake.calls.find((c) => c.method === 'setMyCommands')!;
      expect(set.payload.scope).toEqual({ type: 'chat', chat_id: 9005 });
      expect(set.payload.commands.map((c: { command: string }) => c.command)).toContain('stats');
      expect((await keys(env, 'admin', 'remove', '9005')).stdout).toMatch(/removed bot admin 9005\ntheir command menu in Telegram is updated/);
      expect(fake.calls.find((c) => c.method === 'deleteMyCommands')!.payload.scope).toEqual({ type: 'chat', chat_id: 9005 });
      fake.refuse = () => ({ code: 400, description: 'Bad Request: chat not found' });
      expect((await keys(env, 'admin', 'add', '9006')).stdout).toMatch(/Telegram knows no chat with them yet/);
      // Removed while Telegram was away: the bot's next start resets the menu (a former admin).
      await fake.stop();
      expect((await keys(env, 'admin', 'remove', '9006')).stdout).toMatch(
        /Telegram could not be reached: their command menu is updated when the bot next starts/,
      );
      const database = await openDatabase({ dataDir });
      try {
        expect((await formerBotAdmins(database.db)).sort()).toEqual([9005, 9006]);
      } finally {
        await database.close();
      }
    } finally {
      await fake.stop().catch(() => undefined);
    }
  }, 60_000);
});

describe('the bot brought up in the background', () => {
  it('retries a refusing Bot API with back-off, reports why and when, and stops retrying on shutdown', async () => {
    const fake = await new FakeTelegram().start();
    try {
      fake.refuse = (method) => (method === 'getMe' ? { code: 502, description: 'Bad Gateway' } : undefined);
      const bot = createBot(
        { db: () => undefined as never, model, decisions: {} as never, admins: [], portfolioJobs: {} as never },
        { token: TOKEN_A, apiRoot: fake.url },
      );
      const queue = updateQueue({ db: () => undefined as never, botId: botIdOfToken(TOKEN_A), handle: async () => {}, paused: true });
      const runner = runBot({
        bot,
        queue,
        mode: { kind: 'webhook', url: 'https://bot.example.test/hook', secretToken: SECRET },
        admins: async () => ({ admins: [], former: [] }),
        backoff: { baseMs: 40, capMs: 200, random: mulberry32(3) },
      });
      await expect.poll(() => runner.status().failures, { timeout: 5_000, interval: 20 }).toBeGreaterThanOrEqual(3);
      const status = runner.status();
      expect(status).toMatchObject({ state: 'retrying', mode: 'webhook', lastError: { class: 'GrammyError', code: 502 } });
      expect(Date.parse(status.nextAttemptAt!)).toBeLessThanOrEqual(Date.now() + 200);
      await runner.stop();
      expect(runner.status().state).toBe('off');
      const calls = fake.calls.length;
      await new Promise((r) => setTimeout(r, 600));
      expect(fake.calls.length).toBe(calls);
      // Once Telegram answers, the next attempt brings it up.
      fake.refuse = () => undefined;
      const again = runBot({
        bot,
        queue,
        mode: { kind: 'webhook', url: 'https://bot.example.test/hook', secretToken: SECRET },
        admins: async () => ({ admins: [], former: [] }),
      });
      await expect.poll(() => again.status().state, { timeout: 5_000, interval: 20 }).toBe('up');
      expect(fake.calls.filter((c) => c.method === 'setWebhook').at(-1)!.payload).toMatchObject({ url: 'https://bot.example.test/hook', secret_token: SECRET });
      await again.stop();
    } finally {
      await fake.stop();
    }
  });
});

describe('start-up back-off', () => {
  it('doubles from the base up to the cap, with jitter in [½, 1) from a seeded generator', () => {
    const random = mulberry32(13);
    const delays = Array.from({ length: 12 }, (_, i) => backoffDelay(i + 1, { baseMs: 1_000, capMs: 60_000, random }));
    delays.forEach((d, i) => {
      const full = Math.min(60_000, 1_000 * 2 ** i);
      expect(d).toBeGreaterThanOrEqual(full / 2);
      expect(d).toBeLessThanOrEqual(full);
    });
    expect(Math.max(...delays)).toBeLessThanOrEqual(60_000);
    // Seeded: the same seed, the same delays.
    const again = mulberry32(13);
    expect(Array.from({ length: 12 }, (_, i) => backoffDelay(i + 1, { baseMs: 1_000, capMs: 60_000, random: again }))).toEqual(delays);
    // Bounded whatever the generator gives.
    for (const r of [0, 0.999999, 1, -5, 7]) for (const n of [1, 5, 50, 5000]) expect(backoffDelay(n, { random: () => r })).toBeGreaterThanOrEqual(500);
    expect(backoffDelay(5000, { random: () => 7 })).toBeLessThanOrEqual(60_000);
  });
});

describe('TELEGRAM_WEBHOOK_URL', () => {
  const read = (url: string) => () => readEnv({ TELEGRAM_WEBHOOK_URL: url, TELEGRAM_WEBHOOK_SECRET: 'a-secret-of-16-chars' });
  it('is the full https URL Telegram posts to, path kept, and says so in plain words otherwise', () => {
    expect(read('https://loans.example.com/hooks/tg-7')().TELEGRAM_WEBHOOK_URL).toBe('https://loans.example.com/hooks/tg-7');
    expect(read('http://loans.example.com/hooks/tg')).toThrow(/TELEGRAM_WEBHOOK_URL: must start with https:\/\/ \(Telegram only posts to https\)/);
    expect(read('https://loans.example.com')).toThrow(/TELEGRAM_WEBHOOK_URL: must include the path Telegram posts to/);
    expect(read('https://loans.example.com/v1/score')).toThrow(/TELEGRAM_WEBHOOK_URL: must include the path/);
    expect(read('loans.example.com/hook')).toThrow(/TELEGRAM_WEBHOOK_URL: must be the full https URL Telegram posts to/);
  });
});
