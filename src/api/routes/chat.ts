import { randomUUID } from 'node:crypto';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { deleteConversation, readConversation, writeConversation } from '../../../db/bot-repository.ts';
import type { Db } from '../../../db/client.ts';
import type { ChatService } from '../../app/chat.ts';
import type { Caller } from '../../app/ports.ts';
import { ChatStateSchema, current, newConversation, type ChatInput, type Reply, type Turn } from '../../conversation/engine.ts';
import { guessLanguage, LANGUAGES, pickLanguage } from '../../conversation/i18n.ts';
import type { AuthEnv } from '../auth.ts';
import { callerOf } from '../caller.ts';
import { ErrorSchema, jsonContent, withStorage } from '../errors.ts';

/**
 * The web chat: the same conversation as the Telegram bot and `npm run chat`, over HTTP. Each
 * conversation is stored (table `conversations`, key `web:<id>`) after every message, so a page
 * reload or a server restart resumes it, and DELETE removes it.
 */

const ButtonSchema = z.object({ id: z.string(), label: z.string() });
const ReplySchema = z.object({ text: z.string(), buttons: z.array(ButtonSchema).optional() });

export const ChatRequestSchema = z
  .object({
    conversationId: z.uuid('must be the conversationId an earlier answer gave').optional(),
    text: z.string().max(2_000, 'must be at most 2,000 characters').optional(),
    button: z.string().max(80, 'must be the id of a button an answer offered').optional(),
    language: z.enum(LANGUAGES).optional(),
  })
  .strict()
  .refine((r) => r.text === undefined || r.button === undefined, { message: 'send either text or a button, not both', path: ['button'] })
  .meta({ example: { text: "I'd like 12k over 3 years to pay off my cards; I make about 55k and rent", language: 'en' } });

export const ChatResponseSchema = z.object({
  conversationId: z.uuid(),
  replies: z.array(ReplySchema),
  answers: z.record(z.string(), z.union([z.number(), z.string()])).meta({ description: 'The applicant fields given so far' }),
  done: z.boolean().meta({ description: 'True once a decision was made' }),
  decision: z.record(z.string(), z.unknown()).optional().meta({ description: 'The /v1/score answer, once decided' }),
});

/** What is stored per web conversation: the engine's state, who started it, and the last replies (for GET). */
const StoredChatSchema = z.object({ owner: z.string(), chat: ChatStateSchema, replies: z.array(ReplySchema) });
type StoredChat = z.infer<typeof StoredChatSchema>;

const errors = {
  401: jsonContent(ErrorSchema, 'No valid API key or widget session'),
  404: jsonContent(ErrorSchema, 'No such conversation for this key or session'),
  429: jsonContent(ErrorSchema, 'Rate limit exceeded'),
  503: jsonContent(ErrorSchema, 'Storage unavailable: the message was not taken'),
};
const idParam = z.object({ id: z.uuid('must be a conversationId').meta({ param: { name: 'id', in: 'path' } }) });

export const chatRoute = createRoute({
  method: 'post',
  path: '/v1/chat',
  summary: 'Talk to the loan assistant',
  description:
    'Starts a conversation (no conversationId) or continues one with typed text or a pressed button. Free text may answer several questions at once ("12k over 3 years for my cards, I earn 55k and rent"); the assistant asks only for what is missing, then shows a summary to confirm and decides. The decision is the same as /v1/score\'s.',
  security: [{ apiKey: [] }],
  request: { body: { content: { 'application/json': { schema: ChatRequestSchema } }, required: true } },
  responses: { 200: jsonContent(ChatResponseSchema, 'What the assistant says, and the state'), 400: jsonContent(ErrorSchema, 'Invalid request'), ...errors },
});

export const getChatRoute = createRoute({
  method: 'get',
  path: '/v1/chat/{id}',
  summary: 'A conversation as it stands (the last replies again)',
  security: [{ apiKey: [] }],
  request: { params: idParam },
  responses: { 200: jsonContent(ChatResponseSchema, 'The state'), 400: jsonContent(ErrorSchema, 'Invalid id'), ...errors },
});

export const deleteChatRoute = createRoute({
  method: 'delete',
  path: '/v1/chat/{id}',
  summary: 'Delete a conversation and its answers (decisions already made are kept as records)',
  security: [{ apiKey: [] }],
  request: { params: idParam },
  responses: { 204: { description: 'Deleted' }, 400: jsonContent(ErrorSchema, 'Invalid id'), ...errors },
});

/**
 * A key's conversations are bound to the key. A widget page's session is short-lived and renewed,
 * so its conversations are bound to the conversation itself: its random id is what a visitor holds.
 */
function chatCaller(c: Context<AuthEnv>, conversationId: string): Caller {
  const caller = callerOf(c);
  return caller.owner.startsWith('widget:') ? { ...caller, owner: `web-chat:${conversationId}` } : caller;
}

