import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { ApplicantSchema } from '../applicant/schema.ts';
import { planBatch, runBatch, type BatchPlan } from '../batch/score.ts';
import { streamCsv, type CsvRecord } from '../data/csv.ts';
import { lendingClubApplicant } from '../data/lendingclub.ts';
import { rocAuc } from '../evaluation/metrics.ts';
import { aucInterval } from '../fairness/stats.ts';
import { describeCounts, groupLevels, modelFigures, observedFigures, type GroupLevels } from '../fairness/figures.ts';
import { assertGroupNotAnInput, DEFAULT_AUC_TOLERANCE, searchLda } from '../fairness/lda.ts';
import { modelFairnessCharts, modelFairnessMarkdown, type ModelFairnessRun } from '../fairness/model-report.ts';
import { fairnessCharts, fairnessMarkdown, type CandidateResult, type FairnessRun, type ProxyCheck } from '../fairness/report.ts';
import { fitGenericSpec, genericFeatures, genericTarget, type GenericFeatureSpec } from '../features/generic.ts';
import { binMatrix } from '../forest/binning.ts';
import { DEFAULT_BOOST_PARAMS, type BoostParams } from '../forest/boost.ts';
import { sharedRows, TreePool, defaultWorkerCount } from '../forest/pool.ts';
import { checkDataFile, fileSha256 } from './dataset.ts';
import { trainForest, type ForestParams } from '../forest/train.ts';
import { assembleForest } from '../model/flat.ts';
import { calibrateLogit } from '../model/calibration.ts';
import { logisticLogit, sigmoid } from '../model/logistic.ts';
import { ModelLoadError } from '../model/model.ts';
import { treeLogit } from '../model/scorer.ts';
import { fitPlatt } from './calibrate.ts';
import { fitLogistic } from './logistic.ts';
import { stratifiedFolds, stratifiedParts } from './split.ts';

/**
 * The fairness run (`npm run fairness`): read a CSV with an outcome and a group column, train
 * candidate models — the generic trainer's families (logistic regression, random forest, gradient
 * boosting) over feature sets (all inputs, each input left out in turn, the strongest proxies of the
 * group left out) — by seeded, stratified k-fold cross-validation, so every row gets a PD from a
 * model that did not see it; then the fairness figures of the observed outcome and of the models'
 * decisions, the less-discriminatory-alternative search and the proxy check (src/fairness/). The
 * group column is never an input: it is kept out of every feature spec and each spec is checked.
 */

export const FAMILIES = ['logistic', 'forest', 'boosting'] as const;
export type Family = (typeof FAMILIES)[number];

export interface FairnessOptions {
  data: string;
  target: string;
  bad: string;
  group: string;
  reference?: string;
  /** Columns kept out of every model besides the group. */
  exclude: string[];
  folds: number;
  seed: number;
  tolerance: number;
  workers: number;
  families: readonly Family[];
  /** Feature sets: each input left out in turn (default true). */
  dropOne?: boolean;
  /** Feature sets: the k strongest proxies of the group left out, for each k (default 2 and 3). */
  proxyDrops?: readonly number[];
  /** Told what the run is doing, one line at a time. */
  onStage?: (message: string) => void;
}

export const DEFAULT_FAIRNESS_OPTIONS = {
  exclude: [] as string[],
  folds: 5,
  seed: 42,
  tolerance: DEFAULT_AUC_TOLERANCE,
  workers: defaultWorkerCount(),
  families: FAMILIES,
};

/** Fixed settings per family (no search: the candidates differ by family and inputs, not tuning). */
export const FOREST_SETTINGS = { nTrees: 100, minSamplesLeaf: 20, maxDepth: 12, sampleFraction: 1 };
export const BOOST_SETTINGS: Partial<BoostParams> = { nRounds: 1000, learningRate: 0.05, maxDepth: 3, minChildWeight: 1, earlyStoppingRounds: 50 };
export const LOGISTIC_L2 = 1;
const BOOST_VALID_PARTS = 5;

export interface GroupedSet {
  file: string;
  sha256: string;
  header: string[];
  records: CsvRecord[];
  /** 1 = bad outcome. */
  y: Uint8Array;
  groups: string[];
  rowsRead: number;
  rowsWithoutTarget: number;
  rowsWithoutGroup: number;
}

