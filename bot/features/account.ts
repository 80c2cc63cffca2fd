import { Composer, InlineKeyboard } from 'grammy';
import { audit } from '../../db/repository.ts';
import { forgetSubject, latestDecisionFor } from '../../db/bot-repository.ts';
import type { BotDeps } from '../deps.ts';
import { QUESTIONS } from '../questions.ts';
import type { BotContext } from '../session.ts';
import { askCurrent, subjectOf } from './apply.ts';

/** /start, /help, /status and /forget: everything about a person's own use of the bot. */

export const APPLICANT_COMMANDS = [
  { command: 'apply', description: 'Apply for a loan, one question at a time' },
  { command: 'back', description: 'Correct the previous answer' },
  { command: 'cancel', description: 'Stop the current application' },
  { command: 'status', description: 'Your latest decision' },
  { command: 'forget', description: 'Delete your applications and answers' },
  { command: 'help', description: 'What I can do' },
] as const;

export const ADMIN_COMMANDS = [
  { command: 'stats', description: 'Applications, approval rate and average PD' },
  { command: 'policy', description: 'Show or set cut-offs and pricing: /policy set approveBelow=0.1' },
  { command: 'review', description: 'Referred applications, one by one' },
  { command: 'model', description: 'The model in use and its metrics' },
  { command: 'export', description: 'All decisions as a CSV file' },
  { command: 'portfolio', description: 'The book: return, risk, Basel capital, simulated losses, stress' },
  { command: 'frontier', description: 'Efficient-frontier chart with the current book marked' },
  { command: 'optimise', description: 'Best allocation of a budget: /optimise 250000' },
] as const;

export function helpText(isAdmin: boolean): string {
  const lines = APPLICANT_COMMANDS.map((c) => `/${c.command} — ${c.description}`);
  if (isAdmin) lines.push('', 'Lender commands:', ...ADMIN_COMMANDS.map((c) => `/${c.command} — ${c.description}`));
  return lines.join('\n');
}

export function accountFeature(deps: BotDeps, isAdmin: (ctx: BotContext) => Promise<boolean>) {
  const composer = new Composer<BotContext>();
  const privateChat = composer.chatType('private');

  privateChat.command('start', async (ctx) => {
    await ctx.reply(
      [
        'Hello! I am Lendwise, a loan assistant.',
        `I will ask ${QUESTIONS.length} short questions — the amount and term, what the loan is for, your income, home, debts and credit record — because these are what lenders use to judge whether a loan can be repaid. I never ask for your name or address.`,
        'At the end you get a decision at once, the main reasons behind it, and a price.',
        'Send /apply to begin, or /help for everything I can do.',
      ].join('\n\n'),
    );
    if (ctx.session.mode !== 'idle' && ctx.session.mode !== 'forget-confirm') {
      await ctx.reply('You have an application in progress — here is where we were:');
      await askCurrent(ctx);
    }
  });

  privateChat.command('help', async (ctx) => {
    await ctx.reply(helpText(await isAdmin(ctx)));
  });

  privateChat.command('status', async (ctx) => {
    const latest = await latestDecisionFor(deps.db(), subjectOf(ctx));
    if (!latest) {
      await ctx.reply('You have no decisions yet. /apply starts an application.');
      return;
    }
    const outcome = latest.reviewedDecision ? `${latest.reviewedDecision} (after review)` : latest.decision;
    await ctx.reply(
      `Your latest application (${latest.createdAt.toISOString().slice(0, 10)}): ${outcome}, risk score ${latest.score}. Reference: ${latest.applicationId}`,
    );
  });

  privateChat.command('forget', async (ctx) => {
    ctx.session.previousMode = ctx.session.mode;
    ctx.session.mode = 'forget-confirm';
    await ctx.reply('This deletes all your applications, decisions and answers from Lendwise. It cannot be undone. Go ahead?', {
      reply_markup: new InlineKeyboard().text('Yes, delete everything', 'forget:yes').text('No, keep them', 'forget:no'),
    });
  });

  composer.callbackQuery(/^forget:(yes|no)$/, async (ctx) => {
    if (ctx.session.mode !== 'forget-confirm') {
      await ctx.answerCallbackQuery({ text: 'Send /forget again to delete your data.' });
      return;
    }
    await ctx.answerCallbackQuery();
    if (ctx.match[1] === 'no') {
      ctx.session.mode = (ctx.session.previousMode as typeof ctx.session.mode | undefined) ?? 'idle';
      await ctx.reply('Nothing was deleted.');
      return;
    }
    const removed = await forgetSubject(deps.db(), subjectOf(ctx));
    // The audit keeps that a deletion happened, not who it was for.
    await audit(deps.db(), { actor: 'bot', action: 'applicant.forget', detail: { applicationsDeleted: removed } });
    ctx.session = undefined as unknown as typeof ctx.session; // deletes the stored conversation
    await ctx.reply(`Done: ${removed} application${removed === 1 ? '' : 's'} and your answers are deleted.`);
  });

  return composer;
}
