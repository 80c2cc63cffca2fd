/**
 * One cell of a bank statement read strictly: a decimal amount or a calendar date, or the rule it
 * breaks in plain words. Nothing is guessed: 2026-02-30 is not 2 March, 0x10 is not 16, and 12,50
 * is not 1250. Callers put the row and the column in front of the rule.
 */

/** A cell's value, or the rule it breaks (in our words, ready to show to a person). */
export type Reading<T> = { ok: true; value: T } | { ok: false; rule: string };

const ok = <T>(value: T): Reading<T> => ({ ok: true, value });
const broken = (rule: string): { ok: false; rule: string } => ({ ok: false, rule });

/**
 * A raw value as a message shows it: quoted and escaped, and cut short when long (a cell can hold
 * most of a 2 MB file).
 *
 * @example shown('yesterday') // '"yesterday"'
 */
export function shown(raw: string): string {
  return JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw);
}

// ── Amounts ──────────────────────────────────────────────────────────────────────────────────────

const MINUS = /^[-\u2212]$/;
/** Sign, currency and brackets around a decimal; spaces next to them are dropped before matching. */
const AMOUNT =
  /^(?<open>\()?(?<sign>[+\-\u2212])?(?<currency>[£$€])?(?<sign2>[+\-\u2212])?(?<whole>\d[\d, '\u00a0\u202f]*)?(?<fraction>\.\d*)?(?<exponent>[eE][+-]?\d+)?(?<currency2>[£$€])?(?<trailing>-)?(?<close>\))?$/;
/** 0x…, 0b…, 0o… after any sign or currency: numbers JavaScript would read, which a bank never writes. */
const NON_DECIMAL: [RegExp, string][] = [
  [/^[(+\-\u2212£$€]*0[xX]/, 'a hexadecimal'],
  [/^[(+\-\u2212£$€]*0[bB]/, 'a binary'],
  [/^[(+\-\u2212£$€]*0[oO]/, 'an octal'],
];
const DECIMAL_COMMA = /^[(+\-\u2212£$€]*\d{1,3}(\.\d{3})*,\d+[£$€)-]*$/;
const HINT = 'write amounts like 1234.50, -1,234.50 or (1,234.50)';

/** Thousands groups: one separator throughout, 1–3 digits first, then groups of exactly 3. */
function wellGrouped(whole: string): boolean {
  const separators = new Set(whole.replace(/\d/g, ''));
  if (separators.size === 0) return true;
  if (separators.size > 1) return false;
  const [first, ...rest] = whole.split([...separators][0]);
  return /^\d{1,3}$/.test(first) && rest.length > 0 && rest.every((g) => /^\d{3}$/.test(g));
}

/**
 * A money cell as banks write it: an optional sign (leading, trailing `-`, or brackets for a debit),
 * an optional £, $ or € symbol, a decimal number with a point for decimals and, optionally, thousands
 * grouped by commas, spaces or apostrophes. An empty cell is `undefined` (no amount). Anything else breaks a rule:
 * hexadecimal, binary and octal numbers, a decimal comma, misplaced separators, two signs, and
 * numbers too large to hold.
 *
 * @example
 * readAmount('(1,234.50)') // { ok: true, value: -1234.5 }
 * readAmount('0x10') // { ok: false, rule: 'not an amount: "0x10" is a hexadecimal number; write amounts like 1234.50, …' }
 */
export function readAmount(raw: string): Reading<number | undefined> {
  const trimmed = raw.trim();
  if (trimmed === '') return ok(undefined);
  // "- £ 12.00" → "-£12.00": spaces only count between digit groups.
  const s = trimmed.replace(/\s*([()£$€+\-\u2212])\s*/g, '$1');
  for (const [pattern, kind] of NON_DECIMAL) if (pattern.test(s)) return broken(`not an amount: ${shown(trimmed)} is ${kind} number; ${HINT}`);
  const m = AMOUNT.exec(s);
  const g = m?.groups;
  if (!g || !/\d/.test(`${g.whole ?? ''}${g.fraction ?? ''}`)) {
    if (DECIMAL_COMMA.test(s)) return broken(`not an amount: ${shown(trimmed)} has a comma for decimals; write decimals with a point, like 1234.50`);
    return broken('not an amount');
  }
  if ((g.open === undefined) !== (g.close === undefined)) return broken('not an amount');
  const signs = [g.sign, g.sign2, g.trailing, g.open].filter((x) => x !== undefined);
  if (signs.length > 1) return broken(`not an amount: ${shown(trimmed)} has more than one sign`);
  if (g.currency !== undefined && g.currency2 !== undefined) return broken(`not an amount: ${shown(trimmed)} has two currency symbols`);
  const whole = g.whole ?? '';
  if (!wellGrouped(whole) || (g.exponent !== undefined && /\D/.test(whole))) {
    if (DECIMAL_COMMA.test(s)) return broken(`not an amount: ${shown(trimmed)} has a comma for decimals; write decimals with a point, like 1234.50`);
    return broken(`not an amount: ${shown(trimmed)} has its thousands separators in the wrong places; ${HINT}`);
  }
  const value = Number(`${whole.replace(/\D/g, '')}${g.fraction ?? ''}${g.exponent ?? ''}`);
  if (!Number.isFinite(value)) return broken(`not an amount: ${shown(trimmed)} is too large a number`);
  const negative = g.open !== undefined || g.trailing !== undefined || MINUS.test(g.sign ?? g.sign2 ?? '');
  return ok(negative ? -value : value);
}

// ── Dates ────────────────────────────────────────────────────────────────────────────────────────

const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** 1–12 for an English month name or its three-letter abbreviation ("Sept" too). */
function monthNumber(name: string): number | undefined {
  const n = name.toLowerCase();
  const i = MONTH_NAMES.findIndex((m) => m.toLowerCase() === n || m.slice(0, 3).toLowerCase() === n || (n === 'sept' && m === 'September'));
  return i < 0 ? undefined : i + 1;
}

/** Days in a month of the proleptic Gregorian calendar (years 0–99 included: no 19xx remapping). */
function daysIn(year: number, month: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, 0);
  return d.getUTCDate();
}

/**
 * The UTC midnight of a day given by its parts, or why there is no such day.
 *
 * @example
 * calendarDate(2024, 2, 29) // { ok: true, value: 2024-02-29T00:00:00.000Z }
 * calendarDate(2026, 2, 30) // { ok: false, rule: 'February 2026 has 28 days' }
 */
export function calendarDate(year: number, month: number, day: number): Reading<Date> {
  if (month < 1 || month > 12) return broken(`there is no month ${month}`);
  const days = daysIn(year, month);
  if (day < 1) return broken('there is no day 0');
  if (day > days) return broken(`${MONTH_NAMES[month - 1]} ${year} has ${days} days`);
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return ok(d);
}

/** An optional time of day after the date (read for its form, then left out: a statement's day is what counts). */
const TIME = String.raw`(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:\s?(?:Z|UTC|[+-](\d{2}):?(\d{2})?))?)?`;
const ISO = new RegExp(String.raw`^(\d{4})([-/])(\d{1,2})\2(\d{1,2})${TIME}$`);
const DAY_FIRST = new RegExp(String.raw`^(\d{1,2})([/.-])(\d{1,2})\2(\d{2}|\d{4})${TIME}$`);
const DAY_MONTH_NAME = /^(\d{1,2})([ -])([A-Za-z]{3,9})\.?\2(\d{2}|\d{4})$/;
const MONTH_NAME_DAY = /^([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})$/;

const fullYear = (y: string) => (y.length === 2 ? 2000 + Number(y) : Number(y));

/** Why a time part (hour, minute, second, offset hours, offset minutes) is not a time; undefined when it is one, or absent. */
function badTime(parts: (string | undefined)[]): string | undefined {
  const [h, m, s, oh, om] = parts.map((p) => (p === undefined ? 0 : Number(p)));
  if (parts[0] === undefined) return undefined;
  if (h > 23 || m > 59 || s > 60) return `${parts[0]}:${parts[1]}${parts[2] !== undefined ? `:${parts[2]}` : ''} is not a time of day`;
  if (oh > 14 || om > 59) return 'its time zone is not a time zone';
  return undefined;
}

/**
 * A date cell in the forms bank exports use: ISO (2024-03-05, 2024/3/5), day first (05/03/2024,
 * 5.3.2024, 5-3-24) or with the month's English name (5 Mar 2024, 5-Mar-24, Mar 5, 2024), optionally
 * followed by a time of day. Two-digit years are 20xx. The day must exist: 30 February, day 0 and
 * month 13 are refused, as is anything else; the rule names the value.
 *
 * @example
 * readDate('05/03/2024') // { ok: true, value: 2024-03-05T00:00:00.000Z }
 * readDate('2026-02-30') // { ok: false, rule: '"2026-02-30" is not a date: February 2026 has 28 days' }
 */
export function readDate(raw: string): Reading<Date> {
  const s = raw.trim();
  const notADate = (why?: string) => broken(`${shown(s)} is not a date${why ? `: ${why}` : ''}`);
  const parts = dateParts(s);
  if (parts === undefined) return notADate();
  if ('why' in parts) return notADate(parts.why);
  const date = calendarDate(parts.year, parts.month, parts.day);
  return date.ok ? date : notADate(date.rule);
}

/** Year, month and day as written in one of the accepted forms (not yet checked against the calendar). */
function dateParts(s: string): { year: number; month: number; day: number } | { why: string } | undefined {
  const iso = ISO.exec(s);
  if (iso) {
    const why = badTime(iso.slice(5, 10));
    return why ? { why } : { year: Number(iso[1]), month: Number(iso[3]), day: Number(iso[4]) };
  }
  const dayFirst = DAY_FIRST.exec(s);
  if (dayFirst) {
    const why = badTime(dayFirst.slice(5, 10));
    if (why) return { why };
    const [year, month, day] = [fullYear(dayFirst[4]), Number(dayFirst[3]), Number(dayFirst[1])];
    // 03/31/2024 is month first: say how the file is read rather than only "no month 31".
    if (month > 12 && day <= 12) return { why: `there is no month ${month} (dates are read day first, e.g. 31/03/2024)` };
    return { year, month, day };
  }
  const dayName = DAY_MONTH_NAME.exec(s);
  const nameDay = MONTH_NAME_DAY.exec(s);
  const named = dayName ? { d: dayName[1], name: dayName[3], y: dayName[4] } : nameDay ? { d: nameDay[2], name: nameDay[1], y: nameDay[3] } : undefined;
  if (!named) return undefined;
  const month = monthNumber(named.name);
  return month === undefined ? { why: `${shown(named.name)} is not a month` } : { year: fullYear(named.y), month, day: Number(named.d) };
}

/**
 * A Berka (PKDD'99) date, yymmdd in the 1900s, read strictly.
 *
 * @example readBerkaDate('930230') // { ok: false, rule: '"930230" is not a date: February 1993 has 28 days' }
 */
export function readBerkaDate(raw: string): Reading<Date> {
  const s = raw.trim();
  if (!/^\d{6}$/.test(s)) return broken(`${shown(s)} is not a yymmdd date`);
  const date = calendarDate(1900 + Number(s.slice(0, 2)), Number(s.slice(2, 4)), Number(s.slice(4, 6)));
  return date.ok ? date : broken(`${shown(s)} is not a date: ${date.rule}`);
}
