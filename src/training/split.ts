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
 * Throws when the test rows or the training rows lack bad or good rows (nothing could be measured).
 */
export function holdoutSplit(y: ArrayLike<number>, testFraction: number, kind: SplitKind, seed: number): HoldoutSplit {
  const n = y.length;
  const nTest = Math.round(n * testFraction);
  if (nTest < 1 || nTest >= n) throw new Error(`test fraction ${testFraction} leaves no train or no test rows`);
  const range = (from: number, to: number) => Uint32Array.from({ length: to - from }, (_, i) => from + i);
  let split: HoldoutSplit;
  if (kind === 'head') split = { test: range(0, nTest), train: range(nTest, n) };
  else if (kind === 'tail') split = { train: range(0, n - nTest), test: range(n - nTest, n) };
  else {
    const test = stratifiedParts(y, range(0, n), Math.round(1 / testFraction), seed)[0].sort();
    const inTest = new Uint8Array(n);
    for (const r of test) inTest[r] = 1;
    split = { test, train: range(0, n).filter((r) => !inTest[r]) };
  }
  checkHoldout(y, split, testFraction, kind);
  return split;
}

function checkHoldout(y: ArrayLike<number>, { train, test }: HoldoutSplit, testFraction: number, kind: SplitKind): void {
  const where = kind === 'head' ? `the first ${test.length} rows` : kind === 'tail' ? `the last ${test.length} rows` : `a random ${test.length} rows`;
  const hint = kind === 'random' ? 'use more data' : 'use --split random, another --test-fraction or more data';
  assertBothClasses(y, test, `the test set (${where}, --test-fraction ${testFraction})`, hint);
  assertBothClasses(y, train, 'the training part', hint);
}

/** Throws "`part` has no bad rows; `hint`" (or no good rows) unless `rows` hold both classes. */
export function assertBothClasses(y: ArrayLike<number>, rows: ArrayLike<number>, part: string, hint: string): void {
  const nBad = countBad(y, rows);
  if (nBad === 0) throw new Error(`${part} has no bad rows; ${hint}`);
  if (nBad === rows.length) throw new Error(`${part} has no good rows; ${hint}`);
}

const countBad = (y: ArrayLike<number>, rows: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < rows.length; i++) s += y[rows[i]] === 1 ? 1 : 0;
  return s;
};

/**
 * k folds of `rows`, each with the same share of bads (seeded, deterministic). Throws when a fold
 * would have no bad or no good rows: its held-out AUC could not be measured.
 */
export function stratifiedFolds(y: ArrayLike<number>, rows: Uint32Array, k: number, seed: number): Uint32Array[] {
  const folds = stratifiedParts(y, rows, k, seed);
  const nBad = countBad(y, rows);
  for (const [cls, name, count] of [
    [1, 'bad', nBad],
    [0, 'good', rows.length - nBad],
  ] as const) {
    const empty = folds.findIndex((f) => !f.some((r) => y[r] === cls));
    if (empty >= 0) {
      throw new Error(
        `fold ${empty + 1} of ${k} has no ${name} rows: ${count} ${name} row${count === 1 ? '' : 's'} ${count === 1 ? 'is' : 'are'} too few for ${k} folds; use fewer --folds or more data`,
      );
    }
  }
  return folds;
}

/**
 * k parts of `rows` with the same share of bads: each class's rows, in seeded random order, dealt
 * round the parts. Unchecked, for hold-out draws (part 0 held out): check the parts you keep with
 * `assertBothClasses`. Cross-validation folds come from `stratifiedFolds`, which checks every fold.
 */
export function stratifiedParts(y: ArrayLike<number>, rows: Uint32Array, k: number, seed: number): Uint32Array[] {
  const rng = mulberry32(seed);
  const folds: number[][] = Array.from({ length: k }, () => []);
  for (const cls of [0, 1]) {
    const members = rows.filter((r) => y[r] === cls);
    const order = permutation(members.length, rng);
    order.forEach((o, i) => folds[i % k].push(members[o]));
  }
  return folds.map((f) => Uint32Array.from(f).sort());
}
