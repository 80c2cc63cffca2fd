/**
 * Free-text understanding for the chat, in English and Spanish: which applicant fields a message
 * states and with what values. Pure (no I/O, no node: imports): it runs in the Worker bundle too.
 *
 * How a message is read:
 * 1. Every number is found with what is written around it (currency, "k"/"mil", %, years,
 *    months, "a month", "al año"): see understand/numbers.ts.
 * 2. The message is cut into clauses (at punctuation and at "and", "but", "y", "pero" outside
 *    numbers), and each number takes the field of the nearest context word in its clause
 *    ("borrow", "I make", "credit score", "worked", "over", "préstamo", "gano"…): see
 *    understand/lexicon.ts. Words before a number count a little more than words after it.
 * 3. Numbers no word claims answer the field the assistant just asked about (`expecting`);
 *    in an opening message, a lone amount of money is the loan.
 * 4. Purpose, home ownership, "none" statements ("no bankruptcies") and refusals ("rather not
 *    say") are read from their own phrases.
 */
import { isDollars } from './understand/currency.ts';
import {
  CARD_ACTION,
  CARD_PAYOFF,
  CARDS_AND_LOAN,
  CUES,
  COUNT_AFTER,
  type CueClass,
  DECLINE,
  DECLINE_BARE,
  DECLINE_FIELD,
  GENERAL_DEBTS,
  HOME_BARE,
  HOMES,
  NONE,
  PURPOSE_FALSE,
  PURPOSE_OTHER,
  PURPOSES,
  type Purpose,
  UTIL_CONTEXT,
  ZEROS,
} from './understand/lexicon.ts';
import { normalise } from './understand/normalise.ts';
import { type Mention, type Period, scanNumbers } from './understand/numbers.ts';

export type Language = 'en' | 'es';
/** The applicant fields the chat collects (all in src/applicant/schema.ts ApplicantSchema). */
export type ChatField =
  | 'loanAmount'
  | 'termMonths'
  | 'purpose'
  | 'annualIncome'
  | 'employmentYears'
  | 'homeOwnership'
  | 'monthlyDebtPayments'
  | 'ficoScore'
  | 'delinquencies2y'
  | 'inquiries6m'
  | 'revolvingUtilisation'
  | 'openAccounts'
  | 'publicRecords';
export interface Understood {
  /** What the text states, as raw values in the schema's units (NOT range-checked: the engine checks them against ApplicantSchema and explains). termMonths in months even when not 36/60 (e.g. "2 years" -> 24). revolvingUtilisation in percent (35 for "35%"). purpose one of LOAN_PURPOSES, homeOwnership one of HOME_OWNERSHIP. employmentYears a number (0 for "less than a year"; 10 for 10+). */
  values: Partial<Record<ChatField, number | string>>;
  /** Money stated in a currency other than US dollars (the lender's): e.g. {field:'loanAmount', currency:'GBP', text:'£7,500'}; the field is then NOT put in values. */
  foreignCurrency: { field?: ChatField; currency: string; text: string }[];
  /** Fields the text explicitly says are not given / none, e.g. "no other debts" -> monthlyDebtPayments: 0 is a value, but "rather not say" while expecting a field -> declined: [field]. */
  declined: ChatField[];
}

const MONEY_FIELDS = new Set<ChatField>(['loanAmount', 'annualIncome', 'monthlyDebtPayments']);
const COUNT_FIELDS = new Set<ChatField>(['delinquencies2y', 'inquiries6m', 'openAccounts', 'publicRecords']);
/** Fields a bare "no" / "none" / "ninguno" answers with 0. */
const ZERO_ANSWERS = new Set<ChatField>([...COUNT_FIELDS, 'monthlyDebtPayments', 'employmentYears', 'revolvingUtilisation', 'annualIncome']);

const CUE_FIELD: Partial<Record<CueClass, ChatField>> = {
  loan: 'loanAmount',
  income: 'annualIncome',
  debtNoun: 'monthlyDebtPayments',
  fico: 'ficoScore',
  util: 'revolvingUtilisation',
  open: 'openAccounts',
  inquiries: 'inquiries6m',
  delinquencies: 'delinquencies2y',
  publicRecords: 'publicRecords',
};
const COUNT_CUES: CueClass[] = ['open', 'inquiries', 'delinquencies', 'publicRecords'];

