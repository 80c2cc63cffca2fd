import { parse } from 'csv-parse/sync';
import { berkaTransaction } from './berka.ts';
import { csvProblem } from './csv-problem.ts';
import { readAmount, readBerkaDate, readDate, shown, type Reading } from './statement-cells.ts';

/**
 * Bank statements (CSV) → transactions, found by column name, in the common shapes: one signed
 * amount or separate debit/credit columns, optional balance, ISO, day-first or month-name dates,
 * thousands separators. Every cell is read strictly (src/data/statement-cells.ts): a file with any
 * unreadable value is refused whole, naming the row (the header is row 1; blank lines are not
 * counted), the column and the rule, in plain words.
 */

export interface Transaction {
  date: Date;
  amount: number;
  balance?: number;
  description: string;
}

export class StatementError extends Error {
  override name = 'StatementError';
}

const HEADERS = {
  date: /^(date|transaction date|posted|posting date|value date|booking date)$/i,
  description: /^(description|details|narrative|memo|payee|reference|transaction)$/i,
  amount: /^(amount|value|amount \(.*\))$/i,
  debit: /^(debit|paid out|money out|withdrawals?|out)$/i,
  credit: /^(credit|paid in|money in|deposits?|in)$/i,
  balance: /^(balance|running balance|balance after)$/i,
};

/**
 * "1,234.50", "-£12.00", "(45.10)" → number; "" → undefined; anything else (0x10, 12,50, twelve) → NaN.
 *
 * @example parseMoney('(45.10)') // -45.1
 */
export function parseMoney(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const reading = readAmount(raw);
  return reading.ok ? reading.value : Number.NaN;
}

/**
 * ISO (2024-03-05), day-first (05/03/2024, 5.3.2024) or "5 Mar 2024" dates; undefined for anything
 * else, including days that do not exist (2026-02-30).
 *
 * @example parseDate('5.3.2024') // 2024-03-05T00:00:00.000Z
 */
export function parseDate(raw: string): Date | undefined {
  const reading = readDate(raw);
  return reading.ok ? reading.value : undefined;
}

/** Which header holds what, when auto-detection does not fit a bank's layout. */
export type ColumnMap = Partial<Record<keyof typeof HEADERS, string>>;

/** A value read from a cell, or a StatementError naming the row, the column and the rule. */
function cell<T>(reading: Reading<T>, row: number, column: string): T {
  if (!reading.ok) throw new StatementError(`row ${row}, ${column}: ${reading.rule}`);
  return reading.value;
}

/** A column as messages name it: its header, or its position when the header cell is blank. */
const columnLabel = (header: readonly string[], i: number) => (header[i]?.trim() ? `column ${JSON.stringify(header[i])}` : `column ${i + 1}`);

/**
 * The transactions of a CSV statement, in file order.
 *
 * @example
 * parseStatement('Date,Description,Amount\n2024-03-01,Wages,"1,800.00"\n')
 * // [{ date: 2024-03-01T00:00:00.000Z, amount: 1800, description: 'Wages' }]
 * parseStatement('Date,Amount\n2026-02-30,5\n') // throws 'row 2, column "Date": "2026-02-30" is not a date: February 2026 has 28 days'
 */
