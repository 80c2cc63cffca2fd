import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApplicantSchema, HOME_OWNERSHIP, LOAN_PURPOSES } from '../src/applicant/schema.ts';
import { type ChatField, type Language, parseAmount, understand } from '../src/conversation/understand.ts';
import { OPENINGS } from './fixtures/openings.ts';

type Values = Partial<Record<ChatField, number | string>>;
const read = (text: string, language: Language = 'en', expecting?: ChatField) => understand(text, language, expecting);

/** At most this many messages may give any one field a wrong value (a different value, or a value the message does not state). */
const WRONG_PER_FIELD = 2;

describe('opening messages', () => {
  it('has at least 40 messages, 15 of them in Spanish', () => {
    expect(OPENINGS.length).toBeGreaterThanOrEqual(40);
    expect(OPENINGS.filter((o) => o.language === 'es').length).toBeGreaterThanOrEqual(15);
  });

  it('fills at least 90% of the stated fields correctly, and no field is often wrong', () => {
    const tally = { en: { right: 0, all: 0 }, es: { right: 0, all: 0 } };
    const wrong = new Map<string, string[]>();
    const misses: string[] = [];
    for (const o of OPENINGS) {
      const { values } = read(o.text, o.language);
      for (const [field, want] of Object.entries(o.expect)) {
        tally[o.language].all++;
        const got = values[field as ChatField];
        if (got === want) tally[o.language].right++;
        else {
          misses.push(`${field}: ${JSON.stringify(got)} for ${JSON.stringify(want)} in "${o.text}"`);
          if (got !== undefined) wrong.set(field, [...(wrong.get(field) ?? []), o.text]);
        }
      }
      for (const field of Object.keys(values)) {
        if (!(field in o.expect)) {
          misses.push(`${field}: ${JSON.stringify(values[field as ChatField])}, not stated in "${o.text}"`);
          wrong.set(field, [...(wrong.get(field) ?? []), o.text]);
        }
      }
    }
    const pct = (r: number, a: number) => `${((100 * r) / a).toFixed(1)}% (${r}/${a})`;
    const right = tally.en.right + tally.es.right;
    const all = tally.en.all + tally.es.all;
    console.log(
      `understand: field accuracy ${pct(right, all)}; en ${pct(tally.en.right, tally.en.all)}; es ${pct(tally.es.right, tally.es.all)}; ${OPENINGS.length} messages`,
    );
    if (misses.length > 0) console.log(`understand misses:\n  ${misses.join('\n  ')}`);
    expect(right / all).toBeGreaterThanOrEqual(0.9);
    expect(tally.es.right / tally.es.all).toBeGreaterThanOrEqual(0.9);
    for (const [field, texts] of wrong) expect(texts.length, `${field} wrong in: ${texts.join(' | ')}`).toBeLessThanOrEqual(WRONG_PER_FIELD);
  });

  it('refuses every foreign currency and never takes it as dollars', () => {
    for (const o of OPENINGS) {
      const u = read(o.text, o.language);
      expect(u.foreignCurrency.map((f) => f.currency).sort(), o.text).toEqual([...(o.foreign ?? [])].sort());
      for (const f of u.foreignCurrency) if (f.field) expect(u.values[f.field], o.text).toBeUndefined();
    }
  });

  it('gives values of the schema’s kinds', () => {
    for (const o of OPENINGS) {
      const { values } = read(o.text, o.language);
      for (const [field, v] of Object.entries(values)) {
        if (field === 'purpose') expect(LOAN_PURPOSES).toContain(v);
        else if (field === 'homeOwnership') expect(HOME_OWNERSHIP).toContain(v);
        else expect(Number.isFinite(v), `${field} in ${o.text}`).toBe(true);
      }
    }
  });
});

