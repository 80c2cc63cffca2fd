import type { Language } from '../understand.ts';
import { CURRENCY_AFTER, CURRENCY_BEFORE, currencyCode } from './currency.ts';

/**
 * Every number a message states, in English or Spanish, as digits ("12,000", "12.000", "12,5",
 * "1.2m", "12k", "12 grand", "55 mil") or words ("fifty-five thousand", "cincuenta y cinco mil",
 * "mil quinientos"), with what is written around it: a currency, a unit (%, years, months, times),
 * a period (a month, al año) and a few qualifiers ("10+", "less than", "in the last").
 *
 * Hand-written rather than a general NLP library: the vocabulary is closed (two languages'
 * number words), the digit conventions are ours to pin down (a group of exactly three digits
 * after "," or "." is thousands in both languages, "12k" is 12,000), and a library big enough to
 * read number words (compromise + es-compromise, ~255 KB gzipped) still reads "12k" as 12 and
 * Spanish "12,5" as 125, so it would need this reader around it anyway.
 */

export type Unit = 'percent' | 'years' | 'months' | 'times';
export type Period = 'year' | 'month' | 'semimonth' | 'week' | 'fortnight' | 'hour';

export interface Mention {
  /** Span in the text of the number with its currency, scale, unit and period words. */
  start: number;
  end: number;
  /** Span to quote back for a currency ("£7,500", "2,000 pounds"). */
  quoteStart: number;
  quoteEnd: number;
  value: number;
  /** Written with a scale: k, thousand, mil, grand, million. */
  scaled: boolean;
  word: boolean;
  /** ISO 4217 code, or the word when the text names no single currency ("pesos"). */
  currency?: string;
  unit?: Unit;
  period?: Period;
  /** "10+ years", "10 or more". */
  plus?: boolean;
  /** "less than a year", "menos de 1 año". */
  lessThan?: boolean;
  /** A time window, not a value: "in the last 6 months", "en los últimos 2 años". */
  window?: boolean;
  /** An age ("32 years old"), a calendar year ("since 2019") or an ordinal: never a field. */
  ignore?: boolean;
}

type Kind = 'zero' | 'unit' | 'teen' | 'ten' | 'tenunit' | 'hundreds' | 'hundred' | 'scale' | 'article';

const WORDS = new Map<string, [Kind, number]>();
const put = (kind: Kind, entries: Record<string, number>) => {
  for (const [w, v] of Object.entries(entries)) WORDS.set(w, [kind, v]);
};
put('zero', { zero: 0, cero: 0 });
put('unit', { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9 });
put('unit', { uno: 1, dos: 2, tres: 3, cuatro: 4, cinco: 5, seis: 6, siete: 7, ocho: 8, nueve: 9 });
put('teen', { ten: 10, eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19 });
put('teen', { diez: 10, doce: 12, trece: 13, catorce: 14, quince: 15, dieciseis: 16, diecisiete: 17, dieciocho: 18, diecinueve: 19 });
put('ten', { twenty: 20, thirty: 30, forty: 40, fourty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90 });
put('ten', { veinte: 20, treinta: 30, cuarenta: 40, cincuenta: 50, sesenta: 60, setenta: 70, ochenta: 80, noventa: 90 });
put('tenunit', {
  veintiun: 21,
  veintiuno: 21,
  veintiuna: 21,
  veintidos: 22,
  veintitres: 23,
  veinticuatro: 24,
  veinticinco: 25,
  veintiseis: 26,
  veintisiete: 27,
  veintiocho: 28,
  veintinueve: 29,
});
put('hundreds', { cien: 100, ciento: 100 });
for (const [stem, v] of Object.entries({ dos: 2, tres: 3, cuatro: 4, quin: 5, seis: 6, sete: 7, ocho: 8, nove: 9 })) {
  const base = stem === 'quin' ? 'quinient' : `${stem}cient`;
  put('hundreds', { [`${base}os`]: v * 100, [`${base}as`]: v * 100 });
}
put('hundred', { hundred: 100 });
put('scale', { thousand: 1e3, grand: 1e3, mil: 1e3, million: 1e6, millions: 1e6, millon: 1e6, millones: 1e6, billion: 1e9 });
// Articles count as one only before a scale: "a hundred", "un millón", "medio millón".
put('article', { a: 1, an: 1, un: 1, una: 1, medio: 0.5 });

