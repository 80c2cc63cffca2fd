import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { BinnedData } from './binning.ts';
import { growTree, type GrownTree, type TreeParams } from './tree.ts';

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

export type GrowRequest = TreeJob & { type: 'grow'; job: number };
export type WorkerMessage = { type: 'data'; data: BinnedData } | GrowRequest;

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
    const list = Array.from(
      { length: workers },
      () => new Worker(new URL('./worker-boot.mjs', import.meta.url)),
    );
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

  async grow(jobs: readonly TreeJob[], onTree?: (done: number) => void): Promise<GrownTree[]> {
    const data = this.data;
    if (!data) throw new Error('TreePool.grow called before load');
    const results: GrownTree[] = new Array(jobs.length);
    if (this.workers.length === 0) {
      jobs.forEach((job, i) => {
        results[i] = growTree(data, job.params, job.seed, job.rows);
        onTree?.(i + 1);
      });
      return results;
    }
    let next = 0;
    let done = 0;
    await new Promise<void>((resolve, reject) => {
      if (jobs.length === 0) return resolve();
      const cleanups: (() => void)[] = [];
      const finish = (error?: Error) => {
        for (const c of cleanups) c();
        if (error) reject(error);
        else resolve();
      };
      const send = (worker: Worker) => {
        if (next >= jobs.length) return;
        const job = next++;
        worker.postMessage({ ...jobs[job], type: 'grow', job } satisfies WorkerMessage);
      };
      for (const worker of this.workers) {
        const onMessage = (message: { type: 'tree'; job: number; tree: GrownTree }) => {
          results[message.job] = message.tree;
          done++;
          onTree?.(done);
          if (done === jobs.length) finish();
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
