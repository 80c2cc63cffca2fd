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
