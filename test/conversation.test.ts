import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FluentResource } from '@fluent/bundle';
import { readFileSync } from 'node:fs';
import { ApplicantSchema } from '../src/applicant/schema.ts';
import { ChatStateSchema, newConversation, step, type ChatState, type Turn } from '../src/conversation/engine.ts';
import { translator, type Language } from '../src/conversation/i18n.ts';
import { localesModule } from '../scripts/build-locales.ts';
import { OPENINGS } from './fixtures/openings.ts';

/**
 * The conversation engine without any channel: free text fills the form, typed answers work for
 * button questions, bad answers get our own sentences, and the state always stays valid.
 */

const say = (s: ChatState, text: string) => step(s, { kind: 'text', text });
const press = (s: ChatState, id: string) => step(s, { kind: 'button', id });
const texts = (turn: Turn) => turn.replies.map((r) => r.text).join('\n');
/** Library wording that must never reach a person. */
const LIBRARY_WORDS = /Invalid input|expected (int|number|string)|Too (big|small)|received|ZodError|NaN|undefined|\[object/;

/** What a person would answer to each question, typed or pressed (the first button when one fits). */
const TYPICAL_EN: Record<string, { text?: string; button?: string }> = {
  loanAmount: { text: '10k' },
  termMonths: { button: 'set:termMonths:36' },
  purpose: { button: 'set:purpose:debt_consolidation' },
  annualIncome: { text: '60,000' },
  employmentYears: { button: 'set:employmentYears:4' },
  homeOwnership: { button: 'set:homeOwnership:RENT' },
  monthlyDebtPayments: { text: '300' },
  ficoScore: { text: '700' },
  record: { button: 'none:record' },
  delinquencies2y: { text: '0' },
  inquiries6m: { text: '1' },
  publicRecords: { text: '0' },
  revolvingUtilisation: { text: '30%' },
  openAccounts: { text: '6' },
};
/** The same answers, as a Spanish speaker types the amounts. */
const TYPICAL: Record<Language, Record<string, { text?: string; button?: string }>> = {
  en: TYPICAL_EN,
  es: { ...TYPICAL_EN, loanAmount: { text: '10 mil' }, annualIncome: { text: '60.000' } },
};

/** Drives a conversation from an opening to the decide action; counts the person's messages. */
function toDecision(language: Language, opening: string): { messages: number; turn: Turn } {
  let turn = say(newConversation(language), opening);
  let messages = 1;
  for (let guard = 0; guard < 40 && !turn.action; guard++) {
    const s = turn.state;
    if (s.phase === 'confirm') turn = press(s, 'confirm');
    else {
      const answer = TYPICAL[language][s.asking ?? ''];
      if (!answer) throw new Error(`no typical answer for ${s.phase}/${s.asking}`);
      turn = answer.button ? press(s, answer.button) : say(s, answer.text!);
    }
    messages += 1;
  }
  return { messages, turn };
}

describe('conversation engine', () => {
  it('fills several fields from one opening and asks only for what is missing', () => {
    const turn = say(newConversation('en'), "I'd like 12k over 3 years to pay off my cards, I make about 55k and rent");
    expect(turn.state.answers).toMatchObject({ loanAmount: 12_000, termMonths: 36, purpose: 'credit_card', annualIncome: 55_000, homeOwnership: 'RENT' });
    expect(turn.state.phase).toBe('collecting');
    expect(turn.state.asking).toBe('employmentYears');
    expect(texts(turn)).toContain('Got it');
    expect(texts(turn)).toContain('$12,000');
  });

  it('reaches a decision in far fewer messages than the 13-step form (openings table, both languages)', () => {
    const counts = OPENINGS.map((o) => toDecision(o.language, o.text).messages);
    for (const o of OPENINGS) {
      const { turn } = toDecision(o.language, o.text);
      expect(turn.action?.kind, o.text).toBe('decide');
      if (turn.action?.kind === 'decide') expect(ApplicantSchema.safeParse(turn.action.applicant).success).toBe(true);
    }
    const sorted = [...counts].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    console.log(`messages to a decision over ${OPENINGS.length} openings: median ${median}, min ${sorted[0]}, max ${sorted.at(-1)} (the old form: 17+)`);
    // The old bot needed 13 answers + an evidence choice + confirm (+ /apply): 17 actions at least.
    expect(median).toBeLessThanOrEqual(9);
  });

  it('takes typed answers to button questions, and says when a term is not offered', () => {
    let s = say(newConversation('en'), 'I need 8000 for a car').state;
    expect(s.asking).toBe('termMonths');
    const wrong = say(s, '2 years');
    expect(texts(wrong)).toContain('We lend over 3 or 5 years');
    expect(wrong.state.answers.termMonths).toBeUndefined();
    s = say(s, 'five years').state;
    expect(s.answers.termMonths).toBe(60);
    s = say(newConversation('en'), 'I need 8000 for a car').state;
    expect(say(s, '3 years').state.answers.termMonths).toBe(36);
  });

  it('explains an out-of-range amount in our own words', () => {
    const s = step(newConversation('en'), { kind: 'start' }).state;
    const turn = say(s, '45k');
    expect(texts(turn)).toContain('Amount must be between $500 and $40,000.');
    expect(texts(turn)).not.toMatch(LIBRARY_WORDS);
    expect(turn.state.answers.loanAmount).toBeUndefined();
    expect(turn.state.asking).toBe('loanAmount');
  });

  it('refuses another currency with a clear sentence and never converts it', () => {
    const turn = say(newConversation('en'), 'I want to borrow £7,500 for a wedding');
    expect(texts(turn)).toContain('We lend in US dollars only');
    expect(texts(turn)).toContain('£7,500');
    expect(turn.state.answers.loanAmount).toBeUndefined();
    expect(turn.state.answers.purpose).toBe('wedding');
    const es = say(newConversation('es'), 'Necesito 5.000 euros para la boda');
    expect(texts(es)).toContain('dólares estadounidenses');
    expect(es.state.answers.loanAmount).toBeUndefined();
  });

  it('changes an answer from a correction in free text, at the summary too', () => {
    const { turn } = toDecision('en', 'I want 10k over 3 years for a car, I earn 50k and rent');
    const confirm = turn.state;
    expect(confirm.phase).toBe('confirm');
    const corrected = say(confirm, 'actually my income is 60k');
    expect(corrected.state.answers.annualIncome).toBe(60_000);
    expect(texts(corrected)).toContain('Changed');
    expect(corrected.state.phase).toBe('confirm');
    expect(corrected.replies.at(-1)?.buttons?.map((b) => b.id)).toContain('confirm');
  });

  it('undoes the last answer with back, and cancels', () => {
    let s = say(newConversation('en'), '12k for a car').state;
    s = press(s, 'set:termMonths:60').state;
    expect(s.answers.termMonths).toBe(60);
    const back = step(s, { kind: 'back' });
    expect(back.state.answers.termMonths).toBeUndefined();
    expect(back.state.asking).toBe('termMonths');
    const cancelled = step(back.state, { kind: 'cancel' });
    expect(cancelled.state.phase).toBe('idle');
    expect(cancelled.state.answers).toEqual({});
  });

  it('ignores a button from an earlier question with a short note', () => {
    const s = say(newConversation('en'), '12k over 3 years for a car').state;
    const turn = press(s, 'confirm');
    expect(turn.replies).toHaveLength(0);
    expect(turn.toast).toBe('That button is no longer active.');
    expect(turn.action).toBeUndefined();
  });

  it('repeats the question after a photo, and after a file it was not expecting', () => {
    const s = say(newConversation('en'), '12k for a car').state;
    for (const kind of ['media', 'file'] as const) {
      const turn = step(s, { kind });
      expect(turn.replies.at(-1)?.text).toContain('Over how long would you like to repay?');
    }
  });

  it('speaks Spanish end to end, with money in the Spanish format', () => {
    const { turn, messages } = toDecision('es', 'Quiero 12 mil a 3 años para pagar mis tarjetas, gano unos 55 mil al año y alquilo');
    expect(messages).toBeLessThanOrEqual(9);
    const summary = texts(turn) || '';
    expect(turn.action?.kind).toBe('decide');
    const first = say(newConversation('es'), 'Quiero 12 mil a 3 años para pagar mis tarjetas, gano unos 55 mil al año y alquilo');
    expect(texts(first)).toContain('12.000');
    expect(texts(first)).toMatch(/US\$/);
    expect(texts(first)).not.toMatch(/\b(the|your|Got it|How)\b/);
    expect(summary).not.toMatch(LIBRARY_WORDS);
  });

  it('switches language with the language input and keeps the answers', () => {
    const s = say(newConversation('en'), '12k for a car').state;
    const turn = step(s, { kind: 'language', language: 'es' });
    expect(turn.state.language).toBe('es');
    expect(turn.state.answers.loanAmount).toBe(12_000);
    expect(texts(turn)).toContain('¿');
  });

  it('never throws, never stores an invalid answer, never shows library wording (random and extreme input)', () => {
    const inputs = fc.oneof(
      fc.string({ maxLength: 200 }).map((text) => ({ kind: 'text' as const, text })),
      fc
        .constantFrom('1e308', '-5k', 'NaN', '0', '', ' ', '9'.repeat(400), '$-1', '€0', '150,000', '1.5m', 'twelve', 'none', 'skip', 'yes', 'no')
        .map((text) => ({ kind: 'text' as const, text })),
      fc
        .constantFrom(
          'set:termMonths:36',
          'set:termMonths:24',
          'set:purpose:car',
          'set:purpose:__proto__',
          'skip:ficoScore',
          'skip:monthlyDebtPayments',
          'none:record',
          'confirm',
          'restart',
          'evidence',
          'evidence:questions',
          'evidence:file',
          'evidence:skip',
          'alt-skip:monthlySpending',
          'counter:00000000-0000-0000-0000-000000000000',
          'lang:es',
          '::',
          '',
        )
        .map((id) => ({ kind: 'button' as const, id })),
      fc.constantFrom(
        { kind: 'back' as const },
        { kind: 'cancel' as const },
        { kind: 'start' as const },
        { kind: 'greet' as const },
        { kind: 'media' as const },
      ),
    );
    fc.assert(
      fc.property(fc.constantFrom<Language>('en', 'es'), fc.array(inputs, { maxLength: 25 }), (language, sequence) => {
        let s = newConversation(language);
        for (const input of sequence) {
          const turn = step(s, input);
          s = ChatStateSchema.parse(turn.state);
          for (const [field, value] of Object.entries(s.answers)) expect(ApplicantSchema.shape[field as 'loanAmount'].safeParse(value).success).toBe(true);
          expect(texts(turn)).not.toMatch(LIBRARY_WORDS);
          if (turn.action?.kind === 'decide') expect(ApplicantSchema.safeParse(turn.action.applicant).success).toBe(true);
        }
      }),
      { numRuns: 300, seed: 13 },
    );
  });
});

describe('conversation languages', () => {
  const ids = (language: string) =>
    new FluentResource(readFileSync(new URL(`../src/conversation/locales/${language}.ftl`, import.meta.url), 'utf8')).body.map((m) => m.id).sort();

  it('has every English message in Spanish and nothing else', () => {
    expect(ids('es')).toEqual(ids('en'));
  });

  it('ships the .ftl files as they are (npm run build:locales)', () => {
    expect(readFileSync(new URL('../src/conversation/locales.generated.ts', import.meta.url), 'utf8')).toBe(localesModule());
  });

  it('formats money and numbers for the locale', () => {
    expect(translator('en').money(12_000)).toBe('$12,000');
    expect(translator('es').money(12_000)).toMatch(/^12\.000\s?US\$$/);
    expect(translator('es').list(['a', 'b', 'c'])).toBe('a, b y c');
  });
});

describe('answers that mention other things', () => {
  it('fill what is missing but change an earlier answer only when they say so', () => {
    let s = say(newConversation('en'), 'I need 10k over 3 years to consolidate debts, I earn 60k and rent').state;
    s = press(s, 'set:employmentYears:4').state;
    s = say(s, '200').state;
    s = say(s, '700').state;
    s = press(s, 'none:record').state;
    s = say(s, '20%').state;
    expect(s.asking).toBe('openAccounts');
    const answered = say(s, 'I have 2 cards and a car loan').state;
    expect(answered.answers.purpose).toBe('debt_consolidation');
    const corrected = say(s, 'sorry, the loan is actually for a car');
    expect(corrected.state.answers.purpose).toBe('car');
  });
});

describe('what a fresh-eyes probe found', () => {
  /** A conversation at the summary, from one opening. */
  const atSummary = () => toDecision('en', 'I want 10k over 3 years for a car, I earn 40k and rent').turn.state;

  it('"make it 12k" at the summary changes the amount, and /back puts the earlier amount back', () => {
    const s = atSummary();
    expect(s.phase).toBe('confirm');
    const made = say(s, 'make it 12k');
    expect(made.state.answers).toMatchObject({ loanAmount: 12_000, annualIncome: 40_000 });
    expect(texts(made)).toContain('Changed: Amount: $12,000.');
    const back = step(made.state, { kind: 'back' });
    expect(back.state.answers).toMatchObject({ loanAmount: 10_000, annualIncome: 40_000 });
    expect(back.state.phase).toBe('confirm');
  });

  it('reads not working as "not employed" (left out), never as under a year in a job', () => {
    for (const [language, text] of [
      ['en', "I'm retired"],
      ['en', 'no job'],
      ['en', 'not employed'],
      ['es', 'estoy jubilado'],
      ['es', 'desempleado'],
    ] as const) {
      const s = say(newConversation(language), 'I need 8k over 3 years for a car, I earn 30k and rent').state;
      expect(s.asking).toBe('employmentYears');
      const turn = say(s, text);
      expect(turn.state.answers.employmentYears, text).toBeUndefined();
      expect(turn.state.declined, text).toContain('employmentYears');
      expect(turn.state.asking, text).toBe('monthlyDebtPayments');
    }
  });

  it('asks which end of a range to use, and takes the one pressed', () => {
    const turn = say(newConversation('en'), 'I need 10-12k for a car');
    expect(turn.state.answers.loanAmount).toBeUndefined();
    expect(turn.state.answers.purpose).toBe('car');
    const ask = turn.replies.at(-1)!;
    expect(ask.text).toContain('You gave a range for Amount: $10,000 to $12,000.');
    expect(ask.buttons?.map((b) => b.id)).toEqual(['pick:loanAmount:10000', 'pick:loanAmount:12000']);
    const picked = press(turn.state, 'pick:loanAmount:12000');
    expect(picked.state.answers.loanAmount).toBe(12_000);
    expect(picked.picked).toBe('$12,000');
    expect(say(picked.state, 'over 3 years').state.answers.termMonths).toBe(36);
    const es = say(newConversation('es'), 'necesito entre 5 y 7 mil para un auto');
    expect(es.replies.at(-1)!.buttons?.map((b) => b.id)).toEqual(['pick:loanAmount:5000', 'pick:loanAmount:7000']);
  });

  it('takes a button only for the question on screen', () => {
    const s = say(newConversation('en'), '12k for a car').state;
    expect(s.asking).toBe('termMonths');
    const unseen = press(s, 'set:employmentYears:10');
    expect(unseen.toast).toBe('That button is no longer active.');
    expect(unseen.state.answers.employmentYears).toBeUndefined();
    const summary = atSummary();
    const old = press(summary, 'set:termMonths:60');
    expect(old.state.answers.termMonths).toBe(36);
    expect(old.toast).toBe('That button is no longer active.');
  });

  it('says when a correction changes nothing, and when a required answer cannot be skipped', () => {
    const s = atSummary();
    expect(texts(say(s, 'I meant 36 months'))).toContain('That is what I have already — Term: 3 years (36 months).');
    const fico = say(newConversation('en'), 'I need 10k over 3 years for a car, I earn 50k and rent');
    let state = press(fico.state, 'set:employmentYears:4').state;
    state = say(state, 'none').state;
    expect(state.asking).toBe('ficoScore');
    expect(texts(say(state, 'my score is good'))).toContain('I need the number itself, between 300 and 850');
    expect(texts(say(state, 'rather not say'))).toContain('I need this one to make a decision: Credit score cannot be skipped.');
  });

  it('"late twice, nothing else" answers the whole credit record', () => {
    let s = say(newConversation('en'), 'I need 10k over 3 years for a car, I earn 50k and rent').state;
    s = press(s, 'set:employmentYears:4').state;
    s = say(s, 'none').state;
    s = say(s, '700').state;
    expect(s.asking).toBe('record');
    const turn = say(s, 'late twice, nothing else');
    expect(turn.state.answers).toMatchObject({ delinquencies2y: 2, inquiries6m: 0, publicRecords: 0 });
    expect(turn.state.asking).toBe('revolvingUtilisation');
  });
});
