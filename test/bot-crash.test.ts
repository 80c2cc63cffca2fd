import { afterEach, describe, expect, inject, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { freePort } from './support/ports.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTestDatabase } from './support/databases.ts';
import { FakeTelegram, textUpdate } from './support/fake-telegram.ts';
import { startServer } from './support/server-process.ts';

/**
 * Issue 13 (robustness) with `npm start` as a child process against a fake Bot API on 127.0.0.1:
 * - the server killed (SIGKILL) after an update is stored and claimed but before it is answered:
 *   restarted, it answers that update exactly once, by webhook (on PGlite and PostgreSQL) and by long
 *   polling, however often Telegram sends it again;
 * - Telegram unreachable at start-up: the API answers (/healthz says the bot is retrying, when, and
 *   why, never the token; /readyz stays 200 with bot: down), and once the Bot API is there the bot comes up by itself,
 *   with its command menus, and answers what was sent meanwhile;
 * - TELEGRAM_WEBHOOK_URL's path is where the server takes updates, and what Telegram is told.
 */

const SECRET = 'crash-test-secret-1234';
const TOKEN = '123456:CRASH-TEST-TOKEN';

const children: ChildProcess[] = [];
const fakes: FakeTelegram[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const fake of fakes.splice(0)) await fake.stop();
});

/** `npm start` with these variables; its output is collected from then on. */
async function server(env: Record<string, string>) {
  const child = await startServer({ LOG_LEVEL: 'info', ...env });
  children.push(child);
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  return { child, log: () => log };
}

const killed = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });

const sentTo = (fake: FakeTelegram, chat: number) => fake.calls.filter((c) => c.method === 'sendMessage' && c.payload.chat_id === chat);

const dbEnv = async (engine: 'pglite' | 'postgres'): Promise<Record<string, string>> => {
  if (engine === 'pglite') return { DATA_DIR: mkdtempSync(join(tmpdir(), 'lw-crash-')) };
  const database = await openTestDatabase('postgres');
  const url = database.url!;
  await database.close();
  expect(inject('postgresUrl')).toBeTruthy();
  return { DATABASE_URL: url };
};

describe.each(['pglite', 'postgres'] as const)('a crash between receiving an update and answering it, by webhook, on %s', (engine) => {
  it('loses nothing: after a restart the update is answered exactly once', async () => {
    const fake = await new FakeTelegram().start();
    fakes.push(fake);
    const port = await freePort();
    const path = '/hooks/telegram-7f3';
    const env = {
      ...(await dbEnv(engine)),
      PORT: String(port),
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: fake.url,
      TELEGRAM_WEBHOOK_URL: `https://bot.example.test${path}`,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
    };
    const post = (update: unknown) =>
      fetch(`http://127.0.0.1:${port}${path}`, {
        method: 'POST',
        body: JSON.stringify(update),
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
      }).then((r) => r.status);

    // Test hook: each claimed update is held 60 s before it is handled, long enough to kill the server.
    const first = await server({ ...env, LENDWISE_TEST_UPDATE_DELAY_MS: '60000' });
    await expect.poll(() => fake.calls.some((c) => c.method === 'setWebhook'), { timeout: 20_000 }).toBe(true);
    // Telegram is told the configured URL, path and all; the server takes updates there and nowhere else.
    expect(fake.calls.find((c) => c.method === 'setWebhook')!.payload).toMatchObject({ url: `https://bot.example.test${path}`, secret_token: SECRET });
    expect(
      (
        await fetch(`http://127.0.0.1:${port}/telegram/webhook`, {
          method: 'POST',
          body: '{}',
          headers: { 'x-telegram-bot-api-secret-token': SECRET },
        })
      ).status,
    ).toBe(404);

    const update = textUpdate(801, '/help');
    const inFlight = post(update).catch(() => 'cut off');
    await expect.poll(first.log, { timeout: 20_000 }).toContain('handling delayed (test hook)');
    expect(sentTo(fake, 801)).toHaveLength(0);
    await killed(first.child);
    // Telegram never got its 200: it will send the update again.
    expect(await inFlight).toBe('cut off');

    // Restarted; on PostgreSQL the dead run's claim is retaken once its lease (shortened for the test) has run out.
    const second = await server({ ...env, LENDWISE_TEST_UPDATE_LEASE_MS: '1500' });
    await expect.poll(() => sentTo(fake, 801).length, { timeout: 30_000, interval: 200 }).toBe(1);
    expect(await post(update)).toBe(200);
    expect(await post(update)).toBe(200);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(sentTo(fake, 801)).toHaveLength(1);
    // A new update of the same chat is handled as usual.
    expect(await post(textUpdate(801, '/status'))).toBe(200);
    expect(sentTo(fake, 801)).toHaveLength(2);
    expect(second.log()).not.toContain('CRASH-TEST-TOKEN');
  }, 120_000);
});

