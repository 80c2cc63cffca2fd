import { mulberry32, permutation } from '../forest/rng.ts';

export const SPLITS = ['head', 'tail', 'random'] as const;
export type SplitKind = (typeof SPLITS)[number];

export interface HoldoutSplit {
  train: Uint32Array;
  test: Uint32Array;
}

/**
 * Hold-out test rows. `head`: the first rows are the test set (LendingClub files list the newest loans
 * first, so this is out-of-time); `tail`: the last rows; `random`: a seeded stratified draw.
 */
export function holdoutSplit(y: ArrayLike<number>, testFraction: number, kind: SplitKind, seed: number): HoldoutSplit {
  const n = y.length;
  const nTest = Math.round(n * testFraction);
  if (nTest < 1 || nTest >= n) throw new Error(`test fraction ${testFraction} leaves no train or no test rows`);
  const range = (from: number, to: number) => Uint32Array.from({ length: to - from }, (_, i) => from + i);
  if (kind === 'head') return { test: range(0, nTest), train: range(nTest, n) };
  if (kind === 'tail') return { train: range(0, n - nTest), test: range(n - nTest, n) };
  const folds = stratifiedFolds(y, range(0, n), Math.round(1 / testFraction), seed);
  const test = folds[0].sort();
  const inTest = new Uint8Array(n);
  for (const r of test) inTest[r] = 1;
  return { test, train: range(0, n).filter((r) => !inTest[r]) };
}

/** k folds of `rows`, each with the same share of bads (seeded, deterministic). */
export function stratifiedFolds(y: ArrayLike<number>, rows: Uint32Array, k: number, seed: number): Uint32Array[] {
  const rng = mulberry32(seed);
  const folds: number[][] = Array.from({ length: k }, () => []);
  for (const cls of [0, 1]) {
    const members = rows.filter((r) => y[r] === cls);
    const order = permutation(members.length, rng);
    order.forEach((o, i) => folds[i % k].push(members[o]));
  }
  return folds.map((f) => Uint32Array.from(f).sort());
}
