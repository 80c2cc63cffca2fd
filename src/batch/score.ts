import { createWriteStream, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { dirname, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { stringify } from 'csv-stringify';
import { z } from 'zod';
import { ApplicantSchema, describeIssues, fieldMeta, type Applicant, type FieldIssue } from '../applicant/schema.ts';
import { readCsvHeader, streamCsv, type CsvRecord, type CsvStreamOptions } from '../data/csv.ts';
import { lendingClubApplicant, streamLendingClub } from '../data/lendingclub.ts';
import { genericCsvRecordSchema, missingGenericColumns } from '../features/generic-input.ts';
import { parseNumeric } from '../features/generic.ts';
import { loadModel } from '../model/load.ts';
import { estimatePd, ModelLoadError, type LoadedModel } from '../model/model.ts';
import { riskBand } from '../scoring/policy.ts';
import { pdToScore } from '../scoring/scale.ts';
import { loadVersion, promotedGenericVersion } from '../node/generic-model.ts';

/**
 * Batch scoring (`npm run score`): every row of a CSV (.csv or .csv.gz) streamed through a model,
 * one row in memory at a time, written out as the input columns plus pd, score and riskBand.
 * Rows that cannot be scored go, with their row number and the reason, to a rejects file; none
 * is dropped without a trace.
 *
 * Input formats, told apart by the header:
 * - `lendingclub`: raw LendingClub columns (loan_amnt, annual_inc, …), mapped to an applicant by
 *   src/data/lendingclub.ts, for an applicant model. Rows without a final loan status are scored too.
 * - `generic`: columns named as the model's inputs: the spec's columns for a generic model, the
 *   applicant field names (loanAmount, termMonths, …) for an applicant model.
 */

export const FORMATS = ['auto', 'lendingclub', 'generic'] as const;
export type FormatChoice = (typeof FORMATS)[number];

/** Expected failures (files, formats, models): the CLI prints their message as one line. */
export class BatchError extends Error {
  override name = 'BatchError';
}

export const OUTPUT_COLUMNS = ['pd', 'score', 'riskBand'] as const;
export const REJECT_COLUMNS = ['row', 'reason'] as const;

export interface BatchOptions {
  data: string;
  out: string;
  /** Default: OUT with `.rejects.csv` in place of `.csv`. */
  rejects?: string;
  /** Model versions and manifest (default models). */
  models?: string;
  /** A model version; default: the current applicant model, or the promoted generic model for generic columns. */
  model?: string;
  format?: FormatChoice;
}

/** How the rows are read: the user's two formats, the second split by the model's kind. */
type InputKind = 'lendingclub' | 'applicant-fields' | 'generic-columns';

export interface BatchPlan {
  data: string;
  out: string;
  rejects: string;
  model: LoadedModel;
  format: 'lendingclub' | 'generic';
  kind: InputKind;
  /** The input columns, in file order, as written back out. */
  header: string[];
  /** Size of the input file in bytes (compressed for .gz), for progress. */
  bytes: number;
}

export interface BatchSummary {
  scored: number;
  rejected: number;
  /** Of the rejected: rows whose number of fields differs from the header's. */
  malformed: number;
  /** Of the scored: LendingClub rows without a final loan status (new applications or running loans). */
  unfinished: number;
  seconds: number;
}

export interface BatchHooks {
  /** Called as the file is read: bytes read from disk so far and rows handled. */
  onProgress?: (bytesRead: number, rows: number) => void;
}

/** Applicant fields that can be CSV columns (bank-account evidence is nested, so not here). */
const APPLICANT_COLUMNS = Object.keys(ApplicantSchema.shape).filter((f) => f !== 'alternativeData') as (keyof Applicant)[];
const REQUIRED_APPLICANT_COLUMNS = APPLICANT_COLUMNS.filter((f) => !ApplicantSchema.shape[f].safeParse(undefined).success);
const TEXT_APPLICANT_COLUMNS = new Set(
  APPLICANT_COLUMNS.filter((f) => {
    const schema = ApplicantSchema.shape[f];
    const inner = schema instanceof z.ZodOptional ? schema.unwrap() : schema;
    return inner instanceof z.ZodEnum;
  }),
);

const looksLendingClub = (header: readonly string[]) => header.includes('loan_amnt') && header.includes('annual_inc');
const hasApplicantFields = (header: readonly string[]) => header.includes('loanAmount');

export function defaultRejectsPath(out: string): string {
  const m = /^(.*)\.csv(\.gz)?$/i.exec(out);
  return m ? `${m[1]}.rejects.csv${m[2] ?? ''}` : `${out}.rejects.csv`;
}

/** The header row: the first row, or for LendingClub files the row with loan_amnt (they open with a notice line). */
async function readHeader(path: string): Promise<{ header: string[]; lendingClub: boolean }> {
  let first: string[];
  try {
    first = await readCsvHeader(path);
  } catch (error) {
    throw new BatchError(`${path}: no header row could be read (${(error as Error).message.replace(`${path}: `, '')})`);
  }
  if (first.includes('loan_amnt')) return { header: first, lendingClub: looksLendingClub(first) };
  const lc = await readCsvHeader(path, { headerMustInclude: 'loan_amnt' }).catch(() => undefined);
  if (lc) return { header: lc, lendingClub: looksLendingClub(lc) };
  return { header: first, lendingClub: false };
}

function currentApplicantModel(root: string): LoadedModel {
  const model = loadModel(root);
  if (model.spec.kind !== 'applicant') throw new BatchError(`${root}/manifest.json: the current model ${model.version} is not an applicant model`);
  return model;
}

function checkApplicantColumns(path: string, header: readonly string[]): void {
  const missing = REQUIRED_APPLICANT_COLUMNS.filter((f) => !header.includes(f));
  if (missing.length) throw new BatchError(`${path}: applicant columns missing: ${missing.join(', ')} (required: ${REQUIRED_APPLICANT_COLUMNS.join(', ')})`);
}

function checkGenericColumns(path: string, model: LoadedModel, header: readonly string[], guessed: boolean): void {
  if (model.spec.kind !== 'generic') return;
  const missing = missingGenericColumns(model.spec, header);
  if (!missing.length) return;
  const lacks = `columns of ${guessed ? 'the promoted generic model ' : 'model '}${model.version} missing: ${missing.join(', ')}`;
  throw new BatchError(`${path}: ${guessed ? `unknown format: the header has ${NEITHER}, and ${lacks}` : lacks}`);
}

const NEITHER = 'neither LendingClub columns (loan_amnt, annual_inc, …) nor applicant fields (loanAmount, termMonths, …)';

/** Checks the files and picks the model and the format; every problem is a one-line BatchError or ModelLoadError. */
export async function planBatch(options: BatchOptions): Promise<BatchPlan> {
  const { data, out } = options;
  const root = options.models ?? 'models';
  const format = options.format ?? 'auto';
  if (!existsSync(data)) throw new BatchError(`${data}: no such file`);
  if (statSync(data).isDirectory()) throw new BatchError(`${data}: is a directory, not a CSV file`);
  const rejects = options.rejects ?? defaultRejectsPath(out);
  if (resolve(out) === resolve(data) || resolve(rejects) === resolve(data)) throw new BatchError(`${data}: the output would overwrite the input`);
  if (resolve(out) === resolve(rejects)) throw new BatchError(`${out}: scores and rejects cannot go to the same file`);
  for (const path of [out, rejects]) {
    if (!existsSync(dirname(resolve(path)))) throw new BatchError(`${path}: the directory ${dirname(path)} does not exist`);
  }
  const { header, lendingClub } = await readHeader(data);
  const clash = header.filter((h) => (OUTPUT_COLUMNS as readonly string[]).includes(h));
  if (clash.length)
    throw new BatchError(
      `${data}: already has column${clash.length > 1 ? 's' : ''} ${clash.join(', ')}, which the output adds: rename or remove ${clash.length > 1 ? 'them' : 'it'}`,
    );

  let model: LoadedModel;
  let kind: InputKind;
  if (options.model) {
    model = loadVersion(root, options.model);
    if (model.spec.kind === 'applicant') {
      if (format === 'lendingclub' || (format === 'auto' && lendingClub)) kind = 'lendingclub';
      else if (hasApplicantFields(header)) kind = 'applicant-fields';
      else throw new BatchError(`${data}: unknown format for applicant model ${model.version}: the header has ${NEITHER}`);
    } else {
      if (format === 'lendingclub')
        throw new BatchError(`${model.version} is a generic model: it reads columns named as its inputs (--format generic), not the LendingClub format`);
      kind = 'generic-columns';
    }
  } else if (format === 'lendingclub' || (format === 'auto' && lendingClub)) {
    model = currentApplicantModel(root);
    kind = 'lendingclub';
  } else if (hasApplicantFields(header)) {
    model = currentApplicantModel(root);
    kind = 'applicant-fields';
  } else {
    const generic = promotedGenericVersion(root);
    if (!generic)
      throw new BatchError(
        `${data}: unknown format: the header has ${NEITHER}, and no generic model is promoted (npm run score -- --promote VERSION, or pass --model VERSION)`,
      );
    model = loadVersion(root, generic);
    kind = 'generic-columns';
  }
  if (kind === 'lendingclub' && !header.includes('loan_amnt')) throw new BatchError(`${data}: --format lendingclub, but the file has no loan_amnt column`);
  if (kind === 'applicant-fields') checkApplicantColumns(data, header);
  if (kind === 'generic-columns') checkGenericColumns(data, model, header, !options.model);
  return { data, out, rejects, model, format: kind === 'lendingclub' ? 'lendingclub' : 'generic', kind, header, bytes: statSync(data).size };
}

/** A CSV file written through csv-stringify's stream, with backpressure; `.gz` paths are gzipped. Written beside as .partial, renamed at the end. */
class CsvOut {
  private readonly stringifier = stringify();
  private readonly partial: string;
  private readonly done: Promise<void>;
  private failure: Error | undefined;

  constructor(private readonly path: string) {
    this.partial = `${path}.partial`;
    const file = createWriteStream(this.partial);
    this.done = (path.endsWith('.gz') ? pipeline(this.stringifier, createGzip(), file) : pipeline(this.stringifier, file)).catch((error: Error) => {
      this.failure = error;
    });
  }

  async write(row: readonly string[]): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.stringifier.write(row)) await once(this.stringifier, 'drain');
  }

  async finish(): Promise<void> {
    this.stringifier.end();
    await this.done;
    if (this.failure) throw this.failure;
    renameSync(this.partial, this.path);
  }

  async abandon(): Promise<void> {
    this.stringifier.destroy();
    await this.done;
    rmSync(this.partial, { force: true });
  }
}

