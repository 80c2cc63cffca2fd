import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Database } from '../db/client.ts';
import { createKey, registerModel } from '../db/repository.ts';
import { createApp } from '../src/api/app.ts';
import { StatementResultSchema } from '../src/api/routes/statements.ts';
import { readAmount, readDate } from '../src/data/statement-cells.ts';
import { STATEMENT_MAX_BYTES, StatementError, parseStatement } from '../src/data/statement.ts';
import { BEHAVIOUR_FEATURE_NAMES, behaviourFeatures } from '../src/features/behaviour.ts';
import { loadModel } from '../src/model/load.ts';
import { ENGINES, openTestDatabase } from './support/databases.ts';
import { webhookApp } from './support/webhook-bot.ts';
import { FakeTelegram, callbackUpdate, documentUpdate, textUpdate } from './support/fake-telegram.ts';

/**
 * Bank statements are read strictly: a day that does not exist (2026-02-30 used to be read as
 * 2 March) and a number that is not decimal (0x10 used to be read as 16) are refused, naming the row
 * and the column, in our words. Whatever a file holds, POST /v1/statements answers either features
 * that match its own response schema (every one finite) or a 400 naming the row, column and rule.
 */

const model = loadModel('models');
const AS_OF = '2025-01-15';
const DAY = 86_400_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Words from csv-parse's, zod's and JavaScript's own messages, which must not reach a person. */
const LIBRARY_WORDING = /Invalid (Closing|Opening) Quote|Quote Not Closed|Invalid Record Length|Invalid input|expected|Unexpected token|NaN|Infinity|undefined/;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const quoted = (cell: string) => `"${cell.replace(/"/g, '""')}"`;
const daysIn = (y: number, m: number) => [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];

