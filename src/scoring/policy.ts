import { z } from 'zod';

/** PD cut-offs of the decision policy. Lenders change them later (stored in the database). */
export const DecisionCutoffsSchema = z
  .object({
    /** PD below this: approve. */
    approveBelow: z.number().gt(0).lt(1),
    /** PD at or above this: decline. In between: refer to a person. */
    declineAtOrAbove: z.number().gt(0).lt(1),
  })
  .refine((c) => c.approveBelow <= c.declineAtOrAbove, {
    message: 'approveBelow must not exceed declineAtOrAbove',
    path: ['approveBelow'],
  });
export type DecisionCutoffs = z.infer<typeof DecisionCutoffsSchema>;

export const DEFAULT_CUTOFFS: DecisionCutoffs = { approveBelow: 0.12, declineAtOrAbove: 0.25 };

export type Decision = 'approve' | 'refer' | 'decline';

export function decide(pd: number, cutoffs: DecisionCutoffs = DEFAULT_CUTOFFS): Decision {
  if (pd >= cutoffs.declineAtOrAbove) return 'decline';
  return pd < cutoffs.approveBelow ? 'approve' : 'refer';
}
