import { z } from 'zod';
import { clippedLogit } from './calibration.ts';
import { leafSum, type FlatForest } from './flat.ts';
import { logisticLogit, type LogisticModel } from './logistic.ts';

/**
 * Which model decides: the champion chosen on time-ordered validation data. Its raw output is a
 * log-odds, `treeWeight · trees(x) + logisticWeight · logistic(x)`, with non-negative weights, so a
 * blend of monotone parts is monotone too; calibration then maps it to a PD.
 */
export const CHAMPIONS = ['forest', 'boosting', 'logistic', 'blend'] as const;
export type Champion = (typeof CHAMPIONS)[number];

export const DirectionSchema = z.union([z.literal(-1), z.literal(0), z.literal(1)]);

export const ScorerSchema = z
  .object({
    champion: z.enum(CHAMPIONS),
    /** Weight of the tree ensemble's log-odds (forest or boosting). */
    treeWeight: z.number().min(0).max(1),
    /** Weight of the logistic model's log-odds. */
    logisticWeight: z.number().min(0).max(1),
    /** The monotone direction each feature was trained under (+1 risk rises with it, -1 falls, 0 free). */
    directions: z.record(z.string(), DirectionSchema),
  })
  .refine((s) => Math.abs(s.treeWeight + s.logisticWeight - 1) < 1e-9, { message: 'the weights must add up to 1' });
export type Scorer = z.infer<typeof ScorerSchema>;

/** Log-odds of a tree ensemble: σ⁻¹ of a forest's clipped mean, or boosting's margin. */
export function treeLogit(trees: FlatForest, x: ArrayLike<number>, offset = 0): number {
  const sum = leafSum(trees, x, trees.roots.length, offset);
  return trees.kind === 'forest' ? clippedLogit(sum / trees.roots.length) : trees.base + sum;
}

export interface ScorerParts {
  scorer: Scorer;
  trees?: FlatForest;
  logistic: LogisticModel;
}

/** The champion's raw (uncalibrated) log-odds for one feature vector. */
export function rawLogit(parts: ScorerParts, x: ArrayLike<number>, offset = 0): number {
  const { scorer, trees, logistic } = parts;
  let z = 0;
  if (scorer.treeWeight > 0) z += scorer.treeWeight * treeLogit(trees!, x, offset);
  if (scorer.logisticWeight > 0) z += scorer.logisticWeight * logisticLogit(logistic, x, offset);
  return z;
}

/**
 * The champion in a few plain words, for chat and the API.
 *
 * @example describeChampion(scorer, trees) // "a blend of gradient boosting (180 trees) and logistic regression, 60/40"
 */
export function describeChampion(scorer: Scorer, trees?: FlatForest): string {
  const treePart = trees ? `${trees.kind === 'boosting' ? 'gradient boosting' : 'a random forest'} (${trees.roots.length} trees)` : 'trees';
  const constrained = Object.values(scorer.directions).filter((d) => d !== 0).length;
  const monotone = constrained > 0 ? `, monotone in ${constrained} inputs` : '';
  switch (scorer.champion) {
    case 'logistic':
      return `logistic regression${monotone}, calibrated`;
    case 'blend':
      return `a blend of ${treePart} and logistic regression, ${Math.round(scorer.treeWeight * 100)}/${Math.round(scorer.logisticWeight * 100)}${monotone}, calibrated`;
    default:
      return `${treePart}${monotone}, calibrated`;
  }
}