describe('the named faults, at the parser', () => {
  const fails = (csv: string) => {
    try {
      parseStatement(csv);
    } catch (error) {
      expect(error).toBeInstanceOf(StatementError);
      return (error as Error).message;
    }
    throw new Error('the file was read');
  };

  it('2026-02-30 is not read as 2 March: refused with the row, the column and why', () => {
    expect(fails('Date,Description,Amount\n2026-02-28,Rent,-900\n2026-02-30,Salary,2500\n')).toBe(
      'row 3, column "Date": "2026-02-30" is not a date: February 2026 has 28 days',
    );
    expect(fails('Date,Amount\n29/02/2025,5\n')).toBe('row 2, column "Date": "29/02/2025" is not a date: February 2025 has 28 days');
    expect(fails('Date,Amount\n2025-13-01,5\n')).toBe('row 2, column "Date": "2025-13-01" is not a date: there is no month 13');
    expect(fails('Date,Amount\n03/31/2024,5\n')).toBe(
      'row 2, column "Date": "03/31/2024" is not a date: there is no month 31 (dates are read day first, e.g. 31/03/2024)',
    );
    expect(fails('Date,Amount\n31 Apr 2024,5\n')).toBe('row 2, column "Date": "31 Apr 2024" is not a date: April 2024 has 30 days');
    expect(fails('Date,Amount\n2024-03-05T24:00,5\n')).toBe('row 2, column "Date": "2024-03-05T24:00" is not a date: 24:00 is not a time of day');
    // Text after a date used to be ignored, and Date.parse read almost anything ("1 2 3" as 2 January 2003).
    expect(fails('Date,Amount\n2024-03-05 and more,5\n')).toBe('row 2, column "Date": "2024-03-05 and more" is not a date');
    expect(fails('Date,Amount\n1 2 3,5\n')).toBe('row 2, column "Date": "1 2 3" is not a date');
  });

  it('0x10 is not read as 16, nor 0b11 as 3, 0o17 as 15, 12,50 as 1250 or 1.234,50 as 1.2345', () => {
    const hint = 'write amounts like 1234.50, -1,234.50 or (1,234.50)';
    expect(fails('Date,Amount\n2024-03-05,0x10\n')).toBe(`row 2, column "Amount": not an amount: "0x10" is a hexadecimal number; ${hint}`);
    expect(fails('Date,Amount,Balance\n2024-03-05,5,-0X1F\n')).toBe(`row 2, column "Balance": not an amount: "-0X1F" is a hexadecimal number; ${hint}`);
    expect(fails('Date,Paid in,Paid out\n2024-03-05,,£0b11\n')).toBe(`row 2, column "Paid out": not an amount: "£0b11" is a binary number; ${hint}`);
    expect(fails('Date,Amount\n2024-03-05,0o17\n')).toBe(`row 2, column "Amount": not an amount: "0o17" is an octal number; ${hint}`);
    expect(fails('Date,Amount\n2024-03-05,"12,50"\n')).toBe(
      'row 2, column "Amount": not an amount: "12,50" has a comma for decimals; write decimals with a point, like 1234.50',
    );
    expect(fails('Date,Amount\n2024-03-05,"1.234,50"\n')).toBe(
      'row 2, column "Amount": not an amount: "1.234,50" has a comma for decimals; write decimals with a point, like 1234.50',
    );
    expect(fails('Date,Amount\n2024-03-05,"1,2,3"\n')).toBe(
      `row 2, column "Amount": not an amount: "1,2,3" has its thousands separators in the wrong places; ${hint}`,
    );
    expect(fails('Date,Amount\n2024-03-05,1e309\n')).toBe('row 2, column "Amount": not an amount: "1e309" is too large a number');
    expect(fails('Date,Amount\n2024-03-05,(-5)\n')).toBe('row 2, column "Amount": not an amount: "(-5)" has more than one sign');
    expect(fails('Date,Amount\n2024-03-05,\n')).toBe('row 2, column "Amount": the amount is missing');
    expect(fails('Date,Paid in,Paid out\n2024-03-05,-1.7e308,1.7e308\n')).toBe(
      'row 2, column "Paid in" and column "Paid out": money in less money out is too large a number',
    );
  });

  it('CSV syntax errors name the row and column in our words (blank lines are not counted as rows)', () => {
    expect(fails('Date,Description,Amount\n2024-03-05,Rent,-900\n\n2024-03-06,"Shop,-5\n')).toBe(
      'row 3, column "Description": a quoted value is never closed (a " is missing)',
    );
    expect(fails('Date,Description,Amount\n2024-03-05,"Rent"x,-900\n')).toBe('row 2, column "Description": a quoted value has more text after its closing "');
    expect(fails('Date,Description,Amount\n2024-03-05,Re"nt,-900\n')).toBe(
      'row 2, column "Description": a " inside a value that does not start with one (quote the whole value and write the " twice)',
    );
  });

  it('the Berka layout is read strictly too: dates, amounts, balances, types and CSV syntax', () => {
    const head = '"trans_id";"account_id";"date";"type";"operation";"amount";"balance";"k_symbol";"bank";"account"\n';
    const row = (date: string, type: string, amount: string, balance: string) => `1;2;${date};"${type}";"VKLAD";${amount};${balance};"";;\n`;
    expect(parseStatement(head + row('930105', 'PRIJEM', '700.00', '700.00'))).toHaveLength(1);
    expect(fails(head + row('930230', 'PRIJEM', '700.00', '700.00'))).toBe('row 2, column "date": "930230" is not a date: February 1993 has 28 days');
    expect(fails(head + row('930105', 'PRIJEM', '0x10', '700.00'))).toMatch(/^row 2, column "amount": not an amount: "0x10" is a hexadecimal number/);
    expect(fails(head + row('930105', 'PRIJEM', '700.00', ''))).toBe('row 2, column "balance": the balance is missing');
    expect(fails(head + row('930105', 'VYDAJ', '-700.00', '700.00'))).toBe(
      'row 2, column "amount": must not be negative (the type column says money in or out)',
    );
    expect(fails(head + row('930105', 'GIFT', '700.00', '700.00'))).toMatch(/^row 2, column "type": "GIFT" is not a transaction type \(PRIJEM, VYDAJ/);
    expect(fails(`${head}1;2;930105;"PRIJEM;"VKLAD";700.00;700.00;"";;\n`)).toMatch(/^row 2, column "\w+": a quoted value/);
  });
});

describe('the cell readers (property tests)', () => {
  it('a decimal number, however a bank spells it, reads back to the number it spells', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (v) => {
        const reading = readAmount(String(v));
        expect(reading).toEqual({ ok: true, value: Object.is(v, -0) ? 0 : v });
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: -1e15, max: 1e15 }), fc.constantFrom('plain', 'grouped', 'spaced', 'brackets', 'trailing', 'pound'), (cents, style) => {
        const v = cents / 100;
        const [whole, fraction] = Math.abs(v).toFixed(2).split('.');
        const grouped = (sep: string) => whole.replace(/\B(?=(\d{3})+(?!\d))/g, sep);
        const abs = {
          plain: `${whole}.${fraction}`,
          grouped: `${grouped(',')}.${fraction}`,
          spaced: `${grouped(' ')}.${fraction}`,
          brackets: `${grouped(',')}.${fraction}`,
          trailing: `${whole}.${fraction}`,
          pound: `£${grouped(',')}.${fraction}`,
        }[style];
        const text = v >= 0 ? abs : style === 'brackets' ? `(${abs})` : style === 'trailing' ? `${abs}-` : `-${abs}`;
        const reading = readAmount(text);
        expect(reading.ok, text).toBe(true);
        expect(reading.ok && reading.value, text).toBe(Number(Math.abs(v).toFixed(2)) * (v < 0 ? -1 : 1));
      }),
      { numRuns: 2000 },
    );
  });

  it('a hexadecimal, binary or octal number is always refused, naming its base', () => {
    const spelled = fc.oneof(
      fc.bigInt({ min: 0n, max: 2n ** 64n }).map((n) => [`0x${n.toString(16)}`, 'a hexadecimal'] as const),
      fc.bigInt({ min: 0n, max: 2n ** 64n }).map((n) => [`0X${n.toString(16).toUpperCase()}`, 'a hexadecimal'] as const),
      // At most 32 binary digits: a value is shown whole up to 40 characters.
      fc.bigInt({ min: 0n, max: 2n ** 32n - 1n }).map((n) => [`0b${n.toString(2)}`, 'a binary'] as const),
      fc.bigInt({ min: 0n, max: 2n ** 64n }).map((n) => [`0o${n.toString(8)}`, 'an octal'] as const),
    );
    fc.assert(
      fc.property(spelled, fc.constantFrom('', '-', '+', '£', '-£', '('), ([text, base], prefix) => {
        const cell = `${prefix}${text}${prefix === '(' ? ')' : ''}`;
        expect(Number.isNaN(Number(text))).toBe(false); // JavaScript would read it…
        const reading = readAmount(cell);
        expect(reading.ok).toBe(false); // …we do not
        expect(!reading.ok && reading.rule).toMatch(new RegExp(`^not an amount: ${escapeRegExp(JSON.stringify(cell))} is ${base} number`));
      }),
      { numRuns: 1000 },
    );
  });

  it('a day is accepted exactly when it exists, in every accepted form, and never rolls over', () => {
    const forms = [
      (y: number, m: number, d: number) => `${y}-${pad(m)}-${pad(d)}`,
      (y: number, m: number, d: number) => `${pad(d)}/${pad(m)}/${y}`,
      (y: number, m: number, d: number) => `${d}.${m}.${y}`,
      (y: number, m: number, d: number) => `${pad(d)}-${pad(m)}-${pad(y % 100)}`,
      (y: number, m: number, d: number) => `${y}-${pad(m)}-${pad(d)}T12:30:00Z`,
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: 2000, max: 2099 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 31 }),
        fc.integer({ min: 0, max: forms.length - 1 }),
        (y, m, d, f) => {
          const text = forms[f](y, m, d);
          const reading = readDate(text);
          const exists = d >= 1 && d <= daysIn(y, m);
          expect(reading.ok, text).toBe(exists);
          if (reading.ok) expect(reading.value.toISOString().slice(0, 10)).toBe(`${y}-${pad(m)}-${pad(d)}`);
          else
            expect(reading.rule).toMatch(
              new RegExp(`^${escapeRegExp(JSON.stringify(text))} is not a date: (there is no day 0|\\w+ ${y} has ${daysIn(y, m)} days)$`),
            );
        },
      ),
      { numRuns: 3000 },
    );
  });
});