const keyOf = (id: string) => `web:${id}`;

async function load(db: () => Db, id: string, owner: string): Promise<StoredChat | undefined> {
  const raw = await withStorage(() => readConversation(db(), keyOf(id)));
  const parsed = StoredChatSchema.safeParse(raw);
  return parsed.success && parsed.data.owner === owner ? parsed.data : undefined;
}

const answerOf = (id: string, stored: StoredChat) => ({
  conversationId: id,
  replies: stored.replies.map((r) => ({ text: r.text, ...(r.buttons ? { buttons: r.buttons } : {}) })),
  answers: stored.chat.answers,
  done: stored.chat.phase === 'decided',
  ...(stored.chat.phase === 'decided' && stored.chat.decision ? { decision: stored.chat.decision } : {}),
});

/** A typed command works here too, as in Telegram and the terminal. */
function inputOf(text: string): ChatInput {
  const command = /^\/(\w+)(?:\s+(\w+))?\s*$/.exec(text.trim());
  if (command?.[1] === 'back') return { kind: 'back' };
  if (command?.[1] === 'cancel') return { kind: 'cancel' };
  if (command?.[1] === 'apply') return { kind: 'start' };
  if (command?.[1] === 'start') return { kind: 'greet' };
  if (command?.[1] === 'language') return { kind: 'language', ...(command[2] === 'en' || command[2] === 'es' ? { language: command[2] } : {}) };
  if (command?.[1] === 'help') return { kind: 'help' };
  // /status, /forget and the lenders' commands are Telegram's; here "Start again" deletes the conversation.
  if (command) return { kind: 'unknown-command' };
  return { kind: 'text', text };
}

/**
 * POST/GET/DELETE /v1/chat.
 *
 * @example app.route('/', chatRoutes({ db, chat: chatService({ decisions }) }));
 */
export function chatRoutes(deps: { db: () => Db; chat: ChatService }) {
  const app = new OpenAPIHono<AuthEnv>();
  const notFound = (c: Context) =>
    c.json({ error: 'not found', issues: [{ field: 'conversationId', rule: 'no conversation with this id was started with your key or session' }] }, 404);

  app.openapi(chatRoute, async (c) => {
    const body = c.req.valid('json');
    const id = body.conversationId ?? randomUUID();
    const caller = chatCaller(c, id);
    // The client's word, else the browser's languages, else the first message's own words.
    const accepted = c.req.header('accept-language');
    const language = body.language ?? (accepted ? pickLanguage(accepted) : body.text ? guessLanguage(body.text) : 'en');
    let stored: StoredChat | undefined;
    if (body.conversationId) {
      stored = await load(deps.db, id, caller.owner);
      if (!stored) return notFound(c);
    }
    let state = stored?.chat ?? newConversation(language, { files: false });
    const context = { caller, conversationKey: keyOf(id), ...(c.get('deadline') ? { deadline: c.get('deadline') } : {}) };
    const replies: Reply[] = [];
    if (stored && body.language && body.language !== state.language) {
      const turn = await deps.chat.handle(state, { kind: 'language', language: body.language }, context);
      state = turn.state;
      if (body.text === undefined && body.button === undefined) replies.push(...turn.replies);
    }
    let turn: Turn | undefined;
    if (body.button !== undefined) turn = await withStorage(() => deps.chat.handle(state, { kind: 'button', id: body.button! }, context));
    else if (body.text !== undefined && body.text.trim() !== '') turn = await withStorage(() => deps.chat.handle(state, inputOf(body.text!), context));
    else if (!stored) turn = await deps.chat.handle(state, { kind: 'greet' }, context);
    else if (replies.length === 0) turn = current(state);
    if (turn) {
      state = turn.state;
      replies.push(...turn.replies);
      // A button that no longer applies still gets an answer, and the question stays on screen.
      if (turn.replies.length === 0 && turn.toast) replies.push({ text: turn.toast }, ...current(state).replies);
    }
    const next: StoredChat = { owner: caller.owner, chat: state, replies };
    await withStorage(() => writeConversation(deps.db(), keyOf(id), next));
    return c.json(answerOf(id, next), 200);
  });

  app.openapi(getChatRoute, async (c) => {
    const { id } = c.req.valid('param');
    const stored = await load(deps.db, id, chatCaller(c, id).owner);
    return stored ? c.json(answerOf(id, stored), 200) : notFound(c);
  });

  app.openapi(deleteChatRoute, async (c) => {
    const { id } = c.req.valid('param');
    const stored = await load(deps.db, id, chatCaller(c, id).owner);
    if (!stored) return notFound(c);
    await withStorage(() => deleteConversation(deps.db(), keyOf(id)));
    return c.body(null, 204);
  });
  return app;
}
