import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';

export type CsvRecord = Record<string, string>;

/** A parsed row and its 1-based record number in the file (header included), for error messages. */
export interface CsvRow {
  line: number;
  record: CsvRecord;
}

export interface CsvStreamOptions {
  /** Skip lines until one contains this column name (LendingClub files start with a notice line). */
  headerMustInclude?: string;
  /** Field separator (default ","). */
  delimiter?: string;
  /** Told of each row skipped for having another number of fields than the header (batch scoring reports them). */
  onSkippedRow?: (row: { line: number; fields: string[]; expected: number }) => void;
  /** Told, as the file is read, how many bytes have been read from disk so far (compressed bytes for .gz): for progress bars. */
  onBytesRead?: (bytes: number) => void;
}

/** `pipe` does not pass errors on: forward them, so a reader's `for await` rejects instead of the process crashing. */
function pipeWithErrors<T extends NodeJS.WritableStream & Readable>(from: Readable, to: T): T {
  from.on('error', (error) => to.destroy(error));
  return from.pipe(to);
}

/** The file's stream, gunzipped when it ends in .gz; `close` releases both (a reader may stop early). */
function openMaybeGzip(path: string, onBytesRead?: (bytes: number) => void): { stream: Readable; close: () => void } {
  const raw = createReadStream(path);
  if (onBytesRead) raw.on('data', () => onBytesRead(raw.bytesRead));
  if (!path.endsWith('.gz')) return { stream: raw, close: () => raw.destroy() };
  const gunzip = pipeWithErrors(raw, createGunzip());
  return {
    stream: gunzip,
    close: () => {
      raw.destroy();
      gunzip.destroy();
    },
  };
}

/**
 * Streams a CSV (optionally .gz) as records keyed by trimmed header names, one row in memory at a time.
 * Rows with a different number of fields than the header (footers, notices) are skipped and counted.
 */
export async function* streamCsv(path: string, options: CsvStreamOptions = {}, stats: { skippedRows: number } = { skippedRows: 0 }): AsyncGenerator<CsvRow> {
  const source = openMaybeGzip(path, options.onBytesRead);
  const parser = pipeWithErrors(
    source.stream,
    parse({ relax_column_count: true, skip_empty_lines: true, bom: true, trim: true, delimiter: options.delimiter ?? ',' }),
  );
  let header: string[] | undefined;
  let line = 0;
  // A reader that stops early (break) must not leave the file and the gunzip stream open.
  try {
    for await (const fields of parser as AsyncIterable<string[]>) {
      line += 1;
      if (!header) {
        if (options.headerMustInclude && !fields.some((f) => f === options.headerMustInclude)) continue;
        header = fields.map((f) => f.trim());
        continue;
      }
      if (fields.length !== header.length) {
        stats.skippedRows += 1;
        options.onSkippedRow?.({ line, fields, expected: header.length });
        continue;
      }
      const record: CsvRecord = {};
      for (let i = 0; i < header.length; i++) record[header[i]] = fields[i];
      yield { line, record };
    }
  } finally {
    source.close();
  }
  if (!header) throw new Error(`${path}: no header row found${options.headerMustInclude ? ` (looked for a "${options.headerMustInclude}" column)` : ''}`);
}

/** Reads only the header of a CSV file. */
export async function readCsvHeader(path: string, options: CsvStreamOptions = {}): Promise<string[]> {
  const source = openMaybeGzip(path);
  const parser = pipeWithErrors(source.stream, parse({ relax_column_count: true, bom: true, trim: true, to_line: 50 }));
  try {
    for await (const fields of parser as AsyncIterable<string[]>) {
      if (options.headerMustInclude && !fields.includes(options.headerMustInclude)) continue;
      return fields;
    }
  } finally {
    parser.destroy();
    source.close();
  }
  throw new Error(`${path}: no header row found`);
}
