import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import type { Database } from '../db/client.ts';
import { createKey, registerModel, revokeKey } from '../db/repository.ts';
import { createApp } from '../src/api/app.ts';
import { addressBucket, clientAddress, normaliseAddress, type AddressSource } from '../src/api/client-address.ts';
import { FixedWindows, MAX_ADDRESS_WINDOWS, rateLimit } from '../src/api/rate-limit.ts';
import { sessionSigner, WIDGET_SESSION_HEADER, WIDGET_SESSION_TTL_MS } from '../src/api/widget-session.ts';
import type { WidgetSettings } from '../src/api/widget-settings.ts';
import { loadModel } from '../src/model/load.ts';
import { sampleApplicant } from './helpers.ts';
import { openTestDatabase } from './support/databases.ts';
import { sessionOf, widgetSession } from './support/widget-session.ts';

/**
 * The attacks an outside probe found on the keyless widget, each replayed against the app: a script
 * copying the server's Origin, rotating address headers, address churn that reset every window,
 * and embedding and CORS that ignored what was configured.
 */

const model = loadModel('models');
const OWN = 'https://loans.example';
const PARTNER = 'https://partner.example';
const SECRET = randomBytes(32).toString('base64url');
const NOBODY: AddressSource = { kind: 'socket', trustedProxies: [] };
const json = async (res: Response): Promise<any> => res.json();

/** Hono's node-server bindings as a real connection from `address` would give them. */
const fromSocket = (address: string) => ({ incoming: { socket: { remoteAddress: address } } });

let database: Database;
let adminKey: string;

beforeAll(async () => {
  database = await openTestDatabase('pglite');
  await registerModel(database.db, model);
  adminKey = (await createKey(database.db, { name: 'admin', scope: 'admin' }, 'test')).key;
});
afterAll(async () => {
  await database?.close();
});
afterEach(() => {
  vi.useRealTimers();
});

function appWith(widget: Partial<WidgetSettings> = {}, more: { widgetRatePerMinute?: number } = {}) {
  return createApp({
    model,
    db: () => database.db,
    widgetOrigins: [OWN, PARTNER],
    keyCacheMs: 0,
    widget: { sessionSecret: SECRET, addresses: NOBODY, ...widget },
    ...more,
  });
}

type App = ReturnType<typeof createApp>;

const score = (app: App, headers: Record<string, string>, env?: object, body: unknown = sampleApplicant) =>
  app.request('/v1/score', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } }, env);

describe('attack: a script that sends the server’s own Origin header', () => {
  const app = appWith();

  it('is refused without the session the widget page carries, in plain words', async () => {
    const bare = await score(app, { origin: OWN });
    expect(bare.status).toBe(401);
    expect((await json(bare)).error).toMatch(/an API key is required .*only from the widget page, which sends its session/);
  });

  it('cannot make up, alter, re-sign or outlive a session', async () => {
    const forged = [
      'not-a-session',
      sessionSigner(randomBytes(32).toString('base64url')).issue(OWN), // signed with another secret
      (() => {
        // A genuine session with its origin swapped: the signature no longer matches.
        const [payload, mac] = sessionSigner(SECRET).issue(PARTNER).split('.');
        const changed = JSON.parse(Buffer.from(payload, 'base64url').toString());
        changed.origin = OWN;
        return `${Buffer.from(JSON.stringify(changed)).toString('base64url')}.${mac}`;
      })(),
      'x'.repeat(5_000),
    ];
    for (const session of forged) {
      const res = await score(app, { origin: OWN, [WIDGET_SESSION_HEADER]: session });
      expect(res.status).toBe(401);
      expect((await json(res)).error).toMatch(/this widget session was not issued by this server: reload the widget page/);
    }
    const stale = sessionSigner(SECRET).issue(OWN, Date.now() - WIDGET_SESSION_TTL_MS - 1);
    const expired = await score(app, { origin: OWN, [WIDGET_SESSION_HEADER]: stale });
    expect(expired.status).toBe(401);
    expect((await json(expired)).error).toBe('this widget session has expired: reload the widget page for a new one');
  });

  it('a real session works only from the origin its page was served at', async () => {
    const session = await widgetSession(app, `${OWN}/`);
    for (const origin of ['https://evil.example', PARTNER]) {
      const res = await score(app, { origin, [WIDGET_SESSION_HEADER]: session });
      expect(res.status).toBe(401);
      expect((await json(res)).error).toBe(`this widget session belongs to the widget page at ${OWN} and cannot be used from ${origin}`);
    }
    const noOrigin = await score(app, { [WIDGET_SESSION_HEADER]: session });
    expect((await json(noOrigin)).error).toMatch(/cannot be used without an Origin header/);
    const ok = await score(app, { origin: OWN, [WIDGET_SESSION_HEADER]: session });
    expect(ok.status).toBe(200);
    const stored = await json(await app.request(`/v1/applications/${(await json(ok)).applicationId}`, { headers: { 'x-api-key': adminKey } }));
    expect(stored.channel).toBe('widget');
  });

  it('a Host header naming another site gets a page without a session', async () => {
    const page = await app.request('https://evil.example/');
    expect(page.status).toBe(200);
    expect(sessionOf(await page.text())).toBe('');
    // With PUBLIC_URL the session is always for it, whatever the Host says.
    const behindProxy = appWith({ publicUrl: OWN });
    const session = await widgetSession(behindProxy, 'http://10.0.0.5:8787/');
    expect((await score(behindProxy, { origin: OWN, [WIDGET_SESSION_HEADER]: session })).status).toBe(200);
  });

  it('each page’s session owns what it creates: one visitor’s idempotency key is not another’s', async () => {
    const [first, second] = [await widgetSession(app, `${OWN}/`), await widgetSession(app, `${OWN}/`)];
    const call = (session: string, loanAmount: number) =>
      score(app, { origin: OWN, [WIDGET_SESSION_HEADER]: session, 'idempotency-key': 'same-key-123' }, undefined, { ...sampleApplicant, loanAmount });
    const a = await call(first, 5_000);
    const b = await call(second, 6_000);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect((await json(a)).applicationId).not.toBe((await json(b)).applicationId);
  });
});

