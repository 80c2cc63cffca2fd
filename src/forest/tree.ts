import type { BinnedData } from './binning.ts';
import { MAX_BINS } from './binning.ts';
import { mulberry32, type Rng } from './rng.ts';
import type { GrownTree } from '../model/flat.ts';
import { childBounds, clamp, NO_BOUNDS, ordered, type Bounds } from './monotone.ts';

/**
 * Grows one classification tree on binned data: bootstrap rows, sample features at every split,
 * choose the split with the largest Gini decrease from per-bin histograms. With monotone
 * constraints, a split on a constrained feature must order its children's bad shares the declared
 * way, and every node's value stays inside bounds set by its ancestors (as XGBoost does), so the
 * tree — and a forest of such trees — moves one way only in each constrained feature.
 */

export interface TreeParams {
  /** Depth limit (root = 0). */
  maxDepth: number;
  /** Smallest (bootstrap-weighted) number of rows in a leaf. */
  minSamplesLeaf: number;
  /** Features drawn (without replacement) at every split. */
  maxFeatures: number;
  /** Bootstrap sample size as a fraction of the training rows; 0 turns bagging off. */
  sampleFraction: number;
  /** Per feature: +1 risk may only rise with the value, -1 only fall, 0 free. Absent: all free. */
  monotone?: readonly number[];
}

interface Split {
  feature: number;
  bin: number;
  gain: number;
  /** The children's values after clamping to the node's bounds. */
  leftValue: number;
  rightValue: number;
}

export function growTree(data: BinnedData, params: TreeParams, seed: number, rows?: Uint32Array): GrownTree {
  const { nFeatures, bins, y, edges } = data;
  const rng = mulberry32(seed);
  const pool = rows ?? identity(data.nRows);
  const { idx, weight } = drawSample(pool, params.sampleFraction, rng, data.nRows);
  const maxFeatures = Math.max(1, Math.min(params.maxFeatures, nFeatures));
  const features = new Uint32Array(nFeatures);
  const hist = new Float64Array(maxFeatures * MAX_BINS * 2);
  const minLeaf = Math.max(1, params.minSamplesLeaf);

  const feature: number[] = [];
  const threshold: number[] = [];
  const left: number[] = [];
  const value: number[] = [];
  const cover: number[] = [];
  const addNode = (w: number, v: number): number => {
    feature.push(-1);
    threshold.push(0);
    left.push(-1);
    value.push(v);
    cover.push(w);
    return feature.length - 1;
  };

  const totals = (start: number, end: number): [number, number] => {
    let w = 0;
    let pos = 0;
    for (let i = start; i < end; i++) {
      const r = idx[i];
      w += weight[r];
      pos += weight[r] * y[r];
    }
    return [w, pos];
  };

  const monotone = params.monotone;
  const [rootW, rootPos] = totals(0, idx.length);
  addNode(rootW, rootW > 0 ? rootPos / rootW : 0);
  interface Pending {
    node: number;
    start: number;
    end: number;
    depth: number;
    w: number;
    pos: number;
    bounds: Bounds;
  }
  const stack: Pending[] = [{ node: 0, start: 0, end: idx.length, depth: 0, w: rootW, pos: rootPos, bounds: NO_BOUNDS }];
  while (stack.length > 0) {
    const { node, start, end, depth, w, pos, bounds } = stack.pop()!;
    if (depth >= params.maxDepth || w < 2 * minLeaf || pos === 0 || pos === w) continue;
    const m = sampleFeatures(features, maxFeatures, rng);
    const split = bestSplit(data, idx, weight, start, end, features, m, hist, w, pos, minLeaf, bounds, monotone);
    if (!split) continue;
    const mid = partition(idx, start, end, bins, nFeatures, split.feature, split.bin);
    const [lw, lpos] = totals(start, mid);
    const l = addNode(lw, split.leftValue);
    addNode(w - lw, split.rightValue);
    feature[node] = split.feature;
    threshold[node] = edges[split.feature][split.bin];
    left[node] = l;
    const [lb, rb] = childBounds(bounds, monotone?.[split.feature] ?? 0, split.leftValue, split.rightValue);
    stack.push({ node: l + 1, start: mid, end, depth: depth + 1, w: w - lw, pos: pos - lpos, bounds: rb });
    stack.push({ node: l, start, end: mid, depth: depth + 1, w: lw, pos: lpos, bounds: lb });
  }
  return {
    feature: Int32Array.from(feature),
    threshold: Float64Array.from(threshold),
    left: Int32Array.from(left),
    value: Float64Array.from(value),
    cover: Float64Array.from(cover),
  };
}

