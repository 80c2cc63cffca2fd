import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { binMatrix } from '../forest/binning.ts';
import { forestToJson, nodeCount, predictMatrix } from '../forest/flat.ts';
import { TreePool, defaultWorkerCount, sharedRows } from '../forest/pool.ts';
import { trainForest } from '../forest/train.ts';
import { binaryMetrics, calibrationTable, confusionAt, rocAuc, gini } from '../evaluation/metrics.ts';
import { calibrationChart, precisionRecallChart, rocChart, scoreDistributionChart } from '../evaluation/charts.ts';
import { modelCard } from '../evaluation/card.ts';
import { ARTEFACT_FILES, MANIFEST_FILE, ManifestSchema, type Manifest } from '../scoring/artefacts.ts';
import { DEFAULT_CUTOFFS } from '../scoring/policy.ts';
import { pdToScore } from '../scoring/scale.ts';
import { writeBundledModel } from '../worker/bundle-model.ts';
import { calibrate, fitPlatt } from './calibrate.ts';
import { loadTrainingSet, type DataFormat } from './dataset.ts';
import { FULL_GRID, QUICK_GRID, gridSearch } from './grid.ts';
import { fitLogistic, logisticLogit, predictLogistic, sigmoid } from './logistic.ts';
import { holdoutSplit, type SplitKind } from './split.ts';

export interface TrainOptions {
  data: string;
  format: DataFormat;
  target?: string;
  bad?: string;
  exclude?: string[];
  seed: number;
  testFraction: number;
  /** Defaults to `head` (out-of-time) for LendingClub files, `random` otherwise. */
  split?: SplitKind;
  grid: 'full' | 'quick';
  folds: number;
  workers: number;
  out: string;
  /** Make this model the current one in the manifest (applicant models only). */
  promote: boolean;
}

export type Stage = 'load' | 'features' | 'search' | 'final' | 'evaluate' | 'write';
export interface Progress {
  stage(name: Stage, total?: number): void;
  tick(done: number): void;
}

const silent: Progress = { stage: () => {}, tick: () => {} };

export interface TrainResult {
  version: string;
  dir: string;
  metrics: Record<string, unknown> & { test: { forest: { rocAuc: number; brier: number }; baseline: { rocAuc: number; brier: number } } };
}

const round = (v: number, digits = 6) => Math.round(v * 10 ** digits) / 10 ** digits;
const roundAll = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? round(v) : v])) as T;

/** Share of the training part (its newest loans) used to calibrate time-ordered data. */
export const RECENT_CALIBRATION_SHARE = 0.25;
const pct = (v: number) => `${Math.round(v * 100)}%`;

/**
 * Positions (within the training rows) to calibrate on. `head` splits hold out the first rows as the
 * newest, so the newest training loans come right after them; `tail` is the mirror image.
 */
export function calibrationPositions(split: SplitKind, nTrain: number, share: number): number[] {
  const all = Array.from({ length: nTrain }, (_, i) => i);
  const k = Math.max(1, Math.round(nTrain * share));
  if (split === 'head') return all.slice(0, k);
  if (split === 'tail') return all.slice(nTrain - k);
  return all;
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  data: 'datasets/lendingclub_2007_2011.csv.gz',
  format: 'auto',
  seed: 42,
  testFraction: 0.2,
  grid: 'full',
  folds: 5,
  workers: defaultWorkerCount(),
  out: 'models',
  promote: true,
};

