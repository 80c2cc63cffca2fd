import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context as HonoContext, Handler } from 'hono';
import type { Update } from 'grammy/types';
import { z } from 'zod';
import type { UpdateReceiver } from '../../bot/update-queue.ts';
import { describeIssues, type FieldIssue } from '../applicant/schema.ts';
import { withStorage } from './errors.ts';

/**
 * The webhook route (TELEGRAM_WEBHOOK_URL's path, /telegram/webhook by default), guarded before the
 * bot sees anything: the secret token first (401, without reading the body), then the size (413),
 * then the body itself (400 unless it is UTF-8 JSON holding an update the bot can read, see
 * WebhookUpdateSchema). A valid update is stored in the bot's update queue and answered 200 once
 * that has committed, so a crash after the answer loses nothing; the queue's worker handles it
 * (bot/update-queue.ts). The answer waits a few seconds for that handling, never longer: Telegram
 * re-sends an update that is not answered in time (grammY's own webhook adapter gives up after 10 s).
 */

/** Telegram updates are a few kilobytes; a mebibyte leaves room for the largest and stops a flood. */
export const WEBHOOK_MAX_BYTES = 1024 * 1024;

const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

const id = z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const UserSchema = z.looseObject({ id: count, is_bot: z.boolean(), first_name: z.string() });
const EntitySchema = z.looseObject({ type: z.string(), offset: count, length: count });
const MessageBaseSchema = z.looseObject({
  message_id: id,
  date: count,
  chat: z.looseObject({ id, type: z.enum(['private', 'group', 'supergroup', 'channel']) }),
  from: UserSchema.optional(),
  text: z.string().optional(),
  caption: z.string().optional(),
  entities: z.array(EntitySchema).optional(),
  caption_entities: z.array(EntitySchema).optional(),
  document: z.looseObject({ file_id: z.string(), file_unique_id: z.string(), file_name: z.string().optional(), file_size: count.optional() }).optional(),
});
/** A message sent to the bot: Telegram always says who wrote in a private chat, and the bot keys everything on it. */
const MessageSchema = MessageBaseSchema.refine((m) => m.chat.type !== 'private' || m.from !== undefined, {
  message: 'a private chat message must say who sent it',
  path: ['from'],
})
  // Entities mark up the text (commands are found by them): there are none without it.
  .refine((m) => m.entities === undefined || m.text !== undefined, { message: 'entities come with text', path: ['text'] })
  .refine((m) => m.caption_entities === undefined || m.caption !== undefined, { message: 'caption entities come with a caption', path: ['caption'] });

/**
 * An update as far as the bot reads it: its sequence number, and the kinds the bot handles checked
 * field by field (a message in a chat, a button press on one). Other kinds pass unchecked: grammY
 * ignores those it has no handler for, and Telegram adds new ones over time. The bot sends no inline
 * messages, so every button press it can receive comes with its message.
 */
export const WebhookUpdateSchema = z.looseObject({
  update_id: count,
  message: MessageSchema.optional(),
  edited_message: MessageSchema.optional(),
  channel_post: MessageSchema.optional(),
  edited_channel_post: MessageSchema.optional(),
  callback_query: z
    .looseObject({
      id: z.string(),
      from: UserSchema,
      chat_instance: z.string(),
      data: z.string().optional(),
      // The bot's own message the button is on (or what is left of it when too old: no sender, date 0).
      message: MessageBaseSchema,
    })
    .optional(),
});

export interface TelegramWebhookOptions {
  /** Where updates are stored (and, in the process running the bot, handled). */
  queue: UpdateReceiver;
  /** Telegram sends it in X-Telegram-Bot-Api-Secret-Token (set with setWebhook). */
  secretToken: string;
  /** Largest body accepted; WEBHOOK_MAX_BYTES by default. */
  maxBytes?: number;
  /** How long the answer waits for the update to be handled (default WEBHOOK_ANSWER_WITHIN_MS); it is stored before either way. */
  answerWithinMs?: number;
}

/**
 * The longest the answer waits for the handling: under grammY's 10 s, so Telegram never re-sends for
 * a slow answer, and long enough for a usual update to be answered before the next of its chat comes.
 */
export const WEBHOOK_ANSWER_WITHIN_MS = 8_000;

/** Compares in constant time, whatever the lengths (both sides are hashed to 32 bytes first). */
function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** The body's bytes, or 'too large' as soon as more than `maxBytes` arrive (a declared length is believed first). */
async function readCapped(request: Request, maxBytes: number): Promise<Uint8Array | 'too large'> {
  const declared = request.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > maxBytes) return 'too large';
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return 'too large';
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** The update in a body, or the issues that make it not one (in plain words). */
function parseUpdate(bytes: Uint8Array): { ok: true; update: Update } | { ok: false; issues: FieldIssue[] } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, issues: [{ field: '(body)', rule: 'must be UTF-8 text' }] };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, issues: [{ field: '(body)', rule: text.trim() === '' ? 'is required' : 'must be JSON' }] };
  }
  const result = WebhookUpdateSchema.safeParse(json);
  // The schema checks only what the bot relies on; grammY's Update type describes the rest.
  return result.success ? { ok: true, update: result.data as unknown as Update } : { ok: false, issues: describeIssues(result.error) };
}

/**
 * The handler to mount at the webhook's path: checks the secret token, the size and the body, stores
 * the update (a re-sent one is a no-op) and answers 200 once it is stored and handled, or stored and
 * WEBHOOK_ANSWER_WITHIN_MS have passed. The database down: 503 (nothing stored; Telegram sends it again).
 *
 * @example
 * app.post('/telegram/webhook', telegramWebhook({ queue, secretToken: env.TELEGRAM_WEBHOOK_SECRET }));
 */
export function telegramWebhook(options: TelegramWebhookOptions): Handler {
  const { queue, secretToken } = options;
  const maxBytes = options.maxBytes ?? WEBHOOK_MAX_BYTES;
  const answerWithinMs = options.answerWithinMs ?? WEBHOOK_ANSWER_WITHIN_MS;

  return async (c: HonoContext) => {
    const header = c.req.header(SECRET_HEADER);
    if (!sameSecret(header, secretToken)) return c.json({ error: 'wrong or missing secret token' }, 401);
    const body = await readCapped(c.req.raw, maxBytes);
    if (body === 'too large') return c.json({ error: `update larger than ${maxBytes} bytes` }, 413);
    const parsed = parseUpdate(body);
    if (!parsed.ok) return c.json({ error: 'invalid input', issues: parsed.issues }, 400);
    // Failures become StorageUnavailable: the app answers 503 (or 500) by class, and Telegram re-sends.
    await withStorage(() => queue.enqueue(parsed.update));
    await queue.settled(parsed.update.update_id, answerWithinMs);
    return c.body('', 200);
  };
}
