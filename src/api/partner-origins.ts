import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { listKeys } from '../../db/repository.ts';

/**
 * The origins allowed to use the widget from a browser: the configured ones (this server's own,
 * PUBLIC_URL, WIDGET_ORIGINS) and those each active widget key lists. They may frame the widget page
 * (CSP frame-ancestors) and pass CORS; the key lists are read from the database, cached briefly.
 */

/** An origin as it goes into a header: scheme, host and port only, so it cannot add a directive. */
const OriginSchema = z
  .string()
  .refine((u) => URL.canParse(u) && ['http:', 'https:'].includes(new URL(u).protocol) && new URL(u).origin === u, 'must be an origin like https://example.com');

/** How long a request waits for the widget keys' origins before it goes on with what was known. */
const LOOKUP_WAIT_MS = 1_000;

export interface PartnerOrigins {
  /** Every allowed origin, configured ones first. */
  list(): Promise<string[]>;
  /** `origin` when it is allowed (for hono's cors), else null. */
  allowedOrigin(origin: string): Promise<string | null>;
}

export interface PartnerOriginsOptions {
  db: () => Db;
  configured: readonly string[];
  /** How long the widget keys' origins are reused before the database is asked again (the revocation delay). */
  cacheMs: number;
}

/**
 * @example
 * const partners = partnerOrigins({ db, configured: ['https://lender.example'], cacheMs: 5_000 });
 * await partners.allowedOrigin('https://lender.example') // 'https://lender.example'
 */
export function partnerOrigins(options: PartnerOriginsOptions): PartnerOrigins {
  const configured = [...new Set(options.configured)];
  let cached: { origins: string[]; at: number } | undefined;
  let pending: Promise<string[]> | undefined;

  const fromKeys = async (): Promise<string[]> => {
    const keys = await listKeys(options.db());
    // Rows written by older code or by hand are checked again: a bad one is left out, not put in a header.
    const listed = keys.filter((k) => k.scope === 'widget' && !k.revokedAt).flatMap((k) => k.allowedOrigins);
    return listed.filter((o) => OriginSchema.safeParse(o).success);
  };

  const keyOrigins = async (): Promise<string[]> => {
    if (cached && Date.now() - cached.at < options.cacheMs) return cached.origins;
    pending ??= fromKeys()
      .then((origins) => {
        cached = { origins, at: Date.now() };
        return origins;
      })
      .catch(() => cached?.origins ?? []) // the database is down: what we knew (the API itself answers 503)
      .finally(() => {
        pending = undefined;
      });
    // This runs in CORS, before the request deadline: a database that hangs must not hold the
    // request here. Past the wait, what we knew; the lookup goes on and fills the cache.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waited = new Promise<string[]>((resolve) => {
      timer = setTimeout(() => resolve(cached?.origins ?? []), LOOKUP_WAIT_MS);
    });
    try {
      return await Promise.race([pending, waited]);
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    async list() {
      return [...new Set([...configured, ...(await keyOrigins())])];
    },
    async allowedOrigin(origin) {
      // No Origin header (not a browser's cross-origin call): nothing to allow, nothing to look up.
      if (!origin) return null;
      if (configured.includes(origin)) return origin;
      return (await keyOrigins()).includes(origin) ? origin : null;
    },
  };
}
