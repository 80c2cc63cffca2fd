/**
 * Currencies as people write them around a number. The lender lends US dollars: "$", "USD",
 * "dollars", "dólares", "bucks" are accepted; everything else is reported, never converted.
 * Patterns run on normalised text (lower case, no accents).
 */

/** Symbol or code just before the number ("$12k", "US$ 12,000", "£7,500", "MX$500"); group 1 the symbol, 2 the gap. */
export const CURRENCY_BEFORE =
  /(?:^|[^a-z$])(us\s?\$|u\$s|usd|c\$|ca\$|cad|a\$|au\$|aud|mx\$|mxn|r\$|brl|nz\$|nzd|hk\$|hkd|s\$|sgd|\$|£|gbp|€|eur|¥|jpy|cny|rmb|₹|inr|₱|₩|krw|₽|₺|chf|ars|clp|s\/)(\s*~?\s*)$/;

/** Currency word or symbol just after the number (and its scale): "12 mil dólares", "2,000 pounds", "45.000 €". */
export const CURRENCY_AFTER =
  /^\s*(?:de\s+)?(us dollars?|u\.?s\.? dollars?|american dollars?|dolares (?:americanos|estadounidenses)|canadian dollars?|dolares canadienses|australian dollars?|dolares australianos|us\$|usd|dollars?|dolar(?:es)?|bucks|cad|aud|pesos? (?:mexicanos|colombianos|argentinos|chilenos)|pesos?|mxn|cop|ars|clp|euros?|eur|€|pounds?(?: sterling)?|quid|libras?(?: esterlinas)?|gbp|£|yen(?:es)?|jpy|¥|yuan|rmb|cny|rupees?|rupias?|inr|reais|reales|brl|soles|francs?|francos?|chf|won|krw|sek|nok|dkk|kr|zlotys?|pln|bolivares|quetzales|colones|lempiras)(?![a-z])/;

const CODES: [RegExp, string][] = [
  [/^(?:us\s?\$|u\$s|usd|us dollars?|u\.?s\.? dollars?|american dollars?|dolares (?:americanos|estadounidenses)|dollars?|dolar(?:es)?|bucks|\$)$/, 'USD'],
  [/^(?:c\$|ca\$|cad|canadian dollars?|dolares canadienses)$/, 'CAD'],
  [/^(?:a\$|au\$|aud|australian dollars?|dolares australianos)$/, 'AUD'],
  [/^(?:nz\$|nzd)$/, 'NZD'],
  [/^(?:hk\$|hkd)$/, 'HKD'],
  [/^(?:s\$|sgd)$/, 'SGD'],
  [/^(?:mx\$|mxn|pesos? mexicanos)$/, 'MXN'],
  [/^(?:cop|pesos? colombianos)$/, 'COP'],
  [/^(?:ars|pesos? argentinos)$/, 'ARS'],
  [/^(?:clp|pesos? chilenos)$/, 'CLP'],
  [/^(?:r\$|brl|reais|reales)$/, 'BRL'],
  [/^(?:£|gbp|pounds?(?: sterling)?|quid|libras?(?: esterlinas)?)$/, 'GBP'],
  [/^(?:€|eur|euros?)$/, 'EUR'],
  [/^(?:¥|jpy|yen(?:es)?)$/, 'JPY'],
  [/^(?:cny|rmb|yuan)$/, 'CNY'],
  [/^(?:₹|inr|rupees?|rupias?)$/, 'INR'],
  [/^(?:₱|php)$/, 'PHP'],
  [/^(?:₩|krw|won)$/, 'KRW'],
  [/^(?:₽|rub)$/, 'RUB'],
  [/^(?:₺|try)$/, 'TRY'],
  [/^(?:chf|francs?|francos?)$/, 'CHF'],
  [/^(?:pen|soles|s\/)$/, 'PEN'],
  [/^(?:zlotys?|pln)$/, 'PLN'],
  [/^bolivares$/, 'VES'],
  [/^quetzales$/, 'GTQ'],
  [/^colones$/, 'CRC'],
  [/^lempiras$/, 'HNL'],
  [/^(?:sek|nok|dkk)$/, ''],
];

/** ISO 4217 code for a currency as written; the word itself ("pesos", "kr") when it names no single currency. */
export function currencyCode(written: string): string {
  const w = written.replace(/\s+/g, ' ').trim();
  for (const [re, code] of CODES) if (re.test(w)) return code || w.toUpperCase();
  return w.replace(/^peso$/, 'pesos');
}

export const isDollars = (code: string | undefined) => code === undefined || code === 'USD';
