import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { streamCsv, type CsvRecord } from '../../src/data/csv.ts';
import { fitGenericSpec, genericFeatures, genericTarget } from '../../src/features/generic.ts';

/** Generic (any credit CSV) models for tests, always in temporary directories: models/ is never written. */

export const run = promisify(execFile);
export const GERMAN = 'datasets/german_credit.csv';

/** A temporary copy of models/ (applicant model, behaviour model, manifest) that tests may change. */
export function tempModels(prefix: string): { dir: string; models: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const models = join(dir, 'models');
  cpSync('models', models, { recursive: true });
  return { dir, models };
}

export async function germanRecords(limit = Infinity): Promise<CsvRecord[]> {
  const records: CsvRecord[] = [];
  for await (const { record } of streamCsv(GERMAN)) {
    if (records.length >= limit) break;
    records.push(record);
  }
  return records;
}

/**
 * Trains a small generic model on German Credit with the real trainer CLI into `models`, not
 * promoted, and answers its version. Throws with the trainer's own words when it fails.
 */
export async function trainGenericModel(models: string): Promise<string> {
  const before = new Set(readdirSync(models));
  try {
    await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/training/cli.ts',
        '--data',
        GERMAN,
        '--target',
        'bad',
        '--bad',
        '1',
        '--exclude',
        'class',
        '--grid',
        'quick',
        '--folds',
        '2',
        '--workers',
        '1',
        '--out',
        models,
        '--no-promote',
      ],
      { timeout: 120_000 },
    );
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string };
    throw new Error(`the trainer failed: ${(stderr ?? '').trim().split('\n').slice(-3).join(' | ') || message}`);
  }
  const added = readdirSync(models).filter((name) => !before.has(name));
  if (added.length !== 1) throw new Error(`expected the trainer to add one model version to ${models}, it added: ${added.join(', ') || 'none'}`);
  return added[0];
}

/**
 * Writes a generic model without the trainer: the generic feature spec fitted on German Credit
 * and a fixed logistic model over it (each feature weighted by a small made-up coefficient, so
 * PDs vary with every column), champion "logistic", identity calibration. It is a model that
 * loads through the same artefact checks as a trained one, for tests of serving, not of quality.
 */
export async function writeGenericModel(models: string, version = 'german-credit-lr-test'): Promise<string> {
  const records = await germanRecords();
  const bad = records.map((r) => genericTarget(r, 'bad', '1'));
  const spec = fitGenericSpec(records, bad, { target: 'bad', bad: '1', exclude: ['class'] });
  const n = spec.features.length;
  const rows = records.map((r) => genericFeatures(spec, r));
  const means = Array.from({ length: n }, (_, j) => rows.reduce((s, x) => s + x[j], 0) / rows.length);
  const scales = means.map((m, j) => Math.sqrt(rows.reduce((s, x) => s + (x[j] - m) ** 2, 0) / rows.length) || 1);
  const coefficients = spec.features.map((_, j) => 0.1 + 0.05 * (j % 5));
  const baseRate = bad.reduce<number>((s, b) => s + b, 0) / bad.length;
  const logistic = { means, scales, coefficients, intercept: Math.log(baseRate / (1 - baseRate)), l2: 1, iterations: 0 };
  const dir = join(models, version);
  mkdirSync(dir, { recursive: true });
  const write = (file: string, value: unknown) => writeFileSync(join(dir, file), `${JSON.stringify(value, null, 1)}\n`);
  const block = { rocAuc: 0.5, prAuc: 0.3, gini: 0, ks: 0, brier: 0.21, logLoss: 0.61 };
  write('features.json', spec);
  write('scorer.json', { champion: 'logistic', treeWeight: 0, logisticWeight: 1, directions: Object.fromEntries(spec.features.map((f) => [f, 0])) });
  write('calibration.json', { method: 'platt', a: 1, b: 0, eps: 1e-3, fittedOn: 'identity (test model)' });
  write('baseline.json', { kind: 'logistic-regression', features: spec.features, model: logistic });
  write('metrics.json', { version, kind: 'generic', seed: 0, data: { file: 'german_credit.csv' }, test: { champion: block, baseline: block } });
  return version;
}
