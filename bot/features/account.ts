import { Composer, InlineKeyboard } from 'grammy';
import { audit } from '../../db/repository.ts';
import { forgetSubject, latestDecisionFor } from '../../db/bot-repository.ts';
import type { BotDeps } from '../deps.ts';
import { translator, type Translator } from '../../src/conversation/i18n.ts';
import type { BotContext } from '../session.ts';
import { converse, subjectOf } from './apply.ts';

/** /start, /help, /status and /forget: everything about a person's own use of the bot, in their language. */

export const APPLICANT_COMMANDS = [
  { command: 'apply', description: 'Apply for a loan' },
  { command: 'back', description: 'Undo the last answer' },
  { command: 'cancel', description: 'Stop the current application' },
  { command: 'status', description: 'Your latest decision' },
  { command: 'forget', description: 'Delete your applications and answers' },
  { command: 'language', description: 'English or Español' },
  { command: 'help', description: 'What I can do' },
] as const;

export const ADMIN_COMMANDS = [
  { command: 'stats', description: 'Applications, approval rate and average PD' },
  { command: 'policy', description: 'Show or set cut-offs and pricing: /policy set approveBelow=0.1' },
  { command: 'review', description: 'Referred applications, one by one' },
  { command: 'model', description: 'Champion and challenger models, live comparison; promote or roll back' },
  { command: 'export', description: 'All decisions as a CSV file' },
  { command: 'portfolio', description: 'The book: return, risk, Basel capital, simulated losses, stress' },
  { command: 'frontier', description: 'Efficient-frontier chart with the current book marked' },
  { command: 'optimise', description: 'Best allocation of a budget: /optimise 250000' },
  { command: 'drift', description: 'Drift of the inputs and the score by week (PSI), with a chart: /drift 12' },
] as const;

/** The applicant's help in their language; lenders also get their commands (in English, as their tools are). */
export function helpText(isAdmin: boolean, t: Translator): string {
  const lines = [t.t('help-applicant')];
  if (isAdmin) lines.push('', 'Lender commands:', ...ADMIN_COMMANDS.map((c) => `/${c.command} — ${c.description}`));
  return lines.join('\n');
}

export function accountFeature(deps: BotDeps, isAdmin: (ctx: BotContext) => Promise<boolean>) {
  const composer = new Composer<BotContext>();
  const privateChat = composer.chatType('private');
  const tOf = (ctx: BotContext) => translator(ctx.session.chat.language);

  // The greeting; in the middle of an application it shows where we were.
  privateChat.command('start', (ctx) => converse(ctx, deps, { kind: 'greet' }));

  privateChat.command('help', async (ctx) => {
    await ctx.reply(helpText(await isAdmin(ctx), tOf(ctx)));
  });

  privateChat.command('status', async (ctx) => {
    const t = tOf(ctx);
    const latest = await latestDecisionFor(deps.db(), subjectOf(ctx));
    if (!latest) {
      await ctx.reply(t.t('status-none'));
      return;
    }
    const outcome = latest.reviewedDecision
      ? t.t('outcome-reviewed', { outcome: t.t(`outcome-${latest.reviewedDecision}`) })
      : t.t(`outcome-${latest.decision}`);
    await ctx.reply(t.t('status-latest', { date: latest.createdAt.toISOString().slice(0, 10), outcome, score: latest.score, id: latest.applicationId }));
  });

  privateChat.command('forget', async (ctx) => {
    const t = tOf(ctx);
    ctx.session.forgetting = true;
    await ctx.reply(t.t('forget-ask'), {
      reply_markup: new InlineKeyboard().text(t.t('button-forget-yes'), 'forget:yes').text(t.t('button-forget-no'), 'forget:no'),
    });
  });

  composer.callbackQuery(/^forget:(yes|no)$/, async (ctx) => {
    const t = tOf(ctx);
    if (!ctx.session.forgetting) {
      await ctx.answerCallbackQuery({ text: t.t('forget-again') });
      return;
    }
    await ctx.answerCallbackQuery();
    await ctx.editMessageReplyMarkup({ reply_markup: { inline_keyboard: [] } }).catch(() => undefined);
    if (ctx.match[1] === 'no') {
      delete ctx.session.forgetting;
      await ctx.reply(t.t('forget-kept'));
      return;
    }
    const removed = await forgetSubject(deps.db(), subjectOf(ctx));
    // The audit keeps that a deletion happened, not who it was for.
    await audit(deps.db(), { actor: 'bot', action: 'applicant.forget', detail: { applicationsDeleted: removed } });
    ctx.session = undefined as unknown as typeof ctx.session; // deletes the stored conversation
    await ctx.reply(t.t('forget-done', { count: removed }));
  });

  return composer;
}
