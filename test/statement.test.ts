import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { StatementError, parseDate, parseMoney, parseStatement } from '../src/data/statement.ts';

describe('bank statement CSV', () => {
  it('reads signed amounts with balances, day-first dates and thousands separators', () => {
    const t = parseStatement('Date,Description,Amount,Balance\n31/01/2024,Salary,"2,500.00","2,600.00"\n01/02/2024,Rent,-900,1700\n');
    expect(t).toHaveLength(2);
    expect(t[0]).toEqual({ date: new Date(Date.UTC(2024, 0, 31)), amount: 2500, balance: 2600, description: 'Salary' });
    expect(t[1].amount).toBe(-900);
  });

  it('reads separate debit and credit columns', () => {
    const t = parseStatement('Transaction Date,Details,Paid out,Paid in\n2024-03-01,Wages,,1800\n2024-03-02,Shop,45.50,\n');
    expect(t.map((x) => x.amount)).toEqual([1800, -45.5]);
    expect(t[0]).not.toHaveProperty('balance');
  });

  it('follows a column map when auto-detection does not fit', () => {
    const csv = 'Booked on,Text,Sum,Saldo\n2024-03-01,Wages,1800,1900\n2024-03-02,Shop,-45.5,1854.5\n';
    expect(() => parseStatement(csv)).toThrow(/no date column found/);
    const t = parseStatement(csv, { date: 'Booked on', description: 'Text', amount: 'Sum', balance: 'Saldo' });
    expect(t.map((x) => [x.amount, x.balance, x.description])).toEqual([
      [1800, 1900, 'Wages'],
      [-45.5, 1854.5, 'Shop'],
    ]);
    expect(() => parseStatement(csv, { date: 'When' })).toThrow('column map: no "When" column for date (columns: Booked on, Text, Sum, Saldo)');
  });

  it('reads the Berka transaction format as a statement', () => {
    const csv = readFileSync(new URL('./fixtures/berka-czech.asc', import.meta.url), 'utf8');
    const t = parseStatement(csv);
    expect(t).toHaveLength(5);
    expect(t[3]).toMatchObject({ amount: -5000, balance: -277, description: 'withdrawal in cash' });
    expect(() => parseStatement(csv.replace('5123.00', 'x'))).toThrow('row 3, column "amount": not an amount');
  });

  it('names the row and the column of a bad value, and refuses files it cannot use', () => {
    expect(() => parseStatement('date,amount\n2024-01-01,12\n2024-01-02,twelve\n')).toThrow('row 3, column "amount": not an amount');
    expect(() => parseStatement('date,amount\n31/02/2024,12\n')).toThrow('row 2, column "date": "31/02/2024" is not a date');
    expect(() => parseStatement('when,what\nx,y\n')).toThrow(/no date column found \(columns: when, what\)/);
    expect(() => parseStatement('date,description\n2024-01-01,x\n')).toThrow(/no amount column/);
    expect(() => parseStatement('date,amount\n')).toThrow(StatementError);
  });

  it('parses money and dates in common spellings', () => {
    expect(parseMoney('(45.10)')).toBe(-45.1);
    expect(parseMoney('£1,234.50')).toBe(1234.5);
    expect(parseMoney('12.00-')).toBe(-12);
    expect(parseMoney('')).toBeUndefined();
    expect(parseDate('5.3.2024')).toEqual(new Date(Date.UTC(2024, 2, 5)));
    expect(parseDate('5 Mar 2024')).toEqual(new Date(Date.UTC(2024, 2, 5)));
    expect(parseDate('soon')).toBeUndefined();
  });
});
