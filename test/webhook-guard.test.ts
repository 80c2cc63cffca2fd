import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Database } from '../db/client.ts';
import { registerModel } from '../db/repository.ts';
import type { createApp } from '../src/api/app.ts';
import { WEBHOOK_MAX_BYTES } from '../src/api/telegram-webhook.ts';
import { loadModel } from '../src/model/load.ts';
import { ENGINES, openTestDatabase } from './support/databases.ts';
import { webhookApp } from './support/webhook-bot.ts';
import { FakeTelegram, callbackUpdate, documentUpdate, textUpdate } from './support/fake-telegram.ts';

/**
 * POST /telegram/webhook through the whole app: a body that is not a Telegram update is a 400 (right
 * secret) or a 401 (wrong secret), never a 500; a body over the limit is a 413; real updates still
 * reach the bot. (Before the guard, '', '{', 'null' and '[]' answered 500 and any size was read.)
 */

const model = loadModel('models');
const SECRET = 'webhook-secret-guard-1';

/** Words from zod's and JSON.parse's own messages, which must not reach a caller. */
const LIBRARY_WORDING = /Invalid input|expected|received|Unexpected token|JSON at position|SyntaxError/;

describe.each(ENGINES)('Telegram webhook guard on %s', (engine) => {
  let database: Database;
  let fake: FakeTelegram;
  let app: ReturnType<typeof createApp>;

  const post = (body: BodyInit | null, headers: Record<string, string> = { 'x-telegram-bot-api-secret-token': SECRET }) =>
    app.request('/telegram/webhook', { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  const sentMessages = () => fake.calls.filter((c) => c.method === 'sendMessage').length;

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    await registerModel(database.db, model);
    fake = await new FakeTelegram().start();
    app = webhookApp(() => database.db, model, fake.url, SECRET);
  });
  afterAll(async () => {
    await fake?.stop();
    await database?.close();
  });

  it.each([
    ['', '(body)', 'is required'],
    ['{', '(body)', 'must be JSON'],
    ['null', '(body)', 'must be an object'],
    ['[]', '(body)', 'must be an object'],
    ['"update"', '(body)', 'must be an object'],
    ['{}', 'update_id', 'is required'],
    ['{"update_id":-1}', 'update_id', 'must be at least 0'],
    ['{"update_id":1.5}', 'update_id', 'must be a whole number'],
    ['{"update_id":"7"}', 'update_id', 'must be a number'],
    ['{"update_id":7,"message":5}', 'message', 'must be an object'],
    [
      '{"update_id":7,"message":{"message_id":1,"date":0,"chat":{"id":5,"type":"private"},"text":"hi"}}',
      'message.from',
      'a private chat message must say who sent it',
    ],
    [
      '{"update_id":7,"callback_query":{"id":"1","from":{"id":8,"is_bot":false,"first_name":"A"},"chat_instance":"c","data":"ans:1:0"}}',
      'callback_query.message',
      'is required',
    ],
  ])('%j with the right secret: 400, %s %s, and the bot is not called', async (body, field, rule) => {
    const before = fake.calls.length;
    const res = await post(body);
    expect(res.status).toBe(400);
    const answer = await res.json();
    expect(answer).toEqual({ error: 'invalid input', issues: expect.arrayContaining([{ field, rule }]) });
    expect(JSON.stringify(answer)).not.toMatch(LIBRARY_WORDING);
    expect(fake.calls.length).toBe(before);
  });

  it('bytes that are not UTF-8: 400', async () => {
    const res = await post(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid input', issues: [{ field: '(body)', rule: 'must be UTF-8 text' }] });
  });

  it.each(['', '{', 'null', '[]', JSON.stringify(textUpdate(301, '/start'))])('%j with a wrong or missing secret: 401', async (body) => {
    const before = fake.calls.length;
    for (const headers of [{ 'x-telegram-bot-api-secret-token': 'wrong-secret' }, { 'x-telegram-bot-api-secret-token': `${SECRET}x` }, {}] as Record<
      string,
      string
    >[]) {
      const res = await post(body, headers);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: 'wrong or missing secret token' });
    }
    expect(fake.calls.length).toBe(before);
  });

  it('a body over 1 MiB: 413, whether its length is declared or streamed; 401 without the secret', async () => {
    const over = `{"update_id":1,"pad":"${'x'.repeat(WEBHOOK_MAX_BYTES)}"}`;
    expect((await post(over)).status).toBe(413);
    const declared = await post(over, { 'x-telegram-bot-api-secret-token': SECRET, 'content-length': String(over.length) });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual({ error: `update larger than ${WEBHOOK_MAX_BYTES} bytes` });
    // Streamed in chunks with no length: counted as it arrives, refused once past the limit.
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent++;
        if (sent > 64) controller.close();
        else controller.enqueue(chunk);
      },
    });
    expect(
      (
        await app.request('/telegram/webhook', {
          method: 'POST',
          body: stream,
          duplex: 'half',
          headers: { 'x-telegram-bot-api-secret-token': SECRET },
        } as RequestInit)
      ).status,
    ).toBe(413);
    expect(sent).toBeLessThan(64); // it stopped reading well before the end
    expect((await post(over, { 'x-telegram-bot-api-secret-token': 'wrong-secret' })).status).toBe(401);
  });

  it('an update of exactly 1 MiB is accepted and handled', async () => {
    const update = textUpdate(302, '/help');
    const base = JSON.stringify({ ...update, pad: '' });
    const exact = JSON.stringify({ ...update, pad: 'x'.repeat(WEBHOOK_MAX_BYTES - Buffer.byteLength(base)) });
    expect(Buffer.byteLength(exact)).toBe(WEBHOOK_MAX_BYTES);
    const before = sentMessages();
    expect((await post(exact)).status).toBe(200);
    expect(sentMessages()).toBe(before + 1);
  });

  it('real updates still reach the bot: a command, a button, a document', async () => {
    const before = sentMessages();
    expect((await post(JSON.stringify(textUpdate(303, '/start')))).status).toBe(200);
    expect(fake.textsTo(303).at(-1)).toMatch(/Hello! I am Lendwise/);
    expect((await post(JSON.stringify(callbackUpdate(303, 'ans:1:0')))).status).toBe(200);
    expect((await post(JSON.stringify(documentUpdate(303, 'none')))).status).toBe(200);
    expect(sentMessages()).toBeGreaterThan(before);
  });

  it('property: any body answers 200, 400 or 413 with the secret, 401 without it, never 500', async () => {
    const valid = fc.oneof(
      fc.integer({ min: 400, max: 499 }).map((u) => textUpdate(u, '/start')),
      fc.integer({ min: 400, max: 499 }).map((u) => textUpdate(u, 'hello')),
      fc.integer({ min: 400, max: 499 }).map((u) => callbackUpdate(u, 'ans:1:0')),
      fc.integer({ min: 400, max: 499 }).map((u) => documentUpdate(u, 'missing')),
    );
    /** A real update with one value somewhere inside replaced by anything JSON can hold, or removed. */
    const mutated = fc.tuple(valid, fc.nat(), fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined })).map(([update, pick, value]) => {
      const copy = structuredClone(update) as Record<string, unknown>;
      const slots: [Record<string, unknown>, string][] = [];
      const walk = (o: Record<string, unknown>) => {
        for (const [k, v] of Object.entries(o)) {
          slots.push([o, k]);
          if (v !== null && typeof v === 'object') walk(v as Record<string, unknown>);
        }
      };
      walk(copy);
      const [owner, key] = slots[pick % slots.length];
      if (value === undefined) delete owner[key];
      else owner[key] = value;
      return JSON.stringify(copy);
    });
    const body = fc.oneof(
      mutated,
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 200 }),
      fc.constantFrom('', '{', 'null', '[]', '{"update_id":', '\u0000', '{"update_id":1e400}'),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), async (text, rightSecret) => {
        const res = await post(text, rightSecret ? { 'x-telegram-bot-api-secret-token': SECRET } : { 'x-telegram-bot-api-secret-token': 'nope' });
        if (!rightSecret) expect(res.status).toBe(401);
        else expect([200, 400]).toContain(res.status);
        if (res.status === 400) {
          const answer = await res.json();
          expect(answer.error).toBe('invalid input');
          expect(answer.issues.length).toBeGreaterThan(0);
          expect(JSON.stringify(answer)).not.toMatch(LIBRARY_WORDING);
        }
      }),
      { numRuns: 150, seed: 20_261_126 },
    );
  });
});
