/**
 * Driver benchmark (issue 14): postgres.js (the product's driver until this measurement moved it to
 * node-postgres; now a dev dependency of this file only) against node-postgres (`pg`), both through drizzle, on a PostgreSQL 15 started here and stopped at
 * the end. The cases are the product's own store path (db/decision-store.ts: `databaseStore(…).write`)
 * and a trivial `select 1`, at 1 and 64 concurrent callers, each driver with a pool of 10.
 *
 * Runs alternate — every round runs every case with both drivers, the order of the two drivers
 * flipping from round to round — so that whatever else the machine is doing falls on both sides;
 * the spread over rounds is reported, not one number. Writes bench/results/drivers.{json,md}.
 *
 *   npm run bench:drivers                      # 5 rounds × 6 cases × 2 drivers × (1 + 5 s), then 6 × 5 s sustained each (about 8 minutes)
 *   DRIVER_BENCH_ROUNDS=3 DRIVER_BENCH_SECONDS=2 npm run bench:drivers
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { sql } from 'drizzle-orm';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import pg from 'pg';
import postgres from 'postgres';
import { openDatabase, type Db } from '../db/client.ts';
import { databaseStore } from '../db/decision-store.ts';
import { countDecisions, currentPolicy, registerModel } from '../db/repository.ts';
import * as schema from '../db/schema.ts';
import type { DecisionRecord, DecisionStore } from '../src/app/ports.ts';
import { loadModel } from '../src/model/load.ts';
import { assess } from '../src/scoring/assess.ts';
import { sampleApplicant } from '../test/helpers.ts';
import { startPostgres } from '../test/support/postgres-server.ts';
import { markdownTable, type Row } from './forest.ts';

const ROUNDS = Number(process.env.DRIVER_BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.DRIVER_BENCH_SECONDS ?? 5);
const WARMUP_SECONDS = 1;
const POOL = 10;
/** pg's median req/s must be at least this share of postgres.js's, in every case, to count as "as fast". */
const AS_FAST = 0.95;
/** Windows of the sustained-load check (each driver, alternating). */
const SUSTAINED_WINDOWS = 6;

type DriverName = 'postgres.js' | 'pg';
const DRIVERS: DriverName[] = ['postgres.js', 'pg'];

interface Driver {
  name: DriverName;
  db: Db;
  store: DecisionStore;
  close(): Promise<void>;
}

/** postgres.js as db/client.ts opened it for a server. */
function openPostgresJs(url: string): Driver {
  const client = postgres(url, { max: POOL, onnotice: () => {}, connect_timeout: 5, connection: { statement_timeout: 15_000 } });
  const db = drizzlePostgres({ client, schema }) as unknown as Db;
  return { name: 'postgres.js', db, store: databaseStore(() => db), close: () => client.end({ timeout: 5 }) };
}

/** node-postgres with the same settings: pool of 10, 5 s connect timeout, 15 s statement timeout (db/pg-pool.ts's listeners aside). */
function openNodePg(url: string): Driver {
  const pool = new pg.Pool({ connectionString: url, max: POOL, connectionTimeoutMillis: 5_000, statement_timeout: 15_000 });
  const db = drizzleNodePg({ client: pool, schema }) as unknown as Db;
  return { name: 'pg', db, store: databaseStore(() => db), close: () => pool.end() };
}

interface Case {
  id: string;
  label: string;
  callers: number;
  /** Does one operation store a decision (counted against the rows found at the end)? */
  stores: boolean;
  op(driver: Driver): Promise<unknown>;
}

interface Run {
  round: number;
  driver: DriverName;
  case: string;
  callers: number;
  ops: number;
  errors: number;
  firstError?: string;
  seconds: number;
  reqPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** This process's CPU time (user + system) per operation: the driver's own cost, drizzle's included. */
  cpuUsPerOp: number;
  /** 1-minute load average when the run began: how busy the machine was. */
  load1: number;
}