/** Term lengths people write as "36m": months, not millions. */
const TERM_LIKE = new Set([12, 18, 24, 36, 48, 60, 72, 84]);

// A group of exactly three digits after the separator is thousands (both languages); otherwise
// the separator is a decimal point. A space (or the non-breaking ones, folded to spaces) also
// groups thousands: "12 000".
const DIGITS = /(?<![a-z0-9_])(\d{1,3}(?:([,. ])\d{3})(?:\2\d{3})*(?:[.,]\d+)?|\d+(?:[.,]\d+)?)/g;

const SCALE_AFTER = /^\s?(thousand|thou|grand|k|mil|millones|millon|millions|million|billion|bn|hundred)(?![a-z])/;
const PLUS_AFTER = /^\s*(?:\+|plus(?![a-z])|or more(?![a-z])|o mas(?![a-z]))/;
const PERCENT_AFTER = /^\s*(?:%|percent(?![a-z])|per cent(?![a-z])|pct(?![a-z])|por ?ciento(?![a-z]))/;
const YEARS_AFTER = /^\s*-?\s*(?:years?|yrs?|anos?)(?![a-z])/;
const MONTHS_AFTER = /^\s*-?\s*(?:months?|mos?|mths?|meses|mes)(?![a-z])/;
const TIMES_AFTER = /^\s*(?:times?|veces|vez)(?![a-z])/;
const PERIOD_AFTER =
  /^\s*(?:(?:gross|net|pre-tax|before tax|after tax|take[- ]home|brutos?|netos?|limpios?)\s+)?(?:(?:a|an|per|each|every|\/|al|por|cada|a la)\s*(month|mo|mth|mes|year|yr|annum|ano|week|wk|semana|fortnight|quincena|hour|hr|hora)s?(?![a-z])|(monthly|mensual(?:es|mente)?|annually|yearly|annual|anual(?:es|mente)?|p\.a\.?|weekly|semanal(?:es|mente)?|bi-?weekly|fortnightly|quincenal(?:es|mente)?|hourly))/;
const AGE_AFTER = /^\s*(?:-?\s*old(?![a-z])|de edad|of age)/;
const LESS_BEFORE = /(?:less than|under|fewer than|menos de)\s*$/;
const WINDOW_BEFORE = /(?:last|past|previous|prior|ultimos|ultimas|pasados|pasadas|anteriores)\s*$/;
const CALENDAR_BEFORE = /(?:^|[^a-z])(?:in|since|en|desde|del|from|year|ano)\s+$/;

const PERIODS: Record<string, Period> = {
  month: 'month',
  mo: 'month',
  mth: 'month',
  mes: 'month',
  monthly: 'month',
  mensual: 'month',
  year: 'year',
  yr: 'year',
  annum: 'year',
  ano: 'year',
  annually: 'year',
  yearly: 'year',
  annual: 'year',
  anual: 'year',
  'p.a': 'year',
  week: 'week',
  wk: 'week',
  semana: 'week',
  weekly: 'week',
  semanal: 'week',
  fortnight: 'fortnight',
  quincena: 'semimonth',
  biweekly: 'fortnight',
  'bi-weekly': 'fortnight',
  fortnightly: 'fortnight',
  quincenal: 'semimonth',
  hour: 'hour',
  hr: 'hour',
  hora: 'hour',
  hourly: 'hour',
};

function periodOf(word: string): Period | undefined {
  const w = word.replace(/(?:es|mente|\.)$/, '');
  return PERIODS[w] ?? PERIODS[word];
}

/** Rounds away binary noise: 12.3 * 1000 is 12300.000000000002. */
const clean = (x: number) => Number(x.toPrecision(12));

function digitsValue(raw: string, beforeScale: boolean): number {
  const seps = raw.replace(/\d/g, '');
  if (seps.length === 0) return Number(raw);
  const kinds = [...new Set(seps)];
  if (kinds.length > 1) {
    // "1.234,56" and "1,234.56": the last separator is the decimal one.
    const decimal = seps[seps.length - 1]!;
    let s = raw;
    for (const k of kinds) if (k !== decimal) s = s.split(k).join('');
    return Number(s.replace(decimal, '.'));
  }
  const sep = kinds[0]!;
  const groups = raw.split(sep);
  if (sep === ' ' || groups.length > 2) return Number(groups.join(''));
  // "1.5k", "1,250k": before a scale the separator is a decimal point.
  if (groups[1]!.length === 3 && !beforeScale) return Number(groups.join(''));
  return Number(`${groups[0]}.${groups[1]}`);
}

