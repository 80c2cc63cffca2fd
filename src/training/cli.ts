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
  --monotone A=+1,B=-1 the PD may only rise (+1) or only fall (-1) as a column grows; 0 = free
  --format F           auto | lendingclub | generic (default auto)
  --split S            head | tail | random (default head for LendingClub files: out-of-time)
  --test-fraction X    share of rows held out for the test (default 0.2)
  --grid G             full | quick (default full)
  --folds K            cross-validation folds (default 5)
  --workers N          worker threads (default: number of cores)
  --out DIR            where model versions go (default models)
  --no-promote         do not make this model the current one
`;

type Direction = -1 | 0 | 1;
const DIRECTIONS: Record<string, Direction> = { '+1': 1, '1': 1, '-1': -1, '0': 0 };
const MONOTONE_FORM = 'COLUMN=+1, COLUMN=-1 or COLUMN=0, comma-separated';

/** `--monotone age=-1,dti=+1` → { age: -1, dti: 1 }; every bad entry is named in its own message. */
const MonotoneSchema = z.string().transform((text, ctx) => {
  const out: Record<string, Direction> = {};
  const entries = text
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const fail = (message: string) => ctx.addIssue({ code: 'custom', message });
  if (entries.length === 0) fail(`give ${MONOTONE_FORM}`);
  for (const entry of entries) {
    const at = entry.lastIndexOf('=');
    const name = at < 0 ? entry : entry.slice(0, at).trim();
    const value = at < 0 ? undefined : entry.slice(at + 1).trim();
    if (value === undefined) fail(`"${entry}" has no direction: write ${entry}=+1 (PD rises with it), ${entry}=-1 (PD falls) or ${entry}=0`);
    else if (name === '') fail(`"${entry}" has no column name: write ${MONOTONE_FORM}`);
    else if (!(value in DIRECTIONS)) fail(`"${entry}": the direction of "${name}" must be +1, -1 or 0, not "${value}"`);
    else if (name in out) fail(`"${name}" is given more than once`);
    else out[name] = DIRECTIONS[value];
  }
  return out;
});

const ArgsSchema = z
  .object({
    data: z.string().min(1).default(DEFAULT_TRAIN_OPTIONS.data),
    seed: z.coerce
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .default(DEFAULT_TRAIN_OPTIONS.seed),
    target: z.string().min(1).optional(),
    bad: z.string().optional(),
    exclude: z
      .string()
      .optional()
      .transform((s) =>
        s
          ? s
              .split(',')
              .map((c) => c.trim())
              .filter(Boolean)
          : [],
      ),
    monotone: MonotoneSchema.optional(),
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

function progressBar(): Progress & { stop(): void } {
  const bar = new SingleBar(
    { format: ' {stage} |{bar}| {value}/{total} | {duration_formatted}', hideCursor: true, noTTYOutput: true, notTTYSchedule: 5000 },
    Presets.shades_classic,
  );
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
    /** The bar's redraw timer keeps the process alive: stop it on any way out. */
    stop() {
      if (active) bar.stop();
      active = false;
    },
  };
}

const ColumnNotesSchema = z.array(z.object({ name: z.string(), reason: z.string() })).catch([]);
const DataNotesSchema = z
  .object({ excludedColumns: ColumnNotesSchema.default([]), droppedColumns: ColumnNotesSchema.default([]) })
  .catch({ excludedColumns: [], droppedColumns: [] });

/** The columns of the file that are not features, and why (from metrics.json's `data`). */
function unusedColumnsText(data: unknown): string {
  const { excludedColumns, droppedColumns } = DataNotesSchema.parse(data);
  const notes = [...excludedColumns, ...droppedColumns];
  if (notes.length === 0) return '';
  const width = Math.max(...notes.map((n) => n.name.length));
  return `columns not used as features:\n${notes.map((n) => `  ${n.name.padEnd(width)}  ${n.reason}\n`).join('')}`;
}

const progress = progressBar();

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      seed: { type: 'string' },
      target: { type: 'string' },
      bad: { type: 'string' },
      exclude: { type: 'string' },
      monotone: { type: 'string' },
      format: { type: 'string' },
      split: { type: 'string' },
      'test-fraction': { type: 'string' },
      grid: { type: 'string' },
      folds: { type: 'string' },
      workers: { type: 'string' },
      out: { type: 'string' },
      'no-promote': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
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
      data: a.data,
      seed: a.seed,
      target: a.target,
      bad: a.bad,
      exclude: a.exclude,
      format: a.format,
      split: a.split,
      testFraction: a['test-fraction'],
      grid: a.grid,
      folds: a.folds,
      workers: a.workers,
      out: a.out,
      promote: !a['no-promote'],
      ...(a.monotone ? { monotone: a.monotone } : {}),
    },
    progress,
  );
  const t = result.metrics.test;
  process.stdout.write(
    `\nmodel ${result.version} written to ${result.dir}\n` +
      `champion: ${result.metrics.champion.name}\n` +
      (Object.entries(t.candidates) as [string, { rocAuc: number; brier: number }][])
        .map(([name, c]) => `  ${name.padEnd(9)} test ROC-AUC ${c.rocAuc.toFixed(4)}, Brier ${c.brier.toFixed(4)}\n`)
        .join('') +
      `  baseline  test ROC-AUC ${t.baseline.rocAuc.toFixed(4)} (logistic regression, uncalibrated)\n` +
      unusedColumnsText(result.metrics.data),
  );
}

main().catch((error: unknown) => {
  progress.stop();
  process.stderr.write(`train: ${error instanceof Error ? error.message : String(error)}\n`);
  // Exit now: a worker thread or timer left behind by the failed run must not keep the process alive.
  process.exit(1);
});