describe('parseAmount', () => {
  it.each<[string, Language, number | undefined]>([
    ['12k', 'en', 12_000],
    ['12K', 'en', 12_000],
    ['1.2m', 'en', 1_200_000],
    ['2m', 'en', 2_000_000],
    ['12 grand', 'en', 12_000],
    ['12,000', 'en', 12_000],
    ['12,000', 'es', 12_000],
    ['12.000', 'es', 12_000],
    ['12.000', 'en', 12_000],
    ['12,5', 'es', 12.5],
    ['12.5', 'en', 12.5],
    ['1.234.567', 'es', 1_234_567],
    ['1,234.56', 'en', 1234.56],
    ['1.234,56', 'es', 1234.56],
    ['12 000', 'es', 12_000],
    ['$12.3k', 'en', 12_300],
    ['55 mil', 'es', 55_000],
    ['1,5 millones', 'es', 1_500_000],
    ['twelve thousand', 'en', 12_000],
    ['fifty-five thousand', 'en', 55_000],
    ['a hundred and fifty', 'en', 150],
    ['twelve hundred', 'en', 1_200],
    ['one million two hundred thousand', 'en', 1_200_000],
    ['doce mil', 'es', 12_000],
    ['cincuenta y cinco mil', 'es', 55_000],
    ['un millón', 'es', 1_000_000],
    ['mil quinientos', 'es', 1_500],
    ['veintiún mil', 'es', 21_000],
    ['ciento veinte mil', 'es', 120_000],
    ['medio millón', 'es', 500_000],
    ['about 700', 'en', 700],
    ['around $1,500', 'en', 1_500],
    ['roughly 12 thousand', 'en', 12_000],
    ['~700', 'en', 700],
    ['unos 700', 'es', 700],
    ['alrededor de 700', 'es', 700],
    ['aproximadamente 700', 'es', 700],
    ['35%', 'en', 35],
    // A minus against the number is kept (the engine reads savings with this too); a list dash is not a sign.
    ['-200', 'en', -200],
    ['-$200', 'en', -200],
    ['- 12k', 'en', 12_000],
    ['10-12k', 'en', 10],
    ['no idea', 'en', undefined],
    ['£7,500', 'en', undefined],
  ])('%s (%s) → %s', (text, language, want) => {
    expect(parseAmount(text, language)).toBe(want);
  });
});

describe('amounts and currencies in a message', () => {
  it.each<[string, Language, Values]>([
    ['I need 15 mil dólares', 'es', { loanAmount: 15_000 }],
    ['I need 10k USD', 'en', { loanAmount: 10_000 }],
    ['I need US$ 9,000', 'en', { loanAmount: 9_000 }],
    ['I want to borrow ten thousand bucks', 'en', { loanAmount: 10_000 }],
    ['necesito doce mil', 'es', { loanAmount: 12_000 }],
  ])('%s → %o', (text, language, want) => {
    expect(read(text, language).values).toEqual(want);
  });

  it.each<[string, Language, string, string]>([
    ['I want £7,500', 'en', 'GBP', '£7,500'],
    ['I need 2,000 pounds', 'en', 'GBP', '2,000 pounds'],
    ['necesito 12 mil euros', 'es', 'EUR', '12 mil euros'],
    ['necesito 9.000 €', 'es', 'EUR', '9.000 €'],
    ['I need €9,000', 'en', 'EUR', '€9,000'],
    ['quiero 2 mil libras', 'es', 'GBP', '2 mil libras'],
    ['need ¥800,000', 'en', 'JPY', '¥800,000'],
    ['quiero pedir 50.000 pesos', 'es', 'pesos', '50.000 pesos'],
    ['quiero 50.000 pesos mexicanos', 'es', 'MXN', '50.000 pesos mexicanos'],
    ['necesito MX$5,000', 'es', 'MXN', 'MX$5,000'],
    ['I need 20000 MXN', 'en', 'MXN', '20000 MXN'],
    ['I need C$5,000', 'en', 'CAD', 'C$5,000'],
    ['I need 5000 canadian dollars', 'en', 'CAD', '5000 canadian dollars'],
  ])('%s → refused as %s', (text, language, currency, quoted) => {
    const u = read(text, language);
    expect(u.values.loanAmount).toBeUndefined();
    expect(u.foreignCurrency).toEqual([{ field: 'loanAmount', currency, text: quoted }]);
  });

  it('reports the field of a foreign income, and takes the dollar amounts', () => {
    const u = read('I need $5,000 and I earn £32,000 a year', 'en');
    expect(u.values).toEqual({ loanAmount: 5_000 });
    expect(u.foreignCurrency).toEqual([{ field: 'annualIncome', currency: 'GBP', text: '£32,000' }]);
  });

  it('answers the expected field in a foreign currency as refused', () => {
    expect(read('£7,500', 'en', 'loanAmount').foreignCurrency).toEqual([{ field: 'loanAmount', currency: 'GBP', text: '£7,500' }]);
  });
});

