import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';

/**
 * The database driver never takes the process down when a connection dies under it (issue 14).
 * node-postgres reports a connection that dies outside a query as an 'error' event, which ends a
 * process that does not listen; db/pg-pool.ts listens on the pool and on every client. The fixture
 * runs in its own process, so a crash shows as its exit, as it would for the server. It also shows
 * that a failed BEGIN does not cost a pool slot (drizzle-orm 0.45 leaks it; db/pg-pool.ts).
 */

const script = fileURLToPath(new URL('./fixtures/pg-dead-backend.ts', import.meta.url));

describe('node-postgres on connections whose backend died', () => {
  it('rejects what ran on them, answers on a fresh connection, and the process lives on', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', script, inject('postgresUrl')], { encoding: 'utf8', timeout: 60_000, cwd: process.cwd() });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual([
      // The pool dropped the dead idle client and connected anew.
      'idle, then a query: answered',
      'inside a transaction: rejected',
      'during a statement: rejected',
      'afterwards: answered',
      'a transaction whose BEGIN fails: rejected',
      // Not left checked out: the pool destroyed the broken client and connected anew.
      'the pool of one afterwards: answered',
      'survived',
    ]);
  });
});
