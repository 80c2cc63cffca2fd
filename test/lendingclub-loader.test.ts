import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  emptyLendingClubStats,
  lendingClubTarget,
  parseEmploymentLength,
  parseMonthStamp,
  streamLendingClub,
  type LendingClubRejection,
} from '../src/data/lendingclub.ts';

const RAW = new URL('./fixtures/loanstats-raw.csv', import.meta.url).pathname;

async function collect(path: string) {
  const stats = emptyLendingClubStats();
  const rejected: LendingClubRejection[] = [];
  const loans = [];
  for await (const loan of streamLendingClub(path, { stats, onReject: (r) => rejected.push(r) })) loans.push(loan);
  return { loans, stats, rejected };
}

describe('LendingClub target', () => {
  it('maps finished loans to 0/1 and running loans to null', () => {
    expect(lendingClubTarget('Fully Paid')).toBe(0);
    expect(lendingClubTarget('Charged Off')).toBe(1);
    expect(lendingClubTarget('Default')).toBe(1);
    expect(lendingClubTarget('Does not meet the credit policy. Status:Charged Off')).toBe(1);
    expect(lendingClubTarget('Does not meet the credit policy. Status:Fully Paid')).toBe(0);
    for (const running of ['Current', 'Late (31-120 days)', 'In Grace Period', 'Issued', '']) {
      expect(lendingClubTarget(running)).toBeNull();
    }
  });
});

describe('LendingClub field parsing', () => {
  it('reads employment length and month stamps in every LendingClub spelling', () => {
    expect(parseEmploymentLength('< 1 year')).toBe(0);
    expect(parseEmploymentLength('1 year')).toBe(1);
    expect(parseEmploymentLength('10+ years')).toBe(10);
    expect(parseEmploymentLength('n/a')).toBeUndefined();
    expect(parseMonthStamp('Dec-2011')! - parseMonthStamp('Jan-1985')!).toBe(26 * 12 + 11);
    expect(parseMonthStamp('Aug-03')).toBe(parseMonthStamp('Aug-2003'));
    expect(parseMonthStamp('2003-08-01')).toBe(parseMonthStamp('Aug-2003'));
  });
});

describe('streamLendingClub on the raw LoanStats layout', () => {
  it('skips the notice line and footers, excludes running loans and invalid rows, parses the rest', async () => {
    const { loans, stats, rejected } = await collect(RAW);
    expect(stats).toMatchObject({ read: 7, kept: 5, unfinished: 1, invalid: 1 });
    expect(stats.malformedRows).toBe(2);
    expect(loans.map((l) => l.bad)).toEqual([0, 1, 1, 0, 1]);
    const first = loans[0].applicant;
    expect(first).toMatchObject({
      loanAmount: 5000,
      termMonths: 36,
      purpose: 'credit_card',
      annualIncome: 24000,
      employmentYears: 10,
      homeOwnership: 'RENT',
      dti: 27.65,
      ficoScore: 737,
      revolvingUtilisation: 83.7,
      creditHistoryYears: 26.9,
    });
    expect(loans[0].grade).toBe('B');
    // "n/a" employment stays missing, NONE home ownership becomes OTHER, blank revol_util stays missing.
    expect(loans[2].applicant.employmentYears).toBeUndefined();
    expect(loans[2].applicant.homeOwnership).toBe('OTHER');
    expect('revolvingUtilisation' in loans[3].applicant).toBe(false);
    // The negative income row is rejected with the field and the rule named.
    expect(rejected).toHaveLength(1);
    expect(rejected[0].issues[0].field).toBe('annualIncome');
    expect(rejected[0].issues[0].rule).toMatch(/at least 4,000/);
  });

  it('streams gzipped files the same way', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-lc-'));
    const gz = join(dir, 'LoanStats.csv.gz');
    writeFileSync(gz, gzipSync(readFileSync(RAW)));
    const plain = await collect(RAW);
    const zipped = await collect(gz);
    expect(zipped.loans).toEqual(plain.loans);
  });

  it('reads the shipped training copy: 16,778 finished loans, newest first, 16.8% bad', async () => {
    const { loans, stats } = await collect('datasets/lendingclub_2007_2011.csv.gz');
    expect(stats.kept).toBe(16_778);
    expect(stats.invalid).toBe(0);
    const badRate = loans.reduce((s, l) => s + l.bad, 0) / loans.length;
    expect(badRate).toBeGreaterThan(0.165);
    expect(badRate).toBeLessThan(0.171);
    // Only the newer loans have 60-month terms: the first rows are the latest (data README).
    const share60 = (from: number, to: number) => loans.slice(from, to).filter((l) => l.applicant.termMonths === 60).length / (to - from);
    expect(share60(0, 3000)).toBeGreaterThan(0.1);
    expect(share60(loans.length - 3000, loans.length)).toBe(0);
  });
});
