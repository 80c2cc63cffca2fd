import type { BinnedData } from './binning.ts';
import { MAX_BINS } from './binning.ts';
import type { GrownTree } from '../model/flat.ts';
import { childBounds, clamp, NO_BOUNDS, ordered, type Bounds } from './monotone.ts';
import { mixSeed, mulberry32 } from './rng.ts';

/**
 * Histogram gradient boosting for the log-loss, on the same binned data as the forest: each round
 * fits a regression tree to the gradients and Hessians of the current log-odds (XGBoost's second-order
 * split gain and leaf weights), with shrinkage, depth and leaf limits, row and feature subsampling,
 * the same monotone constraints as the forest, and early stopping on a validation part. A node's
 * histogram is built for the smaller child only; the larger child's is the parent's minus it.
 */

export interface BoostParams {
  /** Most rounds (trees); early stopping may keep fewer. */
  nRounds: number;
  learningRate: number;
  /** Depth limit (root = 0). */
  maxDepth: number;
  /** Most leaves per tree; 0 means only the depth limit applies. With a limit, the best split grows first. */
  maxLeaves: number;
  /** Smallest sum of Hessians in a child (XGBoost's min_child_weight). */
  minChildWeight: number;
  /** Smallest number of rows in a child. */
  minSamplesLeaf: number;
  /** L2 penalty on leaf weights (XGBoost's lambda). */
  lambda: number;
  /** Smallest gain worth a split (XGBoost's gamma). */
  gamma: number;
  /** Share of training rows drawn (without replacement) for each round. */
  subsample: number;
  /** Share of features drawn for each tree. */
  colsample: number;
  /** Stop when the validation log-loss has not improved for this many rounds (0: never). */
  earlyStoppingRounds: number;
  seed: number;
  /** Per feature: +1 risk may only rise with the value, -1 only fall, 0 free. */
  monotone?: readonly number[];
}

export const DEFAULT_BOOST_PARAMS: BoostParams = {
  nRounds: 500,
  learningRate: 0.05,
  maxDepth: 3,
  maxLeaves: 0,
  minChildWeight: 5,
  minSamplesLeaf: 20,
  lambda: 1,
  gamma: 0,
  subsample: 0.8,
  colsample: 0.8,
  earlyStoppingRounds: 50,
  seed: 42,
};

export interface BoostResult {
  trees: GrownTree[];
  /** Starting log-odds: the training bad rate's. */
  base: number;
  /** Rounds kept (the best validation round when early stopping, else all). */
  rounds: number;
  /** Validation log-loss after each round grown (empty without validation rows). */
  validLoss: number[];
  /** Seconds spent per round, on average. */
  secondsPerRound: number;
}

const STRIDE = 3; // gradient, Hessian, count per (feature, bin)

/** Objective reduction of weight w on a node with sums (G, H): −(2Gw + (H + λ)w²); G²/(H + λ) at the optimum. */
const gainAt = (G: number, H: number, w: number, lambda: number) => -(2 * G * w + (H + lambda) * w * w);

