import { describe, expect, it } from 'vitest';
import { binMatrix } from '../src/forest/binning.ts';
import { TreePool } from '../src/forest/pool.ts';
import { DEFAULT_HALVING, gridSearch, halvingSchedule, type Grid } from '../src/training/grid.ts';
import { germanCredit } from './helpers.ts';

/** Successive halving: fewer forests grown, the same or an equally good choice as the full grid. */
describe('forest search by successive halving', () => {
  it('triples the rows as it thirds the settings, and stops before a round with one survivor', () => {
    expect(halvingSchedule(150_000, 18, DEFAULT_HALVING)).toEqual([
      { rows: 5556, keep: 18 },
      { rows: 16667, keep: 6 },
      { rows: 50000, keep: 2 },
    ]);
    expect(halvingSchedule(10_738, 18, DEFAULT_HALVING)).toEqual([
      { rows: 3579, keep: 18 },
      { rows: 10738, keep: 6 },
    ]);
    expect(halvingSchedule(1_000, 18, DEFAULT_HALVING)).toEqual([{ rows: 1000, keep: 18 }]);
    expect(halvingSchedule(150_000, 18, false)).toEqual([{ rows: 150000, keep: 18 }]);
  });

  it("chooses a setting as good as the full grid's (within CV noise), growing far fewer trees, with encodings fitted per fold", async () => {
    const { set, train } = await germanCredit();
    const prepare = (fitRows: Uint32Array) => {
      const { X, nFeatures } = set.vectorise(set.fitSpec(fitRows));
      return { X, data: binMatrix(X, set.y, set.y.length, nFeatures, 256, fitRows) };
    };
    const grid: Grid = { nTrees: [50, 100], maxFeatures: [2, 4, 8], minSamplesLeaf: [5, 20, 50], maxDepth: [8, 64] };
    const pool = TreePool.create(2);
    try {
      const full = await gridSearch({ pool, y: set.y, rows: train, prepare, grid, folds: 3, seed: 3, halving: false });
      const halving = await gridSearch({ pool, y: set.y, rows: train, prepare, grid, folds: 3, seed: 3, halving: { factor: 3, minRows: 200 } });
      expect(halving.rounds.length).toBeGreaterThan(1);
      // Work (rows × settings) against every setting on every row.
      const work = (r: typeof halving.rounds) => r.reduce((s, x) => s + x.rows * x.settings, 0);
      expect(work(halving.rounds)).toBeLessThan(0.7 * work(full.rounds));
      // The halving's choice, scored on all rows by the full grid's own cross-validation.
      const same = full.points.find(
        (p) => JSON.stringify({ ...p.params, monotone: undefined }) === JSON.stringify({ ...halving.best.params, monotone: undefined }),
      )!;
      expect(same).toBeDefined();
      expect(same.meanAuc).toBeGreaterThanOrEqual(full.best.meanAuc - (2 * full.best.sdAuc) / Math.sqrt(3));
    } finally {
      await pool.close();
    }
  });
});
