import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { openDatabase } from '../../db/client.ts';
import { outcomeRows } from '../../db/outcome-repository.ts';
import { currentPolicy } from '../../db/repository.ts';
import { classifyDatabaseError } from '../app/database-errors.ts';
import { readEnv } from '../config/env.ts';
import { renderSvg } from '../evaluation/charts.ts';
import { loadModel } from '../model/load.ts';
import {
  LENDINGCLUB_SOURCE,
  REFIT_EVERY,
  replayMarkdown,
  replayOnLendingClub,
  replayOnOutcomes,
  type ReplayReport,
  type ReplaySource,
  TooFewOutcomesError,
  type tuneSgd,
} from '../portfolio/replay.ts';
import { DEFAULT_SGD } from '../portfolio/sgd.ts';

const HELP = `npm run replay [-- --seed N --delay N --risk-budget X --refit-every N --out DIR]
npm run replay -- --outcomes [--seed N --delay N --risk-budget X --refit-every N --out DIR]

The SGD lending policy against its baselines (the fixed 25% it starts from, the best fixed cut-off
chosen on the preceding period, that cut-off re-fitted as outcomes arrive, approve-all); writes
README.md, replay.json and cutoff.svg to --out.
  (default)   LendingClub history: the out-of-time loans, the period before as the preceding one
              (--out default reports/sgd-replay; --delay default ${DEFAULT_SGD.delay} loans, --refit-every ${REFIT_EVERY}).
  --outcomes  the stored decisions with a recorded outcome, in decision order, with the PD, amount,
              term and APR each was decided with: the earlier half as the preceding period, the later
              half replayed (--out default reports/sgd-live; --delay default: measured from the outcome
              dates; --refit-every default: the delay). Needs at least 200 such loans (exit 1 else).
              Reads DATABASE_URL, or the embedded database in DATA_DIR (default ./data; stop the server first).
`;

const Args = z.object({
  outcomes: z.boolean().default(false),
  seed: z.coerce.number().int().min(0).default(DEFAULT_SGD.seed),
  delay: z.coerce.number().int().min(0).optional(),
  'risk-budget': z.coerce.number().gt(0).lt(1).default(DEFAULT_SGD.riskBudget),
  'refit-every': z.coerce.number().int().min(1).optional(),
  out: z.string().min(1).optional(),
});
type Args = z.infer<typeof Args>;

/** The embedded database's own problems (none, or held by another process): said as they are, they carry no secret. */
const EMBEDDED_PROBLEM = /^no database in|is in use by process|could not take the database lock/;

interface Written {
  tuning: ReturnType<typeof tuneSgd>;
  report: ReplayReport;
  source: ReplaySource;
  /** More for replay.json (the outcomes replay's delay source, counts and dates). */
  extra?: Record<string, unknown>;
}

async function lendingClub(args: Args): Promise<Written> {
  const { tuning, report } = await replayOnLendingClub(
    loadModel('models'),
    { ...DEFAULT_SGD, seed: args.seed, delay: args.delay ?? DEFAULT_SGD.delay, riskBudget: args['risk-budget'] },
    args['refit-every'] ?? REFIT_EVERY,
  );
  return { tuning, report, source: LENDINGCLUB_SOURCE };
}

/** The stored outcomes' replay, or the sentence saying there are too few (thrown as TooFewOutcomesError). */
async function recorded(args: Args): Promise<Written> {
  const env = readEnv();
  // Read only: no migration, and no new empty database made where none was.
  const database = await openDatabase(
    env.DATABASE_URL ? { url: env.DATABASE_URL, max: 1, migrate: false, connectTimeoutSeconds: 5 } : { dataDir: env.DATA_DIR, migrate: false },
  );
  try {
    const rows = await outcomeRows(database.db);
    // Too few: said before anything else is read (an empty database has no policy to read either).
    const policy = rows.length > 0 ? (await currentPolicy(database.db)).policy : undefined;
    const replay = replayOnOutcomes(rows, {
      sgd: { ...DEFAULT_SGD, seed: args.seed, riskBudget: args['risk-budget'] },
      ...(args.delay !== undefined ? { delay: args.delay } : {}),
      ...(args['refit-every'] !== undefined ? { refitEvery: args['refit-every'] } : {}),
      ...(policy ? { policy } : {}),
    });
    const { tuning, report, source, ...extra } = replay;
    return { tuning, report, source, extra };
  } finally {
    await database.close();
  }
}

async function main(): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        outcomes: { type: 'boolean' },
        seed: { type: 'string' },
        delay: { type: 'string' },
        'risk-budget': { type: 'string' },
        'refit-every': { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    console.error(`replay: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const parsed = Args.safeParse(values);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) console.error(`--${issue.path.join('.')}: ${issue.message}`);
    return 2;
  }
  const args = parsed.data;
  let written: Written;
  try {
    written = args.outcomes ? await recorded(args) : await lendingClub(args);
  } catch (error) {
    if (error instanceof TooFewOutcomesError) {
      console.error(error.message);
      return 1;
    }
    if (!args.outcomes) throw error;
    // Plain words: the class and code, never a driver's message (it may carry a URL with a password).
    const { kind, code } = classifyDatabaseError(error);
    console.error(
      `replay: ${error instanceof Error && EMBEDDED_PROBLEM.test(error.message) ? error.message : `cannot read the outcomes (database ${kind} error, ${code})`}`,
    );
    return 1;
  }
  const out = args.out ?? (args.outcomes ? 'reports/sgd-live' : 'reports/sgd-replay');
  const { tuning, report, source, extra } = written;
  mkdirSync(out, { recursive: true });
  writeFileSync(`${out}/replay.json`, `${JSON.stringify({ tuning, report, ...(extra ?? {}) }, null, 2)}\n`);
  writeFileSync(`${out}/cutoff.svg`, await cutoffChart(report, source));
  const md = replayMarkdown(tuning, report, source);
  writeFileSync(`${out}/README.md`, md);
  console.log(md);
  return 0;
}

/** SGD's cut-off over the replay against the fixed and re-fitted ones. */
function cutoffChart(report: ReplayReport, source: ReplaySource): Promise<string> {
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
    title: `Approval cut-off over the replay (loans in ${source.order})`,
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

process.exitCode = await main();
