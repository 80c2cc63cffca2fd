import { FluentBundle, FluentResource, type FluentVariable } from '@fluent/bundle';
import { negotiateLanguages } from '@fluent/langneg';
import { FLUENT_SOURCES } from './locales.generated.ts';

/**
 * The conversation's words in each language, from Project Fluent files (src/conversation/locales),
 * with money and numbers formatted for the language's locale. The lender's currency is US dollars.
 */

export const LANGUAGES = ['en', 'es'] as const;
export type Language = (typeof LANGUAGES)[number];

/** The locale numbers and money are written in, per language. */
const LOCALE: Record<Language, string> = { en: 'en-US', es: 'es-ES' };

export interface Translator {
  language: Language;
  /** The message `id` with its variables; throws on an unknown id (a test checks every id used exists). */
  t(id: string, args?: Record<string, FluentVariable>): string;
  /** Whether the message exists (reasons and signals fall back to the model's English text). */
  has(id: string): boolean;
  /** US dollars, cents only when there are any: $12,000 / 12.000 US$. */
  money(value: number): string;
  /** A number with the locale's separators. */
  number(value: number, maximumFractionDigits?: number): string;
  /** A share (0.123 → 12.3%), to `digits` decimals (1). */
  percent(share: number, digits?: number): string;
  /** A list joined the locale's way ("a, b and c" / "a, b y c"). */
  list(items: string[]): string;
}

const bundles = new Map<Language, FluentBundle>();

function bundleFor(language: Language): FluentBundle {
  let bundle = bundles.get(language);
  if (bundle) return bundle;
  // No Unicode isolation marks: the text goes to Telegram, terminals and JSON, not mixed-direction HTML.
  bundle = new FluentBundle(LOCALE[language], { useIsolating: false });
  const errors = bundle.addResource(new FluentResource(FLUENT_SOURCES[language] ?? ''));
  if (errors.length) throw new Error(`locales/${language}.ftl: ${errors[0]!.message}`);
  bundles.set(language, bundle);
  return bundle;
}

/**
 * The translator for one language.
 *
 * @example translator('es').t('button-skip') // "Omitir"
 */
export function translator(language: Language): Translator {
  const bundle = bundleFor(language);
  const locale = LOCALE[language];
  const lists = new Intl.ListFormat(locale, { style: 'long', type: 'conjunction' });
  return {
    language,
    t(id, args) {
      const message = bundle.getMessage(id);
      if (!message?.value) throw new Error(`no message ${id} in ${language}`);
      return bundle.formatPattern(message.value, args);
    },
    has: (id) => bundle.hasMessage(id),
    money: (value) =>
      new Intl.NumberFormat(locale, {
        style: 'currency',
        currency: 'USD',
        minimumFractionDigits: value % 1 ? 2 : 0,
        maximumFractionDigits: 2,
      }).format(value),
    number: (value, maximumFractionDigits = 2) => new Intl.NumberFormat(locale, { maximumFractionDigits }).format(value),
    percent: (share, digits = 1) =>
      new Intl.NumberFormat(locale, { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(share),
    list: (items) => lists.format(items),
  };
}

/**
 * The language for a person from what their client says (Telegram's language_code, the browser's
 * languages, an Accept-Language list): Spanish for any es-*, English otherwise.
 *
 * @example pickLanguage(['es-MX', 'en']) // 'es'
 */
export function pickLanguage(requested: readonly string[] | string | undefined): Language {
  const tags = (typeof requested === 'string' ? requested.split(',').map((t) => t.split(';')[0]!.trim()) : (requested ?? [])).filter(Boolean);
  const [best] = negotiateLanguages(tags, [...LANGUAGES], { defaultLocale: 'en', strategy: 'lookup' });
  return (best as Language | undefined) ?? 'en';
}

const SPANISH =
  /\b(?:quiero|quisiera|necesito|para|pagar|gano|ganamos|años|meses|mil|préstamo|prestamo|alquilo|alquiler|hipoteca|tarjetas?|deudas?|trabajo|hola|sí|gracias|coche|carro|auto|boda|negocio|vivo|tengo|mis?|unos|al año|al mes)\b/giu;
const ENGLISH =
  /\b(?:i|i'd|i'm|want|need|like|borrow|loan|over|years?|months?|earn|make|rent|mortgage|cards?|debts?|job|hello|hi|yes|thanks|car|wedding|business|my|about|a year|a month)\b/giu;

/**
 * The language a first message is written in, when the client did not say: Spanish when it has
 * more Spanish words than English ones, else English.
 *
 * @example guessLanguage('quiero pedir 8 mil para una boda') // 'es'
 */
export function guessLanguage(text: string): Language {
  const count = (re: RegExp) => text.match(re)?.length ?? 0;
  return count(SPANISH) > count(ENGLISH) ? 'es' : 'en';
}
