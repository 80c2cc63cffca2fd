import { Hono, type MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { nodeResponse } from './node-response.ts';

/**
 * Hono's secure headers on every response, except what partner sites must be able to embed: the
 * widget page (framed: its own CSP frame-ancestors says by whom) and embed.js (a script loaded from
 * their pages). Everything else keeps X-Frame-Options: SAMEORIGIN and same-origin resources.
 */

/** Paths a partner page loads: `/` in an iframe, `/embed.js` as a script. */
export const EMBEDDABLE_PATHS: readonly string[] = ['/', '/form', '/embed.js'];

/** The headers a secureHeaders middleware sets, worked out once on a throwaway app. */
async function headersOf(middleware: MiddlewareHandler): Promise<[string, string][]> {
  const probe = new Hono();
  probe.use(middleware);
  probe.get('*', (c) => c.body(null));
  const list: [string, string][] = [];
  (await probe.request('/')).headers.forEach((value, name) => list.push([name, value]));
  return list;
}

/**
 * On Node the same headers go straight onto Node's response before the handler runs (the answer's
 * own headers are added to them when it is written): Hono's secureHeaders sets them one by one on
 * the finished answer's web Headers, a twentieth of the server's CPU per request there. Elsewhere
 * (Workers, `app.request`) Hono's middleware runs as it is.
 *
 * @example app.use('*', securityHeaders());
 */
export function securityHeaders(embeddable: readonly string[] = EMBEDDABLE_PATHS): MiddlewareHandler {
  const strict = secureHeaders();
  // No X-Frame-Options here: it cannot name origins, and one saying SAMEORIGIN would contradict frame-ancestors.
  const open = secureHeaders({ xFrameOptions: false, crossOriginResourcePolicy: 'cross-origin' });
  let lists: Promise<{ strict: [string, string][]; open: [string, string][] }> | undefined;
  return async (c, next) => {
    const embedded = embeddable.includes(c.req.path);
    const outgoing = nodeResponse(c);
    if (!outgoing) return (embedded ? open : strict)(c, next);
    lists ??= Promise.all([headersOf(strict), headersOf(open)]).then(([s, o]) => ({ strict: s, open: o }));
    for (const [name, value] of (await lists)[embedded ? 'open' : 'strict']) outgoing.setHeader(name, value);
    return next();
  };
}

/**
 * The widget page's Content-Security-Policy: its own script and style files only (no inline code),
 * calls to this server only, framed by this origin and `frameAncestors`.
 *
 * @example widgetPageCsp(['https://lender.example']) // "default-src 'none'; … frame-ancestors 'self' https://lender.example"
 */
export function widgetPageCsp(frameAncestors: readonly string[]): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "connect-src 'self'",
    "img-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    `frame-ancestors ${["'self'", ...frameAncestors].join(' ')}`,
  ].join('; ');
}
