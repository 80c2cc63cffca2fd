import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';

/**
 * The database driver never takes the process down when a connection closes under it (issue 14):
 * postgres 3.4.9 writes to a closed socket from a setImmediate callback (porsager/postgres#1154,
 * #1208; fix PRs open upstream, none released), which no try/catch can catch. patches/ carries a
 * six-line guard, applied at every `npm ci` by patch-package; this runs the reproduction.
 */

const script = fileURLToPath(new URL('./fixtures/postgres-closed-socket.mjs', import.meta.url));

describe('postgres driver on a connection whose backend died', () => {
  it('rejects the queries with CONNECTION_CLOSED and the process lives on', () => {
    const run = spawnSync(process.execPath, [script, inject('postgresUrl')], { encoding: 'utf8', timeout: 30_000, cwd: process.cwd() });
    expect(run.stderr).not.toMatch(/TypeError/);
    expect(run.status).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual(['rejected: CONNECTION_CLOSED', 'rejected: CONNECTION_CLOSED', 'rejected: CONNECTION_CLOSED', 'survived']);
  });

  it('is patched in every build of the driver (ESM, CommonJS, Workers)', () => {
    for (const build of ['src', 'cjs/src', 'cf/src']) {
      const source = readFileSync(fileURLToPath(new URL(`../node_modules/postgres/${build}/connection.js`, import.meta.url)), 'utf8');
      expect(source, build).toContain('Lendwise patch (porsager/postgres#1154');
    }
  });
});
