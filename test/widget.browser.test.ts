/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Browser, type FrameLocator, type Page } from 'playwright-core';
import type { Database } from '../db/client.ts';
import { countDecisions, createKey, registerModel } from '../db/repository.ts';
import { createApp } from '../src/api/app.ts';
import type { WidgetSettings } from '../src/api/widget-settings.ts';
import { swaggerAssets } from '../src/node/docs-assets.ts';
import { loadModel } from '../src/model/load.ts';
import { openTestDatabase } from './support/databases.ts';

// The widget as a person uses it: Debian's Chromium, driven by playwright-core. Lenders' sites are
// other local servers (other ports are other origins) whose pages embed it with embed.js.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let database: Database;
let server: ServerType;
let browser: Browser;
let base: string;
let app: ReturnType<typeof createApp>;
let makeApp: (settings: WidgetSettings) => ReturnType<typeof createApp>;
const settings = (): WidgetSettings => ({ sessionSecret: randomBytes(32).toString('base64url'), addresses: { kind: 'socket', trustedProxies: [] } });

/** A lender's site: one page that embeds the widget with the documented script tag. */
interface Partner {
  origin: string;
  server: Server;
}
const partners: Partner[] = [];

async function partnerSite(): Promise<Partner> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><html lang="en"><head><title>A lender</title></head><body><h1>A lender</h1><script src="${base}/embed.js" async></script></body></html>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const partner = { origin: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
  partners.push(partner);
  return partner;
}

let allowed: Partner;
let keyed: Partner;
let stranger: Partner;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  database = await openTestDatabase('pglite');
  const model = loadModel('models');
  await registerModel(database.db, model);
  // The node-server bindings go through: the app reads the client's address from the socket.
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: (req, env) => app.fetch(req, env), port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  [allowed, keyed, stranger] = [await partnerSite(), await partnerSite(), await partnerSite()];
  // One lender is configured (WIDGET_ORIGINS), one has a widget key listing its origin, one neither.
  await createKey(database.db, { name: 'keyed lender', scope: 'widget', allowedOrigins: [keyed.origin] }, 'test');
  makeApp = (widget) => createApp({ model, db: () => database.db, widgetOrigins: [base, allowed.origin], docsAssets: swaggerAssets(), widget, keyCacheMs: 0 });
  app = makeApp(settings());
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => server?.close(r));
  for (const p of partners) await new Promise((r) => p.server.close(r));
  await database?.close();
});

async function fill(where: Page | FrameLocator, values: Record<string, string>): Promise<void> {
  for (const [label, value] of Object.entries(values)) {
    const field = where.getByLabel(label, { exact: false }).first();
    if ((await field.evaluate((el) => el.tagName)) === 'SELECT') await field.selectOption({ label: value });
    else await field.fill(value);
  }
}

const applicant = {
  'Loan amount': '12000',
  'Loan term': '36',
  'What the loan is for': 'Paying off other debts',
  'Yearly income before tax': '60000',
  'Home ownership': 'rent',
  'FICO credit score': '700',
  'Payments 30+ days late': '0',
  'Credit applications': '1',
  'Open credit accounts': '9',
  'Public records': '0',
};

/** Content-Security-Policy violations the page reports (inline code, foreign calls): there must be none. */
function cspViolations(page: Page): string[] {
  const seen: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) seen.push(m.text());
  });
  return seen;
}

const decisionHeading = (where: Page | FrameLocator) => where.locator('#result').getByRole('heading', { level: 2 });

