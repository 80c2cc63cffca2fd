import { z } from 'zod';

/**
 * A tree ensemble as a handful of flat typed arrays: fast to traverse, exact to store.
 * Node n of tree t lives at index roots[t] + n; a split goes left when x[feature] <= threshold,
 * to node `left`, otherwise to `left + 1` (both absolute indices); leaves have feature -1.
 *
 * Two kinds share the layout: a random `forest` (leaves hold bad shares; the output is their mean)
 * and `boosting` (leaves hold log-odds steps; the output is σ(base + their sum)).
 */

/** One grown tree, as the engine hands it over: node 0 is the root, children are `left` and `left + 1`. */
export interface GrownTree {
  /** Split feature, or -1 for a leaf. */
  feature: Int32Array;
  /** Go left when x[feature] <= threshold. */
  threshold: Float64Array;
  left: Int32Array;
  /** Forest: share of bad rows at the node. Boosting: the node's log-odds step (leaves are what count). */
  value: Float64Array;
  /** (Bootstrap-weighted) number of training rows that reached the node. */
  cover: Float64Array;
}

export const ENSEMBLE_KINDS = ['forest', 'boosting'] as const;
export type EnsembleKind = (typeof ENSEMBLE_KINDS)[number];

export interface FlatForest {
  kind: EnsembleKind;
  /** Boosting: the starting log-odds (0 for a forest). */
  base: number;
  nFeatures: number;
  roots: Int32Array;
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  /** Leaf value: probability of class 1 (bad). The forest's prediction is the mean over trees. */
  value: Float64Array;
  /** Training rows (bootstrap-weighted) that reached each node; 0 where unknown (imported models). */
  cover: Float64Array;
}

export function assembleForest(trees: readonly GrownTree[], nFeatures: number, kind: EnsembleKind = 'forest', base = 0): FlatForest {
  const total = trees.reduce((s, t) => s + t.feature.length, 0);
  const forest: FlatForest = {
    kind,
    base,
    nFeatures,
    roots: new Int32Array(trees.length),
    feature: new Int32Array(total),
    threshold: new Float64Array(total),
    left: new Int32Array(total),
    value: new Float64Array(total),
    cover: new Float64Array(total),
  };
  let offset = 0;
  trees.forEach((tree, t) => {
    forest.roots[t] = offset;
    forest.feature.set(tree.feature, offset);
    forest.threshold.set(tree.threshold, offset);
    forest.value.set(tree.value, offset);
    forest.cover.set(tree.cover, offset);
    for (let i = 0; i < tree.left.length; i++) forest.left[offset + i] = tree.left[i] < 0 ? -1 : tree.left[i] + offset;
    offset += tree.feature.length;
  });
  return forest;
}

/** Sum of the leaf values of the first `nTrees` trees for one row. */
export function leafSum(forest: FlatForest, x: ArrayLike<number>, nTrees = forest.roots.length, offset = 0): number {
  const { feature, threshold, left, value, roots } = forest;
  let sum = 0;
  for (let t = 0; t < nTrees; t++) {
    let node = roots[t];
    let f = feature[node];
    while (f >= 0) {
      node = x[offset + f] <= threshold[node] ? left[node] : left[node] + 1;
      f = feature[node];
    }
    sum += value[node];
  }
  return sum;
}

const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/**
 * The ensemble's probability of bad for one row, from its first `nTrees` trees (all by default):
 * the mean leaf for a forest, σ(base + Σ leaves) for boosting.
 *
 * @example predictRow(forest, applicantFeatures(spec, applicant)) // 0.12
 */
export function predictRow(forest: FlatForest, x: ArrayLike<number>, nTrees = forest.roots.length, offset = 0): number {
  const sum = leafSum(forest, x, nTrees, offset);
  return forest.kind === 'forest' ? sum / nTrees : sigmoid(forest.base + sum);
}

/** Predictions for a row-major matrix. */
export function predictMatrix(forest: FlatForest, X: Float64Array, nRows: number, nTrees = forest.roots.length): Float64Array {
  const out = new Float64Array(nRows);
  for (let r = 0; r < nRows; r++) out[r] = predictRow(forest, X, nTrees, r * forest.nFeatures);
  return out;
}

export function nodeCount(forest: FlatForest): number {
  return forest.feature.length;
}

// ---- storage: typed arrays as base64 little-endian bytes inside JSON ----

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');

export const FlatForestJsonSchema = z.object({
  format: z.literal('lendwise-flat-forest'),
  /** 1: forests only (before boosting); 2 adds `kind` and `base`. */
  version: z.union([z.literal(1), z.literal(2)]),
  kind: z.enum(ENSEMBLE_KINDS).default('forest'),
  base: z.number().default(0),
  nFeatures: z.number().int().positive(),
  nTrees: z.number().int().positive(),
  nNodes: z.number().int().positive(),
  roots: base64,
  feature: base64,
  threshold: base64,
  left: base64,
  value: base64,
  cover: base64,
});
export type FlatForestJson = z.infer<typeof FlatForestJsonSchema>;

const encode = (a: Int32Array | Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

function decode<T extends Int32Array | Float64Array>(
  text: string,
  Kind: { new (b: ArrayBuffer): T; BYTES_PER_ELEMENT: number },
  length: number,
  name: string,
): T {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== length * Kind.BYTES_PER_ELEMENT) {
    throw new Error(`forest.${name}: ${bytes.length} bytes, expected ${length * Kind.BYTES_PER_ELEMENT}`);
  }
  const copy = new ArrayBuffer(bytes.length);
  new Uint8Array(copy).set(bytes);
  return new Kind(copy);
}

export function forestToJson(forest: FlatForest): FlatForestJson {
  return {
    format: 'lendwise-flat-forest',
    version: 2,
    kind: forest.kind,
    base: forest.base,
    nFeatures: forest.nFeatures,
    nTrees: forest.roots.length,
    nNodes: forest.feature.length,
    roots: encode(forest.roots),
    feature: encode(forest.feature),
    threshold: encode(forest.threshold),
    left: encode(forest.left),
    value: encode(forest.value),
    cover: encode(forest.cover),
  };
}

/** Parses and checks a stored forest: shapes, and every index inside its bounds. */
export function forestFromJson(input: unknown): FlatForest {
  const json = FlatForestJsonSchema.parse(input);
  const n = json.nNodes;
  const forest: FlatForest = {
    kind: json.kind,
    base: json.base,
    nFeatures: json.nFeatures,
    roots: decode(json.roots, Int32Array, json.nTrees, 'roots'),
    feature: decode(json.feature, Int32Array, n, 'feature'),
    threshold: decode(json.threshold, Float64Array, n, 'threshold'),
    left: decode(json.left, Int32Array, n, 'left'),
    value: decode(json.value, Float64Array, n, 'value'),
    cover: decode(json.cover, Float64Array, n, 'cover'),
  };
  for (const r of forest.roots) if (r < 0 || r >= n) throw new Error(`forest.roots: ${r} is outside 0..${n - 1}`);
  for (let i = 0; i < n; i++) {
    const f = forest.feature[i];
    if (f >= json.nFeatures || f < -1) throw new Error(`forest.feature[${i}] = ${f} is outside -1..${json.nFeatures - 1}`);
    // Children always come after their parent, so traversal cannot loop.
    if (f >= 0 && (forest.left[i] <= i || forest.left[i] + 1 >= n)) {
      throw new Error(`forest.left[${i}] = ${forest.left[i]} does not point to two later nodes`);
    }
  }
  return forest;
}
