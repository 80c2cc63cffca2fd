import { createHash } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Applicant } from '../applicant/schema.ts';
import { readCsvHeader, streamCsv, type CsvRecord } from '../data/csv.ts';
import { emptyLendingClubStats, isLendingClubHeader, streamLendingClub, type LendingClubRejection } from '../data/lendingclub.ts';
import { APPLICANT_FEATURE_NAMES, applicantFeatures, fitApplicantSpec } from '../features/applicant.ts';
import { EXCLUDED_REASON, LEAKAGE_REASON, fitGenericSpec, genericFeatures, genericTarget } from '../features/generic.ts';
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
    /** Generic CSVs: the outcome column and the value of it that means "bad". */
    target?: { column: string; bad: string };
    /**
     * Columns kept out of the features by rule: --exclude or the leakage guard. Generic CSVs only;
     * filled in by `fitSpec` (the feature spec decides), empty before it runs.
     */
    excludedColumns: ColumnNote[];
    /** Columns the feature builder dropped by what it saw in the training rows (identifiers, free text, constants), filled in by `fitSpec`. */
    droppedColumns: ColumnNote[];
  };
  y: Uint8Array;
  /** Fits the preprocessing on the given rows only (the training part); records excluded and dropped columns in `source`. */
  fitSpec(rows: Uint32Array): FeatureSpec;
  /** Row-major feature matrix of every row under `spec`. */
  vectorise(spec: FeatureSpec): { X: Float64Array; nFeatures: number };
  /** Applicant files: every kept row as an Applicant (for partial-dependence charts). */
  applicants?: readonly Applicant[];
  /** A reference risk ranking from the source itself (LendingClub's grade), higher = riskier. */
  benchmark?: { name: string; scores: Float64Array };
}

export interface ColumnNote {
  name: string;
  reason: string;
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

/** Fails with a one-line `--data: …` message when the file cannot be a CSV to train on. */
export async function checkDataFile(file: string): Promise<void> {
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    throw new Error(
      error.code === 'ENOENT' || error.code === 'ENOTDIR' ? `--data: no such file: ${file}` : `--data: cannot read ${file} (${error.code ?? error.message})`,
    );
  });
  if (info.isDirectory()) throw new Error(`--data: ${file} is a directory, not a CSV file`);
  await access(file, constants.R_OK).catch(() => {
    throw new Error(`--data: cannot read ${file} (permission denied)`);
  });
  if (info.size === 0) throw new Error(`--data: ${file} is empty`);
}

/** Read and parse errors (gzip, CSV syntax, no header) as one `--data: …` line; our own messages pass through. */
function asDataError(file: string, error: unknown): Error {
  if (!(error instanceof Error)) return new Error(`--data: cannot read ${file}: ${String(error)}`);
  if (/^--\w/.test(error.message) || !('code' in error || /no header row found/.test(error.message))) return error;
  return new Error(`--data: cannot read ${file}: ${error.message.replace(`${file}: `, '')}`);
}

export async function loadTrainingSet(file: string, options: LoadOptions): Promise<TrainingSet> {
  await checkDataFile(file);
  try {
    let format = options.format;
    if (format === 'auto') {
      if (options.target) format = 'generic';
      else if (isLendingClubHeader(await readCsvHeader(file, { headerMustInclude: 'loan_status' }).catch(() => []))) format = 'lendingclub';
      else throw new Error(`${basename(file)} is not a LendingClub file: give --target COLUMN and --bad VALUE`);
    }
    if (format === 'lendingclub' && (options.exclude?.length ?? 0) > 0) {
      throw new Error(
        "--exclude: a LendingClub file is read as applicants' answers, whose features are fixed; --exclude is for other CSVs (with --target and --bad)",
      );
    }
    return await (format === 'lendingclub' ? loadLendingClub(file) : loadGeneric(file, options));
  } catch (error) {
    throw asDataError(file, error);
  }
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
      excludedColumns: [],
      droppedColumns: [],
    },
    y,
    applicants,
    fitSpec: (rows) =>
      fitApplicantSpec(
        Array.from(rows, (r) => applicants[r]),
        Array.from(rows, (r) => y[r]),
      ),
    vectorise: (spec) => {
      if (spec.kind !== 'applicant') throw new Error('applicant data needs an applicant feature spec');
      const X = new Float64Array(applicants.length * F);
      applicants.forEach((a, i) => applicantFeatures(spec, a, X.subarray(i * F, (i + 1) * F)));
      return { X, nFeatures: F };
    },
    ...(grades.every(Number.isFinite) ? { benchmark: { name: "LendingClub's own grade (A–G)", scores: Float64Array.from(grades) } } : {}),
  };
}