const blank = (v: string | undefined) => v === undefined || v.trim() === '';
const int = (v: number) => v.toLocaleString('en');

/** 1 where the outcome is the bad value; refuses a --bad that matches no row or every row. */
function outcomes(values: readonly string[], o: Pick<FairnessOptions, 'target' | 'bad'>): Uint8Array {
  const y = Uint8Array.from(values, (v) => genericTarget({ [o.target]: v }, o.target, o.bad));
  const nBad = y.reduce((s, v) => s + v, 0);
  if (nBad === 0 || nBad === y.length) {
    const counts: Record<string, number> = {};
    for (const v of values) counts[v.trim()] = (counts[v.trim()] ?? 0) + 1;
    throw new Error(`--bad: "${o.bad}" matches ${nBad === 0 ? 'no' : 'every'} row of "${o.target}"; values found: ${describeCounts(counts)}`);
  }
  return y;
}

/** The groups found and the reference: refuses an unknown --reference and a group column with one value. */
function checkedLevels(groups: readonly string[], o: Pick<FairnessOptions, 'group' | 'reference'>): GroupLevels {
  const counts: Record<string, number> = {};
  for (const g of groups) counts[g] = (counts[g] ?? 0) + 1;
  if (o.reference !== undefined && !(o.reference in counts)) {
    throw new Error(`--reference: "${o.reference}" is not a value of "${o.group}" (values: ${describeCounts(counts, Object.keys(counts).sort())})`);
  }
  if (Object.keys(counts).length < 2) throw new Error(`--group: "${o.group}" has one value only ("${groups[0]}"): there are no groups to compare`);
  return groupLevels(groups, o.reference);
}

/** Reads the CSV: rows with an empty outcome or an empty group are left out (and counted). */
export async function loadGroupedSet(file: string, o: Pick<FairnessOptions, 'target' | 'bad' | 'group' | 'exclude'>): Promise<GroupedSet> {
  await checkDataFile(file);
  const name = basename(file);
  const records: CsvRecord[] = [];
  let header: string[] | undefined;
  let rowsRead = 0;
  let rowsWithoutTarget = 0;
  let rowsWithoutGroup = 0;
  try {
    for await (const { record } of streamCsv(file)) {
      if (!header) {
        header = Object.keys(record);
        const columns = `(columns: ${header.join(', ')})`;
        if (!(o.target in record)) throw new Error(`--target: column "${o.target}" is not in ${name} ${columns}`);
        if (!(o.group in record)) throw new Error(`--group: column "${o.group}" is not in ${name} ${columns}`);
        if (o.group === o.target) throw new Error(`--group: "${o.group}" is the outcome column; give the column that says which group an applicant is in`);
        const unknown = o.exclude.filter((c) => !(c in record));
        if (unknown.length > 0)
          throw new Error(`--exclude: ${unknown.map((c) => `"${c}"`).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not a column of ${name}`);
        if (o.exclude.includes(o.target)) throw new Error(`--exclude: "${o.target}" is the outcome column`);
      }
      rowsRead++;
      if (blank(record[o.target])) rowsWithoutTarget++;
      else if (blank(record[o.group])) rowsWithoutGroup++;
      else records.push(record);
    }
  } catch (error) {
    if (error instanceof Error && /^--\w/.test(error.message)) throw error;
    throw new Error(`--data: cannot read ${name}: ${error instanceof Error ? error.message.replace(`${file}: `, '') : String(error)}`);
  }
  if (!header || rowsRead === 0) throw new Error(`--data: ${name} has a header but no rows`);
  if (records.length === 0) throw new Error(`--data: no row of ${name} has both "${o.target}" and "${o.group}" filled in`);
  const y = outcomes(
    records.map((r) => r[o.target]),
    o,
  );
  return {
    file: name,
    sha256: await fileSha256(file),
    header,
    records,
    y,
    groups: records.map((r) => r[o.group].trim()),
    rowsRead,
    rowsWithoutTarget,
    rowsWithoutGroup,
  };
}

interface FeatureSet {
  name: string;
  dropped: string[];
}

const range = (n: number) => Uint32Array.from({ length: n }, (_, i) => i);

/** Out-of-fold raw log-odds for every row, per candidate, and the candidates' feature lists. */
interface Fits {
  logits: Map<string, Float64Array>;
  features: Map<string, string[]>;
}

