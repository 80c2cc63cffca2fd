import type { LoadedModel } from '../model/model.ts';
import { DEFAULT_POLICY, type Policy } from '../scoring/policy.ts';
import { loadHistory, type HistoricalLoan } from './history.ts';
import { DEFAULT_SGD, fixedCutoff, replaySgd, type PolicyOutcome, type ReplayLoan, type SgdOptions } from './sgd.ts';

/**
 * The SGD lending policy proved on history. The replay uses the out-of-time part of the
 * LendingClub file (its newest 20% of rows, which the shipped model never saw), in issue order:
 * the file lists loans newest first, so the replay walks those rows backwards.
 *
 * Profit of a loan, from what the file records: repaid → every instalment paid (instalment × term)
 * less the amount and the funding cost on the average balance (half the amount over the term);
 * defaulted → −LGD × amount (the file has no recovery or payment history, so the policy's LGD).
 */

export const OUT_OF_TIME_FRACTION = 0.2;

export function replayLoan(loan: HistoricalLoan, policy: Pick<Policy, 'lossGivenDefault' | 'fundingCost'>): ReplayLoan {
  const funding = policy.fundingCost * loan.amount * 0.5 * (loan.termMonths / 12);
  const profit = loan.bad ? -policy.lossGivenDefault * loan.amount : loan.installment * loan.termMonths - loan.amount - funding;
  return { pd: loan.pd, amount: loan.amount, profit, bad: loan.bad };
}

export function outOfTimeInIssueOrder(history: readonly HistoricalLoan[]): HistoricalLoan[] {
  return history.slice(0, Math.round(history.length * OUT_OF_TIME_FRACTION)).reverse();
}

/** The same number of loans just before the out-of-time part, in issue order: where step sizes are chosen. */
export function validationInIssueOrder(history: readonly HistoricalLoan[]): HistoricalLoan[] {
  const n = Math.round(history.length * OUT_OF_TIME_FRACTION);
  return history.slice(n, 2 * n).reverse();
}

export const SGD_GRID = { learningRate: [0.0005, 0.001, 0.002], temperature: [0.02, 0.03, 0.05] } as const;

/** Seeds each grid point is replayed with: one run's profit swings with its random draws, so tuning on one seed fits noise. */
export const TUNING_SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

/** Step size and smoothing with the most mean profit over `TUNING_SEEDS` on the validation period (repeatable). */
export function tuneSgd(
  validation: readonly HistoricalLoan[],
  base: SgdOptions = DEFAULT_SGD,
): { options: SgdOptions; grid: { learningRate: number; temperature: number; profit: number }[] } {
  const loans = validation.map((l) => replayLoan(l, DEFAULT_POLICY));
  const meanProfit = (options: SgdOptions) =>
    TUNING_SEEDS.reduce((s, seed) => s + replaySgd(loans, { ...options, seed: base.seed ^ seed }).profit, 0) / TUNING_SEEDS.length;
  const grid = SGD_GRID.learningRate.flatMap((learningRate) =>
    SGD_GRID.temperature.map((temperature) => ({ learningRate, temperature, profit: meanProfit({ ...base, learningRate, temperature }) })),
  );
  const best = grid.reduce((a, b) => (b.profit > a.profit ? b : a));
  return { options: { ...base, learningRate: best.learningRate, temperature: best.temperature }, grid };
}

export interface ReplayReport {
  loans: number;
  firstLine: number;
  lastLine: number;
  options: SgdOptions;
  lossGivenDefault: number;
  fundingCost: number;
  sgd: PolicyOutcome & { finalCutoff: number; finalMultiplier: number };
  fixed: PolicyOutcome & { cutoff: number };
  approveAll: PolicyOutcome;
  /** The same SGD replayed with each of `TUNING_SEEDS`: one run's profit depends on its random draws. */
  acrossSeeds: { seeds: number; meanProfit: number; minProfit: number; maxProfit: number; winsOverFixed: number };
  /** The cut-off every `every` loans, for the chart. */
  cutoffs: { loan: number; cutoff: number }[];
}

export function replayReport(inOrder: readonly HistoricalLoan[], options: SgdOptions = DEFAULT_SGD, policy: Policy = DEFAULT_POLICY): ReplayReport {
  const loans = inOrder.map((l) => replayLoan(l, policy));
  const sgd = replaySgd(loans, options);
  const { cutoffs, ...sgdOutcome } = sgd;
  const every = Math.max(1, Math.floor(loans.length / 200));
  const fixed = fixedCutoff(loans, options.initialCutoff);
  const profits = TUNING_SEEDS.map((seed) => replaySgd(loans, { ...options, seed: options.seed ^ seed }).profit);
  return {
    loans: loans.length,
    firstLine: inOrder[0].line,
    lastLine: inOrder[inOrder.length - 1].line,
    options,
    lossGivenDefault: policy.lossGivenDefault,
    fundingCost: policy.fundingCost,
    sgd: sgdOutcome,
    fixed: { cutoff: options.initialCutoff, ...fixed },
    approveAll: fixedCutoff(loans, Infinity),
    acrossSeeds: {
      seeds: profits.length,
      meanProfit: profits.reduce((a, b) => a + b, 0) / profits.length,
      minProfit: Math.min(...profits),
      maxProfit: Math.max(...profits),
      winsOverFixed: profits.filter((p) => p > fixed.profit).length,
    },
    cutoffs: Array.from(cutoffs).flatMap((cutoff, loan) => (loan % every === 0 || loan === loans.length - 1 ? [{ loan, cutoff }] : [])),
  };
}

export async function replayOnLendingClub(model: LoadedModel, base: SgdOptions = DEFAULT_SGD) {
  const history = await loadHistory(model);
  const tuning = tuneSgd(validationInIssueOrder(history), base);
  return { tuning, report: replayReport(outOfTimeInIssueOrder(history), tuning.options) };
}