describe('web widget in Chromium', () => {
  it('fill, submit, see the decision with reasons and offer; it is stored', async () => {
    const page = await browser.newPage();
    const violations = cspViolations(page);
    await page.goto(`${base}/`);
    await fill(page, applicant);
    await page.getByRole('button', { name: 'See my decision' }).click();
    const result = page.locator('#result');
    await expect.poll(() => decisionHeading(page).textContent()).toMatch(/Approved|Referred|Declined/);
    const text = await result.textContent();
    expect(text).toMatch(/Risk score \d{3} \(band [A-E]\)/);
    expect(text).toMatch(/What raised the risk most/);
    expect(text).toMatch(/Reference: [0-9a-f-]{36}/);
    expect(await countDecisions(database.db)).toBe(1);
    // The page's CSP forbids inline code, and the page needs none.
    expect(violations).toEqual([]);
  });

  it('shows which answers are wrong, next to the field, without losing the others', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    await fill(page, { ...applicant, 'FICO credit score': '900' });
    await page.getByRole('button', { name: 'See my decision' }).click();
    const fico = page.getByLabel('FICO credit score');
    await expect.poll(() => fico.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#f-ficoScore-err').textContent()).toMatch(/850/);
    expect(await page.getByLabel('Loan amount').inputValue()).toBe('12000');
    expect(await countDecisions(database.db)).toBe(1);
  });

  it('works from the keyboard and fits a phone screen', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    await page.goto(`${base}/`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    // Every form control has a visible label.
    const unlabelled = await page.evaluate(
      () => Array.from(document.querySelectorAll('input, select')).filter((el) => !document.querySelector(`label[for="${el.id}"]`)).length,
    );
    expect(unlabelled).toBe(0);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('f-loanAmount');
    await page.keyboard.type('5000');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('f-termMonths');
  });

  it('after a restart (a new session secret) an open page gets a new session and still decides', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    const before = await countDecisions(database.db);
    app = makeApp(settings());
    await fill(page, applicant);
    await page.getByRole('button', { name: 'See my decision' }).click();
    await expect.poll(() => decisionHeading(page).textContent()).toMatch(/Approved|Referred|Declined/);
    expect(await countDecisions(database.db)).toBe(before + 1);
  });
});

describe('the widget on lenders’ sites (other origins on 127.0.0.1)', () => {
  it('a configured lender embeds it with one script tag, and its visitors get decisions', async () => {
    const page = await browser.newPage();
    const violations = cspViolations(page);
    await page.goto(`${allowed.origin}/`);
    const frame = page.frameLocator('iframe[title="Lendwise loan check"]');
    await expect.poll(() => frame.getByRole('heading', { name: 'Check a loan' }).count()).toBe(1);
    const before = await countDecisions(database.db);
    await fill(frame, applicant);
    await frame.getByRole('button', { name: 'See my decision' }).click();
    await expect.poll(() => decisionHeading(frame).textContent()).toMatch(/Approved|Referred|Declined/);
    expect(await frame.locator('#result').textContent()).toMatch(/Reference: [0-9a-f-]{36}/);
    expect(await countDecisions(database.db)).toBe(before + 1);
    expect(violations).toEqual([]);
  });

  it('a lender whose origin a widget key lists embeds it too', async () => {
    const page = await browser.newPage();
    await page.goto(`${keyed.origin}/`);
    const frame = page.frameLocator('iframe[title="Lendwise loan check"]');
    await expect.poll(() => frame.getByRole('heading', { name: 'Check a loan' }).count()).toBe(1);
  });

  it('a page on any other origin cannot frame it, nor read a session, nor call the API from its visitors’ browsers', async () => {
    const page = await browser.newPage();
    const blocked = page.waitForEvent('requestfailed', { predicate: (r) => r.url() === `${base}/` });
    const said = page.waitForEvent('console', {
      predicate: (m) => /violates the following Content Security Policy directive: "frame-ancestors/.test(m.text()),
    });
    await page.goto(`${stranger.origin}/`);
    expect((await blocked).failure()?.errorText).toBe('net::ERR_BLOCKED_BY_RESPONSE');
    expect((await said).text()).not.toContain(stranger.origin);
    const frame = page.frameLocator('iframe[title="Lendwise loan check"]');
    expect(await frame.getByRole('heading', { name: 'Check a loan' }).count()).toBe(0);
    const before = await countDecisions(database.db);
    // The forged-Origin attack, from a real browser: it cannot read our page (and its session), and the API refuses it.
    const attempts = await page.evaluate(async (widget) => {
      const attempt = (work: () => Promise<Response>) =>
        work().then(
          (r) => `answered ${r.status}`,
          () => 'blocked',
        );
      return [
        await attempt(() => fetch(`${widget}/`)),
        await attempt(() =>
          fetch(`${widget}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-widget-session': 'made-up' }, body: '{}' }),
        ),
      ];
    }, base);
    expect(attempts).toEqual(['blocked', 'blocked']);
    expect(await countDecisions(database.db)).toBe(before);
  });
});