/** Each row: text, language, expecting, and the values it must give (exactly). */
type Row = [string, Language, ChatField | undefined, Values];
const cases = (rows: Row[]) =>
  it.each(rows)('%s (%s, expecting %s) → %o', (text, language, expecting, want) => {
    expect(read(text, language, expecting).values).toEqual(want);
  });

describe('loan amount', () => {
  cases([
    ['I want to borrow 8k', 'en', undefined, { loanAmount: 8_000 }],
    ['a loan of $6,000', 'en', undefined, { loanAmount: 6_000 }],
    ['I need 4000', 'en', undefined, { loanAmount: 4_000 }],
    ["I'd like 12k", 'en', undefined, { loanAmount: 12_000 }],
    ['un préstamo de 7.500', 'es', undefined, { loanAmount: 7_500 }],
    ['quiero pedir 9 mil', 'es', undefined, { loanAmount: 9_000 }],
    ['necesito 3 mil', 'es', undefined, { loanAmount: 3_000 }],
  ]);
});

describe('term', () => {
  cases([
    ['10k over 3 years', 'en', undefined, { loanAmount: 10_000, termMonths: 36 }],
    ['36 months', 'en', undefined, { termMonths: 36 }],
    ['over five years', 'en', undefined, { termMonths: 60 }],
    ['a 3-year loan', 'en', undefined, { termMonths: 36 }],
    ['12k over 36m', 'en', undefined, { loanAmount: 12_000, termMonths: 36 }],
    ['pay it back over 2 years', 'en', undefined, { termMonths: 24 }],
    ['a 36 meses', 'es', undefined, { termMonths: 36 }],
    ['en 5 años', 'es', undefined, { termMonths: 60 }],
    ['a tres años', 'es', undefined, { termMonths: 36 }],
    ['tres años', 'es', 'termMonths', { termMonths: 36 }],
    ['2 years', 'en', 'termMonths', { termMonths: 24 }],
    ['5', 'en', 'termMonths', { termMonths: 60 }],
    ['60', 'en', 'termMonths', { termMonths: 60 }],
    ['three', 'en', 'termMonths', { termMonths: 36 }],
  ]);
});

describe('income', () => {
  cases([
    ['I make about 55k', 'en', undefined, { annualIncome: 55_000 }],
    ['I earn 72,000', 'en', undefined, { annualIncome: 72_000 }],
    ['my salary is 60k', 'en', undefined, { annualIncome: 60_000 }],
    ['income of 70k', 'en', undefined, { annualIncome: 70_000 }],
    ['55k a year', 'en', undefined, { annualIncome: 55_000 }],
    ['55k per year', 'en', undefined, { annualIncome: 55_000 }],
    ['55,000 annually', 'en', undefined, { annualIncome: 55_000 }],
    // A monthly income is ×12, weekly ×52, hourly ×2080.
    ['I earn 4k a month', 'en', undefined, { annualIncome: 48_000 }],
    ['I make $3,500 monthly', 'en', undefined, { annualIncome: 42_000 }],
    ['I make $800 a week', 'en', undefined, { annualIncome: 41_600 }],
    ['I make $20 an hour', 'en', undefined, { annualIncome: 41_600 }],
    ['gano 40 mil al año', 'es', undefined, { annualIncome: 40_000 }],
    ['gano 3.000 al mes', 'es', undefined, { annualIncome: 36_000 }],
    ['mis ingresos son de 2.500 dólares mensuales', 'es', undefined, { annualIncome: 30_000 }],
    ['mi sueldo es de 45 mil', 'es', undefined, { annualIncome: 45_000 }],
    ['4k a month', 'en', 'annualIncome', { annualIncome: 48_000 }],
  ]);
});

