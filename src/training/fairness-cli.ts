import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEFAULT_FAIRNESS_OPTIONS, FAMILIES, runFairness, runModelFairness, writeFairnessReport, writeModelFairnessReport, type Family } from './fairness.ts';

const HELP = `npm run fairness -- --data FILE --target COLUMN --bad VALUE --group COLUMN [options]
npm run fairness -- --data FILE --target COLUMN --bad VALUE --group COLUMN --model VERSION [--cutoff P]

  Fair-lending report: approval rates and the adverse impact ratio by group, true and false
  positive rates, calibration by group (observed decisions and cross-validated models), the
  less-discriminatory-alternative search and a proxy check. The group column is never an input.
  With --model: the same figures for one trained model's decisions (no search, no training).

  --data FILE          CSV (.csv or .csv.gz) with an outcome and a group column
  --target COLUMN      the outcome column
  --bad VALUE          the value of --target that is the unfavourable outcome (denied, defaulted)
  --group COLUMN       the group column (a protected attribute); never a model input
  --reference VALUE    the group the others are compared with (default: the largest)
  --exclude A,B        other columns to keep out of every model
  --tolerance X        AUC tolerance of the alternative search (default ${DEFAULT_FAIRNESS_OPTIONS.tolerance})
  --families A,B       candidate families: ${FAMILIES.join(', ')} (default all)
  --folds K            cross-validation folds (default ${DEFAULT_FAIRNESS_OPTIONS.folds})
  --seed N             fixes the result (default ${DEFAULT_FAIRNESS_OPTIONS.seed})
  --workers N          worker threads for the trees (default: number of cores)
  --out DIR            where report.md, figures.json and charts/ go (default reports/fairness/<file name>,
                       with --model reports/fairness/<file name>-<version>)

  One trained model instead of the search (--exclude, --tolerance, --families, --folds, --seed do not apply):
  --model VERSION      a model under --models (npm run train): every row scored as npm run score scores it;
                       refused if the group column is one of its inputs
  --models DIR         where model versions are (default models)
  --cutoff P           approve P(bad) < P (default: the cut-off that approves as many as the data did)
`;

/** Options of the candidate search that mean nothing for one given model. */
const SEARCH_ONLY = ['exclude', 'tolerance', 'families', 'folds', 'seed'] as const;

const list = (s: string | undefined) =>
  (s ?? '')
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);

const required = (what: string) => z.string({ error: `required: ${what}` }).min(1, `required: ${what}`);

const ArgsSchema = z.object({
  data: required('the CSV file'),
  target: required('the outcome column'),
  bad: z.string({ error: 'required: the value of --target that is the unfavourable outcome' }),
  group: required('the column that says which group an applicant is in'),
  reference: z.string().min(1, 'give the group value to compare with').optional(),
  exclude: z.string().optional().transform(list),
  tolerance: z.coerce.number('must be a number').min(0, 'must be 0 or more').max(0.5, 'must be at most 0.5').default(DEFAULT_FAIRNESS_OPTIONS.tolerance),
  families: z
    .string()
    .optional()
    .transform((s, ctx) => {
      const names = list(s);
      const unknown = names.filter((n) => !(FAMILIES as readonly string[]).includes(n));
      if (unknown.length > 0)
        ctx.addIssue({
          code: 'custom',
          message: `unknown famil${unknown.length === 1 ? 'y' : 'ies'} ${unknown.join(', ')}; choose from ${FAMILIES.join(', ')}`,
        });
      return (names.length > 0 ? [...new Set(names)] : [...FAMILIES]) as Family[];
    }),
  folds: z.coerce
    .number('must be a whole number')
    .int('must be a whole number')
    .min(2, 'must be at least 2')
    .max(20, 'must be at most 20')
    .default(DEFAULT_FAIRNESS_OPTIONS.folds),
  seed: z.coerce
    .number('must be a whole number')
    .int('must be a whole number')
    .min(0)
    .max(2 ** 32 - 1)
    .default(DEFAULT_FAIRNESS_OPTIONS.seed),
  workers: z.coerce.number('must be a whole number').int('must be a whole number').min(0).max(64).default(DEFAULT_FAIRNESS_OPTIONS.workers),
  out: z.string().min(1).optional(),
  model: z.string().min(1, 'give a model version (a directory under --models)').optional(),
  models: z.string().min(1, 'give the models directory').default('models'),
  cutoff: z.coerce.number('must be a number').gt(0, 'must be above 0').lt(1, 'must be under 1').optional(),
});

