import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { berkaTransaction, readBerkaTransactions } from '../src/data/berka.ts';
import { parseStatement, type Transaction } from '../src/data/statement.ts';
import {
  BEHAVIOUR_FEATURE_BOUNDS,
  BEHAVIOUR_FEATURE_NAMES,
  BEHAVIOUR_FEATURES,
  BEHAVIOUR_INPUT_SIGNS,
  BEHAVIOUR_MODEL_INPUT_BOUNDS,
  BEHAVIOUR_MODEL_INPUTS,
  BehaviourError,
  BehaviourFeaturesSchema,
  behaviourFeatures,
  type BehaviourFeatures,
  type BehaviourModelInput,
} from '../src/features/behaviour.ts';
import { BehaviourModelSchema, EVIDENCE_CAP, FULL_HISTORY_MONTHS, SELF_REPORTED_WEIGHT, behaviourEvidence, combinePd } from '../src/model/behaviour-model.ts';
import { logit, sigmoid } from '../src/model/logistic.ts';
import { behaviourInputsOf } from '../src/scoring/evidence.ts';
import { AlternativeDataSchema } from '../src/applicant/schema.ts';
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

/**
 * Twelve months before 2025-01-01: salary in; rent, bills, card spending and a transfer to savings out.
 * Clean: never overdrawn. With `overdrawnInJune`: one spell below zero at the end of June, with a fee.
 */
function year(overdrawnInJune = false): Transaction[] {
  const out: Transaction[] = [];
  let balance = 1500;
  const add = (iso: string, amount: number, description: string) => {
    balance += amount;
    out.push(t(iso, amount, balance, description));
  };
  for (let m = 1; m <= 12; m++) {
    const mm = String(m).padStart(2, '0');
    add(`2024-${mm}-01`, 3000, 'Salary ACME Ltd');
    add(`2024-${mm}-03`, -1000, 'Rent');
    add(`2024-${mm}-05`, -150, 'Electricity and gas');
    add(`2024-${mm}-12`, -600, 'Card: groceries');
    add(`2024-${mm}-20`, -400, 'Card: shopping');
    add(`2024-${mm}-25`, -500, 'Transfer to savings account');
    if (overdrawnInJune && m === 6) {
      add('2024-06-28', -(balance + 100), 'Card: car repair');
      add('2024-06-29', -30, 'Overdraft fee');
    }
  }
  return out;
}

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

  it('counts a day overdrawn once, however many transactions it holds', () => {
    const sameDay = [t('2024-03-01', 100, 100, 'In'), ...Array.from({ length: 50 }, (_, i) => t('2024-03-02', i % 2 ? 10 : -10, i % 2 ? 5 : -5, 'Card'))];
    const g = behaviourFeatures(sameDay, d('2024-03-03'));
    expect(g.daysBelowZero).toBe(1);
    expect(g.episodesBelowZero).toBe(1);
  });

  it('reads Berka transactions in Czech codes and in English', async () => {
    const rows = await readBerkaTransactions(new URL('./fixtures/berka-czech.asc', import.meta.url).pathname);
    const acct = rows.get(2177)!;
    expect(acct.map((x) => x.amount)).toEqual([5123, -1200, -5000, -14.6]);
    expect(acct.map((x) => x.description)).toEqual([
      'collection from another bank old-age pension',
      'remittance to another bank household',
      'withdrawal in cash',
      'sanction interest if negative balance',
    ]);
    const g = behaviourFeatures(acct, d('1993-02-01'));
    expect(g).toMatchObject({ penaltyCharges: 1, episodesBelowZero: 1, lowestBalance: -291.6 });
    expect(g.essentialShare).toBeCloseTo(1200 / 6214.6, 10);
    expect(
      berkaTransaction({
        trans_id: '1',
        account_id: '2',
        date: '970101',
        type: 'withdrawal in cash',
        operation: 'withdrawal in cash',
        amount: '100',
        balance: '5',
        k_symbol: '',
      }).amount,
    ).toBe(-100);
  });
});