describe('monthly debt payments', () => {
  cases([
    ['I pay 300 a month on my car loan', 'en', undefined, { monthlyDebtPayments: 300 }],
    ['$450/month on student loans', 'en', undefined, { monthlyDebtPayments: 450 }],
    ['my debt payments are about 400', 'en', undefined, { monthlyDebtPayments: 400 }],
    ['no other debts', 'en', undefined, { monthlyDebtPayments: 0 }],
    ["I don't have any debts", 'en', undefined, { monthlyDebtPayments: 0 }],
    ['pago 300 al mes de deudas', 'es', undefined, { monthlyDebtPayments: 300 }],
    ['no tengo deudas', 'es', undefined, { monthlyDebtPayments: 0 }],
    ['$300 a month', 'en', 'monthlyDebtPayments', { monthlyDebtPayments: 300 }],
    // Several monthly debts add up; a correction does not.
    ['I pay 320/mo on a car note and 90/mo minimum on a card', 'en', undefined, { monthlyDebtPayments: 410 }],
    ['I pay 300 a month on my car, sorry, 350', 'en', undefined, { monthlyDebtPayments: 350 }],
    // Rent and mortgage are not debt payments in the schema.
    ['I pay $1,200 a month in rent', 'en', undefined, { homeOwnership: 'RENT' }],
  ]);
});

describe('FICO score', () => {
  cases([
    ['credit score 710', 'en', undefined, { ficoScore: 710 }],
    ['FICO 700', 'en', undefined, { ficoScore: 700 }],
    ['my score is about 680', 'en', undefined, { ficoScore: 680 }],
    ["my credit's around 690", 'en', undefined, { ficoScore: 690 }],
    ['720 FICO', 'en', undefined, { ficoScore: 720 }],
    ['puntaje de crédito 700', 'es', undefined, { ficoScore: 700 }],
    ['mi puntaje es de unos 650', 'es', undefined, { ficoScore: 650 }],
    ['about 700', 'en', 'ficoScore', { ficoScore: 700 }],
  ]);
});

describe('employment', () => {
  cases([
    ['worked there 4 years', 'en', undefined, { employmentYears: 4 }],
    ['in my job for 6 years', 'en', undefined, { employmentYears: 6 }],
    ["I've been at my job 10+ years", 'en', undefined, { employmentYears: 10 }],
    ['self-employed for 12 years', 'en', undefined, { employmentYears: 10 }],
    ['at the same company for over a decade', 'en', undefined, { employmentYears: 10 }],
    ['I have worked there for less than a year', 'en', undefined, { employmentYears: 0 }],
    ['6 months at my job', 'en', undefined, { employmentYears: 0 }],
    ['llevo 3 años en mi trabajo', 'es', undefined, { employmentYears: 3 }],
    ['llevo un año en la empresa', 'es', undefined, { employmentYears: 1 }],
    ['menos de un año en mi empleo', 'es', undefined, { employmentYears: 0 }],
    ['trabajo desde hace 2 años en la misma empresa', 'es', undefined, { employmentYears: 2 }],
    ['10+ years', 'en', 'employmentYears', { employmentYears: 10 }],
    ['less than a year', 'en', 'employmentYears', { employmentYears: 0 }],
    ['4', 'en', 'employmentYears', { employmentYears: 4 }],
    ['3 years', 'en', 'employmentYears', { employmentYears: 3 }],
  ]);
});

describe('home ownership', () => {
  cases([
    ['I rent', 'en', undefined, { homeOwnership: 'RENT' }],
    ['renting', 'en', undefined, { homeOwnership: 'RENT' }],
    ['we have a mortgage', 'en', undefined, { homeOwnership: 'MORTGAGE' }],
    ['we own our home with a mortgage', 'en', undefined, { homeOwnership: 'MORTGAGE' }],
    ['I own my home outright', 'en', undefined, { homeOwnership: 'OWN' }],
    ['no mortgage, we own it', 'en', undefined, { homeOwnership: 'OWN' }],
    ['I live with my parents', 'en', undefined, { homeOwnership: 'OTHER' }],
    ['alquilo un piso', 'es', undefined, { homeOwnership: 'RENT' }],
    ['vivo de alquiler', 'es', undefined, { homeOwnership: 'RENT' }],
    ['tengo hipoteca', 'es', undefined, { homeOwnership: 'MORTGAGE' }],
    ['vivienda propia', 'es', undefined, { homeOwnership: 'OWN' }],
    ['casa propia', 'es', undefined, { homeOwnership: 'OWN' }],
    ['vivo con mis padres', 'es', undefined, { homeOwnership: 'OTHER' }],
    ['rent', 'en', 'homeOwnership', { homeOwnership: 'RENT' }],
    ['own', 'en', 'homeOwnership', { homeOwnership: 'OWN' }],
    ['hipoteca', 'es', 'homeOwnership', { homeOwnership: 'MORTGAGE' }],
    ['con mis padres', 'es', 'homeOwnership', { homeOwnership: 'OTHER' }],
  ]);
});

