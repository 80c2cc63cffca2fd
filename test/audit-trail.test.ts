import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { verifyAuditChain } from '../db/audit-chain.ts';
import { openDatabase } from '../db/client.ts';
import { audit, createKey, registerModel } from '../db/repository.ts';
import { setUpRoles } from '../db/roles.ts';
import { createApp } from '../src/api/app.ts';
import { loadModel } from '../src/model/load.ts';
import { sampleApplicant } from './helpers.ts';
import { adminQuery, ENGINES, openTestDatabase } from './support/databases.ts';

/**
 * An audit trail no one can wipe (issue 14): TRUNCATE refused like UPDATE and DELETE, every row
 * chained to the one before by its hash so that a change is found, and on PostgreSQL a server role
 * that cannot truncate, delete or drop the triggers at all.
 */

const model = loadModel('models');
const refusal = async (work: () => Promise<unknown>) => {
  try {
    await work();
    return 'allowed';
  } catch (error) {
    const e = error as { message: string; cause?: { message: string } };
    return e.cause?.message ?? e.message;
  }
};

describe.each(ENGINES)('the audit log on %s', (engine) => {
  it('refuses TRUNCATE, chains every row, and finds a row changed behind the triggers', async () => {
    const database = await openTestDatabase(engine);
    try {
      const db = database.db;
      for (let i = 0; i < 5; i++) await audit(db, { actor: 'test', action: `step.${i}`, detail: { i } });
      await Promise.all(Array.from({ length: 10 }, (_, i) => audit(db, { actor: 'test', action: 'concurrent', subject: String(i) })));
      const report = await verifyAuditChain(db);
      expect(report).toMatchObject({ intact: true });
      expect(report.rows).toBeGreaterThanOrEqual(15);
      expect(await refusal(() => db.execute(sql`truncate audit_log`))).toMatch(/append-only \(TRUNCATE refused\)/);
      expect(await refusal(() => db.execute(sql`delete from audit_log`))).toMatch(/append-only \(DELETE refused\)/);

      // Whoever owns the table can switch its triggers off: the chain still tells.
      await db.execute(sql`alter table audit_log disable trigger audit_log_no_update_or_delete`);
      await db.execute(sql`update audit_log set actor = 'someone else' where action = 'step.2'`);
      const changed = await verifyAuditChain(db);
      expect(changed.intact).toBe(false);
      expect(changed.broken?.reason).toMatch(/content changed/);
      await db.execute(sql`delete from audit_log where action = 'step.2'`);
      expect((await verifyAuditChain(db)).broken?.reason).toMatch(/missing|does not point/);
      await db.execute(sql`alter table audit_log enable trigger audit_log_no_update_or_delete`);
    } finally {
      await database.close();
    }
  });
});

describe('least privilege on PostgreSQL', () => {
  it('lets the server role score and append to the audit log, and nothing that would wipe it', async () => {
    const adminUrl = inject('postgresUrl');
    const name = `lw_${randomBytes(6).toString('hex')}`;
    await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
    const dbUrl = (user?: string, password?: string) => {
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      if (user) {
        url.username = user;
        url.password = password!;
      }
      return url.toString();
    };
    const roles = { owner: `${name}_owner`, app: `${name}_app` };
    const passwords = { owner: randomBytes(12).toString('hex'), app: randomBytes(12).toString('hex') };
    await setUpRoles(dbUrl(), roles, passwords);
    const database = await openDatabase({ url: dbUrl(roles.app, passwords.app), migrationUrl: dbUrl(roles.owner, passwords.owner), max: 2 });
    await setUpRoles(dbUrl(), roles, passwords); // again, now that the audit log exists
    try {
      const db = database.db;
      await registerModel(db, model);
      const app = createApp({ model, db: () => db, keyCacheMs: 0 });
      const key = (await createKey(db, { name: 'partner', scope: 'score' }, 'test')).key;
      const res = await app.request('/v1/score', {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(sampleApplicant),
      });
      expect(res.status).toBe(200);
      await audit(db, { actor: 'test', action: 'appended' });
      expect((await verifyAuditChain(db)).intact).toBe(true);
      for (const attack of [
        sql`truncate audit_log`,
        sql`delete from audit_log`,
        sql`update audit_log set actor = 'x'`,
        sql`drop trigger audit_log_chain on audit_log`,
        sql`alter table audit_log disable trigger all`,
        sql`truncate decisions cascade`,
        sql`create table mine (x int)`,
      ])
        expect(await refusal(() => db.execute(attack))).toMatch(/permission denied|must be owner/);
    } finally {
      await database.close();
    }
  });
});
