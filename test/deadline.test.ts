import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { describe, expect, it } from 'vitest';
import { requestDeadline } from '../src/api/deadline.ts';

/**
 * The request deadline's 503 replaces whatever answer was under way: it must keep what CORS said,
 * or a partner page's script sees a CORS error instead of the 503 and its Retry-After.
 */
describe('the request deadline', () => {
  const app = new Hono();
  app.use('*', cors({ origin: (origin) => (origin === 'https://partner.example' ? origin : null) }));
  app.use('*', requestDeadline(50, 20));
  app.post('/hangs', () => new Promise<Response>(() => {}));

  it('answers 503 with Retry-After, readable by the allowed origin', async () => {
    const fromPartner = await app.request('/hangs', { method: 'POST', headers: { origin: 'https://partner.example' } });
    expect(fromPartner.status).toBe(503);
    expect(fromPartner.headers.get('retry-after')).toBe('5');
    expect(fromPartner.headers.get('access-control-allow-origin')).toBe('https://partner.example');
    expect(((await fromPartner.json()) as { error: string }).error).toMatch(/nothing was stored/);
    const elsewhere = await app.request('/hangs', { method: 'POST', headers: { origin: 'https://evil.example' } });
    expect(elsewhere.status).toBe(503);
    expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('the request deadline on Node', () => {
  it('takes no header from middleware still running behind its 503, and logs no error for it', async () => {
    const { serve } = await import('@hono/node-server');
    const { answerHeader } = await import('../src/api/node-response.ts');
    const errors: unknown[] = [];
    const app = new Hono();
    app.onError((error, c) => {
      errors.push(error);
      return c.json({ error: 'internal error' }, 500);
    });
    app.use('*', requestDeadline(50, 20));
    // A key lookup that stalls past the deadline, then counts the request (as the rate limit does).
    app.use('*', async (c, next) => {
      await new Promise((resolve) => setTimeout(resolve, 150));
      answerHeader(c, 'RateLimit-Remaining', '59');
      await next();
    });
    app.post('/slow', (c) => c.json({ ok: true }));
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    try {
      const { port } = server.address() as { port: number };
      const res = await fetch(`http://127.0.0.1:${port}/slow`, { method: 'POST' });
      expect(res.status).toBe(503);
      expect(res.headers.get('ratelimit-remaining')).toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 250));
      expect(errors).toEqual([]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('the request deadline on Node, when the body is what is late', () => {
  /** Sends `request` on a raw socket and returns what came back, and how long it took. */
  async function exchange(port: number, request: string | Buffer): Promise<{ answer: string; ms: number }> {
    const { connect } = await import('node:net');
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    socket.write(request);
    let answer = '';
    await new Promise<void>((resolve) => {
      socket.on('data', (d: Buffer) => {
        answer += d.toString();
        // One JSON answer: the headers, then the body's closing brace.
        if (answer.includes('\r\n\r\n') && answer.trimEnd().endsWith('}')) resolve();
      });
      socket.on('close', () => resolve());
      setTimeout(resolve, 3_000);
    });
    socket.destroy();
    return { answer, ms: Date.now() - started };
  }

  it('answers 408 and closes the connection for a body that never arrives in full, and 503 for everything else', async () => {
    const { serve } = await import('@hono/node-server');
    const app = new Hono();
    app.use('*', requestDeadline(200, 20));
    // The body is read, then the work hangs (the database gone, say).
    app.post('/reads', async (c) => {
      await c.req.json();
      return new Promise<Response>(() => {});
    });
    // The work hangs before anyone reads the body (a key lookup that stalls).
    app.post('/stalls', () => new Promise<Response>(() => {}));
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    try {
      const { port } = server.address() as { port: number };
      const head = (path: string, length: number) =>
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;
      // Ten bytes sent of the hundred declared.
      const short = await exchange(port, `${head('/reads', 100)}{"a":1234}`);
      expect(short.answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(short.answer).toMatch(/connection: close/i);
      expect(short.answer).toContain('did not arrive in full within');
      expect(short.ms).toBeLessThan(2_000);
      // The whole body, then the work hangs: the service's fault, 503 as before.
      const whole = await exchange(port, `${head('/reads', 10)}{"a":1234}`);
      expect(whole.answer).toMatch(/^HTTP\/1\.1 503 /);
      expect(whole.answer).toMatch(/retry-after: 5/i);
      // A large body nobody has read yet (past Node's buffer, so it has not all been taken in): still 503.
      const large = JSON.stringify({ pad: 'x'.repeat(100_000) });
      const unread = await exchange(port, `${head('/stalls', large.length)}${large}`);
      expect(unread.answer).toMatch(/^HTTP\/1\.1 503 /);
    } finally {
      (server as import('node:http').Server).closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
