import type { LoadedModel } from '../model/model.ts';
import { DEFAULT_POLICY, riskBand, type Policy } from '../scoring/policy.ts';
import { monthlyPayment } from '../scoring/pricing.ts';
import { loadHistory, type HistoricalLoan } from './history.ts';
import {
  bestCutoff,
  CUTOFF_GRID,
  DEFAULT_SGD,
  fixedCutoff,
  refittedCutoff,
  replaySgd,
  type PolicyOutcome,
  type RefittedReplay,
  type ReplayLoan,
  type SgdOptions,
} from './sgd.ts';

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
  policy: Pick<Policy, 'lossGivenDefault' | 'fundingCost'> = DEFAULT_POLICY,
): { options: SgdOptions; grid: { learningRate: number; temperature: number; profit: number }[] } {
  const loans = validation.map((l) => replayLoan(l, policy));
  const meanProfit = (options: SgdOptions) =>
    TUNING_SEEDS.reduce((s, seed) => s + replaySgd(loans, { ...options, seed: base.seed ^ seed }).profit, 0) / TUNING_SEEDS.length;
  const grid = SGD_GRID.learningRate.flatMap((learningRate) =>
    SGD_GRID.temperature.map((temperature) => ({ learningRate, temperature, profit: meanProfit({ ...base, learningRate, temperature }) })),
  );
  const best = grid.reduce((a, b) => (b.profit > a.profit ? b : a));
  return { options: { ...base, learningRate: best.learningRate, temperature: best.temperature }, grid };
}

/** Seeds the reported SGD runs are replayed with (the tuning seeds among them): its spread over its own random draws. */
export const REPORT_SEEDS = Array.from({ length: 32 }, (_, i) => i + 1);

/** Loans between two re-fits of the re-fitted cut-off: one outcome delay, so each re-fit has that many more outcomes. */
export const REFIT_EVERY = DEFAULT_SGD.delay;

/** Other re-fit periods reported, to show the choice of `REFIT_EVERY` does not decide the comparison. */
export const REFIT_PERIODS = [150, 300, 600, 1200];

export interface SeedSpread {
  seeds: number;
  meanProfit: number;
  /** Standard deviation over the seeds (n − 1). */
  sdProfit: number;
  minProfit: number;
  maxProfit: number;
  meanApprovalRate: number;
  meanDefaultRate: number;
  /** In how many of the seeds SGD made more profit than each baseline. */
  winsOver: { fixed: number; bestFixed: number; refitted: number; approveAll: number };
}

export interface ReplayReport {
  loans: number;
  firstLine: number;
  lastLine: number;
  /** The period before, where SGD's step size and the best fixed cut-off were chosen. */
  preceding: { loans: number; firstLine: number; lastLine: number };
  options: SgdOptions;
  lossGivenDefault: number;
  fundingCost: number;
  sgd: PolicyOutcome & { finalCutoff: number; finalMultiplier: number };
  /** The cut-off SGD starts from, kept fixed. */
  fixed: PolicyOutcome & { cutoff: number };
  /** The grid cut-off with the most profit on the preceding period, kept fixed. */
  bestFixed: PolicyOutcome & { cutoff: number; precedingProfit: number; grid: { from: number; to: number; step: number } };
  /** Re-chosen every `every` loans on the outcomes recorded by then. */
  refitted: RefittedReplay & { every: number };
  /** The re-fitted cut-off's profit with other re-fit periods. */
  refitPeriods: { every: number; profit: number; approvalRate: number; defaultRate: number }[];
  approveAll: PolicyOutcome;
  /** The same SGD replayed with each of `REPORT_SEEDS`: one run's profit depends on its random draws. */
  acrossSeeds: SeedSpread;
  /** The cut-off every `every` loans, for the chart. */
  cutoffs: { loan: number; cutoff: number }[];
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: readonly number[]) => {
  const m = mean(xs);
  return xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1)) : 0;
};

/**
 * SGD against four baselines on `inOrder`: the fixed cut-off it starts from, the best fixed cut-off
 * chosen on `preceding` (the period its step size was tuned on, by the same objective: profit),
 * that cut-off re-fitted every `refitEvery` loans on the outcomes recorded by then, and approve-all.
 */
