import { z } from 'zod';
import type { Observation } from './stress.ts';

/**
 * FRED (Federal Reserve Bank of St. Louis) series observations:
 * GET {root}/fred/series/observations?series_id=…&api_key=…&file_type=json. The answer is
 * validated; FRED writes a missing value as ".", which is skipped.
 */

export const FRED_API_ROOT = 'https://api.stlouisfed.org';

/** The series the stress test needs. */
export const MACRO_SERIES = {
  /** Civilian unemployment rate, percent, monthly, seasonally adjusted. */
  unemployment: 'UNRATE',
  /** Charge-off rate on consumer loans, all commercial banks, percent annualised, quarterly, seasonally adjusted. */
  chargeOffs: 'CORCACBS',
} as const;

const FredObservationsSchema = z.object({
  observations: z.array(
    z.object({
      date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a YYYY-MM-DD date'),
      value: z.string(),
    }),
  ),
});

export class FredError extends Error {
  override name = 'FredError';
}

/** The observations of a FRED `series/observations` answer (validated; "." for a missing value is skipped). */
export function parseFredObservations(seriesId: string, body: unknown): Observation[] {
  const parsed = FredObservationsSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FredError(`FRED ${seriesId}: unexpected answer at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data.observations.filter((o) => o.value !== '.' && Number.isFinite(Number(o.value))).map((o) => ({ date: o.date, value: Number(o.value) }));
}

export interface FredClientOptions {
  apiKey: string;
  apiRoot?: string;
  fetch?: typeof fetch;
}

export function fredClient(options: FredClientOptions) {
  // An unset or empty root (e.g. a blank Worker variable) means FRED itself.
  const root = (options.apiRoot || FRED_API_ROOT).replace(/\/$/, '');
  const get = options.fetch ?? fetch;
  return {
    async observations(seriesId: string, start?: string): Promise<Observation[]> {
      const url = new URL(`${root}/fred/series/observations`);
      url.search = new URLSearchParams({
        series_id: seriesId,
        api_key: options.apiKey,
        file_type: 'json',
        ...(start ? { observation_start: start } : {}),
      }).toString();
      const response = await get(url, { headers: { accept: 'application/json' } });
      const text = await response.text();
      if (!response.ok) {
        const message = (() => {
          try {
            return (JSON.parse(text) as { error_message?: string }).error_message;
          } catch {
            return undefined;
          }
        })();
        throw new FredError(`FRED ${seriesId}: HTTP ${response.status}${message ? `: ${message}` : ''}`);
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new FredError(`FRED ${seriesId}: the answer is not JSON`);
      }
      return parseFredObservations(seriesId, body);
    },
  };
}
export type FredClient = ReturnType<typeof fredClient>;
