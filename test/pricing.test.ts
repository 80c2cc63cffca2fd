import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { ApplicantSchema, HOME_OWNERSHIP, LOAN_PURPOSES, type Applicant } from '../src/applicant/schema.ts';
import { loadModel } from '../src/model/load.ts';
import type { LoadedModel } from '../src/model/model.ts';
import { assess } from '../src/scoring/assess.ts';
import { BAND_MIDDLE_PD, DEFAULT_POLICY, PolicySchema, SEED_RATE_CARD, type Policy } from '../src/scoring/policy.ts';
import { annualDefaultRate, price, quotedApr, requiredApr } from '../src/scoring/pricing.ts';
import { priceLoans } from '../src/portfolio/loans.ts';

/**
 * Prices a lender could publish: the rate card comes from what LendingClub charged for the same
 * risk, the price never falls below break-even, never exceeds the cap, never falls as risk rises,
 * and stays finite for every input the schema accepts.
 */

let model: LoadedModel;
beforeAll(() => {
  model = loadModel('models');
});

describe('the rate card', () => {
  it("is what LendingClub charged per grade, read at each band's middle PD (recomputed from the shipped data)", () => {
    const rows = parse(gunzipSync(readFileSync('datasets/lendingclub_2007_2011.csv.gz')), { columns: true }) as Record<string, string>[];
    const grades = new Map<string, { n: number; bad: number; rate: number }>();
    for (const r of rows) {
      const g = grades.get(r.grade[0]) ?? { n: 0, bad: 0, rate: 0 };
      g.n++;
      g.bad += r.loan_status.includes('Charged Off') ? 1 : 0;
      g.rate += Number.parseFloat(r.int_rate) / 100;
      grades.set(r.grade[0], g);
    }
    const points = [...grades.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, g]) => ({ pd: g.bad / g.n, rate: g.rate / g.n }));
    const at = (pd: number) => {
      const i = Math.max(
        0,
        points.findIndex((_p, k) => k + 1 < points.length && pd <= points[k + 1].pd),
      );
      const [a, b] = [points[i], points[i + 1]];
      return a.rate + ((pd - a.pd) / (b.pd - a.pd)) * (b.rate - a.rate);
    };
    for (const band of ['A', 'B', 'C', 'D', 'E'] as const) expect(SEED_RATE_CARD[band]).toBe(Math.round(at(BAND_MIDDLE_PD[band]) * 10_000) / 10_000);
  });

  it('refuses a card that falls from band to band or goes above the cap', () => {
    expect(PolicySchema.safeParse({ ...DEFAULT_POLICY, rateCard: { ...SEED_RATE_CARD, C: 0.05 } }).success).toBe(false);
    expect(PolicySchema.safeParse({ ...DEFAULT_POLICY, maxApr: 0.15 }).success).toBe(false);
  });
});

const policyArb: fc.Arbitrary<Policy> = fc
  .record({
    lossGivenDefault: fc.double({ min: 0.05, max: 1, noNaN: true }),
    fundingCost: fc.double({ min: 0, max: 0.2, noNaN: true }),
    targetMargin: fc.double({ min: 0, max: 0.1, noNaN: true }),
    maxApr: fc.double({ min: 0.17, max: 1, noNaN: true }),
  })
  .map((p) => ({ ...DEFAULT_POLICY, ...p }));

describe('prices', () => {
  it('never below break-even, never above the cap once offered, never falling as the PD rises', () => {
    fc.assert(
      fc.property(
        policyArb,
        fc.double({ min: 1e-9, max: 0.999, noNaN: true }),
        fc.double({ min: 1e-9, max: 0.999, noNaN: true }),
        fc.constantFrom(36, 60),
        fc.double({ min: 500, max: 40_000, noNaN: true }),
        (policy, p1, p2, term, amount) => {
          const [lo, hi] = p1 <= p2 ? [p1, p2] : [p2, p1];
          const a = price(amount, term, lo, policy);
          const b = price(amount, term, hi, policy);
          expect(a.apr).toBeGreaterThanOrEqual(requiredApr(lo, term, policy) - 1e-12);
          expect(a.apr).toBeLessThanOrEqual(b.apr);
          for (const p of [a, b]) {
            expect(Number.isFinite(p.monthlyPayment)).toBe(true);
            expect(p.withinMaxApr).toBe(p.apr <= policy.maxApr);
            // Quoted as lenders quote: whole hundredths of a percent, cents.
            expect(Math.abs(p.apr * 10_000 - Math.round(p.apr * 10_000))).toBeLessThan(1e-6);
            expect(Math.abs(p.monthlyPayment * 100 - Math.round(p.monthlyPayment * 100))).toBeLessThan(1e-6);
          }
        },
      ),
      { numRuns: 2000, seed: 1 },
    );
  });

  it("earns different returns on different loans (the rate card, not a fixed margin on each loan's loss)", () => {
    const loans = [0.02, 0.04, 0.07, 0.09, 0.12, 0.14, 0.18, 0.22].map((pd) => ({
      id: String(pd),
      amount: 10_000,
      termMonths: 36,
      rate: quotedApr(pd, 36, DEFAULT_POLICY),
      pd,
      purpose: 'other',
    }));
    const returns = priceLoans(loans, { lgd: DEFAULT_POLICY.lossGivenDefault, fundingCost: DEFAULT_POLICY.fundingCost }, { book: 0.03, byBand: {} }).map(
      (l) => l.expectedReturn,
    );
    const spread = Math.max(...returns) - Math.min(...returns);
    expect(spread).toBeGreaterThan(0.01);
    expect(new Set(returns.map((r) => r.toFixed(4))).size).toBe(returns.length);
  });
});