export function replayReport(
  inOrder: readonly HistoricalLoan[],
  preceding: readonly HistoricalLoan[],
  options: SgdOptions = DEFAULT_SGD,
  policy: Policy = DEFAULT_POLICY,
  refitEvery: number = REFIT_EVERY,
  seeds: readonly number[] = REPORT_SEEDS,
): ReplayReport {
  const loans = inOrder.map((l) => replayLoan(l, policy));
  const before = preceding.map((l) => replayLoan(l, policy));
  const sgd = replaySgd(loans, options);
  const { cutoffs, ...sgdOutcome } = sgd;
  const every = Math.max(1, Math.floor(loans.length / 200));
  const fixed = fixedCutoff(loans, options.initialCutoff);
  const chosen = bestCutoff(before, CUTOFF_GRID);
  const bestFixed = fixedCutoff(loans, chosen.cutoff);
  const refit = (n: number) => refittedCutoff(before, loans, { every: n, delay: options.delay }, CUTOFF_GRID);
  const refitted = refit(refitEvery);
  const approveAll = fixedCutoff(loans, Number.POSITIVE_INFINITY);
  const runs = seeds.map((seed) => replaySgd(loans, { ...options, seed: options.seed ^ seed }));
  const profits = runs.map((r) => r.profit);
  const wins = (baseline: PolicyOutcome) => profits.filter((p) => p > baseline.profit).length;
  return {
    loans: loans.length,
    firstLine: inOrder[0].line,
    lastLine: inOrder[inOrder.length - 1].line,
    preceding: { loans: preceding.length, firstLine: preceding[0].line, lastLine: preceding[preceding.length - 1].line },
    options,
    lossGivenDefault: policy.lossGivenDefault,
    fundingCost: policy.fundingCost,
    sgd: sgdOutcome,
    fixed: { cutoff: options.initialCutoff, ...fixed },
    bestFixed: {
      cutoff: chosen.cutoff,
      precedingProfit: chosen.profit,
      grid: { from: CUTOFF_GRID[0], to: CUTOFF_GRID[CUTOFF_GRID.length - 1], step: CUTOFF_GRID[1] - CUTOFF_GRID[0] },
      ...bestFixed,
    },
    refitted: { every: refitEvery, ...refitted },
    refitPeriods: REFIT_PERIODS.map((n) => {
      const r = refit(n);
      return { every: n, profit: r.profit, approvalRate: r.approvalRate, defaultRate: r.defaultRate };
    }),
    approveAll,
    acrossSeeds: {
      seeds: seeds.length,
      meanProfit: mean(profits),
      sdProfit: sd(profits),
      minProfit: Math.min(...profits),
      maxProfit: Math.max(...profits),
      meanApprovalRate: mean(runs.map((r) => r.approvalRate)),
      meanDefaultRate: mean(runs.map((r) => r.defaultRate)),
      winsOver: { fixed: wins(fixed), bestFixed: wins(bestFixed), refitted: wins(refitted), approveAll: wins(approveAll) },
    },
    cutoffs: Array.from(cutoffs).flatMap((cutoff, loan) => (loan % every === 0 || loan === loans.length - 1 ? [{ loan, cutoff }] : [])),
  };
}

export async function replayOnLendingClub(model: LoadedModel, base: SgdOptions = DEFAULT_SGD, refitEvery: number = REFIT_EVERY) {
  const history = await loadHistory(model);
  const validation = validationInIssueOrder(history);
  const tuning = tuneSgd(validation, base);
  return { tuning, report: replayReport(outOfTimeInIssueOrder(history), validation, tuning.options, DEFAULT_POLICY, refitEvery) };
}

/**
 * The SGD lending policy on a lender's own recorded outcomes: the decisions that have an outcome, in
 * decision order, each with the PD, amount, term and APR it was decided with and how it ended. The
 * earlier half is the preceding period (step sizes tuned and the best fixed cut-off chosen there,
 * as on LendingClub); the later half is replayed. Only loans that were made have outcomes, so every
 * policy here chooses among loans the lender approved or referred, never among those it declined.
 */
