/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { countDecisions } from '../db/repository.ts';
import { CHAT_STORAGE, CHAT_TEXTS } from '../src/api/widget-chat-assets.ts';
import { cspViolations, launchChromium, startWidgetServer, type WidgetServer } from './support/widget-browser.ts';

// The chat at / as a person uses it, in Chromium, against the real app and POST /v1/chat: a loan
// applied for in words and buttons up to a decision, a reload that resumes, Start again, Spanish,
// a phone screen and the keyboard. UPDATE_SCREENSHOTS=1 writes the screenshots to docs/screenshots/
// (the README shows them); otherwise they go to a temporary directory.

const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS ? 'docs/screenshots' : mkdtempSync(join(tmpdir(), 'lendwise-screens-'));
const DESKTOP = { width: 1280, height: 860 };
const PHONE = { width: 360, height: 740 };

let server: WidgetServer;
let browser: Browser;
let base: string;

beforeAll(async () => {
  server = await startWidgetServer();
  base = server.base;
  // A whole application is some twenty calls; these tests make several from one address.
  server.configure({ widgetRatePerMinute: 10_000 });
  browser = await launchChromium();
  mkdirSync(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** One call the page made to /v1/chat, as it went on the wire. */
interface Call {
  method: string;
  path: string;
  body: Record<string, unknown> | undefined;
  session: string | undefined;
  status?: number;
  answer?: Record<string, any>;
}

/** A visitor: a browser context speaking `locale`, a page on the chat, and every /v1/chat call it makes. */
async function visitor(locale: 'en-US' | 'es-ES', viewport = DESKTOP): Promise<{ context: BrowserContext; page: Page; calls: Call[]; violations: string[] }> {
  const context = await browser.newContext({ locale, viewport });
  const page = await context.newPage();
  const calls: Call[] = [];
  const violations = cspViolations(page);
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (!url.pathname.startsWith('/v1/chat')) return;
    calls.push({ method: r.method(), path: url.pathname, body: r.postData() ? r.postDataJSON() : undefined, session: r.headers()['x-widget-session'] });
  });
  page.on('response', async (r) => {
    const url = new URL(r.url());
    if (!url.pathname.startsWith('/v1/chat')) return;
    const call = calls.findLast((c) => c.path === url.pathname && c.method === r.request().method() && c.status === undefined);
    if (!call) return;
    call.status = r.status();
    if (r.status() === 200) call.answer = await r.json().catch(() => undefined);
  });
  return { context, page, calls, violations };
}

/** The assistant's messages and cards shown so far (not the typing indicator, not the person's). */
const fromAssistant = (page: Page) => page.locator('#log > .msg:not(#typing):not(.me)');

/** Waits for the assistant to answer: more of its messages than `before`, and no longer typing. */
async function settle(page: Page, before: number): Promise<void> {
  await expect.poll(() => fromAssistant(page).count(), { timeout: 15_000 }).toBeGreaterThan(before);
  await expect.poll(() => page.locator('#typing').isHidden(), { timeout: 15_000 }).toBe(true);
  const last = page.locator('#log > .msg:not(#typing)').last();
  if (await last.evaluate((el) => el.classList.contains('note'))) throw new Error(`the page said: ${await last.textContent()}`);
}

async function transcript(page: Page): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: the log as it reads on screen, one message a line
  return (await page.locator('#log').innerText()).replace(/\n{2,}/g, '\n');
}

/** Types `text` in the box and sends it with Enter; waits for the answer. */
async function say(page: Page, text: string): Promise<void> {
  const before = await fromAssistant(page).count();
  await page.locator('#say').fill(text);
  await page.locator('#say').press('Enter');
  await settle(page, before);
}

async function press(page: Page, label: string): Promise<void> {
  const before = await fromAssistant(page).count();
  await latest(page).getByRole('button', { name: label, exact: true }).click();
  await settle(page, before);
}

/** Whether the element's top (or bottom) edge is inside the visible part of the log. */
const inLog = (element: Locator, edge: 'top' | 'bottom') =>
  element.evaluate((el, which) => {
    const at = el.getBoundingClientRect()[which];
    const log = document.getElementById('log')!.getBoundingClientRect();
    return at >= log.top - 1 && at <= log.bottom + 1;
  }, edge);

const latest = (page: Page) => page.locator('#log > .msg.bot:not(#typing)').last();

