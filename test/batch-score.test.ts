import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { ApplicantSchema, type Applicant } from '../src/applicant/schema.ts';
import { readCsvHeader, streamCsv, type CsvRecord } from '../src/data/csv.ts';
import { lendingClubApplicant } from '../src/data/lendingclub.ts';
import { loadModel } from '../src/model/load.ts';
import { estimatePd, type LoadedModel } from '../src/model/model.ts';
import { riskBand } from '../src/scoring/policy.ts';
import { pdToScore } from '../src/scoring/scale.ts';
import { BatchError, planBatch } from '../src/batch/score.ts';
import { GERMAN, germanRecords, tempModels, trainGenericModel } from './support/generic-model.ts';

/** The real `npm run score` entry point on small CSVs written to a temporary directory, with a temporary copy of models/. */

const LENDINGCLUB = 'datasets/lendingclub_2007_2011.csv.gz';
const OUTPUT = ['pd', 'score', 'riskBand'];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function score(args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/batch/cli.ts', ...args], { timeout: 45_000, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

const readCsv = (path: string): string[][] => parse(path.endsWith('.gz') ? gunzipSync(readFileSync(path)) : readFileSync(path), { relax_column_count: true });
/** A failed run says why in one line, without a stack trace, and exits non-zero. */
function oneLineError(run: Run, pattern: RegExp): void {
  expect(run.code).not.toBe(0);
  expect(run.code).not.toBeNull();
  const lines = run.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^score: /);
  expect(lines[0]).toMatch(pattern);
  expect(run.stderr).not.toMatch(/^\s+at |node:internal|\.ts:\d+/m);
}