describe('purpose', () => {
  it.each<[string, Language, string]>([
    ['to pay off my cards', 'en', 'credit_card'],
    ['to clear my credit card debt', 'en', 'credit_card'],
    ['to consolidate debts', 'en', 'debt_consolidation'],
    ['for a car', 'en', 'car'],
    ['for our wedding', 'en', 'wedding'],
    ['a new kitchen', 'en', 'home_improvement'],
    ['a bathroom renovation', 'en', 'home_improvement'],
    ['medical bills', 'en', 'medical'],
    ['moving costs', 'en', 'moving'],
    ['a holiday', 'en', 'vacation'],
    ['a vacation', 'en', 'vacation'],
    ['for my business', 'en', 'small_business'],
    ['school fees', 'en', 'educational'],
    ['tuition', 'en', 'educational'],
    ['solar panels', 'en', 'renewable_energy'],
    ['a down payment on a house', 'en', 'house'],
    ['new furniture', 'en', 'major_purchase'],
    ['a used Honda', 'en', 'car'],
    ['braces for my daughter', 'en', 'medical'],
    ['to pay off two store cards and a personal loan', 'en', 'debt_consolidation'],
    ['to consolidate my credit card debt', 'en', 'credit_card'],
    ['liquidar dos tarjetas', 'es', 'credit_card'],
    ['para pagar las tarjetas', 'es', 'credit_card'],
    ['para consolidar deudas', 'es', 'debt_consolidation'],
    ['para un coche', 'es', 'car'],
    ['para un carro', 'es', 'car'],
    ['para un auto', 'es', 'car'],
    ['para la boda', 'es', 'wedding'],
    ['una reforma de la cocina', 'es', 'home_improvement'],
    ['gastos médicos', 'es', 'medical'],
    ['la mudanza', 'es', 'moving'],
    ['las vacaciones', 'es', 'vacation'],
    ['mi negocio', 'es', 'small_business'],
    ['mis estudios', 'es', 'educational'],
    ['paneles solares', 'es', 'renewable_energy'],
  ])('%s (%s) → %s', (text, language, purpose) => {
    expect(read(text, language).values.purpose).toBe(purpose);
  });

  it('takes "something else" as other only when asked for the purpose', () => {
    expect(read('something else', 'en', 'purpose').values).toEqual({ purpose: 'other' });
    expect(read('something else', 'en').values).toEqual({});
  });
});

describe('credit history', () => {
  cases([
    ['never missed a payment', 'en', undefined, { delinquencies2y: 0 }],
    ['never late', 'en', undefined, { delinquencies2y: 0 }],
    ['late twice in the last 2 years', 'en', undefined, { delinquencies2y: 2 }],
    ['two late payments', 'en', undefined, { delinquencies2y: 2 }],
    ['nunca me he atrasado', 'es', undefined, { delinquencies2y: 0 }],
    ['he pagado tarde 2 veces en los últimos dos años', 'es', undefined, { delinquencies2y: 2 }],
    ['he tenido un pago atrasado', 'es', undefined, { delinquencies2y: 1 }],
    ['never had a late payment', 'en', undefined, { delinquencies2y: 0 }],
    ['applied for credit once in the last 6 months', 'en', undefined, { inquiries6m: 1 }],
    ['2 hard inquiries', 'en', undefined, { inquiries6m: 2 }],
    ["haven't applied for any credit", 'en', undefined, { inquiries6m: 0 }],
    ['solicité crédito dos veces', 'es', undefined, { inquiries6m: 2 }],
    ['using 30% of my card limits', 'en', undefined, { revolvingUtilisation: 30 }],
    ['credit utilization 20%', 'en', undefined, { revolvingUtilisation: 20 }],
    ['uso el 30% de mi límite', 'es', undefined, { revolvingUtilisation: 30 }],
    ['6 open accounts', 'en', undefined, { openAccounts: 6 }],
    ['tengo 6 cuentas abiertas', 'es', undefined, { openAccounts: 6 }],
    ['no bankruptcies', 'en', undefined, { publicRecords: 0 }],
    ['one bankruptcy in 2015', 'en', undefined, { publicRecords: 1 }],
    ['sin quiebras', 'es', undefined, { publicRecords: 0 }],
  ]);
});

