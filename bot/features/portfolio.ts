import { plainRule } from '../../src/applicant/schema.ts';
import { Composer, InputFile } from 'grammy';
import { z } from 'zod';
import { storedBook } from '../../db/portfolio-repository.ts';
import { svgToPng } from '../../src/evaluation/png.ts';
import { storedMacroRelation } from '../../src/macro/refresh.ts';
import { frontierChart, lossHistogramChart } from '../../src/portfolio/charts.ts';
import { SHIPPED_CORRELATIONS } from '../../src/portfolio/correlation-table.ts';
import { PortfolioError } from '../../src/portfolio/markowitz.ts';
import { frontierOfBook, optimiseBook, riskOfBook, RiskOptionsSchema, stressOfBook } from '../../src/portfolio/service.ts';
import type { BotDeps } from '../deps.ts';
import type { BotContext } from '../session.ts';
import { adminGate } from './admin.ts';

/** /portfolio, /frontier and /optimise BUDGET: the portfolio tools for the lender's staff, in chat. */

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
const money = (v: number) => `$${Math.round(v).toLocaleString('en-US')}`;
/** The scenario /portfolio stresses: unemployment 3 points higher. */
const SHOCK = 3;

// "250000", "250,000", "250k" or "1.5m".
const BudgetSchema = z
  .string()
  .trim()
  .regex(/^\d[\d,]*(\.\d+)?\s*[km]?$/i, 'must be an amount such as 250000, 250k or 1.5m')
  .transform((s) => Number(s.replace(/[,\sa-z]/gi, '')) * (/k$/i.test(s) ? 1e3 : /m$/i.test(s) ? 1e6 : 1))
  .pipe(z.number().positive('must be more than 0').max(1e10));

export function portfolioFeature(deps: BotDeps, isAdmin: (ctx: BotContext) => Promise<boolean>) {
  const composer = new Composer<BotContext>();
  adminGate(composer, ['portfolio', 'frontier', 'optimise'], deps, isAdmin);
  const policy = async () => (await deps.decisions.policy.get()).policy;
  // A book that cannot be optimised is the lender's situation, not a failure: say why.
  const explain = async (ctx: BotContext, work: () => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      if (!(error instanceof PortfolioError)) throw error;
      await ctx.reply(`Cannot do that: ${error.message}.`);
    }
  };

  composer.command('portfolio', (ctx) =>
    explain(ctx, async () => {
      const book = await storedBook(deps.db());
      const current = await policy();
      const report = riskOfBook(book, RiskOptionsSchema.parse({}), current, SHIPPED_CORRELATIONS);
      const mc = report.monteCarlo;
      const stressed = stressOfBook(book, RiskOptionsSchema.parse({}), current, SHIPPED_CORRELATIONS, await storedMacroRelation(deps.db()), SHOCK);
      const stress =
        'unavailable' in stressed
          ? `Stress (unemployment +${SHOCK} points): not available, ${stressed.unavailable}.`
          : `Stress (unemployment +${SHOCK} points, ${stressed.relation.from}–${stressed.relation.to} relation): expected loss ${money(stressed.expectedLoss)}, VaR 99.9% ${money(stressed.var999)}, capital ${money(stressed.capital)}.`;
      await ctx.reply(
        [
          `Book: ${report.loans} approved loans, ${money(report.exposure)} lent; expected yearly return ${pct(report.expectedReturn)} (after expected loss and funding).`,
          `Basel IRB (retail): capital ${money(report.basel.capital)}, RWA ${money(report.basel.rwa)}, expected loss ${money(report.basel.expectedLoss)}.`,
          `Monte Carlo (${mc.scenarios.toLocaleString('en-US')} scenarios, one year): expected loss ${money(mc.expectedLoss)}; VaR 99% ${money(mc.var99)}, 99.9% ${money(mc.var999)}; expected shortfall 99% ${money(mc.es99)}, 99.9% ${money(mc.es999)}.`,
          stress,
        ].join('\n'),
      );
      await ctx.replyWithPhoto(new InputFile(svgToPng(await lossHistogramChart(report)), 'losses.png'), {
        caption: 'Simulated one-year losses, with expected loss and VaR marked.',
      });
    }),
  );

  composer.command('frontier', (ctx) =>
    explain(ctx, async () => {
      const frontier = await frontierOfBook(await storedBook(deps.db()), {}, await policy(), SHIPPED_CORRELATIONS, deps.frontier);
      const png = svgToPng(await frontierChart(frontier));
      const low = frontier.points[0];
      const high = frontier.points[frontier.points.length - 1];
      const caption = [
        `Efficient frontier for ${money(frontier.budget)} (the current book's size).`,
        `Least risk: return ${pct(low.expectedReturn)} at risk ${pct(low.risk)}; highest return: ${pct(high.expectedReturn)} at risk ${pct(high.risk)}.`,
        frontier.current ? `Current book (red): return ${pct(frontier.current.expectedReturn)} at risk ${pct(frontier.current.risk)}.` : '',
      ].join('\n');
      await ctx.replyWithPhoto(new InputFile(png, 'frontier.png'), { caption });
    }),
  );

  composer.command('optimise', async (ctx) => {
    const parsed = BudgetSchema.safeParse(ctx.match);
    if (!parsed.success) {
      await ctx.reply(`Budget ${plainRule(parsed.error.issues[0])}. Example: /optimise 250000`);
      return;
    }
    await explain(ctx, async () => {
      const result = await optimiseBook(await storedBook(deps.db()), { budget: parsed.data, limits: {} }, await policy(), SHIPPED_CORRELATIONS, deps.frontier);
      const top = result.allocations
        .filter((a) => a.funded > 0.005)
        .sort((a, b) => b.funded - a.funded)
        .slice(0, 10)
        .map((a) => `• ${a.id.slice(0, 8)} ${money(a.funded)} of ${money(a.amount)} (band ${a.band}, ${a.purpose.replace(/_/g, ' ')}, APR ${pct(a.rate)})`);
      const shares = (s: Record<string, number>) =>
        Object.entries(s)
          .filter(([, v]) => v > 0.0005)
          .map(([k, v]) => `${k.replace(/_/g, ' ')} ${pct(v)}`)
          .join(', ');
      await ctx.reply(
        [
          `Best return per unit of risk for ${money(result.budget)}: ${result.funded} of ${result.loans} candidate loans funded.`,
          `Expected yearly return ${pct(result.expectedReturn)}, risk ${pct(result.risk)}; expected loss ${money(result.expectedLoss)}; Basel capital ${money(result.capital)}.`,
          `By risk band: ${shares(result.byRiskBand)}.`,
          `By purpose: ${shares(result.byPurpose)}.`,
          'Largest allocations:',
          ...top,
        ].join('\n'),
      );
    });
  });

  return composer;
}
