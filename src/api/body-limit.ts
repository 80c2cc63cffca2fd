import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

/**
 * Hono's bodyLimit, judging a declared length by its header. A request with a Content-Length (and
 * no Transfer-Encoding) is refused or let through on that number alone: the HTTP parser holds the
 * body to it, so nothing is read here. Only a body without one (chunked) is counted as it arrives,
 * by Hono's bodyLimit. Why not bodyLimit for all: it reads `c.req.raw.body`, and on Node that makes
 * @hono/node-server build a full web Request with a body stream for every POST, about a quarter of
 * the server's CPU per scored request (`npm run bench:api`).
 *
 * @example app.use('/v1/*', declaredBodyLimit({ maxSize: 256 * 1024, onError: (c) => c.json({ error: 'too large' }, 413) }));
 */
export function declaredBodyLimit(options: { maxSize: number; onError: (c: Context) => Response | Promise<Response> }): MiddlewareHandler {
  const counted = bodyLimit(options);
  return (c, next) => {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD') return next();
    const declared = c.req.header('content-length');
    if (declared !== undefined && c.req.header('transfer-encoding') === undefined) {
      return Number(declared) > options.maxSize ? Promise.resolve(options.onError(c)) : next();
    }
    return counted(c, next);
  };
}