const { dir, models } = tempModels('lw-batch-score-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string) => join(dir, name);

describe('batch scoring of LendingClub rows', () => {
  let model: LoadedModel;
  let header: string[];
  /** The valid rows written, by their row number in the file (header = row 1). */
  const good = new Map<number, CsvRecord>();
  /** The broken rows written: row number → what the reason must say. */
  const broken = new Map<number, RegExp>();
  const lines: string[] = [];
  const csvLine = (values: string[]) => stringify([values]).trimEnd();

  beforeAll(async () => {
    model = loadModel(models);
    header = await readCsvHeader(LENDINGCLUB);
    expect(header).toContain('loan_status');
    const records: CsvRecord[] = [];
    for await (const { record } of streamCsv(LENDINGCLUB)) {
      if (ApplicantSchema.safeParse(lendingClubApplicant(record)).success) records.push(record);
      if (records.length === 200) break;
    }
    // Five new applications: no final loan status yet.
    for (const r of records.slice(10, 15)) r.loan_status = '';
    const breakages: [number, (r: CsvRecord) => CsvRecord, RegExp][] = [
      [50, (r) => ({ ...r, loan_amnt: '50000' }), /^loanAmount \(Loan amount\): must be at most 40,000 \(found 50000\)$/],
      [100, (r) => ({ ...r, term: '12 months' }), /^termMonths \(Loan term\): .*\(found 12\)$/],
      [150, (r) => ({ ...r, annual_inc: 'lots' }), /^annualIncome \(Yearly income before tax\): is missing or unreadable$/],
      [
        175,
        (r) => ({ ...r, purpose: 'lottery', fico_range_low: '' }),
        /^purpose \(What the loan is for\): .*debt_consolidation.*; ficoScore \(FICO credit score\): is missing or unreadable$/,
      ],
    ];
    lines.push(csvLine(header));
    records.forEach((record, i) => {
      for (const [after, change, reason] of breakages) {
        if (after === i) {
          lines.push(csvLine(header.map((h) => change(record)[h])));
          broken.set(lines.length, reason);
        }
      }
      lines.push(csvLine(header.map((h) => record[h])));
      good.set(lines.length, record);
    });
    lines.push('1000,36 months,oops');
    broken.set(lines.length, new RegExp(`^has 3 values where the header has ${header.length} columns`));
    lines.push(header.map(() => '').join(','));
    broken.set(lines.length, /^the row is empty$/);
    writeFileSync(file('lc.csv'), `${lines.join('\n')}\n`);
    writeFileSync(file('lc.csv.gz'), gzipSync(readFileSync(file('lc.csv'))));
  });

  const applicantOf = (record: CsvRecord): Applicant => ApplicantSchema.parse(lendingClubApplicant(record));

  it("scores every valid row (new applications too) with the model's own PD, and rejects each broken row with its reason", async () => {
    const run = await score(['--data', file('lc.csv'), '--out', file('lc.out.csv'), '--models', models, '--progress']);
    expect(run.code).toBe(0);
    // The progress bar (asked for: the file is small and stderr no terminal) and nothing else on stderr.
    expect(run.stderr).toMatch(/scoring \|.*\| 100% \| 206 rows/);
    expect(run.stderr.split('\n').filter((l) => l.trim() && !l.includes(' scoring |'))).toEqual([]);
    expect(run.stdout).toMatch(
      new RegExp(
        `^scored 200 \\(5 without a final loan status\\), rejected 6 \\(1 with the wrong number of values\\), in \\d+\\.\\d\\d s \\(model ${model.version}, LendingClub columns\\)`,
      ),
    );

    const [outHeader, ...rows] = readCsv(file('lc.out.csv'));
    expect(outHeader).toEqual([...header, ...OUTPUT]);
    expect(rows).toHaveLength(good.size);
    const expected = [...good.values()];
    const bands = new Set<string>();
    rows.forEach((row, i) => {
      const record = expected[i];
      expect(row.slice(0, header.length)).toEqual(header.map((h) => record[h]));
      const [pd, points, band] = row.slice(header.length);
      expect(Number(pd)).toBeGreaterThanOrEqual(0);
      expect(Number(pd)).toBeLessThanOrEqual(1);
      expect(Number(pd)).toBe(estimatePd(model, applicantOf(record)).pd);
      expect(Number.isInteger(Number(points))).toBe(true);
      expect(Number(points)).toBeGreaterThanOrEqual(300);
      expect(Number(points)).toBeLessThanOrEqual(850);
      expect(Number(points)).toBe(pdToScore(Number(pd)));
      expect(band).toBe(riskBand(Number(pd)));
      bands.add(band);
    });
    expect(bands.size).toBeGreaterThan(1);

    const [rejectHeader, ...rejects] = readCsv(file('lc.out.rejects.csv'));
    expect(rejectHeader).toEqual(['row', 'reason', ...header]);
    expect(rejects.map((r) => Number(r[0]))).toEqual([...broken.keys()]);
    for (const [row, reason, ...values] of rejects) {
      expect(reason).toMatch(broken.get(Number(row))!);
      // Rows that could be read are kept as they were, to fix and send again.
      if (!/has 3 values/.test(reason)) expect(stringify([values]).trimEnd()).toBe(lines[Number(row) - 1]);
    }
    // Every data row is either scored or rejected.
    expect(rows.length + rejects.length).toBe(lines.length - 1);
    expect(readdirSync(dir).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });

  it('reads .csv.gz the same, files without a loan_status column, and our own applicant fields', async () => {
    const newApplications = [...good.values()].slice(0, 20);
    const noStatus = header.filter((h) => h !== 'loan_status');
    writeFileSync(file('new.csv'), stringify([noStatus, ...newApplications.map((r) => noStatus.map((h) => r[h]))]));
    const fields = [
      'loanAmount',
      'termMonths',
      'purpose',
      'annualIncome',
      'employmentYears',
      'homeOwnership',
      'dti',
      'ficoScore',
      'delinquencies2y',
      'inquiries6m',
      'revolvingUtilisation',
      'revolvingBalance',
      'openAccounts',
      'totalAccounts',
      'publicRecords',
      'creditHistoryYears',
    ] as const;
    const applicants = newApplications.map(applicantOf);
    const asRow = (a: Record<string, unknown>) => ['A-1', ...fields.map((f) => (a[f] === undefined ? '' : String(a[f])))];
    writeFileSync(
      file('applicants.csv'),
      stringify([
        ['applicationRef', ...fields],
        ...applicants.map(asRow),
        asRow({ ...applicants[0], ficoScore: 900 }),
        asRow({ ...applicants[0], loanAmount: 'lots' }),
      ]),
    );
    const [gz, fresh, own] = await Promise.all([
      score(['--data', file('lc.csv.gz'), '--out', file('gz.out.csv.gz'), '--models', models]),
      score(['--data', file('new.csv'), '--out', file('new.out.csv'), '--models', models]),
      score(['--data', file('applicants.csv'), '--out', file('own.out.csv'), '--models', models]),
    ]);
    for (const run of [gz, fresh, own]) expect(run.code).toBe(0);
    expect(readCsv(file('gz.out.csv.gz'))).toEqual(readCsv(file('lc.out.csv')));
    expect(readCsv(file('gz.out.rejects.csv.gz'))).toEqual(readCsv(file('lc.out.rejects.csv')));

    expect(fresh.stdout).toMatch(/^scored 20 \(20 without a final loan status\), rejected 0,/);
    const freshRows = readCsv(file('new.out.csv')).slice(1);
    expect(freshRows.map((r) => Number(r[noStatus.length]))).toEqual(applicants.map((a) => estimatePd(model, a).pd));

    expect(own.stdout).toMatch(/^scored 20, rejected 2, .*applicant fields\)/);
    const [ownHeader, ...ownRows] = readCsv(file('own.out.csv'));
    expect(ownHeader).toEqual(['applicationRef', ...fields, ...OUTPUT]);
    // The same applicants score the same whichever columns they came in.
    expect(ownRows.map((r) => Number(r[fields.length + 1]))).toEqual(applicants.map((a) => estimatePd(model, a).pd));
    const ownRejects = readCsv(file('own.out.rejects.csv')).slice(1);
    expect(ownRejects.map((r) => [r[0], r[1]])).toEqual([
      ['22', 'ficoScore (FICO credit score): must be at most 850 (found 900)'],
      ['23', 'loanAmount (Loan amount): must be a number (found "lots")'],
    ]);
  });

  it('says in one line what is wrong with a missing file, an unknown model version or format, or an unreadable file, and leaves no output', async () => {
    writeFileSync(file('other.csv'), 'colour,size\nred,3\n');
    writeFileSync(file('quote.csv'), `${lines.slice(0, 30).join('\n')}\n"unclosed,${lines[30]}\n${lines.slice(31, 60).join('\n')}\n`);
    const [missing, version, unknown, forced, quote, usage] = await Promise.all([
      score(['--data', file('nope.csv'), '--out', file('nope.out.csv'), '--models', models]),
      score(['--data', file('lc.csv'), '--out', file('v.out.csv'), '--models', models, '--model', 'pd-rf-000000']),
      score(['--data', file('other.csv'), '--out', file('other.out.csv'), '--models', models]),
      score(['--data', file('lc.csv'), '--out', file('f.out.csv'), '--models', models, '--format', 'xml']),
      score(['--data', file('quote.csv'), '--out', file('quote.out.csv'), '--models', models]),
      score(['--data', file('lc.csv'), '--models', models]),
    ]);
    oneLineError(missing, /nope\.csv: no such file$/);
    oneLineError(version, new RegExp(`no model version "pd-rf-000000" in .*versions there: .*${model.version}`));
    oneLineError(unknown, /other\.csv: unknown format: the header has neither LendingClub columns .* nor applicant fields .*no generic model is promoted/);
    oneLineError(forced, /--format: must be one of: auto, lendingclub, generic/);
    oneLineError(quote, /quote/i);
    oneLineError(usage, /--out OUT\.csv is required/);
    expect(usage.code).toBe(2);
    for (const name of ['nope', 'v', 'other', 'f', 'quote']) {
      expect(existsSync(file(`${name}.out.csv`))).toBe(false);
      expect(existsSync(file(`${name}.out.rejects.csv`))).toBe(false);
    }
    expect(readdirSync(dir).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });

  it('refuses, before reading any row, an input that already has an output column or an output in no directory', async () => {
    writeFileSync(file('clash.csv'), 'loanAmount,pd\n1000,0.1\n');
    await expect(planBatch({ data: file('clash.csv'), out: file('clash.out.csv'), models })).rejects.toThrow(BatchError);
    await expect(planBatch({ data: file('clash.csv'), out: file('clash.out.csv'), models })).rejects.toThrow(/already has column pd, which the output adds/);
    await expect(planBatch({ data: file('lc.csv'), out: join(dir, 'no-such-dir', 'x.csv'), models })).rejects.toThrow(
      /the directory .*no-such-dir does not exist/,
    );
    await expect(planBatch({ data: file('lc.csv'), out: file('lc.csv'), models })).rejects.toThrow(/would overwrite the input/);
    expect((await planBatch({ data: file('lc.csv'), out: file('ok.csv'), models })).rejects).toBe(file('ok.rejects.csv'));
  });
});

describe('batch scoring with a generic model', () => {
  let version: string;
  let generic: LoadedModel;
  let germanHeader: string[];
  let records: CsvRecord[];

  beforeAll(async () => {
    version = await trainGenericModel(models);
    generic = loadModel(models, version);
    germanHeader = await readCsvHeader(GERMAN);
    records = await germanRecords(100);
    const rows = records.map((r) => germanHeader.map((h) => r[h]));
    const broken = germanHeader.map((h) => (h === 'duration_months' ? 'six' : records[0][h]));
    writeFileSync(file('german.csv'), `${stringify([germanHeader, ...rows.slice(0, 40), broken, ...rows.slice(40)])}1,2,3\n`);
  }, 120_000);

  it('scores the columns it was trained on with its own PD, rejects broken rows, and is used without --model once promoted', async () => {
    expect(generic.spec.kind).toBe('generic');
    const unpromoted = await score(['--data', file('german.csv'), '--out', file('g0.out.csv'), '--models', models]);
    oneLineError(unpromoted, /no generic model is promoted/);

    const run = await score(['--data', file('german.csv'), '--out', file('g.out.csv'), '--models', models, '--model', version]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^scored 100, rejected 2 \\(1 with the wrong number of values\\), .*\\(model ${version}, generic columns\\)`));
    const [outHeader, ...rows] = readCsv(file('g.out.csv'));
    expect(outHeader).toEqual([...germanHeader, ...OUTPUT]);
    expect(rows.map((r) => Number(r[germanHeader.length]))).toEqual(records.map((r) => estimatePd(generic, r).pd));
    for (const row of rows) {
      const [pd, points, band] = row.slice(germanHeader.length).map(String);
      expect(Number(pd)).toBeGreaterThanOrEqual(0);
      expect(Number(pd)).toBeLessThanOrEqual(1);
      expect(Number(points)).toBe(pdToScore(Number(pd)));
      expect(band).toBe(riskBand(Number(pd)));
    }
    const rejects = readCsv(file('g.out.rejects.csv')).slice(1);
    expect(rejects.map((r) => [r[0], r[1]])).toEqual([
      ['42', 'duration_months: must be a number, or empty when not known (found "six")'],
      ['103', `has 3 values where the header has ${germanHeader.length} columns (a stray comma or quote, or a note that is not a row?)`],
    ]);

    const applicantModel = JSON.parse(readFileSync(join(models, 'manifest.json'), 'utf8')).current;
    oneLineError(await score(['--promote', applicantModel, '--models', models]), /is an applicant model/);
    const promote = await score(['--promote', version, '--models', models]);
    expect(promote.code).toBe(0);
    expect(promote.stdout).toContain(`${version} is now the generic model`);
    const manifest = JSON.parse(readFileSync(join(models, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ current: applicantModel, generic: version });

    const promoted = await score(['--data', file('german.csv'), '--out', file('g2.out.csv'), '--models', models]);
    expect(promoted.code).toBe(0);
    expect(promoted.stdout).toContain(`(model ${version}, generic columns)`);
    expect(readCsv(file('g2.out.csv'))).toEqual(readCsv(file('g.out.csv')));
    // LendingClub rows still go to the applicant model.
    const lc = await score(['--data', file('lc.csv'), '--out', file('lc2.out.csv'), '--models', models]);
    expect(lc.stdout).toContain(`(model ${applicantModel}, LendingClub columns)`);
  });
});
