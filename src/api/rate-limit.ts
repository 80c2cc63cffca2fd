import type { Context, MiddlewareHandler } from 'hono';
import { answerHeader } from './node-response.ts';

/**
 * Fixed one-minute windows per caller: an API key by its id, a keyless widget call by its client
 * address. In-process: each server instance (each Worker isolate) counts its own callers.
 *
 * Not hono-rate-limiter: its memory store bounds memory only by dropping everything each window,
 * nothing caps the callers held within one, and it takes one store for every kind of caller. Here
 * keys and addresses have tables of their own, so however many addresses come and go, no key's
 * window is touched.
 */

export const WINDOW_MS = 60_000;
/** About 100 bytes each: a few MB at most, and more distinct addresses in one minute than a widget sees. */
export const MAX_ADDRESS_WINDOWS = 50_000;
/** Key windows belong to keys that passed authentication: bounded by the keys in the database. */
export const MAX_KEY_WINDOWS = 100_000;

export interface WindowCount {
  /** Requests in this window, this one included. */
  count: number;
  /** When the window ends (ms since the epoch). */
  resetAt: number;
}

/**
 * Request counts per id in fixed windows, at most `maxEntries` ids. The map keeps ids in the order
 * their current window began, so windows that are over sit at its front and are dropped from there;
 * when the table is full of live windows the oldest one goes (its id starts again from zero).
 *
 * @example
 * const windows = new FixedWindows({ windowMs: 60_000, maxEntries: 1000 });
 * windows.hit('ip:203.0.113.7', Date.now()).count // 1
 */
export class FixedWindows {
  private readonly windows = new Map<string, { start: number; count: number }>();
  constructor(private readonly options: { windowMs: number; maxEntries: number }) {}

  get size(): number {
    return this.windows.size;
  }

  hit(id: string, now: number): WindowCount {
    const { windowMs } = this.options;
    const start = now - (now % windowMs);
    let window = this.windows.get(id);
    if (!window || window.start !== start) {
      // Re-inserted at the end, so the order stays by window start.
      this.windows.delete(id);
      this.evict(start);
      window = { start, count: 0 };
      this.windows.set(id, window);
    }
    window.count += 1;
    return { count: window.count, resetAt: start + windowMs };
  }

  /** Drops finished windows from the front, then the oldest live ones until there is room for one more. */
  private evict(currentStart: number): void {
    for (const [id, window] of this.windows) {
      if (window.start >= currentStart && this.windows.size < this.options.maxEntries) break;
      this.windows.delete(id);
    }
  }
}

/** Who is counted: a key (its own table) or a client address (bucketed by the caller). */
export type RateSubject = { kind: 'key' | 'address'; id: string; perMinute: number };

export interface RateLimitOptions {
  maxAddresses?: number;
  maxKeys?: number;
  /** The clock (tests); Date.now by default. */
  now?: () => number;
}

/**
 * The middleware: counts the caller `identify` names and answers 429 (with Retry-After) past its
 * per-minute limit.
 *
 * @example
 * app.use('/v1/*', rateLimit((c) => ({ kind: 'key', id: String(c.get('caller').key.id), perMinute: 600 })));
 */
export function rateLimit<E extends { Variables: object }>(identify: (c: Context<E>) => RateSubject, options: RateLimitOptions = {}): MiddlewareHandler<E> {
  const tables = {
    key: new FixedWindows({ windowMs: WINDOW_MS, maxEntries: options.maxKeys ?? MAX_KEY_WINDOWS }),
    address: new FixedWindows({ windowMs: WINDOW_MS, maxEntries: options.maxAddresses ?? MAX_ADDRESS_WINDOWS }),
  };
  const now = options.now ?? Date.now;
  return async (c, next) => {
    const { kind, id, perMinute } = identify(c);
    const at = now();
    const { count, resetAt } = tables[kind].hit(id, at);
    answerHeader(c, 'RateLimit-Limit', String(perMinute));
    answerHeader(c, 'RateLimit-Remaining', String(Math.max(0, perMinute - count)));
    answerHeader(c, 'RateLimit-Reset', String(Math.ceil((resetAt - at) / 1000)));
    if (count > perMinute) {
      answerHeader(c, 'Retry-After', String(Math.ceil((resetAt - at) / 1000)));
      return c.json({ error: 'rate limit exceeded', limitPerMinute: perMinute }, 429);
    }
    await next();
  };
}
