/**
 * Discrimination and calibration metrics for a binary default model. `y` is 1 for bad, `p` the
 * predicted probability of bad. Ties in p are handled exactly (grouped), never by input order.
 */

function check(y: ArrayLike<number>, p: ArrayLike<number>): void {
  if (y.length !== p.length) throw new Error(`y has ${y.length} values, p has ${p.length}`);
  if (y.length === 0) throw new Error('no observations');
}

function counts(y: ArrayLike<number>): { pos: number; neg: number } {
  let pos = 0;
  for (let i = 0; i < y.length; i++) pos += y[i] === 1 ? 1 : 0;
  return { pos, neg: y.length - pos };
}

/** Indices sorted by p descending (stable). */
function byScoreDesc(p: ArrayLike<number>): number[] {
  return Array.from({ length: p.length }, (_, i) => i).sort((a, b) => p[b] - p[a] || a - b);
}

/** Points of the ROC curve (FPR, TPR), one per distinct threshold, from (0,0) to (1,1). */
export function rocCurve(y: ArrayLike<number>, p: ArrayLike<number>): { fpr: number[]; tpr: number[]; thresholds: number[] } {
  check(y, p);
  const { pos, neg } = counts(y);
  if (pos === 0 || neg === 0) throw new Error('ROC needs both classes');
  const order = byScoreDesc(p);
  const fpr = [0];
  const tpr = [0];
  const thresholds = [Infinity];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    if (y[i] === 1) tp++;
    else fp++;
    if (k + 1 === order.length || p[order[k + 1]] !== p[i]) {
      fpr.push(fp / neg);
      tpr.push(tp / pos);
      thresholds.push(p[i]);
    }
  }
  return { fpr, tpr, thresholds };
}

/** Area under the ROC curve (trapezoids over distinct thresholds = Mann–Whitney with ties at ½). */
export function rocAuc(y: ArrayLike<number>, p: ArrayLike<number>): number {
  const { fpr, tpr } = rocCurve(y, p);
  let area = 0;
  for (let k = 1; k < fpr.length; k++) area += ((fpr[k] - fpr[k - 1]) * (tpr[k] + tpr[k - 1])) / 2;
  return area;
}

export const gini = (auc: number): number => 2 * auc - 1;

/** Kolmogorov–Smirnov statistic: the largest gap between the bad and good score distributions. */
export function ks(y: ArrayLike<number>, p: ArrayLike<number>): number {
  const { fpr, tpr } = rocCurve(y, p);
  let best = 0;
  for (let k = 0; k < fpr.length; k++) best = Math.max(best, Math.abs(tpr[k] - fpr[k]));
  return best;
}

/** Precision–recall points, one per distinct threshold. */
export function prCurve(y: ArrayLike<number>, p: ArrayLike<number>): { recall: number[]; precision: number[] } {
  check(y, p);
  const { pos } = counts(y);
  if (pos === 0) throw new Error('precision–recall needs at least one bad');
  const order = byScoreDesc(p);
  const recall: number[] = [];
  const precision: number[] = [];
  let tp = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    if (y[i] === 1) tp++;
    if (k + 1 === order.length || p[order[k + 1]] !== p[i]) {
      recall.push(tp / pos);
      precision.push(tp / (k + 1));
    }
  }
  return { recall, precision };
}

/** PR-AUC as average precision: Σ (R_k − R_{k−1}) · P_k over distinct thresholds. */
export function averagePrecision(y: ArrayLike<number>, p: ArrayLike<number>): number {
  const { recall, precision } = prCurve(y, p);
  let ap = 0;
  let previous = 0;
  for (let k = 0; k < recall.length; k++) {
    ap += (recall[k] - previous) * precision[k];
    previous = recall[k];
  }
  return ap;
}

export function brier(y: ArrayLike<number>, p: ArrayLike<number>): number {
  check(y, p);
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (p[i] - y[i]) ** 2;
  return s / y.length;
}

export function logLoss(y: ArrayLike<number>, p: ArrayLike<number>, eps = 1e-15): number {
  check(y, p);
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const q = Math.min(1 - eps, Math.max(eps, p[i]));
    s -= y[i] === 1 ? Math.log(q) : Math.log(1 - q);
  }
  return s / y.length;
}

export interface ConfusionMatrix {
  threshold: number;
  /** Predicted bad (PD >= threshold) and was bad. */
  truePositive: number;
  falsePositive: number;
  trueNegative: number;
  falseNegative: number;
  precision: number;
  recall: number;
  specificity: number;
  accuracy: number;
}

/** Confusion matrix when every PD at or above `threshold` is called bad (declined). */
export function confusionAt(y: ArrayLike<number>, p: ArrayLike<number>, threshold: number): ConfusionMatrix {
  check(y, p);
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < y.length; i++) {
    const flagged = p[i] >= threshold;
    if (y[i] === 1) flagged ? tp++ : fn++;
    else flagged ? fp++ : tn++;
  }
  const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
  return {
    threshold,
    truePositive: tp,
    falsePositive: fp,
    trueNegative: tn,
    falseNegative: fn,
    precision: ratio(tp, tp + fp),
    recall: ratio(tp, tp + fn),
    specificity: ratio(tn, tn + fp),
    accuracy: (tp + tn) / y.length,
  };
}

export interface CalibrationBin {
  bin: number;
  count: number;
  minPd: number;
  maxPd: number;
  meanPd: number;
  observedRate: number;
}

/** Calibration table: rows sorted by PD into `bins` groups of (nearly) equal size. */
export function calibrationTable(y: ArrayLike<number>, p: ArrayLike<number>, bins = 10): CalibrationBin[] {
  check(y, p);
  const order = Array.from({ length: p.length }, (_, i) => i).sort((a, b) => p[a] - p[b] || a - b);
  const table: CalibrationBin[] = [];
  for (let b = 0; b < bins; b++) {
    const from = Math.floor((b * order.length) / bins);
    const to = Math.floor(((b + 1) * order.length) / bins);
    if (to <= from) continue;
    let sumP = 0;
    let bad = 0;
    for (let k = from; k < to; k++) {
      sumP += p[order[k]];
      bad += y[order[k]];
    }
    table.push({
      bin: b + 1,
      count: to - from,
      minPd: p[order[from]],
      maxPd: p[order[to - 1]],
      meanPd: sumP / (to - from),
      observedRate: bad / (to - from),
    });
  }
  return table;
}

export interface BinaryMetrics {
  n: number;
  badRate: number;
  rocAuc: number;
  prAuc: number;
  gini: number;
  ks: number;
  brier: number;
  logLoss: number;
  meanPd: number;
}

export function binaryMetrics(y: ArrayLike<number>, p: ArrayLike<number>): BinaryMetrics {
  const auc = rocAuc(y, p);
  let meanPd = 0;
  for (let i = 0; i < p.length; i++) meanPd += p[i];
  return {
    n: y.length,
    badRate: counts(y).pos / y.length,
    rocAuc: auc,
    prAuc: averagePrecision(y, p),
    gini: gini(auc),
    ks: ks(y, p),
    brier: brier(y, p),
    logLoss: logLoss(y, p),
    meanPd: meanPd / p.length,
  };
}
