import type { Context, MiddlewareHandler } from 'hono';
import type { Db } from '../../db/client.ts';
import { verifyKey, type ApiKey, type KeyScope } from '../../db/repository.ts';
import { withStorage } from './errors.ts';
import { SAME_ORIGIN, WIDGET_SESSION_HEADER, type SessionSigner } from './widget-session.ts';

/**
 * Who is calling: an API key (Authorization: Bearer … or X-API-Key), or the public widget, which
 * has no key and is recognised by the session its page was issued (src/api/widget-session.ts), used
 * from the origin it was issued to. An Origin header alone proves nothing: any script can send one.
 */
export type Caller = { kind: 'key'; key: ApiKey } | { kind: 'widget'; origin: string; address: string; session: string };

export type AuthEnv = { Variables: { caller: Caller } };

function presentedKey(c: Context): string | undefined {
  const auth = c.req.header('authorization');
  if (auth?.toLowerCase().startsWith('bearer ')) return auth.slice(7).trim();
  return c.req.header('x-api-key')?.trim() || undefined;
}

/** What an endpoint that also serves the keyless widget needs to accept it. */
export interface KeylessWidget {
  sessions: SessionSigner;
  /** The caller's real address, for its rate limit (src/api/client-address.ts). */
  clientAddress: (c: Context) => string;
}

export interface AuthOptions {
  db: () => Db;
  scopes: readonly KeyScope[];
  /** Accept the keyless widget (with its session) here. Absent: keys only. */
  widget?: KeylessWidget;
  /** How long a verified key is trusted without asking the database again (revocation delay). */
  cacheMs?: number;
}

export const KEY_CACHE_MS = 5_000;

/**
 * @example app.use('/v1/score', authenticate({ db, scopes: ['score'], widget: { sessions, clientAddress: addressOf } }));
 */
export function authenticate(options: AuthOptions): MiddlewareHandler<AuthEnv> {
  const cacheMs = options.cacheMs ?? KEY_CACHE_MS;
  const verified = new Map<string, { key: ApiKey; at: number }>();
  const lookup = async (presented: string): Promise<ApiKey | undefined> => {
    const hit = verified.get(presented);
    if (hit && Date.now() - hit.at < cacheMs) return hit.key;
    const key = await withStorage(() => verifyKey(options.db(), presented));
    if (key) {
      if (verified.size > 10_000) verified.clear();
      verified.set(presented, { key, at: Date.now() });
    } else verified.delete(presented);
    return key;
  };
  return async (c, next) => {
    const presented = presentedKey(c);
    const origin = c.req.header('origin');
    if (!presented) {
      if (!options.widget) return c.json({ error: 'an API key is required (Authorization: Bearer <key>)' }, 401);
      // A browser sends no Origin on a same-origin GET (the web chat resuming), but marks it
      // Sec-Fetch-Site: same-origin, which page scripts cannot set. Reads only.
      const read = c.req.method === 'GET' || c.req.method === 'HEAD';
      const sameOrigin = !origin && read && c.req.header('sec-fetch-site') === 'same-origin';
      const check = options.widget.sessions.verify(c.req.header(WIDGET_SESSION_HEADER), sameOrigin ? SAME_ORIGIN : origin);
      if (!check.ok) return c.json({ error: check.error }, 401);
      c.set('caller', { kind: 'widget', origin: check.session.origin, address: options.widget.clientAddress(c), session: check.session.id });
      return next();
    }
    const key = await lookup(presented);
    if (!key) return c.json({ error: 'unknown or revoked API key' }, 401);
    if (!options.scopes.includes(key.scope)) return c.json({ error: `this key (scope ${key.scope}) may not call this endpoint` }, 403);
    if (key.scope === 'widget' && (!origin || !key.allowedOrigins.includes(origin))) {
      return c.json({ error: 'this widget key is not allowed from this origin' }, 403);
    }
    c.set('caller', { kind: 'key', key });
    return next();
  };
}