describe('behavioural features are bounded', () => {
  const finiteAndInBounds = (g: BehaviourFeatures) => {
    for (const name of BEHAVIOUR_FEATURE_NAMES) {
      expect(Number.isFinite(g[name]), name).toBe(true);
      expect(g[name], name).toBeGreaterThanOrEqual(BEHAVIOUR_FEATURE_BOUNDS[name].min);
      expect(g[name], name).toBeLessThanOrEqual(BEHAVIOUR_FEATURE_BOUNDS[name].max);
    }
    expect(BehaviourFeaturesSchema.safeParse(g).success).toBe(true);
  };

  it('every feature has finite bounds in its schema', () => {
    for (const name of BEHAVIOUR_FEATURE_NAMES) {
      const field = BehaviourFeaturesSchema.shape[name];
      expect(Number.isFinite(field.minValue), name).toBe(true);
      expect(Number.isFinite(field.maxValue), name).toBe(true);
    }
    expect(BehaviourFeaturesSchema.safeParse({ ...behaviourFeatures(history, d('2024-04-01')), daysBelowZero: 1e9 }).success).toBe(false);
    expect(BehaviourFeaturesSchema.safeParse({ ...behaviourFeatures(history, d('2024-04-01')), averageBalance: Infinity }).success).toBe(false);
  });

  it('150,000 transactions of ±1e308 neither overflow the stack nor give NaN or Infinity', () => {
    const start = Date.UTC(2024, 0, 1);
    const huge: Transaction[] = Array.from({ length: 150_000 }, (_, i) => ({
      date: new Date(start + (i % 360) * 86_400_000),
      amount: i % 3 === 0 ? 1e308 : -1e308,
      balance: i % 2 ? 1.7e308 : -1.7e308,
      description: i % 5 === 0 ? 'Overdraft fee' : i % 7 === 0 ? 'Cash withdrawal ATM' : 'Rent',
    }));
    const g = behaviourFeatures(huge, d('2025-01-01'));
    finiteAndInBounds(g);
    expect(g.penaltyCharges).toBe(BEHAVIOUR_FEATURE_BOUNDS.penaltyCharges.max);
  });

  it('a 150,000-row statement file with amounts of 1e308 reads into finite features', () => {
    const lines = ['Date,Description,Amount,Balance'];
    for (let i = 0; i < 150_000; i++)
      lines.push(`2024-${String((i % 12) + 1).padStart(2, '0')}-15,Item ${i},${i % 2 ? '-' : ''}1e308,${i % 3 ? '-' : ''}1.5e308`);
    const tx = parseStatement(`${lines.join('\n')}\n`);
    expect(tx).toHaveLength(150_000);
    finiteAndInBounds(behaviourFeatures(tx, d('2025-01-01')));
  });

  it('random transactions, extreme ones included, always give finite features within their bounds', () => {
    const amount = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.constantFrom(0, -0, 1e308, -1e308, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE),
    );
    const tx = fc.record({
      day: fc.integer({ min: 0, max: 400 }),
      amount,
      balance: fc.option(amount, { nil: undefined }),
      description: fc.constantFrom('Salary', 'Rent', 'Overdraft fee', 'Cash withdrawal ATM', 'Loan payment', ''),
    });
    fc.assert(
      fc.property(fc.array(tx, { minLength: 1, maxLength: 60 }), (rows) => {
        const list: Transaction[] = rows.map((r) => ({
          date: new Date(Date.UTC(2024, 0, 1) + r.day * 86_400_000),
          amount: r.amount,
          ...(r.balance !== undefined ? { balance: r.balance } : {}),
          description: r.description,
        }));
        let g: BehaviourFeatures;
        try {
          g = behaviourFeatures(list, d('2025-01-15'));
        } catch (error) {
          expect(error).toBeInstanceOf(BehaviourError); // e.g. nothing inside the window
          return;
        }
        finiteAndInBounds(g);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses an amount that is not a number, rather than computing NaN', () => {
    expect(() => behaviourFeatures([t('2024-03-01', Number.NaN, 0, 'x')], d('2024-04-01'))).toThrow(BehaviourError);
    expect(() => behaviourFeatures([t('2024-03-01', 5, Number.POSITIVE_INFINITY, 'x')], d('2024-04-01'))).toThrow(BehaviourError);
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

  it('was built from every usable Berka loan: 354 of 1997–98 and 116 of 1993–94 with history in the partial file', async () => {
    const samples = await berkaSamples();
    const of = (c: string) => samples.filter((s) => s.cohort === c);
    expect(of('1997-98')).toHaveLength(354);
    expect(of('1997-98').filter((s) => s.loan.bad).length).toBe(30);
    expect(of('1993-94')).toHaveLength(116);
    expect(of('1993-94').filter((s) => s.loan.bad).length).toBe(17);
    for (const s of of('1993-94')) {
      expect(s.historyMonths).toBeGreaterThanOrEqual(metrics.data.minHistoryMonths);
      expect(s.loan.date.getTime()).toBeLessThan(Date.UTC(1995, 0, 1));
    }
    expect(metrics.data).toMatchObject({ loans: 470, bad: 47 });
  });

  it('predicts default better than chance, with the interval to show it (lower 95% bound of CV ROC-AUC > 0.6)', () => {
    expect(metrics.behaviourOnly.ci95[0]).toBeGreaterThan(0.6);
    expect(metrics.bankPlusBehaviour.rocAuc).toBeGreaterThan(metrics.bankOnly.rocAuc);
    expect(metrics.bankPlusBehaviour.gainCi95[0]).toBeGreaterThan(0);
    // What a decision adds (the capped evidence) still helps, with an interval above zero.
    expect(metrics.bankPlusCappedEvidence.gainCi95[0]).toBeGreaterThan(0);
    // The additive rule does about as well as one joint model on these loans.
    expect(Math.abs(metrics.combinationRule.additive.rocAuc - metrics.combinationRule.joint.rocAuc)).toBeLessThan(0.02);
    // The penalty was chosen by cross-validation from the stated grid.
    expect(metrics.regularisation.grid).toContain(model.statement.model.l2);
    expect(model.statement.model.l2).toBe(metrics.regularisation.statement.l2);
    expect(model.answers.model.l2).toBe(metrics.regularisation.answers.l2);
  });

  it('holds every coefficient to its documented sign', () => {
    for (const sub of [model.statement, model.answers]) {
      expect(sub.signs).toEqual(sub.inputs.map((k) => BEHAVIOUR_INPUT_SIGNS[k]));
      sub.inputs.forEach((k, j) => expect(sub.model.coefficients[j] * BEHAVIOUR_INPUT_SIGNS[k], k).toBeGreaterThanOrEqual(0));
    }
    expect(metrics.signs).toEqual(BEHAVIOUR_INPUT_SIGNS);
  });

  it('gives riskier evidence for an account that runs overdrawn with penalty charges', () => {
    const calm = behaviourFeatures(
      history.filter((x) => !/flights|fee/i.test(x.description)),
      d('2024-04-01'),
    );
    const risky = behaviourFeatures(history, d('2024-04-01'));
    expect(behaviourEvidence(model, risky)!.logOdds).toBeGreaterThan(behaviourEvidence(model, calm)!.logOdds);
    // Summary answers use the answers model, and say nothing when they are incomplete.
    expect(behaviourEvidence(model, { savingsRate: 0.2 })).toBeUndefined();
    expect(behaviourEvidence(model, { savingsRate: Number.NaN, episodesBelowZero: 0 })).toBeUndefined();
    const saver = behaviourEvidence(model, { savingsRate: 0.3, episodesBelowZero: 0 })!;
    const overdrawn = behaviourEvidence(model, { savingsRate: -0.2, episodesBelowZero: 6 })!;
    expect(overdrawn.logOdds).toBeGreaterThan(saver.logOdds);
    expect(saver.source).toBe('self-reported');
  });

  it('bootstrap intervals cover the point estimate', () => {
    const y = Uint8Array.from([0, 0, 1, 1, 0, 1, 0, 0, 1, 0]);
    const p = Float64Array.from([0.1, 0.2, 0.7, 0.4, 0.3, 0.9, 0.2, 0.5, 0.6, 0.1]);
    const ci = bootstrap(y, [p], (yb, [pb]) => pb.reduce((s, v, i) => s + (yb[i] ? v : 0), 0) / Math.max(1, yb.filter(Boolean).length), 500, 1);
    expect(ci.lo).toBeLessThanOrEqual(0.65);
    expect(ci.hi).toBeGreaterThanOrEqual(0.65);
  });
});

describe('behavioural evidence with sense: signs, cap, shrinkage (property tests on the shipped model)', () => {
  const manifest = JSON.parse(readFileSync('models/manifest.json', 'utf8'));
  const model = BehaviourModelSchema.parse(JSON.parse(readFileSync(`models/${manifest.behaviour}/model.json`, 'utf8')));
  const EPS = 1e-12;
  const SIGNED = BEHAVIOUR_MODEL_INPUTS.filter((k) => BEHAVIOUR_INPUT_SIGNS[k] !== 0);
  const SOURCES = ['statement', 'self-reported'] as const;

  /** Any number a caller might pass: inside the range, at its ends, far beyond, negative, huge, infinite. */
  const anyNumber = (k: BehaviourModelInput) => {
    const { min, max } = BEHAVIOUR_MODEL_INPUT_BOUNDS[k];
    return fc.oneof(
      fc.double({ min, max, noNaN: true }),
      fc.constantFrom(min, max, 0, -1, 1e6, -1e6, 1e308, -1e308, Infinity, -Infinity),
      fc.double({ noNaN: true }),
    );
  };
  const inputsArb = fc.record(Object.fromEntries(BEHAVIOUR_MODEL_INPUTS.map((k) => [k, anyNumber(k)])) as Record<BehaviourModelInput, fc.Arbitrary<number>>);
  const answersArb = fc.record({ savingsRate: anyNumber('savingsRate'), episodesBelowZero: anyNumber('episodesBelowZero') });
  /** Every accepted statement: any feature values the schema allows. */
  const featuresArb = fc.record(
    Object.fromEntries(
      BEHAVIOUR_FEATURE_NAMES.map((n) => {
        const { min, max, integer } = BEHAVIOUR_FEATURE_BOUNDS[n];
        return [n, integer ? fc.integer({ min, max }) : fc.oneof(fc.double({ min, max, noNaN: true }), fc.constantFrom(min, max, 0))];
      }),
    ) as Record<keyof BehaviourFeatures, fc.Arbitrary<number>>,
  );

  it('a short statement counts in proportion to the months it covers (a typed two-line file moves little)', () => {
    fc.assert(
      fc.property(featuresArb, (features) => {
        const e = behaviourEvidence(model, features, { source: 'statement' });
        if (!e) return;
        const coverage = Math.min(1, features.monthsObserved / FULL_HISTORY_MONTHS);
        expect(Math.abs(e.logOdds)).toBeLessThanOrEqual(EVIDENCE_CAP * coverage + EPS);
      }),
      { numRuns: 500, seed: 21 },
    );
  });

  it('moving one signed input the bad way never lowers the evidence, across its whole range and beyond', () => {
    fc.assert(
      fc.property(inputsArb, fc.constantFrom(...SIGNED), fc.double({ min: 0, max: 1e9, noNaN: true }), fc.constantFrom(...SOURCES), (base, k, step, source) => {
        const s = BEHAVIOUR_INPUT_SIGNS[k];
        const worse = { ...base, [k]: base[k] + s * step };
        const a = behaviourEvidence(model, base, { source })!;
        const b = behaviourEvidence(model, worse, { source })!;
        expect(b.logOdds).toBeGreaterThanOrEqual(a.logOdds - EPS);
      }),
      { numRuns: 2000 },
    );
    // The same for the answers: more months overdrawn or less saved never lowers the evidence.
    fc.assert(
      fc.property(
        answersArb,
        fc.constantFrom('savingsRate', 'episodesBelowZero') as fc.Arbitrary<'savingsRate' | 'episodesBelowZero'>,
        fc.double({ min: 0, max: 1e9, noNaN: true }),
        (base, k, step) => {
          const worse = { ...base, [k]: base[k] + BEHAVIOUR_INPUT_SIGNS[k] * step };
          expect(behaviourEvidence(model, worse)!.logOdds).toBeGreaterThanOrEqual(behaviourEvidence(model, base)!.logOdds - EPS);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('the same holds for the features a statement gives (each signed feature, the others fixed)', () => {
    // The features that feed one signed input each, and the direction that is worse.
    const worseWay: Partial<Record<keyof BehaviourFeatures, 1 | -1>> = {
      regularIncomeShare: -1,
      incomeVolatility: 1,
      savingsRate: -1,
      averageBalance: -1,
      lowestBalance: -1,
      daysBelowZero: 1,
      episodesBelowZero: 1,
      penaltyCharges: 1,
      cashWithdrawalShare: 1,
    };
    const names = Object.keys(worseWay) as (keyof BehaviourFeatures)[];
    fc.assert(
      fc.property(featuresArb, fc.constantFrom(...names), fc.double({ min: 0, max: 1, noNaN: true }), (f, k, share) => {
        const { min, max } = BEHAVIOUR_FEATURE_BOUNDS[k];
        const to = worseWay[k]! > 0 ? f[k] + share * (max - f[k]) : f[k] - share * (f[k] - min);
        const worse = { ...f, [k]: BEHAVIOUR_FEATURE_BOUNDS[k].integer ? (worseWay[k]! > 0 ? Math.ceil(to) : Math.floor(to)) : to };
        expect(BehaviourFeaturesSchema.safeParse(worse).success).toBe(true);
        expect(behaviourEvidence(model, worse)!.logOdds).toBeGreaterThanOrEqual(behaviourEvidence(model, f)!.logOdds - EPS);
      }),
      { numRuns: 2000 },
    );
  });

  it('the cap holds and the evidence is finite for random and extreme inputs, and for every accepted statement', () => {
    const check = (e: ReturnType<typeof behaviourEvidence>) => {
      expect(e).toBeDefined();
      expect(Number.isFinite(e!.logOdds)).toBe(true);
      expect(Math.abs(e!.logOdds)).toBeLessThanOrEqual(EVIDENCE_CAP + EPS);
      for (const v of Object.values(e!.byInput)) expect(Number.isFinite(v)).toBe(true);
    };
    fc.assert(
      fc.property(inputsArb, fc.constantFrom(...SOURCES), (x, source) => check(behaviourEvidence(model, x, { source }))),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(answersArb, fc.constantFrom(...SOURCES), (x, source) => check(behaviourEvidence(model, x, { source }))),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(featuresArb, (f) => check(behaviourEvidence(model, f))),
      { numRuns: 2000 },
    );
    // Extremes: every input at its worst, at its best, zero, huge, negative.
    const all = (v: (k: BehaviourModelInput) => number) =>
      Object.fromEntries(BEHAVIOUR_MODEL_INPUTS.map((k) => [k, v(k)])) as Record<BehaviourModelInput, number>;
    const worst = all((k) => (BEHAVIOUR_INPUT_SIGNS[k] > 0 ? 1e308 : BEHAVIOUR_INPUT_SIGNS[k] < 0 ? -1e308 : 0));
    const best = all((k) => (BEHAVIOUR_INPUT_SIGNS[k] > 0 ? -1e308 : BEHAVIOUR_INPUT_SIGNS[k] < 0 ? 1e308 : 0));
    for (const x of [worst, best, all(() => 0), all(() => 1e308), all(() => -1e308), all(() => Infinity), all(() => -Infinity)]) {
      for (const source of SOURCES) check(behaviourEvidence(model, x, { source }));
    }
    expect(behaviourEvidence(model, worst)!.logOdds).toBeCloseTo(SELF_REPORTED_WEIGHT * EVIDENCE_CAP, 12); // a complete set of inputs, no source: self-reported
    expect(behaviourEvidence(model, worst, { source: 'statement' })!.logOdds).toBeCloseTo(EVIDENCE_CAP, 12);
    expect(behaviourEvidence(model, { savingsRate: -1e308, episodesBelowZero: 1e308 }, { source: 'statement' })!.logOdds).toBeCloseTo(EVIDENCE_CAP, 12);
  });

  it('self-reported evidence is never larger in magnitude than the same figures from a statement', () => {
    fc.assert(
      fc.property(fc.oneof(inputsArb, answersArb) as fc.Arbitrary<Partial<Record<BehaviourModelInput, number>>>, (x) => {
        const self = behaviourEvidence(model, x, { source: 'self-reported' })!;
        const statement = behaviourEvidence(model, x, { source: 'statement' })!;
        expect(Math.abs(self.logOdds)).toBeLessThanOrEqual(Math.abs(statement.logOdds) + EPS);
        expect(Math.sign(self.logOdds)).toBe(Math.sign(statement.logOdds));
        expect(Math.abs(self.logOdds)).toBeLessThanOrEqual(SELF_REPORTED_WEIGHT * EVIDENCE_CAP + EPS);
      }),
      { numRuns: 2000 },
    );
    // Answers as a decision reads them (src/scoring/evidence.ts) are self-reported by default.
    const answers = fc.record({
      monthlyIncomeDeposits: fc.option(fc.double({ min: 0, max: 1_000_000, noNaN: true }), { nil: undefined }),
      monthlySpending: fc.option(fc.double({ min: 0, max: 1_000_000, noNaN: true }), { nil: undefined }),
      monthlySavings: fc.option(fc.double({ min: -1_000_000, max: 1_000_000, noNaN: true }), { nil: undefined }),
      overdraftMonths12m: fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(answers, (raw) => {
        const alt = AlternativeDataSchema.parse(Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)));
        const given = behaviourInputsOf(alt);
        const e = given && behaviourEvidence(model, given.inputs);
        if (!e) return;
        expect(e.source).toBe('self-reported');
        expect(Number.isFinite(e.logOdds)).toBe(true);
        expect(Math.abs(e.logOdds)).toBeLessThanOrEqual(SELF_REPORTED_WEIGHT * EVIDENCE_CAP + EPS);
      }),
      { numRuns: 1000 },
    );
  });

  it('a clean 12-month statement cannot take a 16.9% PD below odds ÷ 3, nor one month overdrawn above odds × 3', () => {
    const bureau = 0.169;
    const floor = sigmoid(logit(bureau) - Math.log(3)); // ≈ 6.3%
    const ceiling = sigmoid(logit(bureau) + Math.log(3)); // ≈ 37.9%
    const clean = behaviourFeatures(year(), d('2025-01-01'));
    expect(clean).toMatchObject({ monthsObserved: 12, daysBelowZero: 0, episodesBelowZero: 0, penaltyCharges: 0, regularIncomeShare: 1 });
    const cleanPd = combinePd(bureau, behaviourEvidence(model, clean)!.logOdds);
    expect(cleanPd).toBeLessThan(bureau); // good news lowers the PD…
    expect(cleanPd).toBeGreaterThanOrEqual(floor - 1e-12); // …by at most a factor of 3 on the odds (it was 0.6% before the cap)
    // One month overdrawn, as an answer (it was 97.5% before the cap and the shrinkage)…
    const answered = behaviourInputsOf(AlternativeDataSchema.parse({ monthlyIncomeDeposits: 3000, monthlySpending: 2500, overdraftMonths12m: 1 }))!;
    const answeredPd = combinePd(bureau, behaviourEvidence(model, answered.inputs)!.logOdds);
    expect(answeredPd).toBeGreaterThan(bureau);
    expect(answeredPd).toBeLessThanOrEqual(sigmoid(logit(bureau) + SELF_REPORTED_WEIGHT * Math.log(3)) + 1e-12);
    // …and in a statement: the clean year with one overdrawn spell and its fee.
    const overdrawn = behaviourFeatures(year(true), d('2025-01-01'));
    expect(overdrawn).toMatchObject({ episodesBelowZero: 1, daysBelowZero: 3, penaltyCharges: 1 });
    const overdrawnPd = combinePd(bureau, behaviourEvidence(model, overdrawn)!.logOdds);
    expect(overdrawnPd).toBeGreaterThan(cleanPd);
    expect(overdrawnPd).toBeLessThanOrEqual(ceiling + 1e-12);
    // Saving more never raises the PD.
    const saver = behaviourInputsOf(AlternativeDataSchema.parse({ monthlyIncomeDeposits: 3000, monthlySpending: 1500, overdraftMonths12m: 0 }))!;
    const spender = behaviourInputsOf(AlternativeDataSchema.parse({ monthlyIncomeDeposits: 3000, monthlySpending: 3000, overdraftMonths12m: 0 }))!;
    expect(behaviourEvidence(model, saver.inputs)!.logOdds).toBeLessThanOrEqual(behaviourEvidence(model, spender.inputs)!.logOdds);
  });
});