describe('attack: rotating X-Forwarded-For and CF-Connecting-IP to escape the widget’s limit', () => {
  it('counts the connection’s address when no proxy is trusted, whatever the headers say', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:05Z'));
    const app = appWith({}, { widgetRatePerMinute: 3 });
    const session = await widgetSession(app, `${OWN}/`);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const spoofed = { 'x-forwarded-for': `198.51.100.${i}`, 'cf-connecting-ip': `192.0.2.${i}` };
      statuses.push((await score(app, { origin: OWN, [WIDGET_SESSION_HEADER]: session, ...spoofed }, fromSocket('203.0.113.7'), {})).status);
    }
    // 400: counted, then refused for the empty body; the fourth call is over the limit.
    expect(statuses).toEqual([400, 400, 400, 429, 429]);
    // Another client (another connection) has its own limit; IPv4 on a dual-stack socket is the same client.
    expect((await score(app, { origin: OWN, [WIDGET_SESSION_HEADER]: session }, fromSocket('203.0.113.8'), {})).status).toBe(400);
    expect((await score(app, { origin: OWN, [WIDGET_SESSION_HEADER]: session }, fromSocket('::ffff:203.0.113.7'), {})).status).toBe(429);
  });

  it('counts an IPv6 client by its /64, so it cannot walk through its own addresses', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:01:05Z'));
    const app = appWith({}, { widgetRatePerMinute: 2 });
    const session = await widgetSession(app, `${OWN}/`);
    const statuses = [];
    for (const address of ['2001:db8:5:6::1', '2001:db8:5:6::2', '2001:db8:5:6::abcd:1', '2001:db8:5:6:ffff:ffff:ffff:ffff']) {
      statuses.push((await score(app, { origin: OWN, [WIDGET_SESSION_HEADER]: session }, fromSocket(address), {})).status);
    }
    expect(statuses).toEqual([400, 400, 429, 429]);
    expect((await score(app, { origin: OWN, [WIDGET_SESSION_HEADER]: session }, fromSocket('2001:db8:5:7::1'), {})).status).toBe(400);
  });

  it('behind a trusted proxy, reads X-Forwarded-For from the right: made-up entries on the left change nothing', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:02:05Z'));
    const app = appWith({ addresses: { kind: 'socket', trustedProxies: ['10.0.0.0/8'] } }, { widgetRatePerMinute: 2 });
    const session = await widgetSession(app, `${OWN}/`);
    const viaProxy = (forwardedFor: string) =>
      score(app, { origin: OWN, [WIDGET_SESSION_HEADER]: session, 'x-forwarded-for': forwardedFor }, fromSocket('10.0.0.2'), {});
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await viaProxy(`192.0.2.${i}, 198.51.100.7`)).status);
    expect(statuses).toEqual([400, 400, 429, 429]);
    // Another client behind the same proxy is counted on its own.
    expect((await viaProxy('198.51.100.8')).status).toBe(400);
  });
});