/** The most frequent values of the target column with their counts, for a --bad that matches nothing. */
function valuesFound(records: readonly CsvRecord[], target: string, limit = 10): string {
  const counts = new Map<string, number>();
  for (const r of records) {
    const v = r[target].trim();
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0], 'en', { numeric: true }));
  const shown = sorted.slice(0, limit).map(([v, n]) => `${v} (${n})`);
  return sorted.length > limit ? `${shown.join(', ')} and ${sorted.length - limit} more` : shown.join(', ');
}

async function loadGeneric(file: string, options: LoadOptions): Promise<TrainingSet> {
  const { target, bad } = options;
  if (!target || bad === undefined) throw new Error('a generic CSV needs --target COLUMN and --bad VALUE');
  const records: CsvRecord[] = [];
  let rowsRead = 0;
  let missingTarget = 0;
  let header: string[] | undefined;
  for await (const { record } of streamCsv(file)) {
    rowsRead++;
    if (!header) {
      header = Object.keys(record);
      if (!(target in record)) throw new Error(`--target: column "${target}" is not in ${basename(file)} (columns: ${header.join(', ')})`);
      const unknown = (options.exclude ?? []).filter((c) => !(c in record));
      if (unknown.length > 0)
        throw new Error(`--exclude: ${unknown.map((c) => `"${c}"`).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not a column of ${basename(file)}`);
    }
    if (record[target].trim() === '') {
      missingTarget++;
      continue;
    }
    records.push(record);
  }
  if (rowsRead === 0) throw new Error(`--data: ${file} has a header but no rows`);
  if (records.length === 0) throw new Error(`--target: column "${target}" is empty in every row of ${basename(file)}`);
  const y = Uint8Array.from(records, (r) => genericTarget(r, target, bad));
  const nBad = y.reduce((s, v) => s + v, 0);
  if (nBad === 0) throw new Error(`--bad: "${bad}" matches no row of "${target}"; values found: ${valuesFound(records, target)}`);
  if (nBad === y.length) {
    throw new Error(`--bad: "${bad}" matches every row of "${target}" (${nBad}): a model needs good rows too; values found: ${valuesFound(records, target)}`);
  }
  const source: TrainingSet['source'] = {
    file: basename(file),
    sha256: await fileSha256(file),
    format: 'generic',
    rowsRead,
    rowsKept: records.length,
    rowsExcluded: missingTarget,
    exclusionNotes: [`${missingTarget} rows with an empty target excluded`],
    target: { column: target, bad },
    excludedColumns: [],
    droppedColumns: [],
  };
  return {
    kind: 'generic',
    source,
    y,
    fitSpec: (rows) => {
      const spec = fitGenericSpec(
        Array.from(rows, (r) => records[r]),
        Array.from(rows, (r) => y[r]),
        { target, bad, exclude: options.exclude },
      );
      const byRule = (d: ColumnNote) => d.reason === EXCLUDED_REASON || d.reason === LEAKAGE_REASON;
      source.excludedColumns = spec.dropped.filter(byRule);
      source.droppedColumns = spec.dropped.filter((d) => !byRule(d));
      return spec;
    },
    vectorise: (spec) => {
      if (spec.kind !== 'generic') throw new Error('generic data needs a generic feature spec');
      const F = spec.features.length;
      const X = new Float64Array(records.length * F);
      records.forEach((r, i) => genericFeatures(spec, r, X.subarray(i * F, (i + 1) * F)));
      return { X, nFeatures: F };
    },
  };
}