const quantile = (sorted: Float64Array, q: number) => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const r1 = (v: number) => Math.round(v * 10) / 10;
const r2 = (v: number) => Math.round(v * 100) / 100;

/** Paired runs (same round, same case) where pg answered more: "k of n". */
function runsAhead(runs: Run[], stores: boolean): string {
  const cases = [...new Set(runs.map((r) => r.case))].filter((c) => c.startsWith('store') === stores);
  let ahead = 0;
  let n = 0;
  for (const c of cases)
    for (const r of runs.filter((x) => x.case === c && x.driver === 'pg')) {
      const other = runs.find((x) => x.case === c && x.driver === 'postgres.js' && x.round === r.round);
      if (!other) continue;
      n++;
      if (r.reqPerSecond > other.reqPerSecond) ahead++;
    }
  return `${ahead} of ${n}`;
}

/** `callers` concurrent loops, each calling `op` again as soon as it settles, for `seconds`. */
async function drive(op: () => Promise<unknown>, callers: number, seconds: number) {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < end) {
        const start = performance.now();
        try {
          await op();
          latencies.push(performance.now() - start);
        } catch (error) {
          errors++;
          firstError ??= (error as Error).message;
        }
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const sorted = Float64Array.from(latencies).sort();
  return {
    ops: latencies.length,
    errors,
    firstError,
    seconds: elapsed,
    reqPerSecond: latencies.length / elapsed,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    cpuUsPerOp: latencies.length ? (cpu.user + cpu.system) / latencies.length : Number.NaN,
  };
}

