import { Composer, InlineKeyboard } from 'grammy';
import { ApplicantSchema, describeIssues, type Applicant } from '../../src/applicant/schema.ts';
import { DecisionRefused } from '../../src/app/decide.ts';
import { STATEMENT_MAX_BYTES } from '../../src/data/statement.ts';
import type { Caller } from '../../src/app/ports.ts';
import { parseNumberAnswer } from '../answers.ts';
import type { BotDeps } from '../deps.ts';
import { decisionMessage, summary } from '../format.ts';
import { ALT_QUESTIONS, QUESTIONS, checkAltAnswer, checkAnswer, type Question } from '../questions.ts';
import { freshConversation, type BotContext } from '../session.ts';

/** The applicant's side: /apply, one question at a time, optional bank evidence, confirm, decision. */

export const subjectOf = (ctx: BotContext) => `tg:${ctx.from!.id}`;

/** A chat user as the decision service sees them: statements and applications are bound to them. */
const callerOf = (ctx: BotContext): Caller => ({ owner: subjectOf(ctx), channel: 'bot', subject: subjectOf(ctx), trustedEvidence: false });

const counterButton = (applicationId: string, c: { amount: number; termMonths: number }) =>
  new InlineKeyboard().text(`Apply for $${c.amount.toLocaleString('en-US')} over ${c.termMonths} months`, `counter:${applicationId}`);

function keyboardFor(q: Question, step: number): InlineKeyboard | undefined {
  if (!q.choices && !q.optional) return undefined;
  const kb = new InlineKeyboard();
  q.choices?.forEach((c, i) => {
    kb.text(c.label, `ans:${step}:${i}`);
    if ((i + 1) % (q.columns ?? 2) === 0) kb.row();
  });
  if (q.optional) kb.row().text('Skip', `skip:${step}`);
  return kb;
}

export async function askCurrent(ctx: BotContext): Promise<void> {
  const s = ctx.session;
  if (s.mode === 'applying') {
    const q = QUESTIONS[s.step];
    const hint = q.choices ? '' : `\n(For example: ${q.example})`;
    await ctx.reply(`Step ${s.step + 1} of ${QUESTIONS.length}. ${q.text}${hint}`, { reply_markup: keyboardFor(q, s.step) });
  } else if (s.mode === 'alt-offer') {
    await ctx.reply(
      'All the required questions are answered. Optionally, you can add evidence from your bank account — it can help if your credit history is thin. Nothing here is required.',
      {
        reply_markup: new InlineKeyboard()
          .text('Upload a CSV bank statement', 'alt:file')
          .row()
          .text('Answer 4 quick questions', 'alt:questions')
          .row()
          .text('Skip', 'alt:skip'),
      },
    );
  } else if (s.mode === 'alt-file') {
    await ctx.reply(
      'Send your bank statement as a CSV file (columns such as date, description, amount and balance). I only keep the monthly totals, never the transactions.',
      {
        reply_markup: new InlineKeyboard().text('Skip', 'alt:skip'),
      },
    );
  } else if (s.mode === 'alt-questions') {
    const q = ALT_QUESTIONS[s.step];
    await ctx.reply(`Optional ${s.step + 1} of ${ALT_QUESTIONS.length}. ${q.text}\n(For example: ${q.example})`, {
      reply_markup: new InlineKeyboard().text('Skip', `altskip:${s.step}`),
    });
  } else if (s.mode === 'confirm') {
    await ctx.reply(`Please check your answers:\n${summary(s.answers, s.alternative, s.statementMonths)}`, {
      reply_markup: new InlineKeyboard().text('Confirm and get my decision', 'confirm:yes').row().text('Start again', 'confirm:restart'),
    });
  }
}

