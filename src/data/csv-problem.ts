import { CsvError } from 'csv-parse/sync';

/**
 * A CSV syntax error in our words: csv-parse's own messages ("Invalid Closing Quote: got "x" at
 * line 2 instead of delimiter…") never reach a person.
 */

const RULES: Partial<Record<CsvError['code'], string>> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted value is never closed (a " is missing)',
  CSV_INVALID_CLOSING_QUOTE: 'a quoted value has more text after its closing "',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'a quoted value has more text after its closing "',
  INVALID_OPENING_QUOTE: 'a " inside a value that does not start with one (quote the whole value and write the " twice)',
  CSV_RECORD_INCONSISTENT_COLUMNS: 'has a different number of values from the header row',
  CSV_RECORD_INCONSISTENT_FIELDS_LENGTH: 'has a different number of values from the header row',
  CSV_MAX_RECORD_SIZE: 'is too long',
};

/** Where the parser stopped: which row (header = row 1, blank lines not counted) and which column. */
export interface CsvPlace {
  /** Rows csv-parse had finished before the failing one (with `columns: true` the header is not counted). */
  records: number;
  /** The failing field: its index, or its name when the parser knew the header. */
  column: number | string | null;
}

function placeOf(error: CsvError): CsvPlace {
  const records = typeof error.records === 'number' ? error.records : 0;
  const column = typeof error.column === 'number' || typeof error.column === 'string' ? error.column : null;
  return { records, column };
}

/**
 * The plain-words rule a CSV syntax error breaks, with its row and column, or undefined for an error
 * that did not come from the CSV parser.
 *
 * @param headerRows 1 when the parser consumed the header itself (`columns: true`), else 0.
 * @param header the file's header, to name the column, when it could be read.
 * @example
 * try { parse('a,b\n1,"2\n') } catch (e) { csvProblem(e, 0, ['a', 'b']) } // 'row 2, column "b": a quoted value is never closed (a " is missing)'
 */
export function csvProblem(error: unknown, headerRows: 0 | 1, header?: readonly string[]): string | undefined {
  if (!(error instanceof CsvError)) return undefined;
  const { records, column } = placeOf(error);
  const row = records + headerRows + 1;
  const rule = RULES[error.code] ?? 'cannot be read as CSV';
  const name = typeof column === 'string' ? column : column !== null ? header?.[column] : undefined;
  if (error.code === 'CSV_RECORD_INCONSISTENT_COLUMNS' || error.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH' || error.code === 'CSV_MAX_RECORD_SIZE')
    return `row ${row} ${rule}`;
  const where = name ? `column ${JSON.stringify(name)}` : column !== null && typeof column === 'number' ? `column ${column + 1}` : undefined;
  return `row ${row}${where ? `, ${where}` : ''}: ${rule}`;
}
