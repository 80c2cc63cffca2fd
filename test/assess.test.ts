import { beforeAll, describe, expect, it } from 'vitest';
import { assess, AssessmentSchema, counterOffer } from '../src/scoring/assess.ts';
import { loadModel } from '../src/model/load.ts';
import type { LoadedModel } from '../src/model/model.ts';
import { DEFAULT_POLICY, riskBand } from '../src/scoring/policy.ts';
import { annualDefaultRate, monthlyPayment, price, requiredApr } from '../src/scoring/pricing.ts';
import { topReasons } from '../src/scoring/reasons.ts';
import { explain } from '../src/model/explain.ts';
import { rawLogit } from '../src/model/scorer.ts';
import { featureVector } from '../src/features/spec.ts';
import { sampleApplicant } from './helpers.ts';
import { mulberry32 } from '../src/forest/rng.ts';
import { LOAN_PURPOSES, type Applicant } from '../src/applicant/schema.ts';
import type { ApplicantFeatureSpec } from '../src/features/applicant.ts';

let model: LoadedModel;
beforeAll(() => {
  model = loadModel('models');
});

const risky = {
  ...sampleApplicant,
  ficoScore: 662,
  inquiries6m: 5,
  revolvingUtilisation: 95,
  annualIncome: 24_000,
  loanAmount: 20_000,
  termMonths: 60 as const,
};

describe('reasons', () => {
  it("contributions add up exactly to the champion's log-odds", () => {
    const parts = { scorer: model.scorer, trees: model.trees, logistic: model.baseline };
    for (const a of [sampleApplicant, risky]) {
      const x = featureVector(model.spec, a);
      const { base, byFeature } = explain(parts, x);
      const total = base + byFeature.reduce((s, v) => s + v, 0);
      expect(total).toBeCloseTo(rawLogit(parts, x), 10);
    }
  });

  it('names the inputs that raised the risk, largest first, in plain words', () => {
    const { reasons } = assess(model, DEFAULT_POLICY, risky);
    expect(reasons.length).toBeGreaterThanOrEqual(3);
    expect(reasons.length).toBeLessThanOrEqual(4);
    for (let i = 1; i < reasons.length; i++) expect(reasons[i].impact).toBeLessThanOrEqual(reasons[i - 1].impact);
    for (const r of reasons) {
      expect(r.impact).toBeGreaterThan(0);
      expect(r.text).toMatch(/^[A-Z].+\.$/);
    }
    const codes = reasons.map((r) => r.code);
    expect(codes).toContain('credit_score');
    expect(codes.some((c) => ['term', 'loan_size', 'income', 'inquiries', 'revolving_utilisation'].includes(c))).toBe(true);
  });

  it('never states a fact that is not true of the applicant', async () => {
    const { streamLendingClub } = await import('../src/data/lendingclub.ts');
    let checked = 0;
    for await (const loan of streamLendingClub('datasets/lendingclub_2007_2011.csv.gz')) {
      if (checked++ >= 1500) break;
      const a = loan.applicant;
      const codes = assess(model, DEFAULT_POLICY, a).reasons.map((r) => r.code);
      if (a.delinquencies2y === 0) expect(codes).not.toContain('delinquencies');
      if (a.publicRecords === 0) expect(codes).not.toContain('public_records');
      if (a.inquiries6m === 0) expect(codes).not.toContain('inquiries');
      if (a.termMonths === 36) expect(codes).not.toContain('term');
    }
  });

  it('never cites an answer the applicant did not give, nor a housing or purpose group that is not riskier than average', () => {
    const optional = [
      'employmentYears',
      'dti',
      'monthlyDebtPayments',
      'revolvingUtilisation',
      'revolvingBalance',
      'totalAccounts',
      'creditHistoryYears',
    ] as const;
    const rng = mulberry32(17);
    const spec = model.spec as ApplicantFeatureSpec;
    for (let k = 0; k < 400; k++) {
      const a: Applicant = {
        ...risky,
        ficoScore: 600 + Math.floor(rng() * 200),
        loanAmount: 1000 + Math.floor(rng() * 35_000),
        homeOwnership: (['RENT', 'MORTGAGE', 'OWN', 'OTHER'] as const)[k % 4],
        purpose: LOAN_PURPOSES[k % LOAN_PURPOSES.length],
      };
      for (const f of optional) if (rng() < 0.5) delete (a as Partial<Applicant>)[f];
      const codes = assess(model, DEFAULT_POLICY, a).reasons.map((r) => r.code);
      if (a.employmentYears === undefined) expect(codes).not.toContain('employment');
      if (a.dti === undefined && a.monthlyDebtPayments === undefined) expect(codes).not.toContain('debt_burden');
      if (a.revolvingUtilisation === undefined) expect(codes).not.toContain('revolving_utilisation');
      if (a.revolvingBalance === undefined) expect(codes).not.toContain('revolving_balance');
      if (a.creditHistoryYears === undefined) expect(codes).not.toContain('credit_history');
      if (spec.categories.homeOwnership.levels[a.homeOwnership] <= spec.categories.homeOwnership.unseen) expect(codes).not.toContain('home_ownership');
      if (spec.categories.purpose.levels[a.purpose] <= spec.categories.purpose.unseen) expect(codes).not.toContain('purpose');
      for (const text of assess(model, DEFAULT_POLICY, a).reasons.map((r) => r.text)) expect(text).not.toMatch(/not given/);
    }
    // A mortgage holder (the lowest-risk housing group in the data) is never told that housing raised the risk.
    expect(spec.categories.homeOwnership.levels.MORTGAGE).toBeLessThan(spec.categories.homeOwnership.unseen);
  });

  it('says which optional answers, left out, made the estimate more cautious', () => {
    const { employmentYears: _e, revolvingUtilisation: _r, creditHistoryYears: _c, ...partial } = sampleApplicant;
    const a = assess(model, DEFAULT_POLICY, partial as Applicant);
    const full = assess(model, DEFAULT_POLICY, sampleApplicant);
    if (a.pd > full.pd) expect(a.notices.join(' ')).toMatch(/Some optional answers were not given \(.*\)/);
    expect(full.notices.join(' ')).not.toMatch(/optional answers were not given/);
  });

  it('groups features and reports only positive pushes', () => {
    const names = ['fico_score', 'loan_amount', 'loan_to_income', 'mystery'];
    const reasons = topReasons(names, [0.05, 0.01, 0.02, 0.001]);
    expect(reasons.map((r) => r.code)).toEqual(['credit_score', 'loan_size', 'mystery']);
    expect(reasons[1].impact).toBeCloseTo(0.03, 10);
    expect(topReasons(names, [-0.1, -0.2, 0, 0])).toEqual([]);
  });
});

