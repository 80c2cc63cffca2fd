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

/**
 * Cut-offs the fixed baselines choose from: 0.5% to 60% PD in steps of half a point (every
 * shipped PD that matters for a lender lies in there; above 60% nobody is left to decline).
 */
export const CUTOFF_GRID: readonly number[] = Array.from({ length: 120 }, (_, i) => Math.round((i + 1) * 5) / 1000);

/**
 * The fixed cut-off of `grid` with the most profit on `loans`, the objective the SGD policy is
 * judged on; ties go to the lowest cut-off (the first in the grid).
 */
export function bestCutoff(loans: readonly ReplayLoan[], grid: readonly number[] = CUTOFF_GRID): { cutoff: number; profit: number } {
  // Profit of every grid cut-off in one pass: each loan adds its profit to the cut-offs above its PD.
  const sorted = [...grid].sort((a, b) => a - b);
  const added = new Float64Array(sorted.length + 1);
  for (const loan of loans) {
    // The first grid cut-off above the loan's PD approves it, and so does every larger one.
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] > loan.pd) hi = mid;
      else lo = mid + 1;
    }
    added[lo] += loan.profit;
  }
  let best = { cutoff: sorted[0], profit: Number.NEGATIVE_INFINITY };
  let profit = 0;
  for (let i = 0; i < sorted.length; i++) {
    profit += added[i];
    if (profit > best.profit) best = { cutoff: sorted[i], profit };
  }
  return best;
}

export interface RefitOptions {
  /** Loans decided between two re-fits. */
  every: number;
  /** Loans decided before an outcome is known: the same stand-in for the term as `SgdOptions.delay`. */
  delay: number;
}

export interface RefittedReplay extends PolicyOutcome {
  /** The cut-off chosen at each re-fit: from `loan` on, on `known` recorded outcomes. */
  refits: { loan: number; cutoff: number; known: number }[];
}

/**
 * A fixed cut-off re-chosen every `every` loans by `bestCutoff` on every outcome recorded so far:
 * all of `preceding` (the period before, known in full, as when SGD's step size was tuned) and the
 * replayed loans decided at least `delay` loans earlier — the outcomes SGD would have seen by then.
 * Unlike SGD it also sees the outcomes of loans it declined: the lender's history records them
 * all (in LendingClub's file every loan was made), which makes it the stronger baseline.
 */
export function refittedCutoff(
  preceding: readonly ReplayLoan[],
  loans: readonly ReplayLoan[],
  options: RefitOptions,
  grid: readonly number[] = CUTOFF_GRID,
): RefittedReplay {
  if (!(options.every >= 1)) throw new Error('re-fit every ≥ 1 loan');
  const approvedFlags = new Uint8Array(loans.length);
  const refits: RefittedReplay['refits'] = [];
  for (let start = 0; start < loans.length; start += options.every) {
    // Loan s's outcome arrives before decision t when s ≤ t − delay (as in replaySgd).
    const revealed = Math.max(0, Math.min(loans.length, start - options.delay + 1));
    const known = revealed > 0 ? [...preceding, ...loans.slice(0, revealed)] : preceding;
    const { cutoff } = bestCutoff(known, grid);
    refits.push({ loan: start, cutoff, known: known.length });
    const end = Math.min(loans.length, start + options.every);
    for (let t = start; t < end; t++) approvedFlags[t] = loans[t].pd < cutoff ? 1 : 0;
  }
  return { ...outcome(loans, approvedFlags), refits };
}