export function parseStatement(text: string, columns: ColumnMap = {}): Transaction[] {
  const firstLine = text.slice(0, text.indexOf('\n') >>> 0).toLowerCase();
  // The Berka (PKDD'99) layout: `;`-separated, signed by its type column.
  if (firstLine.includes('trans_id') && firstLine.includes('k_symbol')) return parseBerkaStatement(text);
  const rows = readRows(text);
  if (rows.length < 2) throw new StatementError('the file has no transactions (a header row and at least one row are needed)');
  const header = rows[0];
  const find = (key: keyof typeof HEADERS) => {
    const named = columns[key];
    if (named === undefined) return header.findIndex((h) => HEADERS[key].test(h.trim()));
    const i = header.findIndex((h) => h.trim().toLowerCase() === named.trim().toLowerCase());
    if (i < 0) throw new StatementError(`column map: no "${named}" column for ${key} (columns: ${header.join(', ')})`);
    return i;
  };
  const col = {
    date: find('date'),
    description: find('description'),
    amount: find('amount'),
    debit: find('debit'),
    credit: find('credit'),
    balance: find('balance'),
  };
  if (columns.debit !== undefined || columns.credit !== undefined) col.amount = columns.amount !== undefined ? col.amount : -1;
  if (col.date < 0) throw new StatementError(`no date column found (columns: ${header.join(', ')})`);
  if (col.amount < 0 && (col.debit < 0 || col.credit < 0)) {
    throw new StatementError(`no amount column, nor debit and credit columns, found (columns: ${header.join(', ')})`);
  }
  const label = (i: number) => columnLabel(header, i);
  return rows.slice(1).map((row, i) => {
    const line = i + 2;
    const date = cell(readDate(row[col.date] ?? ''), line, label(col.date));
    let amount: number;
    if (col.amount >= 0) {
      const value = cell(readAmount(row[col.amount] ?? ''), line, label(col.amount));
      if (value === undefined) throw new StatementError(`row ${line}, ${label(col.amount)}: the amount is missing`);
      amount = value;
    } else {
      // A row with neither (an opening balance, say) moves no money.
      const credit = cell(readAmount(row[col.credit] ?? ''), line, label(col.credit)) ?? 0;
      const debit = cell(readAmount(row[col.debit] ?? ''), line, label(col.debit)) ?? 0;
      amount = credit - Math.abs(debit);
      if (!Number.isFinite(amount))
        throw new StatementError(`row ${line}, ${label(col.credit)} and ${label(col.debit)}: money in less money out is too large a number`);
    }
    const balance = col.balance >= 0 ? cell(readAmount(row[col.balance] ?? ''), line, label(col.balance)) : undefined;
    return { date, amount, ...(balance !== undefined ? { balance } : {}), description: col.description >= 0 ? (row[col.description] ?? '') : '' };
  });
}

/** The file's rows as text cells; a CSV syntax error becomes a StatementError naming its row and column. */
function readRows(text: string): string[][] {
  const options = { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true } as const;
  try {
    return parse(text, options);
  } catch (error) {
    throw new StatementError(csvProblem(error, 0, headerOf(text, options)) ?? 'not a readable CSV file');
  }
}

/** The header row alone, when it can be read, to name a column in an error further down. */
function headerOf(text: string, options: object): string[] | undefined {
  try {
    return (parse(text, { ...options, to: 1 }) as string[][])[0];
  } catch {
    return undefined;
  }
}

const BERKA_TYPES = new Set(['PRIJEM', 'VYDAJ', 'VYBER', 'credit', 'withdrawal', 'withdrawal in cash']);

function parseBerkaStatement(text: string): Transaction[] {
  let records: Record<string, string>[];
  try {
    records = parse(text, { bom: true, delimiter: ';', columns: true, skip_empty_lines: true, trim: true });
  } catch (error) {
    throw new StatementError(csvProblem(error, 1) ?? 'not a readable Berka (PKDD’99) transaction file');
  }
  if (records.length === 0) throw new StatementError('the file has no transactions');
  return records.map((r, i) => {
    const row = i + 2;
    // berkaTransaction reads the training data leniently; a statement sent to us is read strictly first.
    cell(readBerkaDate(r.date ?? ''), row, 'column "date"');
    const type = (r.type ?? '').trim();
    if (!BERKA_TYPES.has(type))
      throw new StatementError(`row ${row}, column "type": ${shown(type)} is not a transaction type (${[...BERKA_TYPES].join(', ')})`);
    const amount = berkaNumber(r.amount, row, 'amount');
    // The type gives the sign: a negative amount would turn a payment into income.
    if (amount < 0) throw new StatementError(`row ${row}, column "amount": must not be negative (the type column says money in or out)`);
    const balance = berkaNumber(r.balance, row, 'balance');
    const { accountId: _, ...t } = berkaTransaction({ ...r, amount: String(amount), balance: String(balance) });
    return t;
  });
}

/** A Berka amount or balance: a decimal number, required. */
function berkaNumber(raw: string | undefined, row: number, name: 'amount' | 'balance'): number {
  const value = cell(readAmount(raw ?? ''), row, `column "${name}"`);
  if (value === undefined) throw new StatementError(`row ${row}, column "${name}": the ${name} is missing`);
  return value;
}

/** The largest statement file any channel accepts (HTTP upload, chat file): a year of transactions fits many times over. */
export const STATEMENT_MAX_BYTES = 2 * 1024 * 1024;