describe('corrections', () => {
  cases([
    ['actually my income is 60k', 'en', undefined, { annualIncome: 60_000 }],
    ['actually my income is 60k', 'en', 'loanAmount', { annualIncome: 60_000 }],
    ['sorry, I meant 15k', 'en', 'loanAmount', { loanAmount: 15_000 }],
    ['I meant 15k', 'en', 'annualIncome', { annualIncome: 15_000 }],
    ['12k, no wait, 15k', 'en', 'loanAmount', { loanAmount: 15_000 }],
    ['en realidad gano 60 mil', 'es', undefined, { annualIncome: 60_000 }],
    ['perdón, quise decir 36 meses', 'es', 'termMonths', { termMonths: 36 }],
    ['12k, no wait, 15k', 'en', undefined, { loanAmount: 15_000 }],
    ['I make 4k a month, sorry, 5k', 'en', undefined, { annualIncome: 60_000 }],
    ['my debt payments are 400, actually 450', 'en', 'ficoScore', { monthlyDebtPayments: 450 }],
    ['gano 3 mil al mes, perdón, 3.500', 'es', undefined, { annualIncome: 42_000 }],
  ]);
});

describe('bare answers to the question asked', () => {
  cases([
    ['12k', 'en', 'loanAmount', { loanAmount: 12_000 }],
    ['doce mil', 'es', 'loanAmount', { loanAmount: 12_000 }],
    ['3 years', 'en', 'termMonths', { termMonths: 36 }],
    ['rent', 'en', 'homeOwnership', { homeOwnership: 'RENT' }],
    ['none', 'en', 'delinquencies2y', { delinquencies2y: 0 }],
    ['no', 'en', 'inquiries6m', { inquiries6m: 0 }],
    ['ninguno', 'es', 'publicRecords', { publicRecords: 0 }],
    ['0', 'en', 'openAccounts', { openAccounts: 0 }],
    ['none', 'en', 'monthlyDebtPayments', { monthlyDebtPayments: 0 }],
    ['twice', 'en', 'delinquencies2y', { delinquencies2y: 2 }],
    ['una vez', 'es', 'inquiries6m', { inquiries6m: 1 }],
    ['dos', 'es', 'openAccounts', { openAccounts: 2 }],
    ['30%', 'en', 'revolvingUtilisation', { revolvingUtilisation: 30 }],
    ['30', 'en', 'revolvingUtilisation', { revolvingUtilisation: 30 }],
  ]);

  it.each<[string, Language, ChatField]>([
    ['skip', 'en', 'ficoScore'],
    ['rather not say', 'en', 'annualIncome'],
    ["I'd prefer not to say", 'en', 'employmentYears'],
    ['prefiero no decirlo', 'es', 'annualIncome'],
    ['paso', 'es', 'ficoScore'],
    ["I don't know", 'en', 'ficoScore'],
  ])('%s (%s) while asking %s → declined', (text, language, field) => {
    const u = read(text, language, field);
    expect(u.declined).toEqual([field]);
    expect(u.values).toEqual({});
  });

  it('declines a field named in the message', () => {
    expect(read("I'd rather not say my income", 'en').declined).toEqual(['annualIncome']);
    expect(read('prefiero no decir cuánto gano', 'es').declined).toEqual(['annualIncome']);
    expect(read("I'd like $5,000; I'd rather not say my credit score", 'en')).toEqual({
      values: { loanAmount: 5_000 },
      foreignCurrency: [],
      declined: ['ficoScore'],
    });
  });
});

describe('does not misread', () => {
  cases([
    ['worked there 3 years', 'en', undefined, { employmentYears: 3 }],
    ['I need 10k over 5 years, worked there 3 years', 'en', undefined, { loanAmount: 10_000, termMonths: 60, employmentYears: 3 }],
    ['$300 a month for my student loan', 'en', undefined, { monthlyDebtPayments: 300 }],
    ['I pay $300 a month on my cards', 'en', undefined, { monthlyDebtPayments: 300 }],
    ['30%', 'en', undefined, {}],
    ['I want a loan at 5%', 'en', undefined, {}],
    ['I am 32 years old', 'en', undefined, {}],
    ['tengo 32 años', 'es', undefined, {}],
    ['late twice in the last 2 years', 'en', undefined, { delinquencies2y: 2 }],
    ['I owe 8k on my cards', 'en', undefined, {}],
    ['I have 3 credit cards', 'en', undefined, {}],
    ['I need 12k to pay off a 10k balance', 'en', undefined, { loanAmount: 12_000 }],
    ['llevo 4 años trabajando en el hospital', 'es', undefined, { employmentYears: 4 }],
    ['I started in 2019', 'en', undefined, {}],
    ['my rent is 1,200 a month', 'en', undefined, { homeOwnership: 'RENT' }],
    ['none of your business', 'en', undefined, {}],
    ['I have lived in a rented flat for 8 years', 'en', undefined, { homeOwnership: 'RENT' }],
    ['I have 700 in credit card debt', 'en', undefined, {}],
  ]);
});