/** parseArgs' own messages, in ours. */
function argsError(error: unknown): string {
  const e = error as { code?: string; message?: string };
  const option = /'(-[^']*)'/.exec(e.message ?? '')?.[1];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option ?? ''} (npm run fairness -- --help lists them)`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return `${option?.split(' ')[0] ?? 'an option'} needs a value`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${option ?? ''}: options are --name value`;
    default:
      return e.message ?? String(error);
  }
}

const fail = (message: string, code: number) => {
  process.stderr.write(`fairness: ${message}\n`);
  process.exitCode = code;
};

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        data: { type: 'string' },
        target: { type: 'string' },
        bad: { type: 'string' },
        group: { type: 'string' },
        reference: { type: 'string' },
        exclude: { type: 'string' },
        tolerance: { type: 'string' },
        families: { type: 'string' },
        folds: { type: 'string' },
        seed: { type: 'string' },
        workers: { type: 'string' },
        out: { type: 'string' },
        model: { type: 'string' },
        models: { type: 'string' },
        cutoff: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    return fail(argsError(error), 2);
  }
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  if (values.model !== undefined) {
    const given = SEARCH_ONLY.filter((o) => values[o] !== undefined);
    if (given.length > 0)
      return fail(`${given.map((o) => `--${o}`).join(', ')}: ${given.length === 1 ? 'applies' : 'apply'} to the candidate search, not to --model`, 2);
  } else {
    const given = (['models', 'cutoff'] as const).filter((o) => values[o] !== undefined);
    if (given.length > 0) return fail(`${given.map((o) => `--${o}`).join(', ')}: only with --model VERSION`, 2);
  }
  const parsed = ArgsSchema.safeParse(values);
  if (!parsed.success) {
    return fail(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '), 2);
  }
  const a = parsed.data;
  const slug = (s: string) => s.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  const out = a.out ?? `reports/fairness/${slug(basename(a.data).replace(/(\.csv)?(\.gz)?$/, ''))}${a.model ? `-${slug(a.model)}` : ''}`;
  const quote = (s: string) => (/^[\w./=,:-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`);
  // The command as typed, less --workers (it changes the speed, never the report).
  const typed = process.argv.slice(2).filter((arg, i, all) => !arg.startsWith('--workers') && all[i - 1] !== '--workers');
  const command = ['npm run fairness --', ...typed.map(quote)].join(' ');
  if (a.model) return reportModel({ ...a, model: a.model }, out, command);
  const run = await runFairness({
    data: a.data,
    target: a.target,
    bad: a.bad,
    group: a.group,
    reference: a.reference,
    exclude: a.exclude,
    tolerance: a.tolerance,
    families: a.families,
    folds: a.folds,
    seed: a.seed,
    workers: a.workers,
    onStage: (m) => process.stderr.write(`${m}…\n`),
  });
  const files = await writeFairnessReport(run, out, command);
  const { observed, lda } = run;
  const gap = observed.approval.gaps.find((g) => g.group === observed.airGroup)!;
  const bad = observed.bad.shares;
  process.stdout.write(
    `observed: ${a.target} = ${a.bad} for ${(bad[observed.airGroup].rate * 100).toFixed(1)}% of ${a.group} = ${observed.airGroup} vs ` +
      `${(bad[observed.levels.reference].rate * 100).toFixed(1)}% of ${a.group} = ${observed.levels.reference}; ` +
      `AIR ${gap.ratio.toFixed(3)} [${gap.ratioLow.toFixed(3)}, ${gap.ratioHigh.toFixed(3)}]\n` +
      `best model:  ${lda.best.name}: AUC ${lda.best.auc.toFixed(4)}, AIR ${lda.best.air.toFixed(3)}\n` +
      `alternative: ${lda.chosen.name}: AUC ${lda.chosen.auc.toFixed(4)}, AIR ${lda.chosen.air.toFixed(3)} (${lda.eligible.length} of ${lda.candidates.length} within ${lda.tolerance} AUC)\n` +
      `proxy check: inputs predict ${run.proxy.groupDescription} with AUC ${run.proxy.models.map((m) => `${m.auc.toFixed(3)} (${m.family})`).join(', ')}\n` +
      `report: ${files.find((f) => f.endsWith('report.md'))} (${files.length} files, ${run.seconds.toFixed(1)} s)\n`,
  );
}

const percent = (v: number) => `${(v * 100).toFixed(1)}%`;

/** `--model`: one trained model's decisions by group, no search. */
async function reportModel(a: z.infer<typeof ArgsSchema> & { model: string }, out: string, command: string): Promise<void> {
  const run = await runModelFairness({
    data: a.data,
    target: a.target,
    bad: a.bad,
    group: a.group,
    reference: a.reference,
    model: a.model,
    models: a.models,
    cutoff: a.cutoff,
    onStage: (m) => process.stderr.write(`${m}…\n`),
  });
  const files = await writeModelFairnessReport(run, out, command);
  const { observed, figures: f, data } = run;
  const ref = observed.levels.reference;
  const obs = observed.approval.gaps.find((g) => g.group === observed.airGroup)!;
  const gap = f.approval.gaps.find((g) => g.group === f.airGroup) ?? f.approval.gaps[0];
  const bad = observed.bad.shares;
  const versus = (by: typeof f.truePositive) => `${percent(by.shares[gap.group].rate)} vs ${percent(by.shares[ref].rate)}`;
  process.stdout.write(
    `observed: ${a.target} = ${a.bad} for ${percent(bad[observed.airGroup].rate)} of ${a.group} = ${observed.airGroup} vs ` +
      `${percent(bad[ref].rate)} of ${a.group} = ${ref}; AIR ${obs.ratio.toFixed(3)} [${obs.ratioLow.toFixed(3)}, ${obs.ratioHigh.toFixed(3)}]\n` +
      `model ${run.model.version}: AUC ${run.auc.toFixed(4)} on ${data.rowsUsed.toLocaleString('en')} rows; approving ${percent(f.approvalRate)} (P(bad) < ${f.cutoff.toFixed(4)}): ` +
      `AIR ${gap.ratio.toFixed(3)} [${gap.ratioLow.toFixed(3)}, ${gap.ratioHigh.toFixed(3)}] for ${a.group} = ${gap.group}; ` +
      `true positive rate ${versus(f.truePositive)}, false positive rate ${versus(f.falsePositive)}\n` +
      `calibration (observed / expected bads): ${f.calibration.groups.map((c) => `${a.group} = ${c.group} ${c.observedOverExpected.toFixed(2)} (p ${c.pValue < 0.001 ? '< 0.001' : `= ${c.pValue.toFixed(3)}`})`).join(', ')}\n` +
      (data.rowsRejected > 0
        ? `left out: ${data.rowsRejected.toLocaleString('en')} row${data.rowsRejected === 1 ? '' : 's'} the model could not score (see the report)\n`
        : '') +
      (run.model.trainedOnThisFile ? `note: ${run.model.version} was trained on this file: the figures are partly in-sample\n` : '') +
      `report: ${files.find((file) => file.endsWith('report.md'))} (${files.length} files, ${run.seconds.toFixed(1)} s)\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`fairness: ${error instanceof Error ? error.message : String(error)}\n`);
  // A worker thread left behind by a failed run must not keep the process alive.
  process.exit(1);
});
