import { describe, expect, it } from 'vitest';
import { binMatrix, binOf, fitEdges } from '../src/forest/binning.ts';
import { forestFromJson, forestToJson, predictMatrix, predictRow, type FlatForest } from '../src/model/flat.ts';
import { sharedRows } from '../src/forest/pool.ts';
import { mulberry32 } from '../src/forest/rng.ts';
import { trainForest, type ForestParams } from '../src/forest/train.ts';
import { growTree } from '../src/forest/tree.ts';
import { germanCredit } from './helpers.ts';

const params: ForestParams = { nTrees: 20, seed: 11, maxDepth: 64, minSamplesLeaf: 5, maxFeatures: 4, sampleFraction: 1 };

function sameForest(a: FlatForest, b: FlatForest): void {
  expect(Array.from(a.roots)).toEqual(Array.from(b.roots));
  expect(Array.from(a.feature)).toEqual(Array.from(b.feature));
  expect(Array.from(a.threshold)).toEqual(Array.from(b.threshold));
  expect(Array.from(a.left)).toEqual(Array.from(b.left));
  expect(Array.from(a.value)).toEqual(Array.from(b.value));
}

describe('binning', () => {
  it('gives each distinct value its own bin when there are few, cut at midpoints', () => {
    expect(Array.from(fitEdges(Float64Array.from([3, 1, 2, 2, 1, 3]), 256))).toEqual([1.5, 2.5]);
    expect(fitEdges(Float64Array.from([7, 7, 7]), 256).length).toBe(0);
  });

  it('cuts many distinct values into near-equal quantile bins', () => {
    const rng = mulberry32(5);
    const values = Float64Array.from({ length: 10_000 }, () => rng() * 1000);
    const edges = fitEdges(values, 16);
    expect(edges.length).toBe(15);
    const counts = new Array(16).fill(0);
    for (const v of values) counts[binOf(edges, v)]++;
    for (const c of counts) expect(Math.abs(c - 625)).toBeLessThan(20);
  });

  it('"bin <= b" is the same test as "x <= edges[b]"', () => {
    const rng = mulberry32(9);
    const values = Float64Array.from({ length: 2000 }, () => Math.round(rng() * 300) / 7);
    const edges = fitEdges(values, 32);
    for (let k = 0; k < 500; k++) {
      const x = values[k];
      for (let b = 0; b < edges.length; b++) expect(binOf(edges, x) <= b).toBe(x <= edges[b]);
    }
  });

  it('rejects missing values and non-binary labels', () => {
    expect(() => binMatrix(Float64Array.from([1, Number.NaN]), [0, 1], 2, 1)).toThrow(/missing value at row 1/);
    expect(() => binMatrix(Float64Array.from([1, 2]), [0, 2], 2, 1)).toThrow(/expected 0 or 1/);
  });
});

describe('tree growth', () => {
  // A labelled toy problem: one informative feature (bad when x >= 5) and one constant feature.
  const X = Float64Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? Math.floor(i / 2) : 1));
  const y = Array.from({ length: 10 }, (_, i) => (i >= 5 ? 1 : 0));
  const data = binMatrix(X, y, 10, 2);

  it('finds the separating split at the midpoint and pure leaves', () => {
    const tree = growTree(data, { maxDepth: 10, minSamplesLeaf: 1, maxFeatures: 2, sampleFraction: 0 }, 1);
    expect(tree.feature[0]).toBe(0);
    expect(tree.threshold[0]).toBe(4.5);
    expect(Array.from(tree.feature.subarray(1))).toEqual([-1, -1]);
    expect(tree.value[tree.left[0]]).toBe(0);
    expect(tree.value[tree.left[0] + 1]).toBe(1);
    expect(tree.cover[0]).toBe(10);
  });

  it('respects the leaf size and depth limits', async () => {
    const { set, X: gx, nFeatures } = await germanCredit();
    const g = binMatrix(gx, set.y, set.y.length, nFeatures);
    const tree = growTree(g, { maxDepth: 4, minSamplesLeaf: 30, maxFeatures: 5, sampleFraction: 1 }, 3);
    const depth = new Int32Array(tree.feature.length);
    for (let i = 0; i < tree.feature.length; i++) {
      if (tree.feature[i] >= 0) {
        depth[tree.left[i]] = depth[tree.left[i] + 1] = depth[i] + 1;
      } else expect(tree.cover[i]).toBeGreaterThanOrEqual(30);
    }
    expect(Math.max(...depth)).toBeLessThanOrEqual(4);
    expect(Math.max(...depth)).toBeGreaterThanOrEqual(3);
  });

  it('samples features at every split, not once per tree', async () => {
    const { set, X: gx, nFeatures } = await germanCredit();
    const g = binMatrix(gx, set.y, set.y.length, nFeatures);
    const tree = growTree(g, { maxDepth: 8, minSamplesLeaf: 5, maxFeatures: 1, sampleFraction: 1 }, 4);
    const used = new Set(Array.from(tree.feature).filter((f) => f >= 0));
    expect(used.size).toBeGreaterThan(5);
  });
});

