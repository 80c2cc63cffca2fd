/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { countDecisions, createKey } from '../db/repository.ts';
import { cspViolations, launchChromium, startWidgetServer, type WidgetServer } from './support/widget-browser.ts';
import { sessionOf } from './support/widget-session.ts';

// The form (at /form, for people who prefer it to the chat at /) as a person uses it, in Chromium.
// Lenders' sites are other local servers (other ports are other origins) whose pages embed the
// widget with embed.js: the chat, with its link to the form.

let server: WidgetServer;
let browser: Browser;
let base: string;

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
  server = await startWidgetServer();
  base = server.base;
  [allowed, keyed, stranger] = [await partnerSite(), await partnerSite(), await partnerSite()];
  // One lender is configured (WIDGET_ORIGINS), one has a widget key listing its origin, one neither.
  await createKey(server.database.db, { name: 'keyed lender', scope: 'widget', allowedOrigins: [keyed.origin] }, 'test');
  server.configure({ widgetOrigins: [base, allowed.origin] });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  for (const p of partners) await new Promise((r) => p.server.close(r));
  await server?.close();
});

const decisions = () => countDecisions(server.database.db);

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

const decisionHeading = (where: Page | FrameLocator) => where.locator('#result').getByRole('heading', { level: 2 });

describe('the form at /form in Chromium', () => {
  it('is served like the chat: a session of its own per page, its CSP (no inline code), never cached; each page links to the other', async () => {
    const pages = [];
    for (const path of ['/form', '/form', '/']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const csp = res.headers.get('content-security-policy')!;
      expect(csp).toMatch(/(^|; )default-src 'none'(;|$)/);
      expect(csp).toMatch(/(^|; )script-src 'self'(;|$)/);
      expect(csp).toMatch(/(^|; )frame-ancestors 'self' /);
      expect(csp).not.toMatch(/unsafe-inline/);
      const html = await res.text();
      expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
      expect(html).not.toMatch(/<style|\son[a-z]+=/);
      pages.push({ html, session: sessionOf(html) });
    }
    expect(pages[0].session).not.toBe('');
    expect(new Set(pages.map((p) => p.session)).size).toBe(3);
    expect(pages[0].html).toContain('<script src="/widget.js" defer></script>');
    expect(pages[0].html).toMatch(/<a href="\/">Prefer to chat\?/);
    expect(pages[2].html).toContain('<script src="/chat.js" defer></script>');
    expect(pages[2].html).toMatch(/<a href="\/form"[^>]*>Prefer a form\?/);
    // A session from the form's page works for the API like the chat's.
    const scored = await fetch(`${base}/v1/score`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-widget-session': pages[1].session, origin: base },
      body: '{}',
    });
    expect(scored.status).toBe(400);
  });

  it('fill, submit, see the decision with reasons and offer; it is stored', async () => {
    const page = await browser.newPage();
    const violations = cspViolations(page);
    await page.goto(`${base}/form`);
    await fill(page, applicant);
    await page.getByRole('button', { name: 'See my decision' }).click();
    const result = page.locator('#result');
    await expect.poll(() => decisionHeading(page).textContent()).toMatch(/Approved|Referred|Declined/);
    const text = await result.textContent();
    expect(text).toMatch(/Risk score \d{3} \(band [A-E]\)/);
    expect(text).toMatch(/What raised the risk most/);
    expect(text).toMatch(/Reference: [0-9a-f-]{36}/);
    expect(await decisions()).toBe(1);
    // The page's CSP forbids inline code, and the page needs none.
    expect(violations).toEqual([]);
  });

  it('shows which answers are wrong, next to the field, without losing the others', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/form`);
    await fill(page, { ...applicant, 'FICO credit score': '900' });
    await page.getByRole('button', { name: 'See my decision' }).click();
    const fico = page.getByLabel('FICO credit score');
    await expect.poll(() => fico.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#f-ficoScore-err').textContent()).toMatch(/850/);
    expect(await page.getByLabel('Loan amount').inputValue()).toBe('12000');
    expect(await decisions()).toBe(1);
  });

  it('works from the keyboard and fits a phone screen', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    await page.goto(`${base}/form`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    // Every form control has a visible label.
    const unlabelled = await page.evaluate(
      () => Array.from(document.querySelectorAll('input, select')).filter((el) => !document.querySelector(`label[for="${el.id}"]`)).length,
    );
    expect(unlabelled).toBe(0);
    // First the link to the chat, then the first answer.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('href'))).toBe('/');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('f-loanAmount');
    await page.keyboard.type('5000');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('f-termMonths');
  });

  it('after a restart (a new session secret) an open page gets a new session and still decides', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/form`);
    const before = await decisions();
    server.restart();
    await fill(page, applicant);
    await page.getByRole('button', { name: 'See my decision' }).click();
    await expect.poll(() => decisionHeading(page).textContent()).toMatch(/Approved|Referred|Declined/);
    expect(await decisions()).toBe(before + 1);
  });
});

describe('the widget on lenders’ sites (other origins on 127.0.0.1)', () => {
  it('a configured lender embeds the chat with one script tag, and its visitors who prefer the form get decisions there', async () => {
    const page = await browser.newPage();
    const violations = cspViolations(page);
    await page.goto(`${allowed.origin}/`);
    const frame = page.frameLocator('iframe[title="Lendwise loan check"]');
    await expect.poll(() => frame.getByRole('heading', { name: 'Talk to the loan assistant' }).count()).toBe(1);
    // The form, inside the lender's frame: its page may be framed by the same origins as the chat's.
    await frame.getByRole('link', { name: 'Prefer a form? Use the form' }).click();
    await expect.poll(() => frame.getByRole('heading', { name: 'Check a loan' }).count()).toBe(1);
    const before = await decisions();
    await fill(frame, applicant);
    await frame.getByRole('button', { name: 'See my decision' }).click();
    await expect.poll(() => decisionHeading(frame).textContent()).toMatch(/Approved|Referred|Declined/);
    expect(await frame.locator('#result').textContent()).toMatch(/Reference: [0-9a-f-]{36}/);
    expect(await decisions()).toBe(before + 1);
    expect(violations).toEqual([]);
  });

  it('a lender whose origin a widget key lists embeds it too', async () => {
    const page = await browser.newPage();
    await page.goto(`${keyed.origin}/`);
    const frame = page.frameLocator('iframe[title="Lendwise loan check"]');
    await expect.poll(() => frame.getByRole('heading', { name: 'Talk to the loan assistant' }).count()).toBe(1);
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
    expect(await frame.getByRole('heading', { name: 'Talk to the loan assistant' }).count()).toBe(0);
    const before = await decisions();
    // The forged-Origin attack, from a real browser: it cannot read our page (and its session), and the API refuses it.
    const attempts = await page.evaluate(async (widget) => {
      const attempt = (work: () => Promise<Response>) =>
        work().then(
          (r) => `answered ${r.status}`,
          () => 'blocked',
        );
      return [
        await attempt(() => fetch(`${widget}/`)),
        await attempt(() => fetch(`${widget}/form`)),
        await attempt(() =>
          fetch(`${widget}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-widget-session': 'made-up' }, body: '{}' }),
        ),
      ];
    }, base);
    expect(attempts).toEqual(['blocked', 'blocked', 'blocked']);
    expect(await decisions()).toBe(before);
  });
});