/** Payments per year for a period: a monthly income is ×12, weekly ×52, hourly ×2080 (40 h × 52 weeks). */
const PER_YEAR: Record<Period, number> = { year: 1, month: 12, semimonth: 24, fortnight: 26, week: 52, hour: 2080 };

/** Employment years are capped at 10: the schema's 10 means "10 or more". */
const MAX_EMPLOYMENT_YEARS = 10;

interface Span {
  start: number;
  end: number;
}
interface Cue extends Span {
  cls: CueClass;
}
interface Clause extends Span {
  cues: Cue[];
  mentions: Mention[];
}
interface Assignment {
  field: ChatField;
  value: number;
  /** A default guess (a term with no "over", a lone amount taken as the loan): `expecting` may take it. */
  weak: boolean;
  mention: Mention;
}
/** What the words around a number say it is. */
type Reading = Assignment | 'ignore' | undefined;

/** "I'm retired", "I don't work", "no job", "estoy jubilado", "desempleado", "sin trabajo". */
const NOT_WORKING =
  /\b(?:retired|unemployed|not employed|not working|(?:don'?t|do not|doesn'?t) work|no job|without (?:a )?job|out of work|between jobs|jobless|laid off|jubilad[oa]s?|pensionad[oa]s?|desemplead[oa]s?|no trabajo|sin trabajo|sin empleo|en paro|no tengo (?:trabajo|empleo))\b/;
/** "just started", "new job", "acabo de empezar": under a year in the job. */
const JUST_STARTED =
  /\b(?:just started|new job|started (?:last|this) (?:month|week)|acabo de empezar|recien empece|empece hace (?:poco|unas semanas)|trabajo nuevo)\b/;

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Reads the applicant fields a chat message states.
 *
 * Amounts are taken as written (not range-checked); a monthly income is turned into a yearly one
 * (×12; weekly ×52, hourly ×2080), a term in years into months, employment beyond 10 years into 10.
 * Money in another currency is listed in `foreignCurrency`, never converted.
 *
 * @example
 * understand("I'd like 12k over 3 years to pay off my cards, I make about 55k and rent", 'en')
 * // → { values: { loanAmount: 12000, termMonths: 36, purpose: 'credit_card', annualIncome: 55000, homeOwnership: 'RENT' },
 * //     foreignCurrency: [], declined: [] }
 * understand('tres años', 'es', 'termMonths') // → { values: { termMonths: 36 }, … }
 * understand('£7,500', 'en', 'loanAmount') // → { values: {}, foreignCurrency: [{ field: 'loanAmount', currency: 'GBP', text: '£7,500' }], … }
 */
