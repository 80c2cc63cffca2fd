import { z } from 'zod';

/**
 * APR per risk band, seeded from what LendingClub charged for the same risk in the shipped data
 * (datasets/lendingclub_2007_2011.csv.gz, 16,778 loans): each grade's observed default rate and mean
 * interest rate (A 7.9% → 7.62%, B 14.7% → 11.05%, C 20.0% → 13.27%, D 24.6% → 15.15%, E 31.0% → 16.98%,
 * F 40.5% → 19.03%, G 45.5% → 20.83%), read off by linear interpolation at each band's middle PD
 * (A 2.5%, B 7.5%, C 12.5%, D 20%, E 30%; below grade A the A–B line is extended).
 * `test/pricing.test.ts` recomputes these from the data. Admins edit them like any other setting.
 */
export const SEED_RATE_CARD = { A: 0.0493, B: 0.0744, C: 0.0995, D: 0.1325, E: 0.1669 } as const;
export const BAND_MIDDLE_PD = { A: 0.025, B: 0.075, C: 0.125, D: 0.2, E: 0.3 } as const;

const apr = z.number().gt(0, 'must be above 0').max(1, 'must be at most 1 (100% a year)');
export const RateCardSchema = z
  .object({ A: apr, B: apr, C: apr, D: apr, E: apr })
  .strict()
  .refine((r) => r.A <= r.B && r.B <= r.C && r.C <= r.D && r.D <= r.E, {
    message: 'rates must not fall from band A to band E (a riskier band never pays less)',
  });
export type RateCard = z.infer<typeof RateCardSchema>;

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
    /** Smallest yearly margin over funding and expected loss: the price never goes below break-even plus this. */
    targetMargin: z.number().min(0).max(0.5),
    /** Highest APR the lender will charge (36%: the usual US consumer ceiling); a loan that needs more is declined or counter-offered. */
    maxApr: z.number().gt(0).max(1),
    /** APR by risk band; see SEED_RATE_CARD. */
    rateCard: RateCardSchema.default(SEED_RATE_CARD),
    /** Keep raw bank transactions with the application (default: only their features and hash). */
    storeRawTransactions: z.boolean().default(false),
    /** Drift monitoring: a week's population stability index (PSI) at or above this puts an input on watch. */
    driftWatchPsi: z.number().gt(0).max(10).default(0.1),
    /** PSI at or above this: act (the input has moved enough to question the model). */
    driftActPsi: z.number().gt(0).max(10).default(0.25),
    /**
     * Weeks with fewer applications are reported but raise no alarm (/healthz looks past them): PSI from
     * n applications over B bins is about (B − 1) / n by chance alone, 0.03 for 10 bins at 300.
     */
    driftMinApplications: z.number().int().min(1).max(1_000_000).default(300),
  })
  .refine((p) => p.approveBelow <= p.declineAtOrAbove, {
    message: 'approveBelow must not exceed declineAtOrAbove',
    path: ['approveBelow'],
  })
  .refine((p) => Object.values(p.rateCard).every((r) => r <= p.maxApr), {
    message: 'every rate must be at or below maxApr',
    path: ['rateCard'],
  })
  .refine((p) => p.driftWatchPsi <= p.driftActPsi, {
    message: 'driftWatchPsi must not exceed driftActPsi',
    path: ['driftWatchPsi'],
  });
export type Policy = z.infer<typeof PolicySchema>;

export const DEFAULT_POLICY: Policy = {
  approveBelow: 0.12,
  declineAtOrAbove: 0.25,
  lossGivenDefault: 0.6,
  fundingCost: 0.04,
  targetMargin: 0.01,
  maxApr: 0.36,
  rateCard: { ...SEED_RATE_CARD },
  storeRawTransactions: false,
  driftWatchPsi: 0.1,
  driftActPsi: 0.25,
  driftMinApplications: 300,
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