describe('a crash between receiving an update and answering it, by long polling', () => {
  it('loses nothing: the restarted server answers the update exactly once', async () => {
    const fake = await new FakeTelegram().start();
    fakes.push(fake);
    const env = { DATA_DIR: mkdtempSync(join(tmpdir(), 'lw-crash-')), PORT: String(await freePort()), TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: fake.url };
    const first = await server({ ...env, LENDWISE_TEST_UPDATE_DELAY_MS: '60000' });
    const update = textUpdate(802, '/help');
    // Telegram keeps an update until a later getUpdates' offset says it arrived: here it stays on offer.
    fake.pending.push(update);
    await expect.poll(first.log, { timeout: 20_000 }).toContain('handling delayed (test hook)');
    expect(sentTo(fake, 802)).toHaveLength(0);
    await killed(first.child);

    await server(env);
    await expect.poll(() => sentTo(fake, 802).length, { timeout: 30_000, interval: 200 }).toBe(1);
    // The long poll keeps being offered it (the fake never forgets): stored once, answered once.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(sentTo(fake, 802)).toHaveLength(1);
    expect(fake.calls.filter((c) => c.method === 'getUpdates').length).toBeGreaterThan(2);
  }, 120_000);
});

describe('Telegram unreachable at start-up', () => {
  it('the API answers meanwhile, /healthz says the bot is retrying, and the bot comes up once the Bot API does', async () => {
    const apiPort = await freePort(); // nothing listens here yet
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const { log } = await server({
      DATA_DIR: mkdtempSync(join(tmpdir(), 'lw-down-')),
      PORT: String(port),
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: `http://127.0.0.1:${apiPort}`,
      BOT_ADMIN_IDS: '9001,9002',
    });
    const health = async () => (await fetch(`${base}/healthz`)).json() as Promise<Record<string, any>>;
    await expect.poll(async () => (await health()).bot?.state, { timeout: 20_000, interval: 200 }).toBe('retrying');
    const retrying = await health();
    expect(retrying).toMatchObject({ ok: true, database: 'up', bot: { state: 'retrying', mode: 'polling', lastError: { class: 'HttpError' } } });
    expect(retrying.bot.failures).toBeGreaterThanOrEqual(1);
    expect(Date.parse(retrying.bot.nextAttemptAt)).toBeGreaterThan(Date.now() - 1_000);
    expect(Date.parse(retrying.bot.nextAttemptAt)).toBeLessThan(Date.now() + 61_000);
    expect(JSON.stringify(retrying)).not.toContain('CRASH-TEST-TOKEN');
    // Still ready for traffic: Telegram being away must not take the API and the widget down.
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, database: 'up', bot: 'down' });
    // The API and the widget are served meanwhile.
    expect((await fetch(`${base}/`)).status).toBe(200);
    expect((await fetch(`${base}/openapi.json`)).status).toBe(200);

    const fake = await new FakeTelegram().start(apiPort);
    fakes.push(fake);
    fake.pending.push(textUpdate(803, '/help'));
    await expect.poll(async () => (await health()).bot?.state, { timeout: 60_000, interval: 250 }).toBe('up');
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    await expect.poll(() => sentTo(fake, 803).length, { timeout: 20_000, interval: 200 }).toBe(1);
    const methods = fake.calls.map((c) => c.method);
    expect(methods.slice(0, 2)).toEqual(['getMe', 'setMyCommands']);
    expect(methods).toEqual(expect.arrayContaining(['deleteWebhook', 'getUpdates']));
    const scopes = fake.calls.filter((c) => c.method === 'setMyCommands').map((c) => c.payload.scope ?? 'default');
    expect(scopes).toEqual(['default', { type: 'chat', chat_id: 9001 }, { type: 'chat', chat_id: 9002 }]);
    expect(log()).not.toContain('CRASH-TEST-TOKEN');
  }, 120_000);
});
