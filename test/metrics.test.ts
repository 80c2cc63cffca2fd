import { describe, expect, it } from 'vitest';
import { averagePrecision, binaryMetrics, brier, calibrationTable, confusionAt, ks, logLoss, rocAuc } from '../src/evaluation/metrics.ts';

// Hand-checked case: 3 bads, 3 goods.
const y = [1, 0, 1, 0, 1, 0];
const p = [0.9, 0.8, 0.7, 0.3, 0.2, 0.1];

describe('metrics on hand-checked cases', () => {
  it('ROC-AUC counts correctly ordered bad/good pairs, ties as one half', () => {
    // Pairs (bad, good) with bad ranked higher: 0.9 beats 3, 0.7 beats 2, 0.2 beats 1 → 6 of 9.
    expect(rocAuc(y, p)).toBeCloseTo(6 / 9, 12);
    expect(rocAuc([1, 0], [0.5, 0.5])).toBeCloseTo(0.5, 12);
    expect(rocAuc([1, 1, 0, 0], [0.9, 0.4, 0.4, 0.1])).toBeCloseTo((2 + 1 + 0.5) / 4, 12);
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4])).toBe(1);
  });

  it('KS is the largest gap between the cumulative bad and good shares', () => {
    // After 0.9: 1/3 vs 0; after 0.7: 2/3 vs 1/3; after 0.2: 1 vs 2/3 → gap 1/3 at most.
    expect(ks(y, p)).toBeCloseTo(1 / 3, 12);
    expect(ks([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4])).toBe(1);
  });

  it('average precision sums precision at each new recall level', () => {
    // Bads at ranks 1, 3, 5: (1/1 + 2/3 + 3/5) / 3.
    expect(averagePrecision(y, p)).toBeCloseTo((1 + 2 / 3 + 3 / 5) / 3, 12);
  });

  it('Brier and log loss', () => {
    expect(brier([1, 0], [0.8, 0.4])).toBeCloseTo((0.04 + 0.16) / 2, 12);
    expect(logLoss([1, 0], [0.8, 0.4])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.6)) / 2, 12);
    expect(Number.isFinite(logLoss([1], [0]))).toBe(true);
  });

  it('confusion matrix at a threshold (PD at or above it is declined)', () => {
    const c = confusionAt(y, p, 0.7);
    expect(c).toMatchObject({ truePositive: 2, falsePositive: 1, trueNegative: 2, falseNegative: 1 });
    expect(c.precision).toBeCloseTo(2 / 3, 12);
    expect(c.recall).toBeCloseTo(2 / 3, 12);
  });

  it('calibration table groups by predicted PD into equal-size bins', () => {
    const table = calibrationTable(y, p, 3);
    expect(table.map((b) => b.count)).toEqual([2, 2, 2]);
    expect(table[0].meanPd).toBeCloseTo(0.15, 12);
    expect(table[0].observedRate).toBeCloseTo(0.5, 12);
    expect(table[2].meanPd).toBeCloseTo(0.85, 12);
    expect(table[2].observedRate).toBeCloseTo(0.5, 12);
  });

  it('binaryMetrics ties them together, with Gini = 2·AUC − 1', () => {
    const m = binaryMetrics(y, p);
    expect(m.gini).toBeCloseTo(2 * m.rocAuc - 1, 12);
    expect(m.badRate).toBe(0.5);
    expect(m.n).toBe(6);
  });

  it('refuses mismatched or one-class input', () => {
    expect(() => rocAuc([1, 0], [0.5])).toThrow(/y has 2/);
    expect(() => rocAuc([0, 0], [0.1, 0.2])).toThrow(/both classes/);
  });
});
