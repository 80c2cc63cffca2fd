/**
 * Quantile binning: each feature's values are cut into at most `maxBins` bins once, so that split
 * search works on small histograms instead of re-sorting rows. A value x falls in bin b when
 * edges[b-1] < x <= edges[b]; a split "bin <= b" is the same test as "x <= edges[b]" on raw values,
 * so scoring needs no binning.
 */

export interface BinnedData {
  nRows: number;
  nFeatures: number;
  /** Row-major bin indices (row * nFeatures + feature), in shared memory for the workers. */
  bins: Uint8Array;
  /** Class labels 0/1, shared. */
  y: Uint8Array;
  /** Per feature: the bin upper edges (one fewer than its number of bins). */
  edges: Float64Array[];
}

export const MAX_BINS = 256;

/** Fits bin edges for one feature from its values (NaN not allowed: impute first). */
export function fitEdges(values: Float64Array, maxBins: number): Float64Array {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  const distinct: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i > 0 && sorted[i] === sorted[i - 1]) counts[counts.length - 1]++;
    else {
      distinct.push(sorted[i]);
      counts.push(1);
    }
  }
  const edges: number[] = [];
  if (distinct.length <= maxBins) {
    for (let i = 0; i + 1 < distinct.length; i++) edges.push(midpoint(distinct[i], distinct[i + 1]));
    return Float64Array.from(edges);
  }
  // Close a bin each time the running count passes the next 1/maxBins quantile.
  let cumulative = 0;
  let nextCut = n / maxBins;
  for (let i = 0; i + 1 < distinct.length && edges.length < maxBins - 1; i++) {
    cumulative += counts[i];
    if (cumulative >= nextCut) {
      edges.push(midpoint(distinct[i], distinct[i + 1]));
      while (nextCut <= cumulative) nextCut += n / maxBins;
    }
  }
  return Float64Array.from(edges);
}

function midpoint(a: number, b: number): number {
  const m = a + (b - a) / 2;
  return m < b ? m : a;
}

/** Index of the bin holding x: the first b with x <= edges[b], else edges.length. */
export function binOf(edges: Float64Array, x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x <= edges[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function sharedBytes(length: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(Math.max(1, length)), 0, length);
}

/**
 * Bins a row-major feature matrix. Edges are fitted from `fitRows` when given (the training part
 * only), otherwise from all rows.
 */
export function binMatrix(X: Float64Array, y: ArrayLike<number>, nRows: number, nFeatures: number, maxBins = MAX_BINS, fitRows?: Uint32Array): BinnedData {
  if (X.length !== nRows * nFeatures) throw new Error(`matrix has ${X.length} values, expected ${nRows}×${nFeatures}`);
  if (maxBins < 2 || maxBins > MAX_BINS) throw new Error(`maxBins must be within 2..${MAX_BINS}`);
  const edges: Float64Array[] = [];
  const fitCount = fitRows ? fitRows.length : nRows;
  const column = new Float64Array(fitCount);
  for (let f = 0; f < nFeatures; f++) {
    for (let i = 0; i < fitCount; i++) {
      const v = X[(fitRows ? fitRows[i] : i) * nFeatures + f];
      if (Number.isNaN(v)) throw new Error(`feature ${f} has a missing value at row ${fitRows ? fitRows[i] : i}: impute before training`);
      column[i] = v;
    }
    edges.push(fitEdges(column, maxBins));
  }
  const bins = sharedBytes(nRows * nFeatures);
  for (let r = 0; r < nRows; r++) {
    for (let f = 0; f < nFeatures; f++) bins[r * nFeatures + f] = binOf(edges[f], X[r * nFeatures + f]);
  }
  const labels = sharedBytes(nRows);
  for (let r = 0; r < nRows; r++) {
    const v = y[r];
    if (v !== 0 && v !== 1) throw new Error(`label at row ${r} is ${v}: expected 0 or 1`);
    labels[r] = v;
  }
  return { nRows, nFeatures, bins, y: labels, edges };
}