describe('forest training', () => {
  it('is deterministic for a seed, whatever the number of workers', async () => {
    const { set, X, nFeatures, train } = await germanCredit();
    const data = binMatrix(X, set.y, set.y.length, nFeatures, 256, train);
    const rows = sharedRows(train);
    const inProcess = await trainForest(data, params, { workers: 0, rows });
    const oneWorker = await trainForest(data, params, { workers: 1, rows });
    const twoWorkers = await trainForest(data, params, { workers: 2, rows });
    sameForest(oneWorker, inProcess);
    sameForest(twoWorkers, inProcess);
    const otherSeed = await trainForest(data, { ...params, seed: 12 }, { workers: 0, rows });
    expect(Array.from(otherSeed.threshold)).not.toEqual(Array.from(inProcess.threshold));
  });

  it("a forest's first k trees are the k-tree forest of the same seed", async () => {
    const { set, X, nFeatures, train } = await germanCredit();
    const data = binMatrix(X, set.y, set.y.length, nFeatures, 256, train);
    const big = await trainForest(data, params, { workers: 0 });
    const small = await trainForest(data, { ...params, nTrees: 7 }, { workers: 0 });
    const x = X.subarray(0, nFeatures);
    expect(predictRow(big, x, 7)).toBe(predictRow(small, x));
  });

  it('predicts probabilities: the mean of leaf bad shares', async () => {
    const { set, X, nFeatures } = await germanCredit();
    const data = binMatrix(X, set.y, set.y.length, nFeatures);
    const forest = await trainForest(data, params, { workers: 0 });
    const p = predictMatrix(forest, X, set.y.length);
    for (const v of p) expect(v >= 0 && v <= 1).toBe(true);
    // On its own training data a forest separates the classes well.
    let meanBad = 0;
    let meanGood = 0;
    set.y.forEach((v, i) => {
      if (v) meanBad += p[i];
      else meanGood += p[i];
    });
    const bads = set.y.reduce((s, v) => s + v, 0);
    expect(meanBad / bads - meanGood / (set.y.length - bads)).toBeGreaterThan(0.3);
  });
});

describe('flat forest storage', () => {
  it('round-trips through JSON with identical predictions', async () => {
    const { set, X, nFeatures } = await germanCredit();
    const data = binMatrix(X, set.y, set.y.length, nFeatures);
    const forest = await trainForest(data, params, { workers: 0 });
    const restored = forestFromJson(JSON.parse(JSON.stringify(forestToJson(forest))));
    sameForest(restored, forest);
    expect(Array.from(predictMatrix(restored, X, set.y.length))).toEqual(Array.from(predictMatrix(forest, X, set.y.length)));
  });

  it('rejects damaged files with the field that is wrong', async () => {
    const { set, X, nFeatures } = await germanCredit();
    const forest = await trainForest(binMatrix(X, set.y, set.y.length, nFeatures), { ...params, nTrees: 2 }, { workers: 0 });
    const json = forestToJson(forest);
    expect(() => forestFromJson({ ...json, nNodes: json.nNodes + 1 })).toThrow(/forest\.feature: .* bytes/);
    expect(() => forestFromJson({ ...json, format: 'other' })).toThrow();
    const badFeature = { ...forest, feature: Int32Array.from(forest.feature, (f, i) => (i === 0 ? 999 : f)) };
    expect(() => forestFromJson(forestToJson(badFeature))).toThrow(/forest\.feature\[0\] = 999/);
    const loop = { ...forest, left: Int32Array.from(forest.left, (l, i) => (i === 0 ? 0 : l)) };
    expect(() => forestFromJson(forestToJson(loop))).toThrow(/forest\.left\[0\]/);
  });
});
