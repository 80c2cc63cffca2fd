import type { BinnedData } from './binning.ts';
import type { GrownTree } from '../model/flat.ts';
import { BoostPeer, type PeerLink } from './boost-peer.ts';
import { histWorkspace } from './hist-kernel.ts';
import { childBounds, clamp, NO_BOUNDS, type Bounds } from './monotone.ts';
import { mixSeed, mulberry32 } from './rng.ts';

/**
 * Histogram gradient boosting for the log-loss, on the same binned data as the forest: each round
 * fits a regression tree to the gradients and Hessians of the current log-odds (XGBoost's second-order
 * split gain and leaf weights), with shrinkage, depth and leaf limits, row and feature subsampling,
 * the same monotone constraints as the forest, and early stopping on a validation part. A node's
 * histogram is built for the smaller child only; the larger child's is the parent's minus it. The
 * per-row loops (histograms, split search, partition, row sample, gradients) run in WebAssembly
 * (src/forest/hist.wat); this file keeps the tree logic.
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

/** How to run one training (not part of the model: the trees are the same either way). */
export interface BoostOptions {
  /**
   * 2: a peer thread grows the same trees over half of the features (src/forest/boost-peer.ts).
   * For one model trained alone; models trained side by side on a pool take 1 each.
   */
  threads?: 1 | 2;
  /** Set on the peer thread itself: its side of the run. */
  link?: PeerLink;
}

/** Rounds between checks that a two-thread run still gains from its peer. */
const LAG_CHECK_ROUNDS = 20;

/** Objective reduction of weight w on a node with sums (G, H): −(2Gw + (H + λ)w²); G²/(H + λ) at the optimum. */
const gainAt = (G: number, H: number, w: number, lambda: number) => -(2 * G * w + (H + lambda) * w * w);