/** Which characters a number already covers: one byte per character, so every look-up is O(1). */
class Covered {
  private readonly marks: Uint8Array;
  constructor(length: number) {
    this.marks = new Uint8Array(length + 1);
  }
  mark(start: number, end: number) {
    this.marks.fill(1, start, end);
  }
  has(at: number) {
    return this.marks[at] === 1;
  }
}

/**
 * All numbers in `n` (already normalised), left to right.
 * `language` only settles words the two languages share: Spanish "once" is eleven, English "once" one time.
 */
export function scanNumbers(n: string, language: Language): Mention[] {
  const mentions: Mention[] = [];
  const taken = new Covered(n.length);
  const add = (m: Mention) => {
    mentions.push(m);
    taken.mark(m.start, m.end);
  };

  // Fixed phrases first: they hold words the readers below would misread.
  const phrases: [RegExp, (m: RegExpExecArray) => Mention | undefined][] = [
    [/\b(?:less than|under|menos de)\s+(?:a|an|one|un|1)\s+(?:year|ano)\b/g, (m) => bare(m, 1, { unit: 'years', lessThan: true })],
    [
      /\b(?:a|an|un)\s+(?:year|ano)\b/g,
      // "55k a year" is a period and "once a year" a frequency, not a length of time.
      (m) =>
        /(?:\d|k|mil|thousand|grand|dollars|dolares|usd|bucks|euros?|eur|pounds?|libras?|pesos?|[$€£¥₹]|once|twice|times|vez|veces)\s*$/.test(
          n.slice(Math.max(0, m.index - 16), m.index),
        )
          ? undefined
          : bare(m, 1, { unit: 'years' }),
    ],
    [/\b(?:twice|un par de veces|a couple (?:of )?times)\b/g, (m) => bare(m, 2, { unit: 'times' })],
    [/\bthrice\b/g, (m) => bare(m, 3, { unit: 'times' })],
    [/\buna vez\b/g, (m) => bare(m, 1, { unit: 'times' })],
    [/\bonce\b/g, (m) => (language === 'es' ? undefined : bare(m, 1, { unit: 'times' }))],
    [/\bmedio ano\b|\bhalf a year\b/g, (m) => bare(m, 0.5, { unit: 'years' })],
    [/\b(?:a|one|una)\s+(?:decade|decada)\b/g, (m) => bare(m, 10, { unit: 'years' })],
    // "a late payment", "un pago atrasado": one, unless negated ("never had a late payment").
    [
      /\b(?:one|a|an|un|una)\s+(?=(?:late payment|missed payment|bankruptcy|hard inquiry|credit inquiry|inquiry|pago atrasado|pago tardio|atraso|retraso|quiebra|bancarrota|consulta)\b)/g,
      (m) => (/\b(?:never|no|not|nunca|sin|without|ni|ningun\w*|any)\b[^.,;]*$/.test(n.slice(Math.max(0, m.index - 30), m.index)) ? undefined : bare(m, 1, {})),
    ],
  ];
  for (const [re, make] of phrases) {
    for (const m of n.matchAll(re)) {
      if (taken.has(m.index)) continue;
      const mention = make(m as RegExpExecArray);
      if (mention) add(withWindow(n, mention));
    }
  }

  for (const m of n.matchAll(DIGITS)) {
    const start = m.index;
    const raw = m[1]!;
    let end = start + raw.length;
    if (taken.has(start)) continue;
    const rest = n.slice(end, end + 40);
    // 1e308 is not an amount anyone types; 1st, 2nd are ordinals.
    if (/^e[+-]?\d/.test(rest)) continue;
    const ordinal = /^(?:st|nd|rd|th|º|ª)(?![a-z])/.test(rest);
    const scaleMatch = SCALE_AFTER.exec(rest) ?? (/^m(?![a-z])/.test(rest) ? (['m', 'm'] as unknown as RegExpExecArray) : null);
    let value = digitsValue(raw, scaleMatch !== null);
    if (!Number.isFinite(value)) continue;
    let scaled = false;
    let unit: Unit | undefined;
    if (scaleMatch) {
      const word = scaleMatch[1]!;
      if (word === 'm' && Number.isInteger(value) && TERM_LIKE.has(value)) unit = 'months';
      else {
        value = clean(value * scaleOf(word));
        scaled = true;
      }
      end += scaleMatch[0].length;
    }
    if (!Number.isFinite(value)) continue;
    add(finish(n, { start, end, quoteStart: start, quoteEnd: end, value, scaled, word: false, unit, ignore: ordinal || undefined }));
  }

  for (const w of readWords(n, taken, language)) add(finish(n, w));

  mentions.sort((a, b) => a.start - b.start);
  return mentions;
}

