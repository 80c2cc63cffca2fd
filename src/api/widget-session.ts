import { Buffer } from 'node:buffer';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * Sessions of the keyless widget: the server signs one into each widget page it serves (HMAC-SHA256
 * over the origin it was issued for and an expiry), the page's script sends it on every call, and
 * every call checks it. A script that only copies the page's Origin header has none, and a page on
 * another site cannot use one it was handed: browsers write Origin themselves.
 */

/** The request header the widget's script puts its session in. */
export const WIDGET_SESSION_HEADER = 'x-widget-session';

/** Long enough to fill in the form; the page asks for a fresh one when a call says it expired. */
export const WIDGET_SESSION_TTL_MS = 30 * 60_000;

/** Tokens are short: anything longer is refused before any work is spent on it. */
const MAX_TOKEN_LENGTH = 1_024;

const PayloadSchema = z.object({
  /** Random id: the session is the owner of what it creates. */
  id: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
  origin: z.url(),
  /** Expiry, milliseconds since the epoch. */
  exp: z.number().int().positive(),
});

export interface WidgetSession {
  id: string;
  /** The origin of the page it was issued to; calls must come from it. */
  origin: string;
  expiresAt: number;
}

export type SessionCheck = { ok: true; session: WidgetSession } | { ok: false; error: string };

export interface SessionSigner {
  /** A signed session for a page served at `origin`. */
  issue(origin: string, now?: number): string;
  /** Whether `token` is ours, unexpired and used from the origin it was issued to, with the reason in plain words if not. */
  /** `origin`: the request's Origin header, or 'same-origin' when the browser vouches for a same-origin read (see auth.ts). */
  verify(token: string | undefined, origin: string | undefined, now?: number): SessionCheck;
}

/** Why a keyless call without a session is refused. */
export const NO_SESSION =
  'an API key is required (Authorization: Bearer <key>); without one, calls are accepted only from the widget page, which sends its session (header X-Widget-Session)';

const RELOAD = 'reload the widget page for a new one';

/** Passed as the origin of a same-origin browser read, which carries no Origin header. */
export const SAME_ORIGIN = 'same-origin';

/**
 * Signs and checks widget sessions with `secret`.
 *
 * @example
 * const signer = sessionSigner(process.env.WIDGET_SESSION_SECRET!);
 * const token = signer.issue('https://loans.example');
 * signer.verify(token, 'https://loans.example').ok // true
 * signer.verify(token, 'https://evil.example').ok // false: issued to another origin
 */
export function sessionSigner(secret: string, ttlMs = WIDGET_SESSION_TTL_MS): SessionSigner {
  if (secret.length < 32) throw new Error('the widget session secret must be at least 32 characters');
  const mac = (payload: string) => createHmac('sha256', secret).update(payload).digest();
  return {
    issue(origin, now = Date.now()) {
      const session = { id: randomBytes(16).toString('base64url'), origin, exp: now + ttlMs };
      const payload = Buffer.from(JSON.stringify(session)).toString('base64url');
      return `${payload}.${mac(payload).toString('base64url')}`;
    },
    verify(token, origin, now = Date.now()) {
      if (!token) return { ok: false, error: NO_SESSION };
      const [payload, signature, extra] = token.length <= MAX_TOKEN_LENGTH ? token.split('.') : [];
      const given = Buffer.from(signature ?? '', 'base64url');
      const expected = payload ? mac(payload) : undefined;
      // timingSafeEqual: how much of a forged signature matches must not show in the time taken.
      if (!payload || extra !== undefined || !expected || given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return { ok: false, error: `this widget session was not issued by this server: ${RELOAD}` };
      }
      const parsed = PayloadSchema.safeParse(readJson(Buffer.from(payload, 'base64url').toString('utf8')));
      if (!parsed.success) return { ok: false, error: `this widget session is unreadable: ${RELOAD}` };
      const session = { id: parsed.data.id, origin: parsed.data.origin, expiresAt: parsed.data.exp };
      if (session.expiresAt <= now) return { ok: false, error: `this widget session has expired: ${RELOAD}` };
      if (origin !== SAME_ORIGIN && origin !== session.origin) {
        const from = origin ? `from ${origin}` : 'without an Origin header';
        return { ok: false, error: `this widget session belongs to the widget page at ${session.origin} and cannot be used ${from}` };
      }
      return { ok: true, session };
    },
  };
}

function readJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

let generated: string | undefined;

/**
 * WIDGET_SESSION_SECRET when set; otherwise a random secret made once for this process, with a log
 * line, because every open widget page then needs a new session after a restart (and, on Workers,
 * another isolate does not know it).
 *
 * @example const signer = sessionSigner(sessionSecret(env.WIDGET_SESSION_SECRET));
 */
export function sessionSecret(configured: string | undefined, log: (line: string) => void = console.log): string {
  if (configured) return configured;
  if (!generated) {
    generated = randomBytes(32).toString('base64url');
    log(
      'WIDGET_SESSION_SECRET is not set: widget sessions are signed with a key made at start-up, so they end on restart (open widget pages get a new one when they next call)',
    );
  }
  return generated;
}