interface Candidate {
  node: number;
  start: number;
  end: number;
  depth: number;
  G: number;
  H: number;
  hist: Float64Array;
  bounds: Bounds;
  /** Best split found for this node, if any. */
  split?: { k: number; bin: number; gain: number; GL: number; HL: number; wL: number; wR: number };
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/**
 * Trains a boosted ensemble on `rows`, stopping early on `validRows` when given.
 *
 * @example const { trees, base } = trainBoosting(binMatrix(X, y, n, f), { ...DEFAULT_BOOST_PARAMS, monotone });
 */
export function trainBoosting(data: BinnedData, params: BoostParams, rows?: Uint32Array, validRows?: Uint32Array): BoostResult {
  const started = performance.now();
  const { nRows, nFeatures: F, bins, y, edges } = data;
  const train = rows ?? Uint32Array.from({ length: nRows }, (_, i) => i);
  const lambda = params.lambda;
  const monotone = params.monotone;
  let bad = 0;
  for (const r of train) bad += y[r];
  const rate = Math.min(1 - 1e-6, Math.max(1e-6, bad / Math.max(1, train.length)));
  const base = Math.log(rate / (1 - rate));
  const margin = new Float64Array(nRows).fill(base);
  const g = new Float64Array(nRows);
  const h = new Float64Array(nRows);
  const idx = new Uint32Array(train.length);
  const nSelect = Math.max(1, Math.min(F, Math.round(F * params.colsample)));
  const feats = new Uint32Array(nSelect);
  const allFeatures = new Uint32Array(F);
  const histSize = nSelect * MAX_BINS * STRIDE;
  const freeHists: Float64Array[] = [];
  const takeHist = () => freeHists.pop() ?? new Float64Array(histSize);
  const trees: GrownTree[] = [];
  const validLoss: number[] = [];
  let best = { loss: Infinity, rounds: 0 };

  const buildHist = (hist: Float64Array, start: number, end: number) => {
    hist.fill(0);
    for (let i = start; i < end; i++) {
      const r = idx[i];
      const gr = g[r];
      const hr = h[r];
      const rowBase = r * F;
      for (let k = 0; k < nSelect; k++) {
        const o = (k * MAX_BINS + bins[rowBase + feats[k]]) * STRIDE;
        hist[o] += gr;
        hist[o + 1] += hr;
        hist[o + 2] += 1;
      }
    }
  };

  const findSplit = (c: Candidate) => {
    const count = c.end - c.start;
    if (c.depth >= params.maxDepth || count < 2 * params.minSamplesLeaf || c.H < 2 * params.minChildWeight) return;
    const parentGain = gainAt(c.G, c.H, clamp(-c.G / (c.H + lambda), c.bounds), lambda);
    let split: Candidate['split'];
    for (let k = 0; k < nSelect; k++) {
      const f = feats[k];
      const direction = monotone?.[f] ?? 0;
      const nBins = edges[f].length + 1;
      let GL = 0;
      let HL = 0;
      let CL = 0;
      for (let b = 0; b < nBins - 1; b++) {
        const o = (k * MAX_BINS + b) * STRIDE;
        GL += c.hist[o];
        HL += c.hist[o + 1];
        CL += c.hist[o + 2];
        if (CL < params.minSamplesLeaf || HL < params.minChildWeight) continue;
        const CR = count - CL;
        const HR = c.H - HL;
        if (CR < params.minSamplesLeaf) break;
        if (HR < params.minChildWeight) continue;
        const GR = c.G - GL;
        const wL = clamp(-GL / (HL + lambda), c.bounds);
        const wR = clamp(-GR / (HR + lambda), c.bounds);
        if (!ordered(direction, wL, wR)) continue;
        const gain = gainAt(GL, HL, wL, lambda) + gainAt(GR, HR, wR, lambda) - parentGain;
        if (gain > params.gamma && gain > 1e-12 && (!split || gain > split.gain)) split = { k, bin: b, gain, GL, HL, wL, wR };
      }
    }
    c.split = split;
  };

  for (let round = 0; round < params.nRounds; round++) {
    for (const r of train) {
      const p = sigmoid(margin[r]);
      g[r] = p - y[r];
      h[r] = Math.max(p * (1 - p), 1e-16);
    }
    // This round's rows and features, from a stream seeded by (seed, round).
    const rng = mulberry32(mixSeed(params.seed, round));
    let n = 0;
    for (const r of train) if (params.subsample >= 1 || rng() < params.subsample) idx[n++] = r;
    for (let f = 0; f < F; f++) allFeatures[f] = f;
    for (let i = 0; i < nSelect; i++) {
      const j = i + Math.floor(rng() * (F - i));
      const t = allFeatures[i];
      allFeatures[i] = allFeatures[j];
      allFeatures[j] = t;
    }
    feats.set(allFeatures.subarray(0, nSelect));
    feats.sort();

    const feature: number[] = [];
    const splitBin: number[] = [];
    const threshold: number[] = [];
    const left: number[] = [];
    const value: number[] = [];
    const cover: number[] = [];
    const addNode = (G: number, H: number, count: number, bounds: Bounds) => {
      feature.push(-1);
      splitBin.push(0);
      threshold.push(0);
      left.push(-1);
      value.push(params.learningRate * clamp(-G / (H + lambda), bounds));
      cover.push(count);
      return feature.length - 1;
    };
    let G0 = 0;
    let H0 = 0;
    for (let i = 0; i < n; i++) {
      G0 += g[idx[i]];
      H0 += h[idx[i]];
    }
    const rootHist = takeHist();
    buildHist(rootHist, 0, n);
    const root: Candidate = { node: addNode(G0, H0, n, NO_BOUNDS), start: 0, end: n, depth: 0, G: G0, H: H0, hist: rootHist, bounds: NO_BOUNDS };
    findSplit(root);
    const open: Candidate[] = [root];
    let leaves = 1;
    while (open.length > 0) {
      // With a leaf limit the best split goes first; without one, order does not change the tree.
      let at = open.length - 1;
      if (params.maxLeaves > 0) for (let i = 0; i < open.length; i++) if ((open[i].split?.gain ?? -1) > (open[at].split?.gain ?? -1)) at = i;
      const c = open[at];
      open.splice(at, 1);
      const s = c.split;
      if (!s || (params.maxLeaves > 0 && leaves >= params.maxLeaves)) {
        freeHists.push(c.hist);
        continue;
      }
      const f = feats[s.k];
      // Partition the node's rows: bin <= split bin to the left.
      let i = c.start;
      let j = c.end - 1;
      while (i <= j) {
        if (bins[idx[i] * F + f] <= s.bin) i++;
        else {
          const t = idx[i];
          idx[i] = idx[j];
          idx[j] = t;
          j--;
        }
      }
      const mid = i;
      const [lb, rb] = childBounds(c.bounds, monotone?.[f] ?? 0, s.wL, s.wR);
      const l = addNode(s.GL, s.HL, mid - c.start, lb);
      addNode(c.G - s.GL, c.H - s.HL, c.end - mid, rb);
      feature[c.node] = f;
      splitBin[c.node] = s.bin;
      threshold[c.node] = edges[f][s.bin];
      left[c.node] = l;
      leaves++;
      const small = takeHist();
      const leftSmaller = mid - c.start <= c.end - mid;
      if (leftSmaller) buildHist(small, c.start, mid);
      else buildHist(small, mid, c.end);
      // The parent's histogram becomes the larger child's.
      const large = c.hist;
      for (let q = 0; q < histSize; q++) large[q] -= small[q];
      const lc: Candidate = { node: l, start: c.start, end: mid, depth: c.depth + 1, G: s.GL, H: s.HL, hist: leftSmaller ? small : large, bounds: lb };
      const rc: Candidate = {
        node: l + 1,
        start: mid,
        end: c.end,
        depth: c.depth + 1,
        G: c.G - s.GL,
        H: c.H - s.HL,
        hist: leftSmaller ? large : small,
        bounds: rb,
      };
      findSplit(lc);
      findSplit(rc);
      open.push(rc, lc);
    }

    // Move every training and validation row's log-odds by this tree (traversed on bins).
    const step = (r: number) => {
      let node = 0;
      while (feature[node] >= 0) node = bins[r * F + feature[node]] <= splitBin[node] ? left[node] : left[node] + 1;
      margin[r] += value[node];
    };
    for (const r of train) step(r);
    trees.push({
      feature: Int32Array.from(feature),
      threshold: Float64Array.from(threshold),
      left: Int32Array.from(left),
      value: Float64Array.from(value),
      cover: Float64Array.from(cover),
    });
    if (validRows && validRows.length > 0) {
      let loss = 0;
      for (const r of validRows) {
        step(r);
        const p = Math.min(1 - 1e-15, Math.max(1e-15, sigmoid(margin[r])));
        loss -= y[r] ? Math.log(p) : Math.log(1 - p);
      }
      loss /= validRows.length;
      validLoss.push(loss);
      if (loss < best.loss - 1e-12) best = { loss, rounds: round + 1 };
      else if (params.earlyStoppingRounds > 0 && round + 1 - best.rounds >= params.earlyStoppingRounds) break;
    }
  }
  const rounds = validRows && validRows.length > 0 && params.earlyStoppingRounds > 0 ? Math.max(1, best.rounds) : trees.length;
  return {
    trees: trees.slice(0, rounds),
    base,
    rounds,
    validLoss,
    secondsPerRound: (performance.now() - started) / 1000 / Math.max(1, trees.length),
  };
}
