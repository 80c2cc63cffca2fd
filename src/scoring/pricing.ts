import type { Policy } from './policy.ts';

/**
 * Risk-based price. PD is the chance of default over the whole term; spread evenly it is a
 * yearly default rate d = 1 − (1 − PD)^(12 / term). The APR r breaks even on one year of lending
 * with the target margin: (1 − d)(1 + r) + d(1 − LGD) = 1 + funding + margin, so
 * r = (funding + margin + d · LGD) / (1 − d).
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

export function price(amount: number, termMonths: number, pd: number, policy: Policy): Price {
  const apr = requiredApr(pd, termMonths, policy);
  const payment = monthlyPayment(amount, apr, termMonths);
  return {
    apr: Math.round(apr * 10_000) / 10_000,
    monthlyPayment: Math.round(payment * 100) / 100,
    totalRepayable: Math.round(payment * termMonths * 100) / 100,
    withinMaxApr: apr <= policy.maxApr,
  };
}