interface Candidate {
  node: number;
  start: number;
  end: number;
  depth: number;
  G: number;
  H: number;
  /** Histogram slot in the workspace. */
  slot: number;
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
export function trainBoosting(data: BinnedData, params: BoostParams, rows?: Uint32Array, validRows?: Uint32Array, options: BoostOptions = {}): BoostResult {
  const started = performance.now();
  const { nRows, nFeatures: F, bins, y, edges } = data;
  const train = rows ?? Uint32Array.from({ length: nRows }, (_, i) => i);
  let link = options.link ?? (options.threads === 2 ? BoostPeer.shared().start({ data, params, rows: train, validRows }) : undefined);
  const lambda = params.lambda;
  const monotone = params.monotone;
  let bad = 0;
  for (const r of train) bad += y[r];
  const rate = Math.min(1 - 1e-6, Math.max(1e-6, bad / Math.max(1, train.length)));
  const base = Math.log(rate / (1 - rate));
  const nSelect = Math.max(1, Math.min(F, Math.round(F * params.colsample)));
  // This round's features that can split (more than one bin), sorted; nSplittable of them.
  const feats = new Uint32Array(nSelect);
  let nSplittable = 0;
  const allFeatures = new Uint32Array(F);
  // Each chosen feature's bins sit side by side (offset[k]), so a histogram holds only the bins in use.
  const offset = new Uint32Array(nSelect);
  let histSize = 0;
  // Numbers per bin: gradient, Hessian and row count. Without a row-count limit on a child the count
  // is not needed: an empty side has a Hessian sum of 0 (or rounding noise), below minChildWeight.
  const stride = params.minSamplesLeaf <= 1 && params.minChildWeight >= 1e-6 ? 2 : 3;
  let maxHistSize = 0;
  for (let f = 0; f < F; f++) maxHistSize += (edges[f].length + 1) * stride;
  // Every open node holds a histogram, plus one while a split is made. Growing depth-first (no leaf
  // limit) at most depth + 1 are open; growing best-first every open node can be a leaf-to-be, so
  // the leaf limit and the leaves the depth allows bound them instead.
  const slots = Math.min(
    params.maxLeaves > 0 ? Math.min(params.maxLeaves, 2 ** Math.min(params.maxDepth, 30)) + 2 : params.maxDepth + 3,
    Math.floor(train.length / Math.max(1, params.minSamplesLeaf)) + 3,
  );
  if (slots * maxHistSize * 8 > 2 ** 30) throw new Error('boosting needs a depth limit or a leaf limit (maxDepth or maxLeaves) that bounds the open nodes');
  const ws = histWorkspace({
    bins,
    nRows,
    nFeatures: F,
    train,
    y,
    base,
    splits: edges.map((e) => e.length),
    directions: monotone,
    stride,
    slots,
    // A tree has 2·leaves − 1 nodes; leaves are bounded by the leaf limit, the depth and the rows.
    maxNodes: 2 * Math.min(params.maxLeaves > 0 ? params.maxLeaves : Infinity, 2 ** Math.min(params.maxDepth, 30), Math.max(1, train.length)) - 1,
    valid: validRows,
    part: link?.part,
  });
  try {
    return grow();
  } catch (error) {
    link?.abort();
    throw error;
  }

  function grow(): BoostResult {
    const { idx, margin } = ws;
    const freeSlots = Array.from({ length: slots }, (_, s) => slots - 1 - s);
    const takeSlot = () => {
      const s = freeSlots.pop();
      if (s === undefined) throw new Error('boosting ran out of histogram slots');
      return s;
    };
    const trees: GrownTree[] = [];
    const validLoss: number[] = [];
    let best = { loss: Infinity, rounds: 0 };

    const findSplit = (c: Candidate) => {
      const count = c.end - c.start;
      if (c.depth >= params.maxDepth || count < 2 * params.minSamplesLeaf || c.H < 2 * params.minChildWeight) return;
      const { G, H, bounds } = c;
      const parentGain = gainAt(G, H, clamp(-G / (H + lambda), bounds), lambda);
      const found = ws.bestSplit(c.slot, { count, G, H, lo: bounds.lo, hi: bounds.hi, parentGain }, params);
      c.split = (link ? link.exchange(found) : found) ?? undefined;
    };

    for (let round = 0; round < params.nRounds; round++) {
      // This round's rows and features, from the mulberry32 stream seeded by (seed, round).
      let state = mixSeed(params.seed, round) >>> 0;
      let n = train.length;
      let nOut = 0;
      if (params.subsample < 1) {
        ({ kept: n, state } = ws.sample(state, params.subsample));
        nOut = train.length - n;
      } else idx.set(train);
      const rng = mulberry32(state);
      // Gradients only for the rows this tree sees, and their sums for the root.
      const { G: G0, H: H0 } = ws.gradients(n);
      for (let f = 0; f < F; f++) allFeatures[f] = f;
      for (let i = 0; i < nSelect; i++) {
        const j = i + Math.floor(rng() * (F - i));
        const t = allFeatures[i];
        allFeatures[i] = allFeatures[j];
        allFeatures[j] = t;
      }
      // A feature with one bin never splits: leaving it out of the histograms changes no tree.
      const chosen = allFeatures.subarray(0, nSelect).sort();
      nSplittable = 0;
      histSize = 0;
      for (const f of chosen) {
        if (edges[f].length === 0) continue;
        feats[nSplittable] = f;
        offset[nSplittable++] = histSize;
        histSize += (edges[f].length + 1) * stride;
      }
      ws.useFeatures(feats, offset, nSplittable, histSize);

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
      const rootSlot = takeSlot();
      ws.build(rootSlot, 0, n);
      const root: Candidate = { node: addNode(G0, H0, n, NO_BOUNDS), start: 0, end: n, depth: 0, G: G0, H: H0, slot: rootSlot, bounds: NO_BOUNDS };
      findSplit(root);
      const open: Candidate[] = [root];
      // Each leaf's rows are idx[start..end): the sampled rows' log-odds move without a traversal.
      const leafRanges: Candidate[] = [];
      let leaves = 1;
      while (open.length > 0) {
        // With a leaf limit the best split goes first; without one, order does not change the tree.
        let at = open.length - 1;
        if (params.maxLeaves > 0) for (let i = 0; i < open.length; i++) if ((open[i].split?.gain ?? -1) > (open[at].split?.gain ?? -1)) at = i;
        const c = open[at];
        open.splice(at, 1);
        const s = c.split;
        if (!s || (params.maxLeaves > 0 && leaves >= params.maxLeaves)) {
          freeSlots.push(c.slot);
          leafRanges.push(c);
          continue;
        }
        const f = feats[s.k];
        // Partition the node's rows: bin <= split bin to the left.
        const mid = ws.partition(c.start, c.end, f, s.bin);
        const [lb, rb] = childBounds(c.bounds, monotone?.[f] ?? 0, s.wL, s.wR);
        const l = addNode(s.GL, s.HL, mid - c.start, lb);
        addNode(c.G - s.GL, c.H - s.HL, c.end - mid, rb);
        feature[c.node] = f;
        splitBin[c.node] = s.bin;
        threshold[c.node] = edges[f][s.bin];
        left[c.node] = l;
        leaves++;
        const small = takeSlot();
        const leftSmaller = mid - c.start <= c.end - mid;
        if (leftSmaller) ws.build(small, c.start, mid);
        else ws.build(small, mid, c.end);
        // The parent's histogram becomes the larger child's.
        const large = c.slot;
        ws.subtract(large, small);
        const lc: Candidate = { node: l, start: c.start, end: mid, depth: c.depth + 1, G: s.GL, H: s.HL, slot: leftSmaller ? small : large, bounds: lb };
        const rc: Candidate = {
          node: l + 1,
          start: mid,
          end: c.end,
          depth: c.depth + 1,
          G: c.G - s.GL,
          H: c.H - s.HL,
          slot: leftSmaller ? large : small,
          bounds: rb,
        };
        findSplit(lc);
        findSplit(rc);
        open.push(rc, lc);
      }

      // Move every training and validation row's log-odds by this tree: the sampled rows by their
      // leaf's range, the others (and the validation rows) by walking it on bins.
      for (const c of leafRanges) ws.moveLeaf(c.start, c.end, value[c.node]);
      ws.loadTree({ feature, splitBin, left, value });
      ws.walkOut(nOut);
      // The calling side goes on alone when its peer keeps it waiting (other work on the cores): the
      // trees do not change, only who builds which histograms.
      if (link && !options.link && round % LAG_CHECK_ROUNDS === LAG_CHECK_ROUNDS - 1 && link.lagging()) {
        link.abort();
        link = undefined;
        ws.takeAllFeatures();
      }
      trees.push({
        feature: Int32Array.from(feature),
        threshold: Float64Array.from(threshold),
        left: Int32Array.from(left),
        value: Float64Array.from(value),
        cover: Float64Array.from(cover),
      });
      if (validRows && validRows.length > 0) {
        ws.walkValid();
        let loss = 0;
        for (const r of validRows) {
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
}
