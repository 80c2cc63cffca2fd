import { z } from 'zod';
import { ApplicantSchema, type Applicant } from '../applicant/schema.ts';
import { LANGUAGES, translator, type Language, type Translator } from './i18n.ts';
import { ALT_FIELDS, CHAT_FIELDS, CHOICES, KIND, OPTIONAL_FIELDS, RECORD_FIELDS, checkField, type AltField, type ChatField, type Rule } from './questions.ts';
import { parseAmount, understand } from './understand.ts';

/**
 * The conversation as a state machine: (state, what the person did) → (new state, what to say, and
 * at most one thing for the caller to do — decide, accept a counter-offer). Pure: no I/O, no clock,
 * no channel. Telegram, the web chat and the terminal all drive this one engine (src/app/chat.ts
 * runs the actions), so they ask the same questions and accept the same answers.
 *
 * Phases: idle → collecting (free text fills any field; the next missing one is asked) → confirm
 * (summary; corrections in free text) ⇄ evidence (optional bank statement or four answers) →
 * decided (the decision and, when there is one, a counter-offer button).
 */

export const ChatStateSchema = z.object({
  language: z.enum(LANGUAGES),
  phase: z.enum(['idle', 'collecting', 'confirm', 'evidence', 'statement', 'alt', 'decided']),
  answers: z.record(z.string(), z.union([z.number(), z.string()])),
  /** Optional fields the person chose not to give. */
  declined: z.array(z.string()),
  /** Answers in the order they were given, with the value each replaced, for /back (older states held field names only). */
  history: z.array(
    z.union([
      z.string().transform((field): { field: string; previous?: string | number } => ({ field })),
      z.object({ field: z.string(), previous: z.union([z.number(), z.string()]).optional() }),
    ]),
  ),
  /** The question on screen: a field, 'record' (the three credit-record counts at once) or a bank question. */
  asking: z.string().optional(),
  /** Bank-account evidence: the four answers, or the id of a statement the server reduced. */
  alternative: z.record(z.string(), z.union([z.number(), z.string()])).optional(),
  statementMonths: z.number().optional(),
  /** Applications started in this conversation: with its id, the key that makes a repeated confirm one decision. */
  round: z.number().int().min(0),
  lastApplicationId: z.string().optional(),
  /** The last decision, as /v1/score answers it (the web chat returns it). */
  decision: z.record(z.string(), z.unknown()).optional(),
  /** Whether the channel can send files (the web chat cannot): the statement option is offered only then. */
  files: z.boolean().default(true),
});
export type ChatState = z.infer<typeof ChatStateSchema>;

export interface Button {
  id: string;
  label: string;
}
export interface Reply {
  text: string;
  buttons?: Button[];
  /** Buttons per row (Telegram keyboards). */
  columns?: number;
}

export type ChatInput =
  | { kind: 'greet' }
  | { kind: 'start' }
  | { kind: 'text'; text: string }
  | { kind: 'button'; id: string }
  | { kind: 'back' }
  | { kind: 'cancel' }
  | { kind: 'language'; language?: Language }
  /** A photo, sticker, voice note…: something the chat cannot read. */
  | { kind: 'media' }
  /** A file the conversation is not waiting for. */
  | { kind: 'file' }
  /** /help where the channel has no help of its own (the web chat). */
  | { kind: 'help' }
  | { kind: 'unknown-command' };

export type Action = { kind: 'decide'; applicant: Applicant; round: number } | { kind: 'counter'; applicationId: string };

export interface Turn {
  state: ChatState;
  replies: Reply[];
  /** What a pressed button chose, to show on the question it answered (Telegram edits that message). */
  picked?: string;
  /** A short note for the button press itself (Telegram's callback answer). */
  toast?: string;
  action?: Action;
}

/**
 * A new conversation in a language.
 *
 * @example const state = newConversation('es');
 */
export const newConversation = (language: Language = 'en', options: { files?: boolean } = {}): ChatState => ({
  language,
  files: options.files ?? true,
  phase: 'idle',
  answers: {},
  declined: [],
  history: [],
  round: 0,
});