export interface StoredOutcomeLoan {
  applicationId: string;
  decidedAt: Date;
  modelVersion: string;
  pd: number;
  amount: number | null;
  termMonths: number | null;
  /** Yearly rate as a fraction (0.1249). */
  apr: number | null;
  purpose?: string | null;
  bad: 0 | 1;
  /** The day it was repaid or defaulted (YYYY-MM-DD, UTC). */
  outcomeAt: string;
}

/** Fewer loans with an outcome than this and the replay is not run: each half would be too small to choose anything on. */
export const MIN_OUTCOMES = 200;

export class TooFewOutcomesError extends Error {
  override name = 'TooFewOutcomesError';
}

/** A stored loan as the replay prices it: instalment from its APR (in cents, as quoted), `line` its place in decision order (1 = oldest). */
export function historicalFromOutcome(row: StoredOutcomeLoan, line: number): HistoricalLoan | undefined {
  const { amount, termMonths, apr } = row;
  if (amount === null || termMonths === null || apr === null || !(amount > 0) || !(termMonths > 0) || !(apr >= 0)) return undefined;
  return {
    id: row.applicationId,
    line,
    amount,
    termMonths,
    rate: apr,
    pd: row.pd,
    purpose: row.purpose ?? 'other',
    bad: row.bad,
    installment: Math.round(monthlyPayment(amount, apr, termMonths) * 100) / 100,
    grade: riskBand(row.pd),
  };
}

const DAY_MS = 86_400_000;

/**
 * The outcome delay in loans, measured: for each loan, how many of the later loans were decided
 * before its outcome was known (the end of its recorded day, UTC); a loan whose outcome came after
 * the last decision counts as never known within the period (`loans.length`). The median of these.
 */
export function measuredDelay(loans: readonly Pick<StoredOutcomeLoan, 'decidedAt' | 'outcomeAt'>[]): number {
  const n = loans.length;
  if (n === 0) return 0;
  const decided = loans.map((l) => l.decidedAt.getTime());
  const delays = loans.map((l, i) => {
    const known = Date.parse(`${l.outcomeAt}T00:00:00Z`) + DAY_MS;
    // The first loan decided at or after the outcome was known (decision order is time order).
    let lo = i + 1;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (decided[mid] < known) lo = mid + 1;
      else hi = mid;
    }
    return lo === n ? n : lo - i - 1;
  });
  delays.sort((a, b) => a - b);
  const mid = n >> 1;
  return n % 2 ? delays[mid] : Math.round((delays[mid - 1] + delays[mid]) / 2);
}

export interface OutcomeReplayOptions {
  sgd?: SgdOptions;
  /** Loans decided before an outcome is known; measured from the outcome dates when absent (`measuredDelay`). */
  delay?: number;
  /** Loans between re-fits; the delay when absent (at least 1, and at most 100 re-fits). */
  refitEvery?: number;
  policy?: Policy;
}

export interface OutcomeReplay {
  tuning: ReturnType<typeof tuneSgd>;
  report: ReplayReport;
  /** How the delay was set, and the outcomes left out (no amount, term or APR stored). */
  delaySource: 'measured' | 'given';
  outcomes: number;
  unpriced: number;
  /** The decision dates of the two halves, and the model versions whose PDs these are. */
  preceding: { from: string; to: string };
  replayed: { from: string; to: string };
  modelVersions: string[];
  source: ReplaySource;
}

/** The plain sentence when there are too few outcomes to replay on (what the CLI prints). */
export function tooFewOutcomes(priced: number, unpriced: number, needed = MIN_OUTCOMES): string {
  const left = unpriced > 0 ? ` (and ${unpriced.toLocaleString('en-US')} more without a stored amount, term and APR)` : '';
  return `${priced.toLocaleString('en-US')} loan${priced === 1 ? ' has' : 's have'} a recorded outcome${left}; the replay needs at least ${needed.toLocaleString('en-US')}.`;
}

/**
 * The replay and its baselines on stored decisions with an outcome (oldest decision first, as
 * `outcomeRows` gives them): the same `tuneSgd` and `replayReport` as on LendingClub. Throws
 * `TooFewOutcomesError` below `MIN_OUTCOMES` priced loans.
 */
