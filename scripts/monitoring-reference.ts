import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadModel } from '../src/model/load.ts';
import { estimatePd } from '../src/model/model.ts';
import { featureDrift } from '../src/monitoring/drift.ts';
import { buildReference, countBins, REFERENCE_FILE, type DriftSample } from '../src/monitoring/reference.ts';
import { driftThresholds } from '../src/monitoring/psi.ts';
import { DEFAULT_POLICY } from '../src/scoring/policy.ts';
import { pdToScore } from '../src/scoring/scale.ts';
import { loadTrainingSet } from '../src/training/dataset.ts';
import { holdoutSplit, SPLITS } from '../src/training/split.ts';

/**
 * npm run monitoring:reference [-- --model VERSION --models DIR --data FILE]
 *
 * Writes models/<version>/reference.json: the reference distribution drift is measured against,
 * from the rows the model was trained on (the same file, split as its metrics.json records: for
 * LendingClub the newest 20% are the out-of-time test part and are left out), with the scores the
 * model gives them. Then measures the held-out test part against it, as a first check of the PSI
 * on real applicants the model has not seen, and prints it.
 */

const { values: args } = parseArgs({
  options: { model: { type: 'string' }, models: { type: 'string', default: 'models' }, data: { type: 'string' } },
});

const MetricsSchema = z.object({
  seed: z.number().int(),
  data: z.object({
    file: z.string(),
    sha256: z.string().optional(),
    format: z.string(),
    rowsKept: z.number().int(),
    split: z.object({ kind: z.enum(SPLITS), testFraction: z.number(), trainRows: z.number().int(), testRows: z.number().int() }),
  }),
});

const model = loadModel(args.models, args.model);
if (model.spec.kind !== 'applicant') throw new Error(`model ${model.version} is not an applicant model: drift monitoring watches the applicant's answers`);
const metrics = MetricsSchema.parse(JSON.parse(readFileSync(join(model.dir, 'metrics.json'), 'utf8')));
const file = args.data ?? join('datasets', metrics.data.file);
const set = await loadTrainingSet(file, { format: 'lendingclub' });
if (set.source.sha256 && metrics.data.sha256 && set.source.sha256 !== metrics.data.sha256)
  throw new Error(`${file} is not the file ${model.version} was trained on (sha256 differs from its metrics.json)`);
if (set.y.length !== metrics.data.rowsKept) throw new Error(`${file}: ${set.y.length} rows kept, the model's metrics say ${metrics.data.rowsKept}`);
const { kind, testFraction } = metrics.data.split;
const { train, test } = holdoutSplit(set.y, testFraction, kind, metrics.seed);
if (train.length !== metrics.data.split.trainRows) throw new Error(`split gives ${train.length} training rows, the model's metrics say ${metrics.data.split.trainRows}`);

const applicants = set.applicants!;
const sample = (rows: Uint32Array): DriftSample[] =>
  Array.from(rows, (r) => {
    const applicant = applicants[r];
    return { applicant, score: pdToScore(estimatePd(model, applicant).pd) };
  });

const reference = buildReference(sample(train), {
  modelVersion: model.version,
  data: {
    file: basename(file),
    ...(set.source.sha256 ? { sha256: set.source.sha256 } : {}),
    part: `the ${train.length.toLocaleString('en-US')} training rows (split ${kind}, test fraction ${testFraction}: the test part left out)`,
  },
});

// The held-out part against the reference: real applicants the model did not see (for LendingClub the newest loans).
const thresholds = driftThresholds(DEFAULT_POLICY);
const held = countBins(reference, sample(test));
const checks = reference.features.map((f) => featureDrift(f, held[f.name], thresholds)!);
reference.holdout = {
  part: `the ${test.length.toLocaleString('en-US')} test rows (split ${kind}${kind === 'head' ? ': the newest loans' : ''})`,
  rows: test.length,
  psi: Object.fromEntries(checks.map((c) => [c.feature, Number(c.psi.toFixed(4))])),
};

const out = join(model.dir, REFERENCE_FILE);
writeFileSync(out, `${JSON.stringify(reference, null, 1)}\n`);
console.log(`${out}: ${reference.features.length} inputs from ${reference.data.part} of ${reference.data.file}`);
console.log(`PSI of ${reference.holdout.part} against it (watch ≥ ${thresholds.watch}, act ≥ ${thresholds.act}):`);
for (const c of checks) console.log(`  ${c.feature.padEnd(22)} ${c.psi.toFixed(4)}  ${c.status}  (${c.bins.length} bins)`);
