import { parentPort } from 'node:worker_threads';
import { FrontierPool } from '../portfolio/frontier-pool.ts';
import { PortfolioError } from '../portfolio/markowitz.ts';
import { runTask, type PortfolioTask } from '../portfolio/tasks.ts';

/**
 * One portfolio job at a time, on a thread of its own (src/node/portfolio-threads.ts), at the
 * lowest CPU priority (set first thing by portfolio-thread-boot.mjs).
 */
export type ThreadMessage = { id: number; task: PortfolioTask };
export type ThreadReply = { id: number; progress: number } | { id: number; result: unknown } | { id: number; refused: string } | { id: number; error: string };

let frontier: FrontierPool | undefined;

parentPort!.on('message', async ({ id, task }: ThreadMessage) => {
  const post = (reply: ThreadReply) => parentPort!.postMessage(reply);
  try {
    const result = await runTask(task, {
      onProgress: (progress) => post({ id, progress }),
      // Its threads start with the first frontier: a risk job needs none.
      frontier: (book, points) => {
        frontier ??= FrontierPool.create();
        return frontier.frontier(book, points);
      },
    });
    post({ id, result });
  } catch (error) {
    if (error instanceof PortfolioError) post({ id, refused: error.message });
    else post({ id, error: (error as Error).message });
  }
});
