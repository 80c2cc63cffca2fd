import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { z } from 'zod';
import { ModelLoadError } from '../model/model.ts';
import { promoteGeneric } from '../node/generic-model.ts';
import { BatchError, FORMATS, planBatch, runBatch, type BatchPlan } from './score.ts';
import { plainRule } from '../applicant/schema.ts';

const HELP = `npm run score -- --data FILE --out OUT.csv [options]     score every row of a CSV
npm run score -- --promote VERSION [--models DIR]          serve a generic model for generic scoring

  --data FILE        rows to score (.csv or .csv.gz): raw LendingClub columns (loan_amnt, annual_inc, …),
                     applicant fields (loanAmount, termMonths, …), or a generic model's columns
  --out OUT.csv      the input columns plus pd, score (300–850) and riskBand (.csv.gz: gzipped)
  --rejects FILE     rows that could not be scored, with row number and reason (default OUT.rejects.csv)
  --model VERSION    a model version in the models directory (default: the current applicant model,
                     or the promoted generic model for a generic model's columns)
  --models DIR       model versions and manifest.json (default $MODELS_DIR or models)
  --format F         auto | lendingclub | generic (default auto: told from the header)
  --progress         show the progress bar even on small files or when stderr is not a terminal
  --promote VERSION  record VERSION (a generic model) in DIR/manifest.json as the one served by
                     POST /v1/models/generic/score and used for generic columns; restart the server
`;

/** Files from this size up get a progress bar on a terminal. */
const LARGE_FILE_BYTES = 1 << 20;

const ArgsSchema = z.object({
  data: z.string().min(1).optional(),
  out: z.string().min(1).optional(),
  rejects: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  models: z
    .string()
    .min(1)
    .default(process.env.MODELS_DIR || 'models'),
  format: z.enum(FORMATS, { error: `must be one of ${FORMATS.join(', ')}` }).default('auto'),
  progress: z.boolean().default(false),
  promote: z.string().min(1).optional(),
});

class UsageError extends Error {}

function progressBar(plan: BatchPlan, forced: boolean): { update: (bytes: number, rows: number) => void; stop: () => void } | undefined {
  if (!forced && !(process.stderr.isTTY && plan.bytes >= LARGE_FILE_BYTES)) return undefined;
  const bar = new SingleBar(
    {
      format: ' scoring |{bar}| {percentage}% | {rows} rows | {duration_formatted}',
      hideCursor: true,
      noTTYOutput: forced,
      notTTYSchedule: 2000,
      stream: process.stderr,
    },
    Presets.shades_classic,
  );
  bar.start(Math.max(1, plan.bytes), 0, { rows: 0 });
  return {
    update: (bytes, rows) => bar.update(Math.min(bytes, plan.bytes), { rows }),
    stop: () => bar.stop(),
  };
}

async function main(argv: string[]): Promise<void> {
  let values: ReturnType<typeof parseArgs>['values'];
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        data: { type: 'string' },
        out: { type: 'string' },
        rejects: { type: 'string' },
        model: { type: 'string' },
        models: { type: 'string' },
        format: { type: 'string' },
        progress: { type: 'boolean' },
        promote: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]);
  }
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const parsed = ArgsSchema.safeParse(values);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${plainRule(i)}`).join('; '));
  const a = parsed.data;

  if (a.promote) {
    if (a.data || a.out) throw new UsageError('--promote is a command of its own: run it without --data/--out');
    const model = promoteGeneric(a.models, a.promote);
    const columns = model.spec.kind === 'generic' ? model.spec.columns.map((c) => c.name) : [];
    process.stdout.write(
      `${model.version} is now the generic model in ${a.models}/manifest.json (columns: ${columns.join(', ')}).\n` +
        `Restart the server to serve it at POST /v1/models/generic/score.\n`,
    );
    return;
  }
  if (!a.data) throw new UsageError('--data FILE is required (or --promote VERSION)');
  if (!a.out) throw new UsageError('--out OUT.csv is required');

  const plan = await planBatch({
    data: a.data,
    out: a.out,
    models: a.models,
    format: a.format,
    ...(a.rejects ? { rejects: a.rejects } : {}),
    ...(a.model ? { model: a.model } : {}),
  });
  const bar = progressBar(plan, a.progress);
  let summary: Awaited<ReturnType<typeof runBatch>>;
  try {
    summary = await runBatch(plan, { onProgress: bar?.update });
  } finally {
    bar?.stop();
  }
  const format = plan.format === 'lendingclub' ? 'LendingClub columns' : plan.kind === 'applicant-fields' ? 'applicant fields' : 'generic columns';
  const unfinished = plan.format === 'lendingclub' && summary.unfinished > 0 ? ` (${summary.unfinished} without a final loan status)` : '';
  const malformed = summary.malformed > 0 ? ` (${summary.malformed} with the wrong number of values)` : '';
  process.stdout.write(
    `scored ${summary.scored}${unfinished}, rejected ${summary.rejected}${malformed}, in ${summary.seconds.toFixed(2)} s ` +
      `(model ${plan.model.version}, ${format})\n` +
      `  scores:  ${plan.out}\n` +
      `  rejects: ${plan.rejects}${summary.rejected > 0 ? ' (each with its row number and the reason)' : ' (none)'}\n`,
  );
}

main(process.argv.slice(2)).catch((error: Error) => {
  const expected = error instanceof UsageError || error instanceof BatchError || error instanceof ModelLoadError;
  // One line, never a stack trace: the message says what to fix.
  process.stderr.write(`score: ${error.message.split('\n')[0]}${error instanceof UsageError ? ' (npm run score -- --help)' : ''}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
  if (!expected && process.env.DEBUG) console.error(error);
});
