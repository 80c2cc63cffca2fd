import type { Context, MiddlewareHandler } from 'hono';
import type { Db } from '../../db/client.ts';
import { verifyKey, type ApiKey, type KeyScope } from '../../db/repository.ts';
import { withStorage } from './errors.ts';

/**
 * Who is calling: an API key (Authorization: Bearer … or X-API-Key), or the public widget, which
 * has no key and is recognised by its Origin being on the widget allow-list.
 */
export type Caller = { kind: 'key'; key: ApiKey } | { kind: 'widget'; origin: string; address: string };

export type AuthEnv = { Variables: { caller: Caller } };

function presentedKey(c: Context): string | undefined {
  const auth = c.req.header('authorization');
  if (auth?.toLowerCase().startsWith('bearer ')) return auth.slice(7).trim();
  return c.req.header('x-api-key')?.trim() || undefined;
}

export function clientAddress(c: Context): string {
  const forwarded = c.req.header('cf-connecting-ip') ?? c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
  const info = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress;
  return forwarded || info || 'unknown';
}

export interface AuthOptions {
  db: () => Db;
  scopes: readonly KeyScope[];
  /** Origins whose pages may call without a key (the widget). Empty: keys only. */
  widgetOrigins?: readonly string[];
  /** How long a verified key is trusted without asking the database again (revocation delay). */
  cacheMs?: number;
}

export const KEY_CACHE_MS = 5_000;

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
      if (origin && options.widgetOrigins?.includes(origin)) {
        c.set('caller', { kind: 'widget', origin, address: clientAddress(c) });
        return next();
      }
      return c.json({ error: 'an API key is required (Authorization: Bearer <key>)' }, 401);
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