/**
 * Fold by fold and feature set by feature set: the preprocessing (medians, category encodings)
 * fitted on the fold's training rows only, every family fitted there, the held-out fold scored.
 */
async function crossFit(
  set: GroupedSet,
  options: FairnessOptions,
  featureSets: readonly FeatureSet[],
  folds: Uint32Array[],
  pool: TreePool,
  /** What the models predict: the outcome, or (proxy check) the group. */
  y: Uint8Array,
  families: readonly Family[],
  stage: (m: string) => void,
): Promise<Fits> {
  const n = set.records.length;
  const logits = new Map<string, Float64Array>();
  const features = new Map<string, string[]>();
  for (let f = 0; f < folds.length; f++) {
    const held = folds[f];
    const inFold = new Uint8Array(n);
    for (const r of held) inFold[r] = 1;
    const fit = range(n).filter((r) => !inFold[r]);
    const [innerValid] = stratifiedParts(y, fit, BOOST_VALID_PARTS, options.seed ^ 0x51ed27);
    const isValid = new Uint8Array(n);
    for (const r of innerValid) isValid[r] = 1;
    const innerFit = fit.filter((r) => !isValid[r]);
    stage(`fold ${f + 1} of ${folds.length}: ${featureSets.length} feature set${featureSets.length === 1 ? '' : 's'} × ${families.join(', ')}`);
    for (const fs of featureSets) {
      // The inputs as a model of the outcome sees them: categories encoded by their bad rate on these rows.
      const spec: GenericFeatureSpec = fitGenericSpec(
        Array.from(fit, (r) => set.records[r]),
        Array.from(fit, (r) => set.y[r]),
        { target: options.target, bad: options.bad, exclude: [options.group, ...options.exclude, ...fs.dropped] },
      );
      assertGroupNotAnInput(spec.features, options.group, `the ${fs.name} feature set`);
      const F = spec.features.length;
      const X = new Float64Array(n * F);
      set.records.forEach((r, i) => genericFeatures(spec, r, X.subarray(i * F, (i + 1) * F)));
      const store = (family: Family, score: (offset: number) => number) => {
        const key = candidateKey(family, fs.name);
        if (!logits.has(key)) logits.set(key, new Float64Array(n));
        // Folds may drop a constant column: keep the widest feature list seen.
        if ((features.get(key)?.length ?? -1) < F) features.set(key, spec.features);
        const out = logits.get(key)!;
        for (const r of held) out[r] = score(r * F);
      };
      if (families.includes('logistic')) {
        const model = fitLogistic(X, y, F, fit, { l2: LOGISTIC_L2 });
        store('logistic', (o) => logisticLogit(model, X, o));
      }
      if (families.includes('forest') || families.includes('boosting')) {
        const data = binMatrix(X, y, n, F, 256, fit);
        pool.load(data);
        if (families.includes('forest')) {
          const params: ForestParams = { ...FOREST_SETTINGS, maxFeatures: Math.max(1, Math.round(Math.sqrt(F))), seed: options.seed };
          const forest = await trainForest(data, params, { pool, rows: sharedRows(fit) });
          store('forest', (o) => treeLogit(forest, X, o));
        }
        if (families.includes('boosting')) {
          const params: BoostParams = { ...DEFAULT_BOOST_PARAMS, ...BOOST_SETTINGS, seed: options.seed };
          // Rounds chosen by early stopping on part of the fold's training rows, then refitted on all of them (as `npm run train` does).
          const [stopped] = await pool.boost([{ params, rows: sharedRows(innerFit), validRows: sharedRows(innerValid) }]);
          const rounds = Math.max(1, Math.round((stopped.rounds * fit.length) / innerFit.length));
          const [b] = await pool.boost([{ params: { ...params, nRounds: rounds, earlyStoppingRounds: 0 }, rows: sharedRows(fit) }]);
          const trees = assembleForest(b.trees, F, 'boosting', b.base);
          store('boosting', (o) => treeLogit(trees, X, o));
        }
      }
    }
  }
  return { logits, features };
}

const candidateKey = (family: Family, featureSet: string) => `${family} · ${featureSet}`;