const extreme = (min: number, max: number) => fc.oneof(fc.constantFrom(min, max), fc.double({ min, max, noNaN: true }));
const applicantArb: fc.Arbitrary<unknown> = fc.record(
  {
    loanAmount: extreme(500, 40_000),
    termMonths: fc.constantFrom(36, 60),
    purpose: fc.constantFrom(...LOAN_PURPOSES),
    annualIncome: extreme(4_000, 10_000_000),
    employmentYears: extreme(0, 10),
    homeOwnership: fc.constantFrom(...HOME_OWNERSHIP),
    dti: extreme(0, 100),
    monthlyDebtPayments: extreme(0, 1_000_000),
    ficoScore: fc.integer({ min: 300, max: 850 }),
    delinquencies2y: fc.integer({ min: 0, max: 50 }),
    inquiries6m: fc.integer({ min: 0, max: 50 }),
    revolvingUtilisation: extreme(0, 200),
    revolvingBalance: extreme(0, 5_000_000),
    openAccounts: fc.integer({ min: 0, max: 100 }),
    totalAccounts: fc.integer({ min: 0, max: 200 }),
    publicRecords: fc.integer({ min: 0, max: 50 }),
    creditHistoryYears: extreme(0, 80),
    alternativeData: fc.record(
      {
        monthlyIncomeDeposits: extreme(0, 1_000_000),
        monthlySpending: extreme(0, 1_000_000),
        monthlySavings: extreme(-1_000_000, 1_000_000),
        overdraftMonths12m: fc.integer({ min: 0, max: 12 }),
      },
      { requiredKeys: [] },
    ),
  },
  {
    requiredKeys: [
      'loanAmount',
      'termMonths',
      'purpose',
      'annualIncome',
      'homeOwnership',
      'ficoScore',
      'delinquencies2y',
      'inquiries6m',
      'openAccounts',
      'publicRecords',
    ],
  },
);

describe('every accepted input gets a finite, capped answer', () => {
  it('PD, score and price are finite for random and extreme applicants; no price above the cap', () => {
    fc.assert(
      fc.property(applicantArb, (raw) => {
        const parsed = ApplicantSchema.safeParse(raw);
        if (!parsed.success) return; // refused at the boundary with a 400
        const a: Applicant = parsed.data;
        const result = assess(model, DEFAULT_POLICY, a);
        expect(Number.isFinite(result.pd)).toBe(true);
        expect(result.pd).toBeGreaterThan(0);
        expect(result.pd).toBeLessThan(1);
        expect(Number.isInteger(result.score)).toBe(true);
        for (const offer of [result.offer, ...(result.offer.counterOffer ? [result.offer.counterOffer] : [])]) {
          if (offer.apr === null) continue;
          expect(Number.isFinite(offer.apr)).toBe(true);
          expect(offer.apr).toBeLessThanOrEqual(DEFAULT_POLICY.maxApr);
          expect(Number.isFinite(offer.monthlyPayment!)).toBe(true);
        }
        if (result.offer.available) expect(result.offer.apr).not.toBeNull();
        expect(Number.isFinite(annualDefaultRate(result.pd, a.termMonths))).toBe(true);
      }),
      { numRuns: 500, seed: 9 },
    );
  });

  it('refuses numbers outside finite bounds with the field named (1e308, negative, infinite)', () => {
    for (const [field, value] of [
      ['loanAmount', 1e308],
      ['loanAmount', -1e308],
      ['annualIncome', 1e308],
      ['dti', -1],
      ['revolvingBalance', 1e308],
    ] as const) {
      const parsed = ApplicantSchema.safeParse({ ...(fc.sample(applicantArb, { seed: 1, numRuns: 1 })[0] as object), [field]: value });
      expect(parsed.success).toBe(false);
      if (!parsed.success) expect(parsed.error.issues.map((i) => i.path.join('.'))).toContain(field);
    }
  });
});
