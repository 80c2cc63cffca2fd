import { parseArgs } from 'node:util';
import { z } from 'zod';
import { verifyAuditChain } from '../../db/audit-chain.ts';
import { openDatabase } from '../../db/client.ts';
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

const { values } = parseArgs({ options: { head: { type: 'string' } } });
const head = values.head === undefined ? undefined : Head.safeParse(values.head);
if (head && !head.success) {
  console.error(`--head ${head.error.issues[0].message}`);
  process.exit(2);
}
const env = readEnv();
const database = await openDatabase(env.DATABASE_URL ? { url: env.DATABASE_URL, max: 1 } : { dataDir: env.DATA_DIR });
try {
  const report = await verifyAuditChain(database.db, head?.data);
  if (report.intact) {
    console.log(`audit log intact: ${report.rows} rows chained${report.head ? `; head ${report.head.seq}:${report.head.hash}` : ''}`);
  } else {
    console.error(`audit log broken at row ${report.broken!.id} (place ${report.broken!.seq ?? 'none'}): ${report.broken!.reason}`);
    process.exitCode = 1;
  }
} finally {
  await database.close();
}