/** PDs from out-of-fold log-odds, Platt-calibrated fold by fold on the other folds' out-of-fold scores. */
function crossCalibrate(logits: Float64Array, y: Uint8Array, folds: Uint32Array[]): Float64Array {
  const pd = new Float64Array(logits.length);
  for (const held of folds) {
    const inFold = new Uint8Array(logits.length);
    for (const r of held) inFold[r] = 1;
    const others = range(logits.length).filter((r) => !inFold[r]);
    const platt = fitPlatt(
      Array.from(others, (r) => sigmoid(logits[r])),
      Array.from(others, (r) => y[r]),
      'the other folds',
    );
    for (const r of held) pd[r] = calibrateLogit(platt, logits[r]);
  }
  return pd;
}

/** The columns a generic spec reads, for naming feature sets (a missing flag belongs to its column). */
const columnOf = (spec: GenericFeatureSpec, feature: string) =>
  spec.columns.find((c) => c.name === feature || `${c.name}_missing` === feature)?.name ?? feature;

/** How well the model's inputs tell the group apart: each input alone, and all of them in a model. */
async function proxyCheck(
  set: GroupedSet,
  options: FairnessOptions,
  levels: GroupLevels,
  spec: GenericFeatureSpec,
  pool: TreePool,
  stage: (m: string) => void,
): Promise<ProxyCheck> {
  const n = set.records.length;
  const inGroup = Uint8Array.from(set.groups, (g) => (g === levels.reference ? 0 : 1));
  const F = spec.features.length;
  const X = new Float64Array(n * F);
  set.records.forEach((r, i) => genericFeatures(spec, r, X.subarray(i * F, (i + 1) * F)));
  const inputs = spec.features
    .map((feature, j) => {
      const auc = rocAuc(
        inGroup,
        Float64Array.from({ length: n }, (_, i) => X[i * F + j]),
      );
      return { feature, column: columnOf(spec, feature), auc: Math.max(auc, 1 - auc), higherInGroup: auc >= 0.5 };
    })
    .sort((a, b) => b.auc - a.auc || a.feature.localeCompare(b.feature));
  // All inputs together: the same cross-validation, now predicting the group from the model's inputs.
  stage('proxy check: predicting the group from the inputs');
  const folds = stratifiedFolds(inGroup, range(n), options.folds, options.seed ^ 0x6a09e667);
  const families: Family[] = ['logistic', 'boosting'];
  const fits = await crossFit(set, options, [{ name: 'all inputs', dropped: [] }], folds, pool, inGroup, families, () => {});
  const nPos = inGroup.reduce((s, v) => s + v, 0);
  const models = families.map((family) => {
    const auc = rocAuc(inGroup, fits.logits.get(candidateKey(family, 'all inputs'))!);
    const ci = aucInterval(auc, nPos, n - nPos);
    return { family, auc, low: ci.low, high: ci.high };
  });
  return { groupDescription: `${options.group} ≠ ${levels.reference}`, inputs, models };
}

/**
 * Reading the file, the observed figures, the candidates, the LDA search and the proxy check.
 *
 * @example await runFairness({ ...DEFAULT_FAIRNESS_OPTIONS, data: 'datasets/hmda_boston.csv', target: 'deny', bad: 'yes', group: 'afam' })
 */
