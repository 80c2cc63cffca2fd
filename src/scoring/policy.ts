import { z } from 'zod';

/**
 * The lender's decision policy: PD cut-offs and the pricing inputs. Stored in the database as
 * versions so lenders can change it without a deploy; DEFAULT_POLICY seeds an empty database.
 */
export const PolicySchema = z
  .object({
    /** PD below this: approve. */
    approveBelow: z.number().gt(0).lt(1),
    /** PD at or above this: decline. In between: refer to a person. */
    declineAtOrAbove: z.number().gt(0).lt(1),
    /** Share of the amount lost when a loan defaults. */
    lossGivenDefault: z.number().gt(0).max(1),
    /** Yearly cost of the money lent. */
    fundingCost: z.number().min(0).max(0.5),
    /** Yearly margin the lender wants on top of cost and expected loss. */
    targetMargin: z.number().min(0).max(0.5),
    /** Highest APR the lender will charge; a loan that needs more is not offered. */
    maxApr: z.number().gt(0).max(1),
    /** Keep raw bank transactions with the application (default: only their features and hash). */
    storeRawTransactions: z.boolean().default(false),
  })
  .refine((p) => p.approveBelow <= p.declineAtOrAbove, {
    message: 'approveBelow must not exceed declineAtOrAbove',
    path: ['approveBelow'],
  });
export type Policy = z.infer<typeof PolicySchema>;

export const DEFAULT_POLICY: Policy = {
  approveBelow: 0.12,
  declineAtOrAbove: 0.25,
  lossGivenDefault: 0.6,
  fundingCost: 0.04,
  targetMargin: 0.03,
  maxApr: 0.36,
  storeRawTransactions: false,
};

/** One stored version of the policy. */
export interface PolicyVersion {
  version: number;
  policy: Policy;
  createdBy: string;
  createdAt: Date;
}

export type DecisionCutoffs = Pick<Policy, 'approveBelow' | 'declineAtOrAbove'>;
export const DEFAULT_CUTOFFS: DecisionCutoffs = {
  approveBelow: DEFAULT_POLICY.approveBelow,
  declineAtOrAbove: DEFAULT_POLICY.declineAtOrAbove,
};

export type Decision = 'approve' | 'refer' | 'decline';

export function decide(pd: number, cutoffs: DecisionCutoffs = DEFAULT_CUTOFFS): Decision {
  if (pd >= cutoffs.declineAtOrAbove) return 'decline';
  return pd < cutoffs.approveBelow ? 'approve' : 'refer';
}

/** Letter bands for people and reports: A (PD < 5%) … E (PD ≥ 25%). */
export const RISK_BANDS = [
  { band: 'A', below: 0.05 },
  { band: 'B', below: 0.1 },
  { band: 'C', below: 0.15 },
  { band: 'D', below: 0.25 },
  { band: 'E', below: Infinity },
] as const;
export type RiskBand = (typeof RISK_BANDS)[number]['band'];

export function riskBand(pd: number): RiskBand {
  return RISK_BANDS.find((b) => pd < b.below)!.band;
}
