import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { applications, decisions } from '../db/schema.ts';
import { createKey, registerModel, setPolicy } from '../db/repository.ts';
import { nextReferral, reviewDecision } from '../db/bot-repository.ts';
import { bookGroups, candidateBook } from '../db/portfolio-repository.ts';
import { createApp } from '../src/api/app.ts';
import { loadModel } from '../src/model/load.ts';
import { DEFAULT_POLICY } from '../src/scoring/policy.ts';
import { sampleApplicant } from './helpers.ts';
import { ENGINES, openTestDatabase } from './support/databases.ts';

/**
 * The decision service as an attacker and a careless client would meet it: evidence the server did
 * not compute is refused, statements are bound to the key that sent them, a retried request is
 * answered once, and a counter-offer accepted twice books one loan.
 */

const model = loadModel('models');
const json = async (res: Response): Promise<any> => res.json();

/** A declined-looking applicant with a counter-offer (large amount for the income). */
const stretched = { ...sampleApplicant, loanAmount: 35_000, annualIncome: 45_000, ficoScore: 690, inquiries6m: 2 };

const statementCsv = (): string => {
  const day = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString().slice(0, 10);
  const rows: string[] = [];
  for (let m = 11; m >= 0; m--) {
    rows.push(`${day(m * 30 + 25)},Salary,2500,${4000 + m}`, `${day(m * 30 + 20)},Rent,-900,${3100 + m}`, `${day(m * 30 + 10)},Groceries,-400,${2700 + m}`);
  }
  return `Date,Description,Amount,Balance\n${rows.join('\n')}\n`;
};

