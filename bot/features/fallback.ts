import { Composer } from 'grammy';
import { translator } from '../../src/conversation/i18n.ts';
import type { BotContext } from '../session.ts';

/** Anything the other features did not take gets a short, useful answer — never silence, never a crash. */
export function fallbackFeature() {
  const composer = new Composer<BotContext>();
  const tOf = (ctx: BotContext) => translator(ctx.session?.chat.language ?? 'en');

  composer.on(['edited_message', 'edited_channel_post'], async (ctx) => {
    if (ctx.chat?.type === 'private') await ctx.reply(tOf(ctx).t('edited-message'));
  });

  // Text, files and media in a private chat all reach the conversation; what is left is an unknown command.
  composer.on('message', async (ctx) => {
    if (ctx.chat.type === 'private') await ctx.reply(tOf(ctx).t('unknown-command'));
  });

  composer.on('callback_query', async (ctx) => {
    await ctx.answerCallbackQuery({ text: tOf(ctx).t('button-inactive') });
  });

  return composer;
}
