import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { trainModel, DEFAULT_TRAIN_OPTIONS, type TrainOptions } from '../src/training/pipeline.ts';
import { validationSplit } from '../src/training/validation.ts';
import { holdoutSplit, stratifiedFolds } from '../src/training/split.ts';
import { loadModel } from '../src/model/load.ts';
import { estimatePd } from '../src/model/model.ts';
import { sampleApplicant } from './helpers.ts';

const run = promisify(execFile);
const german = (out: string, extra: Partial<TrainOptions> = {}): TrainOptions => ({
  ...DEFAULT_TRAIN_OPTIONS,
  data: 'datasets/german_credit.csv',
  target: 'bad',
  bad: '1',
  exclude: ['class'],
  grid: 'quick',
  folds: 3,
  workers: 2,
  out,
  ...extra,
});

describe('splits', () => {
  it('holds out the first rows for head (out-of-time), the last for tail, a stratified draw for random', () => {
    const y = Array.from({ length: 100 }, (_, i) => (i % 5 === 0 ? 1 : 0));
    expect(Array.from(holdoutSplit(y, 0.2, 'head', 1).test)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(holdoutSplit(y, 0.2, 'tail', 1).test[0]).toBe(80);
    const random = holdoutSplit(y, 0.2, 'random', 1);
    expect(random.test.length + random.train.length).toBe(100);
    expect(Array.from(random.test).filter((r) => y[r] === 1).length).toBe(4);
    const folds = stratifiedFolds(
      y,
      Uint32Array.from({ length: 100 }, (_, i) => i),
      5,
      3,
    );
    expect(folds.map((f) => f.length)).toEqual([20, 20, 20, 20, 20]);
    expect(new Set(folds.flatMap((f) => [...f])).size).toBe(100);
  });

  it('compares the families on the newest training rows, never on the test rows', () => {
    const y = Array.from({ length: 100 }, (_, i) => (i % 4 === 0 ? 1 : 0));
    const { train, test } = holdoutSplit(y, 0.2, 'head', 1);
    const head = validationSplit('head', train, y, 0.25, 1);
    expect(Array.from(head.valid)).toEqual(Array.from({ length: 20 }, (_, i) => 20 + i));
    expect(head.fit.length).toBe(60);
    const tail = validationSplit(
      'tail',
      Uint32Array.from({ length: 80 }, (_, i) => i),
      y,
      0.25,
      1,
    );
    expect(Array.from(tail.valid)).toEqual(Array.from({ length: 20 }, (_, i) => 60 + i));
    const random = validationSplit('random', train, y, 0.25, 1);
    const inTest = new Set(test);
    for (const part of [head, tail, random]) {
      expect(new Set([...part.fit, ...part.valid]).size).toBe(part.fit.length + part.valid.length);
      if (part !== tail) for (const r of [...part.fit, ...part.valid]) expect(inTest.has(r)).toBe(false);
    }
    // Stratified: the same bad share (1 in 4) as the training part.
    expect(Array.from(random.valid).filter((r) => y[r] === 1).length).toBe(5);
  });
});

describe('train on any credit CSV (--target/--bad)', () => {
  it('infers column types, trains, evaluates and writes every artefact; the same seed gives the same model', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lw-train-'));
    const first = await trainModel(german(out));
    const again = await trainModel(german(out, { workers: 0 }));
    expect(again.version).toBe(first.version);
    const file = (name: string) => readFileSync(join(first.dir, name), 'utf8');
    for (const name of [
      'scorer.json',
      'features.json',
      'calibration.json',
      'baseline.json',
      'metrics.json',
      'MODEL_CARD.md',
      'charts/roc.svg',
      'charts/precision-recall.svg',
      'charts/calibration.svg',
      'charts/score-distribution.svg',
    ]) {
      expect(existsSync(join(first.dir, name)), name).toBe(true);
    }
    expect(file('charts/roc.svg')).toMatch(/^<svg/);
    const spec = JSON.parse(file('features.json'));
    const types = Object.fromEntries(spec.columns.map((c: { name: string; type: string }) => [c.name, c.type]));
    expect(types).toMatchObject({ checking_status: 'categorical', duration_months: 'numeric', credit_amount: 'numeric', purpose: 'categorical' });
    expect(spec.dropped).toContainEqual({ name: 'class', reason: 'excluded by --exclude' });
    expect(first.metrics.test.champion.rocAuc).toBeGreaterThan(0.7);
    expect(Object.keys(first.metrics.test.candidates).sort()).toEqual(['blend', 'boosting', 'forest', 'logistic']);
    expect(file('MODEL_CARD.md')).toContain('german_credit.csv');
    // A generic model never becomes the applicant scorer.
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
    const other = await trainModel(german(out, { seed: 43 }));
    expect(other.version).not.toBe(first.version);
  });

  it('chooses the champion without ever seeing the test part: flipping every test outcome changes no choice', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lw-train-blind-'));
    const lines = readFileSync('datasets/german_credit.csv', 'utf8').trimEnd().split('\n');
    const firstTest = 1 + Math.round((lines.length - 1) * 0.8);
    // `bad` is the last column; the last 20% of rows are the test part with --split tail.
    const flipped = lines.map((line, i) => (i >= firstTest ? line.replace(/,([01])$/, (_, b) => `,${b === '1' ? '0' : '1'}`) : line));
    const file = join(out, 'german-flipped.csv');
    writeFileSync(file, `${flipped.join('\n')}\n`);
    const honest = await trainModel(german(out, { split: 'tail' }));
    const blind = await trainModel(german(out, { split: 'tail', data: file }));
    // Everything chosen, without the timings.
    const choice = (m: typeof honest.metrics) =>
      JSON.stringify({ selection: m.selection, search: m.search, boosting: m.boosting, calibration: m.calibration }, (k, v) =>
        k === 'secondsPerRound' ? undefined : v,
      );
    expect(choice(blind.metrics)).toBe(choice(honest.metrics));
    // The test part itself did change (so the comparison above could have failed).
    expect(blind.metrics.test.champion.rocAuc).not.toBe(honest.metrics.test.champion.rocAuc);
  });

  it('takes --monotone for any CSV: the model then moves only that way in the column', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lw-train-mono-'));
    const result = await trainModel(german(out, { monotone: { credit_amount: 1, age_years: -1 } }));
    const model = loadModel(out, result.version);
    expect(model.scorer.directions).toMatchObject({ credit_amount: 1, age_years: -1, duration_months: 0 });
    expect(readFileSync(join(result.dir, 'MODEL_CARD.md'), 'utf8')).toMatch(/`credit_amount` \| ↑/);
    const rows = readFileSync('datasets/german_credit.csv', 'utf8').trimEnd().split('\n');
    const header = rows[0].split(',');
    for (const line of rows.slice(1, 41)) {
      const record = Object.fromEntries(line.split(',').map((v, i) => [header[i], v]));
      const pds = [250, 1000, 2500, 5000, 10000, 20000].map((amount) => estimatePd(model, { ...record, credit_amount: String(amount) }).pd);
      for (let i = 1; i < pds.length; i++) expect(pds[i]).toBeGreaterThanOrEqual(pds[i - 1] - 1e-12);
    }
    await expect(trainModel(german(out, { monotone: { purpose: 1 } }))).rejects.toThrow(/"purpose" is a categorical column/);
    await expect(trainModel(german(out, { monotone: { nope: 1 } }))).rejects.toThrow(/"nope" is not a feature of this model/);
  });

  it('trains a LendingClub applicant model that the scorer loads and uses', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lw-train-lc-'));
    const result = await trainModel({ ...DEFAULT_TRAIN_OPTIONS, grid: 'quick', folds: 3, workers: 2, out });
    const model = loadModel(out);
    expect(model.version).toBe(result.version);
    const estimate = estimatePd(model, sampleApplicant);
    expect(estimate.pd).toBeGreaterThan(0);
    expect(estimate.pd).toBeLessThan(1);
    expect(estimate.modelVersion).toBe(result.version);
    expect(result.metrics.test.champion.rocAuc).toBeGreaterThan(0.7);
  });

  it('says which argument is wrong on the command line', async () => {
    const cli = (args: string[]) =>
      run('npx', ['tsx', 'src/training/cli.ts', ...args]).then(
        () => ({ code: 0, stderr: '' }),
        (e) => ({ code: e.code as number, stderr: e.stderr as string }),
      );
    const badSeed = await cli(['--seed', 'abc']);
    expect(badSeed.code).toBe(2);
    expect(badSeed.stderr).toMatch(/--seed: .*number/i);
    const lonelyTarget = await cli(['--target', 'bad']);
    expect(lonelyTarget.code).toBe(2);
    expect(lonelyTarget.stderr).toMatch(/--target: --target and --bad go together/);
    const lcExclude = await cli(['--exclude', 'dti', '--out', mkdtempSync(join(tmpdir(), 'lw-x-'))]);
    expect(lcExclude.code).toBe(1);
    expect(lcExclude.stderr).toMatch(/--exclude: a LendingClub file is read as applicants' answers/);
    const notLc = await cli(['--data', 'datasets/german_credit.csv', '--out', mkdtempSync(join(tmpdir(), 'lw-x-'))]);
    expect(notLc.code).toBe(1);
    expect(notLc.stderr).toMatch(/not a LendingClub file: give --target COLUMN and --bad VALUE/);
  });
});
