import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client.ts';
import { DecisionWriter } from '../db/decision-writer.ts';
import { Deadline, DeadlinePassed } from '../src/app/deadline.ts';
import { inArray } from 'drizzle-orm';
import { countDecisions, currentPolicy, getApplication, registerModel } from '../db/repository.ts';
import { shadowScores } from '../db/schema.ts';
import { loadModel } from '../src/model/load.ts';
import { assess } from '../src/scoring/assess.ts';
import { DEFAULT_POLICY } from '../src/scoring/policy.ts';
import { sampleApplicant } from './helpers.ts';
import { ENGINES, openTestDatabase } from './support/databases.ts';

/**
 * The group-commit writer stores a whole batch with one INSERT per table, its columns as array
 * parameters unnested by the server (db/decision-writer.ts): every value must come back as it went
 * in, whatever characters it holds and however many rows share the batch.
 */

const model = loadModel('models');
const assessment = { ...assess(model, DEFAULT_POLICY, sampleApplicant), modelVersion: model.version };
// Text that an array literal or JSON has to escape: quotes, backslashes, braces, commas, NULL-like words, non-ASCII.
const awkward = fc.constantFrom('"', '\\', '{', '}', ',', 'NULL', 'null', ' ', "'", 'é', '€', '日本', '🙂', '\n', '\t', 'a');
const awkwardText = fc.array(awkward, { minLength: 0, maxLength: 12 }).map((parts) => parts.join(''));

