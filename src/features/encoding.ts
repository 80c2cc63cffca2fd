import { z } from 'zod';

/**
 * Categorical levels encoded as the smoothed log-odds of "bad" in the training data: one ordered
 * number per level that both the forest (by order) and the logistic baseline (by value) can use.
 */
export const CategoryEncodingSchema = z.object({
  levels: z.record(z.string(), z.number()),
  /** Used for a level never seen in training: the overall log-odds. */
  unseen: z.number(),
});
export type CategoryEncoding = z.infer<typeof CategoryEncodingSchema>;

/** How many pseudo-observations of the overall rate each level is shrunk towards. */
const PRIOR_STRENGTH = 20;

export function fitCategoryEncoding(values: readonly string[], bad: ArrayLike<number>): CategoryEncoding {
  let totalBad = 0;
  const counts = new Map<string, { n: number; bad: number }>();
  for (let i = 0; i < values.length; i++) {
    const c = counts.get(values[i]) ?? { n: 0, bad: 0 };
    c.n += 1;
    c.bad += bad[i];
    totalBad += bad[i];
    counts.set(values[i], c);
  }
  const rate = (totalBad + 0.5) / (values.length + 1);
  const levels: Record<string, number> = {};
  for (const [level, c] of [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const badPart = c.bad + PRIOR_STRENGTH * rate;
    const goodPart = c.n - c.bad + PRIOR_STRENGTH * (1 - rate);
    levels[level] = Math.log(badPart / goodPart);
  }
  return { levels, unseen: Math.log(rate / (1 - rate)) };
}

export function encodeCategory(encoding: CategoryEncoding, value: string | undefined): number {
  if (value === undefined) return encoding.unseen;
  return Object.hasOwn(encoding.levels, value) ? encoding.levels[value] : encoding.unseen;
}

/** Median of the finite values, or `fallback` when there are none. */
export function median(values: readonly number[], fallback = 0): number {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) return fallback;
  const mid = finite.length >> 1;
  return finite.length % 2 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
}
