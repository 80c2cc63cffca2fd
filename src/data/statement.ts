import { parse } from 'csv-parse/sync';
import { berkaTransaction } from './berka.ts';

/**
 * Bank statements (CSV) → transactions, found by column name, in the common shapes: one signed
 * amount or separate debit/credit columns, optional balance, ISO or day-first dates, thousands
 * separators. A file with any unreadable row is refused whole, naming the row and the column.
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

/** "1,234.50", "-£12.00", "(45.10)" → number; "" → undefined. */
export function parseMoney(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  let s = raw.trim();
  if (s === '') return undefined;
  let sign = 1;
  if (/^\(.*\)$/.test(s)) {
    sign = -1;
    s = s.slice(1, -1);
  }
  s = s.replace(/[£$€\s]/g, '').replace(/,/g, '');
  if (s.endsWith('-')) {
    sign = -sign;
    s = s.slice(0, -1);
  }
  const v = Number(s);
  return Number.isFinite(v) ? sign * v : Number.NaN;
}

/** ISO (2024-03-05), day-first (05/03/2024, 5.3.2024) or "5 Mar 2024" dates. */
export function parseDate(raw: string): Date | undefined {
  const s = raw.trim();
  let m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s);
  if (m) return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$/.exec(s);
  if (m) {
    const year = m[3].length === 2 ? 2000 + +m[3] : +m[3];
    const d = new Date(Date.UTC(year, +m[2] - 1, +m[1]));
    return d.getUTCMonth() === +m[2] - 1 ? d : undefined;
  }
  const t = Date.parse(`${s} UTC`);
  return Number.isNaN(t) ? undefined : new Date(t);
}

/** Which header holds what, when auto-detection does not fit a bank's layout. */
export type ColumnMap = Partial<Record<keyof typeof HEADERS, string>>;

export function parseStatement(text: string, columns: ColumnMap = {}): Transaction[] {
  const firstLine = text.slice(0, text.indexOf('\n') >>> 0).toLowerCase();
  // The Berka (PKDD'99) layout: `;`-separated, signed by its type column.
  if (firstLine.includes('trans_id') && firstLine.includes('k_symbol')) return parseBerkaStatement(text);
  let rows: string[][];
  try {
    rows = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true });
  } catch (error) {
    throw new StatementError(`not a readable CSV file (${(error as Error).message})`);
  }
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
  return rows.slice(1).map((row, i) => {
    const line = i + 2;
    const date = parseDate(row[col.date] ?? '');
    if (!date) throw new StatementError(`row ${line}, column "${header[col.date]}": "${row[col.date] ?? ''}" is not a date`);
    let amount: number | undefined;
    if (col.amount >= 0) amount = parseMoney(row[col.amount]);
    else {
      const credit = parseMoney(row[col.credit]) ?? 0;
      const debit = parseMoney(row[col.debit]) ?? 0;
      amount = Number.isNaN(credit) || Number.isNaN(debit) ? Number.NaN : credit - Math.abs(debit);
    }
    if (amount === undefined || Number.isNaN(amount)) {
      const name = col.amount >= 0 ? header[col.amount] : `${header[col.credit]}/${header[col.debit]}`;
      throw new StatementError(`row ${line}, column "${name}": not an amount`);
    }
    const balance = col.balance >= 0 ? parseMoney(row[col.balance]) : undefined;
    if (balance !== undefined && Number.isNaN(balance)) throw new StatementError(`row ${line}, column "${header[col.balance]}": not an amount`);
    return { date, amount, ...(balance !== undefined ? { balance } : {}), description: col.description >= 0 ? (row[col.description] ?? '') : '' };
  });
}

function parseBerkaStatement(text: string): Transaction[] {
  const records: Record<string, string>[] = parse(text, { bom: true, delimiter: ';', columns: true, skip_empty_lines: true, trim: true });
  if (records.length === 0) throw new StatementError('the file has no transactions');
  return records.map((r, i) => {
    try {
      const { accountId: _, ...t } = berkaTransaction(r);
      return t;
    } catch (error) {
      throw new StatementError(`row ${i + 2}: ${(error as Error).message}`);
    }
  });
}

/** The largest statement file any channel accepts (HTTP upload, chat file): a year of transactions fits many times over. */
export const STATEMENT_MAX_BYTES = 2 * 1024 * 1024;
