import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { berkaTransaction, readBerkaTransactions } from '../src/data/berka.ts';
import type { Transaction } from '../src/data/statement.ts';
import { BEHAVIOUR_FEATURES, BehaviourError, behaviourFeatures } from '../src/features/behaviour.ts';
import { BehaviourModelSchema, behaviourEvidence, combinePd } from '../src/model/behaviour-model.ts';
import { bootstrap, berkaSamples } from '../src/training/behaviour.ts';

const d = (iso: string) => new Date(`${iso}T00:00:00Z`);
const t = (iso: string, amount: number, balance: number, description: string): Transaction => ({ date: d(iso), amount, balance, description });

// A hand-made quarter: salary 2,000 each month; rent, a cash withdrawal, one overdraft with a fee.
const history: Transaction[] = [
  t('2024-01-01', 2000, 2000, 'Salary ACME'),
  t('2024-01-05', -800, 1200, 'Rent'),
  t('2024-01-20', -200, 1000, 'Cash withdrawal ATM'),
  t('2024-02-01', 2000, 3000, 'Salary ACME'),
  t('2024-02-10', -3500, -500, 'Card: flights'),
  t('2024-02-15', -25, -525, 'Overdraft fee'),
  t('2024-02-20', 1000, 475, 'Transfer from savings'),
  t('2024-03-01', 2000, 2475, 'Salary ACME'),
  t('2024-03-03', -100, 2375, 'Loan payment car finance'),
  // On and after the application date: must be ignored.
  t('2024-04-01', -99_999, -97_624, 'Casino'),
];

describe('behavioural features', () => {
  const f = behaviourFeatures(history, d('2024-04-01'), 12);

  it('computes each defined feature on a history with known answers', () => {
    expect(Object.keys(f).sort()).toEqual(BEHAVIOUR_FEATURES.map(([n]) => n).sort());
    expect(f.monthsObserved).toBe(3);
    expect(f.regularIncome).toBe(2000);
    expect(f.regularIncomeShare).toBe(1);
    expect(f.monthlySpending).toBeCloseTo((1000 + 3525 + 100) / 3, 10);
    expect(f.savingsRate).toBeCloseTo((7000 - 4625) / 7000, 10);
    expect(f.essentialShare).toBeCloseTo(800 / 4625, 10);
    expect(f.cashWithdrawalShare).toBeCloseTo(200 / 4625, 10);
    expect(f.loanPayments).toBeCloseTo(100 / 3, 10);
    expect(f.penaltyCharges).toBe(1);
    expect(f.lowestBalance).toBe(-525);
    expect(f.episodesBelowZero).toBe(1);
    expect(f.daysBelowZero).toBe(10); // 10 Feb to 20 Feb
    expect(f.incomeVolatility).toBeCloseTo(Math.sqrt(((2000 - 7000 / 3) ** 2 * 2 + (3000 - 7000 / 3) ** 2) / 2) / (7000 / 3), 10);
  });

  it('uses nothing on or after the application date', () => {
    const changed = behaviourFeatures([...history, t('2024-04-02', 50_000, 1, 'Lottery'), t('2024-04-01', -5, -5, 'Overdraft fee')], d('2024-04-01'), 12);
    expect(changed).toEqual(f);
    expect(() => behaviourFeatures(history, d('2023-01-01'))).toThrow(BehaviourError);
  });

  it('reads Berka transactions in Czech codes and in English', async () => {
    const rows = await readBerkaTransactions(new URL('./fixtures/berka-czech.asc', import.meta.url).pathname);
    const acct = rows.get(2177)!;
    expect(acct.map((x) => x.amount)).toEqual([5123, -1200, -5000, -14.6]);
    expect(acct.map((x) => x.description)).toEqual(['collection from another bank old-age pension', 'remittance to another bank household', 'withdrawal in cash', 'sanction interest if negative balance']);
    const g = behaviourFeatures(acct, d('1993-02-01'));
    expect(g).toMatchObject({ penaltyCharges: 1, episodesBelowZero: 1, lowestBalance: -291.6 });
    expect(g.essentialShare).toBeCloseTo(1200 / 6214.6, 10);
    expect(berkaTransaction({ trans_id: '1', account_id: '2', date: '970101', type: 'withdrawal in cash', operation: 'withdrawal in cash', amount: '100', balance: '5', k_symbol: '' }).amount).toBe(-100);
  });
});

