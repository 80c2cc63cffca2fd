import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { efficientFrontier, frontierEnds, type Book, type FrontierEnds, type FrontierPoint, type SolverBook } from './markowitz.ts';

/**
 * The efficient frontier on several cores (Node): the ends are solved here, the points between are
 * cut into contiguous runs, one per worker thread, each run solved in order from the least-variance
 * allocation (working sets along the frontier, see `frontierSegment`). The answer is the same as
 * `efficientFrontier` up to solver tolerance. Workers stay up between calls; each request carries the
 * book's numbers, fixed part included (structured clone: typed arrays and plain objects).
 */
export interface SegmentRequest {
  id: number;
  book: SolverBook;
  targets: number[];
  ends: Omit<FrontierEnds, 'targets'>;
}

export class FrontierPool {
  private nextId = 0;
  private constructor(private readonly workers: Worker[]) {
    for (const w of workers) w.unref();
  }

  static create(workers = Math.min(4, availableParallelism())): FrontierPool {
    return new FrontierPool(Array.from({ length: workers }, () => new Worker(new URL('./frontier-worker-boot.mjs', import.meta.url))));
  }

  private run(worker: Worker, request: Omit<SegmentRequest, 'id'>): Promise<FrontierPoint[]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onMessage = (message: { id: number; points?: FrontierPoint[]; error?: string }) => {
        if (message.id !== id) return;
        worker.off('message', onMessage);
        worker.off('error', reject);
        if (message.error) reject(new Error(message.error));
        else resolve(message.points!);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.postMessage({ id, ...request } satisfies SegmentRequest);
    });
  }

  async frontier(book: Book, points = 50): Promise<FrontierPoint[]> {
    if (this.workers.length < 2) return efficientFrontier(book, points);
    const { targets, ...ends } = frontierEnds(book, points);
    if (targets.length === 0) return efficientFrontier(book, points);
    // The threads get the numbers only: the loan records would be most of the copy.
    const { loans: _, ...numbers } = book;
    const per = Math.ceil(targets.length / this.workers.length);
    const runs = this.workers.map((w, k) => {
      const slice = targets.slice(k * per, (k + 1) * per);
      if (slice.length === 0) return Promise.resolve([]);
      return this.run(w, { book: numbers, targets: slice, ends });
    });
    return [ends.low, ...(await Promise.all(runs)).flat(), ends.high];
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
