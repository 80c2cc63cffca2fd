import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { createKey, registerModel } from '../db/repository.ts';
import { applications, conversations } from '../db/schema.ts';
import { createApp } from '../src/api/app.ts';
import { ApplicantSchema } from '../src/applicant/schema.ts';
import { loadModel } from '../src/model/load.ts';
import { ENGINES, openTestDatabase } from './support/databases.ts';
import { widgetSession } from './support/widget-session.ts';

const model = loadModel('models');
const WIDGET = 'https://widget.example';
const PAGE = `${WIDGET}/`;

interface ChatAnswer {
  conversationId: string;
  replies: { text: string; buttons?: { id: string; label: string }[] }[];
  answers: Record<string, unknown>;
  done: boolean;
  decision?: Record<string, unknown>;
}

/** What a person types or presses for each question the web chat asks. */
const ANSWERS: Record<string, { text?: string; button?: string }> = {
  employmentYears: { button: 'set:employmentYears:4' },
  monthlyDebtPayments: { text: '300 a month' },
  ficoScore: { text: 'about 700' },
  record: { button: 'none:record' },
  revolvingUtilisation: { text: '30%' },
  openAccounts: { text: 'six' },
};

describe.each(ENGINES)('web chat API on %s', (engine) => {
  let database: Database;
  let app: ReturnType<typeof createApp>;
  let session: string;

  const post = async (body: unknown, headers: Record<string, string> = {}) => {
    const res = await app.request('/v1/chat', {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...(headers.authorization ? {} : { origin: WIDGET, 'x-widget-session': session }), ...headers },
    });
    return { status: res.status, body: (await res.json()) as ChatAnswer & { error?: string; issues?: { field: string; rule: string }[] } };
  };
  const widgetHeaders = () => ({ origin: WIDGET, 'x-widget-session': session });
  /** The question on screen, told by its buttons or text. */
  const asking = (a: ChatAnswer): string => {
    const last = a.replies.at(-1)!;
    const button = last.buttons?.[0]?.id ?? '';
    if (button === 'confirm') return 'confirm';
    if (button === 'none:record') return 'record';
    if (button.startsWith('set:') || button.startsWith('skip:')) return button.split(':')[1]!;
    if (/credit score/.test(last.text)) return 'ficoScore';
    if (/accounts/.test(last.text)) return 'openAccounts';
    return 'unknown';
  };

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    await registerModel(database.db, model);
    app = createApp({ model, db: () => database.db, widgetOrigins: [WIDGET], keyCacheMs: 0 });
    session = await widgetSession(app, PAGE);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('takes a whole application by HTTP: free text, typed answers and buttons, then the /v1/score decision', async () => {
    const first = await post({});
    expect(first.status).toBe(200);
    expect(first.body.replies[0]!.text).toMatch(/^Hello! I am Lendwise/);
    const id = first.body.conversationId;
    let answer = (await post({ conversationId: id, text: "I'd like 12k over 3 years to pay off my cards, I make about 55k and rent" })).body;
    expect(answer.answers).toMatchObject({ loanAmount: 12_000, termMonths: 36, purpose: 'credit_card', annualIncome: 55_000, homeOwnership: 'RENT' });
    let messages = 1;
    for (let guard = 0; guard < 12 && asking(answer) !== 'confirm'; guard++) {
      const next = ANSWERS[asking(answer)];
      expect(next, `no answer for ${asking(answer)}: ${answer.replies.at(-1)?.text}`).toBeDefined();
      answer = (await post({ conversationId: id, ...next })).body;
      messages++;
    }
    expect(answer.replies.at(-1)!.text).toMatch(/^Please check your answers:/m);
    // The web chat cannot send files: the statement is not offered, the four questions are.
    const evidence = (await post({ conversationId: id, button: 'evidence' })).body;
    expect(evidence.replies.at(-1)!.buttons!.map((b) => b.id)).toEqual(['evidence:questions', 'evidence:skip']);
    await post({ conversationId: id, button: 'evidence:skip' });
    const decided = await post({ conversationId: id, button: 'confirm' });
    messages++;
    expect(decided.status).toBe(200);
    expect(decided.body.done).toBe(true);
    expect(decided.body.decision).toMatchObject({ modelVersion: model.version });
    expect(['approve', 'refer', 'decline']).toContain(decided.body.decision!.decision);
    expect(decided.body.replies[0]!.text).toMatch(/^(✅ Approved|🔎 Referred|❌ Declined)\nRisk score: \d{3}/);
    expect(messages).toBeLessThanOrEqual(9);

    const [stored] = await database.db
      .select()
      .from(applications)
      .where(eq(applications.id, decided.body.decision!.applicationId as string));
    expect(stored!.channel).toBe('widget');
    expect(ApplicantSchema.parse(stored!.applicant)).toMatchObject({ loanAmount: 12_000, ficoScore: 700, openAccounts: 6, monthlyDebtPayments: 300 });

    // A repeated confirm (a client retry) is the same decision, never a second loan.
    const again = await post({ conversationId: id, button: 'confirm' });
    expect(again.body.replies[0]!.text).toMatch(/already been decided/);
    expect(
      (
        await database.db
          .select()
          .from(applications)
          .where(eq(applications.owner, `web-chat:${id}`))
      ).length,
    ).toBe(1);

    // GET returns the same state; DELETE removes it.
    const got = await app.request(`/v1/chat/${id}`, { headers: widgetHeaders() });
    expect(await got.json()).toMatchObject({ conversationId: id, done: true, answers: { loanAmount: 12_000 } });
    expect((await app.request(`/v1/chat/${id}`, { method: 'DELETE', headers: widgetHeaders() })).status).toBe(204);
    expect((await app.request(`/v1/chat/${id}`, { headers: widgetHeaders() })).status).toBe(404);
    expect(
      await database.db
        .select()
        .from(conversations)
        .where(eq(conversations.key, `web:${id}`)),
    ).toEqual([]);
  });

  it('resumes after a restart, from the database alone', async () => {
    const { conversationId } = (await post({ text: 'I need 9,000 for a wedding over 5 years' })).body;
    app = createApp({ model, db: () => database.db, widgetOrigins: [WIDGET], keyCacheMs: 0 });
    session = await widgetSession(app, PAGE);
    const got = (await (await app.request(`/v1/chat/${conversationId}`, { headers: widgetHeaders() })).json()) as ChatAnswer;
    expect(got.answers).toEqual({ loanAmount: 9_000, purpose: 'wedding', termMonths: 60 });
    expect(got.replies.at(-1)!.text).toMatch(/yearly income/);
    // The page resumes with a same-origin GET, which browsers send without Origin but marked
    // Sec-Fetch-Site: same-origin; only reads are let in that way.
    const sameOrigin = { 'x-widget-session': session, 'sec-fetch-site': 'same-origin' };
    expect((await app.request(`/v1/chat/${conversationId}`, { headers: sameOrigin })).status).toBe(200);
    expect((await app.request(`/v1/chat/${conversationId}`, { headers: { 'x-widget-session': session } })).status).toBe(401);
    const write = await app.request('/v1/chat', {
      method: 'POST',
      body: JSON.stringify({ conversationId, text: '48k' }),
      headers: { ...sameOrigin, 'content-type': 'application/json' },
    });
    expect(write.status).toBe(401);
    const next = (await post({ conversationId, text: '48k' })).body;
    expect(next.answers.annualIncome).toBe(48_000);
  });

  it('speaks Spanish when asked, or when the browser prefers it', async () => {
    const asked = (await post({ language: 'es', text: 'Quiero 12 mil a 3 años para un auto' })).body;
    expect(asked.replies.at(-1)!.text).toMatch(/Entendido[\s\S]*12\.000\sUS\$/);
    expect(asked.answers).toMatchObject({ loanAmount: 12_000, termMonths: 36, purpose: 'car' });
    const browser = (await post({}, { 'accept-language': 'es-MX,es;q=0.9,en;q=0.5' })).body;
    expect(browser.replies[0]!.text).toMatch(/^¡Hola!/);
    // Neither said: the first message's own words decide.
    const guessed = (await post({ text: 'quiero pedir 8 mil para una boda' })).body;
    expect(guessed.replies[0]!.text).toMatch(/^Entendido: Cantidad: 8000\sUS\$/);
    expect((await post({ text: 'I want 8k for a wedding' })).body.replies[0]!.text).toMatch(/^Got it/);
    // /help answers here too; Telegram's own commands are said to be unknown, in the person's language.
    expect((await post({ conversationId: guessed.conversationId, text: '/help' })).body.replies[0]!.text).toMatch(/^Cuéntame qué necesitas/);
    expect((await post({ conversationId: guessed.conversationId, text: '/status' })).body.replies[0]!.text).toMatch(/^No conozco ese comando/);
    const switched = (await post({ conversationId: browser.conversationId, language: 'en' })).body;
    expect(switched.replies[0]!.text).toMatch(/English/);
  });

  it('refuses bad requests in plain words, and keeps conversations to their key', async () => {
    const bad = await post({ text: 'hi', button: 'confirm' });
    expect(bad.status).toBe(400);
    expect(bad.body.issues?.[0]?.rule).toBe('send either text or a button, not both');
    const long = await post({ text: 'x'.repeat(2_001) });
    expect(long.status).toBe(400);
    expect(long.body.issues?.[0]).toEqual({ field: 'text', rule: 'must be at most 2,000 characters' });
    expect((await post({ conversationId: 'nope' })).body.issues?.[0]?.field).toBe('conversationId');
    expect((await post({ conversationId: '00000000-0000-4000-8000-000000000000', text: 'hi' })).status).toBe(404);
    expect((await post({ language: 'fr' })).body.issues?.[0]).toEqual({ field: 'language', rule: 'must be one of: en, es' });
    // Without a session or key: 401, nothing stored.
    const anonymous = await app.request('/v1/chat', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(anonymous.status).toBe(401);
    // A key's conversation is not another key's.
    const a = (await createKey(database.db, { name: 'chat-a', scope: 'score' }, 'test')).key;
    const b = (await createKey(database.db, { name: 'chat-b', scope: 'score' }, 'test')).key;
    const started = (await post({ text: '10k for a car' }, { authorization: `Bearer ${a}` })).body;
    expect(started.answers.loanAmount).toBe(10_000);
    const stolen = await post({ conversationId: started.conversationId, text: 'yes' }, { authorization: `Bearer ${b}` });
    expect(stolen.status).toBe(404);
  });
});
