import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { binMatrix } from '../forest/binning.ts';
import { assembleForest, forestToJson, nodeCount, type FlatForest } from '../model/flat.ts';
import { TreePool, defaultWorkerCount, sharedRows } from '../forest/pool.ts';
import { trainForest } from '../forest/train.ts';
import { DEFAULT_BOOST_PARAMS, type BoostParams } from '../forest/boost.ts';
import { binaryMetrics, calibrationTable, confusionAt, rocAuc, gini } from '../evaluation/metrics.ts';
import { calibrationChart, precisionRecallChart, rocChart, scoreDistributionChart } from '../evaluation/charts.ts';
import { applicantDependence, dependenceChart, type DependenceCurve } from '../evaluation/dependence.ts';
import { modelCard } from '../evaluation/card.ts';
import { ARTEFACT_FILES, MANIFEST_FILE, ManifestSchema, type Manifest } from '../model/artefacts.ts';
import { calibrateLogit, type Calibration } from '../model/calibration.ts';
import { logisticLogit, sigmoid, type LogisticModel } from '../model/logistic.ts';
import { rawLogit, treeLogit, type Champion, type Scorer } from '../model/scorer.ts';
import { APPLICANT_FEATURE_DIRECTIONS } from '../features/applicant.ts';
import type { FeatureSpec } from '../features/spec.ts';
import { featureVector } from '../features/spec.ts';
import { DEFAULT_CUTOFFS } from '../scoring/policy.ts';
import { pdToScore } from '../scoring/scale.ts';
import { writeBundledModel } from '../worker/bundle-model.ts';
import { fitPlatt } from './calibrate.ts';
import { chooseBlend, chooseChampion } from './champion.ts';
import { loadTrainingSet, type DataFormat, type TrainingSet } from './dataset.ts';
import { DEFAULT_HALVING, FULL_GRID, QUICK_GRID, gridSearch, halvingSchedule, type PreparedData } from './grid.ts';
import { fitLogistic } from './logistic.ts';
import { holdoutSplit, type SplitKind } from './split.ts';
import { validationSplit } from './validation.ts';

export interface TrainOptions {
  data: string;
  format: DataFormat;
  target?: string;
  bad?: string;
  exclude?: string[];
  /** Monotone constraints by column (`--monotone`): +1 = PD may only rise with the column, -1 = only fall, 0 = free. */
  monotone?: Record<string, -1 | 0 | 1>;
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

export type Stage = 'load' | 'features' | 'search' | 'boosting' | 'final' | 'evaluate' | 'write';
export interface Progress {
  stage(name: Stage, total?: number): void;
  tick(done: number): void;
}

const silent: Progress = { stage: () => {}, tick: () => {} };

type MetricBlock = { rocAuc: number; brier: number };
export interface TrainResult {
  version: string;
  dir: string;
  metrics: Record<string, unknown> & {
    data: Record<string, unknown>;
    champion: { name: Champion };
    test: { champion: MetricBlock; baseline: MetricBlock; candidates: Record<Champion, MetricBlock> };
  };
}

const round = (v: number, digits = 6) => Math.round(v * 10 ** digits) / 10 ** digits;
const roundAll = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? round(v) : v])) as T;

/** Share of the training part (its newest rows, for time-ordered files) the families compete on. */
export const VALIDATION_SHARE = 0.2;
const pct = (v: number) => `${Math.round(v * 100)}%`;

/** Boosting settings tried on the validation part, each with early stopping (the full search). */
export const BOOST_GRID = { maxDepth: [2, 3, 4], minChildWeight: [2, 10], learningRate: [0.05] };
export const QUICK_BOOST_GRID = { maxDepth: [2, 3], minChildWeight: [5], learningRate: [0.1] };

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

/**
 * Monotone directions in feature order: the applicant features' declared directions (overridden
 * column by column by `--monotone`), or for a generic file only what `--monotone` declares. A
 * generic column's direction applies to its value feature, never to its missing flag.
 */