// ── Files with known answers, for the parser and the route ───────────────────────────────────────

/** One cell and what it should do: its value, or the rule it breaks (after "row N, column X: "). */
interface Cell {
  text: string;
  value?: number;
  rule?: RegExp;
}
interface DateCell {
  text: string;
  inWindow: boolean;
  rule?: RegExp;
}

const AS_OF_TIME = Date.parse(`${AS_OF}T00:00:00Z`);
const formatDate = (t: number, form: number) => {
  const d = new Date(t);
  const [y, m, day] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
  return [
    `${y}-${pad(m)}-${pad(day)}`,
    `${y}/${m}/${day}`,
    `${pad(day)}/${pad(m)}/${y}`,
    `${day}.${m}.${y}`,
    `${pad(day)}-${pad(m)}-${pad(y % 100)}`,
    `${day} ${MONTHS[m - 1]} ${y}`,
    `${MONTHS[m - 1]} ${day}, ${y}`,
    `${y}-${pad(m)}-${pad(day)} 09:15:00`,
  ][form];
};
const notADate = (text: string) => new RegExp(`^${escapeRegExp(JSON.stringify(text))} is not a date`);

const dateCell: fc.Arbitrary<DateCell> = fc.oneof(
  {
    weight: 44,
    arbitrary: fc.tuple(fc.integer({ min: 1, max: 340 }), fc.nat(7)).map(([back, f]) => ({ text: formatDate(AS_OF_TIME - back * DAY, f), inWindow: true })),
  },
  {
    weight: 14,
    arbitrary: fc
      .tuple(fc.oneof(fc.integer({ min: 400, max: 9000 }), fc.integer({ min: -1800, max: 0 })), fc.nat(7))
      .map(([back, f]) => ({ text: formatDate(AS_OF_TIME - back * DAY, f), inWindow: false })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 2001, max: 2030 }), fc.integer({ min: 1, max: 12 }), fc.boolean())
      .filter(([y, m]) => daysIn(y, m) < 31)
      .map(([y, m, iso]) => {
        const text = iso ? `${y}-${pad(m)}-${daysIn(y, m) + 1}` : `${daysIn(y, m) + 1}/${pad(m)}/${y}`;
        return { text, inWindow: false, rule: new RegExp(`${notADate(text).source}: \\w+ ${y} has ${daysIn(y, m)} days$`) };
      }),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('yesterday', '', '2024-03-05x', '32/13', '0x7E8-01-01', '2024-1-1-1', 'Feb 30', '١٢/٠٣/٢٠٢٤')
      .map((text) => ({ text, inWindow: false, rule: new RegExp(`${notADate(text).source}$`) })),
  },
);

