import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HOME_OWNERSHIP, LOAN_PURPOSES, type Applicant } from '../src/applicant/schema.ts';
import { APPLICANT_INPUT_DIRECTIONS } from '../src/features/applicant.ts';
import { inputGrid, inputRange, isMonotone } from '../src/evaluation/dependence.ts';
import { loadModel } from '../src/model/load.ts';
import { estimatePd, type LoadedModel } from '../src/model/model.ts';
import { rawLogit } from '../src/model/scorer.ts';
import { featureVector } from '../src/features/spec.ts';
import { assess, counterOffer, shadowAssess } from '../src/scoring/assess.ts';
import { explain } from '../src/model/explain.ts';
import { DEFAULT_POLICY } from '../src/scoring/policy.ts';
import { binMatrix } from '../src/forest/binning.ts';
import { trainBoosting, DEFAULT_BOOST_PARAMS } from '../src/forest/boost.ts';
import { growTree } from '../src/forest/tree.ts';
import { assembleForest, predictRow } from '../src/model/flat.ts';
import { mulberry32 } from '../src/forest/rng.ts';

/**
 * Monotonicity as a credit officer checks it: move one answer the bad way and the PD may not fall;
 * be better on several answers at once and the PD may not rise. Random applicants across the whole
 * schema range (fast-check), on the shipped model and on the engine itself.
 */

type Signed = keyof typeof APPLICANT_INPUT_DIRECTIONS;
const SIGNED = Object.keys(APPLICANT_INPUT_DIRECTIONS) as Signed[];

const inRange = (field: Signed) => {
  const { min, max, integer } = inputRange(field);
  return integer ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
};
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

/** Any applicant the schema accepts (optional answers given or not), no bank evidence. */
const applicantArb: fc.Arbitrary<Applicant> = fc
  .record({
    loanAmount: inRange('loanAmount'),
    termMonths: fc.constantFrom(36 as const, 60 as const),
    purpose: fc.constantFrom(...LOAN_PURPOSES),
    annualIncome: inRange('annualIncome'),
    employmentYears: maybe(inRange('employmentYears')),
    homeOwnership: fc.constantFrom(...HOME_OWNERSHIP),
    dti: maybe(inRange('dti')),
    monthlyDebtPayments: maybe(inRange('monthlyDebtPayments')),
    ficoScore: inRange('ficoScore'),
    delinquencies2y: inRange('delinquencies2y'),
    inquiries6m: inRange('inquiries6m'),
    revolvingUtilisation: maybe(inRange('revolvingUtilisation')),
    revolvingBalance: maybe(fc.double({ min: 0, max: 200_000, noNaN: true })),
    openAccounts: fc.integer({ min: 0, max: 40 }),
    totalAccounts: maybe(fc.integer({ min: 0, max: 80 })),
    publicRecords: inRange('publicRecords'),
    creditHistoryYears: maybe(inRange('creditHistoryYears')),
  })
  .map((a) => Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined)) as unknown as Applicant);

let model: LoadedModel;
beforeAll(() => {
  model = loadModel('models');
});

