import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { trainModel, DEFAULT_TRAIN_OPTIONS, calibrationPositions, type TrainOptions } from '../src/training/pipeline.ts';
import { holdoutSplit, stratifiedFolds } from '../src/training/split.ts';
import { loadModel } from '../src/scoring/load.ts';
import { estimatePd } from '../src/scoring/model.ts';
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
    const folds = stratifiedFolds(y, Uint32Array.from({ length: 100 }, (_, i) => i), 5, 3);
    expect(folds.map((f) => f.length)).toEqual([20, 20, 20, 20, 20]);
    expect(new Set(folds.flatMap((f) => [...f])).size).toBe(100);
  });

  it('calibrates time-ordered data on the newest training loans', () => {
    expect(calibrationPositions('head', 8, 0.25)).toEqual([0, 1]);
    expect(calibrationPositions('tail', 8, 0.25)).toEqual([6, 7]);
    expect(calibrationPositions('random', 4, 0.25)).toEqual([0, 1, 2, 3]);
  });
});

describe('train on any credit CSV (--target/--bad)', () => {
  it('infers column types, trains, evaluates and writes every artefact; the same seed gives the same model', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lw-train-'));
    const first = await trainModel(german(out));
    const again = await trainModel(german(out, { workers: 0 }));
    expect(again.version).toBe(first.version);
    const file = (name: string) => readFileSync(join(first.dir, name), 'utf8');
    for (const name of ['forest.json', 'features.json', 'calibration.json', 'baseline.json', 'metrics.json', 'MODEL_CARD.md', 'charts/roc.svg', 'charts/precision-recall.svg', 'charts/calibration.svg', 'charts/score-distribution.svg']) {
      expect(existsSync(join(first.dir, name)), name).toBe(true);
    }
    expect(file('charts/roc.svg')).toMatch(/^<svg/);
    const spec = JSON.parse(file('features.json'));
    const types = Object.fromEntries(spec.columns.map((c: { name: string; type: string }) => [c.name, c.type]));
    expect(types).toMatchObject({ checking_status: 'categorical', duration_months: 'numeric', credit_amount: 'numeric', purpose: 'categorical' });
    expect(spec.dropped).toContainEqual({ name: 'class', reason: 'excluded by --exclude' });
    expect(first.metrics.test.forest.rocAuc).toBeGreaterThan(0.7);
    expect(file('MODEL_CARD.md')).toContain('german_credit.csv');
    // A generic model never becomes the applicant scorer.
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
    const other = await trainModel(german(out, { seed: 43 }));
    expect(other.version).not.toBe(first.version);
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
    expect(result.metrics.test.forest.rocAuc).toBeGreaterThan(0.7);
  });

  it('says which argument is wrong on the command line', async () => {
    const cli = (args: string[]) => run('npx', ['tsx', 'src/training/cli.ts', ...args]).then(() => ({ code: 0, stderr: '' }), (e) => ({ code: e.code as number, stderr: e.stderr as string }));
    const badSeed = await cli(['--seed', 'abc']);
    expect(badSeed.code).toBe(2);
    expect(badSeed.stderr).toMatch(/--seed: .*number/i);
    const lonelyTarget = await cli(['--target', 'bad']);
    expect(lonelyTarget.code).toBe(2);
    expect(lonelyTarget.stderr).toMatch(/--target: --target and --bad go together/);
    const notLc = await cli(['--data', 'datasets/german_credit.csv', '--out', mkdtempSync(join(tmpdir(), 'lw-x-'))]);
    expect(notLc.code).toBe(1);
    expect(notLc.stderr).toMatch(/not a LendingClub file: give --target COLUMN and --bad VALUE/);
  });
});
