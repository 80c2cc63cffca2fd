import { mulberry32 } from '../forest/rng.ts';

/**
 * A lending policy that learns its approval cut-off by stochastic gradient ascent as outcomes
 * arrive. Each applicant is approved with probability π = σ((θ − PD)/τ), a smoothed cut-off θ, so
 * the expected profit is differentiable in θ. When an approved loan's outcome arrives (`delay`
 * loans after the decision) the score-function gradient r·∂log π/∂θ = r·(1 − π)/τ moves θ:
 * unbiased for the gradient of expected profit and using only outcomes of loans actually made.
 * The risk budget (a ceiling on the default rate of approved loans) enters as a Lagrange penalty
 * λ·(default − budget) whose multiplier rises by dual ascent while defaults exceed the budget.
 */

export interface ReplayLoan {
  pd: number;
  amount: number;
  /** Profit (negative: loss) the loan made or would make if approved. */
  profit: number;
  bad: 0 | 1;
}

export interface SgdOptions {
  initialCutoff: number;
  /** Step size for θ. */
  learningRate: number;
  /** Width of the smoothed cut-off, in PD units. */
  temperature: number;
  /** Highest default rate of approved loans the lender accepts. */
  riskBudget: number;
  /** Step size for the penalty multiplier λ. */
  dualRate: number;
  /** Loans decided before an outcome is known (stands for the loan's term). */
  delay: number;
  seed: number;
}

export const DEFAULT_SGD: SgdOptions = { initialCutoff: 0.25, learningRate: 0.002, temperature: 0.03, riskBudget: 0.15, dualRate: 0.05, delay: 300, seed: 42 };

export interface PolicyOutcome {
  approved: number;
  approvalRate: number;
  defaults: number;
  defaultRate: number;
  profit: number;
  lent: number;
  /** Profit per unit lent. */
  returnOnLent: number;
}

export interface SgdReplay extends PolicyOutcome {
  cutoffs: Float64Array;
  finalCutoff: number;
  finalMultiplier: number;
}

function outcome(loans: readonly ReplayLoan[], approvedFlags: ArrayLike<number>): PolicyOutcome {
  let approved = 0;
  let defaults = 0;
  let profit = 0;
  let lent = 0;
  loans.forEach((l, i) => {
    if (!approvedFlags[i]) return;
    approved += 1;
    defaults += l.bad;
    profit += l.profit;
    lent += l.amount;
  });
  return {
    approved,
    approvalRate: approved / loans.length,
    defaults,
    defaultRate: approved ? defaults / approved : 0,
    profit,
    lent,
    returnOnLent: lent ? profit / lent : 0,
  };
}

/** Approve when PD is below the cut-off (a fixed policy; cut-off 1 approves everyone). */
export function fixedCutoff(loans: readonly ReplayLoan[], cutoff: number): PolicyOutcome {
  return outcome(
    loans,
    Uint8Array.from(loans, (l) => (l.pd < cutoff ? 1 : 0)),
  );
}

/** Replays the loans in the order given (oldest first). Seeded: the same seed, the same run. */
export function replaySgd(loans: readonly ReplayLoan[], options: SgdOptions = DEFAULT_SGD): SgdReplay {
  const rng = mulberry32(options.seed);
  const n = loans.length;
  const approvedFlags = new Uint8Array(n);
  const probability = new Float64Array(n);
  const cutoffs = new Float64Array(n);
  let theta = options.initialCutoff;
  let lambda = 0;
  const learn = (s: number) => {
    if (!approvedFlags[s]) return;
    const loan = loans[s];
    const reward = loan.profit / loan.amount - lambda * (loan.bad - options.riskBudget);
    theta = Math.min(1, Math.max(0, theta + (options.learningRate * reward * (1 - probability[s])) / options.temperature));
    lambda = Math.max(0, lambda + options.dualRate * (loan.bad - options.riskBudget));
  };
  for (let t = 0; t < n; t++) {
    // Outcomes of loans decided `delay` loans ago arrive before this decision.
    if (t - options.delay >= 0) learn(t - options.delay);
    cutoffs[t] = theta;
    const p = 1 / (1 + Math.exp(-(theta - loans[t].pd) / options.temperature));
    probability[t] = p;
    approvedFlags[t] = rng() < p ? 1 : 0;
  }
  return { ...outcome(loans, approvedFlags), cutoffs, finalCutoff: theta, finalMultiplier: lambda };
}