describe.each(ENGINES)('decision service on %s', (engine) => {
  let database: Database;
  let app: ReturnType<typeof createApp>;
  let key: string;
  let otherKey: string;
  let trustedKey: string;

  const post = (path: string, body: unknown, k = key, headers: Record<string, string> = {}) =>
    app.request(path, {
      method: 'POST',
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': typeof body === 'string' ? 'text/csv' : 'application/json', authorization: `Bearer ${k}`, ...headers },
    });
  const count = async () => (await database.db.select().from(decisions)).length;

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    await registerModel(database.db, model);
    app = createApp({ model, db: () => database.db, keyCacheMs: 0 });
    key = (await createKey(database.db, { name: 'partner', scope: 'score' }, 'test')).key;
    otherKey = (await createKey(database.db, { name: 'other', scope: 'score' }, 'test')).key;
    trustedKey = (await createKey(database.db, { name: 'bank', scope: 'trusted-evidence' }, 'test')).key;
  });
  afterAll(async () => {
    await database?.close();
  });

  it('refuses bank features a client invented, and stores nothing', async () => {
    const before = await count();
    const forged = { ...stretched, alternativeData: { behaviour: { monthsObserved: 12, regularIncomeShare: 1, episodesBelowZero: -3 } } };
    const res = await post('/v1/score', forged);
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.issues.some((i: { field: string }) => i.field.startsWith('alternativeData.behaviour'))).toBe(true);
    // Well-formed invented features are refused just the same.
    const statement = await json(await post('/v1/statements', statementCsv()));
    const copied = await post('/v1/score', { ...stretched, alternativeData: { behaviour: statement.behaviour, statementSha256: statement.statementSha256 } });
    expect(copied.status).toBe(400);
    expect((await json(copied)).issues[0]).toMatchObject({ field: 'alternativeData.behaviour', rule: expect.stringMatching(/POST \/v1\/statements/) });
    expect(await count()).toBe(before);
  });

  it('uses a statement it parsed, by id, for the key that sent it only', async () => {
    const statement = await json(await post('/v1/statements', statementCsv()));
    expect(statement.statementId).toMatch(/^[0-9a-f-]{36}$/);
    const mine = await post('/v1/score', { ...stretched, alternativeData: { statementId: statement.statementId } });
    expect(mine.status).toBe(200);
    const decided = await json(mine);
    expect(decided.behaviour.source).toBe('statement');
    const theirs = await post('/v1/score', { ...stretched, alternativeData: { statementId: statement.statementId } }, otherKey);
    expect(theirs.status).toBe(400);
    expect((await json(theirs)).issues[0].field).toBe('alternativeData.statementId');
    const unknown = await post('/v1/score', { ...stretched, alternativeData: { statementId: '00000000-0000-4000-8000-000000000000' } });
    expect(unknown.status).toBe(400);
  });

  it('accepts features from a trusted-evidence key, range-checked like everything else', async () => {
    const statement = await json(await post('/v1/statements', statementCsv(), trustedKey));
    const ok = await post(
      '/v1/score',
      { ...stretched, alternativeData: { behaviour: statement.behaviour, statementSha256: statement.statementSha256 } },
      trustedKey,
    );
    expect(ok.status).toBe(200);
    const outOfRange = await post('/v1/score', { ...stretched, alternativeData: { behaviour: { ...statement.behaviour, episodesBelowZero: -3 } } }, trustedKey);
    expect(outOfRange.status).toBe(400);
  });

  it('answers a retried request with the stored decision, never a second one', async () => {
    const before = await count();
    const headers = { 'idempotency-key': 'retry-3f2a9c1e-0001' };
    const first = await post('/v1/score', sampleApplicant, key, headers);
    const again = await post('/v1/score', sampleApplicant, key, headers);
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const [a, b] = [await json(first), await json(again)];
    expect(b.applicationId).toBe(a.applicationId);
    expect(b.pd).toBe(a.pd);
    expect(await count()).toBe(before + 1);
    // Ten concurrent retries of a new request: one decision.
    const concurrent = await Promise.all(Array.from({ length: 10 }, () => post('/v1/score', sampleApplicant, key, { 'idempotency-key': 'burst-7d1c-0002' })));
    const ids = new Set(await Promise.all(concurrent.map(async (r) => (await json(r)).applicationId)));
    expect(concurrent.every((r) => r.status === 200)).toBe(true);
    expect(ids.size).toBe(1);
    expect(await count()).toBe(before + 2);
    // Two different applications sent at once with one new key: one is decided, the other is a
    // conflict, never told the first one's decision.
    for (let i = 0; i < 5; i++) {
      const race = { 'idempotency-key': `race-5e0b-000${i}` };
      const [small, large] = await Promise.all([
        post('/v1/score', { ...sampleApplicant, loanAmount: 5_000 }, key, race),
        post('/v1/score', { ...sampleApplicant, loanAmount: 39_000, ficoScore: 600 }, key, race),
      ]);
      expect([small.status, large.status].sort()).toEqual([200, 409]);
      const winner = small.status === 200 ? small : large;
      expect((await json(winner)).offer.amount).toBe(small.status === 200 ? 5_000 : 39_000);
    }
    expect(await count()).toBe(before + 7);
    // The same key for another application is a conflict; another caller's key space is its own.
    const other = await post('/v1/score', { ...sampleApplicant, loanAmount: 9_000 }, key, headers);
    expect(other.status).toBe(409);
    expect((await post('/v1/score', sampleApplicant, otherKey, headers)).status).toBe(200);
    expect((await post('/v1/score', sampleApplicant, key, { 'idempotency-key': 'x' })).status).toBe(400);
  });

  it('books an accepted counter-offer once, in place of the original: out of review and out of the book', async () => {
    // A policy that refers this applicant (PD ≈ 0.29) and approves a smaller loan (PD ≈ 0.16 at $10,000).
    await setPolicy(database.db, { ...DEFAULT_POLICY, approveBelow: 0.2, declineAtOrAbove: 0.6, maxApr: 0.6 }, 'test');
    const tight = createApp({ model, db: () => database.db, keyCacheMs: 0 });
    const res = await tight.request('/v1/score', {
      method: 'POST',
      body: JSON.stringify(stretched),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    });
    const original = await json(res);
    expect(original.decision).toBe('refer');
    expect(original.offer.counterOffer).not.toBeNull();
    const accept = () =>
      tight.request(`/v1/applications/${original.applicationId}/accept-counter-offer`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
    const [first, second] = await Promise.all([accept(), accept()]);
    const [a, b] = [await json(first), await json(second)];
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(a.applicationId).toBe(b.applicationId);
    expect([a.alreadyAccepted, b.alreadyAccepted].sort()).toEqual([false, true]);
    expect(a.decision).toBe('approve');
    expect(a.offer.amount).toBe(original.offer.counterOffer.amount);
    const third = await json(await accept());
    expect(third).toMatchObject({ applicationId: a.applicationId, alreadyAccepted: true });
    const [row] = await database.db.select().from(applications).where(eq(applications.id, original.applicationId));
    expect(row).toMatchObject({ status: 'superseded', supersededBy: a.applicationId });
    // Another key cannot accept it; the review queue and the book no longer hold the original.
    expect(
      (
        await tight.request(`/v1/applications/${original.applicationId}/accept-counter-offer`, {
          method: 'POST',
          headers: { authorization: `Bearer ${otherKey}` },
        })
      ).status,
    ).toBe(404);
    for (let referral = await nextReferral(database.db); referral; referral = await nextReferral(database.db)) {
      expect(referral.applicationId).not.toBe(original.applicationId);
      await reviewDecision(database.db, referral.decisionId, 'test', 'decline');
    }
    const [originalDecision] = await database.db.select().from(decisions).where(eq(decisions.applicationId, original.applicationId));
    expect(await reviewDecision(database.db, originalDecision.id, 'test', 'approve')).toBe(false);
    // In the book once: the accepted counter-offer, never the original as well.
    const book = await candidateBook(database.db, new Date(0));
    expect(book.loans.map((l) => l.id)).not.toContain(original.applicationId);
    expect(book.currentIds).toContain(a.applicationId);
    const groups = await bookGroups(database.db);
    expect(groups.reduce((n, g) => n + g.count, 0)).toBe(book.currentIds!.length);
    const stored = await json(await tight.request(`/v1/applications/${original.applicationId}`, { headers: { authorization: `Bearer ${key}` } }));
    expect(stored).toMatchObject({ status: 'superseded', supersededBy: a.applicationId });
  });
});