/**
 * What a person would answer to the latest question, in English or Spanish: words to type for the
 * numbers, a button for the choices (and for "none of these", "no, thanks" and the confirmation).
 */
function answerFor(question: string, buttons: string[]): { type: string } | { press: string } | undefined {
  const button = (pattern: RegExp) => buttons.find((b) => pattern.test(b));
  const first =
    button(/^(Confirm and get my decision|Confirmar y ver mi decisión)$/) ?? button(/^(None of these|Nada de esto)$/) ?? button(/^(No, thanks|No, gracias)$/);
  if (first) return { press: first };
  const typed: [RegExp, string][] = [
    [/borrow|pedir prestado/i, '12000'],
    [/yearly income|ingresos anuales/i, '55000'],
    [/other debts|otras deudas/i, '250'],
    [/credit score|puntuación de crédito/i, '700'],
    [/days late|te atrasaste/i, '0'],
    [/applied for credit|solicitado crédito/i, '1'],
    [/public records|registros públicos/i, '0'],
    [/card limits|límite de tus tarjetas/i, '30%'],
    [/credit accounts|cuentas de crédito/i, '9'],
  ];
  const words = typed.find(([pattern]) => pattern.test(question));
  if (words) return { type: words[1] };
  const choice =
    button(/\b36\b/) ?? button(/^(Paying off credit cards|Pagar tarjetas de crédito)$/) ?? button(/^(Rent|Alquiler)$/) ?? button(/^5$/) ?? buttons[0];
  return choice ? { press: choice } : undefined;
}

/** Answers question after question, typing and pressing, until the decision card is shown. */
async function answerUntilDecided(page: Page): Promise<{ typed: number; pressed: number }> {
  const done = { typed: 0, pressed: 0 };
  const asked: string[] = [];
  for (let turn = 0; turn < 30; turn++) {
    if (await page.locator('#log .card').count()) return done;
    const question = (await latest(page).locator('.text').textContent()) ?? '';
    const buttons = await latest(page).locator('.choices button:enabled').allTextContents();
    asked.push(question);
    if (asked.filter((q) => q === question).length > 2) throw new Error(`asked the same thing three times:\n${await transcript(page)}`);
    const answer = answerFor(question, buttons);
    if (!answer) throw new Error(`no answer for “${question}”:\n${await transcript(page)}`);
    if ('type' in answer) {
      await say(page, answer.type);
      done.typed++;
    } else {
      await press(page, answer.press);
      done.pressed++;
    }
  }
  throw new Error(`no decision after 30 answers:\n${await transcript(page)}`);
}

const OPENING = {
  en: "I'd like 12k over 3 years to pay off my cards, I make about 55k and rent",
  es: 'Quiero 12 mil a 3 años para pagar mis tarjetas; gano unos 55 mil y alquilo',
};

async function started(page: Page): Promise<void> {
  await page.goto(`${base}/`);
  await settle(page, 0);
}