export function replayOnOutcomes(rows: readonly StoredOutcomeLoan[], options: OutcomeReplayOptions = {}): OutcomeReplay {
  const policy = options.policy ?? DEFAULT_POLICY;
  const priced = rows.flatMap((row) => {
    const loan = historicalFromOutcome(row, 0);
    return loan ? [{ row, loan }] : [];
  });
  priced.forEach((p, i) => {
    p.loan.line = i + 1;
  });
  const unpriced = rows.length - priced.length;
  if (priced.length < MIN_OUTCOMES) throw new TooFewOutcomesError(tooFewOutcomes(priced.length, unpriced));
  const half = Math.floor(priced.length / 2);
  const before = priced.slice(0, half);
  const later = priced.slice(half);
  const delay = options.delay ?? measuredDelay(later.map((p) => p.row));
  const refitEvery = options.refitEvery ?? Math.max(1, delay, Math.ceil(later.length / 100));
  const base = { ...(options.sgd ?? DEFAULT_SGD), delay };
  const tuning = tuneSgd(
    before.map((p) => p.loan),
    base,
    policy,
  );
  const report = replayReport(
    later.map((p) => p.loan),
    before.map((p) => p.loan),
    tuning.options,
    policy,
    refitEvery,
  );
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const span = (part: typeof priced) => ({ from: day(part[0].row.decidedAt), to: day(part[part.length - 1].row.decidedAt) });
  const result: Omit<OutcomeReplay, 'source'> = {
    tuning,
    report,
    delaySource: options.delay === undefined ? 'measured' : 'given',
    outcomes: rows.length,
    unpriced,
    preceding: span(before),
    replayed: span(later),
    modelVersions: [...new Set(priced.map((p) => p.row.modelVersion))].sort(),
  };
  return { ...result, source: outcomesSource(result) };
}

/** The report's words for a replay on recorded outcomes. */
function outcomesSource(replay: Omit<OutcomeReplay, 'source'>): ReplaySource {
  const count = (v: number) => v.toLocaleString('en-US');
  const versions = replay.modelVersions.map((v) => `\`${v}\``).join(', ');
  return {
    title: 'SGD lending policy replayed on recorded outcomes',
    loans: (report) =>
      `${count(report.loans)} loans: the later half of the ${count(report.loans + report.preceding.loans)} stored decisions with a recorded outcome${
        replay.unpriced > 0 ? ` and a stored amount, term and APR (${count(replay.unpriced)} more have an outcome but no price)` : ''
      },
decided ${replay.replayed.from} to ${replay.replayed.to} and replayed in decision order, each with the PD it was decided with (${versions}), its amount,
term and APR, and the outcome recorded for it. Each outcome is revealed ${report.options.delay} loans after its decision (${
        replay.delaySource === 'measured'
          ? 'measured: the median number of later loans decided before an outcome was recorded, counting one recorded after the last decision as never'
          : 'set by --delay'
      }).`,
    preceding: () => `(decided ${replay.preceding.from} to ${replay.preceding.to})`,
    precedingNote:
      'Only loans that were made have outcomes: here SGD and every baseline choose among loans the lender approved or referred, never among those it declined.',
    timing: (report) => `An outcome counts as recorded when SGD would learn it (${report.options.delay} loans after its decision), whatever its recorded date.`,
    declinedOutcomes: '(every loan here has its outcome recorded)',
    order: 'decision order',
  };
}

/** How SGD's mean over seeds stands against a baseline's profit: the difference and its standard error over the seeds. */
export function againstBaseline(spread: SeedSpread, baseline: number): { difference: number; standardError: number; verdict: string } {
  const difference = spread.meanProfit - baseline;
  const standardError = spread.sdProfit / Math.sqrt(spread.seeds);
  const verdict =
    difference > 2 * standardError
      ? 'ahead by more than two standard errors'
      : difference > 0
        ? 'ahead on average, within two standard errors'
        : difference > -2 * standardError
          ? 'behind on average, within two standard errors'
          : 'behind by more than two standard errors';
  return { difference, standardError, verdict };
}

/**
 * Where the replayed loans come from, in the report's words: the parts of the report that differ
 * between the LendingClub history and a lender's own recorded outcomes. Everything else is shared.
 */