export function monotoneDirections(set: Pick<TrainingSet, 'kind'>, spec: FeatureSpec, declared: Record<string, -1 | 0 | 1> = {}): (-1 | 0 | 1)[] {
  const features = spec.features;
  const directions: (-1 | 0 | 1)[] = set.kind === 'applicant' ? [...APPLICANT_FEATURE_DIRECTIONS] : features.map(() => 0);
  const categorical = spec.kind === 'generic' ? new Set(spec.columns.filter((c) => c.type === 'categorical').map((c) => c.name)) : new Set<string>();
  for (const [name, d] of Object.entries(declared)) {
    const at = features.indexOf(name);
    if (at < 0) throw new Error(`--monotone: "${name}" is not a feature of this model; features: ${features.join(', ')}`);
    if (categorical.has(name) && d !== 0)
      throw new Error(`--monotone: "${name}" is a categorical column (encoded by its bad rate): it has no direction to declare`);
    directions[at] = d;
  }
  return directions;
}

interface Fitted {
  forest: FlatForest;
  boosting: FlatForest;
  logistic: LogisticModel;
}

/** Raw log-odds of each family on the given rows. */
function familyLogits(fitted: Fitted, X: Float64Array, nFeatures: number, rows: Uint32Array) {
  const of = (f: (offset: number) => number) => Float64Array.from(rows, (r) => f(r * nFeatures));
  return {
    forest: of((o) => treeLogit(fitted.forest, X, o)),
    boosting: of((o) => treeLogit(fitted.boosting, X, o)),
    logistic: of((o) => logisticLogit(fitted.logistic, X, o)),
  };
}

const boostConfigs = (grid: typeof BOOST_GRID, seed: number, monotone: readonly number[]): BoostParams[] =>
  grid.maxDepth.flatMap((maxDepth) =>
    grid.minChildWeight.flatMap((minChildWeight) =>
      grid.learningRate.map((learningRate) => ({ ...DEFAULT_BOOST_PARAMS, nRounds: 3000, maxDepth, minChildWeight, learningRate, seed, monotone })),
    ),
  );

/** Settings without the per-feature direction list, for reports. */
const reportParams = <T extends { monotone?: unknown }>(p: T): Omit<T, 'monotone'> => {
  const { monotone: _, ...rest } = p;
  return rest;
};