describe.each(ENGINES)('the decision writer on %s', (engine) => {
  let database: Database;
  let policyVersion: number;
  beforeAll(async () => {
    database = await openTestDatabase(engine);
    await registerModel(database.db, model);
    policyVersion = (await currentPolicy(database.db)).version;
  }, 60_000);
  afterAll(async () => {
    await database?.close();
  });

  it('stores every row of a batch exactly as given, awkward text and nulls included', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(awkwardText, fc.option(awkwardText), fc.boolean()), { minLength: 1, maxLength: 40 }), async (rows) => {
        const writer = new DecisionWriter(() => database.db);
        const records = rows.map(([owner, subject, withBehaviour]) => ({
          applicant: { ...sampleApplicant, purpose: sampleApplicant.purpose },
          caller: { channel: 'api' as const, owner, trustedEvidence: false, ...(subject === null ? {} : { subject }) },
          assessment: {
            ...assessment,
            notices: [owner, `${subject ?? ''}"}`],
            reasons: assessment.reasons.map((r) => ({ ...r, text: `${r.text} ${owner}` })),
            behaviour: withBehaviour ? { source: 'answers' as const, evidenceLogOdds: -0.25, bureauPd: 0.1, signals: [] } : null,
          },
          policyVersion,
        }));
        // Written together: one batch.
        const ids = await Promise.all(records.map((r) => writer.write(r)));
        for (const [i, id] of ids.entries()) {
          const stored = await getApplication(database.db, id);
          expect(stored?.applicant).toEqual(records[i].applicant);
          expect(stored?.decision.notices).toEqual(records[i].assessment.notices);
          expect(stored?.decision.reasons).toEqual(records[i].assessment.reasons);
          expect(stored?.decision.behaviour).toEqual(records[i].assessment.behaviour);
          expect(stored?.decision.offer).toEqual(records[i].assessment.offer);
          expect(stored?.decision.pd).toBe(records[i].assessment.pd);
        }
      }),
      { numRuns: 15 },
    );
  }, 120_000);

  it("stores the challenger's rows with their batch, leaves out one naming an unknown model, and never fails the batch for it", async () => {
    const shadow = (modelVersion: string, pd: number) => ({ pd, score: 640, riskBand: 'B', decision: 'refer' as const, modelVersion });
    const caller = { channel: 'api' as const, owner: 'key:shadow', trustedEvidence: false };
    const records = [
      { applicant: sampleApplicant, caller, assessment, policyVersion, shadow: [shadow(model.version, 0.123456789012345)] },
      { applicant: sampleApplicant, caller, assessment, policyVersion, shadow: [shadow('pd-not-registered', 0.2)] },
      { applicant: sampleApplicant, caller, assessment, policyVersion },
    ];
    const warn = console.warn;
    console.warn = () => {};
    try {
      const writer = new DecisionWriter(() => database.db);
      const ids = await Promise.all(records.map((r) => writer.write(r)));
      for (const id of ids) expect((await getApplication(database.db, id))?.decision.pd).toBe(assessment.pd);
      const stored = await database.db.select().from(shadowScores).where(inArray(shadowScores.applicationId, ids));
      expect(stored.map((r) => [r.applicationId, r.modelVersion, r.pd, r.score, r.decision])).toEqual([
        [ids[0], model.version, 0.123456789012345, 640, 'refer'],
      ]);
    } finally {
      console.warn = warn;
    }
  });

  it('a row the database refuses fails alone: the rest of its batch is stored, and no connection is left behind', async () => {
    const caller = { channel: 'api' as const, owner: 'key:one-bad-row', trustedEvidence: false };
    const good = { applicant: sampleApplicant, caller, assessment, policyVersion };
    // A policy version that does not exist breaks a foreign key; a NUL character is text PostgreSQL cannot hold.
    const badReference = { ...good, policyVersion: 999_999 };
    const badText = { ...good, caller: { ...caller, subject: 'a\u0000b' } };
    const writer = new DecisionWriter(() => database.db);
    const before = await countDecisions(database.db);
    // More failing batches than the pool has connections: a leaked one per failure would hang the last write.
    for (let i = 0; i < 12; i++) {
      const results = await Promise.allSettled([writer.write(good), writer.write(badReference), writer.write(good), writer.write(badText)]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected']);
      for (const r of results) if (r.status === 'fulfilled') expect((await getApplication(database.db, r.value))?.decision.pd).toBe(assessment.pd);
    }
    expect(await countDecisions(database.db)).toBe(before + 24);
  }, 60_000);

  it('a batch that hangs does not hold up the next one', async () => {
    const record = { applicant: sampleApplicant, caller: { channel: 'api' as const, owner: 'key:stall', trustedEvidence: false }, assessment, policyVersion };
    // The first transaction's connection goes silent (as a frozen server or a dropped network would); later ones are real.
    const real = (database.db as unknown as { $client: Record<string, (...args: unknown[]) => unknown> }).$client;
    let calls = 0;
    const silent = new Promise<never>(() => {});
    const client =
      'transaction' in real
        ? { transaction: (work: unknown) => (calls++ === 0 ? silent : real.transaction.call(real, work)) }
        : { connect: () => (calls++ === 0 ? Promise.resolve({ query: () => silent, release: () => {} }) : real.connect.call(real)) };
    const writer = new DecisionWriter(() => ({ $client: client }) as unknown as typeof database.db, { stallMs: 200 });
    const hung = writer.write(record);
    hung.catch(() => {});
    // Let the first batch start alone.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const t0 = Date.now();
    const id = await writer.write(record);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect((await getApplication(database.db, id))?.decision.pd).toBe(assessment.pd);
  });

  it('a batch of expired requests only does not strand the requests queued behind it', async () => {
    const record = { applicant: sampleApplicant, caller: { channel: 'api' as const, owner: 'key:expired', trustedEvidence: false }, assessment, policyVersion };
    const writer = new DecisionWriter(() => database.db, { maxBatch: 1 });
    const expired = new Deadline();
    expired.expire();
    const refused = writer.write(record, expired);
    const fresh = writer.write(record);
    await expect(refused).rejects.toThrow(DeadlinePassed);
    const id = await fresh;
    expect((await getApplication(database.db, id))?.decision.pd).toBe(assessment.pd);
  });
});
