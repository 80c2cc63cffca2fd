/**
 * Reading numbers the way people type them: "52k", "52,000", "£52000", "1.2m", "35%", "about 700".
 * Returns undefined when there is no number to read.
 */
export function parseNumberAnswer(text: string): number | undefined {
  const s = text
    .trim()
    .toLowerCase()
    .replace(/^(about|around|approx\.?|roughly|~)\s*/, '');
  const m = /^[£$€]?\s*(-?\d[\d,\s]*(?:\.\d+)?)\s*(k|thousand|m|million)?\s*(%|usd|gbp|eur|dollars?|pounds?)?$/.exec(s);
  if (!m) return undefined;
  const digits = m[1].replace(/[,\s]/g, '');
  let value = Number(digits);
  if (!Number.isFinite(value)) return undefined;
  if (m[2] === 'k' || m[2] === 'thousand') value *= 1_000;
  if (m[2] === 'm' || m[2] === 'million') value *= 1_000_000;
  return value;
}