describe('mixed languages', () => {
  cases([
    ['necesito 10k for my wedding', 'es', undefined, { loanAmount: 10_000, purpose: 'wedding' }],
    ['I need doce mil dólares, gano 40 mil al año', 'en', undefined, { loanAmount: 12_000, annualIncome: 40_000 }],
    ['quiero 5 mil, I make 50k a year', 'es', undefined, { loanAmount: 5_000, annualIncome: 50_000 }],
  ]);
});

// ---------------------------------------------------------------------------------------------
// Property tests: numbers as people type them.

const EN_SMALL = 'zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen'.split(' ');
const EN_TENS = 'x x twenty thirty forty fifty sixty seventy eighty ninety'.split(' ');
function enWords(n: number): string {
  if (n < 20) return EN_SMALL[n]!;
  if (n < 100) return EN_TENS[Math.floor(n / 10)]! + (n % 10 ? `-${EN_SMALL[n % 10]}` : '');
  if (n < 1000) return `${EN_SMALL[Math.floor(n / 100)]} hundred${n % 100 ? ` and ${enWords(n % 100)}` : ''}`;
  return `${enWords(Math.floor(n / 1000))} thousand${n % 1000 ? ` ${enWords(n % 1000)}` : ''}`;
}

const ES_SMALL = (
  'cero uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince dieciséis diecisiete dieciocho diecinueve ' +
  'veinte veintiuno veintidós veintitrés veinticuatro veinticinco veintiséis veintisiete veintiocho veintinueve'
).split(' ');
const ES_TENS = 'x x x treinta cuarenta cincuenta sesenta setenta ochenta noventa'.split(' ');
const ES_HUNDREDS = 'x ciento doscientos trescientos cuatrocientos quinientos seiscientos setecientos ochocientos novecientos'.split(' ');
function esWords(n: number): string {
  if (n < 30) return ES_SMALL[n]!;
  if (n < 100) return ES_TENS[Math.floor(n / 10)]! + (n % 10 ? ` y ${ES_SMALL[n % 10]}` : '');
  if (n === 100) return 'cien';
  if (n < 1000) return ES_HUNDREDS[Math.floor(n / 100)]! + (n % 100 ? ` ${esWords(n % 100)}` : '');
  const thousands = Math.floor(n / 1000);
  // "mil", "veintiún mil", "treinta y un mil".
  const head =
    thousands === 1
      ? ''
      : `${esWords(thousands)
          .replace(/uno$/, 'un')
          .replace(/veintiun$/, 'veintiún')} `;
  return `${head}mil${n % 1000 ? ` ${esWords(n % 1000)}` : ''}`;
}

