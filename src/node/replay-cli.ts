import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { renderSvg } from '../evaluation/charts.ts';
import { loadModel } from '../model/load.ts';
import { REFIT_EVERY, replayMarkdown, replayOnLendingClub, type ReplayReport } from './replay.ts';
import { DEFAULT_SGD } from './sgd.ts';

/** `npm run replay [-- --seed N --delay N --risk-budget X --refit-every N --out DIR]`: the SGD policy on LendingClub history. */
const Args = z.object({
  seed: z.coerce.number().int().min(0).default(DEFAULT_SGD.seed),
  delay: z.coerce.number().int().min(0).default(DEFAULT_SGD.delay),
  'risk-budget': z.coerce.number().gt(0).lt(1).default(DEFAULT_SGD.riskBudget),
  'refit-every': z.coerce.number().int().min(1).default(REFIT_EVERY),
  out: z.string().default('reports/sgd-replay'),
});
const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    delay: { type: 'string' },
    'risk-budget': { type: 'string' },
    'refit-every': { type: 'string' },
    out: { type: 'string' },
  },
});
const parsed = Args.safeParse(values);
if (!parsed.success) {
  for (const issue of parsed.error.issues) console.error(`--${issue.path.join('.')}: ${issue.message}`);
  process.exit(2);
}
const args = parsed.data;
const { tuning, report } = await replayOnLendingClub(
  loadModel('models'),
  { ...DEFAULT_SGD, seed: args.seed, delay: args.delay, riskBudget: args['risk-budget'] },
  args['refit-every'],
);
mkdirSync(args.out, { recursive: true });
writeFileSync(`${args.out}/replay.json`, `${JSON.stringify({ tuning, report }, null, 2)}\n`);
writeFileSync(`${args.out}/cutoff.svg`, await cutoffChart(report));
const md = replayMarkdown(tuning, report);
writeFileSync(`${args.out}/README.md`, md);
console.log(md);

/** SGD's cut-off over the replay against the fixed and re-fitted ones. */
function cutoffChart(report: ReplayReport): Promise<string> {
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  const last = report.loans - 1;
  const series = [
    ...report.cutoffs.map((p) => ({ ...p, policy: `SGD (seed ${report.options.seed})` })),
    ...[...report.refitted.refits, { loan: last, cutoff: report.refitted.refits.at(-1)!.cutoff }].map((r) => ({
      loan: r.loan,
      cutoff: r.cutoff,
      policy: `re-fitted every ${report.refitted.every} loans`,
    })),
    ...[0, last].map((loan) => ({ loan, cutoff: report.bestFixed.cutoff, policy: `best fixed (${pct(report.bestFixed.cutoff)})` })),
    ...[0, last].map((loan) => ({ loan, cutoff: report.fixed.cutoff, policy: `fixed ${pct(report.fixed.cutoff)}` })),
  ];
  return renderSvg({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Approval cut-off over the replay (loans in issue order)',
    width: 460,
    height: 340,
    data: { values: series },
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: { field: 'loan', type: 'quantitative', title: 'Loans decided' },
      y: { field: 'cutoff', type: 'quantitative', title: 'PD cut-off (approve below)', axis: { format: '%' }, scale: { zero: false } },
      color: { field: 'policy', type: 'nominal', title: null, scale: { range: ['#2b83ba', '#d7191c', '#fdae61', '#999999'] } },
      strokeDash: {
        field: 'policy',
        type: 'nominal',
        scale: {
          range: [
            [1, 0],
            [6, 3],
            [2, 2],
            [4, 3],
          ],
        },
      },
    },
  });
}