export async function runFairness(options: FairnessOptions): Promise<FairnessRun> {
  const t0 = performance.now();
  const stage = options.onStage ?? (() => {});
  const families = options.families.length > 0 ? options.families : FAMILIES;
  const set = await loadGroupedSet(options.data, options);
  const levels = checkedLevels(set.groups, options);
  const n = set.records.length;
  const observed = observedFigures({ groups: set.groups, bad: set.y, reference: levels.reference });

  // The inputs every candidate starts from, and their strength as proxies of the group.
  const allSpec = fitGenericSpec(set.records, set.y, { target: options.target, bad: options.bad, exclude: [options.group, ...options.exclude] });
  assertGroupNotAnInput(allSpec.features, options.group, 'the all-inputs feature set');
  const pool = TreePool.create(options.workers);
  try {
    const proxy = await proxyCheck(set, options, levels, allSpec, pool, stage);
    const inputColumns = allSpec.columns.map((c) => c.name);
    const strongest = [...new Set(proxy.inputs.map((i) => i.column))];
    const featureSets: FeatureSet[] = [{ name: 'all inputs', dropped: [] }];
    if (options.dropOne ?? true) for (const c of inputColumns) if (inputColumns.length > 1) featureSets.push({ name: `without ${c}`, dropped: [c] });
    for (const k of options.proxyDrops ?? [2, 3]) {
      if (k < 2 || k >= inputColumns.length) continue;
      const dropped = strongest.slice(0, k);
      featureSets.push({ name: `without the ${k} strongest proxies (${dropped.join(', ')})`, dropped });
    }

    const folds = stratifiedFolds(set.y, range(n), options.folds, options.seed);
    const fits = await crossFit(set, options, featureSets, folds, pool, set.y, families, stage);
    stage('calibrating and comparing the candidates');
    const nBad = set.y.reduce((s, v) => s + v, 0);
    const candidates: CandidateResult[] = [];
    const pds = new Map<string, Float64Array>();
    for (const fs of featureSets) {
      for (const family of families) {
        const key = candidateKey(family, fs.name);
        const raw = fits.logits.get(key)!;
        const pd = crossCalibrate(raw, set.y, folds);
        pds.set(key, pd);
        const auc = rocAuc(set.y, pd);
        const ci = aucInterval(auc, nBad, n - nBad);
        const foldAuc = folds.map((rows) =>
          rocAuc(
            Array.from(rows, (r) => set.y[r]),
            Array.from(rows, (r) => raw[r]),
          ),
        );
        const figures = modelFigures({ groups: set.groups, bad: set.y, pd, approvalRate: observed.approvalRate, levels });
        candidates.push({
          name: key,
          family,
          featureSet: fs.name,
          dropped: fs.dropped,
          features: fits.features.get(key)!,
          auc,
          aucLow: ci.low,
          aucHigh: ci.high,
          foldAuc,
          air: figures.air,
          approvalRate: figures.approvalRate,
          cutoff: figures.cutoff,
        });
      }
    }
    const lda = searchLda(candidates, { group: options.group, tolerance: options.tolerance });
    const figuresOf = (c: CandidateResult) =>
      modelFigures({ groups: set.groups, bad: set.y, pd: pds.get(c.name)!, approvalRate: observed.approvalRate, levels });
    return {
      data: {
        file: set.file,
        sha256: set.sha256,
        rowsRead: set.rowsRead,
        rowsUsed: n,
        rowsWithoutTarget: set.rowsWithoutTarget,
        rowsWithoutGroup: set.rowsWithoutGroup,
        target: { column: options.target, bad: options.bad },
        group: options.group,
        inputs: allSpec.features,
        notInputs: allSpec.dropped.map((d) => (d.name === options.group ? { name: d.name, reason: 'the group column: never a model input' } : d)),
      },
      protocol: {
        folds: options.folds,
        seed: options.seed,
        tolerance: options.tolerance,
        families: [...families],
        featureSets: featureSets.map((f) => f.name),
        settings: {
          logistic: `ridge-penalised (l2 = ${LOGISTIC_L2} on standardised inputs), fitted by Newton–Raphson`,
          forest: `${FOREST_SETTINGS.nTrees} trees, √(features) drawn per split, leaves of at least ${FOREST_SETTINGS.minSamplesLeaf} rows, depth ≤ ${FOREST_SETTINGS.maxDepth}`,
          boosting: `depth ${BOOST_SETTINGS.maxDepth}, learning rate ${BOOST_SETTINGS.learningRate}, min child weight ${BOOST_SETTINGS.minChildWeight}, row and feature subsampling 0.8, rounds found by early stopping (patience ${BOOST_SETTINGS.earlyStoppingRounds}) on a stratified 20% of each fold's training rows, then refitted on all of them`,
        },
      },
      observed,
      lda,
      bestFigures: figuresOf(lda.best),
      chosenFigures: figuresOf(lda.chosen),
      proxy,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await pool.close();
  }
}

/** report.md, figures.json and charts/*.svg in `dir`; returns the paths written. */
export async function writeFairnessReport(run: FairnessRun, dir: string, command: string): Promise<string[]> {
  return writeReport(dir, run, await fairnessCharts(run), (charts) => fairnessMarkdown(run, { command, charts }));
}

/** The same files for one trained model's run (`--model`). */
export async function writeModelFairnessReport(run: ModelFairnessRun, dir: string, command: string): Promise<string[]> {
  return writeReport(dir, run, await modelFairnessCharts(run), (charts) => modelFairnessMarkdown(run, { command, charts }));
}

async function writeReport(
  dir: string,
  run: { seconds: number },
  charts: Record<string, string>,
  markdown: (chartFiles: string[]) => string,
): Promise<string[]> {
  await mkdir(join(dir, 'charts'), { recursive: true });
  const written: string[] = [];
  const put = async (file: string, text: string) => {
    await writeFile(join(dir, file), text);
    written.push(join(dir, file));
  };
  for (const [name, svg] of Object.entries(charts)) await put(join('charts', `${name}.svg`), svg);
  await put('report.md', markdown(Object.keys(charts).map((name) => `charts/${name}.svg`)));
  const { seconds: _, ...stable } = run;
  await put('figures.json', `${JSON.stringify(stable, roundNumbers, 1)}\n`);
  return written;
}

/** Six significant digits in figures.json: enough to check, stable across machines. */
function roundNumbers(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && Number.isFinite(value) && !Number.isInteger(value)) return Number(value.toPrecision(6));
  return value;
}