const GOOD_AMOUNTS = [0, -0, 1e308, -1e308, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, 0.01, -2500];
const goodAmount: fc.Arbitrary<Cell> = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => ({ text: String(v), value: v })),
  fc.constantFrom(...GOOD_AMOUNTS).map((v) => ({ text: String(v), value: v })),
  fc.integer({ min: -1e11, max: 1e11 }).map((cents) => {
    const v = cents / 100;
    const text = Math.abs(v)
      .toFixed(2)
      .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    return { text: v < 0 ? `(${text})` : `£${text}`, value: Number(Math.abs(v).toFixed(2)) * Math.sign(v) };
  }),
);
const badAmount: fc.Arbitrary<Cell> = fc.oneof(
  fc.nat().map((n) => ({ text: `0x${n.toString(16)}`, rule: /^not an amount: "0x[0-9a-f]+" is a hexadecimal number/ })),
  fc.constantFrom(
    { text: '-0x10', rule: /^not an amount: "-0x10" is a hexadecimal number/ },
    { text: '0b101', rule: /^not an amount: "0b101" is a binary number/ },
    { text: '0o17', rule: /^not an amount: "0o17" is an octal number/ },
    { text: '12,50', rule: /^not an amount: "12,50" has a comma for decimals/ },
    { text: '1,2,3', rule: /^not an amount: "1,2,3" has its thousands separators in the wrong places/ },
    { text: '1e309', rule: /^not an amount: "1e309" is too large a number$/ },
    { text: '--5', rule: /^not an amount: "--5" has more than one sign$/ },
    { text: 'ten', rule: /^not an amount$/ },
    { text: 'Infinity', rule: /^not an amount$/ },
    { text: 'NaN', rule: /^not an amount$/ },
    { text: '1_000', rule: /^not an amount$/ },
  ),
);
// Bad cells are rare enough that about half the files are clean: both answers are well exercised.
const amountCell = fc.oneof(
  { weight: 58, arbitrary: goodAmount },
  { weight: 1, arbitrary: badAmount },
  { weight: 1, arbitrary: fc.constant<Cell>({ text: '' }) },
);

interface Statement {
  csv: string;
  rows: number;
  /** What the file must give: a 200 (with or without transactions in the window), or this error. */
  expected: { ok: true; inWindow: boolean } | { ok: false; row: number; column: string; rule: RegExp };
}

