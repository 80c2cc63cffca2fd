import { riskBand, type Policy } from './policy.ts';

/**
 * Risk-based price. PD is the chance of default over the whole term; spread evenly it is a
 * yearly default rate d = 1 − (1 − PD)^(12 / term). The floor r breaks even on one year of lending
 * with the target margin: (1 − d)(1 + r) + d(1 − LGD) = 1 + funding + margin, so
 * r = (funding + margin + d · LGD) / (1 − d). The quoted APR is the rate card's rate for the risk
 * band, or the floor when that is higher, rounded up to 0.01% as lenders quote; above the policy's
 * maximum APR nothing is offered at all.
 */
export function annualDefaultRate(pd: number, termMonths: number): number {
  return 1 - (1 - pd) ** (12 / termMonths);
}

export function requiredApr(pd: number, termMonths: number, policy: Policy): number {
  const d = annualDefaultRate(pd, termMonths);
  return (policy.fundingCost + policy.targetMargin + d * policy.lossGivenDefault) / (1 - d);
}

/** Monthly instalment of an amortising loan. */
export function monthlyPayment(amount: number, apr: number, termMonths: number): number {
  const i = apr / 12;
  return i === 0 ? amount / termMonths : (amount * i) / (1 - (1 + i) ** -termMonths);
}

export interface Price {
  apr: number;
  monthlyPayment: number;
  totalRepayable: number;
  /** False when the APR the risk needs is above the policy's maximum. */
  withinMaxApr: boolean;
}

/** The APR quoted for this risk: rate card or break-even floor, rounded up to 0.01%. Non-decreasing in PD. */
export function quotedApr(pd: number, termMonths: number, policy: Policy): number {
  const card = policy.rateCard[riskBand(pd)];
  const apr = Math.max(card, requiredApr(pd, termMonths, policy));
  // Round up (never below the floor); the epsilon keeps 0.1234 from becoming 0.1235 through float noise.
  return Math.ceil(apr * 10_000 - 1e-9) / 10_000;
}

/**
 * @example price(12_000, 36, 0.08, DEFAULT_POLICY) // { apr: 0.0744, … }
 */
export function price(amount: number, termMonths: number, pd: number, policy: Policy): Price {
  const apr = quotedApr(pd, termMonths, policy);
  // Quoted in cents; the total is what those instalments add up to.
  const payment = Math.round(monthlyPayment(amount, apr, termMonths) * 100) / 100;
  return {
    apr,
    monthlyPayment: payment,
    totalRepayable: Math.round(payment * termMonths * 100) / 100,
    withinMaxApr: Number.isFinite(apr) && apr <= policy.maxApr,
  };
}