function bare(m: RegExpExecArray, value: number, extra: Partial<Mention>): Mention {
  const end = m.index + m[0].length;
  return { start: m.index, end, quoteStart: m.index, quoteEnd: end, value, scaled: false, word: true, ...extra };
}

function scaleOf(word: string): number {
  if (word === 'hundred') return 100;
  if (word.startsWith('milli') || word.startsWith('millo') || word === 'm') return 1e6;
  if (word === 'billion' || word === 'bn') return 1e9;
  return 1e3;
}

function withWindow(n: string, m: Mention): Mention {
  const before = n.slice(Math.max(0, m.start - 24), m.start);
  if (m.unit === 'years' || m.unit === 'months') {
    if (WINDOW_BEFORE.test(before)) m.window = true;
    if (AGE_AFTER.test(n.slice(m.end, m.end + 12))) m.ignore = true;
  }
  return m;
}

/** Reads what surrounds a number: currency before or after, "+", unit, period. */
function finish(n: string, m: Mention): Mention {
  let end = m.end;
  let rest = () => n.slice(end, end + 60);
  const step = (re: RegExp) => {
    const r = re.exec(rest());
    if (r) end += r[0].length;
    return r;
  };
  if (step(PLUS_AFTER)) m.plus = true;
  const after = step(CURRENCY_AFTER);
  if (after) {
    m.currency = currencyCode(after[1]!);
    m.quoteEnd = end;
  }
  if (!m.plus && step(PLUS_AFTER)) m.plus = true;

  const before = n.slice(Math.max(0, m.start - 12), m.start);
  const prefix = CURRENCY_BEFORE.exec(before);
  if (prefix && m.currency === undefined) {
    m.currency = currencyCode(prefix[1]!);
    m.quoteStart = m.start - prefix[2]!.length - prefix[1]!.length;
    m.start = m.quoteStart;
  }

  // A minus sign written against the number ("-200", "-$200", "$-200") keeps it: savings can be negative.
  // Not after a digit or a letter ("10-12k" is a range, "covid-19" a name), nor a list dash ("- 12k").
  if (m.value > 0 && /(?:^|[^\w.,-])-$/.test(n.slice(Math.max(0, m.start - 2), m.start))) {
    m.value = -m.value;
  }
  if (!m.unit) {
    if (step(PERCENT_AFTER)) m.unit = 'percent';
    else if (!m.currency && !m.scaled) {
      if (step(YEARS_AFTER)) m.unit = 'years';
      else if (step(MONTHS_AFTER)) m.unit = 'months';
      else if (step(TIMES_AFTER)) m.unit = 'times';
    }
  }
  if (!m.unit) {
    const p = PERIOD_AFTER.exec(rest());
    if (p) {
      m.period = periodOf(p[1] ?? p[2]!);
      end += p[0].length;
    }
  }
  m.end = end;
  rest = () => '';

  const left = n.slice(Math.max(0, m.start - 24), m.start);
  if (LESS_BEFORE.test(left)) m.lessThan = true;
  withWindow(n, m);
  if (
    !m.currency &&
    !m.scaled &&
    !m.unit &&
    !m.period &&
    Number.isInteger(m.value) &&
    m.value >= 1950 &&
    m.value <= 2099 &&
    (CALENDAR_BEFORE.test(left) || /^\s*(?:-|to|a|hasta)\s*\d{4}/.test(n.slice(m.end, m.end + 10)))
  ) {
    m.ignore = true;
  }
  return m;
}

