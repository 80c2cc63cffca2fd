import { plainRule } from '../../src/applicant/schema.ts';
import { Composer, InputFile, type Api } from 'grammy';
import { z } from 'zod';
import type { JobRecord } from '../../src/app/portfolio-jobs.ts';
import { svgToPng } from '../../src/evaluation/png.ts';
import { frontierChart, lossHistogramChart } from '../../src/portfolio/charts.ts';
import { FrontierJobParamsSchema, OptimiseJobParamsSchema, RiskJobParamsSchema, type PortfolioKind, type TaskResult } from '../../src/portfolio/tasks.ts';
import type { BotDeps } from '../deps.ts';
import type { BotContext } from '../session.ts';
import { adminGate } from './admin.ts';

/**
 * /portfolio, /frontier and /optimise BUDGET: the portfolio tools for the lender's staff, in chat.
 * Each runs as a portfolio job (off the thread that answers): the answer comes in the same chat
 * when the job ends, after a note when it takes more than a few seconds. The handler itself
 * returns at once, so other chats are not kept waiting.
 */

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
const money = (v: number) => `$${Math.round(v).toLocaleString('en-US')}`;
/** The scenario /portfolio stresses: unemployment 3 points higher. */
const SHOCK = 3;
/** How long a command waits before saying the job is still running. */
const PATIENCE_MS = 3_000;

// "250000", "250,000", "250k" or "1.5m".
const BudgetSchema = z
  .string()
  .trim()
  .regex(/^\d[\d,]*(\.\d+)?\s*[km]?$/i, 'must be an amount such as 250000, 250k or 1.5m')
  .transform((s) => Number(s.replace(/[,\sa-z]/gi, '')) * (/k$/i.test(s) ? 1e3 : /m$/i.test(s) ? 1e6 : 1))
  .pipe(z.number().positive('must be more than 0').max(1e10));

type Send = { text: string; photo?: { png: Uint8Array; name: string; caption: string } };

async function riskMessages(result: Extract<TaskResult, { kind: 'risk' }>): Promise<Send[]> {
  const report = result.report;
  const losses = report.losses;
  const mc = report.monteCarlo;
  const stressed = report.stress;
  const stress = !stressed
    ? ''
    : 'unavailable' in stressed
      ? `Stress (unemployment +${SHOCK} points): not available, ${stressed.unavailable}.`
      : `Stress (unemployment +${SHOCK} points, ${stressed.relation.from}–${stressed.relation.to} relation): expected loss ${money(stressed.expectedLoss)}, VaR 99.9% ${money(stressed.var999)}, capital ${money(stressed.capital)}.`;
  const text = [
    `Book: ${report.loans.toLocaleString('en-US')} approved loans, ${money(report.exposure)} lent; expected yearly return ${pct(report.expectedReturn)} (after expected loss and funding).`,
    `Basel IRB (retail): capital ${money(report.basel.capital)}, RWA ${money(report.basel.rwa)}, expected loss ${money(report.basel.expectedLoss)}.`,
    `One-year losses (one-factor model): expected ${money(losses.expectedLoss)}; VaR 99% ${money(losses.var99)}, 99.9% ${money(losses.var999)}; expected shortfall 99% ${money(losses.es99)}, 99.9% ${money(losses.es999)}.`,
    `${losses.source === 'largePool' ? 'Large-pool figures' : `Monte Carlo figures (${mc.scenarios.toLocaleString('en-US')} scenarios)`}: ${losses.why}.`,
    stress,
  ]
    .filter(Boolean)
    .join('\n');
  const png = svgToPng(await lossHistogramChart(report));
  return [{ text }, { text: '', photo: { png, name: 'losses.png', caption: 'Simulated one-year losses, with expected loss and VaR marked.' } }];
}

async function frontierMessages(result: Extract<TaskResult, { kind: 'frontier' }>): Promise<Send[]> {
  const frontier = result.frontier;
  const low = frontier.points[0];
  const high = frontier.points[frontier.points.length - 1];
  const caption = [
    `Efficient frontier for ${money(frontier.budget)} over today's candidates, the existing book held fixed.`,
    `Least risk: return ${pct(low.expectedReturn)} at risk ${pct(low.risk)}; highest return: ${pct(high.expectedReturn)} at risk ${pct(high.risk)}.`,
    frontier.current ? `Today's approvals (red): return ${pct(frontier.current.expectedReturn)} at risk ${pct(frontier.current.risk)}.` : '',
  ]
    .filter(Boolean)
    .join('\n');
  return [{ text: '', photo: { png: svgToPng(await frontierChart(frontier)), name: 'frontier.png', caption } }];
}

