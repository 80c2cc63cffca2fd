import { Composer } from 'grammy';
import type { BotContext } from '../session.ts';

/** Anything the other features did not take gets a short, useful answer — never silence, never a crash. */
export function fallbackFeature() {
  const composer = new Composer<BotContext>();

  composer.on(['edited_message', 'edited_channel_post'], async (ctx) => {
    if (ctx.chat?.type === 'private') {
      await ctx.reply('I saw that you edited a message. I only read new messages, so please send the corrected answer again.');
    }
  });

  composer.on('message', async (ctx) => {
    const text = ctx.message.text;
    if (text?.startsWith('/')) {
      await ctx.reply('I do not know that command. /help lists what I can do.');
    } else if (ctx.message.document) {
      await ctx.reply('I was not expecting a file just now. /apply starts an application; I ask for a statement near the end.');
    } else if (text !== undefined) {
      await ctx.reply('Send /apply to start an application, or /help to see what I can do.');
    } else {
      await ctx.reply('I can only read text answers (and a CSV bank statement when I ask for one). /help lists what I can do.');
    }
  });

  composer.on('callback_query', async (ctx) => {
    await ctx.answerCallbackQuery({ text: 'That button is no longer active.' });
  });

  return composer;
}