describe('the chat at / in Chromium', () => {
  it('a loan applied for in words and buttons, up to the decision card; the decision is stored', async () => {
    const { context, page, calls, violations } = await visitor('en-US');
    const decisionsBefore = await countDecisions(server.database.db);
    await started(page);
    // An accessible log; the page's words in English.
    expect(await page.locator('#log').getAttribute('role')).toBe('log');
    expect(await page.locator('#log').getAttribute('aria-live')).toBe('polite');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(CHAT_TEXTS.en.heading);
    expect(await page.getByRole('link', { name: CHAT_TEXTS.en.toForm }).getAttribute('href')).toBe('/form');
    expect(calls[0]).toMatchObject({ method: 'POST', path: '/v1/chat', body: { language: 'en' }, status: 200 });
    expect(await fromAssistant(page).first().textContent()).toMatch(/Hello/);

    await say(page, OPENING.en);
    const opening = calls.find((c) => c.body?.text === OPENING.en)!;
    expect(opening.body).toEqual({ conversationId: calls[0].answer!.conversationId, text: OPENING.en });
    // One sentence answered several questions.
    expect(opening.answer!.answers).toMatchObject({ loanAmount: 12_000, termMonths: 36, annualIncome: 55_000, homeOwnership: 'RENT' });
    // The person's words and the assistant's look different.
    const colours = await page.evaluate(() => ['.msg.me', '.msg.bot:not(#typing)'].map((s) => getComputedStyle(document.querySelector(s)!).backgroundColor));
    expect(colours[0]).not.toBe(colours[1]);

    const { typed, pressed } = await answerUntilDecided(page);
    expect(typed).toBeGreaterThan(0);
    expect(pressed).toBeGreaterThan(0);

    // Every call carried the page's session; buttons went as their ids.
    expect(calls.every((c) => c.session && c.session.length > 20)).toBe(true);
    expect(calls.some((c) => typeof c.body?.button === 'string')).toBe(true);
    const last = calls.at(-1)!;
    expect(last.answer).toMatchObject({ done: true, decision: { applicationId: expect.any(String), score: expect.any(Number) } });

    // Older buttons are closed; the chosen ones show as picked.
    expect(await page.locator('#log .choices button.picked[aria-pressed="true"]').count()).toBe(pressed);
    const openBefore = await page
      .locator('#log > .msg')
      .evaluateAll((all) => all.slice(0, -2).reduce((n, m) => n + m.querySelectorAll('button:enabled').length, 0));
    expect(openBefore).toBe(0);

    const card = page.locator('#log .card');
    expect(await card.getByRole('heading', { level: 2 }).textContent()).toMatch(/^(Approved|Referred to a person for review|Declined)$/);
    const cardText = (await card.textContent())!;
    expect(cardText).toContain(`Risk score${last.answer!.decision.score} (band ${last.answer!.decision.riskBand})`);
    if (last.answer!.decision.offer.available) expect(cardText).toMatch(/APR\d+\.\d{2}%Monthly payment\$[\d,.]+/);
    expect(cardText).toContain(`Reference ${last.answer!.decision.applicationId}`);
    expect(await countDecisions(server.database.db)).toBe(decisionsBefore + 1);
    expect(violations).toEqual([]);

    // The decision is shown from its first line, with the card.
    expect(await inLog(page.locator('#log > .msg.bot:not(#typing)').last(), 'top')).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, 'chat-desktop-en.png') });
    await page.setViewportSize(PHONE);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await card.scrollIntoViewIfNeeded();
    expect(await inLog(card, 'bottom')).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, 'chat-phone-en.png') });
    expect(statSync(join(SCREENSHOTS, 'chat-phone-en.png')).size).toBeGreaterThan(10_000);
    await context.close();
  });

  it('a reload resumes the conversation (GET /v1/chat/:id); Start again deletes it and begins anew', async () => {
    const { context, page, calls } = await visitor('en-US');
    await started(page);
    await say(page, 'I need 8k for a car');
    const id = await page.evaluate((key) => sessionStorage.getItem(key), CHAT_STORAGE.id);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const question = await latest(page).locator('.text').textContent();
    const buttons = await latest(page).locator('.choices button').allTextContents();

    await page.reload();
    await settle(page, 1);
    const asked = calls.find((c) => c.method === 'GET' && c.path === `/v1/chat/${id}`);
    await expect.poll(() => asked?.status).toBeDefined();
    // Browsers send no Origin with a same-origin GET; while the API refuses a widget session without
    // one, the page asks for the same state with a POST that says nothing new.
    if (asked!.status !== 200) await expect.poll(() => calls.at(-1)).toMatchObject({ method: 'POST', body: { conversationId: id }, status: 200 });
    expect(await page.evaluate((key) => sessionStorage.getItem(key), CHAT_STORAGE.id)).toBe(id);
    // What was said is still there, the latest question is asked again, and its buttons work.
    expect(await page.locator('#log > .msg.me').allTextContents()).toEqual(['You:I need 8k for a car']);
    expect(await latest(page).locator('.text').textContent()).toBe(question);
    expect(await latest(page).locator('.choices button:enabled').allTextContents()).toEqual(buttons);
    expect(await page.locator('#log > .msg.bot:not(#typing)').filter({ hasText: question! }).count()).toBe(1);
    const answer = answerFor(question!, buttons)!;
    if ('press' in answer) await press(page, answer.press);
    else await say(page, answer.type);
    expect(calls.at(-1)).toMatchObject({ method: 'POST', body: { conversationId: id }, status: 200 });

    await page.locator('#restart').click();
    await expect.poll(() => page.locator('#log > .msg.me').count(), { timeout: 15_000 }).toBe(0);
    await settle(page, 0);
    expect(calls.find((c) => c.method === 'DELETE')).toMatchObject({ path: `/v1/chat/${id}`, status: 204 });
    expect(calls.at(-1)).toMatchObject({ method: 'POST', body: { language: 'en' }, status: 200 });
    const fresh = await page.evaluate((key) => sessionStorage.getItem(key), CHAT_STORAGE.id);
    expect(fresh).toMatch(/^[0-9a-f-]{36}$/);
    expect(fresh).not.toBe(id);
    // The old conversation is gone for good.
    const old = await page.evaluate(async (gone) => {
      const session = document.querySelector<HTMLMetaElement>('meta[name="lendwise-session"]')!.content;
      const headers = { 'content-type': 'application/json', 'x-widget-session': session };
      return (await fetch('/v1/chat', { method: 'POST', headers, body: JSON.stringify({ conversationId: gone, text: '12k' }) })).status;
    }, id);
    expect(old).toBe(404);
    await context.close();
  });

  it('a Spanish browser gets the page in Spanish and asks the server for Spanish; a decision in Spanish', async () => {
    const { context, page, calls, violations } = await visitor('es-ES');
    await started(page);
    const es = CHAT_TEXTS.es;
    expect(await page.evaluate(() => [navigator.language, document.documentElement.lang, document.title])).toEqual(['es-ES', 'es', es.title]);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(es.heading);
    expect(await page.locator('#say').getAttribute('placeholder')).toBe(es.placeholder);
    expect(await page.locator('#composer button[type="submit"]').textContent()).toBe(es.send);
    expect(await page.locator('#restart').textContent()).toBe(es.restart);
    expect(await page.locator('#typing').textContent()).toBe(es.typing);
    expect(await page.getByRole('link', { name: es.toForm }).getAttribute('href')).toBe('/form');
    expect(calls[0]).toMatchObject({ method: 'POST', body: { language: 'es' }, status: 200 });
    expect(await fromAssistant(page).first().textContent()).toMatch(/Hola/);

    // The server cannot be reached: a plain message in Spanish, and the words stay in the box.
    await page.route('**/v1/chat', (route) => route.abort());
    await page.locator('#say').fill(OPENING.es);
    await page.locator('#say').press('Enter');
    await expect.poll(() => page.locator('#log > .note').textContent()).toBe(es.unreachable);
    expect(await page.locator('#say').inputValue()).toBe(OPENING.es);
    expect(await page.locator('#log > .msg.me').count()).toBe(0);
    await page.unroute('**/v1/chat');
    await say(page, OPENING.es);

    await answerUntilDecided(page);
    const card = page.locator('#log .card');
    expect(await card.getByRole('heading', { level: 2 }).textContent()).toMatch(/^(Aprobada|Pasa a revisión por una persona|Rechazada)$/);
    expect(await card.textContent()).toMatch(/Puntuación de riesgo\d{3} \(categoría [A-E]\)/);
    // The language went once, with the first call.
    expect(calls.filter((c) => c.body?.language !== undefined)).toEqual([calls[0]]);
    expect(violations).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'chat-desktop-es.png') });
    await page.setViewportSize(PHONE);
    await card.scrollIntoViewIfNeeded();
    expect(await inLog(card, 'bottom')).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, 'chat-phone-es.png') });
    await context.close();
  });

  it('works from the keyboard alone on a 360 px screen', async () => {
    const { context, page, calls } = await visitor('en-US', PHONE);
    await started(page);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    for (let i = 0; i < 6 && (await page.evaluate(() => document.activeElement?.id)) !== 'say'; i++) await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('say');
    let before = await fromAssistant(page).count();
    await page.keyboard.type(OPENING.en);
    await page.keyboard.press('Enter');
    await settle(page, before);
    // Type answers until a question offers buttons; then go back to them from the box and press one.
    for (let i = 0; i < 10 && !(await latest(page).locator('.choices button:enabled').count()); i++) {
      const question = (await latest(page).locator('.text').textContent())!;
      const answer = answerFor(question, []);
      if (!answer || !('type' in answer)) throw new Error(`no typed answer for “${question}”`);
      before = await fromAssistant(page).count();
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('say');
      await page.keyboard.type(answer.type);
      await page.keyboard.press('Enter');
      await settle(page, before);
    }
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('say');
    await page.keyboard.press('Shift+Tab');
    const focused = await page.evaluate(() => ({ choice: !!document.activeElement?.closest('.choices'), label: document.activeElement?.textContent }));
    expect(focused.choice).toBe(true);
    before = await fromAssistant(page).count();
    await page.keyboard.press('Enter');
    await settle(page, before);
    expect(calls.at(-1)!.body).toMatchObject({ button: expect.any(String) });
    expect(await page.locator('#log .choices button.picked').last().textContent()).toBe(focused.label);
    // Focus is back in the box for the next answer.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('say');
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await context.close();
  });

  it('after a restart (a new session secret) the open page gets a new session, and the conversation goes on', async () => {
    const { context, page, calls } = await visitor('en-US');
    await started(page);
    await say(page, 'I would like 15k');
    const id = calls.at(-1)!.answer!.conversationId;
    server.restart();
    const question = (await latest(page).locator('.text').textContent())!;
    const answer = answerFor(question, await latest(page).locator('.choices button:enabled').allTextContents())!;
    if ('press' in answer) await press(page, answer.press);
    else await say(page, answer.type);
    const [refused, retried] = calls.slice(-2);
    expect(refused).toMatchObject({ method: 'POST', status: 401, body: { conversationId: id } });
    expect(retried).toMatchObject({ method: 'POST', status: 200, body: { conversationId: id } });
    expect(retried.session).not.toBe(refused.session);
    await context.close();
  });
});