export interface ReplaySource {
  /** The report's heading. */
  title: string;
  /** Which loans, where their PDs come from and what the outcome delay stands for (ends with a full stop). */
  loans(report: ReplayReport): string;
  /** Where the preceding period lies, in brackets. */
  preceding(report: ReplayReport): string;
  /** What to know about the preceding period's PDs. */
  precedingNote: string;
  /** When an outcome counts as recorded, for the re-fitted cut-off (one or more sentences). */
  timing(report: ReplayReport): string;
  /** Why the re-fitted cut-off knows the outcomes of loans it would have declined, in brackets. */
  declinedOutcomes: string;
  /** The order the loans are replayed in, for the chart. */
  order: string;
}

/** The shipped replay: the out-of-time LendingClub loans. */
export const LENDINGCLUB_SOURCE: ReplaySource = {
  title: 'SGD lending policy replayed on LendingClub',
  loans: (
    report,
  ) => `${report.loans.toLocaleString('en-US')} loans: the out-of-time part of \`datasets/lendingclub_2007_2011.csv.gz\` (file lines ${report.firstLine}…${report.lastLine}, replayed oldest first),
PDs from the shipped model (which never saw these loans). Each outcome is revealed ${report.options.delay} loans after its decision (a stand-in for the
loan's term, which is longer than this whole period).`,
  preceding: (report) => `(file lines ${report.preceding.firstLine}…${report.preceding.lastLine})`,
  precedingNote: "Those loans were among the shipped model's training loans (its PDs there are in-sample); the best fixed cut-off below is chosen there too.",
  timing: (report) => `The file has no issue dates (\`datasets/README.md\`), so time is counted in
  loans, and an outcome counts as recorded when SGD would learn it (${report.options.delay} loans after its decision). Under the real rule — recorded at
  issue date + term, 36 or 60 months — no loan of this period would be recorded before the period ends, and this baseline would be the best
  fixed cut-off throughout.`,
  declinedOutcomes: '(the file records every loan made)',
  order: 'issue order',
};

