import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { createBot } from '../bot/bot.ts';
import { databaseStore } from '../db/decision-store.ts';
import { decisionService } from '../src/app/decide.ts';
import { QUESTIONS } from '../bot/questions.ts';
import type { Database } from '../db/client.ts';
import { auditEntries, createKey, registerModel } from '../db/repository.ts';
import { streamLendingClub } from '../src/data/lendingclub.ts';
import { addBotAdmin } from '../db/bot-repository.ts';
import { applications, conversations, decisions } from '../db/schema.ts';
import { createApp } from '../src/api/app.ts';
import { loadModel } from '../src/model/load.ts';
import { ENGINES, openTestDatabase } from './support/databases.ts';
import { FakeTelegram, TEST_BOT_INFO, callbackUpdate, documentUpdate, editedUpdate, stickerUpdate, textUpdate } from './support/fake-telegram.ts';

const model = loadModel('models');
const TOKEN = '123456:TEST-TOKEN';
const SECRET = 'webhook-secret-1';
const ADMIN = 9001;
const botInfo = TEST_BOT_INFO;

describe.each(ENGINES)('Telegram bot on %s (over HTTP, fake Bot API)', (engine) => {
  let database: Database;
  let fake: FakeTelegram;
  let app: ReturnType<typeof createApp>;

  /** A fresh bot process on the same database, as after a restart. */
  const boot = () => {
    const db = () => database.db;
    const bot = createBot(
      { db, model, decisions: decisionService({ model, store: databaseStore(db), policyTtlMs: 0 }), admins: [ADMIN] },
      { token: TOKEN, botInfo, apiRoot: fake.url },
    );
    app = createApp({ model, db, telegram: { bot, secretToken: SECRET } });
  };
  const send = async (update: unknown, secret = SECRET) => {
    const res = await app.request('/telegram/webhook', {
      method: 'POST',
      body: JSON.stringify(update),
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
    });
    return res.status;
  };
  const last = (chat: number) => fake.textsTo(chat).at(-1) ?? '';
  const keyboardData = (chat: number): string[] =>
    (fake.lastTo(chat)?.payload.reply_markup?.inline_keyboard ?? []).flat().map((b: { callback_data: string }) => b.callback_data);

  /** Answers every required question, the way a person would type them. */
  async function answerAll(user: number, from = 0): Promise<void> {
    const typed: Record<string, string> = {
      loanAmount: '12k',
      annualIncome: '£52,000',
      monthlyDebtPayments: '450',
      ficoScore: '710',
      delinquencies2y: '0',
      inquiries6m: '1',
      revolvingUtilisation: '35%',
      openAccounts: '6',
      publicRecords: '0',
    };
    const buttons: Record<string, string> = { termMonths: 'ans:1:0', purpose: 'ans:2:0', employmentYears: 'ans:4:4', homeOwnership: 'ans:5:0' };
    for (const q of QUESTIONS.slice(from)) {
      expect(await send(q.field in buttons ? callbackUpdate(user, buttons[q.field]) : textUpdate(user, typed[q.field]))).toBe(200);
    }
  }

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    await registerModel(database.db, model);
    fake = await new FakeTelegram().start();
    boot();
  });
  afterAll(async () => {
    await fake?.stop();
    await database?.close();
  });

  it('takes a full application step by step and replies with a stored decision', async () => {
    const user = 101;
    await send(textUpdate(user, '/start'));
    expect(last(user)).toMatch(/I will ask 13 short questions/);
    await send(textUpdate(user, '/apply'));
    expect(last(user)).toBe('Step 1 of 13. How much would you like to borrow (in dollars)?\n(For example: 12,000 or 12k)');
    await send(textUpdate(user, '12k'));
    expect(last(user)).toMatch(/^Step 2 of 13\. Over how long/);
    expect(keyboardData(user)).toEqual(['ans:1:0', 'ans:1:1']);
    await answerAll(user, 1);
    expect(fake.textsTo(user)).toContain('Step 4 of 13. What is your yearly income before tax?\n(For example: 52,000 or 52k)');
    expect(last(user)).toMatch(/optionally, you can add evidence from your bank account/i);
    await send(callbackUpdate(user, 'alt:skip'));
    expect(last(user)).toMatch(/Please check your answers:[\s\S]*\$12,000[\s\S]*\$52,000/);
    await send(callbackUpdate(user, 'confirm:yes'));
    const reply = last(user);
    expect(reply).toMatch(/^(✅ Approved|🔎 Referred to a person for review|❌ Declined)\nRisk score: \d{3} \(band [A-E]\)/);
    expect(reply).toMatch(/The main reasons:|What weighed most/);

    const rows = await database.db
      .select()
      .from(applications)
      .innerJoin(decisions, eq(decisions.applicationId, applications.id))
      .where(eq(applications.subject, `tg:${user}`));
    expect(rows).toHaveLength(1);
    expect(rows[0].applications.channel).toBe('bot');
    expect(rows[0].applications.applicant).toMatchObject({
      loanAmount: 12_000,
      termMonths: 36,
      purpose: 'debt_consolidation',
      annualIncome: 52_000,
      employmentYears: 4,
      homeOwnership: 'RENT',
      monthlyDebtPayments: 450,
      ficoScore: 710,
      revolvingUtilisation: 35,
      openAccounts: 6,
    });
    expect(rows[0].decisions.modelVersion).toBe(model.version);
    await send(textUpdate(user, '/status'));
    expect(last(user)).toContain(rows[0].applications.id);
  });

  it('re-asks a bad answer with the reason and an example, keeping earlier answers', async () => {
    const user = 102;
    await send(textUpdate(user, '/apply'));
    await send(textUpdate(user, 'lots'));
    expect(fake.textsTo(user).slice(-2)).toEqual([
      'Sorry, that is not a number. For example: 12,000 or 12k.',
      'Step 1 of 13. How much would you like to borrow (in dollars)?\n(For example: 12,000 or 12k)',
    ]);
    await send(textUpdate(user, '100'));
    expect(fake.textsTo(user).at(-2)).toMatch(/^Sorry, it should be >=500/);
    await send(textUpdate(user, '9000'));
    await send(textUpdate(user, 'sixty'));
    expect(last(user)).toBe('Please choose one of the buttons.');
    await send(textUpdate(user, '/back'));
    expect(last(user)).toMatch(/^Step 1 of 13/);
    await send(textUpdate(user, '/cancel'));
    expect(last(user)).toMatch(/^Stopped/);
  });

  it('resumes after a restart at the same question, with the earlier answers', async () => {
    const user = 103;
    await send(textUpdate(user, '/apply'));
    await send(textUpdate(user, '20000'));
    await send(callbackUpdate(user, 'ans:1:1'));
    boot(); // a new bot and app, as after a crash: only the database carries over
    await send(callbackUpdate(user, 'ans:2:3'));
    expect(last(user)).toMatch(/^Step 4 of 13/);
    await answerAll(user, 3);
    await send(callbackUpdate(user, 'alt:skip'));
    await send(callbackUpdate(user, 'confirm:yes'));
    const [row] = await database.db
      .select()
      .from(applications)
      .where(eq(applications.subject, `tg:${user}`));
    expect(row.applicant).toMatchObject({ loanAmount: 20_000, termMonths: 60, purpose: 'major_purchase' });
  });

  it('processes a re-delivered update once, and refuses a webhook call without the secret', async () => {
    const user = 104;
    await send(textUpdate(user, '/apply'));
    const update = textUpdate(user, '15000');
    await send(update);
    const before = fake.textsTo(user).length;
    await send(update);
    expect(fake.textsTo(user).length).toBe(before);
    expect(last(user)).toMatch(/^Step 2 of 13/);
    expect(await send(textUpdate(user, '/cancel'), 'wrong-secret')).toBe(401);
    expect(last(user)).toMatch(/^Step 2 of 13/);
  });

  it('parses a CSV bank statement into monthly evidence, and rejects a bad one with the row', async () => {
    const user = 105;
    fake.files.set('documents/bad.csv', 'date,description,amount,balance\n2024-01-03,Salary,3000,3100\nyesterday,Rent,-1200,1900\n');
    // Dates in the last months: only transactions in the 12 months before the application count.
    const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10).split('-').reverse().join('/');
    const goodCsv = [
      'Date,Description,Amount,Balance',
      `${day(60)},Salary ACME,"3,000.00",3100.00`,
      `${day(58)},Rent,-1200.00,1900.00`,
      `${day(45)},Groceries,-400.00,1500.00`,
      `${day(30)},Salary ACME,"3,000.00",4500.00`,
      `${day(28)},Rent,-1200.00,3300.00`,
      `${day(20)},Car repair,-3500.00,-200.00`,
      `${day(15)},Salary bonus,300.00,100.00`,
    ].join('\n');
    fake.files.set('documents/good.csv', goodCsv);
    await send(textUpdate(user, '/apply'));
    await answerAll(user);
    await send(callbackUpdate(user, 'alt:file'));
    expect(last(user)).toMatch(/Send your bank statement as a CSV file/);
    await send(documentUpdate(user, 'bad'));
    expect(last(user)).toBe('I could not use that statement: row 3, column "date": "yesterday" is not a date. Please fix it and send it again, or tap Skip.');
    await send(documentUpdate(user, 'good'));
    expect(fake.textsTo(user).at(-2)).toMatch(
      /^Thanks — over \d months: regular income in \d of them, about \$[\d,]+ spent a month, 5 day\(s\) overdrawn\. The file itself is not kept\.$/,
    );
    await send(callbackUpdate(user, 'confirm:yes'));
    const [row] = await database.db
      .select()
      .from(applications)
      .innerJoin(decisions, eq(decisions.applicationId, applications.id))
      .where(eq(applications.subject, `tg:${user}`));
    const alt = (row.applications.applicant as { alternativeData: Record<string, unknown> }).alternativeData;
    expect(Object.keys(alt).sort()).toEqual(['behaviour', 'statementSha256']);
    expect(alt.statementSha256).toBe(createHash('sha256').update(goodCsv).digest('hex'));
    expect(alt.behaviour).toMatchObject({ penaltyCharges: 0, episodesBelowZero: 1, lowestBalance: -200 });
    expect(row.decisions.behaviour).toMatchObject({ source: 'statement' });
  });

  it('takes four short answers about the bank account instead of a file', async () => {
    const user = 110;
    await send(textUpdate(user, '/apply'));
    await answerAll(user);
    await send(callbackUpdate(user, 'alt:questions'));
    expect(last(user)).toMatch(/^Optional 1 of 4\. On average, how much is paid into your bank account each month\?/);
    for (const answer of ['3,200', '2,700', 'lots']) await send(textUpdate(user, answer));
    expect(fake.textsTo(user).at(-2)).toBe('Sorry, that is not a number. For example: 300.');
    await send(textUpdate(user, '300'));
    await send(callbackUpdate(user, 'altskip:3'));
    expect(last(user)).toMatch(/Please check your answers:[\s\S]*Bank-account evidence:/);
    await send(callbackUpdate(user, 'confirm:yes'));
    // Savings given but months overdrawn skipped: not enough for the answers model, and the reply says so.
    expect(last(user)).toMatch(/were not enough to use/);
    const [row] = await database.db
      .select()
      .from(decisions)
      .innerJoin(applications, eq(decisions.applicationId, applications.id))
      .where(eq(applications.subject, `tg:${user}`));
    expect((row.applications.applicant as { alternativeData: unknown }).alternativeData).toEqual({
      monthlyIncomeDeposits: 3200,
      monthlySpending: 2700,
      monthlySavings: 300,
    });
    expect(row.decisions.behaviour).toBeNull();
  });

  it('offers a counter-offer as a button that books it once, in place of the original', async () => {
    const user = 106;
    await send(textUpdate(user, '/apply'));
    await send(textUpdate(user, '35000'));
    await send(callbackUpdate(user, 'ans:1:0'));
    await send(callbackUpdate(user, 'ans:2:0'));
    await send(textUpdate(user, '60k'));
    for (const u of ['ans:4:4', 'ans:5:0']) await send(callbackUpdate(user, u));
    for (const t of ['450', '700', '0', '1', '35%', '6', '0']) await send(textUpdate(user, t));
    await send(callbackUpdate(user, 'alt:skip'));
    await send(callbackUpdate(user, 'confirm:yes'));
    const buttons = keyboardData(user);
    expect(last(user)).toMatch(/Declined|Referred/);
    expect(buttons).toHaveLength(1);
    expect(buttons[0]).toMatch(/^counter:[0-9a-f-]{36}$/);
    await send(callbackUpdate(user, buttons[0]));
    expect(last(user)).toMatch(/^✅ Approved/);
    // A second press (or a re-delivered one) books nothing new.
    await send(callbackUpdate(user, buttons[0]));
    expect(last(user)).toMatch(/already accepted/);
    const rows = await database.db
      .select()
      .from(applications)
      .where(eq(applications.subject, `tg:${user}`));
    expect(rows).toHaveLength(2);
    expect(rows.filter((r) => r.status === 'live')).toHaveLength(1);
    const original = rows.find((r) => r.status === 'superseded')!;
    expect(original.supersededBy).toBe(rows.find((r) => r.status === 'live')!.id);
  });

  it('answers stickers, edits, unknown commands and group chats sensibly', async () => {
    const user = 107;
    await send(stickerUpdate(user));
    expect(last(user)).toMatch(/I can only read text answers/);
    await send(editedUpdate(user, 'changed'));
    expect(last(user)).toMatch(/you edited a message/);
    await send(textUpdate(user, '/frobnicate'));
    expect(last(user)).toMatch(/I do not know that command/);
    await send(textUpdate(user, '/apply', { id: -555, type: 'group' }));
    expect(fake.textsTo(-555).at(-1)).toMatch(/only work in private chats/);
    await send(textUpdate(user, '/help'));
    expect(last(user)).not.toMatch(/Lender commands/);
  });

  it('keeps lender commands to admins, audits them, and runs stats, policy, review, model and export', async () => {
    const stranger = 108;
    await send(textUpdate(stranger, '/stats'));
    expect(last(stranger)).toMatch(/not allowed/);
    await send(textUpdate(stranger, '/policy set approveBelow=0.9'));
    expect(last(stranger)).toMatch(/not allowed/);

    await send(textUpdate(ADMIN, '/stats'));
    expect(last(ADMIN)).toMatch(/^Today \(UTC\): \d+ applications, \d+ approved \([\d.]+%\), average PD [\d.]+%\nIn total: /);
    await send(textUpdate(ADMIN, '/policy set approveBelow=0.5 declineAtOrAbove=0.4'));
    expect(last(ADMIN)).toMatch(/^Not changed: approveBelow: approveBelow must not exceed declineAtOrAbove/);
    await send(textUpdate(ADMIN, '/policy set approveBelow=0.01 declineAtOrAbove=0.99'));
    expect(last(ADMIN)).toMatch(/^Saved\. Policy version \d+:\napproveBelow=0\.01/);
    // The rate card by band: a falling card or one above the cap is refused; a valid change is saved.
    await send(textUpdate(ADMIN, '/policy set rateCard.C=0.02'));
    expect(last(ADMIN)).toMatch(/^Not changed: rateCard: rates must not fall from band A to band E/);
    await send(textUpdate(ADMIN, '/policy set rateCard.E=0.2'));
    expect(last(ADMIN)).toMatch(/^Saved\.[\s\S]*rateCard: A [\d.]+%, B [\d.]+%, C [\d.]+%, D [\d.]+%, E 20\.0%/);

    // With that policy almost everyone is referred: apply, then review as the lender.
    const applicant = 109;
    await send(textUpdate(applicant, '/apply'));
    await answerAll(applicant);
    await send(callbackUpdate(applicant, 'alt:skip'));
    await send(callbackUpdate(applicant, 'confirm:yes'));
    expect(last(applicant)).toMatch(/^🔎 Referred/);
    await send(textUpdate(ADMIN, '/review'));
    const review = keyboardData(ADMIN).find((d) => d.endsWith(':approve'))!;
    expect(review).toMatch(/^review:\d+:approve$/);
    while (keyboardData(ADMIN).length) await send(callbackUpdate(ADMIN, keyboardData(ADMIN).find((d) => d.endsWith(':approve'))!));
    expect(last(ADMIN)).toBe('No referred applications are waiting for review.');
    const [reviewed] = await database.db
      .select()
      .from(decisions)
      .where(eq(decisions.id, Number(review.split(':')[1])));
    expect(reviewed).toMatchObject({ reviewedBy: `tg:${ADMIN}`, reviewedDecision: 'approve' });
    await send(textUpdate(ADMIN, '/policy set approveBelow=0.12 declineAtOrAbove=0.25'));

    await send(textUpdate(ADMIN, '/model'));
    expect(last(ADMIN)).toContain(model.version);
    await send(textUpdate(ADMIN, '/export'));
    const doc = fake.calls.filter((c) => c.method === 'sendDocument').at(-1)!;
    expect(doc.raw).toContain('applicationId,createdAt,channel,decision');
    expect(doc.raw).toContain(String(reviewed.applicationId));

    const actions = (await auditEntries(database.db, 50)).map((e) => `${e.actor} ${e.action}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        `tg:${ADMIN} bot.stats`,
        `tg:${ADMIN} bot.policy`,
        `tg:${ADMIN} policy.set`,
        `tg:${ADMIN} review.approve`,
        `tg:${ADMIN} bot.export`,
      ]),
    );
    expect(actions.some((a) => a.startsWith(`tg:${stranger}`))).toBe(false);
  });

  it('also lets admins listed in the database in', async () => {
    const lender = 9002;
    await send(textUpdate(lender, '/model'));
    expect(last(lender)).toMatch(/not allowed/);
    await addBotAdmin(database.db, lender, 'test');
    await send(textUpdate(lender, '/model'));
    expect(last(lender)).toContain(model.version);
    await send(textUpdate(lender, '/help'));
    expect(last(lender)).toMatch(/Lender commands:/);
  });

  it('gives lenders the book, the frontier as a PNG and an optimised allocation', async () => {
    // A book of real applicants (the latest LendingClub loans), scored through the API.
    const { key } = await createKey(database.db, { name: 'book', scope: 'score' }, 'test');
    let n = 0;
    for await (const loan of streamLendingClub('datasets/lendingclub_2007_2011.csv.gz')) {
      await app.request('/v1/score', {
        method: 'POST',
        body: JSON.stringify(loan.applicant),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      });
      if (++n === 40) break;
    }
    await send(textUpdate(108, '/portfolio'));
    expect(last(108)).toMatch(/not allowed/);

    await send(textUpdate(ADMIN, '/portfolio'));
    expect(last(ADMIN)).toMatch(/^Book: \d+ approved loans, \$[\d,]+ lent; expected yearly return -?[\d.]+%/);
    expect(last(ADMIN)).toMatch(/One-year losses \(one-factor model\): expected \$[\d,]+; VaR 99% \$[\d,]+, 99\.9% \$[\d,]+/);
    // Forty loans are far from a granular book: the Monte Carlo check's figures are the answer, and the chat says why.
    expect(last(ADMIN)).toMatch(/Monte Carlo figures \(20,000 scenarios\): concentrated book/);
    expect(last(ADMIN)).toMatch(/Stress \(unemployment \+3 points\): not available, .*FRED_API_KEY/);
    const histogram = fake.calls.filter((c) => c.method === 'sendPhoto').at(-1)!;
    expect(histogram.raw).toContain('IHDR');
    expect(histogram.raw).toContain('Simulated one-year losses');

    await send(textUpdate(ADMIN, '/frontier'));
    const photo = fake.calls.filter((c) => c.method === 'sendPhoto').at(-1)!;
    expect(photo.raw).toContain('PNG');
    expect(photo.raw).toContain('IHDR');
    expect(last(ADMIN)).not.toMatch(/^Cannot do that/);
    expect(photo.raw).toMatch(/Efficient frontier for \$[\d,]+ over today's candidates, the existing book held fixed/);

    await send(textUpdate(ADMIN, '/optimise lots'));
    expect(last(ADMIN)).toBe('Budget must be an amount such as 250000, 250k or 1.5m. Example: /optimise 250000');
    await send(textUpdate(ADMIN, '/optimise 50k'));
    expect(last(ADMIN)).toMatch(/^Best return per unit of risk for \$50,000: \d+ of \d+ candidate loans funded\./);
    expect(last(ADMIN)).toMatch(/Largest allocations:\n• /);
    await send(textUpdate(ADMIN, '/optimise 900m'));
    expect(last(ADMIN)).toMatch(/^Cannot do that: budget 900000000 is more than the \d+ loans ask for/);
    const actions = (await auditEntries(database.db, 50)).map((e) => `${e.actor} ${e.action}`);
    expect(actions).toEqual(expect.arrayContaining([`tg:${ADMIN} bot.portfolio`, `tg:${ADMIN} bot.frontier`, `tg:${ADMIN} bot.optimise`]));
  });

  it("/forget deletes the person's applications and conversation after confirming", async () => {
    const user = 101; // applied in the first test
    const count = async () =>
      (
        await database.db
          .select({ n: sql<number>`count(*)::int` })
          .from(applications)
          .where(eq(applications.subject, `tg:${user}`))
      )[0].n;
    expect(await count()).toBe(1);
    await send(textUpdate(user, '/forget'));
    await send(callbackUpdate(user, 'forget:no'));
    expect(await count()).toBe(1);
    await send(textUpdate(user, '/forget'));
    await send(callbackUpdate(user, 'forget:yes'));
    expect(last(user)).toBe('Done: 1 application and your answers are deleted.');
    expect(await count()).toBe(0);
    expect(
      await database.db
        .select()
        .from(conversations)
        .where(eq(conversations.key, String(user))),
    ).toEqual([]);
    await send(textUpdate(user, '/status'));
    expect(last(user)).toMatch(/no decisions yet/);
  });
});
