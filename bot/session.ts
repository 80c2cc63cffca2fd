import { z } from 'zod';
import type { Context, SessionFlavor, StorageAdapter } from 'grammy';
import type { Db } from '../db/client.ts';
import { deleteConversation, readConversation, writeConversation } from '../db/bot-repository.ts';
import { ChatStateSchema, newConversation } from '../src/conversation/engine.ts';

/**
 * A Telegram chat's session, stored in PostgreSQL after every update (grammY session), so a
 * restart mid-application resumes at the same question with earlier answers kept: the
 * conversation engine's state plus what only Telegram needs.
 */
export const BotSessionSchema = z.object({
  chat: ChatStateSchema,
  /** The question message on screen with its buttons: edited to show the answer and lose its keyboard once answered. */
  question: z.object({ messageId: z.number().int(), text: z.string() }).optional(),
  /** Set by /language: the person's choice wins over Telegram's language_code from then on. */
  languageChosen: z.boolean().optional(),
  /** /forget asked, waiting for yes or no. */
  forgetting: z.boolean().optional(),
});
export type BotSession = z.infer<typeof BotSessionSchema>;

export const freshConversation = (): BotSession => ({ chat: newConversation('en') });

export type BotContext = Context & SessionFlavor<BotSession>;

/** grammY storage adapter over the conversations table; an unreadable (or older-format) row starts afresh. */
export function conversationStorage(db: () => Db): StorageAdapter<BotSession> {
  return {
    read: async (key) => {
      const state = await readConversation(db(), key);
      if (state === undefined) return undefined;
      const parsed = BotSessionSchema.safeParse(state);
      return parsed.success ? parsed.data : freshConversation();
    },
    write: (key, value) => writeConversation(db(), key, value),
    delete: (key) => deleteConversation(db(), key),
  };
}
