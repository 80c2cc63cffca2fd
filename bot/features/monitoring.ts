import { Composer, InputFile } from 'grammy';
import { databaseDriftMonitor, outcomePerformanceReport } from '../../db/monitoring-repository.ts';
import { svgToPng } from '../../src/evaluation/png.ts';
import { driftChart } from '../../src/monitoring/charts.ts';
import { DEFAULT_WEEKS, MAX_WEEKS, type DriftReport, type FeatureDrift, type WeekDrift } from '../../src/monitoring/drift.ts';
import { loadDriftReference } from '../../src/monitoring/load.ts';
import type { DriftMonitor } from '../../src/monitoring/monitor.ts';
import { DEFAULT_MONTHS, performanceLine } from '../../src/monitoring/performance.ts';
import type { BotDeps } from '../deps.ts';
import type { BotContext } from '../session.ts';
import { adminGate } from './admin.ts';

/**
 * /drift [WEEKS]: population stability of the inputs and the score, week by week, against the
 * model's training sample (as GET /v1/monitoring/drift), for the lender's staff: a summary, and the
 * chart of PSI by week and input as a PNG; and one line on the champion's recorded outcomes (as GET
 * /v1/monitoring/performance over its default months).
 */

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const psiText = (v: number) => (v >= 10 ? v.toFixed(0) : v.toFixed(2));
/** Feature lines shown for the latest week; earlier weeks get one line each. */
const DETAIL = 6;

/** The bin that moved the PSI most, in words. */
function mostMoved(f: FeatureDrift): string {
  const top = f.bins.reduce((a, b) => (b.contribution > a.contribution ? b : a));
  return `most moved: ${top.bin}, ${pct(top.actual)} now vs ${pct(top.expected)} in training`;
}

const weekHead = (w: WeekDrift, minimum: number) =>
  `Week of ${w.week}: ${w.applications.toLocaleString('en-US')} application${w.applications === 1 ? '' : 's'}, ${w.status}${w.lowVolume ? ` (fewer than ${minimum}: noisy)` : ''}`;

/** `outcomes`: a line on recorded outcomes, shown under the heading. */
export function driftSummary(report: DriftReport, weeks: number, outcomes?: string): string {
  const { watch, act, minApplications } = report.thresholds;
  const title = `Drift against the training sample of ${report.modelVersion} (${report.reference.rows.toLocaleString('en-US')} loans), last ${weeks} week${weeks === 1 ? '' : 's'}: PSI watch ≥ ${watch}, act ≥ ${act}.`;
  const head = outcomes ? `${title}\n${outcomes}` : title;
  const seen = report.weeks.filter((w) => w.applications > 0).reverse();
  if (seen.length === 0) return `${head}\nNo applications were decided in that time.`;
  const [latest, ...earlier] = seen;
  const byPsi = [...latest.features].sort((a, b) => b.psi - a.psi);
  const flagged = byPsi.filter((f) => f.status !== 'ok');
  const lines = [head, '', weekHead(latest, minApplications)];
  if (flagged.length === 0) lines.push(`All inputs ok (largest: ${byPsi[0].label}, PSI ${psiText(byPsi[0].psi)}).`);
  for (const f of flagged.slice(0, DETAIL)) lines.push(`• ${f.label}: PSI ${psiText(f.psi)} (${f.status}); ${mostMoved(f)}`);
  if (flagged.length > DETAIL) lines.push(`• and ${flagged.length - DETAIL} more past a threshold`);
  if (earlier.length > 0) lines.push('', 'Earlier weeks:');
  for (const w of earlier) {
    const past = w.features.filter((f) => f.status !== 'ok').sort((a, b) => b.psi - a.psi);
    lines.push(`${weekHead(w, minApplications)}${past.length ? ` — ${past.map((f) => `${f.feature} ${psiText(f.psi)}`).join(', ')}` : ''}`);
  }
  return lines.join('\n');
}

export function monitoringFeature(deps: BotDeps, isAdmin: (ctx: BotContext) => Promise<boolean>) {
  const composer = new Composer<BotContext>();
  adminGate(composer, ['drift'], deps, isAdmin);
  // The model's reference distribution, read at the first /drift (null: it ships none).
  let monitor: DriftMonitor | null | undefined;
  const monitorOf = () => {
    if (monitor === undefined) {
      const reference = loadDriftReference(deps.model, (problem) => console.warn(`drift monitoring off: ${problem}`));
      monitor = reference ? databaseDriftMonitor(deps.db, { reference, policy: async () => (await deps.decisions.policy.get()).policy }) : null;
    }
    return monitor;
  };

  composer.command('drift', async (ctx) => {
    const arg = ctx.match.trim();
    const weeks = arg === '' ? DEFAULT_WEEKS : Number(arg);
    if (!Number.isInteger(weeks) || weeks < 1 || weeks > MAX_WEEKS) {
      await ctx.reply(`Weeks must be a whole number from 1 to ${MAX_WEEKS}. Example: /drift 12`);
      return;
    }
    const active = await deps.decisions.models.active();
    const outcomes = performanceLine(
      await outcomePerformanceReport(deps.db(), active.roles.champion ?? active.champion.version, DEFAULT_MONTHS),
      DEFAULT_MONTHS,
    );
    const drift = monitorOf();
    if (!drift) {
      await ctx.reply(
        `Drift monitoring is off: model ${deps.model.version} has no usable reference distribution (npm run monitoring:reference).\n\n${outcomes}`,
      );
      return;
    }
    const report = await drift.report({ weeks });
    await ctx.reply(driftSummary(report, weeks, outcomes));
    if (report.weeks.some((w) => w.applications > 0)) {
      const png = svgToPng(await driftChart(report));
      await ctx.replyWithPhoto(new InputFile(png, 'drift.png'), {
        caption: `PSI by week and input against the training sample: green ok, orange watch (≥ ${report.thresholds.watch}), red act (≥ ${report.thresholds.act}).`,
      });
    }
  });

  return composer;
}
