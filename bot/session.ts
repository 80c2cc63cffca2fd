import { z } from 'zod';
import type { Context, SessionFlavor, StorageAdapter } from 'grammy';
import type { Db } from '../db/client.ts';
import { deleteConversation, readConversation, writeConversation } from '../db/bot-repository.ts';

/**
 * A chat's place in the conversation, stored in PostgreSQL after every update (grammY session),
 * so a restart mid-application resumes at the same question with earlier answers kept.
 */
export const ConversationSchema = z.object({
  mode: z.enum(['idle', 'applying', 'alt-offer', 'alt-file', 'alt-questions', 'confirm', 'forget-confirm']),
  step: z.number().int().min(0),
  answers: z.record(z.string(), z.unknown()),
  alternative: z.record(z.string(), z.unknown()).optional(),
  /** A parsed statement's months, to show in the summary (its features stay on the server under alternative.statementId). */
  statementMonths: z.number().optional(),
  /** The last decided application, whose counter-offer button may be pressed. */
  lastApplicationId: z.string().optional(),
  /** Where /back and /cancel return from forget-confirm. */
  previousMode: z.string().optional(),
});
export type Conversation = z.infer<typeof ConversationSchema>;

export const freshConversation = (): Conversation => ({ mode: 'idle', step: 0, answers: {} });

export type BotContext = Context & SessionFlavor<Conversation>;

/** grammY storage adapter over the conversations table; an unreadable row starts afresh. */
export function conversationStorage(db: () => Db): StorageAdapter<Conversation> {
  return {
    read: async (key) => {
      const state = await readConversation(db(), key);
      if (state === undefined) return undefined;
      const parsed = ConversationSchema.safeParse(state);
      return parsed.success ? parsed.data : freshConversation();
    },
    write: (key, value) => writeConversation(db(), key, value),
    delete: (key) => deleteConversation(db(), key),
  };
}