/** The report's README.md. */
export function replayMarkdown(tuning: ReturnType<typeof tuneSgd>, report: ReplayReport, source: ReplaySource = LENDINGCLUB_SOURCE): string {
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  const money = (v: number) => Math.round(v).toLocaleString('en-US');
  const signed = (v: number) => `${v >= 0 ? '+' : '−'}${money(Math.abs(v))}`;
  const row = (name: string, o: PolicyOutcome) =>
    `| ${name} | ${pct(o.approvalRate)} | ${pct(o.defaultRate)} | ${money(o.profit)} | ${(o.returnOnLent * 100).toFixed(2)}% |`;
  const s = report.acrossSeeds;
  const n = report.loans.toLocaleString('en-US');
  const { bestFixed, refitted } = report;
  const cutoffsSeen = [...new Set(refitted.refits.map((r) => pct(r.cutoff)))].join(', ');
  const against = (name: string, profit: number, wins: number) => {
    const a = againstBaseline(s, profit);
    return `| ${name} | ${money(profit)} | ${signed(a.difference)} ± ${money(a.standardError)} | ${wins} of ${s.seeds} | ${a.verdict} |`;
  };
  return `# ${source.title}

${source.loans(report)} Profit: repaid → instalments − amount − funding (${pct(report.fundingCost)} a year on half the amount);
defaulted → −${pct(report.lossGivenDefault)} of the amount. Risk budget: default rate of approved loans ≤ ${pct(report.options.riskBudget)}. Seed ${report.options.seed}.

Step size ${report.options.learningRate} and smoothing ${report.options.temperature} were chosen on the ${report.preceding.loans.toLocaleString('en-US')} loans before this period
${source.preceding(report)}, by mean profit over ${TUNING_SEEDS.length} seeds (grid: ${tuning.grid.map((g) => `${g.learningRate}/${g.temperature} → ${money(g.profit)}`).join(', ')}).
${source.precedingNote}

## Baselines

- **Fixed ${pct(report.fixed.cutoff)}**: the cut-off SGD starts from, never moved.
- **Best fixed cut-off**: of the cut-offs ${pct(bestFixed.grid.from)} to ${pct(bestFixed.grid.to)} in steps of ${pct(bestFixed.grid.step)}, the one with the most profit
  on the same preceding period that SGD's step size was tuned on, by the objective SGD is judged on (profit): **${pct(bestFixed.cutoff)}**
  (${money(bestFixed.precedingProfit)} there), then kept fixed.
- **Re-fitted cut-off**: the same choice made again every ${refitted.every} loans on every outcome recorded by then: the whole preceding period
  and the replayed loans decided at least ${report.options.delay} loans earlier. ${source.timing(report)} It also sees the outcomes of loans it declined ${source.declinedOutcomes}, which SGD never does: a
  stronger baseline than like for like. Cut-offs chosen: ${cutoffsSeen} (${refitted.refits.length} re-fits).
- **Approve all**.

| policy | approval rate | default rate | profit | profit per unit lent |
|---|---|---|---|---|
${row(`SGD, seed ${report.options.seed} (starts at ${pct(report.options.initialCutoff)}, ends at ${pct(report.sgd.finalCutoff)})`, report.sgd)}
| SGD, mean ± sd over ${s.seeds} seeds (min to max) | ${pct(s.meanApprovalRate)} | ${pct(s.meanDefaultRate)} | ${money(s.meanProfit)} ± ${money(s.sdProfit)} (${money(s.minProfit)} to ${money(s.maxProfit)}) | |
${row(`fixed cut-off ${pct(report.fixed.cutoff)}`, report.fixed)}
${row(`best fixed cut-off ${pct(bestFixed.cutoff)} (chosen on the preceding period)`, bestFixed)}
${row(`re-fitted cut-off (every ${refitted.every} loans)`, refitted)}
${row('approve all', report.approveAll)}

## Does SGD still win?

One run's profit depends on its random draws, so SGD is judged by its mean over ${s.seeds} seeds (${REPORT_SEEDS[0]}…${REPORT_SEEDS[REPORT_SEEDS.length - 1]}, each XOR the seed
above). The baselines draw nothing: their profit is one number. The ± is the standard error of SGD's mean over the seeds (sd / √${s.seeds}); it
leaves out the other uncertainty, that these ${n} loans are one draw of history.

| baseline | its profit | SGD's mean − it | SGD run ahead in | |
|---|---|---|---|---|
${against(`fixed ${pct(report.fixed.cutoff)}`, report.fixed.profit, s.winsOver.fixed)}
${against(`best fixed ${pct(bestFixed.cutoff)}`, bestFixed.profit, s.winsOver.bestFixed)}
${against(`re-fitted every ${refitted.every} loans`, refitted.profit, s.winsOver.refitted)}
${against('approve all', report.approveAll.profit, s.winsOver.approveAll)}

${summary(s, [
  [`the fixed ${pct(report.fixed.cutoff)}`, report.fixed.profit],
  [`the best fixed cut-off`, bestFixed.profit],
  [`the re-fitted cut-off`, refitted.profit],
  ['approve-all', report.approveAll.profit],
])}

Re-fitted every ${report.refitPeriods.map((r) => r.every.toLocaleString('en-US')).join(' / ')} loans instead: profit ${report.refitPeriods.map((r) => money(r.profit)).join(' / ')}
(SGD's mean is ahead of ${report.refitPeriods.filter((r) => s.meanProfit > r.profit).length} of these ${report.refitPeriods.length}).

![cut-offs over time](cutoff.svg)
`;
}

/** One sentence: which baselines SGD's mean beats clearly, which within its noise, which it does not. */
function summary(spread: SeedSpread, baselines: [string, number][]): string {
  const list = (names: string[]) => (names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`);
  const d = baselines.map(([name, profit]) => ({ name, ...againstBaseline(spread, profit) }));
  const clear = d.filter((b) => b.difference > 2 * b.standardError).map((b) => b.name);
  const close = d.filter((b) => Math.abs(b.difference) <= 2 * b.standardError).map((b) => `${b.name} (${b.difference >= 0 ? 'ahead' : 'behind'})`);
  const behind = d.filter((b) => b.difference < -2 * b.standardError).map((b) => b.name);
  const parts = [
    clear.length ? `clearly beats ${list(clear)}` : '',
    close.length ? `is within two standard errors of ${list(close)}` : '',
    behind.length ? `loses clearly to ${list(behind)}` : '',
  ].filter(Boolean);
  return `**In short**, on its mean over ${spread.seeds} seeds SGD ${list(parts)}.`;
}
