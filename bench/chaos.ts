/**
 * Chaos benchmark (issue 14): the Node server on PostgreSQL 15 under steady scoring load while
 * (1) PostgreSQL is stopped for a few seconds and started again, and (2) the server is killed with
 * SIGKILL and started again. Every request carries its own Idempotency-Key (as a careful client
 * would), and is retried on a network error or a 503 with that key. At the end: requests answered
 * 200 against decisions stored (must be equal), 5xx answers, the longest request while the database
 * was down, and whether the server process ever died on its own.
 * Writes bench/results/chaos.{json,md}.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { openDatabase } from '../db/client.ts';
import { countDecisions } from '../db/repository.ts';
import { sampleApplicant } from '../test/helpers.ts';
import { startPostgres } from '../test/support/postgres-server.ts';
import { markdownTable, writeResults, type Row } from './forest.ts';
import { startServer } from '../test/support/server-process.ts';

const run = promisify(execFile);
const PORT = 18_795;
const DEADLINE_MS = 3_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Tally {
  ok: number;
  status5xx: number;
  networkErrors: number;
  retries: number;
  longestDuringOutageMs: number;
}

async function main(): Promise<Row[]> {
  const pg = await startPostgres();
  const env = { DATABASE_URL: pg.url, PORT: String(PORT), REQUEST_DEADLINE_MS: String(DEADLINE_MS), DB_CONNECT_TIMEOUT_SECONDS: '2' };
  const created = await run(
    process.execPath,
    ['--import', 'tsx', 'src/node/keys-cli.ts', 'create', '--name', 'chaos', '--scope', 'score', '--rate', '1000000'],
    {
      env: { ...process.env, ...env },
    },
  );
  const key = /: (lw_\S+)/.exec(created.stdout)![1];
  let server = await startServer(env);
  let diedOnItsOwn = false;
  /** Set just before we stop the server ourselves; any other exit is a death on its own. */
  let stopping = false;
  const watch = (child: ChildProcess) =>
    child.once('exit', () => {
      if (!stopping) diedOnItsOwn = true;
    });
  watch(server);
  const tally: Tally = { ok: 0, status5xx: 0, networkErrors: 0, retries: 0, longestDuringOutageMs: 0 };
  let outage = false;
  let stop = false;

  /** One client: requests one after another, each retried with its key until answered 200. */
  const client = async () => {
    while (!stop) {
      const idempotencyKey = randomUUID();
      while (!stop) {
        const t0 = performance.now();
        const during = outage;
        try {
          const res = await fetch(`http://127.0.0.1:${PORT}/v1/score`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'idempotency-key': idempotencyKey },
            body: JSON.stringify(sampleApplicant),
            signal: AbortSignal.timeout(20_000),
          });
          await res.arrayBuffer();
          if (during || outage) tally.longestDuringOutageMs = Math.max(tally.longestDuringOutageMs, performance.now() - t0);
          if (res.status === 200) {
            tally.ok++;
            break;
          }
          if (res.status >= 500) tally.status5xx++;
        } catch {
          tally.networkErrors++;
        }
        tally.retries++;
        await sleep(200);
      }
    }
  };

  const clients = Array.from({ length: 16 }, client);
  await sleep(5_000);
  // (1) The database goes away for five seconds.
  outage = true;
  pg.pause();
  await sleep(5_000);
  pg.resume();
  outage = false;
  await sleep(5_000);
  // (2) The server is killed outright, and started again.
  stopping = true;
  server.kill('SIGKILL');
  await sleep(1_000);
  stopping = false;
  server = await startServer(env);
  watch(server);
  await sleep(5_000);
  stop = true;
  await Promise.all(clients);
  stopping = true;
  server.kill('SIGTERM');
  await sleep(1_000);

  const database = await openDatabase({ url: pg.url, max: 1 });
  const stored = await countDecisions(database.db);
  await database.close();
  pg.stop();
  return [
    { name: 'requests answered 200 (each retried with its Idempotency-Key until answered)', value: tally.ok, unit: 'requests' },
    { name: 'decisions stored', value: stored, unit: 'rows', goal: `= ${tally.ok} (answered 200)`, met: stored === tally.ok },
    {
      name: '5xx answers (retried)',
      value: tally.status5xx,
      unit: 'answers',
      note: `${tally.networkErrors} network errors (the killed server), ${tally.retries} retries in all`,
    },
    {
      name: 'longest request while PostgreSQL was down',
      value: Math.round(tally.longestDuringOutageMs),
      unit: 'ms',
      goal: `≤ the request deadline (${DEADLINE_MS} ms) + 1 s`,
      met: tally.longestDuringOutageMs <= DEADLINE_MS + 1_000,
    },
    { name: 'server died on its own', value: diedOnItsOwn ? 1 : 0, unit: '', goal: '0 (only the SIGKILL we sent)', met: !diedOnItsOwn },
  ];
}

const rows = await main();
writeResults('chaos', 'Chaos: PostgreSQL stopped and the server killed under load', rows);
process.stdout.write(markdownTable('Chaos: PostgreSQL stopped and the server killed under load', rows));
