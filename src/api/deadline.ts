import { createMiddleware } from 'hono/factory';
import type { Context } from 'hono';
import { Deadline } from '../app/deadline.ts';
import { nodeRequest } from './node-response.ts';

// Every handler may read its request's deadline (c.get('deadline')), whatever its own env type.
declare module 'hono' {
  interface ContextVariableMap {
    deadline?: Deadline;
  }
}

const CORS_HEADERS = ['access-control-allow-origin', 'access-control-allow-credentials', 'access-control-expose-headers', 'vary'];

/** 'late' after `ms`, and the timer to clear when the work wins (a module function: fewer closures per request than one defined inline). */
function lateAfter(ms: number): { promise: Promise<'late'>; timer: ReturnType<typeof setTimeout> } {
  let timer!: ReturnType<typeof setTimeout>;
  const promise = new Promise<'late'>((resolve) => {
    timer = setTimeout(resolve, ms, 'late');
  });
  return { promise, timer };
}

/** On Node: the app has begun to read the body and it has not all arrived (false when nobody reads it yet). */
function bodyStillArriving(c: Context): boolean {
  const incoming = nodeRequest(c);
  return incoming !== undefined && incoming.readableFlowing !== null && !incoming.complete;
}

/**
 * Answers every request within `ms`: past it, a 503 with Retry-After, unless the request's decision
 * is being committed (then its own answer, once the commit settles, within `graceMs` more), or its
 * body is still arriving (then a 408 that says so: the client's fault, not the service's). The
 * handler's work goes on in the background and stores nothing (see Deadline), so a client that
 * retries does not get a second decision. Handlers pass `c.get('deadline')` to the decision service.
 *
 * @example app.use('/v1/score', requestDeadline(10_000));
 */
export function requestDeadline(ms: number, graceMs = 5_000, retryAfterSeconds = 5) {
  return createMiddleware(async (c, next) => {
    const deadline = new Deadline();
    c.set('deadline', deadline);
    const work = next().then(() => 'done' as const);
    // Whatever the handler does after we answered must not surface as an unhandled rejection.
    work.catch(() => {});
    let late = lateAfter(ms);
    try {
      if ((await Promise.race([work, late.promise])) === 'done') return;
      if (!deadline.expire()) {
        late = lateAfter(graceMs);
        if ((await Promise.race([work, late.promise])) === 'done') return;
      }
    } finally {
      clearTimeout(late.timer);
    }
    // A fresh answer, keeping what CORS said already: a browser must see this 503, not a CORS error.
    const kept: Record<string, string> = {};
    for (const name of CORS_HEADERS) {
      const value = c.res.headers.get(name);
      if (value !== null) kept[name] = value;
    }
    c.res = undefined;
    if (bodyStillArriving(c)) {
      // The client's fault, not the service's: a Content-Length larger than what it sent, or a body
      // that stopped. The connection is closed, since the rest of that body would be read as a request.
      c.res = c.json(
        { error: `the request body did not arrive in full within ${Math.round(ms / 1000)} s (is its Content-Length right?); nothing was stored` },
        408,
        { ...kept, connection: 'close' },
      );
      return;
    }
    c.res = c.json(
      { error: `no answer within ${Math.round(ms / 1000)} s: the service or its database is unavailable; nothing was stored, try again later` },
      503,
      { ...kept, 'retry-after': String(retryAfterSeconds) },
    );
  });
}