export async function benchDrivers(): Promise<{
  rows: Row[];
  runs: Run[];
  windows: { driver: DriverName; window: number; reqPerSecond: number; cpuUsPerOp: number }[];
  decision: string;
  asFast: boolean;
}> {
  const server = await startPostgres();
  const drivers: Driver[] = [];
  try {
    // The repository's migrations (drizzle's migrator, as the server runs them), a model and a policy.
    const model = loadModel('models');
    const setup = await openDatabase({ url: server.url, max: 1 });
    await registerModel(setup.db, model);
    const policy = await currentPolicy(setup.db);
    await setup.close();
    const assessment = assess(model, policy.policy, sampleApplicant);
    const record = (idempotencyKey?: string): DecisionRecord => ({
      applicant: sampleApplicant,
      caller: { owner: 'key:bench', channel: 'api', trustedEvidence: false },
      assessment,
      policyVersion: policy.version,
      ...(idempotencyKey ? { idempotencyKey } : {}),
    });

    drivers.push(openPostgresJs(server.url), openNodePg(server.url));

    // The same decision written by one driver reads back the same through the other (types, JSON, dates).
    const written = await drivers[0].store.write(record(randomUUID()));
    const writtenPg = await drivers[1].store.write(record(randomUUID()));
    if (written.kind !== 'stored' || writtenPg.kind !== 'stored') throw new Error('setup write not stored');
    const views = await Promise.all([
      drivers[0].store.get(written.id),
      drivers[1].store.get(written.id),
      drivers[0].store.get(writtenPg.id),
      drivers[1].store.get(writtenPg.id),
    ]);
    const strip = (v: (typeof views)[number]) => JSON.stringify({ ...v, applicationId: undefined });
    const roundTripSame = views.every((v) => v !== undefined && strip(v) === strip(views[0]));

    const cases: Case[] = [1, 64].flatMap((callers): Case[] => [
      {
        id: `store-keyed-${callers}`,
        label: `store: one transaction per decision (Idempotency-Key path), ${callers} caller${callers > 1 ? 's' : ''}`,
        callers,
        stores: true,
        op: (d) => d.store.write(record(randomUUID())),
      },
      {
        id: `store-grouped-${callers}`,
        label: `store: group commit (DecisionWriter, the default path), ${callers} caller${callers > 1 ? 's' : ''}`,
        callers,
        stores: true,
        op: (d) => d.store.write(record()),
      },
      {
        id: `select1-${callers}`,
        label: `select 1 round trip, ${callers} caller${callers > 1 ? 's' : ''}`,
        callers,
        stores: false,
        op: (d) => d.db.execute(sql`select 1`),
      },
    ]);

    const runs: Run[] = [];
    let storedByUs = 2;
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 ? drivers : [...drivers].reverse();
      for (const c of cases) {
        for (const d of order) {
          // Warm-up, not timed: fills the pool (pg closes idle clients after 10 s) and prepares statements.
          const warm = await drive(() => c.op(d), c.callers, WARMUP_SECONDS);
          const load1 = loadavg()[0];
          const r = await drive(() => c.op(d), c.callers, SECONDS);
          if (c.stores) storedByUs += warm.ops + r.ops;
          runs.push({ round, driver: d.name, case: c.id, callers: c.callers, load1: r2(load1), ...r });
          process.stderr.write(
            `round ${round} ${c.id.padEnd(16)} ${d.name.padEnd(11)} ${Math.round(r.reqPerSecond).toString().padStart(6)} req/s  p50 ${r1(r.p50Ms)} ms  p99 ${r1(r.p99Ms)} ms  ${Math.round(r.cpuUsPerOp)} µs CPU/op  load ${r2(load1)}${r.errors ? `  ${r.errors} errors (${r.firstError})` : ''}\n`,
          );
        }
      }
    }

    // Sustained load on fresh pools: postgres.js's connection queues keep a slot for every connection
    // move (src/queue.js: `remove` splices, `shift` leaves holes and resets only when it empties the
    // queue), so while queries pipeline its per-query cost grows with every query sent. Fresh pools
    // here, windows alternating between the drivers, so the growth shows against a pool with no history.
    const fresh = [openPostgresJs(server.url), openNodePg(server.url)];
    const windows: { driver: DriverName; window: number; reqPerSecond: number; cpuUsPerOp: number }[] = [];
    try {
      for (const d of fresh) await Promise.all(Array.from({ length: POOL }, () => d.db.execute(sql`select 1`)));
      for (let w = 1; w <= SUSTAINED_WINDOWS; w++)
        for (const d of w % 2 ? fresh : [...fresh].reverse()) {
          const r = await drive(() => d.db.execute(sql`select 1`), 64, SECONDS);
          windows.push({ driver: d.name, window: w, reqPerSecond: r.reqPerSecond, cpuUsPerOp: r.cpuUsPerOp });
          process.stderr.write(`sustained window ${w} ${d.name.padEnd(11)} ${Math.round(r.reqPerSecond)} req/s  ${Math.round(r.cpuUsPerOp)} µs CPU/op\n`);
        }
    } finally {
      for (const d of fresh) await d.close().catch(() => {});
    }

    const stored = await countDecisions(drivers[0].db);
    const rows: Row[] = [];
    const ratios: { c: Case; ratio: number }[] = [];
    for (const c of cases) {
      const of = (name: DriverName) => runs.filter((r) => r.case === c.id && r.driver === name);
      for (const name of DRIVERS) {
        const rs = of(name);
        const rps = rs.map((r) => r.reqPerSecond);
        const p50 = rs.map((r) => r.p50Ms);
        const p99 = rs.map((r) => r.p99Ms);
        const errors = rs.reduce((n, r) => n + r.errors, 0);
        rows.push({
          name: `${c.label} — ${name}`,
          value: Math.round(median(rps)),
          unit: 'req/s',
          note:
            `median of ${rs.length} runs of ${SECONDS} s (${Math.round(Math.min(...rps))}–${Math.round(Math.max(...rps))}); ` +
            `p50 ${r1(median(p50))} ms (${r1(Math.min(...p50))}–${r1(Math.max(...p50))}), ` +
            `p99 ${r1(median(p99))} ms (${r1(Math.min(...p99))}–${r1(Math.max(...p99))}); ` +
            `${Math.round(median(rs.map((r) => r.cpuUsPerOp)))} µs CPU/op in the client` +
            (errors ? `; ${errors} errors` : ''),
        });
      }
      // Paired by round: the two drivers' runs of one round ran back to back, under the same load.
      const paired = of('pg').map((r) => r.reqPerSecond / of('postgres.js').find((s) => s.round === r.round)!.reqPerSecond);
      const ratio = median(of('pg').map((r) => r.reqPerSecond)) / median(of('postgres.js').map((r) => r.reqPerSecond));
      ratios.push({ c, ratio });
      rows.push({
        name: `${c.label} — pg ÷ postgres.js`,
        value: r2(ratio),
        unit: '×',
        goal: `≥ ${AS_FAST} (as fast)`,
        met: ratio >= AS_FAST,
        note: `same round: ${paired.map(r2).join(', ')}; pg ahead in ${paired.filter((p) => p > 1).length} of ${paired.length} rounds`,
      });
    }
    rows.push({ name: 'stored decisions = writes answered', value: stored, unit: 'rows', goal: `= ${storedByUs}`, met: stored === storedByUs });
    rows.push({
      name: 'a decision reads back the same whichever driver wrote or reads it',
      value: roundTripSame ? 1 : 0,
      unit: '',
      goal: '= 1',
      met: roundTripSame,
    });
    const errors = runs.reduce((n, r) => n + r.errors, 0);
    rows.push({ name: 'failed operations (all runs)', value: errors, unit: '', goal: '= 0', met: errors === 0 });

    const sustained = new Map<DriverName, { first: number; last: number; series: number[]; cpu: number[] }>();
    for (const name of DRIVERS) {
      const ws = windows.filter((w) => w.driver === name);
      const series = ws.map((w) => w.reqPerSecond);
      const first = series[0];
      const last = series[series.length - 1];
      sustained.set(name, { first, last, series, cpu: ws.map((w) => w.cpuUsPerOp) });
      rows.push({
        name: `select 1, 64 callers, ${SUSTAINED_WINDOWS} × ${SECONDS} s on a fresh pool — ${name}: last window ÷ first`,
        value: r2(last / first),
        unit: '×',
        goal: '≥ 0.9 (steady)',
        met: last / first >= 0.9,
        note: `req/s by window: ${series.map(Math.round).join(', ')}; CPU µs/op ${Math.round(ws[0].cpuUsPerOp)} → ${Math.round(ws[ws.length - 1].cpuUsPerOp)}`,
      });
    }

    const asFast = ratios.every((r) => r.ratio >= AS_FAST);
    const storeCases = cases.filter((c) => c.stores);
    const medianOf = (name: DriverName, c: Case, key: 'p99Ms' | 'cpuUsPerOp') =>
      median(runs.filter((r) => r.case === c.id && r.driver === name).map((r) => r[key]));
    const lowerP99 = storeCases.filter((c) => medianOf('pg', c, 'p99Ms') < medianOf('postgres.js', c, 'p99Ms')).length;
    const lessCpu = storeCases.filter((c) => medianOf('pg', c, 'cpuUsPerOp') < medianOf('postgres.js', c, 'cpuUsPerOp')).length;
    const storeRatios = ratios.filter((r) => r.c.stores).map((r) => r.ratio);
    const selectRatios = ratios.filter((r) => !r.c.stores).map((r) => r.ratio);
    const pjs = sustained.get('postgres.js')!;
    const pgs = sustained.get('pg')!;
    const range = (xs: number[]) => `${r2(Math.min(...xs))}–${r2(Math.max(...xs))}×`;
    const decays = pjs.last / pjs.first < 0.9 && pgs.last / pgs.first >= 0.9;
    const facts =
      `On the product's own store path pg answered ${range(storeRatios)} postgres.js's requests per second ` +
      `(medians of ${ROUNDS} alternating rounds; pg ahead in ${runsAhead(runs, true)} paired store runs), with the lower median p99 ` +
      `in ${lowerP99} of ${storeCases.length} store cases and less client CPU per decision in ${lessCpu} of ${storeCases.length}; ` +
      `on a bare \`select 1\` ${range(selectRatios)}. ` +
      (decays
        ? `Under sustained pipelined load postgres.js ${pjs.first > pgs.first ? 'starts ahead but ' : ''}slows down as it goes: \`select 1\` at 64 callers on a fresh pool went ` +
          `${Math.round(pjs.first)} → ${Math.round(pjs.last)} req/s over ${SUSTAINED_WINDOWS * SECONDS} s (CPU per query ` +
          `${Math.round(pjs.cpu[0])} → ${Math.round(pjs.cpu[pjs.cpu.length - 1])} µs), pg ${Math.round(pgs.first)} → ` +
          `${Math.round(pgs.last)}: postgres.js ${versionOf('postgres')}'s connection queues keep a slot for every move ` +
          `(\`Queue.remove\` splices and scans holes that \`shift\` leaves and never compacts), so the cost grows for the ` +
          `life of the process — the slowing the long-running rounds above show too. `
        : '');
    const decision = asFast
      ? `**Decision: switch to node-postgres (\`pg\`), and with it drop the patch.** The issue's test was "if it measures as fast"; ` +
        `it does. ${facts}Keeping postgres.js would mean carrying ${decays ? 'a second patch (its queue) on top of ' : ''}the ` +
        `crash fix for a driver that is not faster here. What the switch needs (not done in this change): \`pg.Pool\` with the ` +
        `same limits (\`max\`, \`connectionTimeoutMillis\`, \`statement_timeout\`); a \`pool.on('error')\` listener (without ` +
        `one, an idle client's connection error is an uncaught exception: pg's own form of the crash we patched); db/rows.ts and ` +
        `the pool metrics checked against pg's result shape; and \`npm run bench:chaos\` passing on pg before \`patches/\` goes.`
      : `**Decision: keep postgres.js with its patch.** pg did not measure as fast: below ${AS_FAST}× postgres.js in ` +
        `${ratios
          .filter((r) => r.ratio < AS_FAST)
          .map((r) => `${r.c.label} (${r2(r.ratio)}×)`)
          .join('; ')}. ${facts}`;
    return { rows, runs, windows, decision, asFast };
  } finally {
    for (const d of drivers) await d.close().catch(() => {});
    server.stop();
  }
}

