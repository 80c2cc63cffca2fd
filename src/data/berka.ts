import { streamCsv, type CsvRecord } from './csv.ts';
import type { Transaction } from './statement.ts';
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { parse } from 'csv-parse';

/**
 * The PKDD'99 Czech bank data ("Berka"): loans with their outcome, the account's district, and
 * transactions, in the original Czech-coded layout or the English-translated one.
 */

export interface BerkaLoan {
  loanId: number;
  accountId: number;
  date: Date;
  amount: number;
  durationMonths: number;
  payment: number;
  /** A finished paid, B finished unpaid, C running fine, D running in debt. */
  status: 'A' | 'B' | 'C' | 'D';
  bad: 0 | 1;
  districtId: number;
}

export interface District {
  id: number;
  averageSalary: number;
  unemployment96: number;
  entrepreneursPer1000: number;
}

/** yymmdd (19yy) → UTC date. */
export function berkaDate(raw: string): Date {
  const s = raw.trim().replace(/"/g, '');
  if (!/^\d{6}$/.test(s)) throw new Error(`column "date": "${raw}" is not a yymmdd date`);
  return new Date(Date.UTC(1900 + Number(s.slice(0, 2)), Number(s.slice(2, 4)) - 1, Number(s.slice(4, 6))));
}

async function readSemicolon(path: string): Promise<CsvRecord[]> {
  const rows: CsvRecord[] = [];
  const parser = createReadStream(path).pipe(parse({ delimiter: ';', columns: true, trim: true, bom: true }));
  for await (const r of parser as AsyncIterable<CsvRecord>) rows.push(r);
  return rows;
}

export async function readBerkaLoans(dir: string): Promise<BerkaLoan[]> {
  const accounts = new Map((await readSemicolon(`${dir}/account.asc`)).map((a) => [Number(a.account_id), Number(a.district_id)]));
  return (await readSemicolon(`${dir}/loan.asc`)).map((r) => {
    const status = r.status as BerkaLoan['status'];
    return {
      loanId: Number(r.loan_id),
      accountId: Number(r.account_id),
      date: berkaDate(r.date),
      amount: Number(r.amount),
      durationMonths: Number(r.duration),
      payment: Number(r.payments),
      status,
      bad: status === 'B' || status === 'D' ? 1 : 0,
      districtId: accounts.get(Number(r.account_id)) ?? Number.NaN,
    };
  });
}

export async function readDistricts(dir: string): Promise<Map<number, District>> {
  const rows = await readSemicolon(`${dir}/district.asc`);
  const num = (v: string) => (v === '?' ? Number.NaN : Number(v));
  return new Map(
    rows.map((r) => [Number(r.A1), { id: Number(r.A1), averageSalary: num(r.A11), unemployment96: num(r.A13), entrepreneursPer1000: num(r.A14) }]),
  );
}

const CZECH_OPERATION: Record<string, string> = {
  VKLAD: 'credit in cash',
  'PREVOD Z UCTU': 'collection from another bank',
  VYBER: 'withdrawal in cash',
  'PREVOD NA UCET': 'remittance to another bank',
  'VYBER KARTOU': 'credit card withdrawal',
};
const CZECH_SYMBOL: Record<string, string> = {
  POJISTNE: 'insurance payment',
  SLUZBY: 'payment for statement',
  UROK: 'interest credited',
  'SANKC. UROK': 'sanction interest if negative balance',
  SIPO: 'household',
  DUCHOD: 'old-age pension',
  UVER: 'loan payment',
};

/** One transaction row (translated or Czech codes) → a signed Transaction; credits are positive. */
export function berkaTransaction(r: CsvRecord): Transaction & { accountId: number } {
  const type = (r.type ?? '').trim();
  const credit = type === 'credit' || type === 'PRIJEM';
  const operation = CZECH_OPERATION[r.operation?.trim() ?? ''] ?? r.operation?.trim() ?? '';
  const symbol = CZECH_SYMBOL[r.k_symbol?.trim() ?? ''] ?? r.k_symbol?.trim() ?? '';
  const amount = Number(r.amount);
  const balance = Number(r.balance);
  if (r.amount === undefined || !Number.isFinite(amount)) throw new Error(`column "amount": "${r.amount ?? ''}" is not a number`);
  if (r.balance === undefined || !Number.isFinite(balance)) throw new Error(`column "balance": "${r.balance ?? ''}" is not a number`);
  return {
    accountId: Number(r.account_id),
    date: berkaDate(r.date ?? ''),
    amount: credit ? amount : -amount,
    balance,
    description: `${operation} ${symbol}`.trim(),
  };
}

/** Transactions grouped by account, from a Berka transaction file (.csv/.asc, `;`-separated, optionally gzipped). */
export async function readBerkaTransactions(path: string): Promise<Map<number, Transaction[]>> {
  const byAccount = new Map<number, Transaction[]>();
  for await (const { record } of streamCsv(path, { delimiter: ';' })) {
    const { accountId, ...t } = berkaTransaction(record);
    const list = byAccount.get(accountId) ?? [];
    list.push(t);
    byAccount.set(accountId, list);
  }
  return byAccount;
}

export const BERKA_HEAD_FILE = 'trans_1993_1994_head_for_loans.asc.gz';
/** The first day the partial head of the original transaction file may not hold in full (it was cut on 1994-03-31). */
export const BERKA_HEAD_COMPLETE_BEFORE = new Date(Date.UTC(1994, 2, 31));

/**
 * datasets/berka/trans_1993_1994_head_for_loans.asc.gz from the shared `trans_head_partial.asc`
 * (the first 49,102 rows of the original file, 1993-01-01 to 1994-03-31): the rows of accounts that
 * have a loan, dated strictly before that loan, copied verbatim (Czech codes, `;`-separated).
 * Run by `npm run data:prepare`; returns how many rows and accounts it kept.
 */
export async function prepareBerkaHead(sharedBerkaDir: string, outBerkaDir: string): Promise<{ rows: number; accounts: number }> {
  const loanDate = new Map((await readBerkaLoans(sharedBerkaDir)).map((l) => [l.accountId, l.date.getTime()]));
  const [header, ...lines] = readFileSync(`${sharedBerkaDir}/trans_head_partial.asc`, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  const columns = header.split(';').map((c) => c.replace(/"/g, '').trim());
  const account = columns.indexOf('account_id');
  const date = columns.indexOf('date');
  const accounts = new Set<number>();
  const kept = lines.filter((line) => {
    const fields = line.split(';');
    const id = Number(fields[account]);
    const before = loanDate.get(id);
    if (before === undefined || berkaDate(fields[date]).getTime() >= before) return false;
    accounts.add(id);
    return true;
  });
  writeFileSync(`${outBerkaDir}/${BERKA_HEAD_FILE}`, gzipSync(`${[header, ...kept].join('\n')}\n`, { level: 9 }));
  return { rows: kept.length, accounts: accounts.size };
}
