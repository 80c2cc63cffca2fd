import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBot } from '../bot/bot.ts';
import type { Database } from '../db/client.ts';
import { databaseStore } from '../db/decision-store.ts';
import { auditEntries, createKey, registerModel } from '../db/repository.ts';
import { createApp } from '../src/api/app.ts';
import { decisionService } from '../src/app/decide.ts';
import { loadModel } from '../src/model/load.ts';
import { loadDriftReference } from '../src/monitoring/load.ts';
import { ENGINES, openTestDatabase } from './support/databases.ts';
import { FakeTelegram, TEST_BOT_INFO, textUpdate } from './support/fake-telegram.ts';
import { lendingClubApplicants } from './support/lendingclub-book.ts';

const model = loadModel('models');
const reference = loadDriftReference(model)!;
const TOKEN = '123456:TEST-TOKEN';
const SECRET = 'webhook-secret-drift';
const ADMIN = 9001;
const STRANGER = 4242;

describe.each(ENGINES)('/drift in the Telegram chat on %s (fake Bot API)', (engine) => {
  let database: Database;
  let fake: FakeTelegram;
  let app: ReturnType<typeof createApp>;

  const send = async (update: unknown) => {
    const res = await app.request('/telegram/webhook', {
      method: 'POST',
      body: JSON.stringify(update),
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
    });
    return res.status;
  };
  const last = (chat: number) => fake.textsTo(chat).at(-1) ?? '';
  const photosTo = (chat: number) => fake.calls.filter((c) => c.method === 'sendPhoto' && c.raw.includes(String(chat)));

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    await registerModel(database.db, model);
    fake = await new FakeTelegram().start();
    const db = () => database.db;
    const bot = createBot(
      { db, model, decisions: decisionService({ model, store: databaseStore(db), policyTtlMs: 0 }), admins: [ADMIN] },
      { token: TOKEN, botInfo: TEST_BOT_INFO, apiRoot: fake.url },
    );
    app = createApp({ model, db, telegram: { bot, secretToken: SECRET }, driftReference: reference });
  });
  afterAll(async () => {
    await fake?.stop();
    await database?.close();
  });

  it('is for the lender’s staff; without applications it says so, and sends no chart', async () => {
    await send(textUpdate(STRANGER, '/drift'));
    expect(last(STRANGER)).toMatch(/not allowed/);
    await send(textUpdate(ADMIN, '/drift 99'));
    expect(last(ADMIN)).toBe('Weeks must be a whole number from 1 to 52. Example: /drift 12');
    await send(textUpdate(ADMIN, '/drift'));
    expect(last(ADMIN)).toMatch(/No applications were decided in that time\.$/);
    expect(photosTo(ADMIN)).toHaveLength(0);
  });

  it('sends a summary and the PSI chart as a PNG once applications are stored, flagging a SYNTHETIC shift', async () => {
    // Real LendingClub applicants scored through the API, with a SYNTHETIC shift: FICO 40 points lower.
    const { key } = await createKey(database.db, { name: 'book', scope: 'score' }, 'test');
    for (const a of await lendingClubApplicants(40)) {
      const res = await app.request('/v1/score', {
        method: 'POST',
        body: JSON.stringify({ ...a, ficoScore: a.ficoScore - 40 }),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      });
      expect(res.status).toBe(200);
    }
    await send(textUpdate(ADMIN, '/drift 4'));
    const summary = last(ADMIN);
    expect(summary).toMatch(
      new RegExp(`^Drift against the training sample of ${model.version} \\(13,422 loans\\), last 4 weeks: PSI watch ≥ 0\\.1, act ≥ 0\\.25\\.`),
    );
    expect(summary).toMatch(/Week of \d{4}-\d\d-\d\d: 40 applications, act \(fewer than 300: noisy\)/);
    expect(summary).toMatch(/• FICO score: PSI \d+\.\d\d \(act\); most moved: < 672, \d+\.\d% now vs 7\.9% in training/);
    const photo = photosTo(ADMIN).at(-1)!;
    expect(photo.raw).toContain('PNG');
    expect(photo.raw).toContain('IHDR');
    expect(photo.raw).toContain('PSI by week and input against the training sample');
    const actions = (await auditEntries(database.db, 50)).map((e) => `${e.actor} ${e.action}`);
    expect(actions).toContain(`tg:${ADMIN} bot.drift`);
    await send(textUpdate(ADMIN, '/help'));
    expect(last(ADMIN)).toMatch(/\/drift — Drift of the inputs and the score by week/);
  });
});
