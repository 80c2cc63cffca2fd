import { rocAuc } from '../evaluation/metrics.ts';
import type { Champion } from '../model/scorer.ts';

/**
 * Champion/challenger selection on the validation part: each family's raw log-odds on the same
 * validation rows; the blend mixes the better tree family with the logistic model in log-odds
 * (non-negative weights, so monotone parts stay monotone); the highest validation ROC-AUC wins.
 */

export interface Contender {
  name: Champion;
  /** Raw log-odds on the validation rows. */
  logits: Float64Array;
}

export interface BlendChoice {
  treeFamily: 'forest' | 'boosting';
  treeWeight: number;
  auc: number;
  logits: Float64Array;
}

export const BLEND_WEIGHTS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/** The weight on the tree family (the better of forest and boosting on validation) that ranks best. */
export function chooseBlend(y: ArrayLike<number>, forest: Float64Array, boosting: Float64Array, logistic: Float64Array): BlendChoice {
  const treeFamily = rocAuc(y, boosting) >= rocAuc(y, forest) ? 'boosting' : 'forest';
  const trees = treeFamily === 'boosting' ? boosting : forest;
  let best: BlendChoice | undefined;
  for (const w of BLEND_WEIGHTS) {
    const logits = trees.map((t, i) => w * t + (1 - w) * logistic[i]);
    const auc = rocAuc(y, logits);
    if (!best || auc > best.auc + 1e-12) best = { treeFamily, treeWeight: w, auc, logits };
  }
  return best!;
}

/** The contender with the highest validation ROC-AUC (ties: the earlier, simpler one in the list). */
export function chooseChampion(y: ArrayLike<number>, contenders: readonly Contender[]): { champion: Contender; aucs: Record<string, number> } {
  const aucs = Object.fromEntries(contenders.map((c) => [c.name, rocAuc(y, c.logits)]));
  const champion = contenders.reduce((best, c) => (aucs[c.name] > aucs[best.name] + 1e-12 ? c : best));
  return { champion, aucs };
}
