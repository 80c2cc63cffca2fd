import { assertBothClasses, stratifiedParts, type SplitKind } from './split.ts';

/**
 * The validation part the model families compete on: the newest training rows when the file is in
 * time order (so the champion is the one that ages best), a stratified random share otherwise.
 * Never touches the test part.
 */
export interface ValidationSplit {
  /** Older training rows: every candidate is fitted on these. */
  fit: Uint32Array;
  /** Newest training rows: candidates are compared, blended, stopped early and calibrated on these. */
  valid: Uint32Array;
}

/**
 * @example validationSplit('head', train, y, 0.2, 42) // head files list the newest rows first
 */
export function validationSplit(kind: SplitKind, train: Uint32Array, y: ArrayLike<number>, fraction: number, seed: number): ValidationSplit {
  const n = train.length;
  const k = Math.round(n * fraction);
  if (k < 1 || k >= n) throw new Error(`validation fraction ${fraction} leaves no fitting or no validation rows out of ${n}`);
  const split = ((): ValidationSplit => {
    if (kind === 'head') return { valid: train.slice(0, k), fit: train.slice(k) };
    if (kind === 'tail') return { fit: train.slice(0, n - k), valid: train.slice(n - k) };
    const valid = stratifiedParts(y, train, Math.max(2, Math.round(1 / fraction)), seed ^ 0x2545f491)[0];
    const inValid = new Set(valid);
    return { fit: train.filter((r) => !inValid.has(r)), valid };
  })();
  const hint = 'the families are compared on it; use more data or --split random';
  assertBothClasses(
    y,
    split.valid,
    `the validation part (${kind === 'random' ? 'a random' : 'the newest'} ${Math.round(fraction * 100)}% of the training rows)`,
    hint,
  );
  assertBothClasses(y, split.fit, 'the fitting part of the training rows', hint);
  return split;
}