describe('bank-account evidence in a decision', () => {
  it('lowers the PD for a saver and raises it for an account often overdrawn, and says which signals moved it', () => {
    const saver = assess(model, DEFAULT_POLICY, {
      ...sampleApplicant,
      alternativeData: { monthlyIncomeDeposits: 4000, monthlySpending: 3000, overdraftMonths12m: 0 },
    });
    const overdrawn = assess(model, DEFAULT_POLICY, {
      ...sampleApplicant,
      alternativeData: { monthlyIncomeDeposits: 4000, monthlySpending: 4400, overdraftMonths12m: 5 },
    });
    const none = assess(model, DEFAULT_POLICY, sampleApplicant);
    expect(none.behaviour).toBeNull();
    expect(saver.behaviour!.bureauPd).toBeCloseTo(none.pd, 12);
    expect(saver.pd).toBeLessThan(none.pd);
    expect(overdrawn.pd).toBeGreaterThan(none.pd);
    expect(overdrawn.behaviour!.signals[0]).toMatchObject({ code: 'episodesBelowZero', direction: 'raised' });
    expect(overdrawn.notices.join(' ')).toMatch(/Bank-account evidence \(from your answers\)/);
    // Incomplete answers are not used, and the applicant is told.
    const partial = assess(model, DEFAULT_POLICY, { ...sampleApplicant, alternativeData: { monthlySavings: 100 } });
    expect(partial.behaviour).toBeNull();
    expect(partial.notices.join(' ')).toMatch(/not enough to use/);
  });

  it('flags a thin credit file, and leans on bank evidence when given', () => {
    const thinApplicant = { ...sampleApplicant, openAccounts: 1, totalAccounts: 1, creditHistoryYears: 1 };
    const thin = assess(model, DEFAULT_POLICY, thinApplicant);
    expect(thin.thinFile).toBe(true);
    expect(thin.notices[0]).toMatch(/^Thin credit file: there is little credit history/);
    expect(assess(model, DEFAULT_POLICY, sampleApplicant).thinFile).toBe(false);
    const evidence = { monthlyIncomeDeposits: 4000, monthlySpending: 3000, overdraftMonths12m: 0 };
    const thinWith = assess(model, DEFAULT_POLICY, { ...thinApplicant, alternativeData: evidence });
    expect(thinWith.notices[0]).toMatch(/leans on your bank-account evidence/);
    // Half-weight credit-file evidence: the thin file's PD sits between the bureau-only and bank-led answers.
    expect(thinWith.pd).not.toBeCloseTo(
      assess(model, DEFAULT_POLICY, { ...thinApplicant, creditHistoryYears: 10, openAccounts: 5, totalAccounts: 8, alternativeData: evidence }).pd,
      6,
    );
  });
});

