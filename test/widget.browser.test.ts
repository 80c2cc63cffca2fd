/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Database } from '../db/client.ts';
import { countDecisions, registerModel } from '../db/repository.ts';
import { createApp } from '../src/api/app.ts';
import { swaggerAssets } from '../src/node/docs-assets.ts';
import { loadModel } from '../src/model/load.ts';
import { openTestDatabase } from './support/databases.ts';

// The widget as a person uses it: Debian's Chromium, driven by playwright-core.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let database: Database;
let server: ServerType;
let browser: Browser;
let base: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  database = await openTestDatabase('pglite');
  const model = loadModel('models');
  await registerModel(database.db, model);
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: (req) => app.fetch(req), port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const app = createApp({ model, db: () => database.db, widgetOrigins: [base], docsAssets: swaggerAssets() });
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
  await database?.close();
});

async function fill(page: Page, values: Record<string, string>): Promise<void> {
  for (const [label, value] of Object.entries(values)) {
    const field = page.getByLabel(label, { exact: false }).first();
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

describe('web widget in Chromium', () => {
  it('fill, submit, see the decision with reasons and offer; it is stored', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    await fill(page, applicant);
    await page.getByRole('button', { name: 'See my decision' }).click();
    const result = page.locator('#result');
    await expect.poll(() => result.getByRole('heading', { level: 2 }).textContent()).toMatch(/Approved|Referred|Declined/);
    const text = await result.textContent();
    expect(text).toMatch(/Risk score \d{3} \(band [A-E]\)/);
    expect(text).toMatch(/What raised the risk most/);
    expect(text).toMatch(/Reference: [0-9a-f-]{36}/);
    expect(await countDecisions(database.db)).toBe(1);
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

  it('embeds on another page with one script tag', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/docs`);
    await page.setContent(`<html><body><h1>Lender</h1><script src="${base}/embed.js"></script></body></html>`);
    const frame = page.frameLocator('iframe[title="Lendwise loan check"]');
    await expect.poll(() => frame.getByRole('heading', { name: 'Check a loan' }).count()).toBe(1);
  });
});
