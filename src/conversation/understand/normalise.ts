/**
 * Lower case, accents stripped, typographic punctuation made plain: every pattern in this folder
 * is written against this form ("años" is matched as "anos", "préstamo" as "prestamo").
 *
 * The result has exactly the length of the input, code unit for code unit, so a span found in
 * it is the same span of the original text (used to quote "£7,500" back as the person wrote it).
 */
export function normalise(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += fold(text[i]!);
  return out;
}

const SPECIAL: Record<string, string> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u02bc': "'",
  '\u00b4': "'",
  '`': "'",
  '\u201c': '"',
  '\u201d': '"',
  '\u00a0': ' ',
  '\u2009': ' ',
  '\u202f': ' ',
  '\t': ' ',
  '\u2013': '-',
  '\u2014': '-',
  '\u2212': '-',
  '\u2248': '~',
  '\uff04': '$',
};

const cache = new Map<string, string>();

function fold(ch: string): string {
  const special = SPECIAL[ch];
  if (special !== undefined) return special;
  const code = ch.charCodeAt(0);
  if (code < 0x80) return code >= 65 && code <= 90 ? String.fromCharCode(code + 32) : ch;
  // Lone surrogates (emoji halves) and marks stay as they are: one unit in, one unit out.
  if (code >= 0xd800 && code <= 0xdfff) return ch;
  let folded = cache.get(ch);
  if (folded === undefined) {
    const base = ch
      .toLowerCase()
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '');
    folded = base.length === 1 ? base : ch;
    if (cache.size < 512) cache.set(ch, folded);
  }
  return folded;
}
