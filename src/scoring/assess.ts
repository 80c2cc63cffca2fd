import { z } from 'zod';
import type { Applicant } from '../applicant/schema.ts';
import { featureVector } from '../features/spec.ts';
import { estimateFromFeatures, estimatePd, type LoadedModel } from './model.ts';
import { decide, riskBand, RISK_BANDS, type Policy } from './policy.ts';
import { price } from './pricing.ts';
import { contributions, topReasons } from './reasons.ts';

/**
 * The one decision path every channel uses: PD → score, band and decision under the policy,
 * the reasons behind the risk, a price, and a counter-offer when the answer is not a plain yes.
 */

export const ReasonSchema = z.object({
  code: z.string().meta({ description: 'Stable identifier of the reason' }),
  text: z.string().meta({ description: 'Plain-language reason an applicant can read' }),
  impact: z.number().meta({ description: 'How much this input raised the estimated default risk (probability points, uncalibrated)' }),
});

const PricedLoanSchema = z.object({
  amount: z.number(),
  termMonths: z.number().int(),
  apr: z.number().meta({ description: 'Annual percentage rate as a fraction (0.12 = 12%)' }),
  monthlyPayment: z.number(),
  totalRepayable: z.number(),
});

export const CounterOfferSchema = PricedLoanSchema.extend({
  pd: z.number(),
  decision: z.literal('approve'),
});

export const OfferSchema = PricedLoanSchema.extend({
  /** True when the lender would lend on these terms (approved, or referred subject to review). */
  available: z.boolean(),
  withinMaxApr: z.boolean(),
  counterOffer: CounterOfferSchema.nullable().meta({ description: 'When declined or referred: the largest amount (or other term) the policy would approve' }),
});

export const AssessmentSchema = z.object({
  pd: z.number().min(0).max(1).meta({ description: 'Calibrated probability of default over the loan term' }),
  score: z.number().int().min(300).max(850).meta({ description: 'Points: 650 at 10:1 odds, +40 points per doubling of the odds' }),
  riskBand: z.enum(RISK_BANDS.map((b) => b.band) as [string, ...string[]]),
  decision: z.enum(['approve', 'refer', 'decline']),
  reasons: z.array(ReasonSchema),
  offer: OfferSchema,
  modelVersion: z.string(),
});
export type Assessment = z.infer<typeof AssessmentSchema>;
export type CounterOffer = z.infer<typeof CounterOfferSchema>;

const MIN_AMOUNT = 500;

function pricedLoan(amount: number, termMonths: number, pd: number, policy: Policy) {
  const p = price(amount, termMonths, pd, policy);
  return { amount, termMonths, apr: p.apr, monthlyPayment: p.monthlyPayment, totalRepayable: p.totalRepayable, withinMaxApr: p.withinMaxApr };
}

function decisionFor(pd: number, policy: Policy, withinMaxApr: boolean) {
  const d = decide(pd, policy);
  return d !== 'decline' && !withinMaxApr ? 'decline' : d;
}

/** Largest amount (same term first, then the other term) that the policy would approve. */
export function counterOffer(model: LoadedModel, policy: Policy, applicant: Applicant): CounterOffer | null {
  const step = Math.max(100, Math.floor(applicant.loanAmount / 20 / 100) * 100);
  const terms = [applicant.termMonths, applicant.termMonths === 36 ? 60 : 36] as const;
  for (const termMonths of terms) {
    for (let amount = termMonths === applicant.termMonths ? applicant.loanAmount - step : applicant.loanAmount; amount >= MIN_AMOUNT; amount -= step) {
      const { pd } = estimatePd(model, { ...applicant, loanAmount: amount, termMonths });
      const loan = pricedLoan(amount, termMonths, pd, policy);
      if (decisionFor(pd, policy, loan.withinMaxApr) === 'approve') {
        const { withinMaxApr: _, ...rest } = loan;
        return { ...rest, pd, decision: 'approve' };
      }
    }
  }
  return null;
}

export function assess(model: LoadedModel, policy: Policy, applicant: Applicant): Assessment {
  if (model.spec.kind !== 'applicant') throw new Error(`model ${model.version} does not score applicants`);
  const x = featureVector(model.spec, applicant);
  const estimate = estimateFromFeatures(model, x);
  const loan = pricedLoan(applicant.loanAmount, applicant.termMonths, estimate.pd, policy);
  const decision = decisionFor(estimate.pd, policy, loan.withinMaxApr);
  const { byFeature } = contributions(model.forest, x);
  return {
    pd: estimate.pd,
    score: estimate.score,
    riskBand: riskBand(estimate.pd),
    decision,
    reasons: topReasons(model.spec.features, byFeature, applicant),
    offer: {
      ...loan,
      available: decision !== 'decline',
      counterOffer: decision === 'approve' ? null : counterOffer(model, policy, applicant),
    },
    modelVersion: model.version,
  };
}
