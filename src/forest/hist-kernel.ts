import { HIST_WASM_BASE64 } from './hist-wasm.ts';

/**
 * The boosting kernels in WebAssembly (src/forest/hist.wat), with everything they read laid out in
 * their memory: the rows' bins (copied once), gradients and Hessians interleaved, the row index the
 * grower partitions, this round's features, and a fixed set of histogram slots. One workspace per
 * training run; its typed arrays stay valid because the memory never grows.
 */
export interface HistWorkspace {
  /** Row order of the current tree (its first `sample(...)` entries): partitioned in place. */
  idx: Uint32Array;
  /** The training rows the last sample left out (the first nTrain − kept entries). */
  out: Uint32Array;
  /** Gradient and Hessian of row r at 2r and 2r + 1. */
  gh: Float64Array;
  /** Log-odds of every row. */
  margin: Float64Array;
  /** exp(-margin) of every row, moved by a factor per leaf (one exp per leaf, not per row). */
  expNeg: Float64Array;
  /** Fills gh for rows idx[0..n) from margin and the labels; returns the sums of g and h. */
  gradients(n: number): { G: number; H: number };
  /** Adds v to the log-odds of the rows idx[start..end) (one leaf). */
  moveLeaf(start: number, end: number, v: number): void;
  /** Histogram slots (gradient, Hessian and, with a stride of 3, count per bin), as views on the memory. */
  hists: Float64Array[];
  /** Sets the features of the next histograms: bins of feats[k] start at offsets[k] (in numbers, stride per bin). */
  useFeatures(feats: ArrayLike<number>, offsets: ArrayLike<number>, n: number, histSize: number): void;
  /** Fills slot `slot` from rows idx[start..end). */
  build(slot: number, start: number, end: number): void;
  /** Slot a minus slot b, into a. */
  subtract(a: number, b: number): void;
  /**
   * Draws a round's rows: each training row is kept with probability `fraction`, by the mulberry32
   * stream in state `state` (src/forest/rng.ts), kept rows to `idx` and the others to `out`, in order.
   * Returns how many were kept and the stream's next state.
   */
  sample(state: number, fraction: number): { kept: number; state: number };
  /**
   * The best split of the node whose histogram is in `slot` over the features set by useFeatures,
   * or null when none gains more than gamma. `k` is the index into those features.
   */
  bestSplit(slot: number, node: NodeSums, rules: SplitRules): SplitFound | null;
  /** Splits rows idx[start..end) on feature f: bin <= `bin` first, each side in its old order. Returns where the right side starts. */
  partition(start: number, end: number, f: number, bin: number): number;
  /** Copies one grown tree in, for walkOut and walkValid. */
  loadTree(tree: WalkTree): void;
  /** Moves the first n rows of `out` (left out of the round's sample) by walking the loaded tree. */
  walkOut(n: number): void;
  /** Moves every validation row by walking the loaded tree. */
  walkValid(): void;
  /** From the next useFeatures on, covers all features (the two-thread run went on alone). */
  takeAllFeatures(): void;
}

/** A tree as the grower builds it: a split node has feature ≥ 0 and children left, left + 1. */
export interface WalkTree {
  feature: ArrayLike<number>;
  splitBin: ArrayLike<number>;
  left: ArrayLike<number>;
  value: ArrayLike<number>;
}

export interface WorkspaceOptions {
  /** Row-major bins of nRows × nFeatures. */
  bins: Uint8Array;
  nRows: number;
  nFeatures: number;
  /** The training rows. */
  train: Uint32Array;
  /** Labels 0/1 of every row. */
  y: Uint8Array;
  /** Starting log-odds of every row. */
  base: number;
  /** Per feature: its number of split points (bin edges). */
  splits: ArrayLike<number>;
  /** Per feature: its monotone direction (+1, -1, 0). */
  directions?: ArrayLike<number>;
  /** Numbers per bin: 3 (gradient, Hessian, count) or 2 (no count). */
  stride: 2 | 3;
  /** Histogram slots to lay out. */
  slots: number;
  /** Most nodes in one tree. */
  maxNodes: number;
  /** Validation rows (their log-odds move with every tree too). */
  valid?: Uint32Array;
  /**
   * This workspace's share of the chosen features when two threads grow the same tree
   * (src/forest/boost-peer.ts): 0 the first half, 1 the second. Builds, subtractions and split
   * searches then cover that half only; without it, all features.
   */
  part?: 0 | 1;
}

/** Sums of one node, and the bounds on its leaf values. */
export interface NodeSums {
  count: number;
  G: number;
  H: number;
  lo: number;
  hi: number;
  /** The node's own objective reduction at its (bounded) optimum. */
  parentGain: number;
}

