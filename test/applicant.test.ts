import { describe, expect, it } from 'vitest';
import { ApplicantSchema, fieldMeta, parseApplicant, type Applicant } from '../src/applicant/schema.ts';
import { sampleApplicant } from './helpers.ts';
import { APPLICANT_FEATURE_NAMES, APPLICANT_FEATURES, applicantFeatures, effectiveDti, fitApplicantSpec } from '../src/features/applicant.ts';

describe('applicant schema', () => {
  it('accepts a complete applicant', () => {
    expect(parseApplicant(sampleApplicant)).toEqual({ ok: true, applicant: sampleApplicant });
  });

  it('names every failing field and its rule', () => {
    const result = parseApplicant({ ...sampleApplicant, loanAmount: 100, ficoScore: 900, termMonths: 48, purpose: 'yacht', extra: 1 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const fields = result.issues.map((i) => i.field).sort();
    expect(fields).toEqual(['(body)', 'ficoScore', 'loanAmount', 'purpose', 'termMonths']);
    const rule = (f: string) => result.issues.find((i) => i.field === f)!.rule;
    expect(rule('loanAmount')).toMatch(/500/);
    expect(rule('ficoScore')).toMatch(/850/);
    expect(rule('(body)')).toMatch(/extra/);
  });

  it('reports a missing required field by name', () => {
    const { annualIncome: _, ...rest } = sampleApplicant;
    const result = parseApplicant(rest);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues).toEqual([{ field: 'annualIncome', rule: 'is required' }]);
  });

  it('gives every field a label and a unit', () => {
    for (const name of Object.keys(ApplicantSchema.shape) as (keyof Applicant)[]) {
      const meta = fieldMeta(name);
      expect(meta.label.length).toBeGreaterThan(3);
      expect(meta.unit.length).toBeGreaterThan(0);
    }
  });

  it('keeps absent alternative data absent and validates given values', () => {
    const parsed = ApplicantSchema.parse({ ...sampleApplicant, alternativeData: { monthlySavings: 0 } });
    expect(parsed.alternativeData).toEqual({ monthlySavings: 0 });
    expect('overdraftMonths12m' in parsed.alternativeData!).toBe(false);
    const bad = parseApplicant({ ...sampleApplicant, alternativeData: { overdraftMonths12m: 13 } });
    expect(bad.ok ? [] : bad.issues.map((i) => i.field)).toEqual(['alternativeData.overdraftMonths12m']);
  });
});

describe('applicant features', () => {
  const others: Applicant[] = [
    sampleApplicant,
    { ...sampleApplicant, purpose: 'small_business', homeOwnership: 'OWN', employmentYears: 8, dti: 10 },
    { ...sampleApplicant, purpose: 'car', homeOwnership: 'MORTGAGE', employmentYears: 1, dti: 30 },
  ];
  const spec = fitApplicantSpec(others, [0, 1, 0]);
  const at = (x: Float64Array, name: string) => x[APPLICANT_FEATURE_NAMES.indexOf(name)];

  it('has one documented unit per feature and a fixed layout', () => {
    expect(APPLICANT_FEATURES.length).toBe(APPLICANT_FEATURE_NAMES.length);
    expect(spec.features).toEqual(APPLICANT_FEATURE_NAMES);
    expect(applicantFeatures(spec, sampleApplicant)).toHaveLength(APPLICANT_FEATURE_NAMES.length);
  });

  it('computes the engineered ratios', () => {
    const x = applicantFeatures(spec, sampleApplicant);
    expect(at(x, 'loan_to_income')).toBeCloseTo(0.2, 12);
    // 12,000 / 36 months = 333.33 a month against 5,000 income a month.
    expect(at(x, 'payment_to_income')).toBeCloseTo(333.333333 / 5000, 6);
    expect(at(x, 'dti_after_loan')).toBeCloseTo(18 + 6.666667, 5);
    expect(at(x, 'log_annual_income')).toBeCloseTo(Math.log(60_000), 12);
    expect(at(x, 'open_to_total_accounts')).toBeCloseTo(9 / 20, 12);
    expect(at(x, 'revolving_balance_to_income')).toBeCloseTo(0.15, 12);
  });

  it('imputes missing values with the training median and sets the indicator', () => {
    const { employmentYears: _, revolvingUtilisation: __, ...partial } = sampleApplicant;
    const x = applicantFeatures(spec, partial);
    expect(at(x, 'employment_years')).toBe(4); // median of 4, 8, 1
    expect(at(x, 'employment_years_missing')).toBe(1);
    expect(at(x, 'revolving_utilisation_missing')).toBe(1);
    expect(at(x, 'dti_missing')).toBe(0);
    expect(at(applicantFeatures(spec, sampleApplicant), 'employment_years_missing')).toBe(0);
  });

  it('derives DTI from monthly debt payments when DTI is not given', () => {
    const { dti: _, ...noDti } = sampleApplicant;
    expect(effectiveDti({ ...noDti, monthlyDebtPayments: 1000 })).toBeCloseTo(20, 12);
    expect(at(applicantFeatures(spec, { ...noDti, monthlyDebtPayments: 1000 }), 'dti')).toBeCloseTo(20, 12);
    expect(at(applicantFeatures(spec, noDti), 'dti_missing')).toBe(1);
  });

  it('encodes categories by training bad rate, unseen levels at the overall rate', () => {
    const x = (a: Applicant) => at(applicantFeatures(spec, a), 'purpose');
    expect(x({ ...sampleApplicant, purpose: 'small_business' })).toBeGreaterThan(x(sampleApplicant));
    expect(x({ ...sampleApplicant, purpose: 'wedding' })).toBeCloseTo(spec.categories.purpose.unseen, 12);
  });

  it('ignores alternative data in the bureau vector', () => {
    const x = applicantFeatures(spec, sampleApplicant);
    const y = applicantFeatures(spec, { ...sampleApplicant, alternativeData: { monthlySavings: 500 } });
    expect(Array.from(y)).toEqual(Array.from(x));
  });
});

describe('errors in our words', () => {
  it('no library wording reaches a person, whatever is sent', async () => {
    const fc = (await import('fast-check')).default;
    const zodWords = /Invalid input|expected \w+|received \w+|Too (big|small)|Unrecognized key/;
    const nasty = fc.oneof(fc.constantFrom(1e308, -1e308, Number.NaN, Infinity, -1, 0, '', 'abc', null, true, [], {}, 48, 700.5), fc.anything());
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom('loanAmount', 'termMonths', 'purpose', 'annualIncome', 'ficoScore', 'homeOwnership', 'alternativeData', 'extra', 'dti'),
          nasty,
        ),
        (changes) => {
          const result = parseApplicant({ ...sampleApplicant, ...changes });
          if (!result.ok) for (const issue of result.issues) expect(issue.rule).not.toMatch(zodWords);
        },
      ),
      { numRuns: 400, seed: 5 },
    );
  });
});