interface Token {
  w: string;
  start: number;
  end: number;
}

/** Number words: "a hundred and fifty", "fifty-five thousand", "cincuenta y cinco mil", "mil quinientos". */
function readWords(n: string, taken: Covered, language: Language): Mention[] {
  const tokens: Token[] = [];
  for (const m of n.matchAll(/[a-z]+/g)) {
    if (!taken.has(m.index)) tokens.push({ w: m[0], start: m.index, end: m.index + m[0].length });
  }
  const kindOf = (t: Token | undefined, unitUn = false): [Kind, number] | undefined => {
    if (!t) return undefined;
    if (t.w === 'once') return language === 'es' ? ['teen', 11] : undefined;
    // "treinta y un mil", "quinientos un mil": inside a number the article is the unit one.
    if (unitUn && (t.w === 'un' || t.w === 'una')) return ['unit', 1];
    return WORDS.get(t.w);
  };
  const joined = (a: Token, b: Token) => /^[\s-]*$/.test(n.slice(a.end, b.start)) && b.start - a.end <= 3;

  const out: Mention[] = [];
  let i = 0;
  while (i < tokens.length) {
    const first = kindOf(tokens[i]);
    if (!first) {
      i++;
      continue;
    }
    let total = 0;
    let current = 0;
    let last: Kind | undefined;
    let lastScale = Infinity;
    let scaled = false;
    let endTok = -1;
    let j = i;
    while (j < tokens.length) {
      const t = tokens[j]!;
      if (j > i && !joined(tokens[j - 1]!, t)) break;
      if (j > i && (t.w === 'and' || t.w === 'y')) {
        // "a hundred and fifty", "cincuenta y cinco": only these joins, never "5 years and 3 months".
        const next = tokens[j + 1];
        const nk = kindOf(next, t.w === 'y');
        const ok =
          next !== undefined &&
          joined(t, next) &&
          nk !== undefined &&
          ((t.w === 'y' && last === 'ten' && nk[0] === 'unit') ||
            (t.w === 'and' && (last === 'hundred' || last === 'scale' || last === 'hundreds') && ['unit', 'teen', 'ten'].includes(nk[0])));
        if (!ok) break;
        j++;
        continue;
      }
      const k = kindOf(t, j > i && (tokens[j - 1]!.w === 'y' || last === 'hundreds'));
      if (!k) break;
      const [kind, v] = k;
      if (kind === 'zero') {
        if (j !== i) break;
        endTok = j;
        j++;
        break;
      }
      if (kind === 'article') {
        const next = tokens[j + 1];
        const nk = kindOf(next);
        if (j !== i || !next || !joined(t, next) || !nk || (nk[0] !== 'scale' && nk[0] !== 'hundred')) break;
        if (v === 0.5 && nk[0] !== 'scale') break;
        current = v;
        last = 'unit';
        j++;
        continue;
      }
      if (kind === 'unit' || kind === 'teen' || kind === 'ten' || kind === 'tenunit') {
        const fits =
          last === undefined || last === 'hundred' || last === 'hundreds' || last === 'scale' || (last === 'ten' && kind === 'unit' && current % 10 === 0);
        if (!fits) break;
        current += v;
        last = kind;
      } else if (kind === 'hundreds') {
        if (last !== undefined && last !== 'scale') break;
        current += v;
        last = 'hundreds';
      } else if (kind === 'hundred') {
        if (last !== 'unit' && last !== 'teen' && last !== 'ten' && last !== 'tenunit') break;
        current *= 100;
        last = 'hundred';
      } else {
        // A scale: "thousand", "mil" (alone: 1000), "million".
        if (v >= lastScale) break;
        if (last === undefined && t.w !== 'mil') break;
        if (v >= 1e6) {
          total = (total + (current || 1)) * v;
        } else {
          total += (current || 1) * v;
        }
        current = 0;
        lastScale = v;
        last = 'scale';
        scaled = true;
      }
      endTok = j;
      j++;
    }
    if (endTok < 0) {
      i++;
      continue;
    }
    const start = tokens[i]!.start;
    const end = tokens[endTok]!.end;
    out.push({ start, end, quoteStart: start, quoteEnd: end, value: clean(total + current), scaled, word: true });
    i = endTok + 1;
  }
  return out;
}