describe("the shipped model is monotone in the applicant's answers", () => {
  it('declares a direction for every answer whose effect is settled, and the model was trained under them', () => {
    const constrained = Object.entries(model.scorer.directions)
      .filter(([, d]) => d !== 0)
      .map(([f]) => f);
    expect(constrained).toEqual(
      expect.arrayContaining([
        'fico_score',
        'log_annual_income',
        'employment_years',
        'credit_history_years',
        'delinquencies_2y',
        'inquiries_6m',
        'public_records',
        'revolving_utilisation',
        'dti',
        'loan_to_income',
        'payment_to_income',
        'loan_amount',
      ]),
    );
  });

  it('PD moves only the declared way as each signed answer crosses its whole range (random applicants)', () => {
    fc.assert(
      fc.property(applicantArb, fc.constantFrom(...SIGNED), (a, field) => {
        const grid = inputGrid(field, 30);
        const pds = grid.map((v) => estimatePd(model, { ...a, [field]: v }).pd);
        if (!isMonotone(pds, APPLICANT_INPUT_DIRECTIONS[field], 1e-12)) {
          throw new Error(`${field}: PD ${pds.map((p) => p.toFixed(4)).join(' ')} over ${grid.join(' ')}`);
        }
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  it('an applicant who is better on several answers at once never gets a higher PD, score or price', () => {
    const improvement = fc.record(
      Object.fromEntries(SIGNED.map((f) => [f, fc.double({ min: 0, max: 1, noNaN: true })])) as Record<Signed, fc.Arbitrary<number>>,
    );
    fc.assert(
      fc.property(applicantArb, improvement, fc.subarray(SIGNED, { minLength: 2 }), (a, by, fields) => {
        const better: Applicant = { ...a };
        for (const f of fields) {
          const { min, max, integer } = inputRange(f);
          const current = a[f] as number | undefined;
          if (current === undefined) continue; // an answer not given stays not given
          // Move toward the safe end of the range by a random share of the distance.
          const target = APPLICANT_INPUT_DIRECTIONS[f] > 0 ? min : max;
          let v = current + (target - current) * by[f];
          if (integer) v = APPLICANT_INPUT_DIRECTIONS[f] > 0 ? Math.floor(v) : Math.ceil(v);
          (better as Record<string, unknown>)[f] = Math.min(max, Math.max(min, v));
        }
        const worse = assess(model, DEFAULT_POLICY, a);
        const good = assess(model, DEFAULT_POLICY, better);
        expect(good.pd).toBeLessThanOrEqual(worse.pd + 1e-12);
        expect(good.score).toBeGreaterThanOrEqual(worse.score);
        if (good.offer.apr !== null && worse.offer.apr !== null) expect(good.offer.apr).toBeLessThanOrEqual(worse.offer.apr + 1e-12);
        // A price above the cap is never quoted.
        for (const o of [good.offer, worse.offer]) if (o.apr !== null) expect(o.apr).toBeLessThanOrEqual(DEFAULT_POLICY.maxApr);
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it('the raw log-odds move only the declared way in every constrained feature, across all of its split points', () => {
    const parts = { scorer: model.scorer, trees: model.trees, logistic: model.baseline };
    const names = model.spec.features;
    const constrained = names.map((f, i) => [i, model.scorer.directions[f] ?? 0] as const).filter(([, d]) => d !== 0);
    fc.assert(
      fc.property(applicantArb, fc.constantFrom(...constrained), (a, [f, d]) => {
        const x = featureVector(model.spec, a);
        // Every threshold the trees use for f, with a step either side, and the ends far beyond.
        const cuts = new Set<number>([-1e9, 1e9]);
        const t = model.trees!;
        for (let n = 0; n < t.feature.length; n++) if (t.feature[n] === f) for (const e of [-1e-9, 0, 1e-9]) cuts.add(t.threshold[n] + e);
        const values = [...cuts].sort((p, q) => p - q);
        const z = values.map((v) => {
          const moved = Float64Array.from(x);
          moved[f] = v;
          return rawLogit(parts, moved);
        });
        if (!isMonotone(z, d, 1e-9)) throw new Error(`${names[f]} (${d > 0 ? '+' : '-'}): log-odds not monotone`);
      }),
      { numRuns: 200, seed: 5 },
    );
  });

  it('the extremes of each answer give finite PDs inside (0, 1)', () => {
    fc.assert(
      fc.property(applicantArb, fc.constantFrom(...SIGNED), fc.boolean(), (a, field, high) => {
        const { min, max } = inputRange(field);
        const pd = estimatePd(model, { ...a, [field]: high ? max : min }).pd;
        expect(Number.isFinite(pd)).toBe(true);
        expect(pd).toBeGreaterThan(0);
        expect(pd).toBeLessThan(1);
      }),
      { numRuns: 200, seed: 3 },
    );
  });
});

describe('monotone constraints in the tree engine', () => {
  /** Data where risk falls with x0 overall but wiggles locally, plus a free x1 and noise: a place where an unconstrained tree would break monotonicity. */
  function wiggly(n: number, seed: number) {
    const rng = mulberry32(seed);
    const X = new Float64Array(n * 3);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const x0 = rng() * 10;
      const x1 = rng() * 10;
      const x2 = rng();
      X.set([x0, x1, x2], i * 3);
      const logit = 1.5 - 0.3 * x0 + 0.8 * Math.sin(3 * x0) + 0.2 * x1;
      y[i] = rng() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    }
    return { X, y, data: binMatrix(X, y, n, 3) };
  }

  const monotoneAlongX0 = (predict: (x: number[]) => number, seed: number) => {
    const rng = mulberry32(seed);
    for (let k = 0; k < 50; k++) {
      const x1 = rng() * 10;
      const x2 = rng();
      const pds = Array.from({ length: 101 }, (_, i) => predict([i / 10, x1, x2]));
      expect(isMonotone(pds, -1, 1e-12)).toBe(true);
    }
  };

  it('a forest grown with x0 ↓ falls with x0 everywhere; without the constraint it does not', () => {
    const { data } = wiggly(4000, 1);
    const params = { maxDepth: 8, minSamplesLeaf: 10, maxFeatures: 2, sampleFraction: 1 };
    const constrained = assembleForest(
      Array.from({ length: 30 }, (_, t) => growTree(data, { ...params, monotone: [-1, 0, 0] }, t + 1)),
      3,
    );
    monotoneAlongX0((x) => predictRow(constrained, x), 5);
    const free = assembleForest(
      Array.from({ length: 30 }, (_, t) => growTree(data, params, t + 1)),
      3,
    );
    const pds = Array.from({ length: 101 }, (_, i) => predictRow(free, [i / 10, 5, 0.5]));
    expect(isMonotone(pds, -1, 1e-12)).toBe(false);
  });

  it('boosting with x0 ↓ falls with x0 everywhere, for any seed and setting', () => {
    const { data } = wiggly(3000, 2);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 6 }),
        fc.double({ min: 0.5, max: 1, noNaN: true }),
        (seed, maxDepth, subsample) => {
          const r = trainBoosting(data, {
            ...DEFAULT_BOOST_PARAMS,
            nRounds: 40,
            learningRate: 0.3,
            maxDepth,
            subsample,
            colsample: 1,
            minSamplesLeaf: 5,
            minChildWeight: 1,
            seed,
            monotone: [-1, 0, 0],
          });
          const f = assembleForest(r.trees, 3, 'boosting', r.base);
          monotoneAlongX0((x) => predictRow(f, x), seed);
        },
      ),
      { numRuns: 12, seed: 11 },
    );
  });
});

describe('one walk of the trees scores and explains a decision', () => {
  it("the decision's PD, its explanation's log-odds and the counter-offer's PD are the model's own, bit for bit", () => {
    const parts = { scorer: model.scorer, trees: model.trees, logistic: model.baseline };
    fc.assert(
      fc.property(applicantArb, (a) => {
        const x = featureVector(model.spec, a);
        const { logit, base, byFeature } = explain(parts, x);
        expect(logit).toBe(rawLogit(parts, x));
        expect(base + byFeature.reduce((t, v) => t + v, 0)).toBeCloseTo(logit, 9);
        const decided = assess(model, DEFAULT_POLICY, a);
        expect(decided.pd).toBe(estimatePd(model, a).pd);
        const offer = counterOffer(model, DEFAULT_POLICY, a);
        if (offer) expect(offer.pd).toBe(estimatePd(model, { ...a, loanAmount: offer.amount, termMonths: offer.termMonths as 36 | 60 }).pd);
      }),
      { numRuns: 300, seed: 5 },
    );
  });

  it("with bank evidence, thin file or not: the decision, its shadow and its counter-offer agree, and the bureau PD is the model's", () => {
    const evidence = fc.record({
      monthlyIncomeDeposits: fc.integer({ min: 500, max: 20_000 }),
      monthlySpending: fc.integer({ min: 100, max: 20_000 }),
      overdraftMonths12m: fc.integer({ min: 0, max: 12 }),
    });
    const thinness = fc.constantFrom({}, { openAccounts: 1, totalAccounts: 1, creditHistoryYears: 1 });
    fc.assert(
      fc.property(applicantArb, evidence, thinness, (base, alternativeData, thin) => {
        const a = { ...base, ...thin, alternativeData } as Applicant;
        const decided = assess(model, DEFAULT_POLICY, a);
        expect(decided.behaviour).not.toBeNull();
        expect(decided.behaviour!.bureauPd).toBe(estimatePd(model, a).pd);
        expect(shadowAssess(model, DEFAULT_POLICY, a).pd).toBe(decided.pd);
        const offer = decided.offer.counterOffer;
        if (offer) expect(offer.pd).toBe(assess(model, DEFAULT_POLICY, { ...a, loanAmount: offer.amount, termMonths: offer.termMonths as 36 | 60 }).pd);
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  it('so does a blend of a random forest and a logistic model', () => {
    const rng = mulberry32(3);
    const n = 2000;
    const X = new Float64Array(n * 3);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      X.set([rng() * 10, rng() * 10, rng()], i * 3);
      y[i] = rng() < 1 / (1 + Math.exp(-(1 - 0.3 * X[i * 3] + 0.1 * X[i * 3 + 1]))) ? 1 : 0;
    }
    const data = binMatrix(X, y, n, 3);
    const trees = assembleForest(
      Array.from({ length: 20 }, (_, t) => growTree(data, { maxDepth: 6, minSamplesLeaf: 10, maxFeatures: 2, sampleFraction: 1 }, t + 1)),
      3,
    );
    const logistic = { means: [5, 5, 0.5], scales: [2.9, 2.9, 0.29], coefficients: [-0.8, 0.3, 0.05], intercept: -1.2, l2: 0, iterations: 1 };
    const scorer = { champion: 'blend' as const, treeWeight: 0.6, logisticWeight: 0.4, directions: {} };
    fc.assert(
      fc.property(
        fc.tuple(fc.double({ min: -1, max: 11, noNaN: true }), fc.double({ min: -1, max: 11, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })),
        (x) => {
          const parts = { scorer, trees, logistic };
          const { logit, base, byFeature } = explain(parts, x);
          expect(logit).toBe(rawLogit(parts, x));
          expect(base + byFeature.reduce((t, v) => t + v, 0)).toBeCloseTo(logit, 9);
        },
      ),
      { numRuns: 300, seed: 6 },
    );
  });
});