export function understand(text: string, language: Language, expecting?: ChatField): Understood {
  const original = String(text ?? '').normalize('NFC');
  const n = normalise(original);
  const mentions = scanNumbers(n, language);
  const clauses = splitClauses(n, mentions);

  const assignments: Assignment[] = [];
  const unclaimed: Mention[] = [];
  for (const clause of clauses) {
    for (const m of clause.mentions) {
      if (m.ignore || m.window) continue;
      const reading = read(m, clause, n);
      if (reading === 'ignore') continue;
      if (reading) assignments.push(reading);
      else unclaimed.push(m);
    }
  }

  // "300 a month on my car, sorry, 350": a bare number after a correction word replaces the one before it.
  for (const m of [...unclaimed]) {
    if (!CORRECTION.test(n.slice(Math.max(0, m.start - 30), m.start))) continue;
    const corrected = assignments.filter((a) => !a.weak && a.mention.end <= m.start).pop();
    if (!corrected) continue;
    const value = answerValue(corrected.field, { ...m, period: m.period ?? corrected.mention.period });
    if (value === undefined) continue;
    assignments.push({ field: corrected.field, value: round2(value), weak: false, mention: m });
    unclaimed.splice(unclaimed.indexOf(m), 1);
  }

  // The field just asked about takes a number nothing else claims, or one only guessed at.
  if (expecting && !assignments.some((a) => a.field === expecting && !a.weak)) {
    const pool = [...unclaimed, ...assignments.filter((a) => a.weak).map((a) => a.mention)].sort((a, b) => a.start - b.start);
    for (let i = pool.length - 1; i >= 0; i--) {
      const m = pool[i]!;
      const value = answerValue(expecting, m);
      if (value === undefined) continue;
      const j = assignments.findIndex((a) => a.mention === m);
      if (j >= 0) assignments.splice(j, 1);
      const k = unclaimed.indexOf(m);
      if (k >= 0) unclaimed.splice(k, 1);
      assignments.push({ field: expecting, value, weak: false, mention: m });
      break;
    }
  }

  // An opening's lone amount of money with nothing said about it is the loan ("18,000 over 60 months").
  if (!assignments.some((a) => a.field === 'loanAmount') && !(expecting && MONEY_FIELDS.has(expecting))) {
    const lones = unclaimed.filter((m) => !m.unit && !m.period && (m.currency !== undefined || m.scaled || m.value >= 500));
    // "12k, no wait, 15k": the last one stands.
    const lone = CORRECTION.test(n) ? lones[lones.length - 1] : lones[0];
    if (lone) {
      assignments.push({ field: 'loanAmount', value: lone.value, weak: true, mention: lone });
      unclaimed.splice(unclaimed.indexOf(lone), 1);
    }
  }

  const values: Understood['values'] = {};
  const foreignCurrency: Understood['foreignCurrency'] = [];
  const chosen = new Map<ChatField, Assignment>();
  for (const a of assignments.sort((x, y) => x.mention.start - y.mention.start)) {
    if (!isDollars(a.mention.currency)) {
      foreignCurrency.push({ field: a.field, currency: a.mention.currency!, text: original.slice(a.mention.quoteStart, a.mention.quoteEnd) });
      continue;
    }
    const before = chosen.get(a.field);
    // Later beats earlier ("50k, sorry, 60k"), but a guess never beats a stated field.
    if (!before || before.weak || !a.weak) chosen.set(a.field, a);
  }
  for (const m of unclaimed) {
    if (!isDollars(m.currency)) foreignCurrency.push({ currency: m.currency!, text: original.slice(m.quoteStart, m.quoteEnd) });
  }
  for (const [field, a] of chosen) values[field] = a.value;
  // Several debts each paid monthly add up ("320/mo on a car note, and 90/mo on a card"), unless one corrects another.
  const debts = assignments.filter((a) => a.field === 'monthlyDebtPayments' && !a.weak && isDollars(a.mention.currency));
  if (debts.length > 1 && debts.every((a) => a.mention.period === 'month' || !a.mention.period) && !CORRECTION.test(n)) {
    values.monthlyDebtPayments = round2(debts.reduce((sum, a) => sum + a.value, 0));
  }

  const purpose = readPurpose(n, clauses);
  if (purpose) values.purpose = purpose;
  else if (expecting === 'purpose' && PURPOSE_OTHER.test(n)) values.purpose = 'other';

  const home = HOMES.find(([re]) => re.test(n))?.[1] ?? (expecting === 'homeOwnership' ? HOME_BARE.find(([re]) => re.test(n))?.[1] : undefined);
  if (home) values.homeOwnership = home;

  for (const [re, field] of ZEROS) if (values[field] === undefined && re.test(n)) values[field] = 0;

  const declined: ChatField[] = [];
  // Not working is "not employed" (the field left out), never "under a year" in a job.
  if (NOT_WORKING.test(n)) {
    if (values.employmentYears === 0 || values.employmentYears === undefined) {
      delete values.employmentYears;
      declined.push('employmentYears');
    }
  } else if (values.employmentYears === undefined && JUST_STARTED.test(n)) values.employmentYears = 0;
  if (expecting && values[expecting] === undefined && !declined.includes(expecting)) {
    if (ZERO_ANSWERS.has(expecting) && NONE.test(n) && !DECLINE.test(n)) values[expecting] = 0;
    else if (DECLINE_BARE.test(n) || DECLINE.test(n) || (expecting === 'ficoScore' && NONE.test(n))) declined.push(expecting);
  }
  for (const clause of clauses) {
    const part = n.slice(clause.start, clause.end);
    if (!DECLINE.test(part)) continue;
    for (const [re, field] of DECLINE_FIELD) {
      if (re.test(part) && values[field] === undefined && !declined.includes(field)) declined.push(field);
    }
  }

  return { values, foreignCurrency, declined };
}