/** A statement with shuffled, differently named columns, a signed amount or money in/out, and rows of known cells. */
const statement: fc.Arbitrary<Statement> = fc
  .record({
    layout: fc.constantFrom('signed', 'in-out'),
    names: fc.record({
      date: fc.constantFrom('Date', 'Posted', 'Transaction Date', 'Value Date'),
      description: fc.constantFrom('Description', 'Details', 'Memo'),
      amount: fc.constantFrom('Amount', 'Value'),
      credit: fc.constantFrom('Paid in', 'Credit', 'Money in'),
      debit: fc.constantFrom('Paid out', 'Debit', 'Money out'),
      balance: fc.constantFrom('Balance', 'Running Balance'),
    }),
    order: fc.shuffledSubarray([0, 1, 2, 3, 4], { minLength: 5, maxLength: 5 }),
    rows: fc.array(
      fc.record({
        date: dateCell,
        amount: amountCell,
        credit: amountCell,
        debit: amountCell,
        balance: fc.oneof(
          { weight: 36, arbitrary: goodAmount },
          { weight: 1, arbitrary: badAmount },
          { weight: 3, arbitrary: fc.constant<Cell>({ text: '' }) },
        ),
        description: fc.string({ maxLength: 20 }),
      }),
      { minLength: 1, maxLength: 12 },
    ),
  })
  .map(({ layout, names, order, rows }) => {
    const roles =
      layout === 'signed'
        ? (['date', 'description', 'amount', 'balance', 'balance'] as const)
        : (['date', 'description', 'credit', 'debit', 'balance'] as const);
    // Five slots; with a signed amount the fifth is an unused extra column.
    const columns = order.map((i) => (layout === 'signed' && i === 4 ? 'Notes' : names[roles[i]]));
    const cellOf = (row: (typeof rows)[number], i: number) =>
      layout === 'signed' && i === 4
        ? 'n/a'
        : roles[i] === 'description'
          ? row.description
          : row[roles[i] as 'date' | 'amount' | 'credit' | 'debit' | 'balance'].text;
    const csv = [columns.map(quoted).join(','), ...rows.map((row) => order.map((i) => quoted(cellOf(row, i))).join(','))].join('\n');

    let expected: Statement['expected'] = { ok: true, inWindow: rows.some((r) => r.date.inWindow) };
    for (const [i, row] of rows.entries()) {
      const fail = (column: string, rule: RegExp) => ({ ok: false as const, row: i + 2, column: `column ${JSON.stringify(column)}`, rule });
      if (row.date.rule) expected = fail(names.date, row.date.rule);
      else if (layout === 'signed' && row.amount.rule) expected = fail(names.amount, row.amount.rule);
      else if (layout === 'signed' && row.amount.value === undefined) expected = fail(names.amount, /^the amount is missing$/);
      else if (layout === 'in-out' && row.credit.rule) expected = fail(names.credit, row.credit.rule);
      else if (layout === 'in-out' && row.debit.rule) expected = fail(names.debit, row.debit.rule);
      else if (layout === 'in-out' && !Number.isFinite((row.credit.value ?? 0) - Math.abs(row.debit.value ?? 0)))
        expected = { ...fail(names.credit, /^money in less money out is too large a number$/), column: `column "${names.credit}" and column "${names.debit}"` };
      else if (row.balance.rule) expected = fail(names.balance, row.balance.rule);
      else continue;
      break;
    }
    return { csv, rows: rows.length, expected };
  });

describe('any statement file, at the parser (property test)', () => {
  it('is read whole, with every value as written, or refused at the first bad cell, naming its row, column and rule', () => {
    fc.assert(
      fc.property(statement, ({ csv, rows, expected }) => {
        let transactions: ReturnType<typeof parseStatement>;
        try {
          transactions = parseStatement(csv);
        } catch (error) {
          expect(error).toBeInstanceOf(StatementError);
          expect(expected.ok, (error as Error).message).toBe(false);
          if (expected.ok) return;
          const message = (error as Error).message;
          const prefix = `row ${expected.row}, ${expected.column}: `;
          expect(message.startsWith(prefix), `${message} should start with ${prefix}`).toBe(true);
          expect(message.slice(prefix.length)).toMatch(expected.rule);
          expect(message).not.toMatch(LIBRARY_WORDING);
          return;
        }
        expect(expected.ok, JSON.stringify(expected)).toBe(true);
        expect(transactions).toHaveLength(rows);
        for (const t of transactions) {
          expect(Number.isFinite(t.amount)).toBe(true);
          expect(t.balance === undefined || Number.isFinite(t.balance)).toBe(true);
          expect(Number.isFinite(t.date.getTime())).toBe(true);
        }
      }),
      { numRuns: 1500 },
    );
  });
});

