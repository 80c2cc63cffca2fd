import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadModel } from '../model/load.ts';
import { cutoffChart } from './charts.ts';
import { replayOnLendingClub } from './replay.ts';
import { DEFAULT_SGD } from './sgd.ts';

/** `npm run replay [-- --seed N --delay N --risk-budget X --out DIR]`: the SGD policy on LendingClub history. */
const Args = z.object({
  seed: z.coerce.number().int().min(0).default(DEFAULT_SGD.seed),
  delay: z.coerce.number().int().min(0).default(DEFAULT_SGD.delay),
  'risk-budget': z.coerce.number().gt(0).lt(1).default(DEFAULT_SGD.riskBudget),
  out: z.string().default('reports/sgd-replay'),
});
const { values } = parseArgs({ options: { seed: { type: 'string' }, delay: { type: 'string' }, 'risk-budget': { type: 'string' }, out: { type: 'string' } } });
const parsed = Args.safeParse(values);
if (!parsed.success) {
  for (const issue of parsed.error.issues) console.error(`--${issue.path.join('.')}: ${issue.message}`);
  process.exit(2);
}
const args = parsed.data;
const { tuning, report } = await replayOnLendingClub(loadModel('models'), {
  ...DEFAULT_SGD,
  seed: args.seed,
  delay: args.delay,
  riskBudget: args['risk-budget'],
});
mkdirSync(args.out, { recursive: true });
writeFileSync(`${args.out}/replay.json`, `${JSON.stringify({ tuning, report }, null, 2)}\n`);
writeFileSync(`${args.out}/cutoff.svg`, await cutoffChart(report.cutoffs, report.fixed.cutoff));
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const money = (v: number) => Math.round(v).toLocaleString('en-US');
const row = (name: string, o: typeof report.approveAll) =>
  `| ${name} | ${pct(o.approvalRate)} | ${pct(o.defaultRate)} | ${money(o.profit)} | ${(o.returnOnLent * 100).toFixed(2)}% |`;
const md = `# SGD lending policy replayed on LendingClub

${report.loans.toLocaleString('en-US')} loans: the out-of-time part of \`datasets/lendingclub_2007_2011.csv.gz\` (file lines ${report.firstLine}…${report.lastLine}, replayed oldest first),
PDs from the shipped model (which never saw these loans). Each outcome is revealed ${report.options.delay} loans after its decision (a stand-in for the
loan's term, which is longer than this whole period). Profit: repaid → instalments − amount − funding (${pct(report.fundingCost)} a year on half the amount);
defaulted → −${pct(report.lossGivenDefault)} of the amount. Risk budget: default rate of approved loans ≤ ${pct(report.options.riskBudget)}. Seed ${report.options.seed}.

Step size ${report.options.learningRate} and smoothing ${report.options.temperature} were chosen on the ${report.loans.toLocaleString('en-US')} loans before this period,
by mean profit over ${report.acrossSeeds.seeds} seeds (grid: ${tuning.grid.map((g) => `${g.learningRate}/${g.temperature} → ${money(g.profit)}`).join(', ')}).

| policy | approval rate | default rate | profit | profit per unit lent |
|---|---|---|---|---|
${row(`SGD (starts at ${pct(report.options.initialCutoff)}, ends at ${pct(report.sgd.finalCutoff)})`, report.sgd)}
${row(`fixed cut-off ${pct(report.fixed.cutoff)}`, report.fixed)}
${row('approve all', report.approveAll)}

One run's profit depends on its random draws: over ${report.acrossSeeds.seeds} seeds the SGD policy made ${money(report.acrossSeeds.meanProfit)} on average
(from ${money(report.acrossSeeds.minProfit)} to ${money(report.acrossSeeds.maxProfit)}) and beat the fixed cut-off in ${report.acrossSeeds.winsOverFixed} of them.

![cut-off over time](cutoff.svg)
`;
writeFileSync(`${args.out}/README.md`, md);
console.log(md);
