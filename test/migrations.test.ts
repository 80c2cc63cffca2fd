import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../db/client.ts';
import { bookGroups } from '../db/portfolio-repository.ts';

/**
 * A database made before a migration keeps working after it: decisions stored before 0008 get the
 * book's columns from their offer and application, so the portfolio's SQL sees them.
 */

/** The migrations folder as it was up to (and including) `last`. */
function migrationsUpTo(last: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'lw-migrations-'));
  cpSync(MIGRATIONS, dir, { recursive: true });
  const journal = JSON.parse(readFileSync(join(dir, 'meta', '_journal.json'), 'utf8'));
  const at = journal.entries.findIndex((e: { tag: string }) => e.tag === last);
  journal.entries = journal.entries.slice(0, at + 1);
  writeFileSync(join(dir, 'meta', '_journal.json'), JSON.stringify(journal));
  return dir;
}

describe('migration 0008 (the book columns on decisions)', () => {
  it('fills them in for decisions stored before it, and takes a superseded application out of the book', async () => {
    const old = migrationsUpTo('0007_portfolio_jobs');
    const client = new PGlite();
    try {
      const db = drizzle({ client });
      await migrate(db, { migrationsFolder: old });
      await db.execute(sql`insert into model_versions (version, kind, metrics) values ('m1', 'forest', '{}')`);
      await db.execute(sql`insert into policies (approve_below, decline_at_or_above, loss_given_default, funding_cost, target_margin, max_apr, created_by)
        values (0.15, 0.3, 0.85, 0.03, 0.02, 0.36, 'test')`);
      const offer = (amount: number, apr: number) => JSON.stringify({ amount, termMonths: 36, apr, monthlyPayment: 100 });
      await db.execute(sql`insert into applications (id, channel, applicant, status) values
        ('00000000-0000-4000-8000-000000000001', 'api', '{"purpose":"car"}', 'live'),
        ('00000000-0000-4000-8000-000000000002', 'api', '{"purpose":"wedding"}', 'superseded')`);
      await db.execute(sql`insert into decisions (application_id, pd, score, risk_band, decision, reasons, offer, model_version, policy_version) values
        ('00000000-0000-4000-8000-000000000001', 0.08, 640, 'B', 'approve', '[]', ${offer(12_000, 0.11)}::jsonb, 'm1', 1),
        ('00000000-0000-4000-8000-000000000002', 0.09, 630, 'B', 'approve', '[]', ${offer(5_000, 0.12)}::jsonb, 'm1', 1)`);

      await migrate(db, { migrationsFolder: MIGRATIONS });
      const rows = await db.execute(sql`select purpose, amount, term_months, apr, live from decisions order by amount`);
      expect(rows.rows).toEqual([
        { purpose: 'wedding', amount: 5_000, term_months: 36, apr: 0.12, live: false },
        { purpose: 'car', amount: 12_000, term_months: 36, apr: 0.11, live: true },
      ]);
      const groups = await bookGroups(db as never);
      expect(groups).toHaveLength(1);
      expect(groups[0]).toMatchObject({ purpose: 'car', termMonths: 36, band: 'B', count: 1, ead: 12_000 });
    } finally {
      await client.close();
      rmSync(old, { recursive: true, force: true });
    }
  });
});
