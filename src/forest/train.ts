import { assembleForest, type FlatForest } from '../model/flat.ts';
import type { BinnedData } from './binning.ts';
import { TreePool, type TreeJob } from './pool.ts';
import { mixSeed } from './rng.ts';
import type { TreeParams } from './tree.ts';

export interface ForestParams extends TreeParams {
  nTrees: number;
  seed: number;
}

/** Tree t's seed depends only on (seed, t): a forest's first k trees are a k-tree forest. */
export function treeJobs(params: ForestParams, rows?: Uint32Array): TreeJob[] {
  const { nTrees, seed, ...tree } = params;
  return Array.from({ length: nTrees }, (_, t) => ({ seed: mixSeed(seed, t), params: tree, ...(rows ? { rows } : {}) }));
}

export interface TrainForestOptions {
  /** A pool already loaded with `data`; otherwise one is made (and closed) with `workers` threads. */
  pool?: TreePool;
  workers?: number;
  rows?: Uint32Array;
  onTree?: (done: number, total: number) => void;
}

export async function trainForest(data: BinnedData, params: ForestParams, options: TrainForestOptions = {}): Promise<FlatForest> {
  const pool = options.pool ?? TreePool.create(options.workers);
  try {
    if (!options.pool) pool.load(data);
    const trees = await pool.grow(treeJobs(params, options.rows), (done) => options.onTree?.(done, params.nTrees));
    return assembleForest(trees, data.nFeatures);
  } finally {
    if (!options.pool) await pool.close();
  }
}