describe.each(ENGINES)('POST /v1/statements on %s', (engine) => {
  let database: Database;
  let app: ReturnType<typeof createApp>;
  let key: string;

  const upload = (csv: string) =>
    app.request(`/v1/statements?asOf=${AS_OF}`, { method: 'POST', body: csv, headers: { 'content-type': 'text/csv', authorization: `Bearer ${key}` } });

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    await registerModel(database.db, model);
    app = createApp({ model, db: () => database.db, keyCacheMs: 0 });
    key = (await createKey(database.db, { name: 'statement fuzz', scope: 'score', ratePerMinute: 1_000_000 }, 'test')).key;
  });
  afterAll(async () => {
    await database?.close();
  });

  /** A 200 must match the route's own response schema, and give what the parser and features give. */
  const expectFeatures = async (res: Response, csv: string, rows: number) => {
    expect(res.status).toBe(200);
    const body = await res.json();
    const parsed = StatementResultSchema.strict().safeParse(body);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    expect(body.transactions).toBe(rows);
    for (const name of BEHAVIOUR_FEATURE_NAMES) expect(Number.isFinite(body.behaviour[name]), name).toBe(true);
    expect(body.behaviour).toEqual(behaviourFeatures(parseStatement(csv), new Date(`${AS_OF}T00:00:00Z`)));
    return body;
  };
  const expectRefusal = async (res: Response, rule: string | RegExp) => {
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body).toEqual({ error: 'invalid input', issues: [{ field: 'statement', rule: expect.any(String) }] });
    if (typeof rule === 'string') expect(body.issues[0].rule).toBe(rule);
    else expect(body.issues[0].rule).toMatch(rule);
    expect(body.issues[0].rule).not.toMatch(LIBRARY_WORDING);
  };

  it('2026-02-30 and 0x10 are refused with the row and column (they were read as 2 March and 16)', async () => {
    await expectRefusal(
      await upload('Date,Description,Amount\n2024-06-01,Rent,-900\n2026-02-30,Salary,2500\n'),
      'row 3, column "Date": "2026-02-30" is not a date: February 2026 has 28 days',
    );
    await expectRefusal(
      await upload('Date,Description,Amount\n2024-06-01,Rent,0x10\n'),
      'row 2, column "Amount": not an amount: "0x10" is a hexadecimal number; write amounts like 1234.50, -1,234.50 or (1,234.50)',
    );
  });

  it('amounts of 1e308 give finite features that match the response schema (savingsRate included)', async () => {
    for (const [amount, savingsRate] of [
      ['1e308', 1],
      ['-1e308', -1],
      ['1.7976931348623157e308', 1],
    ] as const) {
      const csv = `Date,Description,Amount,Balance\n2024-06-03,Salary,${amount},${amount}\n2024-07-03,Salary,${amount},-${amount.replace('-', '')}\n`;
      const body = await expectFeatures(await upload(csv), csv, 2);
      expect(body.behaviour.savingsRate).toBe(savingsRate);
    }
  });

  it('a file of ~2 MB (tens of thousands of rows, extreme amounts) is read; one bad cell in its last row is named; one row more is a 413', async () => {
    const header = 'Date,Description,Amount,Balance\n';
    const line = (i: number) =>
      `${formatDate(AS_OF_TIME - (1 + (i % 360)) * DAY, 0)},Item,${['1e308', '-1e308', '0', '-0.01'][i % 4]},${i % 2 ? '-' : ''}1.5e308\n`;
    const lines: string[] = [];
    let bytes = header.length;
    while (bytes + line(lines.length).length <= STATEMENT_MAX_BYTES) {
      bytes += line(lines.length).length;
      lines.push(line(lines.length));
    }
    expect(lines.length).toBeGreaterThan(40_000);
    const csv = header + lines.join('');
    await expectFeatures(await upload(csv), csv, lines.length);
    const last = lines.length - 1;
    const broken = header + lines.slice(0, last).join('') + lines[last].replace(/,(-?[\d.e]+),/, ',0x10,');
    await expectRefusal(await upload(broken), new RegExp(`^row ${lines.length + 1}, column "Amount": not an amount: "0x10" is a hexadecimal number`));
    const over = await upload(`${csv}${line(0)}`);
    expect(over.status).toBe(413);
  });

  it('files that cannot be read as CSV, or have nothing to read, are a 400 in our words (a Berka syntax error was a 503)', async () => {
    await expectRefusal(await upload(''), 'the file has no transactions (a header row and at least one row are needed)');
    await expectRefusal(await upload('Date,Amount\n'), 'the file has no transactions (a header row and at least one row are needed)');
    await expectRefusal(await upload('Date,Amount\n2024-06-01,"5\n'), 'row 2, column "Amount": a quoted value is never closed (a " is missing)');
    const berka =
      '"trans_id";"account_id";"date";"type";"operation";"amount";"balance";"k_symbol";"bank";"account"\n1;2;930105;"PRIJEM;"VKLAD";700.00;700.00;"";;\n';
    await expectRefusal(await upload(berka), /^row 2, column "\w+": a quoted value/);
    await expectRefusal(await upload('Date,Amount\n1990-01-01,5\n'), 'no transactions in the months before the application');
  });

  it('property: any file answers features matching the schema, or a 400 naming the row, column and rule', async () => {
    await fc.assert(
      fc.asyncProperty(statement, async ({ csv, rows, expected }) => {
        const res = await upload(csv);
        if (expected.ok && expected.inWindow) await expectFeatures(res, csv, rows);
        else if (expected.ok) await expectRefusal(res, 'no transactions in the months before the application');
        else await expectRefusal(res, new RegExp(`^${escapeRegExp(`row ${expected.row}, ${expected.column}: `)}(${expected.rule.source.replace(/^\^/, '')})`));
      }),
      { numRuns: 100, seed: 20_261_126 },
    );
  });
});

