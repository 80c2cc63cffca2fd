import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';

/**
 * Hono's secure headers on every response, except what partner sites must be able to embed: the
 * widget page (framed: its own CSP frame-ancestors says by whom) and embed.js (a script loaded from
 * their pages). Everything else keeps X-Frame-Options: SAMEORIGIN and same-origin resources.
 */

/** Paths a partner page loads: `/` in an iframe, `/embed.js` as a script. */
export const EMBEDDABLE_PATHS: readonly string[] = ['/', '/form', '/embed.js'];

/**
 * @example app.use('*', securityHeaders());
 */
export function securityHeaders(embeddable: readonly string[] = EMBEDDABLE_PATHS): MiddlewareHandler {
  const strict = secureHeaders();
  // No X-Frame-Options here: it cannot name origins, and one saying SAMEORIGIN would contradict frame-ancestors.
  const open = secureHeaders({ xFrameOptions: false, crossOriginResourcePolicy: 'cross-origin' });
  return (c, next) => (embeddable.includes(c.req.path) ? open(c, next) : strict(c, next));
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