export interface SplitRules {
  lambda: number;
  minChildWeight: number;
  minSamplesLeaf: number;
  gamma: number;
}

export interface SplitFound {
  k: number;
  bin: number;
  gain: number;
  GL: number;
  HL: number;
  wL: number;
  wR: number;
}

const PAGE = 65536;
const align = (bytes: number) => Math.ceil(bytes / 16) * 16;
type Kernel = (...args: number[]) => number;
type Kernels = Record<'build' | 'subtract' | 'partition' | 'sample' | 'bestSplit' | 'gradients' | 'moveLeaf' | 'traverse', Kernel>;

let compiled: WebAssembly.Module | undefined;

/**
 * @example const ws = histWorkspace({ bins, nRows, nFeatures, train: rows, y, base, splits: edges.map((e) => e.length), stride: 3, slots: 6 });
 */
export function histWorkspace(options: WorkspaceOptions): HistWorkspace {
  const { bins, nRows, nFeatures, train, y, splits, directions, stride, slots, maxNodes } = options;
  let part = options.part;
  const valid = options.valid ?? new Uint32Array(0);
  compiled ??= new WebAssembly.Module(Buffer.from(HIST_WASM_BASE64, 'base64'));
  let maxHistSize = 0;
  for (let f = 0; f < nFeatures; f++) maxHistSize += (splits[f] + 1) * stride;
  const slotBytes = align(8 * maxHistSize);
  const nIdx = train.length;
  const pHists = 0;
  const pGh = pHists + slots * slotBytes;
  const pMargin = align(pGh + 16 * nRows);
  const pExpNeg = align(pMargin + 8 * nRows);
  const pY = align(pExpNeg + 8 * nRows);
  const pIdx = align(pY + nRows);
  const pTrain = align(pIdx + 4 * nIdx);
  const pOut = align(pTrain + 4 * nIdx);
  // The right side of a partition, before it is copied after the left.
  const pScratch = align(pOut + 4 * nIdx);
  const pState = align(pScratch + 4 * nIdx);
  const pFeats = align(pState + 4);
  const pOffs = align(pFeats + 4 * nFeatures);
  const pLast = align(pOffs + 4 * nFeatures);
  const pDirs = align(pLast + 4 * nFeatures);
  const pSums = align(pDirs + 4 * nFeatures);
  const pSplit = align(pSums + 16);
  // One tree: feature, split bin, left child (i32), value and exp(−value) (f64) per node.
  const pTree = align(pSplit + 48);
  const pTreeF64 = align(pTree + 12 * maxNodes);
  const pValid = align(pTreeF64 + 16 * maxNodes);
  const pBins = align(pValid + 4 * valid.length);
  // The bins again, feature-major, for the partition: one feature's column stays in the L1 cache.
  const pCols = align(pBins + nRows * nFeatures);
  const bytes = pCols + nRows * nFeatures;
  if (bytes > 2 ** 32 - PAGE) throw new Error(`boosting data too large for one workspace (${bytes} bytes)`);
  const pages = Math.ceil(bytes / PAGE);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  const kernels = new WebAssembly.Instance(compiled, { env: { memory, exp: Math.exp } }).exports as Kernels;
  const { buffer } = memory;
  new Uint8Array(buffer, pBins, nRows * nFeatures).set(bins.subarray(0, nRows * nFeatures));
  const cols = new Uint8Array(buffer, pCols, nRows * nFeatures);
  for (let r = 0, i = 0; r < nRows; r++) for (let f = 0; f < nFeatures; f++, i++) cols[f * nRows + r] = bins[i];
  new Uint32Array(buffer, pTrain, nIdx).set(train);
  new Uint8Array(buffer, pY, nRows).set(y.subarray(0, nRows));
  const margin = new Float64Array(buffer, pMargin, nRows).fill(options.base);
  const expNeg = new Float64Array(buffer, pExpNeg, nRows).fill(Math.exp(-options.base));
  const sums = new Float64Array(buffer, pSums, 2);
  const stateCell = new Uint32Array(buffer, pState, 1);
  const feats = new Int32Array(buffer, pFeats, nFeatures);
  const offs = new Int32Array(buffer, pOffs, nFeatures);
  const last = new Int32Array(buffer, pLast, nFeatures);
  const dirs = new Int32Array(buffer, pDirs, nFeatures);
  const found = new Float64Array(buffer, pSplit, 5);
  const foundAt = new Int32Array(buffer, pSplit + 40, 2);
  // This workspace's features [k0, k1) of the chosen ones, and their cells' bytes [from, to) in a histogram.
  let k0 = 0;
  let k1 = 0;
  let from = 0;
  let to = 0;
  new Uint32Array(buffer, pValid, valid.length).set(valid);
  const treeI32 = new Int32Array(buffer, pTree, 3 * maxNodes);
  const treeF64 = new Float64Array(buffer, pTreeF64, 2 * maxNodes);
  const counts = stride === 3 ? 1 : 0;
  const walk = (rows: number, n: number) =>
    void kernels.traverse(rows, n, pBins, nFeatures, pTree, pTree + 4 * maxNodes, pTree + 8 * maxNodes, pTreeF64, pTreeF64 + 8 * maxNodes, pMargin, pExpNeg);
  let size = 0;

  return {
    idx: new Uint32Array(buffer, pIdx, nIdx),
    out: new Uint32Array(buffer, pOut, nIdx),
    gh: new Float64Array(buffer, pGh, 2 * nRows),
    margin,
    expNeg,
    gradients(n) {
      kernels.gradients(pIdx, n, pMargin, pExpNeg, pY, pGh, pSums);
      return { G: sums[0], H: sums[1] };
    },
    moveLeaf: (start, end, v) => void kernels.moveLeaf(pIdx, start, end, pMargin, pExpNeg, v, Math.exp(-v)),
    hists: Array.from({ length: slots }, (_, s) => new Float64Array(buffer, pHists + s * slotBytes, maxHistSize)),
    useFeatures(f, o, n, histSize) {
      for (let k = 0; k < n; k++) {
        feats[k] = f[k];
        offs[k] = 8 * o[k];
        last[k] = splits[f[k]];
        dirs[k] = directions?.[f[k]] ?? 0;
      }
      size = align(8 * histSize);
      // Halves by feature count: a feature costs the same per row in every build.
      const mid = n >> 1;
      [k0, k1] = part === undefined ? [0, n] : part === 0 ? [0, mid] : [mid, n];
      from = k0 < n ? offs[k0] : size;
      to = k1 < n ? offs[k1] : size;
    },
    build(slot, start, end) {
      kernels.build(pIdx, start, end, pGh, pBins, nFeatures, pFeats + 4 * k0, pOffs + 4 * k0, k1 - k0, pHists + slot * slotBytes, from, to - from, counts);
    },
    // Whole f64 pairs: a half's bytes may start mid-pair with a stride of 3 (the other half's cells are not read).
    subtract: (a, b) => {
      const lo = from & ~15;
      void kernels.subtract(pHists + a * slotBytes + lo, pHists + b * slotBytes + lo, align(to) - lo);
    },
    sample(state, fraction) {
      stateCell[0] = state;
      // u / 2^32 < fraction is u < fraction · 2^32, exactly (a power-of-two scaling).
      const kept = kernels.sample(pTrain, nIdx, pIdx, pOut, pState, fraction * 4294967296);
      return { kept, state: stateCell[0] };
    },
    bestSplit(slot, node, rules) {
      const k = kernels.bestSplit(
        pHists + slot * slotBytes,
        pOffs + 4 * k0,
        pLast + 4 * k0,
        pDirs + 4 * k0,
        k1 - k0,
        8 * stride,
        counts,
        node.count,
        node.G,
        node.H,
        node.lo,
        node.hi,
        rules.lambda,
        rules.minChildWeight,
        rules.minSamplesLeaf,
        rules.gamma,
        node.parentGain,
        pSplit,
      );
      return k < 0 ? null : { k: k0 + k, bin: foundAt[1], gain: found[0], GL: found[1], HL: found[2], wL: found[3], wR: found[4] };
    },
    partition: (start, end, f, bin) => kernels.partition(pIdx, start, end, pCols + f * nRows, bin, pScratch),
    loadTree(tree) {
      const n = tree.feature.length;
      if (n > maxNodes) throw new Error(`a tree of ${n} nodes does not fit the workspace (${maxNodes})`);
      for (let i = 0; i < n; i++) {
        treeI32[i] = tree.feature[i];
        treeI32[maxNodes + i] = tree.splitBin[i];
        treeI32[2 * maxNodes + i] = tree.left[i];
        treeF64[i] = tree.value[i];
        // exp(−value): the rows' running exp(−margin) moves by a product, as in moveLeaf.
        treeF64[maxNodes + i] = Math.exp(-tree.value[i]);
      }
    },
    walkOut: (n) => walk(pOut, n),
    walkValid: () => walk(pValid, valid.length),
    takeAllFeatures: () => {
      part = undefined;
    },
  };
}
