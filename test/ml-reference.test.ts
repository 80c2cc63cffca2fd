import { beforeAll, describe, expect, it } from 'vitest';
import { RandomForestClassifier } from 'ml-random-forest';
import { binMatrix } from '../src/forest/binning.ts';
import { predictRow } from '../src/model/flat.ts';
import { importMlRandomForest, nextDown } from '../src/forest/import-ml.ts';
import { sharedRows } from '../src/forest/pool.ts';
import { trainForest } from '../src/forest/train.ts';
import { rocAuc } from '../src/evaluation/metrics.ts';
import { germanCredit, rowsOf } from './helpers.ts';

// ml-random-forest / ml-cart are the reference implementation; German Credit is small enough for them.
const TREES = 31;
let ctx: Awaited<ReturnType<typeof germanCredit>>;
let ml: RandomForestClassifier;
let Xte: number[][];
let yte: number[];
let mlShare: number[];

const accuracy = (classes: number[]) => classes.filter((c, i) => c === yte[i]).length / yte.length;

beforeAll(async () => {
  ctx = await germanCredit();
  const Xtr = rowsOf(ctx.X, ctx.nFeatures, ctx.train);
  Xte = rowsOf(ctx.X, ctx.nFeatures, ctx.test);
  yte = Array.from(ctx.test, (r) => ctx.set.y[r]);
  ml = new RandomForestClassifier({ nEstimators: TREES, maxFeatures: 0.5, replacement: false, seed: 3, noOOB: true, treeOptions: { maxDepth: 8 } });
  ml.train(
    Xtr,
    Array.from(ctx.train, (r) => ctx.set.y[r]),
  );
  // The true vote share (ml-random-forest's own predictProbability drops tree #0's vote).
  const votes = ml.predictionValues(Xte);
  mlShare = Xte.map((_, i) => votes.getRow(i).filter((v: number) => v === 1).length / TREES);
}, 120_000);

describe('our forest against ml-random-forest on the same data', () => {
  it('is at least as accurate and ranks at least as well on held-out rows', async () => {
    const data = binMatrix(ctx.X, ctx.set.y, ctx.set.y.length, ctx.nFeatures, 256, ctx.train);
    const forest = await trainForest(
      data,
      { nTrees: TREES, seed: 3, maxDepth: 64, minSamplesLeaf: 5, maxFeatures: 4, sampleFraction: 1 },
      { workers: 0, rows: sharedRows(ctx.train) },
    );
    const ours = Xte.map((x) => predictRow(forest, x));
    const oursAuc = rocAuc(yte, ours);
    const theirAuc = rocAuc(yte, mlShare);
    expect(oursAuc).toBeGreaterThanOrEqual(theirAuc);
    expect(accuracy(ours.map((p) => (p >= 0.5 ? 1 : 0)))).toBeGreaterThanOrEqual(accuracy(ml.predict(Xte)));
    expect(oursAuc).toBeGreaterThan(0.75); // and both are far from chance
    expect(theirAuc).toBeGreaterThan(0.7);
  });
});

describe('importing an ml-random-forest model', () => {
  it('gives identical predictions after a JSON round trip', () => {
    const saved = JSON.parse(JSON.stringify(ml.toJSON()));
    const flat = importMlRandomForest(saved, ctx.nFeatures);
    expect(flat.roots.length).toBe(TREES);
    const share = Xte.map((x) => predictRow(flat, x));
    expect(share).toEqual(mlShare);
    expect(share.map((s) => (s >= 0.5 ? 1 : 0))).toEqual(ml.predict(Xte));
    // Also on the training rows, where many values sit exactly on split points.
    const Xtr = rowsOf(ctx.X, ctx.nFeatures, ctx.train);
    expect(Xtr.map((x) => (predictRow(flat, x) >= 0.5 ? 1 : 0))).toEqual(ml.predict(Xtr));
  });

  it('keeps ml-cart\'s strict "<" split exactly with nextDown', () => {
    for (const v of [1, 0.1, -3.5, 1e-300, 12345.678]) {
      const t = nextDown(v);
      expect(t).toBeLessThan(v);
      expect(v <= t).toBe(false);
      expect(Number.isFinite(t)).toBe(true);
    }
    expect(nextDown(0)).toBe(-Number.MIN_VALUE);
  });

  it('refuses malformed or multi-class models with a clear message', () => {
    expect(() => importMlRandomForest({ name: 'DTClassifier' }, 3)).toThrow();
    const saved = JSON.parse(JSON.stringify(ml.toJSON()));
    expect(() => importMlRandomForest(saved, 2)).toThrow(/uses feature \d+, but the data has 2/);
    const leaf = { distribution: [[0.2, 0.3, 0.5]] };
    const multi = { name: 'RFClassifier', baseModel: { isClassifier: true, indexes: [[0]], estimators: [{ name: 'DTClassifier', root: leaf }] } };
    expect(() => importMlRandomForest(multi, 1)).toThrow(/only binary/);
  });
});