const YES = /^\s*(yes|y|yeah|yep|ok|okay|sure|confirm|correct|go ahead|s[ií]|vale|de acuerdo|confirmo|confirmar|correcto|adelante)\s*[.!]*\s*$/i;
const NONE = /^\s*(none|no|nope|nothing|never|none of (these|them|those)|zero|0|ninguno|ninguna|nada|nunca|no,? ninguno|cero)\s*[.!]*\s*$/i;
/** "make it 10k", "change it to 8k", "que sean 9 mil": the amount borrowed. */
const MAKE_IT = /^\s*(?:(?:ok(?:ay)?|then|actually|no)[, ]+)?(?:make it|make that|change it to|let'?s (?:say|do)|que sean|hazlo|ponlo en|mejor)\b/i;
/** "late twice, nothing else": the other credit-record counts are zero. */
const NOTHING_ELSE = /\b(?:nothing else|that'?s (?:it|all)|no(?:thing)? more|nada m[aá]s|eso es todo|nada de lo dem[aá]s|lo dem[aá]s no)\b/i;
const CORRECTION =
  /\b(actually|sorry|i meant|correction|change|instead|not \d|wait|en realidad|perd[oó]n|quise decir|me equivoqu[eé]|corrijo|cambia|mejor dicho)\b/i;
const SKIP = /^\s*(skip|pass|next|rather not( say)?|prefer not to say|n\/a|omitir|saltar|paso|prefiero no (decirlo|contestar))\s*[.!]*\s*$/i;

/**
 * Two amounts given as a range ("10-12k", "between 8 and 10 thousand", "entre 5 y 7 mil"): the
 * suffix of the second applies to the first when it has none.
 */
export function rangeIn(text: string, language: Language): { low: number; high: number } | undefined {
  const m =
    /(?:between|from|entre|de)?\s*(\$?\s*\d[\d.,]*)\s*(k|m|mil|thousand|grand)?\s*(?:-|–|to|a|and|y|or|o)\s*(\$?\s*\d[\d.,]*)\s*(k|m|mil|thousand|grand|million|millones)?\b/i.exec(
      text,
    );
  if (!m) return undefined;
  // "3 years, 2 cards": not a range; only a connector between two bare amounts is one.
  const suffix = m[4] ?? '';
  const low = parseAmount(`${m[1]}${m[2] ?? (suffix ? ` ${suffix}` : '')}`, language);
  const high = parseAmount(`${m[3]}${suffix ? ` ${suffix}` : ''}`, language);
  if (low === undefined || high === undefined || !(low < high) || high > low * 3) return undefined;
  return { low, high };
}

/** Whether the conversation waits for (or would take) a bank statement file. */
export const wantsStatement = (state: ChatState): boolean => state.files && ['statement', 'evidence', 'confirm'].includes(state.phase);

const isAnswered = (s: ChatState, f: ChatField) => s.answers[f] !== undefined || s.declined.includes(f);
const missing = (s: ChatState) => CHAT_FIELDS.filter((f) => !isAnswered(s, f));

/** The next question: the first field not yet answered, the credit record as one question while none of it is known. */
function nextAsk(s: ChatState): string | undefined {
  const field = missing(s)[0];
  if (field === undefined) return undefined;
  if (RECORD_FIELDS.includes(field) && RECORD_FIELDS.every((f) => !isAnswered(s, f))) return 'record';
  return field;
}

/** How a stored value reads in a summary or acknowledgement. */
function shown(t: Translator, field: ChatField | AltField, value: string | number | undefined): string {
  if (value === undefined) return t.t('not-given');
  if (field === 'termMonths') return t.t('term-months', { months: value });
  if (field === 'purpose') return t.t(`purpose-${value}`);
  if (field === 'homeOwnership') return t.t(`home-${value}`);
  if (field === 'employmentYears') return t.t('years', { years: value as number });
  if (field === 'revolvingUtilisation') return t.t('percent', { value: t.number(value as number, 1) });
  if (typeof value === 'number' && (field === 'ficoScore' || KIND[field as ChatField] === 'count' || field === 'overdraftMonths12m')) return t.number(value, 0);
  return typeof value === 'number' ? t.money(value) : String(value);
}

/** Our own sentence for a broken rule (never the validation library's wording). */
function ruleText(t: Translator, field: ChatField | AltField, rule: Rule): string {
  const name = t.t(`field-${field}`);
  const money = KIND[field as ChatField] === 'money' || ['monthlyIncomeDeposits', 'monthlySpending', 'monthlySavings'].includes(field);
  const bound = (v: number) => (money ? t.money(v) : t.number(v));
  switch (rule.kind) {
    case 'term':
      return t.t('err-term', { months: t.number(rule.months, 1) });
    case 'whole':
      return t.t('err-whole', { field: name });
    case 'choice':
      return t.t('err-choice', { field: name });
    case 'range':
      if (!Number.isFinite(rule.max)) return t.t('err-at-least', { field: name, min: bound(rule.min) });
      if (!Number.isFinite(rule.min)) return t.t('err-at-most', { field: name, max: bound(rule.max) });
      return t.t('err-range', { field: name, min: bound(rule.min), max: bound(rule.max) });
  }
}

/** The question on screen as a reply: its text, an example when typed, its buttons. */
function question(s: ChatState, t: Translator): Reply {
  const ask = s.asking;
  if (s.phase === 'alt' && ask) {
    const step = ALT_FIELDS.indexOf(ask as AltField) + 1;
    return {
      text: `${t.t('alt-progress', { step, total: ALT_FIELDS.length })} ${t.t(`alt-q-${ask}`)}\n${t.t('example', { example: t.t(`ex-${ask}`) })}`,
      buttons: [{ id: `alt-skip:${ask}`, label: t.t('button-skip') }],
    };
  }
  if (ask === 'record') {
    return {
      text: `${t.t('q-record')}\n${t.t('example', { example: t.t('ex-record') })}`,
      buttons: [{ id: 'none:record', label: t.t('button-none-of-these') }],
    };
  }
  const field = ask as ChatField;
  const choices = CHOICES[field];
  if (choices) {
    return {
      text: t.t(`q-${field}`),
      buttons: choices.choices.map((c) => ({
        id: c.value === undefined ? `skip:${field}` : `set:${field}:${c.value}`,
        label: t.t(c.label, c.args),
      })),
      columns: choices.columns,
    };
  }
  return {
    text: `${t.t(`q-${field}`)}\n${t.t('example', { example: t.t(`ex-${field}`) })}`,
    ...(OPTIONAL_FIELDS.has(field) ? { buttons: [{ id: `skip:${field}`, label: t.t('button-skip') }] } : {}),
  };
}

/** The summary with its buttons. */
function summary(s: ChatState, t: Translator): Reply {
  const lines = CHAT_FIELDS.filter((f) => s.answers[f] !== undefined).map((f) => `• ${t.t(`field-${f}`)}: ${shown(t, f, s.answers[f])}`);
  const notGiven = CHAT_FIELDS.filter((f) => s.answers[f] === undefined).map((f) => t.t(`field-${f}`));
  if (notGiven.length) lines.push(`• ${t.t('summary-not-given', { list: t.list(notGiven) })}`);
  const alt = s.alternative ?? {};
  const given = ALT_FIELDS.filter((f) => alt[f] !== undefined);
  if (given.length || alt.statementId) {
    lines.push(t.t('summary-evidence'));
    for (const f of given) lines.push(`• ${t.t(`field-${f}`)}: ${shown(t, f, alt[f])}`);
    if (alt.statementId) lines.push(`• ${t.t('summary-statement', { months: s.statementMonths ?? 0 })}`);
  }
  const buttons = [{ id: 'confirm', label: t.t('button-confirm') }];
  if (!given.length && !alt.statementId) buttons.push({ id: 'evidence', label: t.t('button-evidence') });
  buttons.push({ id: 'restart', label: t.t('button-restart') });
  return { text: `${t.t('summary')}\n${lines.join('\n')}`, buttons, columns: 1 };
}

/** Notes without buttons join the message after them: one message per turn where possible. */
function compact(replies: Reply[]): Reply[] {
  const out: Reply[] = [];
  for (const reply of replies) {
    const before = out.at(-1);
    if (before && !before.buttons) out[out.length - 1] = { ...reply, text: `${before.text}\n\n${reply.text}` };
    else out.push(reply);
  }
  return out;
}

/** Moves on to the next question, or to the summary when nothing required is missing. */
function proceed(s: ChatState, t: Translator, replies: Reply[]): Turn {
  const turn = proceedRaw(s, t, replies);
  return { ...turn, replies: compact(turn.replies) };
}

function proceedRaw(s: ChatState, t: Translator, replies: Reply[]): Turn {
  if (s.phase === 'collecting') {
    const ask = nextAsk(s);
    if (ask) {
      s.asking = ask;
      replies.push(question(s, t));
      return { state: s, replies };
    }
    s.phase = 'confirm';
  }
  if (s.phase === 'alt') {
    const next = ALT_FIELDS.find((f) => s.alternative?.[f] === undefined && ALT_FIELDS.indexOf(f) > ALT_FIELDS.indexOf(s.asking as AltField));
    if (next) {
      s.asking = next;
      replies.push(question(s, t));
      return { state: s, replies };
    }
    s.phase = 'confirm';
  }
  s.asking = undefined;
  if (s.phase === 'confirm') replies.push(summary(s, t));
  else if (s.phase === 'evidence') replies.push(evidenceOffer(s, t));
  else if (s.phase === 'statement') replies.push({ text: t.t('evidence-file-ask'), buttons: [{ id: 'evidence:skip', label: t.t('button-evidence-skip') }] });
  return { state: s, replies };
}

const evidenceOffer = (s: ChatState, t: Translator): Reply => ({
  text: t.t('evidence-offer'),
  buttons: [
    ...(s.files ? [{ id: 'evidence:file', label: t.t('button-evidence-file') }] : []),
    { id: 'evidence:questions', label: t.t('button-evidence-questions') },
    { id: 'evidence:skip', label: t.t('button-evidence-skip') },
  ],
  columns: 1,
});

/** Sets checked values; says what was taken, what was changed and what was refused. */
function take(s: ChatState, t: Translator, values: Partial<Record<ChatField, string | number>>, replies: Reply[]): number {
  const added: string[] = [];
  const changed: string[] = [];
  const same: string[] = [];
  const problems: string[] = [];
  for (const field of CHAT_FIELDS) {
    const raw = values[field];
    if (raw === undefined) continue;
    const checked = checkField(field, raw);
    if (!checked.ok) {
      problems.push(ruleText(t, field, checked.rule));
      continue;
    }
    const before = s.answers[field];
    if (before === checked.value) {
      same.push(`${t.t(`field-${field}`)}: ${shown(t, field, before)}`);
      continue;
    }
    s.answers[field] = checked.value;
    s.declined = s.declined.filter((d) => d !== field);
    s.history = [...s.history, { field, ...(before !== undefined ? { previous: before } : {}) }];
    (before === undefined ? added : changed).push(`${t.t(`field-${field}`)}: ${shown(t, field, checked.value)}`);
  }
  const notes = [
    added.length ? t.t('got-it', { list: added.join('; ') }) : '',
    changed.length ? t.t('changed', { list: changed.join('; ') }) : '',
    same.length && !added.length && !changed.length ? t.t('unchanged', { list: same.join('; ') }) : '',
    ...problems,
  ].filter(Boolean);
  if (notes.length) replies.push({ text: notes.join('\n') });
  return added.length + changed.length + same.length;
}

function decline(s: ChatState, t: Translator, field: ChatField, replies: Reply[]): void {
  if (!OPTIONAL_FIELDS.has(field)) {
    replies.push({ text: t.t('declined-required', { field: t.t(`field-${field}`) }) });
    return;
  }
  delete s.answers[field];
  if (!s.declined.includes(field)) s.declined.push(field);
  s.history = [...s.history, { field }];
}

/** Free text while collecting or confirming: every field it states, corrections included. */
function understandText(s: ChatState, t: Translator, text: string): Turn {
  const replies: Reply[] = [];
  const asking = s.phase === 'collecting' ? s.asking : undefined;
  // "make it 10k" (at the summary, or anywhere) is about the amount borrowed.
  const makeIt = MAKE_IT.exec(text);
  const said = makeIt ? text.slice(makeIt[0].length) : text;
  const expecting = makeIt ? 'loanAmount' : asking && asking !== 'record' ? (asking as ChatField) : undefined;
  const heard = understand(said, s.language, expecting);
  const values = { ...heard.values };
  // An answer to one question may mention other things ("2 cards and a car loan" is not a car loan
  // purpose): it fills what is still missing, but changes an earlier answer only when it says so.
  if (expecting && !makeIt && !CORRECTION.test(text)) {
    for (const field of Object.keys(values) as ChatField[]) if (field !== expecting && s.answers[field] !== undefined) delete values[field];
  }
  // A range ("10-12k", "entre 5 y 7 mil") is not an answer: the person picks one end.
  const range = rangeIn(said, s.language);
  const ranged = range && (Object.keys(values) as ChatField[]).find((f) => values[f] === range.low || values[f] === range.high);
  if (ranged) delete values[ranged];
  // "None" to the three credit-record questions at once answers all three; "late twice, nothing else" the other two.
  if (asking === 'record') {
    const given = RECORD_FIELDS.filter((f) => values[f] !== undefined);
    if (given.length === 0 && NONE.test(text)) for (const f of RECORD_FIELDS) values[f] = 0;
    else if (given.length > 0 && NOTHING_ELSE.test(text)) for (const f of RECORD_FIELDS) values[f] ??= 0;
  }
  for (const refusal of heard.foreignCurrency) replies.push({ text: t.t('foreign-currency', { text: refusal.text }) });
  const taken = take(s, t, values, replies);
  for (const field of heard.declined) decline(s, t, field, replies);
  if (expecting && heard.declined.length === 0 && SKIP.test(text)) decline(s, t, expecting, replies);
  if (ranged && range) {
    s.phase = 'collecting';
    s.asking = ranged;
    const pick = (v: number) => ({ id: `pick:${ranged}:${v}`, label: shown(t, ranged, v) });
    replies.push({
      text: t.t('range-ask', { field: t.t(`field-${ranged}`), low: shown(t, ranged, range.low), high: shown(t, ranged, range.high) }),
      buttons: [pick(range.low), pick(range.high)],
    });
    return { state: s, replies: compact(replies) };
  }
  const progressed = taken > 0 || heard.declined.length > 0 || replies.length > 0;
  if (!progressed) {
    const example = asking ? t.t(`ex-${asking}`) : t.t('ex-loanAmount');
    const hint = asking && t.has(`hint-${asking}`) ? t.t(`hint-${asking}`) : CHOICES[asking as ChatField] ? t.t('choose-or-type', { example }) : '';
    replies.push({ text: `${t.t('not-understood')} ${hint}`.trim() });
  }
  return proceed(s, t, replies);
}

function startApplication(s: ChatState): ChatState {
  return {
    ...newConversation(s.language, { files: s.files }),
    phase: 'collecting',
    round: s.round + 1,
    ...(s.lastApplicationId ? { lastApplicationId: s.lastApplicationId } : {}),
  };
}

/**
 * One step of the conversation.
 *
 * @example
 * const turn = step(newConversation('en'), { kind: 'text', text: "I'd like 12k over 3 years for my cards" });
 * turn.state.answers.loanAmount // 12000
 */
export function step(previous: ChatState, input: ChatInput): Turn {
  const turn = stepRaw(previous, input);
  return { ...turn, replies: compact(turn.replies) };
}

function stepRaw(previous: ChatState, input: ChatInput): Turn {
  const s: ChatState = structuredClone(previous);
  const t = translator(s.language);
  switch (input.kind) {
    case 'greet': {
      const replies: Reply[] = [{ text: t.t('intro') }];
      if (s.phase === 'idle' || s.phase === 'decided') {
        const fresh = startApplication(s);
        return proceed(fresh, t, replies);
      }
      replies.push({ text: t.t('intro-resume') });
      return repeat(s, t, replies);
    }
    case 'start': {
      const fresh = startApplication(s);
      return proceed(fresh, t, [{ text: t.t('start-applying') }]);
    }
    case 'cancel':
      return { state: { ...newConversation(s.language, { files: s.files }), round: s.round }, replies: [{ text: t.t('cancelled') }] };
    case 'language': {
      if (!input.language) {
        return {
          state: s,
          replies: [
            {
              text: t.t('language-choose'),
              buttons: [
                { id: 'lang:en', label: t.t('button-english') },
                { id: 'lang:es', label: t.t('button-spanish') },
              ],
            },
          ],
        };
      }
      s.language = input.language;
      const tt = translator(input.language);
      return repeat(s, tt, [{ text: tt.t('language-changed') }]);
    }
    case 'back': {
      const last = s.history.at(-1);
      if (!last || (s.phase !== 'collecting' && s.phase !== 'confirm')) return { state: s, replies: [{ text: t.t('nothing-to-undo') }] };
      const field = last.field as ChatField;
      s.history = s.history.slice(0, -1);
      s.declined = s.declined.filter((d) => d !== field);
      // Undoing a correction puts the earlier answer back; undoing a first answer asks again.
      if (last.previous !== undefined) {
        s.answers[field] = last.previous;
        return proceed(s, t, [{ text: t.t('changed', { list: `${t.t(`field-${field}`)}: ${shown(t, field, last.previous)}` }) }]);
      }
      delete s.answers[field];
      s.phase = 'collecting';
      return proceed(s, t, [{ text: t.t('undone', { field: t.t(`field-${field}`) }) }]);
    }
    case 'help':
      return repeat(s, t, [{ text: t.t('help-chat') }]);
    case 'unknown-command':
      return repeat(s, t, [{ text: t.t('unknown-command') }]);
    case 'media':
      return repeat(s, t, [{ text: t.t('media-repeat') }]);
    case 'file':
      return repeat(s, t, [{ text: t.t('file-unexpected') }]);
    case 'text':
      return onText(s, t, input.text);
    case 'button':
      return onButton(s, t, input.id);
  }
}

/** Says `replies`, then asks the question on screen again (or the idle hint). */
function repeat(s: ChatState, t: Translator, replies: Reply[]): Turn {
  if (s.phase === 'idle' || s.phase === 'decided') return { state: s, replies: [...replies, { text: t.t('idle-hint') }] };
  if (s.phase === 'collecting' && !s.asking) return proceed(s, t, replies);
  if (s.phase === 'collecting' || s.phase === 'alt') return { state: s, replies: [...replies, question(s, t)] };
  return proceed(s, t, replies);
}

function onText(s: ChatState, t: Translator, text: string): Turn {
  switch (s.phase) {
    case 'idle':
    case 'decided': {
      // Someone who opens with what they need starts an application with it.
      const heard = understand(text, s.language);
      if (Object.keys(heard.values).length === 0 && heard.foreignCurrency.length === 0) return { state: s, replies: [{ text: t.t('idle-hint') }] };
      return understandText(startApplication(s), t, text);
    }
    case 'collecting':
      return understandText(s, t, text);
    case 'confirm':
      if (YES.test(text)) return onButton(s, t, 'confirm');
      return understandText(s, t, text);
    case 'evidence':
      if (NONE.test(text) || SKIP.test(text)) return onButton(s, t, 'evidence:skip');
      return { state: s, replies: [{ text: t.t('not-understood') }, evidenceOffer(s, t)] };
    case 'statement':
      if (NONE.test(text) || SKIP.test(text)) return onButton(s, t, 'evidence:skip');
      return { state: s, replies: [{ text: t.t('evidence-file-waiting'), buttons: [{ id: 'evidence:skip', label: t.t('button-evidence-skip') }] }] };
    case 'alt': {
      const field = s.asking as AltField;
      if (SKIP.test(text)) return onButton(s, t, `alt-skip:${field}`);
      const number = NONE.test(text) ? 0 : parseAmount(text, s.language);
      const checked = number === undefined ? undefined : checkField(field, number);
      if (!checked?.ok) {
        const problem = checked ? ruleText(t, field, checked.rule) : t.t('not-understood');
        return { state: s, replies: [{ text: problem }, question(s, t)] };
      }
      s.alternative = { ...s.alternative, [field]: checked.value };
      return proceed(s, t, []);
    }
  }
}

function onButton(s: ChatState, t: Translator, id: string): Turn {
  const stale = (): Turn => ({ state: s, replies: [], toast: t.t('stale-button') });
  const [kind, arg, value] = id.split(':');
  if (kind === 'lang' && (arg === 'en' || arg === 'es')) return step(s, { kind: 'language', language: arg });
  if (kind === 'counter' && arg) return { state: s, replies: [], action: { kind: 'counter', applicationId: id.slice('counter:'.length) } };
  switch (kind) {
    case 'set': {
      const field = arg as ChatField;
      const choice = CHOICES[field]?.choices.find((c) => String(c.value) === value);
      // Only the question on screen: an old keyboard must not change an answer unseen.
      if (!choice || s.phase !== 'collecting' || s.asking !== field) return stale();
      take(s, t, { [field]: choice.value }, []);
      return { ...proceed(s, t, []), picked: t.t(choice.label, choice.args) };
    }
    case 'pick': {
      const field = arg as ChatField;
      const picked = Number(value);
      if (s.phase !== 'collecting' || s.asking !== field || !Number.isFinite(picked)) return stale();
      const replies: Reply[] = [];
      take(s, t, { [field]: picked }, replies);
      return { ...proceed(s, t, replies), picked: shown(t, field, picked) };
    }
    case 'skip': {
      const field = arg as ChatField;
      if (!OPTIONAL_FIELDS.has(field) || s.phase !== 'collecting') return stale();
      decline(s, t, field, []);
      return { ...proceed(s, t, []), picked: t.t('button-skip') };
    }
    case 'none': {
      if (s.phase !== 'collecting' || s.asking !== 'record') return stale();
      take(s, t, Object.fromEntries(RECORD_FIELDS.map((f) => [f, 0])), []);
      return { ...proceed(s, t, []), picked: t.t('button-none-of-these') };
    }
    case 'confirm': {
      if (s.phase !== 'confirm') return s.phase === 'decided' ? { state: s, replies: [{ text: t.t('already-decided') }] } : stale();
      const alternative = s.alternative && Object.keys(s.alternative).length ? { alternativeData: s.alternative } : {};
      const parsed = ApplicantSchema.safeParse({ ...s.answers, ...alternative });
      if (!parsed.success) {
        // Cannot happen through this engine (every answer was checked); say so plainly if it does.
        s.phase = 'collecting';
        return proceed(s, t, [{ text: t.t('error-ours') }]);
      }
      return { state: s, replies: [], picked: t.t('button-confirm'), action: { kind: 'decide', applicant: parsed.data, round: s.round } };
    }
    case 'restart': {
      if (s.phase !== 'confirm') return stale();
      return { ...proceed(startApplication(s), t, []), picked: t.t('button-restart') };
    }
    case 'evidence': {
      if (arg === undefined) {
        if (s.phase !== 'confirm') return stale();
        s.phase = 'evidence';
        return { ...proceed(s, t, []), picked: t.t('button-evidence') };
      }
      if ((s.phase !== 'evidence' && s.phase !== 'statement') || (arg === 'file' && !s.files)) return stale();
      const label = { file: 'button-evidence-file', questions: 'button-evidence-questions', skip: 'button-evidence-skip' }[arg];
      if (!label) return stale();
      if (arg === 'skip') {
        s.phase = 'confirm';
        delete s.alternative;
      } else if (arg === 'file') s.phase = 'statement';
      else {
        s.phase = 'alt';
        s.alternative = {};
        s.asking = ALT_FIELDS[0];
        return { state: s, replies: [question(s, t)], picked: t.t(label) };
      }
      return { ...proceed(s, t, []), picked: t.t(label) };
    }
    case 'alt-skip': {
      if (s.phase !== 'alt' || s.asking !== arg) return stale();
      return { ...proceed(s, t, []), picked: t.t('button-skip') };
    }
    default:
      return stale();
  }
}

/** What the service learnt from a statement the person sent. */
export type StatementOutcome =
  | { ok: true; statementId: string; months: number; incomeMonths: number; monthlySpending: number; overdrawnDays: number }
  | { ok: false; reason: 'too-large'; megabytes: number }
  | { ok: false; reason: 'download-failed' }
  | { ok: false; reason: 'refused'; rules: string[] };

/**
 * After the service has read (or failed to read) a statement file: back to the summary, or why not.
 *
 * @example afterStatement(state, { ok: false, reason: 'download-failed' })
 */
export function afterStatement(previous: ChatState, outcome: StatementOutcome): Turn {
  const s = structuredClone(previous);
  const t = translator(s.language);
  const skip = { buttons: [{ id: 'evidence:skip', label: t.t('button-evidence-skip') }] };
  if (!outcome.ok) {
    if (outcome.reason === 'too-large') return { state: s, replies: [{ text: t.t('evidence-file-too-large', { megabytes: outcome.megabytes }), ...skip }] };
    if (outcome.reason === 'download-failed') return { state: s, replies: [{ text: t.t('evidence-file-download-failed'), ...skip }] };
    return { state: s, replies: [{ text: t.t('evidence-file-refused', { rules: outcome.rules.join('; ') }), ...skip }] };
  }
  s.alternative = { statementId: outcome.statementId };
  s.statementMonths = outcome.months;
  s.phase = 'confirm';
  const read = t.t('evidence-file-read', {
    months: outcome.months,
    incomeMonths: outcome.incomeMonths,
    spending: t.money(Math.round(outcome.monthlySpending)),
    overdrawnDays: outcome.overdrawnDays,
  });
  return proceed(s, t, [{ text: read }]);
}

/** The parts of a decision the conversation shows (the /v1/score answer carries more). */
export interface ShownDecision {
  applicationId: string;
  applicant: Applicant;
  assessment: {
    decision: 'approve' | 'refer' | 'decline';
    pd: number;
    score: number;
    riskBand: string;
    reasons: { code: string; text: string }[];
    offer: {
      available: boolean;
      apr: number | null;
      monthlyPayment: number | null;
      totalRepayable: number | null;
      counterOffer: { amount: number; termMonths: number; apr: number; monthlyPayment: number } | null;
    };
    behaviour: { source: string; signals: { code: string; direction: 'raised' | 'lowered'; text: string }[] } | null;
    thinFile: boolean;
    notices: string[];
  };
  /** The whole /v1/score answer, kept for the web chat. */
  answer: Record<string, unknown>;
}

/** Notices come from the scorer in English; each is one of these, told by how it starts. */
const NOTICE_IDS: [string, string][] = [
  ['Thin credit file: the decision leans', 'notice-thin-evidence'],
  ['Thin credit file', 'notice-thin'],
  ['The bank-account answers given were not enough', 'notice-evidence-unused'],
  ['Bank-account evidence (from a statement)', 'notice-evidence-statement'],
  ['Bank-account evidence (from your answers)', 'notice-evidence-answers'],
  ['Some optional answers were not given', 'notice-missing'],
];

/** The decision in the person's language. */
export function decisionText(t: Translator, d: ShownDecision): string {
  const a = d.assessment;
  const pct = (v: number) => t.percent(v);
  // Prices as quoted, to the basis point (7.44%), risk to a tenth.
  const apr = (v: number) => t.percent(v, 2);
  const lines = [t.t(`decision-${a.decision}`), t.t('decision-score', { score: a.score, band: a.riskBand, pd: pct(a.pd) })];
  const { apr: aprValue, monthlyPayment, totalRepayable } = a.offer;
  if (a.offer.available && aprValue !== null && monthlyPayment !== null && totalRepayable !== null) {
    lines.push(
      t.t(a.decision === 'approve' ? 'decision-offer' : 'decision-offer-indicative', {
        amount: t.money(d.applicant.loanAmount),
        months: d.applicant.termMonths,
        apr: apr(aprValue),
        payment: t.money(monthlyPayment),
        total: t.money(totalRepayable),
      }),
    );
  }
  if (a.reasons.length) {
    lines.push('', t.t(a.decision === 'approve' ? 'decision-reasons-approve' : 'decision-reasons'));
    for (const r of a.reasons) lines.push(`• ${t.has(`reason-${r.code}`) ? t.t(`reason-${r.code}`) : r.text}`);
  }
  if (a.behaviour?.signals.length) {
    lines.push('', t.t('decision-bank'));
    for (const g of a.behaviour.signals)
      lines.push(`• ${t.has(`signal-${g.code}`) ? t.t('signal', { signal: t.t(`signal-${g.code}`), direction: g.direction }) : g.text}`);
  }
  for (const notice of a.notices) {
    const id = NOTICE_IDS.find(([start]) => notice.startsWith(start))?.[1];
    lines.push('', `ℹ️ ${id ? t.t(id) : notice}`);
  }
  const c = a.offer.counterOffer;
  if (c) lines.push('', t.t('decision-counter', { amount: t.money(c.amount), months: c.termMonths, apr: apr(c.apr), payment: t.money(c.monthlyPayment) }));
  return lines.join('\n');
}

/** The decision's reply, with its counter-offer button when there is one. */
function decisionReply(t: Translator, d: ShownDecision): Reply {
  const c = d.assessment.offer.counterOffer;
  return {
    text: decisionText(t, d),
    ...(c ? { buttons: [{ id: `counter:${d.applicationId}`, label: t.t('button-counter', { amount: t.money(c.amount), months: c.termMonths }) }] } : {}),
  };
}

export type DecisionOutcome = { ok: true; decision: ShownDecision } | { ok: false; rules: string[] };

/**
 * After the service has decided (or refused part of the application).
 *
 * @example afterDecision(state, { ok: true, decision })
 */
export function afterDecision(previous: ChatState, outcome: DecisionOutcome): Turn {
  const s = structuredClone(previous);
  const t = translator(s.language);
  if (!outcome.ok) {
    s.phase = 'confirm';
    delete s.alternative;
    return proceed(s, t, [{ text: t.t('decision-refused', { rules: outcome.rules.join('; ') }) }]);
  }
  const d = outcome.decision;
  s.phase = 'decided';
  s.asking = undefined;
  s.lastApplicationId = d.applicationId;
  s.decision = d.answer;
  return { state: s, replies: [decisionReply(t, d)] };
}

export type CounterOutcome = { ok: true; alreadyAccepted: boolean; decision: ShownDecision } | { ok: false };

/**
 * After a counter-offer button: the new decision once; a second press books nothing.
 *
 * @example afterCounter(state, { ok: false })
 */
export function afterCounter(previous: ChatState, outcome: CounterOutcome): Turn {
  const s = structuredClone(previous);
  const t = translator(s.language);
  if (!outcome.ok) return { state: s, replies: [], toast: t.t('counter-closed') };
  const d = outcome.decision;
  if (outcome.alreadyAccepted)
    return { state: s, replies: [{ text: t.t('counter-already', { id: d.applicationId }) }], toast: t.t('counter-already', { id: d.applicationId }) };
  s.phase = 'decided';
  s.answers = { ...s.answers, loanAmount: d.applicant.loanAmount, termMonths: d.applicant.termMonths };
  s.lastApplicationId = d.applicationId;
  s.decision = d.answer;
  return { state: s, replies: [decisionReply(t, d)], toast: t.t('counter-accepted'), picked: t.t('counter-accepted') };
}

/**
 * The question on screen again (a web chat's GET, a resumed Telegram chat).
 *
 * @example current(state).replies[0].text
 */
export function current(state: ChatState): Turn {
  const s = structuredClone(state);
  const t = translator(s.language);
  if (s.phase === 'decided' && s.decision) return { state: s, replies: [] };
  return repeat(s, t, []);
}