function advance(ctx: BotContext): void {
  const s = ctx.session;
  if (s.mode === 'applying') {
    s.step += 1;
    if (s.step >= QUESTIONS.length) {
      s.mode = 'alt-offer';
      s.step = 0;
    }
  } else if (s.mode === 'alt-questions') {
    s.step += 1;
    if (s.step >= ALT_QUESTIONS.length) {
      s.mode = 'confirm';
      s.step = 0;
    }
  }
}

/** Decides through the shared service; returns the application id, or undefined when the evidence was refused. */
async function decideAndReply(ctx: BotContext, deps: BotDeps, applicant: Applicant): Promise<string | undefined> {
  try {
    const { applicationId, assessment } = await deps.decisions.decide({ applicant, caller: callerOf(ctx) });
    const c = assessment.offer.counterOffer;
    await ctx.reply(decisionMessage(assessment, applicant), { reply_markup: c ? counterButton(applicationId, c) : undefined });
    return applicationId;
  } catch (error) {
    if (!(error instanceof DecisionRefused)) throw error;
    await ctx.reply(`I could not use part of your application: ${error.issues.map((i) => i.rule).join('; ')}. /apply starts again.`);
    return undefined;
  }
}

export function applyFeature(deps: BotDeps) {
  const composer = new Composer<BotContext>();
  const privateChat = composer.chatType('private');

  privateChat.command('apply', async (ctx) => {
    ctx.session = { ...freshConversation(), mode: 'applying' };
    await ctx.reply(`Let's start. There are ${QUESTIONS.length} questions; /back corrects the previous answer and /cancel stops.`);
    await askCurrent(ctx);
  });

  privateChat.command('back', async (ctx) => {
    const s = ctx.session;
    if (s.mode === 'applying' && s.step > 0) {
      s.step -= 1;
      delete s.answers[QUESTIONS[s.step].field];
    } else if (s.mode === 'alt-questions' && s.step > 0) {
      s.step -= 1;
      if (s.alternative) delete s.alternative[ALT_QUESTIONS[s.step].field];
    } else if (s.mode === 'alt-offer' || s.mode === 'alt-file' || s.mode === 'alt-questions' || s.mode === 'confirm') {
      s.mode = 'applying';
      s.step = QUESTIONS.length - 1;
      delete s.answers[QUESTIONS[s.step].field];
      delete s.alternative;
    } else {
      await ctx.reply('There is no earlier answer to correct. /apply starts an application.');
      return;
    }
    await askCurrent(ctx);
  });

  privateChat.command('cancel', async (ctx) => {
    ctx.session = freshConversation();
    await ctx.reply('Stopped, and the answers so far are discarded. /apply starts again whenever you like.');
  });

  // Choice buttons carry their step, so a button from an earlier question cannot answer this one.
  composer.callbackQuery(/^ans:(\d+):(\d+)$/, async (ctx) => {
    const [step, index] = [Number(ctx.match[1]), Number(ctx.match[2])];
    const s = ctx.session;
    if (s.mode !== 'applying' || s.step !== step) {
      await ctx.answerCallbackQuery({ text: 'That question has already been answered.' });
      return;
    }
    const q = QUESTIONS[step];
    const choice = q.choices?.[index];
    if (!choice) {
      await ctx.answerCallbackQuery({ text: 'Unknown choice.' });
      return;
    }
    await ctx.answerCallbackQuery({ text: choice.label });
    if (choice.value !== undefined) s.answers[q.field] = choice.value;
    else delete s.answers[q.field];
    advance(ctx);
    await askCurrent(ctx);
  });

  composer.callbackQuery(/^skip:(\d+)$/, async (ctx) => {
    const s = ctx.session;
    if (s.mode !== 'applying' || s.step !== Number(ctx.match[1]) || !QUESTIONS[s.step].optional) {
      await ctx.answerCallbackQuery({ text: 'That question has already been answered.' });
      return;
    }
    await ctx.answerCallbackQuery({ text: 'Skipped' });
    delete s.answers[QUESTIONS[s.step].field];
    advance(ctx);
    await askCurrent(ctx);
  });

  composer.callbackQuery(/^alt:(file|questions|skip)$/, async (ctx) => {
    const s = ctx.session;
    if (s.mode !== 'alt-offer' && s.mode !== 'alt-file') {
      await ctx.answerCallbackQuery({ text: 'That choice has passed.' });
      return;
    }
    await ctx.answerCallbackQuery();
    const choice = ctx.match[1];
    s.mode = choice === 'file' ? 'alt-file' : choice === 'questions' ? 'alt-questions' : 'confirm';
    s.step = 0;
    if (choice === 'skip') delete s.alternative;
    else s.alternative = {};
    await askCurrent(ctx);
  });

  composer.callbackQuery(/^altskip:(\d+)$/, async (ctx) => {
    const s = ctx.session;
    if (s.mode !== 'alt-questions' || s.step !== Number(ctx.match[1])) {
      await ctx.answerCallbackQuery({ text: 'That question has already been answered.' });
      return;
    }
    await ctx.answerCallbackQuery({ text: 'Skipped' });
    advance(ctx);
    await askCurrent(ctx);
  });

  composer.callbackQuery(/^confirm:(yes|restart)$/, async (ctx) => {
    const s = ctx.session;
    if (s.mode !== 'confirm') {
      await ctx.answerCallbackQuery({ text: 'There is nothing to confirm right now.' });
      return;
    }
    await ctx.answerCallbackQuery();
    if (ctx.match[1] === 'restart') {
      ctx.session = { ...freshConversation(), mode: 'applying' };
      await askCurrent(ctx);
      return;
    }
    const alternative = s.alternative && Object.keys(s.alternative).length ? { alternativeData: s.alternative } : {};
    const parsed = ApplicantSchema.safeParse({ ...s.answers, ...alternative });
    if (!parsed.success) {
      const issues = describeIssues(parsed.error)
        .map((i) => `${i.field}: ${i.rule}`)
        .join('; ');
      await ctx.reply(`Some answers need another look (${issues}). Use /back to correct them, or /apply to start again.`);
      return;
    }
    const applicationId = await decideAndReply(ctx, deps, parsed.data);
    ctx.session = { ...freshConversation(), answers: parsed.data as Record<string, unknown>, ...(applicationId ? { lastApplicationId: applicationId } : {}) };
  });

  // The counter-offer button accepts the offer of the application it was sent with: the service
  // replaces that application by the counter-offer, once; a second press changes nothing.
  composer.callbackQuery(/^counter:([0-9a-f-]{36})$/, async (ctx) => {
    try {
      const answer = await deps.decisions.acceptCounterOffer({ applicationId: ctx.match[1], caller: callerOf(ctx) });
      await ctx.answerCallbackQuery({ text: answer.alreadyAccepted ? 'You have already accepted this offer.' : 'Accepted.' });
      await ctx.editMessageReplyMarkup().catch(() => undefined);
      const stored = ApplicantSchema.safeParse({
        ...ctx.session.answers,
        loanAmount: answer.assessment.offer.amount,
        termMonths: answer.assessment.offer.termMonths,
      });
      if (answer.alreadyAccepted) {
        await ctx.reply(`This offer was already accepted: your application ${answer.applicationId} holds it, and nothing new was booked.`);
        return;
      }
      if (stored.success) ctx.session.answers = stored.data as Record<string, unknown>;
      ctx.session.lastApplicationId = answer.applicationId;
      const c = answer.assessment.offer.counterOffer;
      await ctx.reply(decisionMessage(answer.assessment, stored.success ? stored.data : (ctx.session.answers as Applicant)), {
        reply_markup: c ? counterButton(answer.applicationId, c) : undefined,
      });
    } catch (error) {
      if (!(error instanceof DecisionRefused)) throw error;
      await ctx.answerCallbackQuery({ text: 'That offer is no longer open; /apply starts a new application.' });
    }
  });

  // Buttons sent before offers were bound to their application: no longer open.
  composer.callbackQuery(/^counter:/, (ctx) => ctx.answerCallbackQuery({ text: 'That offer is no longer open; /apply starts a new application.' }));

  privateChat.on('message:document', async (ctx, next) => {
    if (ctx.session.mode !== 'alt-file') return next();
    const doc = ctx.message.document;
    if (doc.file_size !== undefined && doc.file_size > STATEMENT_MAX_BYTES) {
      await ctx.reply(`That file is larger than ${STATEMENT_MAX_BYTES / 1024 / 1024} MB; please send a shorter statement (the last 12 months is plenty).`);
      return;
    }
    const file = await ctx.getFile();
    let text: string;
    try {
      text = await deps.downloadFile(file.file_path!);
    } catch {
      await ctx.reply('I could not download that file. Please try sending it again.');
      return;
    }
    try {
      // The server parses the file itself: only its features and a hash are kept, under a statement id.
      const { statementId, behaviour } = await deps.decisions.reduceStatement({ text, caller: callerOf(ctx) });
      ctx.session.alternative = { statementId };
      ctx.session.statementMonths = behaviour.monthsObserved;
      ctx.session.mode = 'confirm';
      const money = (v: number) => `$${Math.round(v).toLocaleString('en-US')}`;
      await ctx.reply(
        `Thanks — over ${behaviour.monthsObserved} months: regular income in ${Math.round(behaviour.regularIncomeShare * behaviour.monthsObserved)} of them, about ${money(behaviour.monthlySpending)} spent a month, ${behaviour.daysBelowZero} day(s) overdrawn. The file itself is not kept.`,
      );
      await askCurrent(ctx);
    } catch (error) {
      if (!(error instanceof DecisionRefused)) throw error;
      await ctx.reply(`I could not use that statement: ${error.issues.map((i) => i.rule).join('; ')}. Please fix it and send it again, or tap Skip.`, {
        reply_markup: new InlineKeyboard().text('Skip', 'alt:skip'),
      });
    }
  });

  privateChat.on('message:text', async (ctx, next) => {
    const s = ctx.session;
    if (ctx.message.text.startsWith('/')) return next();
    if (s.mode === 'applying') {
      const q = QUESTIONS[s.step];
      if (q.choices) {
        await ctx.reply('Please choose one of the buttons.', { reply_markup: keyboardFor(q, s.step) });
        return;
      }
      const number = parseNumberAnswer(ctx.message.text);
      const checked = number === undefined ? { ok: false as const, rule: 'that is not a number' } : checkAnswer(q.field, number);
      if (!checked.ok) {
        await ctx.reply(`Sorry, ${checked.rule.replace(/^Too (big|small): expected number to be /, 'it should be ')}. For example: ${q.example}.`);
        await askCurrent(ctx);
        return;
      }
      s.answers[q.field] = checked.value;
      advance(ctx);
      await askCurrent(ctx);
      return;
    }
    if (s.mode === 'alt-questions') {
      const q = ALT_QUESTIONS[s.step];
      const number = parseNumberAnswer(ctx.message.text);
      const checked = number === undefined ? { ok: false as const, rule: 'that is not a number' } : checkAltAnswer(q.field, number);
      if (!checked.ok) {
        await ctx.reply(`Sorry, ${checked.rule}. For example: ${q.example}.`);
        await askCurrent(ctx);
        return;
      }
      s.alternative = { ...s.alternative, [q.field]: checked.value };
      advance(ctx);
      await askCurrent(ctx);
      return;
    }
    if (s.mode === 'alt-file') {
      await ctx.reply('I am waiting for a CSV file (or tap Skip).');
      return;
    }
    if (s.mode === 'alt-offer' || s.mode === 'confirm') {
      await ctx.reply('Please use the buttons above.');
      await askCurrent(ctx);
      return;
    }
    return next();
  });

  return composer;
}
