import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { BinnedData } from './binning.ts';
import { growTree, type TreeParams } from './tree.ts';
import type { GrownTree } from '../model/flat.ts';
import { trainBoosting, type BoostParams, type BoostResult } from './boost.ts';

/**
 * Grows trees on worker_threads over one shared binned data set. Jobs are handed out as workers
 * free up and results are put back in job order, so the output never depends on timing.
 * With 0 workers the same code runs in-process.
 */

export interface TreeJob {
  seed: number;
  params: TreeParams;
  /** Training rows (indices into the data), e.g. one cross-validation fold; all rows when absent. */
  rows?: Uint32Array;
}

/** One whole boosted model: boosting is sequential within a model, so models run side by side. */
export interface BoostJob {
  params: BoostParams;
  rows: Uint32Array;
  validRows?: Uint32Array;
}

export type GrowRequest = TreeJob & { type: 'grow'; job: number };
export type BoostRequest = BoostJob & { type: 'boost'; job: number; threads: 1 | 2 };
export type WorkerMessage = { type: 'data'; data: BinnedData } | GrowRequest | BoostRequest;
export type WorkerReply =
  | { type: 'tree'; job: number; tree: GrownTree }
  | { type: 'boosted'; job: number; result: BoostResult }
  | { type: 'failed'; job: number; message: string };

export function defaultWorkerCount(): number {
  return Math.max(1, availableParallelism());
}

/** Copies rows into shared memory so workers read them without a copy per job. */
export function sharedRows(rows: ArrayLike<number>): Uint32Array {
  const out = new Uint32Array(new SharedArrayBuffer(Math.max(4, rows.length * 4)), 0, rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = rows[i];
  return out;
}

export class TreePool {
  private data: BinnedData | undefined;

  private constructor(private readonly workers: Worker[]) {}

  static create(workers = defaultWorkerCount()): TreePool {
    const list = Array.from({ length: workers }, () => new Worker(new URL('./worker-boot.mjs', import.meta.url)));
    return new TreePool(list);
  }

  get size(): number {
    return this.workers.length;
  }

  load(data: BinnedData): void {
    if (!(data.bins.buffer instanceof SharedArrayBuffer) && this.workers.length > 0) {
      throw new Error('binned data must live in shared memory (use binMatrix)');
    }
    this.data = data;
    for (const w of this.workers) w.postMessage({ type: 'data', data } satisfies WorkerMessage);
  }

  /** Grows forest trees, results in job order. */
  async grow(jobs: readonly TreeJob[], onTree?: (done: number) => void): Promise<GrownTree[]> {
    const data = this.requireData();
    return this.run(
      jobs.map((job, i) => ({ ...job, type: 'grow' as const, job: i })),
      (job) => growTree(data, job.params, job.seed, job.rows),
      (reply) => (reply.type === 'tree' ? reply.tree : undefined),
      onTree,
    );
  }

  /** Trains boosted models, one per job, results in job order. */
  async boost(jobs: readonly BoostJob[], onModel?: (done: number) => void): Promise<BoostResult[]> {
    const data = this.requireData();
    // A model trained alone takes two threads where the machine has two cores (BoostOptions.threads);
    // models trained side by side take one each, or they would share the cores.
    const threads = jobs.length === 1 && availableParallelism() >= 2 ? 2 : 1;
    return this.run(
      jobs.map((job, i) => ({ ...job, threads, type: 'boost' as const, job: i })),
      (job) => trainBoosting(data, job.params, job.rows, job.validRows, { threads: job.threads }),
      (reply) => (reply.type === 'boosted' ? reply.result : undefined),
      onModel,
    );
  }

  private requireData(): BinnedData {
    if (!this.data) throw new Error('TreePool used before load');
    return this.data;
  }

  /** Hands jobs out as workers free up (or runs them in-process without workers). */
  private async run<Q extends GrowRequest | BoostRequest, R>(
    requests: Q[],
    local: (request: Q) => R,
    unpack: (reply: WorkerReply) => R | undefined,
    onDone?: (done: number) => void,
  ): Promise<R[]> {
    const results: R[] = new Array(requests.length);
    if (this.workers.length === 0) {
      requests.forEach((request, i) => {
        results[i] = local(request);
        onDone?.(i + 1);
      });
      return results;
    }
    let next = 0;
    let done = 0;
    await new Promise<void>((resolve, reject) => {
      if (requests.length === 0) return resolve();
      const cleanups: (() => void)[] = [];
      const finish = (error?: Error) => {
        for (const c of cleanups) c();
        if (error) reject(error);
        else resolve();
      };
      const send = (worker: Worker) => {
        if (next >= requests.length) return;
        worker.postMessage(requests[next++] satisfies WorkerMessage);
      };
      for (const worker of this.workers) {
        const onMessage = (reply: WorkerReply) => {
          if (reply.type === 'failed') return finish(new Error(reply.message));
          const result = unpack(reply);
          if (result === undefined) return finish(new Error(`worker answered ${reply.type} to another kind of job`));
          results[reply.job] = result;
          done++;
          onDone?.(done);
          if (done === requests.length) finish();
          else send(worker);
        };
        const onError = (error: Error) => finish(error);
        worker.on('message', onMessage);
        worker.on('error', onError);
        cleanups.push(() => {
          worker.off('message', onMessage);
          worker.off('error', onError);
        });
        send(worker);
      }
    });
    return results;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
