/**
 * Less-discriminatory alternative (LDA) search: among candidate models (families × feature sets)
 * whose AUC is within a stated tolerance of the best candidate's, the one whose decisions have the
 * highest adverse impact ratio (up to parity, 1: beyond it the more accurate candidate). The best model is itself a candidate within tolerance, so the chosen
 * one's AIR is never below the best model's. The protected attribute is never a model input: every
 * candidate's features are checked before it counts.
 */

export const DEFAULT_AUC_TOLERANCE = 0.005;

export interface LdaCandidate {
  /** e.g. "boosting · without lvrat". */
  name: string;
  family: string;
  /** The input columns left out of this candidate (beyond the group and any excluded columns). */
  dropped: readonly string[];
  /** The model's features, as it sees them. */
  features: readonly string[];
  /** Discrimination (ROC-AUC) on rows the model did not train on. */
  auc: number;
  /** The lowest adverse impact ratio over the groups compared, at the common approval rate. */
  air: number;
}

export interface LdaResult<C extends LdaCandidate> {
  tolerance: number;
  /** The highest AUC (ties: the earlier candidate). */
  best: C;
  /** Within tolerance of the best AUC, the highest AIR, counted up to 1 (ties: the higher AUC, then the earlier). */
  chosen: C;
  /** Candidates within tolerance, in the order given. */
  eligible: C[];
  candidates: C[];
}

/** Throws unless the group column (and any feature derived from it, such as its missing flag) is absent from `features`. */
export function assertGroupNotAnInput(features: readonly string[], group: string, model = 'a candidate model'): void {
  const derived = features.filter((f) => f === group || f === `${group}_missing`);
  if (derived.length > 0)
    throw new Error(`the group column "${group}" is an input of ${model} (${derived.join(', ')}): the protected attribute may never be a model input`);
}

export function searchLda<C extends LdaCandidate>(candidates: readonly C[], options: { group: string; tolerance?: number }): LdaResult<C> {
  const tolerance = options.tolerance ?? DEFAULT_AUC_TOLERANCE;
  if (!(tolerance >= 0)) throw new Error(`the AUC tolerance must be 0 or more, got ${tolerance}`);
  if (candidates.length === 0) throw new Error('no candidate models to search');
  for (const c of candidates) {
    assertGroupNotAnInput(c.features, options.group, c.name);
    if (!Number.isFinite(c.auc) || !Number.isFinite(c.air)) throw new Error(`candidate ${c.name} has no AUC or no AIR`);
  }
  const best = candidates.reduce((b, c) => (c.auc > b.auc ? c : b));
  // A hair of slack so that a candidate exactly at the tolerance is not lost to rounding.
  const eligible = candidates.filter((c) => c.auc >= best.auc - tolerance - 1e-12);
  // AIR counts up to parity (1): past it no group is disadvantaged, and the more accurate candidate wins.
  const fairness = (c: C) => Math.min(c.air, 1);
  const chosen = eligible.reduce((b, c) => (fairness(c) > fairness(b) || (fairness(c) === fairness(b) && c.auc > b.auc) ? c : b));
  return { tolerance, best, chosen, eligible, candidates: [...candidates] };
}
