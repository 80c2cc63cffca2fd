import { parseArgs } from 'node:util';
import { z } from 'zod';
import { verifyAuditChain } from '../../db/audit-chain.ts';
import { openDatabase } from '../../db/client.ts';
import { classifyDatabaseError } from '../app/database-errors.ts';
import { readEnv } from '../config/env.ts';

/**
 * `npm run audit:verify [-- --head SEQ:HASH]`: proves the audit log's hash chain intact (exit 0) or
 * names the first row that is not (exit 1). Prints the chain's head: keep it outside the database,
 * and pass it back later with --head to show that nothing after it was removed.
 */
const Head = z
  .string()
  .regex(/^\d+:[0-9a-f]{64}$/, 'must be SEQ:HASH as printed by an earlier run')
  .transform((s) => ({ seq: Number(s.split(':')[0]), hash: s.split(':')[1] }));

async function main(): Promise<number> {
  let values: { head?: string };
  try {
    ({ values } = parseArgs({ options: { head: { type: 'string' } } }));
  } catch {
    console.error('usage: npm run audit:verify [-- --head SEQ:HASH]');
    return 2;
  }
  const head = values.head === undefined ? undefined : Head.safeParse(values.head);
  if (head && !head.success) {
    console.error(`--head ${head.error.issues[0].message}`);
    return 2;
  }
  const env = readEnv();
  // Read only: no migration, and no new empty database made where none was.
  const database = await openDatabase(
    env.DATABASE_URL ? { url: env.DATABASE_URL, max: 1, migrate: false, connectTimeoutSeconds: 5 } : { dataDir: env.DATA_DIR, migrate: false },
  );
  try {
    const report = await verifyAuditChain(database.db, head?.data);
    if (report.intact) {
      console.log(`audit log intact: ${report.rows} rows chained${report.head ? `; head ${report.head.seq}:${report.head.hash}` : ''}`);
      return 0;
    }
    const where = report.broken!.id ? `row ${report.broken!.id} (place ${report.broken!.seq ?? 'none'})` : `place ${report.broken!.seq}`;
    console.error(`audit log broken at ${where}: ${report.broken!.reason}`);
    return 1;
  } finally {
    await database.close();
  }
}

try {
  process.exitCode = await main();
} catch (error) {
  // Plain words: the class and code, never a driver's message (it may carry a URL with a password).
  const { kind, code } = classifyDatabaseError(error);
  console.error(
    `audit:verify: ${error instanceof Error && error.message.startsWith('no database in') ? error.message : `cannot read the audit log (database ${kind} error, ${code})`}`,
  );
  process.exitCode = 1;
}