export interface ModelFairnessOptions {
  data: string;
  target: string;
  bad: string;
  group: string;
  reference?: string;
  /** A trained model version (a directory under `models`). */
  model: string;
  /** Where model versions are (default models). */
  models?: string;
  /** Approve P(bad) under this; default: the cut-off that approves as many as the data did. */
  cutoff?: number;
  onStage?: (message: string) => void;
}

/**
 * The columns of a LendingClub row that the applicant mapping reads: found by letting the mapping
 * (src/data/lendingclub.ts) read a row that notes every column it is asked for, so the list
 * follows the mapping.
 */
function lendingClubInputColumns(): string[] {
  const read = new Set<string>();
  const probe = new Proxy({} as CsvRecord, {
    get: (_target, key) => {
      if (typeof key === 'string') read.add(key);
      return '1';
    },
  });
  lendingClubApplicant(probe);
  return [...read];
}

/** Every column of the file the planned scoring reads for the model. */
function modelInputColumns(plan: BatchPlan): string[] {
  const { spec } = plan.model;
  if (spec.kind === 'generic') return spec.columns.map((c) => c.name);
  if (plan.kind === 'lendingclub') return lendingClubInputColumns();
  return Object.keys(ApplicantSchema.shape).filter((f) => f !== 'alternativeData');
}

const TrainedOnSchema = z.object({
  champion: z.object({ name: z.string() }).catch({ name: 'unknown' }),
  data: z
    .object({
      file: z.string().optional(),
      sha256: z.string().optional(),
      rowsKept: z.number().optional(),
      split: z.object({ trainRows: z.number().optional() }).optional(),
    })
    .optional()
    .catch(undefined),
});

/**
 * A trained model's fairness figures on a file with an outcome and a group column: every row is
 * scored the way `npm run score` scores it (src/batch/score.ts, into a temporary directory), rows
 * it rejects are left out, and the observed decisions and the model's (at the observed approval
 * rate, or at `cutoff`) are compared by group. Refuses a model that reads the group column.
 *
 * @example await runModelFairness({ data: 'datasets/hmda_boston.csv', target: 'deny', bad: 'yes', group: 'afam', model: 'hmda-boston-blend-1de5ab8d4a' })
 */