/**
 * The whole training run: load, split off the test part, let the forest, boosting, the logistic
 * model and their blend compete on the newest training rows, calibrate the winner there, refit
 * every family on all training rows, report all of them on the test part and ship the winner.
 *
 * @example await trainModel({ ...DEFAULT_TRAIN_OPTIONS, grid: 'quick', out: '/tmp/models', promote: false })
 */
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
  const { fit, valid } = validationSplit(splitKind, train, set.y, VALIDATION_SHARE, options.seed);
  const nRows = set.y.length;
  const prepare = (fitRows: Uint32Array): PreparedData & { spec: FeatureSpec } => {
    const spec = set.fitSpec(fitRows);
    const { X, nFeatures } = set.vectorise(spec);
    return { spec, X, data: binMatrix(X, set.y, nRows, nFeatures, 256, fitRows) };
  };
  // Selection sees only the older training rows' preprocessing; the final models see all training rows'.
  const selection = prepare(fit);
  const nFeatures = selection.spec.features.length;
  const directions = monotoneDirections(set, selection.spec, options.monotone);
  lap('featureSeconds', t1);

  const pool = TreePool.create(options.workers);
  try {
    // 1. Forest settings: cross-validated successive halving on the older training rows.
    const t2 = performance.now();
    const grid = options.grid === 'full' ? FULL_GRID : QUICK_GRID;
    const settings = grid.maxFeatures.length * grid.minSamplesLeaf.length * grid.maxDepth.length;
    const schedule = halvingSchedule(fit.length, settings, DEFAULT_HALVING);
    progress.stage('search', schedule.reduce((s, r) => s + r.keep, 0) * options.folds * Math.max(...grid.nTrees));
    const search = await gridSearch({
      pool,
      y: set.y,
      rows: fit,
      prepare,
      grid,
      folds: options.folds,
      seed: options.seed,
      monotone: directions,
      halving: DEFAULT_HALVING,
      onProgress: (done) => progress.tick(done),
    });
    lap('searchSeconds', t2);

    // 2. Boosting settings, each stopped early on the validation rows.
    const t3 = performance.now();
    const boostGrid = options.grid === 'full' ? BOOST_GRID : QUICK_BOOST_GRID;
    const configs = boostConfigs(boostGrid, options.seed, directions);
    progress.stage('boosting', configs.length);
    pool.load(selection.data);
    const validRows = sharedRows(valid);
    const fitShared = sharedRows(fit);
    const boosted = await pool.boost(
      configs.map((params) => ({ params, rows: fitShared, validRows })),
      (done) => progress.tick(done),
    );
    const yValid = Array.from(valid, (r) => set.y[r]);
    const boostTried = boosted.map((b, i) => {
      const trees = assembleForest(b.trees, nFeatures, 'boosting', b.base);
      const auc = rocAuc(
        yValid,
        Float64Array.from(valid, (r) => treeLogit(trees, selection.X, r * nFeatures)),
      );
      return { params: configs[i], rounds: b.rounds, validAuc: auc, secondsPerRound: b.secondsPerRound, trees };
    });
    const bestBoost = boostTried.reduce((b, t) => (t.validAuc > b.validAuc + 1e-12 ? t : b));
    lap('boostingSeconds', t3);

    // 3. Every family on the older rows, compared (and blended) on the newest.
    const t4 = performance.now();
    progress.stage('final', search.best.params.nTrees * 2);
    const onFit: Fitted = {
      forest: await trainForest(selection.data, search.best.params, { pool, rows: fitShared, onTree: (d) => progress.tick(d) }),
      boosting: bestBoost.trees,
      logistic: fitLogistic(selection.X, set.y, nFeatures, fit, { l2: 1, signs: directions }),
    };
    const v = familyLogits(onFit, selection.X, nFeatures, valid);
    const blend = chooseBlend(yValid, v.forest, v.boosting, v.logistic);
    const { champion, aucs: validAuc } = chooseChampion(yValid, [
      { name: 'logistic', logits: v.logistic },
      { name: 'boosting', logits: v.boosting },
      { name: 'forest', logits: v.forest },
      { name: 'blend', logits: blend.logits },
    ]);
    const validLogits: Record<Champion, Float64Array> = { forest: v.forest, boosting: v.boosting, logistic: v.logistic, blend: blend.logits };
    const newest = splitKind === 'random' ? 'a stratified random' : 'the newest';
    const calibrations = Object.fromEntries(
      (Object.keys(validLogits) as Champion[]).map((name) => [
        name,
        fitPlatt(
          Array.from(validLogits[name], sigmoid),
          yValid,
          `the ${name} model's predictions on ${newest} ${pct(VALIDATION_SHARE)} of the training rows (${valid.length.toLocaleString('en')}), from a model fitted on the other training rows`,
        ),
      ]),
    ) as Record<Champion, Calibration>;

    // 4. Refit every family on all training rows with the chosen settings.
    const final = prepare(train);
    pool.load(final.data);
    const scale = train.length / fit.length;
    const trainShared = sharedRows(train);
    const [boostedFinal] = await pool.boost([
      { params: { ...bestBoost.params, nRounds: Math.max(1, Math.round(bestBoost.rounds * scale)), earlyStoppingRounds: 0 }, rows: trainShared },
    ]);
    const fitted: Fitted = {
      forest: await trainForest(final.data, search.best.params, { pool, rows: trainShared, onTree: (d) => progress.tick(search.best.params.nTrees + d) }),
      boosting: assembleForest(boostedFinal.trees, nFeatures, 'boosting', boostedFinal.base),
      logistic: fitLogistic(final.X, set.y, nFeatures, train, { l2: 1, signs: directions }),
    };
    const directionMap = Object.fromEntries(final.spec.features.map((f, i) => [f, directions[i]]));
    const scorerOf = (name: Champion): Scorer => {
      const treeWeight = name === 'logistic' ? 0 : name === 'blend' ? blend.treeWeight : 1;
      return { champion: name, treeWeight, logisticWeight: round(1 - treeWeight, 12), directions: directionMap };
    };
    const treesOf = (name: Champion) => (name === 'forest' || (name === 'blend' && blend.treeFamily === 'forest') ? fitted.forest : fitted.boosting);
    lap('finalTrainSeconds', t4);

    // 5. All of them on the test part, side by side.
    progress.stage('evaluate');
    const t5 = performance.now();
    const yTest = Array.from(test, (r) => set.y[r]);
    const testPd = (name: Champion) => {
      const parts = { scorer: scorerOf(name), trees: treesOf(name), logistic: fitted.logistic };
      return Float64Array.from(test, (r) => calibrateLogit(calibrations[name], rawLogit(parts, final.X, r * nFeatures)));
    };
    const names: Champion[] = ['forest', 'boosting', 'logistic', 'blend'];
    const pds = Object.fromEntries(names.map((n) => [n, testPd(n)])) as Record<Champion, Float64Array>;
    const basePd = Float64Array.from(test, (r) => sigmoid(logisticLogit(fitted.logistic, final.X, r * nFeatures)));
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
    const name = champion.name;
    const scorer = scorerOf(name);
    const shippedTrees = scorer.treeWeight > 0 ? treesOf(name) : undefined;
    // The shape of the shipped model, answer by answer (applicant models), on 200 test applicants.
    let dependence: DependenceCurve[] = [];
    if (set.kind === 'applicant' && set.applicants) {
      const parts = { scorer, trees: shippedTrees, logistic: fitted.logistic };
      const sample = Array.from(test.slice(0, 200), (r) => set.applicants![r]);
      const scratch = new Float64Array(nFeatures);
      dependence = applicantDependence((a) => calibrateLogit(calibrations[name], rawLogit(parts, featureVector(final.spec, a, scratch))), sample);
    }
    lap('evaluateSeconds', t5);

    progress.stage('write');
    const treesJson = shippedTrees ? forestToJson(shippedTrees) : undefined;
    const featuresJson = final.spec;
    const calibration = calibrations[name];
    const baselineJson = { kind: 'logistic-regression' as const, features: final.spec.features, model: fitted.logistic };
    const hash = createHash('sha256');
    for (const part of [scorer, treesJson ?? null, featuresJson, calibration, baselineJson]) hash.update(JSON.stringify(part));
    const prefix =
      set.kind === 'applicant'
        ? 'pd'
        : set.source.file
            .replace(/\.(csv|gz)+$/g, '')
            .replace(/[^a-z0-9]+/gi, '-')
            .toLowerCase();
    const short = { forest: 'rf', boosting: 'gb', logistic: 'lr', blend: 'blend' }[name];
    const version = `${prefix}-${short}-${hash.digest('hex').slice(0, 10)}`;
    const dir = join(options.out, version);
    mkdirSync(join(dir, 'charts'), { recursive: true });

    const trainBad = Array.from(train, (r) => set.y[r]).reduce((s, v) => s + v, 0) / train.length;
    const testBad = yTest.reduce((s, v) => s + v, 0) / test.length;
    const validBad = yValid.reduce((s, v) => s + v, 0) / valid.length;
    timing.totalSeconds = round((performance.now() - t0) / 1000, 3);
    const candidateReport = (n: Champion) => ({ validAuc: round(validAuc[n]), ...roundAll(binaryMetrics(yTest, pds[n])) });
    const metrics = {
      version,
      kind: set.kind,
      seed: options.seed,
      data: {
        ...set.source,
        split: {
          kind: splitKind,
          testFraction: options.testFraction,
          trainRows: train.length,
          testRows: test.length,
          trainBadRate: round(trainBad),
          testBadRate: round(testBad),
          validation: { share: VALIDATION_SHARE, rows: valid.length, badRate: round(validBad), newest: splitKind !== 'random' },
        },
      },
      features: final.spec.features,
      directions: directionMap,
      search: {
        folds: options.folds,
        grid,
        halving: search.rounds,
        best: { params: reportParams(search.best.params), meanAuc: round(search.best.meanAuc), sdAuc: round(search.best.sdAuc) },
        points: search.points.map((p) => ({
          params: reportParams(p.params),
          meanAuc: round(p.meanAuc),
          sdAuc: round(p.sdAuc),
          foldAuc: p.foldAuc.map((a) => round(a)),
        })),
      },
      boosting: {
        grid: boostGrid,
        best: { params: reportParams(bestBoost.params), rounds: bestBoost.rounds, finalRounds: boostedFinal.rounds, validAuc: round(bestBoost.validAuc) },
        tried: boostTried.map((t) => ({
          params: reportParams(t.params),
          rounds: t.rounds,
          validAuc: round(t.validAuc),
          secondsPerRound: round(t.secondsPerRound, 5),
        })),
      },
      forest: { params: reportParams(search.best.params), trees: fitted.forest.roots.length, nodes: nodeCount(fitted.forest) },
      selection: {
        validAuc: Object.fromEntries(names.map((n) => [n, round(validAuc[n])])) as Record<Champion, number>,
        blend: { treeFamily: blend.treeFamily, treeWeight: blend.treeWeight },
        champion: name,
      },
      champion: {
        name,
        treeWeight: scorer.treeWeight,
        logisticWeight: scorer.logisticWeight,
        ...(shippedTrees ? { trees: { kind: shippedTrees.kind, count: shippedTrees.roots.length, nodes: nodeCount(shippedTrees) } } : {}),
      },
      calibration,
      policy: { cutoffs: DEFAULT_CUTOFFS, confusionThreshold: cutoff },
      test: {
        champion: report(pds[name]),
        baseline: report(basePd),
        candidates: Object.fromEntries(names.map((n) => [n, candidateReport(n)])) as Record<Champion, ReturnType<typeof candidateReport>>,
        ...(benchmark ? { benchmark } : {}),
      },
      dependence: dependence.map((c) => ({
        input: c.input,
        direction: c.direction,
        ...(c.monotone !== undefined ? { monotone: c.monotone } : {}),
        from: round(c.points[0].pd),
        to: round(c.points[c.points.length - 1].pd),
      })),
      timing,
    };

    const write = (file: string, value: unknown) => writeFileSync(join(dir, file), `${JSON.stringify(value, null, 1)}\n`);
    write(ARTEFACT_FILES.scorer, scorer);
    if (treesJson) write(ARTEFACT_FILES.trees, treesJson);
    write(ARTEFACT_FILES.features, featuresJson);
    write(ARTEFACT_FILES.calibration, calibration);
    write(ARTEFACT_FILES.baseline, baselineJson);
    write(ARTEFACT_FILES.metrics, metrics);
    const label = { forest: 'random forest', boosting: 'gradient boosting', logistic: 'logistic regression', blend: 'blend' };
    const series = names.map((n) => ({ name: `${label[n]}${n === name ? ' (champion)' : ''}, calibrated`, y: yTest, p: pds[n] }));
    writeFileSync(join(dir, 'charts', 'roc.svg'), await rocChart(series));
    writeFileSync(join(dir, 'charts', 'precision-recall.svg'), await precisionRecallChart(series));
    writeFileSync(join(dir, 'charts', 'calibration.svg'), await calibrationChart(series));
    writeFileSync(join(dir, 'charts', 'score-distribution.svg'), await scoreDistributionChart(yTest, Array.from(pds[name], pdToScore)));
    if (dependence.length > 0) writeFileSync(join(dir, 'charts', 'partial-dependence.svg'), await dependenceChart(dependence));
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

function updateManifest(root: string, entry: Manifest['versions'][number], promote: boolean): void {
  const path = join(root, MANIFEST_FILE);
  const manifest: Manifest | undefined = existsSync(path) ? ManifestSchema.parse(JSON.parse(readFileSync(path, 'utf8'))) : undefined;
  const versions = [...(manifest?.versions ?? []).filter((v) => v.version !== entry.version), entry];
  const current = promote ? entry.version : manifest?.current;
  if (!current) return; // nothing servable yet: leave no manifest pointing at a non-applicant model
  // Keep what else the manifest names (the behavioural model, a promoted generic model).
  writeFileSync(path, `${JSON.stringify({ ...manifest, current, versions }, null, 2)}\n`);
}