/**
 * The first amount in a bare reply, as people type it; undefined when there is none, or when the
 * only amounts are in another currency than US dollars ("£7,500").
 *
 * @example
 * parseAmount('12k', 'en') // 12000
 * parseAmount('about 1.2m', 'en') // 1200000
 * parseAmount('doce mil', 'es') // 12000
 * parseAmount('12.000', 'es') // 12000 (and '12,5' → 12.5)
 * parseAmount('35%', 'en') // 35
 * parseAmount('no idea', 'en') // undefined
 */
export function parseAmount(text: string, language: Language): number | undefined {
  const n = normalise(String(text ?? '').normalize('NFC'));
  const first = scanNumbers(n, language).find((m) => !m.ignore && isDollars(m.currency));
  return first && Number.isFinite(first.value) ? first.value : undefined;
}

// ---------------------------------------------------------------------------------------------

const BOUNDARY =
  /[.!?;\n,()[\]…]|\s-+\s|(?<![a-z])(?:and|but|plus|also|although|though|because|while|so|y|e|pero|ademas|tambien|aunque|porque|mientras|pues)(?![a-z'])/g;

function splitClauses(n: string, mentions: Mention[]): Clause[] {
  // Characters inside a number: no cut there ("12.000", "cincuenta y cinco"), no cue either ("mil").
  const covered = new Uint8Array(n.length + 1);
  for (const m of mentions) covered.fill(1, m.start, m.end);
  const cuts: Span[] = [];
  for (const b of n.matchAll(BOUNDARY)) {
    if (!covered[b.index]) cuts.push({ start: b.index, end: b.index + b[0].length });
  }
  const spans: Span[] = [];
  let from = 0;
  for (const c of cuts) {
    if (c.start > from) spans.push({ start: from, end: c.start });
    from = Math.max(from, c.end);
  }
  spans.push({ start: from, end: Math.max(from, n.length) });

  const cues: Cue[] = [];
  for (const cls of Object.keys(CUES) as CueClass[]) {
    for (const m of n.matchAll(CUES[cls])) {
      const start = m.index;
      const end = start + m[0].length;
      if (covered.subarray(start, end).includes(1)) continue;
      cues.push({ cls, start, end });
    }
  }
  cues.sort((a, b) => a.start - b.start);
  // One sweep hands cues and numbers (both in text order) to their clauses.
  const clauses: Clause[] = spans.map((s) => ({ ...s, cues: [], mentions: [] }));
  let k = 0;
  for (const c of cues) {
    while (k < clauses.length - 1 && c.start >= clauses[k]!.end) k++;
    if (c.start >= clauses[k]!.start && c.end <= clauses[k]!.end) clauses[k]!.cues.push(c);
  }
  k = 0;
  for (const m of mentions) {
    while (k < clauses.length - 1 && m.start >= clauses[k]!.end) k++;
    clauses[k]!.mentions.push(m);
  }
  return clauses;
}

/** The clause holding position `at` (clauses are in text order). */
function clauseAt(clauses: Clause[], at: number): Clause {
  let lo = 0;
  let hi = clauses.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (clauses[mid]!.start <= at) lo = mid;
    else hi = mid - 1;
  }
  return clauses[lo]!;
}

/** Context words further than this from a number (in the same clause) say nothing about it. */
const CUE_REACH = 100;

/** The nearest cue of the given classes in the clause: before the number counts full, after it half again as far. */
function nearest(m: Mention, clause: Clause, classes: CueClass[]): Cue | undefined {
  let best: Cue | undefined;
  let bestD = Infinity;
  const cues = clause.cues;
  // Cues are in text order: start from the first that can be within reach.
  let lo = 0;
  let hi = cues.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cues[mid]!.end < m.start - CUE_REACH) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < cues.length; i++) {
    const c = cues[i]!;
    if (c.start > m.end + CUE_REACH) break;
    if (!classes.includes(c.cls)) continue;
    const d = c.end <= m.start ? m.start - c.end : c.start >= m.end ? (c.start - m.end) * 1.5 + 1 : Infinity;
    // On a tie the longer phrase wins ("pay is" over "pay").
    if (d < bestD || (d === bestD && best && c.end - c.start > best.end - best.start)) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

const assign = (field: ChatField, value: number, m: Mention, weak = false): Assignment => ({ field, value: round2(value), weak, mention: m });

const employmentYears = (m: Mention): number => {
  let years = m.unit === 'months' ? Math.floor(m.value / 12) : m.value;
  if (m.lessThan) years = Math.max(0, Math.ceil(years) - 1);
  return Math.min(MAX_EMPLOYMENT_YEARS, years);
};

const termMonths = (m: Mention): number => Math.round(m.unit === 'years' ? m.value * 12 : m.value);

function read(m: Mention, clause: Clause, n: string): Reading {
  const money = m.currency !== undefined || m.scaled || m.period !== undefined;

  if (m.unit === 'percent') {
    const part = n.slice(clause.start, clause.end);
    return UTIL_CONTEXT.test(part) ? assign('revolvingUtilisation', m.value, m) : undefined;
  }

  if (m.unit === 'years' || m.unit === 'months') {
    const emp = nearest(m, clause, ['employment']);
    // "over"/"within" alone do not outweigh a job word: "at the same company for over a decade".
    const term = emp
      ? nearest(m, { ...clause, cues: clause.cues.filter((c) => !/^(?:over|within)$/.test(n.slice(c.start, c.end))) }, ['term'])
      : nearest(m, clause, ['term']);
    // "tengo 32 años" is an age unless the clause is about work.
    if (!emp && /(?:^|[^a-z])(?:tengo|i'?m|i am|aged?)\s*$/.test(n.slice(Math.max(0, m.start - 10), m.start))) return 'ignore';
    // "hace 5 años", "5 years ago": a point in time, not a length.
    if (!emp && (/(?:^|[^a-z])hace\s*$/.test(n.slice(Math.max(0, m.start - 6), m.start)) || /^\s*ago(?![a-z])/.test(n.slice(m.end)))) return 'ignore';
    const dist = (c: Cue | undefined) => (c ? (c.end <= m.start ? m.start - c.end : (c.start - m.end) * 1.5 + 1) : Infinity);
    if (emp && dist(emp) <= dist(term)) return assign('employmentYears', employmentYears(m), m);
    // "lived in a rented flat for 8 years", "married 10 years": no field.
    const residence = nearest(m, clause, ['residence']);
    if (residence && dist(residence) < dist(term)) return 'ignore';
    return assign('termMonths', termMonths(m), m, !term);
  }

  if (m.unit === 'times') {
    const c = nearest(m, clause, COUNT_CUES);
    return c ? assign(CUE_FIELD[c.cls]!, m.value, m) : undefined;
  }

  const integer = Number.isInteger(m.value);
  const rest = n.slice(m.end, m.end + 40);
  if (!money && integer && m.value <= 100) {
    for (const [re, field] of COUNT_AFTER) if (re.test(rest)) return assign(field, m.value, m);
  }
  if (!money && integer && /^\s*(?:fico|credit score|score|puntos)(?![a-z])/.test(rest)) return assign('ficoScore', m.value, m);

  if (m.period) {
    // Rent and mortgage are not debt payments (the schema excludes them): "I pay 1,200 a month in rent".
    const housing = clause.cues.some((c) => c.cls === 'housing');
    const cues = housing ? clause.cues.filter((c) => c.cls !== 'debtMonthly' || !PAY_VERB.test(n.slice(c.start, c.end))) : clause.cues;
    const c = nearest(m, { ...clause, cues }, ['income', 'debtMonthly', 'housing']);
    const perYear = m.value * PER_YEAR[m.period];
    if (c?.cls === 'housing') return 'ignore';
    if (c?.cls === 'debtMonthly') return assign('monthlyDebtPayments', perYear / 12, m);
    if (c?.cls === 'income' || m.period === 'year') return assign('annualIncome', perYear, m);
    return undefined;
  }

  const classes: CueClass[] = [];
  if (money || m.value >= 100) classes.push('loan', 'income', 'debtNoun', 'housing', 'balance');
  if (!money && integer && m.value >= 250 && m.value <= 900) classes.push('fico');
  if (!money && integer && m.value <= 100) classes.push(...COUNT_CUES);
  if (!money && m.value <= 200) classes.push('util');
  const c = nearest(m, clause, classes);
  if (!c) return undefined;
  if (c.cls === 'housing' || c.cls === 'balance') return 'ignore';
  return assign(CUE_FIELD[c.cls]!, m.value, m);
}

/** The value a number gives the field the assistant asked about, or undefined when it cannot be that field. */
function answerValue(field: ChatField, m: Mention): number | undefined {
  const money = m.currency !== undefined || m.scaled || m.period !== undefined;
  const plain = !m.unit && !money;
  switch (field) {
    case 'loanAmount':
      return !m.unit && !m.period ? m.value : undefined;
    case 'annualIncome':
      return m.unit ? undefined : m.value * (m.period ? PER_YEAR[m.period] : 1);
    case 'monthlyDebtPayments':
      return m.unit ? undefined : m.period ? round2((m.value * PER_YEAR[m.period]) / 12) : m.value;
    case 'termMonths':
      if (m.unit === 'years' || m.unit === 'months') return termMonths(m);
      // A bare "3" or "five" is years; "36" is months.
      return plain ? (m.value <= 10 ? m.value * 12 : m.value) : undefined;
    case 'employmentYears':
      return m.unit === 'years' || m.unit === 'months' || plain ? employmentYears(m) : undefined;
    case 'revolvingUtilisation':
      return m.unit === 'percent' || plain ? m.value : undefined;
    case 'ficoScore':
      return plain ? m.value : undefined;
    default:
      return COUNT_FIELDS.has(field) && (m.unit === 'times' || plain) ? m.value : undefined;
  }
}

function readPurpose(n: string, clauses: Clause[]): Purpose | undefined {
  const excluded: Span[] = [...n.matchAll(PURPOSE_FALSE)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
  const hits: { purpose: Purpose; at: number; end: number; clause: Clause }[] = [];
  for (const [re, purpose] of PURPOSES) {
    for (const m of n.matchAll(new RegExp(re.source, 'g'))) {
      const at = m.index;
      if (excluded.some((s) => at >= s.start && at < s.end)) continue;
      const clause = clauseAt(clauses, at);
      const part = n.slice(clause.start, clause.end);
      // Existing debts ("I pay 450 a month on my car loan") and the job ("4 years at the hospital") name no purpose.
      if (clause.mentions.some((x) => x.period && x.period !== 'year')) continue;
      if (clause.mentions.some((x) => x.unit === 'years' || x.unit === 'months') && clause.cues.some((c) => c.cls === 'employment')) continue;
      let found = purpose;
      if (purpose === 'credit_card') {
        const before = n.slice(clause.start, at);
        if (!CARD_ACTION.test(before)) continue;
        // "I have 3 credit cards", "applied for 2 cards", "30% of my card limits" say nothing of the loan,
        // unless the cards are being paid off.
        if (!CARD_PAYOFF.test(before)) {
          if (clause.mentions.some((x) => x.unit === 'percent') || UTIL_WORDS.test(part)) continue;
          if (/\d\s*(?:credit\s+)?$|\b(?:two|three|four|five|dos|tres|cuatro|cinco)\s+(?:credit\s+)?$/.test(before)) continue;
          if (clause.cues.some((c) => c.cls === 'inquiries' || c.cls === 'open')) continue;
        }
        // "pay off three store cards and a personal loan": several debts.
        if (CARDS_AND_LOAN.test(n.slice(at, at + 60))) found = 'debt_consolidation';
      }
      hits.push({ purpose: found, at, end: at + m[0].length, clause });
    }
  }
  if (hits.length === 0) return undefined;
  // "consolidate my card debt" and "refinanciar mis tarjetas" are about cards; "consolidate my debts" is not.
  const kept = hits.filter(
    (h) =>
      h.purpose !== 'debt_consolidation' ||
      !hits.some((o) => o.purpose === 'credit_card' && o.clause === h.clause) ||
      GENERAL_DEBTS.test(n.slice(h.clause.start, h.clause.end)),
  );
  const pool = kept.length > 0 ? kept : hits;
  pool.sort((a, b) => a.at - b.at);
  return pool[0]!.purpose;
}

const CORRECTION =
  /\b(?:sorry|actually|i meant|i mean|meant|no wait|wait|correction|rather|make that|perdon|perdona|en realidad|quise decir|mejor dicho|o sea|corrijo|digo)\b/;
const PAY_VERB = /^(?:pay|pays|paying|spend|pago|pagar|pagamos|pagando)$/;
const UTIL_WORDS = /\b(?:limits?|utili[sz]\w*|usage|using|limite\w*|utiliz\w*|uso|usando)\b/;
