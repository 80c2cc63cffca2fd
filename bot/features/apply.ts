import { Composer, InlineKeyboard } from 'grammy';
import type { Message } from 'grammy/types';
import type { ChatContext } from '../../src/app/chat.ts';
import type { Caller } from '../../src/app/ports.ts';
import { current, type ChatInput, type Reply, type Turn } from '../../src/conversation/engine.ts';
import { pickLanguage, type Language } from '../../src/conversation/i18n.ts';
import type { BotDeps } from '../deps.ts';
import type { BotContext } from '../session.ts';

/**
 * The applicant's side on Telegram: every message, button, file and command goes to the shared
 * conversation engine (src/conversation), and its replies come back as messages. Telegram manners:
 * an answered question is edited to show the answer and loses its keyboard; "typing…" shows while
 * scoring; a counter-offer button works once.
 */

export const subjectOf = (ctx: BotContext) => `tg:${ctx.from!.id}`;

/** A chat user as the decision service sees them: statements and applications are bound to them. */
const callerOf = (ctx: BotContext): Caller => ({ owner: subjectOf(ctx), channel: 'bot', subject: subjectOf(ctx), trustedEvidence: false });

const contextOf = (ctx: BotContext): ChatContext => ({
  caller: callerOf(ctx),
  // Per bot and person: a re-delivered confirm (Telegram retries, a restart) is the same decision.
  conversationKey: `tg:${ctx.me.id}:${ctx.from!.id}`,
  onWorking: () => ctx.replyWithChatAction('typing').catch(() => undefined),
});

function keyboard(reply: Reply): InlineKeyboard | undefined {
  if (!reply.buttons?.length) return undefined;
  const kb = new InlineKeyboard();
  reply.buttons.forEach((b, i) => {
    kb.text(b.label, b.id);
    if ((i + 1) % (reply.columns ?? 2) === 0 && i + 1 < reply.buttons!.length) kb.row();
  });
  return kb;
}

/** Takes the keyboard off the question on screen, showing what was chosen under it. */
async function closeQuestion(ctx: BotContext, picked?: string): Promise<void> {
  const q = ctx.session.question;
  if (!q || !ctx.chat) return;
  delete ctx.session.question;
  const text = picked ? `${q.text}\n→ ${picked}` : q.text;
  // Telegram refuses an edit that changes nothing, or of a message too old: the keyboard then stays, harmlessly.
  await ctx.api.editMessageText(ctx.chat.id, q.messageId, text, { reply_markup: { inline_keyboard: [] } }).catch(() => undefined);
}

/** Sends a turn's replies; the last one with buttons becomes the question on screen (a counter-offer stays pressable). */
export async function render(ctx: BotContext, turn: Turn): Promise<void> {
  ctx.session.chat = turn.state;
  if (turn.replies.length || turn.picked) await closeQuestion(ctx, turn.picked);
  for (const reply of turn.replies) {
    const sent: Message.TextMessage = await ctx.reply(reply.text, { reply_markup: keyboard(reply) });
    const isCounter = reply.buttons?.some((b) => b.id.startsWith('counter:'));
    if (reply.buttons?.length && !isCounter) ctx.session.question = { messageId: sent.message_id, text: reply.text };
  }
}

/**
 * Runs one input through the conversation and sends what it says.
 *
 * @example await converse(ctx, deps, { kind: 'start' });
 */
export async function converse(ctx: BotContext, deps: BotDeps, input: ChatInput): Promise<void> {
  await render(ctx, await deps.chat.handle(ctx.session.chat, input, contextOf(ctx)));
}

/** The question on screen again (after /start in the middle of an application). */
export const askCurrent = (ctx: BotContext) => render(ctx, current(ctx.session.chat));

/**
 * A new person gets the language their Telegram app is set to, until they choose with /language.
 * Runs before every feature (after the session), so /start already greets in it.
 *
 * @example bot.use(languageFromTelegram);
 */
export async function languageFromTelegram(ctx: BotContext, next: () => Promise<void>): Promise<void> {
  const s = ctx.session;
  if (s && !s.languageChosen && s.chat.phase === 'idle' && ctx.from?.language_code) s.chat.language = pickLanguage(ctx.from.language_code);
  await next();
}

export function applyFeature(deps: BotDeps) {
  const composer = new Composer<BotContext>();
  const { chat } = deps;

  const privateChat = composer.chatType('private');
  privateChat.command('apply', (ctx) => converse(ctx, deps, { kind: 'start' }));
  privateChat.command('back', (ctx) => converse(ctx, deps, { kind: 'back' }));
  privateChat.command('cancel', (ctx) => converse(ctx, deps, { kind: 'cancel' }));
  privateChat.command('language', async (ctx) => {
    const wanted = ctx.match.trim().toLowerCase();
    const language: Language | undefined = wanted === 'en' || wanted === 'es' ? wanted : undefined;
    if (language) ctx.session.languageChosen = true;
    await converse(ctx, deps, { kind: 'language', ...(language ? { language } : {}) });
  });

  composer.callbackQuery(/^lang:(en|es)$/, async (ctx) => {
    ctx.session.languageChosen = true;
    await ctx.answerCallbackQuery();
    await ctx.editMessageReplyMarkup({ reply_markup: { inline_keyboard: [] } }).catch(() => undefined);
    await converse(ctx, deps, { kind: 'language', language: ctx.match[1] as Language });
  });

  // Every other button of the conversation (answers, skip, confirm, evidence, counter-offer).
  composer.callbackQuery(/^(set|skip|none|confirm|restart|evidence|alt-skip|counter)(:|$)/, async (ctx) => {
    const turn = await chat.handle(ctx.session.chat, { kind: 'button', id: ctx.callbackQuery.data }, contextOf(ctx));
    await ctx.answerCallbackQuery(turn.toast ? { text: turn.toast } : {});
    const pressed = ctx.callbackQuery.message?.message_id;
    if (pressed !== undefined && pressed !== ctx.session.question?.messageId && (turn.picked || turn.replies.length)) {
      // A button on a message that is not the question on screen (a counter-offer): it works once.
      await ctx.editMessageReplyMarkup({ reply_markup: { inline_keyboard: [] } }).catch(() => undefined);
    }
    if (turn.replies.length === 0 && !turn.picked) return; // a stale button: the toast said so
    await render(ctx, turn);
  });

  privateChat.on('message:document', async (ctx) => {
    const doc = ctx.message.document;
    const turn = await chat.file(
      ctx.session.chat,
      {
        ...(doc.file_size !== undefined ? { size: doc.file_size } : {}),
        read: async () => {
          const file = await ctx.getFile();
          return deps.downloadFile(file.file_path!);
        },
      },
      contextOf(ctx),
    );
    await render(ctx, turn);
  });

  privateChat.on('message:text', async (ctx, next) => {
    if (ctx.message.text.startsWith('/')) return next();
    await converse(ctx, deps, { kind: 'text', text: ctx.message.text });
  });

  // Photos, stickers, voice notes…: the chat cannot read them, so the question is asked again.
  privateChat.on('message', (ctx, next) => (ctx.message.text !== undefined ? next() : converse(ctx, deps, { kind: 'media' })));

  return composer;
}
