import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { Applicant } from '../applicant/schema.ts';
import { readCsvHeader, streamCsv, type CsvRecord } from '../data/csv.ts';
import { emptyLendingClubStats, isLendingClubHeader, streamLendingClub, type LendingClubRejection } from '../data/lendingclub.ts';
import { APPLICANT_FEATURE_NAMES, applicantFeatures, fitApplicantSpec } from '../features/applicant.ts';
import { fitGenericSpec, genericFeatures, genericTarget } from '../features/generic.ts';
import type { FeatureSpec } from '../features/spec.ts';

/** Rows of one training file, ready to be split, featurised and scored, whatever its format. */
export interface TrainingSet {
  kind: 'applicant' | 'generic';
  source: {
    file: string;
    sha256: string;
    format: 'lendingclub' | 'generic';
    rowsRead: number;
    rowsKept: number;
    rowsExcluded: number;
    exclusionNotes: string[];
  };
  y: Uint8Array;
  /** Fits the preprocessing on the given rows only (the training part). */
  fitSpec(rows: Uint32Array): FeatureSpec;
  /** Row-major feature matrix of every row under `spec`. */
  vectorise(spec: FeatureSpec): { X: Float64Array; nFeatures: number };
  /** A reference risk ranking from the source itself (LendingClub's grade), higher = riskier. */
  benchmark?: { name: string; scores: Float64Array };
}

export type DataFormat = 'auto' | 'lendingclub' | 'generic';

export interface LoadOptions {
  format: DataFormat;
  target?: string;
  bad?: string;
  exclude?: readonly string[];
}

export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function loadTrainingSet(file: string, options: LoadOptions): Promise<TrainingSet> {
  let format = options.format;
  if (format === 'auto') {
    if (options.target) format = 'generic';
    else if (isLendingClubHeader(await readCsvHeader(file, { headerMustInclude: 'loan_status' }).catch(() => []))) format = 'lendingclub';
    else throw new Error(`${basename(file)} is not a LendingClub file: give --target COLUMN and --bad VALUE`);
  }
  return format === 'lendingclub' ? loadLendingClub(file) : loadGeneric(file, options);
}

const GRADE_RISK: Record<string, number> = { A: 1, B: 2, C: 3, D: 4, E: 5, F: 6, G: 7 };

async function loadLendingClub(file: string): Promise<TrainingSet> {
  const stats = emptyLendingClubStats();
  const rejections: LendingClubRejection[] = [];
  const applicants: Applicant[] = [];
  const bad: number[] = [];
  const grades: number[] = [];
  for await (const loan of streamLendingClub(file, { stats, onReject: (r) => rejections.length < 5 && rejections.push(r) })) {
    applicants.push(loan.applicant);
    bad.push(loan.bad);
    grades.push(loan.grade ? (GRADE_RISK[loan.grade.charAt(0).toUpperCase()] ?? Number.NaN) : Number.NaN);
  }
  const y = Uint8Array.from(bad);
  const notes = [
    `${stats.unfinished} loans without a final outcome (still running) excluded`,
    `${stats.invalid} rows failing the applicant schema excluded`,
    ...rejections.map((r) => `row ${r.line}: ${r.issues.map((i) => `${i.field}: ${i.rule}`).join('; ')}`),
  ];
  const F = APPLICANT_FEATURE_NAMES.length;
  return {
    kind: 'applicant',
    source: {
      file: basename(file),
      sha256: await fileSha256(file),
      format: 'lendingclub',
      rowsRead: stats.read,
      rowsKept: stats.kept,
      rowsExcluded: stats.read - stats.kept,
      exclusionNotes: notes,
    },
    y,
    fitSpec: (rows) => fitApplicantSpec(Array.from(rows, (r) => applicants[r]), Array.from(rows, (r) => y[r])),
    vectorise: (spec) => {
      if (spec.kind !== 'applicant') throw new Error('applicant data needs an applicant feature spec');
      const X = new Float64Array(applicants.length * F);
      applicants.forEach((a, i) => applicantFeatures(spec, a, X.subarray(i * F, (i + 1) * F)));
      return { X, nFeatures: F };
    },
    ...(grades.every(Number.isFinite) ? { benchmark: { name: "LendingClub's own grade (A–G)", scores: Float64Array.from(grades) } } : {}),
  };
}

async function loadGeneric(file: string, options: LoadOptions): Promise<TrainingSet> {
  const { target, bad } = options;
  if (!target || bad === undefined) throw new Error('a generic CSV needs --target COLUMN and --bad VALUE');
  const records: CsvRecord[] = [];
  let rowsRead = 0;
  let missingTarget = 0;
  for await (const { record } of streamCsv(file)) {
    rowsRead++;
    if (!(target in record)) throw new Error(`--target: column "${target}" is not in ${basename(file)} (columns: ${Object.keys(record).join(', ')})`);
    if (record[target].trim() === '') {
      missingTarget++;
      continue;
    }
    records.push(record);
  }
  const y = Uint8Array.from(records, (r) => genericTarget(r, target, bad));
  const nBad = y.reduce((s, v) => s + v, 0);
  if (nBad === 0 || nBad === y.length) {
    throw new Error(`--bad: value "${bad}" gives ${nBad} bad rows out of ${y.length}; both classes are needed`);
  }
  return {
    kind: 'generic',
    source: {
      file: basename(file),
      sha256: await fileSha256(file),
      format: 'generic',
      rowsRead,
      rowsKept: records.length,
      rowsExcluded: missingTarget,
      exclusionNotes: [`${missingTarget} rows with an empty target excluded`],
    },
    y,
    fitSpec: (rows) =>
      fitGenericSpec(Array.from(rows, (r) => records[r]), Array.from(rows, (r) => y[r]), { target, bad, exclude: options.exclude }),
    vectorise: (spec) => {
      if (spec.kind !== 'generic') throw new Error('generic data needs a generic feature spec');
      const F = spec.features.length;
      const X = new Float64Array(records.length * F);
      records.forEach((r, i) => genericFeatures(spec, r, X.subarray(i * F, (i + 1) * F)));
      return { X, nFeatures: F };
    },
  };
}