export async function runModelFairness(options: ModelFairnessOptions): Promise<ModelFairnessRun> {
  const t0 = performance.now();
  const stage = options.onStage ?? (() => {});
  const { target, bad, group } = options;
  await checkDataFile(options.data);
  const name = basename(options.data);
  if (group === target) throw new Error(`--group: "${group}" is the outcome column; give the column that says which group an applicant is in`);
  if (options.cutoff !== undefined && !(options.cutoff > 0 && options.cutoff < 1))
    throw new Error(`--cutoff: must be a probability between 0 and 1, got ${options.cutoff}`);
  const tmp = await mkdtemp(join(tmpdir(), 'lendwise-fairness-'));
  try {
    const scored = join(tmp, 'scored.csv');
    const rejectsFile = join(tmp, 'rejects.csv');
    let plan: BatchPlan;
    try {
      plan = await planBatch({ data: options.data, out: scored, rejects: rejectsFile, models: options.models ?? 'models', model: options.model });
    } catch (error) {
      throw error instanceof ModelLoadError ? new Error(`--model: ${error.message}`) : error;
    }
    const { model, header } = plan;
    const columns = `(columns: ${header.join(', ')})`;
    if (!header.includes(target)) throw new Error(`--target: column "${target}" is not in ${name} ${columns}`);
    if (!header.includes(group)) throw new Error(`--group: column "${group}" is not in ${name} ${columns}`);
    const inputs = modelInputColumns(plan);
    if (inputs.includes(group))
      throw new Error(
        `--group: "${group}" is an input of model ${model.version}: the protected attribute may never be a model input ` +
          (model.spec.kind === 'generic'
            ? `(train one without it: npm run train -- … --exclude ${group})`
            : '(the applicant model reads it; give a column it does not read)'),
      );
    assertGroupNotAnInput(model.spec.features, group, `model ${model.version}`);
    if (inputs.includes(target))
      throw new Error(`--target: "${target}" is an input of model ${model.version}: its PDs would be read from the outcome they are judged against`);

    stage(`scoring ${name} with ${model.version}`);
    const summary = await runBatch(plan);
    const rejectExamples: { row: number; reason: string }[] = [];
    for await (const { record } of streamCsv(rejectsFile)) {
      if (rejectExamples.length === 3) break;
      rejectExamples.push({ row: Number(record.row), reason: record.reason });
    }
    const targets: string[] = [];
    const groups: string[] = [];
    const pds: number[] = [];
    let rowsWithoutTarget = 0;
    let rowsWithoutGroup = 0;
    for await (const { record } of streamCsv(scored)) {
      if (blank(record[target])) rowsWithoutTarget++;
      else if (blank(record[group])) rowsWithoutGroup++;
      else {
        targets.push(record[target]);
        groups.push(record[group].trim());
        pds.push(Number(record.pd));
      }
    }
    if (targets.length === 0) {
      const why =
        summary.rejected > 0 ? ` (${int(summary.rejected)} rejected by the model, e.g. row ${rejectExamples[0].row}: ${rejectExamples[0].reason})` : '';
      throw new Error(`--data: no row of ${name} that the model could score has both "${target}" and "${group}" filled in${why}`);
    }
    stage('comparing the decisions by group');
    const y = outcomes(targets, options);
    const levels = checkedLevels(groups, options);
    const pd = Float64Array.from(pds);
    const observed = observedFigures({ groups, bad: y, reference: levels.reference });
    const figures =
      options.cutoff !== undefined
        ? modelFigures({ groups, bad: y, pd, cutoff: options.cutoff, levels })
        : modelFigures({ groups, bad: y, pd, approvalRate: observed.approvalRate, levels });
    const auc = rocAuc(y, pd);
    const nBad = y.reduce((s, v) => s + v, 0);
    const ci = aucInterval(auc, nBad, y.length - nBad);
    const sha256 = await fileSha256(options.data);
    const trained = TrainedOnSchema.parse(model.metrics);
    const trainedOnThisFile = trained.data?.sha256 === sha256;
    return {
      data: {
        file: name,
        sha256,
        format: plan.format,
        rowsRead: summary.scored + summary.rejected,
        rowsRejected: summary.rejected,
        rejectExamples,
        rowsWithoutTarget,
        rowsWithoutGroup,
        rowsUsed: y.length,
        target: { column: target, bad },
        group,
      },
      model: {
        version: model.version,
        kind: model.spec.kind,
        champion: trained.champion.name,
        trainedOn: trained.data?.file ?? null,
        trainedOnThisFile,
        trainRows: trainedOnThisFile ? (trained.data?.split?.trainRows ?? null) : null,
        trainRowsOf: trainedOnThisFile ? (trained.data?.rowsKept ?? null) : null,
        predicts: model.spec.kind === 'generic' ? model.spec.target : null,
        inputs: inputs.filter((c) => header.includes(c)),
      },
      decision: { rule: options.cutoff !== undefined ? 'cut-off' : 'approval rate', cutoff: figures.cutoff },
      auc,
      aucLow: ci.low,
      aucHigh: ci.high,
      observed,
      figures,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
