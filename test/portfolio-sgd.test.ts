import { beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../src/model/load.ts';
import { loadHistory, type HistoricalLoan } from '../src/portfolio/history.ts';
import { outOfTimeInIssueOrder, replayLoan, replayReport, tuneSgd, validationInIssueOrder } from '../src/portfolio/replay.ts';
import { DEFAULT_SGD, replaySgd } from '../src/portfolio/sgd.ts';
import { DEFAULT_POLICY } from '../src/scoring/policy.ts';

let history: HistoricalLoan[];
beforeAll(async () => {
  history = await loadHistory(loadModel('models'));
});

describe('SGD lending policy on LendingClub history', () => {
  it('replays the out-of-time loans oldest first', () => {
    const replay = outOfTimeInIssueOrder(history);
    expect(replay).toHaveLength(Math.round(history.length * 0.2));
    // The file lists newest first: the replay starts at the last out-of-time line and ends at the first.
    expect(replay[0].line).toBeGreaterThan(replay[replay.length - 1].line);
    expect(validationInIssueOrder(history)[0].line).toBeGreaterThan(replay[0].line);
  });

  it('is reproducible with a seed, and learns nothing before the first outcome arrives', () => {
    const loans = outOfTimeInIssueOrder(history).map((l) => replayLoan(l, DEFAULT_POLICY));
    const a = replaySgd(loans, DEFAULT_SGD);
    const b = replaySgd(loans, DEFAULT_SGD);
    const c = replaySgd(loans, { ...DEFAULT_SGD, seed: 7 });
    expect(Array.from(a.cutoffs)).toEqual(Array.from(b.cutoffs));
    expect(a.profit).toBe(b.profit);
    expect(Array.from(c.cutoffs)).not.toEqual(Array.from(a.cutoffs));
    for (let t = 0; t < DEFAULT_SGD.delay; t++) expect(a.cutoffs[t]).toBe(DEFAULT_SGD.initialCutoff);
    expect(a.cutoffs[loans.length - 1]).not.toBe(DEFAULT_SGD.initialCutoff);
  });

  it('with step sizes tuned on the preceding period, beats the fixed cut-off and approve-all on the later loans', () => {
    const { options } = tuneSgd(validationInIssueOrder(history));
    const report = replayReport(outOfTimeInIssueOrder(history), options);
    // One run's profit swings with its random draws: judge the policy on its mean over seeds.
    expect(report.acrossSeeds.meanProfit).toBeGreaterThan(report.fixed.profit);
    expect(report.sgd.profit).toBeGreaterThan(report.approveAll.profit);
    expect(report.sgd.defaultRate).toBeLessThan(report.approveAll.defaultRate);
    expect(report.sgd.approvalRate).toBeGreaterThan(0.05);
    expect(report.approveAll.approvalRate).toBe(1);
    // Across seeds, not by luck of one: SGD beats the fixed cut-off in most runs.
    expect(report.acrossSeeds.seeds).toBe(8);
    expect(report.acrossSeeds.winsOverFixed).toBeGreaterThanOrEqual(6);
  });

  it('prices outcomes from the file: instalments for repaid loans, LGD × amount for defaults', () => {
    const repaid = history.find((l) => l.bad === 0)!;
    const defaulted = history.find((l) => l.bad === 1)!;
    const r = replayLoan(repaid, DEFAULT_POLICY);
    expect(r.profit).toBeCloseTo(repaid.installment * repaid.termMonths - repaid.amount - 0.04 * repaid.amount * 0.5 * (repaid.termMonths / 12), 6);
    expect(replayLoan(defaulted, DEFAULT_POLICY).profit).toBeCloseTo(-0.6 * defaulted.amount, 6);
  });
});
