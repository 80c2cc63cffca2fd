import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import type { Env } from '../config/env.ts';
import { prepareCluster } from './start.ts';

/**
 * WEB_CONCURRENCY server processes sharing one port (Node's cluster): the primary prepares the
 * database once, forks the workers (worker 1 also runs the bot and the macro refresh), starts a
 * new one in place of any that dies, and on SIGTERM/SIGINT stops them all and waits for their
 * drain. Rate limits and caches are per process.
 *
 * @example if (cluster.isPrimary && env.WEB_CONCURRENCY > 1) await runPrimary(env);
 */
export async function runPrimary(env: Env): Promise<void> {
  await prepareCluster(env);
  // Every worker must verify the widget sessions any other issued: one secret for all.
  const sessions = env.WIDGET_SESSION_SECRET ? {} : { WIDGET_SESSION_SECRET: randomBytes(32).toString('base64') };
  if (!env.WIDGET_SESSION_SECRET)
    console.log('WIDGET_SESSION_SECRET is not set: the workers share one made now, so widget sessions end when the server restarts');
  // Each worker holds dozens of requests in flight: with a 64 MB young generation (V8's default is
  // 16 MB) their objects die young instead of being promoted and swept by full collections. Measured
  // about a tenth more requests per second at 64 connections (bench:api), for up to about 150 MB more
  // memory per worker at peak. A size given on the command line or in NODE_OPTIONS wins.
  const sized = /--max[-_]semi[-_]space[-_]size/.test(`${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`);
  cluster.setupPrimary({ execArgv: [...process.execArgv, ...(sized ? [] : ['--max-semi-space-size=64'])] });
  let stopping = false;
  const fork = (index: number): Worker => {
    const worker = cluster.fork({ LENDWISE_WORKER_INDEX: String(index), ...sessions });
    worker.once('exit', (code, signal) => {
      if (stopping) return;
      console.error(`lendwise: worker ${index} exited (${signal ?? `code ${code}`}); starting another`);
      // A worker that dies at once would be restarted in a tight loop: wait a little.
      setTimeout(() => fork(index), 1_000);
    });
    return worker;
  };
  for (let i = 1; i <= env.WEB_CONCURRENCY; i++) fork(i);
  const shutdown = () => {
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    let left = workers.length;
    if (left === 0) process.exit(0);
    for (const w of workers) {
      w.once('exit', () => --left === 0 && process.exit(0));
      w.process.kill('SIGTERM');
    }
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  console.log(`Lendwise primary ${process.pid}: ${env.WEB_CONCURRENCY} workers`);
}

/** This worker's number (1 when not in a cluster). */
export const workerIndex = (): number => Number(process.env.LENDWISE_WORKER_INDEX ?? 1);
