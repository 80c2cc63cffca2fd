import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import {
  audit,
  auditEntries,
  countDecisions,
  createKey,
  currentPolicy,
  getApplication,
  listKeys,
  recordDecision,
  registerModel,
  revokeKey,
  setPolicy,
  verifyKey,
} from '../db/repository.ts';
import { assess } from '../src/scoring/assess.ts';
import { loadModel } from '../src/model/load.ts';
import { DEFAULT_POLICY } from '../src/scoring/policy.ts';
import { sampleApplicant } from './helpers.ts';
import { ENGINES, openTestDatabase } from './support/databases.ts';

const model = loadModel('models');

describe.each(ENGINES)('storage on %s', (engine) => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase(engine);
    await registerModel(database.db, model);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('starts with the default policy as version 1 and keeps new versions with an audit entry', async () => {
    // Several processes asking at once on an empty database (a cluster's workers): one default, one audit entry.
    const firsts = await Promise.all(Array.from({ length: 5 }, () => currentPolicy(database.db)));
    expect(new Set(firsts.map((p) => p.version))).toEqual(new Set([1]));
    expect((await auditEntries(database.db, 10)).filter((e) => e.action === 'policy.set')).toHaveLength(1);
    const first = await currentPolicy(database.db);
    expect(first.version).toBe(1);
    expect(first.policy).toEqual(DEFAULT_POLICY);
    const next = await setPolicy(database.db, { ...DEFAULT_POLICY, approveBelow: 0.1 }, 'tg:42');
    expect(next.version).toBe(2);
    expect((await currentPolicy(database.db)).policy.approveBelow).toBe(0.1);
    const [entry] = await auditEntries(database.db, 1);
    expect(entry).toMatchObject({ actor: 'tg:42', action: 'policy.set', subject: '2' });
    await expect(setPolicy(database.db, { ...DEFAULT_POLICY, approveBelow: 0.5, declineAtOrAbove: 0.4 }, 'x')).rejects.toThrow(/approveBelow/);
  });

  it('stores an application with its decision, model and policy version', async () => {
    const policy = await currentPolicy(database.db);
    const assessment = assess(model, policy.policy, sampleApplicant);
    const before = await countDecisions(database.db);
    const id = await recordDecision(database.db, {
      applicant: sampleApplicant,
      caller: { owner: 'key:1', channel: 'api', trustedEvidence: false },
      assessment,
      policyVersion: policy.version,
    });
    expect(await countDecisions(database.db)).toBe(before + 1);
    const stored = await getApplication(database.db, id);
    expect(stored).toBeDefined();
    expect(stored!.applicant).toEqual(sampleApplicant);
    expect(stored!.decision).toMatchObject({
      pd: assessment.pd,
      score: assessment.score,
      decision: assessment.decision,
      reasons: assessment.reasons,
      offer: assessment.offer,
      modelVersion: model.version,
      policyVersion: policy.version,
    });
    expect(await getApplication(database.db, '00000000-0000-4000-8000-000000000000')).toBeUndefined();
  });

  it('rolls back the application when its decision cannot be stored', async () => {
    const before = await database.db.execute(sql`select count(*)::int as n from applications`);
    const bad = { ...assess(model, DEFAULT_POLICY, sampleApplicant), modelVersion: 'no-such-model' };
    await expect(
      recordDecision(database.db, {
        applicant: sampleApplicant,
        caller: { owner: 'key:1', channel: 'api', trustedEvidence: false },
        assessment: bad,
        policyVersion: 1,
      }),
    ).rejects.toThrow();
    const after = await database.db.execute(sql`select count(*)::int as n from applications`);
    const n = (r: unknown) => ((r as { rows?: { n: number }[] }).rows ?? (r as { n: number }[]))[0].n;
    expect(n(after)).toBe(n(before));
  });

  it('keeps API keys hashed, verifies and revokes them', async () => {
    const { key, record } = await createKey(database.db, { name: 'partner', scope: 'score' }, 'cli');
    expect(key).toMatch(/^lw_[a-z0-9]{10}_/);
    const raw = await database.db.execute(sql`select hash from api_keys where id = ${record.id}`);
    const hash = ((raw as { rows?: { hash: string }[] }).rows ?? (raw as { hash: string }[]))[0].hash;
    // The secret is base64url, which may itself hold '_': everything after `lw_<prefix>_`.
    const secret = key.slice('lw_'.length + 10 + 1);
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(hash).not.toContain(secret);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect((await verifyKey(database.db, key))?.id).toBe(record.id);
    expect(await verifyKey(database.db, `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined();
    expect(await verifyKey(database.db, 'nonsense')).toBeUndefined();
    expect(await revokeKey(database.db, record.id, 'cli')).toBe(true);
    expect(await revokeKey(database.db, record.id, 'cli')).toBe(false);
    expect(await verifyKey(database.db, key)).toBeUndefined();
    expect((await listKeys(database.db)).find((k) => k.id === record.id)?.revokedAt).toBeInstanceOf(Date);
    const actions = (await auditEntries(database.db, 5)).map((e) => e.action);
    expect(actions).toContain('key.create');
    expect(actions).toContain('key.revoke');
  });

  it('keeps the audit log append-only', async () => {
    await audit(database.db, { actor: 'test', action: 'probe' });
    // drizzle wraps the database error; the server's own message is its cause.
    const refusal = (e: unknown) => String((e as { cause?: Error }).cause?.message ?? e);
    await expect(database.db.execute(sql`update audit_log set actor = 'someone else'`).catch(refusal)).resolves.toMatch(/append-only \(UPDATE refused\)/);
    await expect(database.db.execute(sql`delete from audit_log`).catch(refusal)).resolves.toMatch(/append-only \(DELETE refused\)/);
  });
});

describe.each(ENGINES)('bot storage on %s', (engine) => {
  it('queues each update once per bot, claims it once, and forgets handled ones older than a week', async () => {
    const { enqueueUpdate, claimNextUpdate, finishUpdate, pruneUpdates, UPDATE_MEMORY_DAYS } = await import('../db/bot-repository.ts');
    const database = await openTestDatabase(engine);
    try {
      const update = { update_id: 41, message: { message_id: 1, date: 0, chat: { id: 7, type: 'private' }, text: 'hi' } };
      expect(await enqueueUpdate(database.db, 1, update)).toBe(true);
      expect(await enqueueUpdate(database.db, 1, update)).toBe(false);
      expect(await enqueueUpdate(database.db, 2, update)).toBe(true); // another bot's update 41
      const claimed = await claimNextUpdate(database.db, 1, 'w', 30_000);
      expect(claimed).toMatchObject({ updateId: 41, attempts: 1 });
      expect(JSON.parse(claimed!.payload)).toEqual(update);
      expect(await claimNextUpdate(database.db, 1, 'w', 30_000)).toBeUndefined();
      expect(await finishUpdate(database.db, 1, 41, 'w', { status: 'done' })).toBe(true);
      expect(await pruneUpdates(database.db)).toBe(0);
      expect(await pruneUpdates(database.db, new Date(Date.now() + (UPDATE_MEMORY_DAYS + 1) * 86_400_000))).toBe(1);
      expect(await enqueueUpdate(database.db, 1, update)).toBe(true);
    } finally {
      await database.close();
    }
  });
});
