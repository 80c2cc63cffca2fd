import type { Context } from 'hono';

/** The part of Node's `http.ServerResponse` the middleware writes headers to. */
export interface NodeResponseHeaders {
  setHeader(name: string, value: string): unknown;
  getHeader(name: string): unknown;
  /** True once the answer has gone (the deadline's 503 may go while the middleware behind it still runs). */
  headersSent: boolean;
}

/**
 * Node's response for this request when @hono/node-server serves it (its bindings carry it), else
 * undefined (Workers, `app.request`). Headers every answer gets are set there before the handler:
 * Node adds the answer's own headers when it writes it. Set on Hono's side instead, they turn the
 * answer's plain header record into a web `Headers` that node-server then has to copy out again,
 * and set after the handler, they make it rebuild the finished answer as a stream.
 *
 * @example nodeResponse(c)?.setHeader('x-request-id', id)
 */
export function nodeResponse(c: Context): NodeResponseHeaders | undefined {
  const outgoing = (c.env as { outgoing?: { setHeader?: unknown } } | undefined)?.outgoing;
  return typeof outgoing?.setHeader === 'function' ? (outgoing as NodeResponseHeaders) : undefined;
}

/**
 * Sets a header on whatever this request is answered with, from a handler, the error handler or a
 * middleware that answers itself: on Node's response when there is one, else through Hono. On Node
 * a header the answer sets itself replaces this one (no route sets these); once the answer has gone
 * (a request past its deadline, still running behind the 503) there is nothing left to set.
 *
 * @example answerHeader(c, 'RateLimit-Remaining', '59')
 */
export function answerHeader(c: Context, name: string, value: string, options?: { append?: boolean }): void {
  const outgoing = nodeResponse(c);
  if (!outgoing) {
    c.header(name, value, options);
    return;
  }
  if (outgoing.headersSent) return;
  const before = options?.append ? outgoing.getHeader(name) : undefined;
  outgoing.setHeader(name, before === undefined ? value : `${before}, ${value}`);
}

/** The part of Node's `http.IncomingMessage` the request deadline reads. */
export interface NodeRequestState {
  /** The whole message (its body included) has arrived. */
  complete: boolean;
  /** null until something reads the body. */
  readableFlowing: boolean | null;
}

/**
 * Node's request when @hono/node-server serves it, else undefined.
 *
 * @example nodeRequest(c)?.complete
 */
export function nodeRequest(c: Context): NodeRequestState | undefined {
  const incoming = (c.env as { incoming?: Partial<NodeRequestState> } | undefined)?.incoming;
  return typeof incoming?.complete === 'boolean' ? (incoming as NodeRequestState) : undefined;
}