export interface ReasonWords {
  /** A field's label, e.g. "Loan amount" for loanAmount. */
  label?: (field: string) => string | undefined;
  /** The value the rule was checked on, shown after the rule. */
  found?: (field: string) => unknown;
  /** What to say when there was no value (default "is missing"). */
  missing?: string;
}

/** Issues as one plain sentence: "field (label): rule (found value)", joined by "; ". */
export function describeReason(issues: readonly FieldIssue[], words: ReasonWords = {}): string {
  return issues
    .map(({ field, rule }) => {
      const name = words.label?.(field);
      const value = words.found?.(field);
      const said = rule === 'is required' ? (words.missing ?? 'is missing') : `${rule}${value !== undefined ? ` (found ${JSON.stringify(value)})` : ''}`;
      return `${field}${name ? ` (${name})` : ''}: ${said}`;
    })
    .join('; ');
}

const applicantLabel = (field: string): string | undefined =>
  (APPLICANT_COLUMNS as string[]).includes(field) ? fieldMeta(field as keyof Applicant).label : undefined;

const isEmptyRow = (record: CsvRecord) => Object.values(record).every((v) => v.trim() === '');
const EMPTY_ROW = 'the row is empty';

/** A row of applicant-field columns as an applicant candidate: numbers read as people write them, empty cells left out. */
function applicantCandidate(record: CsvRecord): Record<string, unknown> {
  const candidate: Record<string, unknown> = {};
  for (const field of APPLICANT_COLUMNS) {
    const raw = record[field];
    if (raw === undefined || raw.trim() === '') continue;
    candidate[field] = TEXT_APPLICANT_COLUMNS.has(field) ? raw.trim() : (parseNumeric(raw) ?? raw);
  }
  return candidate;
}

