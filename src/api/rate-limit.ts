import type { MiddlewareHandler } from 'hono';

/**
 * Fixed one-minute windows per caller (API key id, or client address for keyless widget calls).
 * In-process: each server instance counts its own callers.
 */
export function rateLimit(identify: (c: Parameters<MiddlewareHandler>[0]) => { id: string; perMinute: number }): MiddlewareHandler {
  const windows = new Map<string, { start: number; count: number }>();
  return async (c, next) => {
    const { id, perMinute } = identify(c);
    const now = Date.now();
    const start = now - (now % 60_000);
    let w = windows.get(id);
    if (!w || w.start !== start) {
      if (windows.size > 100_000) windows.clear(); // bounded memory under address churn
      w = { start, count: 0 };
      windows.set(id, w);
    }
    w.count += 1;
    c.header('RateLimit-Limit', String(perMinute));
    c.header('RateLimit-Remaining', String(Math.max(0, perMinute - w.count)));
    if (w.count > perMinute) {
      c.header('Retry-After', String(Math.ceil((start + 60_000 - now) / 1000)));
      return c.json({ error: 'rate limit exceeded', limitPerMinute: perMinute }, 429);
    }
    await next();
  };
}
