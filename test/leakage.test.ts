import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { AS_OF_DATE_COLUMN, FORBIDDEN_FEATURE_COLUMNS, GEOGRAPHY_COLUMNS, LENDER_VERDICT_COLUMNS, assertNoForbiddenColumns } from '../src/data/leakage.ts';
import { lendingClubApplicant } from '../src/data/lendingclub.ts';
import { ApplicantSchema } from '../src/applicant/schema.ts';
import { applicantFeatures, fitApplicantSpec } from '../src/features/applicant.ts';
import { fitGenericSpec } from '../src/features/generic.ts';
import type { CsvRecord } from '../src/data/csv.ts';

const header = readFileSync(new URL('./fixtures/loanstats-raw.csv', import.meta.url), 'utf8')
  .split('\n')[1]
  .replace(/"/g, '')
  .split(',');
const row = readFileSync(new URL('./fixtures/loanstats-raw.csv', import.meta.url), 'utf8')
  .split('\n')[2]
  .replace(/"/g, '')
  .split(',');
const record: CsvRecord = Object.fromEntries(header.map((h, i) => [h, row[i]]));

describe('leakage guard', () => {
  it('lists post-issuance, LendingClub-verdict and geography columns in one place', () => {
    for (const c of ['out_prncp', 'total_rec_prncp', 'total_rec_int', 'recoveries', 'last_pymnt_d', 'last_fico_range_low', 'total_pymnt', 'loan_status']) {
      expect(FORBIDDEN_FEATURE_COLUMNS.has(c)).toBe(true);
    }
    for (const c of [...LENDER_VERDICT_COLUMNS, ...GEOGRAPHY_COLUMNS]) expect(FORBIDDEN_FEATURE_COLUMNS.has(c)).toBe(true);
    expect(() => assertNoForbiddenColumns(['loan_amnt', 'grade', 'zip_code'], 'test')).toThrow(/grade, zip_code/);
    expect(() => assertNoForbiddenColumns(['loan_amnt', 'annual_inc'], 'test')).not.toThrow();
  });

  it('the applicant model reads no forbidden column: changing every one of them changes nothing', () => {
    const base = ApplicantSchema.parse(lendingClubApplicant(record));
    const tampered: CsvRecord = { ...record };
    for (const column of Object.keys(record)) {
      if (!FORBIDDEN_FEATURE_COLUMNS.has(column) || column === 'loan_status' || column === AS_OF_DATE_COLUMN) continue;
      tampered[column] = /^[\d.\s%-]+$/.test(record[column]) && record[column] !== '' ? '99999' : 'ZZ';
    }
    expect(tampered.int_rate).toBe('99999');
    expect(tampered.grade).toBe('ZZ');
    const after = ApplicantSchema.parse(lendingClubApplicant(tampered));
    expect(after).toEqual(base);
    const spec = fitApplicantSpec([base, { ...base, purpose: 'car' }], [0, 1]);
    expect(Array.from(applicantFeatures(spec, after))).toEqual(Array.from(applicantFeatures(spec, base)));
  });

  it('uses the issue date only as the as-of date of credit-history length', () => {
    const base = ApplicantSchema.parse(lendingClubApplicant(record));
    const later = ApplicantSchema.parse(lendingClubApplicant({ ...record, [AS_OF_DATE_COLUMN]: 'Dec-2012' }));
    expect(later).toEqual({ ...base, creditHistoryYears: base.creditHistoryYears! + 1 });
  });

  it('the generic pipeline drops forbidden columns with the reason', () => {
    const records: CsvRecord[] = Array.from({ length: 40 }, (_, i) => ({
      income: String(20_000 + i * 1000),
      grade: 'ABCDEFG'[i % 7],
      total_rec_prncp: String(i * 10),
      zip_code: `${100 + i}xx`,
      status: i % 4 === 0 ? 'bad' : 'good',
    }));
    const spec = fitGenericSpec(
      records,
      records.map((r) => (r.status === 'bad' ? 1 : 0)),
      { target: 'status', bad: 'bad' },
    );
    expect(spec.features).toEqual(['income']);
    const reasons = Object.fromEntries(spec.dropped.map((d) => [d.name, d.reason]));
    for (const c of ['grade', 'total_rec_prncp', 'zip_code']) expect(reasons[c]).toMatch(/leakage guard/);
  });
});