describe('the chat page with a stand-in server (page.route)', () => {
  const reply = (replies: unknown[], extra: object = {}) => ({
    conversationId: '3f1b8a52-6a4c-4d53-9a3e-0c1f2b3a4d5e',
    replies,
    answers: {},
    done: false,
    ...extra,
  });

  it('shows messages as text, never HTML, with their line breaks; errors in plain words, the words kept', async () => {
    const { context, page } = await visitor('en-US');
    const answers: { status: number; body: unknown }[] = [
      {
        status: 200,
        body: reply([{ text: 'Line one\nLine two <img src=x id=injected>', buttons: [{ id: 'a', label: '<b>A</b>' }] }]),
      },
      { status: 429, body: { error: 'rate limit exceeded' } },
      { status: 503, body: { error: 'storage unavailable: nothing was stored, try again shortly' } },
      { status: 400, body: { error: 'invalid input', issues: [{ field: 'text', rule: 'must be at most 2,000 characters' }] } },
    ];
    await page.route('**/v1/chat', (route) => {
      const next = answers.shift()!;
      return route.fulfill({ status: next.status, contentType: 'application/json', body: JSON.stringify(next.body) });
    });
    await page.goto(`${base}/`);
    await settle(page, 0);
    expect(await page.locator('#injected').count()).toBe(0);
    // biome-ignore lint/performance/useDomNodeTextContent: the line break as rendered, not only as a character
    expect(await latest(page).locator('.text').innerText()).toBe('Line one\nLine two <img src=x id=injected>');
    expect(await latest(page).getByRole('button').textContent()).toBe('<b>A</b>');
    for (const said of [CHAT_TEXTS.en.tooMany, CHAT_TEXTS.en.unavailable, `${CHAT_TEXTS.en.check} must be at most 2,000 characters`]) {
      await page.locator('#say').fill('hello');
      await page.locator('#say').press('Enter');
      await expect.poll(() => page.locator('#log > .note').last().textContent()).toBe(said);
      expect(await page.locator('#say').inputValue()).toBe('hello');
      // Not sent: not shown as said, and the question's buttons stay open.
      expect(await page.locator('#log > .msg.me').count()).toBe(0);
      expect(await latest(page).getByRole('button').isEnabled()).toBe(true);
    }
    await context.close();
  });

  it('a conversation the server no longer has (404) is replaced by a new one', async () => {
    const { context, page, calls } = await visitor('en-US');
    let started = 0;
    await page.route('**/v1/chat', (route) => {
      const body = route.request().postDataJSON();
      if (body.conversationId) return route.fulfill({ status: 404, contentType: 'application/json', body: JSON.stringify({ error: 'not found' }) });
      started++;
      return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(reply([{ text: `Hello ${started}` }])) });
    });
    await page.goto(`${base}/`);
    await settle(page, 0);
    await page.locator('#say').fill('12k');
    await page.locator('#say').press('Enter');
    await expect.poll(() => latest(page).textContent()).toMatch(/Hello 2/);
    expect(await page.locator('#log > .note').textContent()).toBe(CHAT_TEXTS.en.ended);
    expect(await page.locator('#say').inputValue()).toBe('12k');
    expect(calls.map((c) => c.body)).toEqual([{ language: 'en' }, { conversationId: expect.any(String), text: '12k' }, { language: 'en' }]);
    await context.close();
  });
});