type Scorable = { ok: true; input: Applicant | CsvRecord } | { ok: false; reason: string };

/** Scores a planned batch: the output and rejects files appear only when every row has been handled. */
export async function runBatch(plan: BatchPlan, hooks: BatchHooks = {}): Promise<BatchSummary> {
  const started = performance.now();
  const { model, header } = plan;
  const out = new CsvOut(plan.out);
  const rejects = new CsvOut(plan.rejects);
  const summary: BatchSummary = { scored: 0, rejected: 0, malformed: 0, unfinished: 0, seconds: 0 };
  // Rejections reported by callbacks inside the readers wait here until the loop can write them
  // (at the next scored row: only a run of consecutive rejected rows is ever held).
  const pending: string[][] = [];
  let bytesRead = 0;
  const valuesOf = (record: CsvRecord) => header.map((h) => record[h] ?? '');
  const reject = (line: number, reason: string, record?: CsvRecord) => {
    summary.rejected += 1;
    pending.push([String(line), reason, ...(record ? valuesOf(record) : header.map(() => ''))]);
  };
  const csvHooks: Pick<CsvStreamOptions, 'onSkippedRow' | 'onBytesRead'> = {
    onSkippedRow: ({ line, fields, expected }) => {
      summary.malformed += 1;
      reject(
        line,
        `has ${fields.length} value${fields.length === 1 ? '' : 's'} where the header has ${expected} columns (a stray comma or quote, or a note that is not a row?)`,
      );
    },
    onBytesRead: (bytes) => {
      bytesRead = bytes;
      hooks.onProgress?.(bytesRead, summary.scored + summary.rejected);
    },
  };
  const scratch = new Float64Array(model.spec.features.length);
  const flush = async () => {
    for (const row of pending.splice(0)) await rejects.write(row);
  };
  const score = async (record: CsvRecord, input: Applicant | CsvRecord) => {
    const { pd } = estimatePd(model, input, scratch);
    summary.scored += 1;
    await out.write([...valuesOf(record), String(pd), String(pdToScore(pd)), riskBand(pd)]);
  };

  try {
    await out.write([...header, ...OUTPUT_COLUMNS]);
    await rejects.write([...REJECT_COLUMNS, ...header]);
    if (plan.kind === 'lendingclub') {
      const rows = streamLendingClub(plan.data, {
        includeUnfinished: true,
        csv: csvHooks,
        onReject: ({ line, issues, record }) => {
          if (record && isEmptyRow(record)) return reject(line, EMPTY_ROW, record);
          const candidate = record ? lendingClubApplicant(record) : {};
          // The LendingClub mapping leaves out what it cannot read, so "missing" covers both.
          reject(line, describeReason(issues, { label: applicantLabel, found: (f) => candidate[f], missing: 'is missing or unreadable' }), record);
        },
      });
      for await (const row of rows) {
        await flush();
        await score(row.record, row.applicant);
        if (row.bad === null) summary.unfinished += 1;
      }
    } else {
      const check = plan.kind === 'applicant-fields' ? checkApplicantRow : checkGenericRow(model);
      for await (const { line, record } of streamCsv(plan.data, csvHooks)) {
        await flush();
        const checked = check(record);
        if (checked.ok) await score(record, checked.input);
        else reject(line, checked.reason, record);
      }
    }
    await flush();
    await out.finish();
    await rejects.finish();
  } catch (error) {
    await Promise.all([out.abandon(), rejects.abandon()]);
    throw error;
  }
  hooks.onProgress?.(bytesRead, summary.scored + summary.rejected);
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

function checkApplicantRow(record: CsvRecord): Scorable {
  if (isEmptyRow(record)) return { ok: false, reason: EMPTY_ROW };
  const candidate = applicantCandidate(record);
  const parsed = ApplicantSchema.safeParse(candidate);
  return parsed.success
    ? { ok: true, input: parsed.data }
    : { ok: false, reason: describeReason(describeIssues(parsed.error), { label: applicantLabel, found: (f) => candidate[f], missing: 'is empty' }) };
}

function checkGenericRow(model: LoadedModel): (record: CsvRecord) => Scorable {
  if (model.spec.kind !== 'generic') throw new ModelLoadError(`${model.version} is not a generic model`);
  const schema = genericCsvRecordSchema(model.spec);
  return (record) => {
    if (isEmptyRow(record)) return { ok: false, reason: EMPTY_ROW };
    const parsed = schema.safeParse(record);
    return parsed.success ? { ok: true, input: record } : { ok: false, reason: describeReason(describeIssues(parsed.error)) };
  };
}
