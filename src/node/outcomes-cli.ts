import { createReadStream, existsSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';
import { openDatabase, type Db } from '../../db/client.ts';
import { recordOutcome } from '../../db/outcome-repository.ts';
import { isApplicationId, parseOutcome, parseOutcomeDate } from '../app/outcomes.ts';
import { readEnv } from '../config/env.ts';

const HELP = `npm run outcomes:import -- --file FILE [--rejects OUT.csv]

Records how loans ended from a CSV with a header row and the columns
  applicationId,outcome[,date]
outcome: repaid or defaulted; date: the day it happened, YYYY-MM-DD (default: the day already
recorded, else today). Recording the same outcome again changes nothing; a different one corrects
it (audited). Rows that cannot be recorded are listed with their row number (the header is row 1)
and the reason; --rejects also writes them to a CSV. Exit code 0: every row recorded; 2: some
rejected (the others are recorded); 1: the file could not be read.
Uses DATABASE_URL, or the embedded database in DATA_DIR (default ./data; stop the server first).
`;

export interface ImportReject {
  row: number;
  applicationId: string;
  outcome: string;
  date: string;
  reason: string;
}

export interface ImportReport {
  rows: number;
  recorded: number;
  updated: number;
  unchanged: number;
  rejects: ImportReject[];
}

/** The problem with a file as a whole (missing, no header, no such column): one line, exit 1. */
export class OutcomeFileError extends Error {
  override name = 'OutcomeFileError';
}

const COLUMN_NAMES = {
  applicationId: ['applicationid', 'application_id', 'application'],
  outcome: ['outcome'],
  date: ['date', 'at', 'outcomedate', 'outcome_date'],
} as const;

/**
 * Reads `path` and records each row's outcome as `actor` (each new or changed one audited), one row
 * at a time, so a file of any size streams. A row is refused with a plain reason, the others go on.
 */
export async function importOutcomes(db: Db, path: string, actor: string, now: Date = new Date()): Promise<ImportReport> {
  if (!existsSync(path)) throw new OutcomeFileError(`${path}: no such file`);
  const parser = createReadStream(path).pipe(parse({ relax_column_count: true, skip_empty_lines: true, bom: true, trim: true }));
  const report: ImportReport = { rows: 0, recorded: 0, updated: 0, unchanged: 0, rejects: [] };
  const seen = new Map<string, number>();
  let columns: { applicationId: number; outcome: number; date: number } | undefined;
  let row = 0;
  for await (const fields of parser as AsyncIterable<string[]>) {
    row += 1;
    if (!columns) {
      const find = (names: readonly string[]) => fields.findIndex((f) => names.includes(f.trim().toLowerCase()));
      const found = { applicationId: find(COLUMN_NAMES.applicationId), outcome: find(COLUMN_NAMES.outcome), date: find(COLUMN_NAMES.date) };
      if (found.applicationId < 0 || found.outcome < 0)
        throw new OutcomeFileError(
          `${path}: the header row must name the columns applicationId and outcome (and optionally date); it has: ${fields.join(', ')}`,
        );
      columns = found;
      continue;
    }
    report.rows += 1;
    const cell = (i: number) => (i >= 0 ? (fields[i] ?? '').trim() : '');
    const [id, outcomeText, dateText] = [cell(columns.applicationId), cell(columns.outcome), cell(columns.date)];
    const reject = (reason: string) => report.rejects.push({ row, applicationId: id, outcome: outcomeText, date: dateText, reason });
    if (!id) {
      reject('the applicationId is empty');
      continue;
    }
    if (!isApplicationId(id)) {
      reject(`"${id}" is not an application id (they look like 0f8e4a5c-…, 36 characters)`);
      continue;
    }
    const outcome = parseOutcome(outcomeText);
    if (!outcome) {
      reject(outcomeText ? `the outcome "${outcomeText}" is neither repaid nor defaulted` : 'the outcome is empty (repaid or defaulted)');
      continue;
    }
    const at = dateText ? parseOutcomeDate(dateText) : undefined;
    if (dateText && !at) {
      reject(`the date "${dateText}" is not a date written YYYY-MM-DD`);
      continue;
    }
    const earlier = seen.get(id.toLowerCase());
    if (earlier !== undefined) {
      reject(`this application is already in the file at row ${earlier}`);
      continue;
    }
    seen.set(id.toLowerCase(), row);
    const result = await recordOutcome(db, { applicationId: id.toLowerCase(), outcome, ...(at ? { at } : {}) }, actor, {
      source: `csv:${basename(path)}`,
      now,
    });
    if (result.kind === 'refused') reject(result.reason);
    else report[result.kind] += 1;
  }
  if (!columns) throw new OutcomeFileError(`${path}: the file is empty (it needs a header row: applicationId,outcome,date)`);
  return report;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { file: { type: 'string' }, rejects: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help || !values.file) {
    process.stdout.write(HELP);
    return values.help ? 0 : 1;
  }
  const env = readEnv();
  const database = await openDatabase(
    env.DATABASE_URL
      ? { url: env.DATABASE_URL, max: 1, ...(env.DATABASE_MIGRATION_URL ? { migrationUrl: env.DATABASE_MIGRATION_URL } : {}) }
      : { dataDir: env.DATA_DIR },
  );
  try {
    const started = Date.now();
    const report = await importOutcomes(database.db, values.file, `cli:${process.env.USER ?? 'unknown'}`);
    for (const r of report.rejects) process.stdout.write(`row ${r.row}: ${r.reason}\n`);
    if (values.rejects && report.rejects.length > 0) writeFileSync(values.rejects, stringify(report.rejects, { header: true }));
    process.stdout.write(
      `${report.rows} row(s): ${report.recorded} recorded, ${report.updated} updated, ${report.unchanged} unchanged, ${report.rejects.length} rejected${
        values.rejects && report.rejects.length > 0 ? ` (listed in ${values.rejects})` : ''
      } in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
    return report.rejects.length > 0 ? 2 : 0;
  } finally {
    await database.close();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => (process.exitCode = code),
    (error: Error) => {
      process.stderr.write(`outcomes: ${error.message}\n`);
      process.exitCode = 1;
    },
  );
}