describe('pricing', () => {
  it('follows the documented break-even formula', () => {
    const d = annualDefaultRate(0.1, 36);
    expect(d).toBeCloseTo(1 - 0.9 ** (1 / 3), 12);
    const p = { ...DEFAULT_POLICY, fundingCost: 0.04, targetMargin: 0.03, lossGivenDefault: 0.6 };
    expect(requiredApr(0.1, 36, p)).toBeCloseTo((0.07 + d * 0.6) / (1 - d), 12);
    expect(requiredApr(0.2, 36, p)).toBeGreaterThan(requiredApr(0.1, 36, p));
    expect(requiredApr(0, 36, p)).toBeCloseTo(0.07, 12);
  });

  it('computes the standard amortising payment', () => {
    // 10,000 at 12% over 36 months: 332.14 a month.
    expect(monthlyPayment(10_000, 0.12, 36)).toBeCloseTo(332.14, 2);
    expect(price(10_000, 36, 0.05, DEFAULT_POLICY).totalRepayable).toBeCloseTo(price(10_000, 36, 0.05, DEFAULT_POLICY).monthlyPayment * 36, 1);
    expect(price(10_000, 36, 0.5, { ...DEFAULT_POLICY, maxApr: 0.2 }).withinMaxApr).toBe(false);
  });
});