function identity(n: number): Uint32Array {
  const a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

/** Bootstrap: draw rows with replacement; keep each drawn row once with its count as weight. */
function drawSample(pool: Uint32Array, fraction: number, rng: Rng, nRows: number) {
  const weight = new Float64Array(nRows);
  if (fraction <= 0) {
    for (const r of pool) weight[r] = 1;
    return { idx: Uint32Array.from(pool), weight };
  }
  const draws = Math.max(1, Math.round(pool.length * fraction));
  for (let k = 0; k < draws; k++) weight[pool[Math.floor(rng() * pool.length)]] += 1;
  let n = 0;
  for (const r of pool) if (weight[r] > 0) n++;
  const idx = new Uint32Array(n);
  n = 0;
  for (const r of pool) if (weight[r] > 0) idx[n++] = r;
  return { idx, weight };
}

/** Partial Fisher–Yates: the first m entries of `features` become a fresh sample of distinct features. */
function sampleFeatures(features: Uint32Array, m: number, rng: Rng): number {
  const n = features.length;
  for (let i = 0; i < n; i++) features[i] = i;
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(rng() * (n - i));
    const t = features[i];
    features[i] = features[j];
    features[j] = t;
  }
  return m;
}

function bestSplit(
  data: BinnedData,
  idx: Uint32Array,
  weight: Float64Array,
  start: number,
  end: number,
  features: Uint32Array,
  m: number,
  hist: Float64Array,
  w: number,
  pos: number,
  minLeaf: number,
  bounds: Bounds,
  monotone: readonly number[] | undefined,
): Split | undefined {
  const { bins, y, nFeatures, edges } = data;
  hist.fill(0, 0, m * MAX_BINS * 2);
  // One pass over the node's rows fills the histograms of all sampled features.
  for (let i = start; i < end; i++) {
    const r = idx[i];
    const wr = weight[r];
    const pr = wr * y[r];
    const base = r * nFeatures;
    for (let k = 0; k < m; k++) {
      const h = (k * MAX_BINS + bins[base + features[k]]) * 2;
      hist[h] += wr;
      hist[h + 1] += pr;
    }
  }
  const parentScore = (pos * pos + (w - pos) * (w - pos)) / w;
  let best: Split | undefined;
  for (let k = 0; k < m; k++) {
    const f = features[k];
    const nBins = edges[f].length + 1;
    let lw = 0;
    let lpos = 0;
    for (let b = 0; b < nBins - 1; b++) {
      const h = (k * MAX_BINS + b) * 2;
      lw += hist[h];
      lpos += hist[h + 1];
      if (lw < minLeaf) continue;
      const rw = w - lw;
      if (rw < minLeaf) break;
      const rpos = pos - lpos;
      const lneg = lw - lpos;
      const rneg = rw - rpos;
      // Gini decrease, up to a constant factor: sum over children of (pos² + neg²) / weight.
      const gain = (lpos * lpos + lneg * lneg) / lw + (rpos * rpos + rneg * rneg) / rw - parentScore;
      if (!(gain > 1e-12 && (!best || gain > best.gain))) continue;
      const leftValue = clamp(lpos / lw, bounds);
      const rightValue = clamp(rpos / rw, bounds);
      if (!ordered(monotone?.[f] ?? 0, leftValue, rightValue)) continue;
      best = { feature: f, bin: b, gain, leftValue, rightValue };
    }
  }
  return best;
}

/** Moves rows with bin <= splitBin to the front of [start, end); returns where the right side starts. */
function partition(idx: Uint32Array, start: number, end: number, bins: Uint8Array, nFeatures: number, f: number, splitBin: number): number {
  let i = start;
  let j = end - 1;
  while (i <= j) {
    if (bins[idx[i] * nFeatures + f] <= splitBin) i++;
    else {
      const t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
      j--;
    }
  }
  return i;
}
