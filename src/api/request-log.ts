import { createMiddleware } from 'hono/factory';
import { nodeResponse } from './node-response.ts';

/**
 * Logs for operators, never applicants' data (issue 14): one JSON line per request with its id,
 * method, route pattern (never the URL: no query parameters), status and latency, and for failures
 * the error's class and code only (a database driver's message can carry a whole application).
 */

/** What the app logs to: pino on Node (src/node/start.ts), JSON lines on the console elsewhere. */
export interface RequestLogger {
  info(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/**
 * Failures only, one JSON object per line on stderr (pino's shape), for runtimes without pino: the
 * Worker (Cloudflare logs every request itself) and tests. Node logs every request through pino.
 */
export const consoleLogger: RequestLogger = {
  info: () => {},
  error: (fields, msg) => console.error(JSON.stringify({ level: 50, time: Date.now(), ...fields, msg })),
};

// Each request's id, for the error handler's line and the client (X-Request-Id).
declare module 'hono' {
  interface ContextVariableMap {
    requestId?: string;
  }
}

const CLIENT_ID = /^[\w.-]{8,64}$/;

/**
 * @example app.use('*', requestLog(consoleLogger));
 */
export function requestLog(logger: RequestLogger) {
  return createMiddleware(async (c, next) => {
    const given = c.req.header('x-request-id');
    // A proxy's id is kept when it looks like one; anything else is replaced, never echoed.
    const id = given && CLIENT_ID.test(given) ? given : crypto.randomUUID();
    c.set('requestId', id);
    const outgoing = nodeResponse(c);
    outgoing?.setHeader('x-request-id', id);
    const started = performance.now();
    await next();
    if (!outgoing) {
      // On the answer's own headers; one whose headers are immutable (a redirect, a fetched one) is copied by c.header().
      try {
        c.res.headers.set('x-request-id', id);
      } catch {
        c.header('x-request-id', id);
      }
    }
    const fields = { reqId: id, method: c.req.method, route: c.req.routePath, status: c.res.status, ms: Math.round((performance.now() - started) * 10) / 10 };
    if (c.res.status >= 500) logger.error(fields, 'request failed');
    else logger.info(fields, 'request');
  });
}