const versionOf = (name: string): string => JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8')).version;
const title = 'Drivers: postgres.js (patched) vs node-postgres (pg), through drizzle, PostgreSQL 15, pool of 10';
const { rows, runs, windows, decision, asFast } = await benchDrivers();
const machine = { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', date: new Date().toISOString() };
const loads = runs.map((r) => r.load1);
const method =
  `Method: ${ROUNDS} rounds; each round runs every case with both drivers back to back (the order flipping each round), ` +
  `${WARMUP_SECONDS} s warm-up then ${SECONDS} s timed, closed loop (each caller sends again as soon as it is answered). ` +
  `Store cases call the product's \`databaseStore(…).write\` (db/decision-store.ts) with a scored applicant; PostgreSQL 15 ` +
  `as the tests start it (fsync off: the driver's share of the time is larger, so differences show more, not less). ` +
  `Drivers: postgres ${versionOf('postgres')} (patched), ` +
  `pg ${versionOf('pg')}, drizzle-orm ` +
  `${versionOf('drizzle-orm')}. ` +
  `1-minute load average during the runs: ${Math.min(...loads)}–${Math.max(...loads)} on ${machine.cpus} cores.`;
mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/drivers.json',
  `${JSON.stringify({ machine, rounds: ROUNDS, seconds: SECONDS, pool: POOL, asFast, decision, rows, runs, sustained: windows }, null, 2)}\n`,
);
writeFileSync(
  'bench/results/drivers.md',
  `${markdownTable(title, rows)}\n${method}\n\n${decision}\n\nMachine: ${machine.cpus} cores (${machine.cpu}), Node ${machine.node}, ${machine.date}.\n`,
);
process.stdout.write(`${markdownTable(title, rows)}\n${decision}\n`);
