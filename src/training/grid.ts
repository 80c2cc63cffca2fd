import type { BinnedData } from '../forest/binning.ts';
import { assembleForest, type FlatForest } from '../forest/flat.ts';
import { sharedRows, type TreePool } from '../forest/pool.ts';
import { treeJobs, type ForestParams } from '../forest/train.ts';
import { rocAuc } from '../evaluation/metrics.ts';
import { stratifiedFolds } from './split.ts';

/**
 * k-fold cross-validated grid search for the forest. Tree t is seeded by (seed, t) alone, so one
 * forest of the largest size also gives every smaller forest in the grid as its first trees:
 * the tree-count axis costs no extra training.
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

export interface GridSearchResult {
  points: GridPoint[];
  best: GridPoint;
  /** The best point's out-of-fold predictions, aligned with `rows`. */
  bestOutOfFold: Float64Array;
  rows: Uint32Array;
  /** The cross-validation folds (row indices), for other models to be compared on the same folds. */
  foldRows: Uint32Array[];
}

export interface GridSearchInput {
  pool: TreePool;
  data: BinnedData;
  /** Raw (unbinned) row-major features, to predict held-out folds. */
  X: Float64Array;
  rows: Uint32Array;
  grid: Grid;
  folds: number;
  seed: number;
  sampleFraction?: number;
  onProgress?: (done: number, total: number) => void;
}

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

export async function gridSearch(input: GridSearchInput): Promise<GridSearchResult> {
  const { pool, data, X, rows, grid, folds, seed, sampleFraction = 1 } = input;
  const prefixes = [...grid.nTrees].sort((a, b) => a - b);
  const maxTrees = prefixes[prefixes.length - 1];
  const foldRows = stratifiedFolds(data.y, rows, folds, seed);
  const position = new Map<number, number>();
  rows.forEach((r, i) => position.set(r, i));
  const fitRows = foldRows.map((_, k) => sharedRows(foldRows.flatMap((f, j) => (j === k ? [] : [...f]))));

  const configs = grid.maxFeatures.flatMap((maxFeatures) =>
    grid.minSamplesLeaf.flatMap((minSamplesLeaf) => grid.maxDepth.map((maxDepth) => ({ maxFeatures, minSamplesLeaf, maxDepth }))),
  );
  const totalTrees = configs.length * folds * maxTrees;
  let treesDone = 0;
  const points: GridPoint[] = [];
  const outOfFold = new Map<GridPoint, Float64Array>();

  for (const config of configs) {
    const params: ForestParams = { ...config, nTrees: maxTrees, seed, sampleFraction };
    const jobs = fitRows.flatMap((fit) => treeJobs(params, fit));
    const trees = await pool.grow(jobs, (done) => input.onProgress?.(treesDone + done, totalTrees));
    treesDone += jobs.length;
    const oof = prefixes.map(() => new Float64Array(rows.length));
    const aucs = prefixes.map(() => [] as number[]);
    foldRows.forEach((held, k) => {
      const forest = assembleForest(trees.slice(k * maxTrees, (k + 1) * maxTrees), data.nFeatures);
      const foldPred = prefixes.map(() => new Float64Array(held.length));
      held.forEach((r, i) => prefixMeans(forest, X, r, prefixes, foldPred, i));
      const yHeld = Array.from(held, (r) => data.y[r]);
      prefixes.forEach((_, j) => {
        aucs[j].push(rocAuc(yHeld, foldPred[j]));
        held.forEach((r, i) => (oof[j][position.get(r)!] = foldPred[j][i]));
      });
    });
    prefixes.forEach((nTrees, j) => {
      const mean = aucs[j].reduce((s, a) => s + a, 0) / folds;
      const sd = Math.sqrt(aucs[j].reduce((s, a) => s + (a - mean) ** 2, 0) / Math.max(1, folds - 1));
      const point: GridPoint = { params: { ...params, nTrees }, foldAuc: aucs[j], meanAuc: mean, sdAuc: sd };
      points.push(point);
      outOfFold.set(point, oof[j]);
    });
  }
  const best = chooseBest(points);
  return { points, best, bestOutOfFold: outOfFold.get(best)!, rows, foldRows };
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