export async function trainModel(options: TrainOptions, progress: Progress = silent): Promise<TrainResult> {
  const t0 = performance.now();
  const timing: Record<string, number> = {};
  const lap = (name: string, since: number) => (timing[name] = round((performance.now() - since) / 1000, 3));

  progress.stage('load');
  const set = await loadTrainingSet(options.data, options);
  lap('loadSeconds', t0);

  const t1 = performance.now();
  progress.stage('features');
  const splitKind = options.split ?? (set.source.format === 'lendingclub' ? 'head' : 'random');
  const { train, test } = holdoutSplit(set.y, options.testFraction, splitKind, options.seed);
  const spec = set.fitSpec(train);
  const { X, nFeatures } = set.vectorise(spec);
  const data = binMatrix(X, set.y, set.y.length, nFeatures, 256, train);
  lap('featureSeconds', t1);

  const pool = TreePool.create(options.workers);
  try {
    pool.load(data);
    const t2 = performance.now();
    const grid = options.grid === 'full' ? FULL_GRID : QUICK_GRID;
    const configs = grid.maxFeatures.length * grid.minSamplesLeaf.length * grid.maxDepth.length;
    progress.stage('search', configs * options.folds * Math.max(...grid.nTrees));
    const search = await gridSearch({
      pool, data, X, rows: train, grid, folds: options.folds, seed: options.seed,
      onProgress: (done) => progress.tick(done),
    });
    lap('searchSeconds', t2);
    const yTrain = Array.from(train, (r) => set.y[r]);
    // Default rates drift over time, so a time-ordered file calibrates on its newest training loans.
    const calibrationAt = calibrationPositions(splitKind, train.length, RECENT_CALIBRATION_SHARE);
    const calibration = fitPlatt(
      calibrationAt.map((i) => search.bestOutOfFold[i]),
      calibrationAt.map((i) => yTrain[i]),
      splitKind === 'random'
        ? `${options.folds}-fold out-of-fold predictions of the chosen forest on the whole training part`
        : `${options.folds}-fold out-of-fold predictions of the chosen forest on the newest ${pct(RECENT_CALIBRATION_SHARE)} of the training loans (${calibrationAt.length} loans)`,
    );

    const t3 = performance.now();
    progress.stage('final', search.best.params.nTrees);
    const forest = await trainForest(data, search.best.params, { pool, rows: sharedRows(train), onTree: (done) => progress.tick(done) });
    const baseline = fitLogistic(X, set.y, nFeatures, train, { l2: 1 });
    // For a fair comparison, the baseline also gets the forest's recalibration (reported beside it).
    const baselineOutOfFold = logisticOutOfFold(X, set.y, nFeatures, train, search.foldRows);
    const baselineCalibration = fitPlatt(
      calibrationAt.map((i) => baselineOutOfFold[i]),
      calibrationAt.map((i) => yTrain[i]),
      calibration.fittedOn.replace('the chosen forest', 'the logistic baseline'),
    );
    lap('finalTrainSeconds', t3);

    progress.stage('evaluate');
    const t4 = performance.now();
    const Xtest = new Float64Array(test.length * nFeatures);
    test.forEach((r, i) => Xtest.set(X.subarray(r * nFeatures, (r + 1) * nFeatures), i * nFeatures));
    const yTest = Array.from(test, (r) => set.y[r]);
    const forestShare = predictMatrix(forest, Xtest, test.length);
    const pd = forestShare.map((p) => calibrate(calibration, p));
    const basePd = predictLogistic(baseline, Xtest, test.length);
    const cutoff = DEFAULT_CUTOFFS.declineAtOrAbove;
    const report = (p: Float64Array) => ({
      ...roundAll(binaryMetrics(yTest, p)),
      confusionAtDecline: roundAll(confusionAt(yTest, p, cutoff)),
      calibrationByDecile: calibrationTable(yTest, p, 10).map(roundAll),
    });
    const benchmark = set.benchmark
      ? (() => {
          const scores = Array.from(test, (r) => set.benchmark!.scores[r]);
          const auc = rocAuc(yTest, scores);
          return { name: set.benchmark.name, rocAuc: round(auc), gini: round(gini(auc)) };
        })()
      : undefined;
    lap('evaluateSeconds', t4);

    progress.stage('write');
    const forestJson = forestToJson(forest);
    const featuresJson = spec;
    const baselineJson = { kind: 'logistic-regression' as const, features: spec.features, model: baseline };
    const hash = createHash('sha256');
    for (const part of [forestJson, featuresJson, calibration, baselineJson]) hash.update(JSON.stringify(part));
    const prefix = set.kind === 'applicant' ? 'pd' : set.source.file.replace(/\.(csv|gz)+$/g, '').replace(/[^a-z0-9]+/gi, '-').toLowerCase();
    const version = `${prefix}-rf-${hash.digest('hex').slice(0, 10)}`;
    const dir = join(options.out, version);
    mkdirSync(join(dir, 'charts'), { recursive: true });

    const { trainBad, testBad } = {
      trainBad: yTrain.reduce((s, v) => s + v, 0) / train.length,
      testBad: yTest.reduce((s, v) => s + v, 0) / test.length,
    };
    timing.totalSeconds = round((performance.now() - t0) / 1000, 3);
    const metrics = {
      version,
      kind: set.kind,
      seed: options.seed,
      data: {
        ...set.source,
        split: { kind: splitKind, testFraction: options.testFraction, trainRows: train.length, testRows: test.length, trainBadRate: round(trainBad), testBadRate: round(testBad) },
      },
      features: spec.features,
      search: {
        folds: options.folds,
        grid,
        best: { params: search.best.params, meanAuc: round(search.best.meanAuc), sdAuc: round(search.best.sdAuc) },
        points: search.points.map((p) => ({ params: p.params, meanAuc: round(p.meanAuc), sdAuc: round(p.sdAuc), foldAuc: p.foldAuc.map((a) => round(a)) })),
      },
      forest: { params: search.best.params, trees: forest.roots.length, nodes: nodeCount(forest) },
      calibration,
      policy: { cutoffs: DEFAULT_CUTOFFS, confusionThreshold: cutoff },
      test: {
        forest: report(pd),
        forestUncalibrated: roundAll(binaryMetrics(yTest, forestShare)),
        baseline: report(basePd),
        baselineRecalibrated: roundAll(binaryMetrics(yTest, basePd.map((p) => calibrate(baselineCalibration, p)))),
        ...(benchmark ? { benchmark } : {}),
      },
      timing,
    };

    const write = (name: string, value: unknown) => writeFileSync(join(dir, name), `${JSON.stringify(value, null, 1)}\n`);
    write(ARTEFACT_FILES.forest, forestJson);
    write(ARTEFACT_FILES.features, featuresJson);
    write(ARTEFACT_FILES.calibration, calibration);
    write(ARTEFACT_FILES.baseline, baselineJson);
    write(ARTEFACT_FILES.metrics, metrics);
    const series = [
      { name: 'random forest (calibrated)', y: yTest, p: pd },
      { name: 'logistic baseline', y: yTest, p: basePd },
    ];
    writeFileSync(join(dir, 'charts', 'roc.svg'), await rocChart(series));
    writeFileSync(join(dir, 'charts', 'precision-recall.svg'), await precisionRecallChart(series));
    writeFileSync(join(dir, 'charts', 'calibration.svg'), await calibrationChart(series));
    writeFileSync(join(dir, 'charts', 'score-distribution.svg'), await scoreDistributionChart(yTest, Array.from(pd, pdToScore)));
    writeFileSync(join(dir, ARTEFACT_FILES.card), modelCard(metrics));
    const promoted = options.promote && set.kind === 'applicant';
    updateManifest(options.out, { version, kind: set.kind, data: set.source.file }, promoted);
    // The Worker imports the current model into its bundle: keep that module in step.
    if (promoted && resolve(options.out) === resolve('models')) writeBundledModel(options.out);
    return { version, dir, metrics };
  } finally {
    await pool.close();
  }
}