describe('combining behavioural evidence with the bureau PD', () => {
  it('adds log-odds: neutral evidence changes nothing, evidence moves PD the right way', () => {
    expect(combinePd(0.2, 0)).toBeCloseTo(0.2, 12);
    expect(combinePd(0.2, Math.log(2))).toBeCloseTo(1 / (1 + 4 / 2), 12); // odds 1:4 doubled to 1:2
    expect(combinePd(0.2, -1)).toBeLessThan(0.2);
    expect(combinePd(combinePd(0.2, 0.5), 0.3)).toBeCloseTo(combinePd(0.2, 0.8), 12);
  });

  it('leans on the behavioural evidence for a thin file by shrinking the bureau evidence', () => {
    const full = combinePd(0.4, -1, { bureauWeight: 1, bureauBaseRate: 0.15 });
    const thin = combinePd(0.4, -1, { bureauWeight: 0.5, bureauBaseRate: 0.15 });
    expect(thin).toBeLessThan(full);
    expect(combinePd(0.4, 0, { bureauWeight: 0, bureauBaseRate: 0.15 })).toBeCloseTo(0.15, 12);
  });
});

describe('the shipped behavioural model (Berka, cross-validated)', () => {
  const manifest = JSON.parse(readFileSync('models/manifest.json', 'utf8'));
  const model = BehaviourModelSchema.parse(JSON.parse(readFileSync(`models/${manifest.behaviour}/model.json`, 'utf8')));
  const metrics = JSON.parse(readFileSync(`models/${manifest.behaviour}/metrics.json`, 'utf8'));

  it('was built from 354 loans of 1997–98 with 30 bad, transactions strictly before each loan', async () => {
    const samples = await berkaSamples();
    expect(samples).toHaveLength(354);
    expect(samples.filter((s) => s.loan.bad).length).toBe(30);
    expect(metrics.data).toMatchObject({ loans: 354, bad: 30 });
  });

  it('predicts default better than chance, with the interval to show it (lower 95% bound of CV ROC-AUC > 0.6)', () => {
    expect(metrics.behaviourOnly.ci95[0]).toBeGreaterThan(0.6);
    expect(metrics.bankPlusBehaviour.rocAuc).toBeGreaterThan(metrics.bankOnly.rocAuc);
    expect(metrics.bankPlusBehaviour.gainCi95[0]).toBeGreaterThan(0);
    // The additive rule does about as well as one joint model on these loans.
    expect(Math.abs(metrics.combinationRule.additive.rocAuc - metrics.combinationRule.joint.rocAuc)).toBeLessThan(0.02);
  });

  it('gives riskier evidence for an account that runs overdrawn with penalty charges', () => {
    const calm = behaviourFeatures(history.filter((x) => !/flights|fee/i.test(x.description)), d('2024-04-01'));
    const risky = behaviourFeatures(history, d('2024-04-01'));
    expect(behaviourEvidence(model, risky)!.logOdds).toBeGreaterThan(behaviourEvidence(model, calm)!.logOdds);
    // Summary answers use the answers model, and say nothing when they are incomplete.
    expect(behaviourEvidence(model, { savingsRate: 0.2 })).toBeUndefined();
    const saver = behaviourEvidence(model, { savingsRate: 0.3, episodesBelowZero: 0 })!;
    const overdrawn = behaviourEvidence(model, { savingsRate: -0.2, episodesBelowZero: 6 })!;
    expect(overdrawn.logOdds).toBeGreaterThan(saver.logOdds);
  });

  it('bootstrap intervals cover the point estimate', () => {
    const y = Uint8Array.from([0, 0, 1, 1, 0, 1, 0, 0, 1, 0]);
    const p = Float64Array.from([0.1, 0.2, 0.7, 0.4, 0.3, 0.9, 0.2, 0.5, 0.6, 0.1]);
    const ci = bootstrap(y, [p], (yb, [pb]) => pb.reduce((s, v, i) => s + (yb[i] ? v : 0), 0) / Math.max(1, yb.filter(Boolean).length), 500, 1);
    expect(ci.lo).toBeLessThanOrEqual(0.65);
    expect(ci.hi).toBeGreaterThanOrEqual(0.65);
  });
});