function optimiseMessages(result: Extract<TaskResult, { kind: 'optimise' }>): Send[] {
  const a = result.allocation;
  const top = a.allocations
    .filter((l) => l.funded > 0.005)
    .sort((x, y) => y.funded - x.funded)
    .slice(0, 10)
    .map((l) => `• ${l.id.slice(0, 8)} ${money(l.funded)} of ${money(l.amount)} (band ${l.band}, ${l.purpose.replace(/_/g, ' ')}, APR ${pct(l.rate)})`);
  const shares = (s: Record<string, number>) =>
    Object.entries(s)
      .filter(([, v]) => v > 0.0005)
      .map(([k, v]) => `${k.replace(/_/g, ' ')} ${pct(v)}`)
      .join(', ');
  return [
    {
      text: [
        `Best return per unit of risk for ${money(a.budget)}: ${a.funded} of ${a.loans} candidate loans funded.`,
        `Expected yearly return ${pct(a.expectedReturn)}, risk ${pct(a.risk)}; expected loss ${money(a.expectedLoss)}; Basel capital ${money(a.capital)}.`,
        `By risk band: ${shares(a.byRiskBand)}.`,
        `By purpose: ${shares(a.byPurpose)}.`,
        'Largest allocations:',
        ...top,
      ].join('\n'),
    },
  ];
}

const messagesOf = (result: TaskResult): Promise<Send[]> | Send[] =>
  result.kind === 'risk' ? riskMessages(result) : result.kind === 'frontier' ? frontierMessages(result) : optimiseMessages(result);

/** What the chat is told when a job ends without a result. */
const endedWithout = (job: JobRecord) =>
  job.status === 'refused' ? `Cannot do that: ${job.error}.` : `The ${job.kind} job ${job.status}${job.error ? `: ${job.error}` : ''}. Please try again.`;

async function send(api: Api, chatId: number, messages: Send[]) {
  for (const m of messages) {
    if (m.photo) await api.sendPhoto(chatId, new InputFile(m.photo.png, m.photo.name), { caption: m.photo.caption });
    else if (m.text) await api.sendMessage(chatId, m.text);
  }
}

export function portfolioFeature(deps: BotDeps, isAdmin: (ctx: BotContext) => Promise<boolean>) {
  const composer = new Composer<BotContext>();
  adminGate(composer, ['portfolio', 'frontier', 'optimise'], deps, isAdmin);
  const jobs = deps.portfolioJobs;

  /** Starts (or finds) the job and answers when it ends; the handler returns after PATIENCE_MS at most. */
  const run = async (ctx: BotContext, kind: PortfolioKind, params: unknown) => {
    const chatId = ctx.chat!.id;
    const { job } = await jobs.request(kind, params, `bot:${ctx.from?.id ?? 'unknown'}`);
    const finish = async (ended: JobRecord | null) => {
      if (ended?.status === 'done' && ended.result) await send(ctx.api, chatId, await messagesOf(ended.result));
      else await ctx.api.sendMessage(chatId, ended ? endedWithout(ended) : 'The job was lost. Please try again.');
    };
    const early = await jobs.wait(job.id, PATIENCE_MS);
    if (early && early.status !== 'queued' && early.status !== 'running') return finish(early);
    await ctx.reply(`Working on it: the ${kind} of the book takes a while. I will send it here when it is ready (job ${job.id.slice(0, 8)}).`);
    // The rest of the wait happens off the update: other chats go on being answered meanwhile.
    void jobs
      .wait(job.id, job.deadlineAt.getTime() - Date.now() + 5_000)
      .then(finish)
      .catch((error) => console.error(`bot: portfolio job ${job.id} could not be reported:`, (error as Error).message));
  };

  composer.command('portfolio', (ctx) => run(ctx, 'risk', RiskJobParamsSchema.parse({ unemploymentShock: SHOCK })));
  composer.command('frontier', (ctx) => run(ctx, 'frontier', FrontierJobParamsSchema.parse({ limits: {} })));
  composer.command('optimise', async (ctx) => {
    const parsed = BudgetSchema.safeParse(ctx.match);
    if (!parsed.success) {
      await ctx.reply(`Budget ${plainRule(parsed.error.issues[0])}. Example: /optimise 250000`);
      return;
    }
    await run(ctx, 'optimise', OptimiseJobParamsSchema.parse({ budget: parsed.data, limits: {} }));
  });

  return composer;
}
