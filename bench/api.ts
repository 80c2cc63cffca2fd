/**
 * API benchmark: the Node server (`npm start`) under autocannon at 1 and 64 connections, on the
 * embedded database and on a real PostgreSQL 15 server; afterwards, the number of stored decisions
 * must equal the number of 200 answers. Also measures where one request's time goes, in-process.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { openDatabase } from '../db/client.ts';
import { countDecisions, currentPolicy, recordDecision, registerModel } from '../db/repository.ts';
import { parseApplicant, type Applicant } from '../src/applicant/schema.ts';
import { assess } from '../src/scoring/assess.ts';
import { loadModel } from '../src/model/load.ts';
import { sampleApplicant } from '../test/helpers.ts';
import { startPostgres } from '../test/support/postgres-server.ts';
import type { Row } from './forest.ts';
import { startServer } from '../test/support/server-process.ts';

const run = promisify(execFile);
const applicant: Applicant = sampleApplicant;
/** Requests per run: a fixed count (not a duration) so that every request sent is answered and counted. */
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
/** Runs at 64 connections per configuration; the median is reported. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });

/**
 * autocannon, timed from the start to its last answer. With `amount`, autocannon ends on its next
 * one-second sampling tick after the last answer and counts that wait in `duration`, which would
 * understate the rate by up to a second per run.
 */
async function load(
  url: string,
  key: string,
  connections: number,
  amount = connections === 1 ? Math.ceil(REQUESTS / 4) : REQUESTS,
): Promise<autocannon.Result & { seconds: number }> {
  const started = performance.now();
  let last = started;
  return new Promise((resolve, reject) => {
    const run = autocannon(
      {
        url: `${url}/v1/score`,
        method: 'POST',
        connections,
        amount,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify(applicant),
      },
      (error, result) => (error ? reject(error) : resolve({ ...result, seconds: (last - started) / 1000 })),
    );
    run.on('response', () => {
      last = performance.now();
    });
  });
}

export async function benchApi(): Promise<Row[]> {
  const rows: Row[] = [];
  const pg = await startPostgres();
  try {
    for (const engine of ['embedded PGlite', 'PostgreSQL 15', 'PostgreSQL 15, 2 processes (WEB_CONCURRENCY=2)'] as const) {
      const env: Record<string, string> = engine.startsWith('PostgreSQL')
        ? { DATABASE_URL: pg.url, DB_POOL_SIZE: '16', LOG_LEVEL: 'warn', ...(engine.includes('2 processes') ? { WEB_CONCURRENCY: '2' } : {}) }
        : { DATA_DIR: mkdtempSync(join(tmpdir(), 'lw-bench-')), LOG_LEVEL: 'warn' };
      const port = String(18_700 + rows.length);
      const created = await run(
        process.execPath,
        ['--import', 'tsx', 'src/node/keys-cli.ts', 'create', '--name', 'bench', '--scope', 'score', '--rate', '1000000'],
        { env: { ...process.env, ...env } },
      );
      const key = /: (lw_\S+)/.exec(created.stdout)![1];
      // The PostgreSQL runs share one database: count this run's decisions from what was there before.
      const countNow = async () => {
        const database = await openDatabase(engine.startsWith('PostgreSQL') ? { url: pg.url, max: 1 } : { dataDir: env.DATA_DIR });
        try {
          return await countDecisions(database.db);
        } finally {
          await database.close();
        }
      };
      const before = await countNow();
      const server = await startServer({ ...env, PORT: port });
      let ok = 0;
      try {
        for (const connections of [1, 64]) {
          // This machine's speed drifts by up to a third from hour to hour: the 64-connection figure is
          // the median of ROUNDS runs, with the range of all of them.
          const runs: (Awaited<ReturnType<typeof load>> & { perSecond: number })[] = [];
          // A server under sustained load, not one meeting 64 connections for the first time: the first
          // seconds at 64 connections run slower (V8 grows its young generation, the workers take their
          // connections), so one run of a quarter of the requests goes first and is not counted
          // (its decisions are, below).
          if (connections === 64) ok += (await load(`http://127.0.0.1:${port}`, key, connections, Math.ceil(REQUESTS / 4)))['2xx'];
          for (let round = 0; round < (connections === 64 ? ROUNDS : 1); round++) {
            const r = await load(`http://127.0.0.1:${port}`, key, connections);
            ok += r['2xx'];
            runs.push({ ...r, perSecond: r['2xx'] / r.seconds });
          }
          runs.sort((a, b) => a.perSecond - b.perSecond);
          const r = runs[Math.floor(runs.length / 2)];
          const range = (values: number[], unit: string) => `${Math.min(...values)}–${Math.max(...values)} ${unit}`;
          const spread =
            runs.length > 1
              ? `; median of ${runs.length} runs after an uncounted warm-up of ${Math.ceil(REQUESTS / 4)} requests (${range(
                  runs.map((x) => Math.round(x.perSecond)),
                  'req/s',
                )}, p99 ${range(
                  runs.map((x) => x.latency.p99),
                  'ms',
                )})`
              : '';
          // Issue 14: twice the single process's 2,350 req/s measured before, with p99 ≤ 30 ms.
          const goal = connections === 64 ? { goal: '≥ 4,700 req/s (2× 2,350) with p99 ≤ 30 ms', met: r.perSecond >= 4_700 && r.latency.p99 <= 30 } : {};
          rows.push({
            name: `POST /v1/score, ${engine}, ${connections} connection${connections > 1 ? 's' : ''}`,
            value: Math.round(r.perSecond),
            unit: 'req/s',
            ...goal,
            note: `p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, ${r['2xx']} × 200, ${r.non2xx} other, ${r.errors} errors${spread}`,
          });
        }
      } finally {
        await stop(server);
      }
      const stored = (await countNow()) - before;
      rows.push({ name: `stored decisions = 200 answers (${engine})`, value: stored, unit: 'rows', goal: `= ${ok}`, met: stored === ok });
    }

    // Where one request's time goes, in-process.
    const model = loadModel('models');
    const database = await openDatabase({ url: pg.url, max: 1 });
    await registerModel(database.db, model);
    const policy = await currentPolicy(database.db);
    const n = 2000;
    let t0 = performance.now();
    for (let i = 0; i < n; i++) parseApplicant(JSON.parse(JSON.stringify(applicant)));
    const validate = ((performance.now() - t0) * 1000) / n;
    t0 = performance.now();
    for (let i = 0; i < n; i++) assess(model, policy.policy, applicant);
    const decide = ((performance.now() - t0) * 1000) / n;
    const assessment = assess(model, policy.policy, applicant);
    t0 = performance.now();
    for (let i = 0; i < 500; i++)
      await recordDecision(database.db, {
        applicant,
        caller: { owner: 'bench', channel: 'api', trustedEvidence: false },
        assessment,
        policyVersion: policy.version,
      });
    const store = ((performance.now() - t0) * 1000) / 500;
    await database.close();
    rows.push({ name: '… JSON parse + zod validation of one applicant', value: Math.round(validate * 10) / 10, unit: 'µs' });
    rows.push({
      name: '… assess: PD, reasons, price (+ counter-offer search when not approved)',
      value: Math.round(decide * 10) / 10,
      unit: 'µs',
      note: `decision here: ${assessment.decision}`,
    });
    rows.push({ name: '… store application + decision (one transaction, PostgreSQL, 1 connection)', value: Math.round(store), unit: 'µs' });
  } finally {
    pg.stop();
  }
  return rows;
}
