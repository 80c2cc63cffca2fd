import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openTestDatabase } from './support/databases.ts';
import { sampleApplicant } from './helpers.ts';

/**
 * WEB_CONCURRENCY server processes on one port (issue 14): both answer, a widget session issued by
 * one is good on the other, a worker killed outright is replaced while the others keep answering,
 * and SIGTERM stops them all.
 */

const PORT = 18_833;
const base = `http://127.0.0.1:${PORT}`;

/** The primary's workers: its children running the server (tsx also starts an esbuild child). */
const workers = (primary: number) =>
  execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(primary)])
    .toString()
    .trim()
    .split('\n')
    .filter((line) => line.includes('src/server.ts'))
    .map((line) => Number(line.trim().split(/\s+/)[0]));

async function until(check: () => Promise<boolean> | boolean, ms = 30_000) {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) if (await check()) return;
  throw new Error('gave up waiting');
}

describe('a cluster of server processes (PostgreSQL)', () => {
  let server: ChildProcess;
  let log = '';
  beforeAll(async () => {
    const database = await openTestDatabase('postgres');
    const url = database.url!;
    await database.close();
    server = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { ...process.env, DATABASE_URL: url, WEB_CONCURRENCY: '2', PORT: String(PORT), LOG_LEVEL: 'warn', WIDGET_ORIGINS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout!.on('data', (d) => (log += d));
    server.stderr!.on('data', (d) => (log += d));
    await until(() => (log.match(/worker \d of 2/g) ?? []).length === 2, 60_000);
  }, 90_000);
  afterAll(() => {
    server?.kill('SIGKILL');
  });

  it('serves from every worker, shares widget sessions, replaces a killed worker, and stops on SIGTERM', async () => {
    expect(inject('postgresUrl')).toBeTruthy();
    expect(workers(server.pid!)).toHaveLength(2);
    const page = await (await fetch(`${base}/`)).text();
    const session = /name="lendwise-session" content="([^"]+)"/.exec(page)?.[1];
    expect(session).toBeTruthy();
    // Connections land on either worker: every one of them must take the session.
    const score = () =>
      fetch(`${base}/v1/score`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: base, 'x-widget-session': session! },
        body: JSON.stringify(sampleApplicant),
      }).then((r) => r.status);
    const statuses = await Promise.all(Array.from({ length: 12 }, score));
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);

    const [victim] = workers(server.pid!);
    process.kill(victim, 'SIGKILL');
    await until(() => /worker 1 exited|worker 2 exited/.test(log));
    await until(() => workers(server.pid!).length === 2 && !workers(server.pid!).includes(victim));
    await until(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200);

    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 90_000);
});
