import type { BinnedData } from '../forest/binning.ts';
import { assembleForest, type FlatForest } from '../model/flat.ts';
import { sharedRows, type TreePool } from '../forest/pool.ts';
import { treeJobs, type ForestParams } from '../forest/train.ts';
import { mulberry32, permutation } from '../forest/rng.ts';
import { rocAuc } from '../evaluation/metrics.ts';
import { stratifiedFolds } from './split.ts';

/**
 * Cross-validated search for the forest's settings by successive halving (as scikit-learn's
 * HalvingGridSearchCV): every setting is first tried on a small share of the rows, the best third
 * go on to three times as many rows, and so on until the last few are tried on all of them.
 * Tree t is seeded by (seed, t) alone, so one forest of the largest size also gives every smaller
 * forest in the grid as its first trees: the tree-count axis costs no extra training. The
 * preprocessing (category encodings, imputation medians) is fitted inside each fold, on that fold's
 * training rows only, so the held-out rows' outcomes never reach their own features.
 */

export interface Grid {
  nTrees: number[];
  maxFeatures: number[];
  minSamplesLeaf: number[];
  maxDepth: number[];
}

export const FULL_GRID: Grid = {
  nTrees: [100, 200, 300],
  maxFeatures: [3, 5, 8],
  minSamplesLeaf: [20, 50, 100],
  maxDepth: [12, 64],
};

export const QUICK_GRID: Grid = {
  nTrees: [50, 100],
  maxFeatures: [3, 5],
  minSamplesLeaf: [50],
  maxDepth: [64],
};

export interface GridPoint {
  params: ForestParams;
  foldAuc: number[];
  meanAuc: number;
  sdAuc: number;
}

/** One halving round: how many rows, which settings, and the best CV AUC reached. */
export interface HalvingRound {
  rows: number;
  settings: number;
  bestMeanAuc: number;
}

export interface GridSearchResult {
  /** Points of the last round (all settings when halving is off). */
  points: GridPoint[];
  best: GridPoint;
  rounds: HalvingRound[];
}

/** The features of every row under preprocessing fitted on `fitRows`, raw and binned. */
export interface PreparedData {
  X: Float64Array;
  data: BinnedData;
}

export interface GridSearchInput {
  pool: TreePool;
  /** Outcomes of every row (0/1). */
  y: ArrayLike<number>;
  /** The rows searched over (the training part). */
  rows: Uint32Array;
  /** Fits the preprocessing on the given rows and returns every row's features. */
  prepare: (fitRows: Uint32Array) => PreparedData;
  grid: Grid;
  folds: number;
  seed: number;
  sampleFraction?: number;
  /** Per feature monotone direction (+1, -1, 0). */
  monotone?: readonly number[];
  /** Each round keeps 1/factor of the settings on factor× the rows; false tries every setting on all rows. */
  halving?: { factor: number; minRows: number } | false;
  onProgress?: (done: number, total: number) => void;
}

export const DEFAULT_HALVING = { factor: 3, minRows: 2_000 };

/** Mean leaf value of the first k trees, for every k in `prefixes`, on one row. */
function prefixMeans(forest: FlatForest, X: Float64Array, row: number, prefixes: number[], out: Float64Array[], at: number): void {
  let sum = 0;
  let next = 0;
  const offset = row * forest.nFeatures;
  const { feature, threshold, left, value, roots } = forest;
  for (let t = 0; t < roots.length && next < prefixes.length; t++) {
    let node = roots[t];
    while (feature[node] >= 0) node = X[offset + feature[node]] <= threshold[node] ? left[node] : left[node] + 1;
    sum += value[node];
    if (t + 1 === prefixes[next]) out[next++][at] = sum / (t + 1);
  }
}

interface Setting {
  maxFeatures: number;
  minSamplesLeaf: number;
  maxDepth: number;
}

/** Rows in a seeded order that keeps every prefix close to the overall bad rate (nested samples). */
function stratifiedOrder(y: ArrayLike<number>, rows: Uint32Array, seed: number): Uint32Array {
  const rng = mulberry32(seed ^ 0x5bd1e995);
  const byClass = [0, 1].map((c) => {
    const members = rows.filter((r) => y[r] === c);
    return Array.from(permutation(members.length, rng), (i) => members[i]);
  });
  const out = new Uint32Array(rows.length);
  const share = byClass[1].length / Math.max(1, rows.length);
  let taken1 = 0;
  let taken0 = 0;
  for (let i = 0; i < rows.length; i++) {
    const wantBad = taken1 < byClass[1].length && (taken0 >= byClass[0].length || taken1 < share * (i + 1));
    out[i] = wantBad ? byClass[1][taken1++] : byClass[0][taken0++];
  }
  return out;
}