describe('parseAmount properties', () => {
  const amount = fc.integer({ min: 0, max: 9_999_999 });

  it('reads grouped and plain digits, with or without $ and "about"', () => {
    fc.assert(
      fc.property(amount, fc.constantFrom('', '$', 'US$', '$ '), fc.constantFrom('', 'about ', 'around ', 'unos ', '~'), (n, sign, approx) => {
        const en = n.toLocaleString('en-US');
        const es = n.toLocaleString('de-DE'); // dots for thousands, as Spanish is written
        expect(parseAmount(`${approx}${sign}${en}`, 'en')).toBe(n);
        expect(parseAmount(`${approx}${sign}${es}`, 'es')).toBe(n);
        expect(parseAmount(`${approx}${sign}${n}`, 'en')).toBe(n);
      }),
      { numRuns: 300 },
    );
  });

  it('reads k and m with a decimal', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9_999 }), fc.constantFrom('', '$'), (tenths, sign) => {
        const x = tenths / 10;
        const want = Number((x * 1000).toPrecision(12));
        expect(parseAmount(`${sign}${x}k`, 'en')).toBe(want);
        expect(parseAmount(`${sign}${String(x).replace('.', ',')}k`, 'es')).toBe(want);
        // "36m" is read as 36 months (a term), so whole term lengths are not millions.
        const termLike = [12, 18, 24, 36, 48, 60, 72, 84].includes(x);
        expect(parseAmount(`${sign}${x}m`, 'en')).toBe(termLike ? x : Number((x * 1e6).toPrecision(12)));
      }),
      { numRuns: 300 },
    );
  });

  it('reads numbers written in words', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999_999 }), (n) => {
        expect(parseAmount(enWords(n), 'en')).toBe(n);
        expect(parseAmount(esWords(n), 'es')).toBe(n);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws, and answers a finite number or undefined', () => {
    const junk = fc.string({ unit: fc.constantFrom(...'0123456789.,$£€k m%-+ abcxyz años mil y and ~\n'.split('')), maxLength: 300 });
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), junk), fc.constantFrom<Language>('en', 'es'), (text, language) => {
        const got = parseAmount(text, language);
        expect(got === undefined || Number.isFinite(got)).toBe(true);
        const u = understand(text, language, 'loanAmount');
        for (const v of Object.values(u.values)) expect(typeof v === 'string' || Number.isFinite(v)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it.each(['', ' ', '1e308', '-5k', 'NaN', 'Infinity', '9'.repeat(400), `${'9'.repeat(400)}k`, '1'.repeat(20), '$$$$', '...,,,', '\u0000\uffff\ud800'])(
    'extreme input %j',
    (text) => {
      for (const language of ['en', 'es'] as const) {
        const got = parseAmount(text, language);
        expect(got === undefined || Number.isFinite(got)).toBe(true);
        const u = understand(text, language, 'loanAmount');
        for (const v of Object.values(u.values)) expect(typeof v === 'string' || Number.isFinite(v)).toBe(true);
      }
    },
  );

  it('reads 10,000 characters of junk quickly', () => {
    let seed = 7;
    const rnd = () => {
      seed = (seed * 16_807) % 2_147_483_647;
      return seed / 2_147_483_647;
    };
    const alphabet = '0123456789.,$£€k m%-+ abcxyz años mil y and ~\n';
    const junk = Array.from({ length: 10_000 }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
    for (const text of [junk, '1,'.repeat(5_000), 'one '.repeat(2_500), 'I need '.repeat(1_500)]) {
      understand(text, 'es'); // warm up
      const started = performance.now();
      const u = understand(text, 'en', 'loanAmount');
      expect(performance.now() - started).toBeLessThan(500);
      for (const v of Object.values(u.values)) expect(typeof v === 'string' || Number.isFinite(v)).toBe(true);
    }
  });
});

describe('runs in a Worker', () => {
  it('imports nothing from node:, and only types from outside its folder (no zod in the bundle)', () => {
    const root = fileURLToPath(new URL('../src/conversation/', import.meta.url));
    const files = [join(root, 'understand.ts'), ...readdirSync(join(root, 'understand')).map((f) => join(root, 'understand', f))];
    for (const file of files.filter((f) => statSync(f).isFile())) {
      const source = readFileSync(file, 'utf8');
      expect(source, file).not.toMatch(/from ['"]node:|require\(|import\(/);
      for (const [statement, spec] of source.matchAll(/^import\b[^'"]*['"]([^'"]+)['"]/gm)) {
        const local = spec!.startsWith('./') || (file.includes('/understand/') && spec === '../understand.ts');
        expect(local || statement.startsWith('import type'), `${file}: ${statement}`).toBe(true);
      }
    }
  });

  it('keeps its values in the schema’s units (a full opening passes ApplicantSchema with the rest filled in)', () => {
    const { values } = read(OPENINGS[0]!.text, 'en');
    const applicant = {
      loanAmount: 1_000,
      termMonths: 36,
      purpose: 'other',
      annualIncome: 40_000,
      homeOwnership: 'RENT',
      ficoScore: 700,
      delinquencies2y: 0,
      inquiries6m: 0,
      openAccounts: 3,
      publicRecords: 0,
      ...values,
    };
    expect(ApplicantSchema.safeParse(applicant).success).toBe(true);
  });
});