describe('client addresses', () => {
  const resolve = async (source: AddressSource, headers: Record<string, string>, peer?: string) => {
    const probe = new Hono().get('/', (c) => c.text(clientAddress(source)(c)));
    return (await probe.request('/', { headers }, peer ? fromSocket(peer) : undefined)).text();
  };
  const proxies: AddressSource = { kind: 'socket', trustedProxies: ['10.0.0.0/8', '2001:db8:ffff::/48', '127.0.0.1'] };

  it('believes X-Forwarded-For only from a trusted proxy, and CF-Connecting-IP only on Workers', async () => {
    const spoof = { 'x-forwarded-for': '198.51.100.1', 'cf-connecting-ip': '198.51.100.2' };
    expect(await resolve(NOBODY, spoof, '203.0.113.7')).toBe('203.0.113.7');
    expect(await resolve(proxies, spoof, '203.0.113.7')).toBe('203.0.113.7');
    expect(await resolve(proxies, spoof, '10.1.2.3')).toBe('198.51.100.1');
    expect(await resolve(proxies, { 'x-forwarded-for': '1.1.1.1, 198.51.100.5, 10.0.0.9' }, '127.0.0.1')).toBe('198.51.100.5');
    expect(await resolve(proxies, { 'x-forwarded-for': '10.0.0.7, 10.0.0.8' }, '10.0.0.1')).toBe('10.0.0.7');
    expect(await resolve(proxies, { 'x-forwarded-for': '[2001:db8::1]:443' }, '2001:db8:ffff:1::2')).toBe('2001:db8::1');
    // Garbage where our proxy's entry should be: the proxy itself is the client we can vouch for.
    expect(await resolve(proxies, { 'x-forwarded-for': 'not-an-address' }, '10.0.0.1')).toBe('10.0.0.1');
    expect(await resolve({ kind: 'cloudflare' }, spoof, '10.0.0.1')).toBe('198.51.100.2');
    expect(await resolve(NOBODY, spoof)).toBe('unknown');
  });

  it('spells each address one way and buckets IPv6 by /64', () => {
    expect(normaliseAddress('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(normaliseAddress('2001:0db8:0000::0001')).toBe('2001:db8::1');
    expect(normaliseAddress('203.0.113.7:5678')).toBe('203.0.113.7');
    expect(normaliseAddress('example.com')).toBeUndefined();
    expect(addressBucket('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(addressBucket('203.0.113.7')).toBe('203.0.113.7');
  });
});

describe('attack: address churn that cleared every window (and every key’s)', () => {
  it('a key at its limit stays there while more distinct addresses than the table holds come and go', async () => {
    const at = Date.parse('2030-01-01T00:00:01Z');
    const limited = new Hono().use(
      '*',
      rateLimit(
        (c) => {
          const key = c.req.header('x-key');
          return key ? { kind: 'key', id: key, perMinute: 2 } : { kind: 'address', id: c.req.header('x-address')!, perMinute: 30 };
        },
        { now: () => at },
      ),
    );
    limited.get('/', (c) => c.text('ok'));
    const asKey = async () => (await limited.request('/', { headers: { 'x-key': '7' } })).status;
    expect([await asKey(), await asKey(), await asKey()]).toEqual([200, 200, 429]);
    // The probe's ~120,000 addresses, and more than the address table holds.
    for (let i = 0; i < MAX_ADDRESS_WINDOWS + 70_000; i++) {
      await limited.request('/', { headers: { 'x-address': `a${i}` } });
    }
    expect(await asKey()).toBe(429);
  });

  it('drops finished windows first, then the oldest, and never holds more than its bound', () => {
    const windows = new FixedWindows({ windowMs: 60_000, maxEntries: 1_000 });
    const t0 = Date.parse('2030-01-01T00:00:00Z');
    for (let i = 0; i < 5; i++) windows.hit('steady', t0);
    for (let i = 0; i < 999; i++) windows.hit(`a${i}`, t0 + 1);
    expect(windows.size).toBe(1_000);
    // A live window is kept while there is room: the steady client's count goes on.
    expect(windows.hit('steady', t0 + 2).count).toBe(6);
    for (let i = 0; i < 5_000; i++) windows.hit(`b${i}`, t0 + 3);
    expect(windows.size).toBe(1_000);
    // In the next minute every old window goes at the first hit, not one by one.
    expect(windows.hit('fresh', t0 + 60_000)).toEqual({ count: 1, resetAt: t0 + 120_000 });
    expect(windows.size).toBe(1);
  });
});

describe('embedding and CORS follow the configured origins and the widget keys’', () => {
  const app = appWith();

  it('lets the page be framed by the configured origins and widget keys’ origins only, with a CSP of its own', async () => {
    const { record } = await createKey(database.db, { name: 'lender site', scope: 'widget', allowedOrigins: ['https://lender.example'] }, 'test');
    // Origins that would add a directive to the header are left out.
    await createKey(database.db, { name: 'bad row', scope: 'widget', allowedOrigins: ["https://x.example; script-src 'unsafe-inline'"] }, 'test');
    await createKey(database.db, { name: 'not a widget key', scope: 'score', allowedOrigins: ['https://other.example'] }, 'test');
    const page = await app.request(`${OWN}/`);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toMatch(/(^|; )frame-ancestors 'self' https:\/\/loans\.example https:\/\/partner\.example https:\/\/lender\.example$/);
    expect(csp).toMatch(/(^|; )script-src 'self'(;|$)/);
    expect(csp).toMatch(/(^|; )default-src 'none'(;|$)/);
    expect(csp).not.toMatch(/unsafe-inline|other\.example|x\.example/);
    expect(page.headers.get('x-frame-options')).toBeNull();
    expect(page.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(page.headers.get('cache-control')).toBe('no-store');
    const html = await page.text();
    // No inline code: every script is a file, no style element, no event attribute.
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\son[a-z]+=/);
    await revokeKey(database.db, record.id, 'test');
    expect((await app.request(`${OWN}/`)).headers.get('content-security-policy')).not.toMatch(/lender\.example/);
    // Everything else keeps its strict headers.
    const health = await app.request('/healthz');
    expect(health.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(health.headers.get('cross-origin-resource-policy')).toBe('same-origin');
  });

  it('serves embed.js to other sites, with its address from PUBLIC_URL or its own URL, never the Host header', async () => {
    const embed = await app.request('https://evil.example/embed.js');
    expect(embed.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(embed.headers.get('x-frame-options')).toBeNull();
    const script = await embed.text();
    expect(script).not.toMatch(/evil\.example/);
    expect(script).toContain("frame.src = new URL('/', s.src).href;");
    const configured = await (await appWith({ publicUrl: 'https://loans.example' }).request('https://evil.example/embed.js')).text();
    expect(configured).toContain('frame.src = "https://loans.example/";');
  });

  it('answers CORS for an origin an active widget key lists, and no longer once it is revoked', async () => {
    const preflight = async (origin: string) =>
      (await app.request('/v1/score', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } })).headers.get(
        'access-control-allow-origin',
      );
    expect(await preflight('https://shop.example')).toBeNull();
    const { key, record } = await createKey(database.db, { name: 'shop', scope: 'widget', allowedOrigins: ['https://shop.example'] }, 'test');
    expect(await preflight('https://shop.example')).toBe('https://shop.example');
    expect(await preflight(PARTNER)).toBe(PARTNER);
    const scored = await score(app, { origin: 'https://shop.example', 'x-api-key': key });
    expect(scored.status).toBe(200);
    expect(scored.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    // The page's script may send an Idempotency-Key and read Retry-After, Idempotent-Replayed and X-Request-Id.
    expect(scored.headers.get('access-control-expose-headers')).toBe('retry-after,idempotent-replayed,x-request-id');
    const allowed = await app.request('/v1/score', {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'idempotency-key' },
    });
    expect(allowed.headers.get('access-control-allow-headers')?.split(',')).toContain('idempotency-key');
    await revokeKey(database.db, record.id, 'test');
    expect(await preflight('https://shop.example')).toBeNull();
    expect(await preflight('https://other.example')).toBeNull();
  });
});

describe('the session secret', () => {
  it('is made once per process when WIDGET_SESSION_SECRET is absent, with a line saying sessions end on restart', async () => {
    vi.resetModules();
    const { sessionSecret } = await import('../src/api/widget-session.ts');
    const lines: string[] = [];
    const first = sessionSecret(undefined, (l) => lines.push(l));
    expect(sessionSecret(undefined, (l) => lines.push(l))).toBe(first);
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/WIDGET_SESSION_SECRET is not set: .*end on restart/);
    expect(sessionSecret('configured-secret-configured-secret!', (l) => lines.push(l))).toBe('configured-secret-configured-secret!');
    expect(lines).toHaveLength(1);
  });
});