describe.each(ENGINES)("the bot's statement upload on %s", (engine) => {
  let database: Database;
  let fake: FakeTelegram;
  let app: ReturnType<typeof createApp>;
  const SECRET = 'statement-strict-secret';
  const send = async (update: unknown) =>
    (
      await app.request('/telegram/webhook', {
        method: 'POST',
        body: JSON.stringify(update),
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
      })
    ).status;

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    await registerModel(database.db, model);
    fake = await new FakeTelegram().start();
    app = webhookApp(() => database.db, model, fake.url, SECRET);
  });
  afterAll(async () => {
    await fake?.stop();
    await database?.close();
  });

  it('names the row and the column of 2026-02-30 and of 0x10 in its reply', async () => {
    const user = 601;
    const messageId = () => fake.calls.filter((c) => c.method === 'sendMessage' && c.payload.chat_id === user).at(-1)?.result?.message_id ?? 1;
    await send(textUpdate(user, '/apply'));
    expect(await send(textUpdate(user, "I'd like 12k over 3 years to consolidate my debts, I earn 52k and rent"))).toBe(200);
    expect(await send(callbackUpdate(user, 'set:employmentYears:4', messageId()))).toBe(200);
    for (const text of ['450', '710']) expect(await send(textUpdate(user, text))).toBe(200);
    expect(await send(callbackUpdate(user, 'none:record', messageId()))).toBe(200);
    for (const text of ['35%', '6']) expect(await send(textUpdate(user, text))).toBe(200);
    // At the summary a statement file is taken at once.
    fake.files.set('documents/feb30.csv', 'Date,Description,Amount\n2026-02-28,Rent,-900\n2026-02-30,Salary,2500\n');
    fake.files.set('documents/hex.csv', 'Date,Description,Amount\n2026-02-28,Rent,0x10\n');
    expect(await send(documentUpdate(user, 'feb30'))).toBe(200);
    expect(fake.textsTo(user).at(-1)).toBe(
      'I could not use that statement: row 3, column "Date": "2026-02-30" is not a date: February 2026 has 28 days. Please fix it and send it again, or tap “No, thanks”.',
    );
    expect(await send(documentUpdate(user, 'hex'))).toBe(200);
    expect(fake.textsTo(user).at(-1)).toBe(
      'I could not use that statement: row 2, column "Amount": not an amount: "0x10" is a hexadecimal number; write amounts like 1234.50, -1,234.50 or (1,234.50). Please fix it and send it again, or tap “No, thanks”.',
    );
  });
});
