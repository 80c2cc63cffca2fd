import { parseArgs } from 'node:util';
import { z } from 'zod';
import { SingleBar, Presets } from 'cli-progress';
import { DEFAULT_TRAIN_OPTIONS, trainModel, type Progress, type Stage } from './pipeline.ts';
import { SPLITS } from './split.ts';

const HELP = `npm run train -- [--data FILE] [--seed N] [options]

  --data FILE          training CSV (.csv or .csv.gz); default ${DEFAULT_TRAIN_OPTIONS.data}
  --seed N             fixes the result (default ${DEFAULT_TRAIN_OPTIONS.seed})
  --target COLUMN      for any other credit CSV: the outcome column
  --bad VALUE          the value of --target that means "bad" (default, charged off…)
  --exclude A,B        columns to keep out of the features
  --format F           auto | lendingclub | generic (default auto)
  --split S            head | tail | random (default head for LendingClub files: out-of-time)
  --test-fraction X    share of rows held out for the test (default 0.2)
  --grid G             full | quick (default full)
  --folds K            cross-validation folds (default 5)
  --workers N          worker threads (default: number of cores)
  --out DIR            where model versions go (default models)
  --no-promote         do not make this model the current one
`;

const ArgsSchema = z
  .object({
    data: z.string().min(1).default(DEFAULT_TRAIN_OPTIONS.data),
    seed: z.coerce.number().int().min(0).max(2 ** 32 - 1).default(DEFAULT_TRAIN_OPTIONS.seed),
    target: z.string().min(1).optional(),
    bad: z.string().optional(),
    exclude: z.string().optional().transform((s) => (s ? s.split(',').map((c) => c.trim()).filter(Boolean) : [])),
    format: z.enum(['auto', 'lendingclub', 'generic']).default('auto'),
    split: z.enum(SPLITS).optional(),
    'test-fraction': z.coerce.number().gt(0).lt(1).default(DEFAULT_TRAIN_OPTIONS.testFraction),
    grid: z.enum(['full', 'quick']).default('full'),
    folds: z.coerce.number().int().min(2).max(20).default(DEFAULT_TRAIN_OPTIONS.folds),
    workers: z.coerce.number().int().min(0).max(64).default(DEFAULT_TRAIN_OPTIONS.workers),
    out: z.string().min(1).default(DEFAULT_TRAIN_OPTIONS.out),
    'no-promote': z.boolean().default(false),
  })
  .refine((a) => (a.target === undefined) === (a.bad === undefined), {
    message: '--target and --bad go together',
    path: ['target'],
  });

function progressBar(): Progress {
  const bar = new SingleBar({ format: ' {stage} |{bar}| {value}/{total} trees | {duration_formatted}', hideCursor: true, noTTYOutput: true, notTTYSchedule: 5000 }, Presets.shades_classic);
  let active = false;
  return {
    stage(name: Stage, total?: number) {
      if (active) bar.stop();
      active = false;
      if (total) {
        bar.start(total, 0, { stage: name.padEnd(8) });
        active = true;
      } else process.stderr.write(`${name}…\n`);
    },
    tick(done: number) {
      if (active) bar.update(done);
      if (active && done >= bar.getTotal()) {
        bar.stop();
        active = false;
      }
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' }, seed: { type: 'string' }, target: { type: 'string' }, bad: { type: 'string' },
      exclude: { type: 'string' }, format: { type: 'string' }, split: { type: 'string' }, 'test-fraction': { type: 'string' },
      grid: { type: 'string' }, folds: { type: 'string' }, workers: { type: 'string' }, out: { type: 'string' },
      'no-promote': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const parsed = ArgsSchema.safeParse(values);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) process.stderr.write(`--${issue.path.join('.')}: ${issue.message}\n`);
    process.stderr.write(`\n${HELP}`);
    process.exitCode = 2;
    return;
  }
  const a = parsed.data;
  const result = await trainModel(
    {
      data: a.data, seed: a.seed, target: a.target, bad: a.bad, exclude: a.exclude, format: a.format, split: a.split,
      testFraction: a['test-fraction'], grid: a.grid, folds: a.folds, workers: a.workers, out: a.out, promote: !a['no-promote'],
    },
    progressBar(),
  );
  const t = result.metrics.test;
  process.stdout.write(
    `\nmodel ${result.version} written to ${result.dir}\n` +
      `test ROC-AUC: forest ${t.forest.rocAuc.toFixed(4)}, baseline ${t.baseline.rocAuc.toFixed(4)}; ` +
      `Brier: forest ${t.forest.brier.toFixed(4)}, baseline ${t.baseline.brier.toFixed(4)}\n`,
  );
}

main().catch((error: Error) => {
  process.stderr.write(`train: ${error.message}\n`);
  process.exitCode = 1;
});