/** Cross-validates every setting on `rows`, one forest per (setting, fold), fold preprocessing fitted per fold. */
async function crossValidate(input: GridSearchInput, settings: Setting[], rows: Uint32Array, tick: (n: number) => void): Promise<GridPoint[]> {
  const { pool, y, grid, folds, seed, sampleFraction = 1, monotone } = input;
  const prefixes = [...grid.nTrees].sort((a, b) => a - b);
  const maxTrees = prefixes[prefixes.length - 1];
  const foldRows = stratifiedFolds(y, rows, folds, seed);
  const aucs = settings.map(() => prefixes.map(() => [] as number[]));
  for (let k = 0; k < folds; k++) {
    const fit = sharedRows(foldRows.flatMap((f, j) => (j === k ? [] : [...f])));
    const { X, data } = input.prepare(fit);
    pool.load(data);
    const jobs = settings.flatMap((s) => treeJobs({ ...s, nTrees: maxTrees, seed, sampleFraction, ...(monotone ? { monotone } : {}) }, fit));
    let reported = 0;
    const trees = await pool.grow(jobs, (done) => {
      tick(done - reported);
      reported = done;
    });
    const held = foldRows[k];
    const yHeld = Array.from(held, (r) => y[r]);
    settings.forEach((_, s) => {
      const forest = assembleForest(trees.slice(s * maxTrees, (s + 1) * maxTrees), data.nFeatures);
      const pred = prefixes.map(() => new Float64Array(held.length));
      held.forEach((r, i) => prefixMeans(forest, X, r, prefixes, pred, i));
      prefixes.forEach((_, j) => aucs[s][j].push(rocAuc(yHeld, pred[j])));
    });
  }
  return settings.flatMap((setting, s) =>
    prefixes.map((nTrees, j) => {
      const mean = aucs[s][j].reduce((a, b) => a + b, 0) / folds;
      const sd = Math.sqrt(aucs[s][j].reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, folds - 1));
      return { params: { ...setting, nTrees, seed, sampleFraction, ...(monotone ? { monotone } : {}) }, foldAuc: aucs[s][j], meanAuc: mean, sdAuc: sd };
    }),
  );
}

/** How many halving rounds, and the rows each uses, for `n` rows and `settings` settings. */
export function halvingSchedule(n: number, settings: number, halving: GridSearchInput['halving']): { rows: number; keep: number }[] {
  if (!halving) return [{ rows: n, keep: settings }];
  const { factor, minRows } = halving;
  let rounds = 0;
  while (settings / factor ** rounds > 1 && n / factor ** (rounds + 1) >= minRows) rounds++;
  const schedule: { rows: number; keep: number }[] = [];
  let keep = settings;
  for (let i = 0; i <= rounds; i++) {
    schedule.push({ rows: i === rounds ? n : Math.round(n / factor ** (rounds - i)), keep });
    keep = Math.max(1, Math.ceil(keep / factor));
  }
  // A last round with a single survivor would choose nothing (its CV score only): stop before it.
  if (schedule.length > 1 && schedule[schedule.length - 1].keep === 1) schedule.pop();
  return schedule;
}

export async function gridSearch(input: GridSearchInput): Promise<GridSearchResult> {
  const { grid, folds, rows, y, seed } = input;
  const maxTrees = Math.max(...grid.nTrees);
  let settings: Setting[] = grid.maxFeatures.flatMap((maxFeatures) =>
    grid.minSamplesLeaf.flatMap((minSamplesLeaf) => grid.maxDepth.map((maxDepth) => ({ maxFeatures, minSamplesLeaf, maxDepth }))),
  );
  const schedule = halvingSchedule(rows.length, settings.length, input.halving ?? DEFAULT_HALVING);
  const order = stratifiedOrder(y, rows, seed);
  const total = schedule.reduce((s, r) => s + r.keep * folds * maxTrees, 0);
  let done = 0;
  const tick = (n: number) => {
    done += n;
    input.onProgress?.(done, total);
  };
  const rounds: HalvingRound[] = [];
  let points: GridPoint[] = [];
  for (let i = 0; i < schedule.length; i++) {
    const sample = schedule[i].rows >= rows.length ? rows : order.slice(0, schedule[i].rows).sort();
    points = await crossValidate(input, settings, sample, tick);
    rounds.push({ rows: sample.length, settings: settings.length, bestMeanAuc: Math.max(...points.map((p) => p.meanAuc)) });
    if (i + 1 < schedule.length) {
      // A setting's score is its best tree count's mean CV AUC.
      const score = new Map<Setting, number>();
      const perTree = grid.nTrees.length;
      settings.forEach((s, k) => score.set(s, Math.max(...points.slice(k * perTree, (k + 1) * perTree).map((p) => p.meanAuc))));
      settings = [...settings].sort((a, b) => score.get(b)! - score.get(a)!).slice(0, schedule[i + 1].keep);
    }
  }
  return { points, best: chooseBest(points), rounds };
}

/**
 * CV AUC differences this small are noise (fold-to-fold spread is ~0.015), while scoring time grows
 * with every tree: among settings within this much of the best mean AUC, take the fewest trees.
 */
export const AUC_TOLERANCE = 0.001;

export function chooseBest(points: GridPoint[]): GridPoint {
  const top = Math.max(...points.map((p) => p.meanAuc));
  const near = points.filter((p) => p.meanAuc >= top - AUC_TOLERANCE);
  const fewest = Math.min(...near.map((p) => p.params.nTrees));
  // Highest AUC among the cheapest; ties keep grid order.
  return near.filter((p) => p.params.nTrees === fewest).reduce((b, p) => (p.meanAuc > b.meanAuc ? p : b));
}
