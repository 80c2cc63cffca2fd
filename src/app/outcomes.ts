/**
 * Loan outcomes as lenders report them: repaid or defaulted, and the day it happened. The rules
 * every input path (the API, the CSV import) shares; storage checks the rest (the application
 * exists, made a loan, and the date falls between its decision and today).
 */

export const OUTCOMES = ['repaid', 'defaulted'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface OutcomeInput {
  applicationId: string;
  outcome: Outcome;
  /** YYYY-MM-DD; absent: the day already recorded, else today. */
  at?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isApplicationId = (text: string): boolean => UUID.test(text);

/** `repaid` or `defaulted` (any case, spaces around ignored), else undefined. */
export function parseOutcome(text: string): Outcome | undefined {
  const t = text.trim().toLowerCase();
  return (OUTCOMES as readonly string[]).includes(t) ? (t as Outcome) : undefined;
}

/**
 * A calendar day as YYYY-MM-DD: from `2024-03-31`, or the UTC day of a full ISO timestamp
 * (`2024-03-31T18:00:00Z`). Undefined for anything else, including days that do not exist (2024-02-30).
 */
export function parseOutcomeDate(text: string): string | undefined {
  const t = text.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})(T.*)?$/.exec(t);
  if (!m) return undefined;
  if (m[4]) {
    const at = new Date(t);
    return Number.isNaN(at.getTime()) ? undefined : at.toISOString().slice(0, 10);
  }
  const day = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return day.toISOString().slice(0, 10) === `${m[1]}-${m[2]}-${m[3]}` ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
}

export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);