describe('assess', () => {
  it('returns a complete, schema-valid assessment consistent with the policy', () => {
    for (const a of [sampleApplicant, risky]) {
      const result = AssessmentSchema.parse(assess(model, DEFAULT_POLICY, a));
      expect(result.riskBand).toBe(riskBand(result.pd));
      const expected = result.pd >= DEFAULT_POLICY.declineAtOrAbove ? 'decline' : result.pd < DEFAULT_POLICY.approveBelow ? 'approve' : 'refer';
      expect(result.decision).toBe(expected);
      expect(result.offer.available).toBe(result.decision !== 'decline');
      expect(result.modelVersion).toBe(model.version);
    }
  });

  it('declines over the maximum APR even under the PD cut-off', () => {
    const result = assess(model, { ...DEFAULT_POLICY, declineAtOrAbove: 0.99, approveBelow: 0.98, maxApr: 0.05 }, sampleApplicant);
    expect(result.offer.withinMaxApr).toBe(false);
    expect(result.decision).toBe('decline');
  });

  it('counter-offers the largest amount that the policy approves, which re-scores as approved', () => {
    const declined = assess(model, DEFAULT_POLICY, risky);
    expect(declined.decision).not.toBe('approve');
    // A lenient approve cut-off makes a counter-offer reachable for this applicant.
    const policy = { ...DEFAULT_POLICY, approveBelow: declined.pd * 0.9, declineAtOrAbove: Math.max(declined.pd * 0.95, declined.pd * 0.9) };
    const offer = counterOffer(model, policy, risky);
    expect(offer).not.toBeNull();
    expect(offer!.amount).toBeLessThan(risky.loanAmount + (offer!.termMonths === risky.termMonths ? 0 : 1));
    const again = assess(model, policy, { ...risky, loanAmount: offer!.amount, termMonths: offer!.termMonths as 36 | 60 });
    expect(again.decision).toBe('approve');
    // The largest in whole hundreds: $100 more on either term is not approved (or is above the amount asked).
    for (const termMonths of [36, 60] as const) {
      const more = termMonths === offer!.termMonths ? offer!.amount + 100 : offer!.amount + 100;
      const cap = termMonths === risky.termMonths ? risky.loanAmount - 100 : risky.loanAmount;
      if (more <= cap) expect(assess(model, policy, { ...risky, loanAmount: more, termMonths }).decision).not.toBe('approve');
    }
    // No counter-offer when nothing would be approved.
    expect(counterOffer(model, { ...DEFAULT_POLICY, approveBelow: 0.001, declineAtOrAbove: 0.002 }, risky)).toBeNull();
    // No counter-offer for an approval.
    const easy = assess(model, { ...DEFAULT_POLICY, approveBelow: 0.9, declineAtOrAbove: 0.95 }, sampleApplicant);
    expect(easy.offer.counterOffer).toBeNull();
  });

  it('finds the counter-offer the full scan finds, scoring far less when nothing can be approved', () => {
    // The search as it was before the shortcut (scan every term down to the smallest amount).
    const pdOf = (a: Applicant) => assess(model, { ...DEFAULT_POLICY, approveBelow: 1, declineAtOrAbove: 1 }, a).pd;
    const fullScan = (policy: typeof DEFAULT_POLICY, applicant: Applicant) => {
      const step = Math.max(100, Math.floor(applicant.loanAmount / 20 / 100) * 100);
      const approved = (amount: number, termMonths: 36 | 60) =>
        assess(model, { ...policy }, { ...applicant, loanAmount: amount, termMonths }).decision === 'approve' ? amount : undefined;
      let best: { amount: number; termMonths: number } | null = null;
      for (const termMonths of [applicant.termMonths, applicant.termMonths === 36 ? 60 : 36] as const) {
        const top = Math.floor(applicant.loanAmount / 100) * 100;
        const start = termMonths === applicant.termMonths ? top - 100 : top;
        let unapproved = start + 100;
        for (let amount = start; amount >= 500; amount -= step) {
          if (approved(amount, termMonths) === undefined) {
            unapproved = amount;
            continue;
          }
          let [lo, hi] = [amount / 100, unapproved / 100];
          while (hi - lo > 1) {
            const mid = Math.floor((lo + hi) / 2);
            if (approved(mid * 100, termMonths) !== undefined) lo = mid;
            else hi = mid;
          }
          if (!best || lo * 100 > best.amount) best = { amount: lo * 100, termMonths };
          break;
        }
      }
      return best;
    };
    const rng = mulberry32(29);
    let scorings = 0;
    let nothing = 0;
    for (let k = 0; k < 60; k++) {
      const a: Applicant = {
        ...risky,
        ficoScore: 620 + Math.floor(rng() * 180),
        annualIncome: 15_000 + Math.floor(rng() * 120_000),
        loanAmount: 1000 + Math.floor(rng() * 39_000),
        termMonths: rng() < 0.5 ? 36 : 60,
        inquiries6m: Math.floor(rng() * 6),
      };
      const pd = pdOf(a);
      // Cut-offs around this applicant's own PD, so that some have offers and some none.
      const policy = { ...DEFAULT_POLICY, approveBelow: pd * (0.3 + rng() * 0.7), declineAtOrAbove: pd * 1.5 };
      const counted = counterOffer(model, policy, a, (x) => {
        scorings++;
        return pdOf(x);
      });
      const expected = fullScan(policy, a);
      expect(counted ? { amount: counted.amount, termMonths: counted.termMonths } : null).toEqual(expected);
      if (!expected) nothing++;
    }
    expect(nothing).toBeGreaterThan(5);
    expect(nothing).toBeLessThan(55);
    // Two scorings (one per term) for an applicant nothing can be approved for, not 40.
    let calls = 0;
    const none = counterOffer(model, { ...DEFAULT_POLICY, approveBelow: 0.001, declineAtOrAbove: 0.002 }, risky, (x) => {
      calls++;
      return pdOf(x);
    });
    expect(none).toBeNull();
    expect(calls).toBe(2);
    // Fewer scorings over the whole sample than the 40 per applicant of a full scan.
    expect(scorings).toBeLessThan(60 * 40);
  });
});
