import { sql } from 'drizzle-orm';
import type { Db } from './client.ts';
import { rowsOf } from './rows.ts';

/** What `npm run audit:verify` finds. */
export interface ChainReport {
  rows: number;
  intact: boolean;
  /** The last row of the chain: keep it somewhere else to show later that nothing after it was removed. */
  head: { seq: number; hash: string } | null;
  /** The first row that does not hold, and why. */
  broken?: { id: number; seq: number | null; reason: string };
}

/**
 * Walks the audit log's hash chain (migration 0009) in chain order: every row must have its place
 * (seq 1, 2, …, no gaps), point at the hash of the row before it, and hash to what its content
 * hashes to now (the database recomputes it with the trigger's own expression). With `expectHead`
 * (a head reported earlier), that row must still be in the chain unchanged.
 *
 * @example const report = await verifyAuditChain(db); if (!report.intact) console.error(report.broken);
 */
export async function verifyAuditChain(db: Db, expectHead?: { seq: number; hash: string }): Promise<ChainReport> {
  const result = await db.execute(sql`
    select a.id, a.seq, a.prev_hash, a.hash, encode(sha256(convert_to(audit_log_content(a), 'UTF8')), 'hex') as expected
    from audit_log a order by a.seq nulls first, a.id`);
  const rows = rowsOf<{
    id: string | number;
    seq: string | number | null;
    prev_hash: string | null;
    hash: string | null;
    expected: string;
  }>(result);
  let previous = '';
  const report = (i: number, reason: string): ChainReport => ({
    rows: rows.length,
    intact: false,
    head: null,
    broken: { id: Number(rows[i].id), seq: rows[i].seq === null ? null : Number(rows[i].seq), reason },
  });
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (r.seq === null) return report(i, 'written without the chain trigger');
    if (Number(r.seq) !== i + 1) return report(i, `expected place ${i + 1} in the chain, found ${r.seq}: a row before it is missing`);
    if ((r.prev_hash ?? '') !== previous) return report(i, 'does not point at the row before it');
    if (r.hash !== r.expected) return report(i, 'its content changed since it was written');
    previous = r.hash;
  }
  const last = rows.at(-1);
  const head = last ? { seq: Number(last.seq), hash: String(last.hash) } : null;
  if (expectHead) {
    const kept = rows[expectHead.seq - 1];
    if (!kept || kept.hash !== expectHead.hash)
      return {
        rows: rows.length,
        intact: false,
        head,
        broken: { id: kept ? Number(kept.id) : 0, seq: expectHead.seq, reason: 'the head reported earlier is gone: rows were removed from the end' },
      };
  }
  return { rows: rows.length, intact: true, head };
}
