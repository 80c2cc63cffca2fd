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
