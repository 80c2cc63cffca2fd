import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { createBot } from '../bot/bot.ts';
import { databaseStore } from '../db/decision-store.ts';
import { decisionService } from '../src/app/decide.ts';
import type { Database } from '../db/client.ts';
import { auditEntries, createKey, registerModel } from '../db/repository.ts';
import { streamLendingClub } from '../src/data/lendingclub.ts';
import { addBotAdmin } from '../db/bot-repository.ts';
import { applications, conversations, decisions } from '../db/schema.ts';
import { createApp } from '../src/api/app.ts';
import { loadModel } from '../src/model/load.ts';
import { ENGINES, openTestDatabase } from './support/databases.ts';
import {
  FakeTelegram,
  TEST_BOT_INFO,
  callbackUpdate,
  documentUpdate,
  editedUpdate,
  photoUpdate,
  speaks,
  stickerUpdate,
  textUpdate,
} from './support/fake-telegram.ts';

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

  /** The message id of the last message sent to a chat (its keyboard's message, for a button press). */
  const lastId = (chat: number): number => fake.lastTo(chat)?.result?.message_id ?? 1;
  /** Presses a button on the last message sent to the chat, as a person does. */
  const press = (user: number, data: string) => send(callbackUpdate(user, data, lastId(user)));
  const callsTo = (chat: number, method: string) => fake.calls.filter((c) => c.method === method && c.payload.chat_id === chat);

  /** From the first question: an opening in free text, then the rest typed or pressed, up to the summary. */
  async function answerAll(user: number, opening = "I'd like 12k over 3 years to consolidate my debts, I earn 52k and rent"): Promise<void> {
    expect(await send(textUpdate(user, opening))).toBe(200);
    expect(await press(user, 'set:employmentYears:4')).toBe(200);
    for (const text of ['450', '710']) expect(await send(textUpdate(user, text))).toBe(200);
    expect(await press(user, 'none:record')).toBe(200);
    for (const text of ['35%', '6']) expect(await send(textUpdate(user, text))).toBe(200);
    expect(last(user)).toMatch(/^Please check your answers:/m);
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

  it('takes an application in free text and buttons, edits answered questions, shows typing, and replies with a stored decision', async () => {
    const user = 101;
    await send(textUpdate(user, '/start'));
    expect(last(user)).toMatch(/Tell me in your own words what you need[\s\S]*How much would you like to borrow \(in US dollars\)\?/);
    await send(textUpdate(user, "I'd like 12k over 3 years to consolidate my debts, I earn 52k and rent"));
    expect(last(user)).toMatch(
      /^Got it — Amount: \$12,000; Term: 3 years \(36 months\); Purpose: Paying off other debts; Yearly income: \$52,000; Home: Rent\./,
    );
    expect(last(user)).toMatch(/How many years have you been in your current job\?$/);
    expect(keyboardData(user)).toContain('set:employmentYears:4');
    const question = lastId(user);
    await press(user, 'set:employmentYears:4');
    // The question is edited to show the answer, and its keyboard is gone.
    const edit = callsTo(user, 'editMessageText').at(-1)!;
    expect(edit.payload).toMatchObject({ message_id: question, reply_markup: { inline_keyboard: [] } });
    expect(edit.payload.text).toMatch(/How many years have you been in your current job\?\n→ 4$/);
    for (const text of ['450', '710']) await send(textUpdate(user, text));
    await press(user, 'none:record');
    for (const text of ['35%', '6']) await send(textUpdate(user, text));
    expect(last(user)).toMatch(/Please check your answers:[\s\S]*\$12,000[\s\S]*\$52,000/);
    const typingBefore = callsTo(user, 'sendChatAction').length;
    await press(user, 'confirm');
    expect(callsTo(user, 'sendChatAction').length).toBe(typingBefore + 1);
    expect(callsTo(user, 'sendChatAction').at(-1)!.payload.action).toBe('typing');
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
      delinquencies2y: 0,
      inquiries6m: 0,
      publicRecords: 0,
      revolvingUtilisation: 35,
      openAccounts: 6,
    });
    expect(rows[0].decisions.modelVersion).toBe(model.version);
    // A second press of confirm (or Telegram re-sending it) books nothing new.
    await send(callbackUpdate(user, 'confirm', question));
    expect(
      await database.db
        .select()
        .from(applications)
        .where(eq(applications.subject, `tg:${user}`)),
    ).toHaveLength(1);
    await send(textUpdate(user, '/status'));
    expect(last(user)).toContain(rows[0].applications.id);
  });

  it('says in its own words what it could not use, keeping earlier answers', async () => {
    const user = 102;
    await send(textUpdate(user, '/apply'));
    await send(textUpdate(user, 'lots'));
    expect(last(user)).toMatch(/^Sorry, I did not catch that\.\n\nHow much would you like to borrow/);
    await send(textUpdate(user, '45k'));
    expect(last(user)).toMatch(/^Amount must be between \$500 and \$40,000\./);
    await send(textUpdate(user, '£7,500'));
    expect(last(user)).toMatch(/^We lend in US dollars only, so I cannot use £7,500\./);
    await send(textUpdate(user, '9000'));
    expect(last(user)).toMatch(/Over how long would you like to repay\?$/);
    await send(textUpdate(user, '2 years'));
    expect(last(user)).toMatch(/^We lend over 3 or 5 years \(36 or 60 months\); 24 months is not something we offer/);
    await send(textUpdate(user, 'five years'));
    expect(last(user)).toMatch(/Term: 5 years \(60 months\)[\s\S]*What is the loan for\?$/);
    for (const text of fake.textsTo(user)) expect(text).not.toMatch(/Invalid input|expected|Too big|Too small/);
    await send(textUpdate(user, '/back'));
    expect(last(user)).toMatch(/^I removed your answer about Term\.[\s\S]*Over how long/);
    await send(textUpdate(user, '/cancel'));
    expect(last(user)).toMatch(/^Stopped/);
  });

  it('resumes after a restart at the same question, with the earlier answers', async () => {
    const user = 103;
    await send(textUpdate(user, '/apply'));
    await send(textUpdate(user, '20000'));
    await press(user, 'set:termMonths:60');
    boot(); // a new bot and app, as after a crash: only the database carries over
    await press(user, 'set:purpose:major_purchase');
    expect(last(user)).toMatch(/What is your yearly income before tax\?/);
    await send(textUpdate(user, '/start'));
    expect(fake.textsTo(user).at(-1)).toMatch(/You have an application in progress[\s\S]*yearly income/);
    await answerAll(user, '52k, renting');
    await press(user, 'confirm');
    const [row] = await database.db
      .select()
      .from(applications)
      .where(eq(applications.subject, `tg:${user}`));
    expect(row.applicant).toMatchObject({ loanAmount: 20_000, termMonths: 60, purpose: 'major_purchase', annualIncome: 52_000, homeOwnership: 'RENT' });
  });

  it('processes a re-delivered update once, and refuses a webhook call without the secret', async () => {
    const user = 104;
    await send(textUpdate(user, '/apply'));
    const update = textUpdate(user, '15000');
    await send(update);
    const before = fake.textsTo(user).length;
    await send(update);
    expect(fake.textsTo(user).length).toBe(before);
    expect(last(user)).toMatch(/Over how long would you like to repay\?$/);
    expect(await send(textUpdate(user, '/cancel'), 'wrong-secret')).toBe(401);
    expect(last(user)).toMatch(/Over how long would you like to repay\?$/);
  });

  it('takes a CSV bank statement sent at the summary, and rejects a bad one with the row', async () => {
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
    // A file sent before it was asked for: nothing to do with it yet.
    await send(documentUpdate(user, 'bad'));
    expect(last(user)).toBe(
      'I could not use that statement: row 3, column "date": "yesterday" is not a date. Please fix it and send it again, or tap “No, thanks”.',
    );
    await send(documentUpdate(user, 'good'));
    expect(last(user)).toMatch(
      /^Thanks — over \d months: regular income in \d of them, about \$[\d,]+ spent a month, 5 day\(s\) overdrawn\. The file itself is not kept\.\n\nPlease check your answers:[\s\S]*A bank statement \(\d months\)/,
    );
    await press(user, 'confirm');
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
    await press(user, 'evidence');
    expect(keyboardData(user)).toEqual(['evidence:file', 'evidence:questions', 'evidence:skip']);
    await press(user, 'evidence:questions');
    expect(last(user)).toMatch(/^Optional 1 of 4\. On average, how much is paid into your bank account each month\?/);
    for (const answer of ['3,200', '2,700', 'lots']) await send(textUpdate(user, answer));
    expect(last(user)).toMatch(/^Sorry, I did not catch that\.\n\nOptional 3 of 4\./);
    await send(textUpdate(user, '300'));
    await press(user, 'alt-skip:overdraftMonths12m');
    expect(last(user)).toMatch(/Please check your answers:[\s\S]*Bank-account evidence:/);
    await press(user, 'confirm');
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

  it('offers a counter-offer as a button that books it once, in place of the original, and then loses its keyboard', async () => {
    const user = 106;
    await send(textUpdate(user, '/apply'));
    await answerAll(user, 'I need 35000 over 3 years to consolidate debts, I earn 60k and rent');
    await press(user, 'confirm');
    const buttons = keyboardData(user);
    expect(last(user)).toMatch(/Declined|Referred/);
    expect(buttons).toHaveLength(1);
    expect(buttons[0]).toMatch(/^counter:[0-9a-f-]{36}$/);
    const offerMessage = lastId(user);
    await send(callbackUpdate(user, buttons[0], offerMessage));
    expect(last(user)).toMatch(/^✅ Approved/);
    expect(fake.calls.filter((c) => c.method === 'editMessageReplyMarkup' && c.payload.message_id === offerMessage).at(-1)?.payload.reply_markup).toEqual({
      inline_keyboard: [],
    });
    // A second press (or a re-delivered one) books nothing new.
    await send(callbackUpdate(user, buttons[0], offerMessage));
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

  it('speaks Spanish to a Spanish Telegram app, end to end, and switches with /language', async () => {
    const user = 111;
    speaks(user, 'es-MX');
    await send(textUpdate(user, '/start'));
    expect(last(user)).toMatch(/^¡Hola! Soy Lendwise/);
    await send(textUpdate(user, 'Quiero 12 mil a 3 años para pagar mis tarjetas, gano unos 55 mil al año y alquilo'));
    expect(last(user)).toMatch(/^Entendido: Cantidad: 12\.000\sUS\$/);
    await press(user, 'set:employmentYears:4');
    for (const text of ['ninguna', '700']) await send(textUpdate(user, text));
    await press(user, 'none:record');
    for (const text of ['30 %', 'seis']) await send(textUpdate(user, text));
    expect(last(user)).toMatch(/^Revisa tus respuestas:/m);
    await press(user, 'confirm');
    expect(last(user)).toMatch(/^(✅|🔎|❌) \S+/);
    expect(last(user)).toMatch(/Puntuación de riesgo: \d{3}/);
    for (const text of fake.textsTo(user)) expect(text).not.toMatch(/\b(the|your|Got it|Please)\b/);
    await send(textUpdate(user, '/language en'));
    expect(last(user)).toMatch(/^I will speak English from now on\./);
  });

  it('answers stickers, edits, unknown commands and group chats sensibly', async () => {
    const user = 107;
    await send(stickerUpdate(user));
    expect(last(user)).toMatch(/^I can only read text here\.\n\nTell me what loan you need/);
    await send(textUpdate(user, '8k for a car'));
    await send(photoUpdate(user));
    // A photo during a question: the question again.
    expect(last(user)).toMatch(/^I can only read text here\.\n\nOver how long would you like to repay\?$/);
    await send(textUpdate(user, '/cancel'));
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