function logisticOutOfFold(X: Float64Array, y: Uint8Array, nFeatures: number, rows: Uint32Array, foldRows: Uint32Array[]): Float64Array {
  const position = new Map<number, number>();
  rows.forEach((r, i) => position.set(r, i));
  const out = new Float64Array(rows.length);
  foldRows.forEach((held, k) => {
    const fit = foldRows.flatMap((f, j) => (j === k ? [] : [...f]));
    const model = fitLogistic(X, y, nFeatures, fit, { l2: 1 });
    held.forEach((r) => (out[position.get(r)!] = sigmoid(logisticLogit(model, X, r * nFeatures))));
  });
  return out;
}

function updateManifest(root: string, entry: Manifest['versions'][number], promote: boolean): void {
  const path = join(root, MANIFEST_FILE);
  const manifest: Manifest | undefined = existsSync(path) ? ManifestSchema.parse(JSON.parse(readFileSync(path, 'utf8'))) : undefined;
  const versions = [...(manifest?.versions ?? []).filter((v) => v.version !== entry.version), entry];
  const current = promote ? entry.version : manifest?.current;
  if (!current) return; // nothing servable yet: leave no manifest pointing at a non-applicant model
  writeFileSync(path, `${JSON.stringify({ current, versions }, null, 2)}\n`);
}
