import { Worker } from 'node:worker_threads';
import type { TaskRunner } from '../app/portfolio-jobs.ts';
import { PortfolioError } from '../portfolio/markowitz.ts';
import type { TaskResult } from '../portfolio/tasks.ts';
import type { ThreadMessage, ThreadReply } from './portfolio-thread.ts';

/**
 * Portfolio tasks on worker threads (Node): a thread is kept warm between jobs; stopping a job
 * (cancelled, or past its deadline) terminates its thread, which stops the work at once, and the
 * next job starts a fresh one.
 *
 * @example const jobs = new PortfolioJobs({ ..., runner: threadRunner({ warm: true }) });
 */
export function threadRunner(options: { warm?: boolean } = {}): TaskRunner & { close(): Promise<void> } {
  const idle: Worker[] = [];
  const all = new Set<Worker>();
  let next = 0;
  const spawn = () => {
    const worker = new Worker(new URL('./portfolio-thread-boot.mjs', import.meta.url));
    worker.unref();
    all.add(worker);
    worker.once('exit', () => all.delete(worker));
    return worker;
  };
  // A server starts its thread at once: loading it takes about half a second, not the first job's to pay.
  if (options.warm) idle.push(spawn());
  return {
    run(task, { signal, onProgress }) {
      signal.throwIfAborted();
      const worker = idle.pop() ?? spawn();
      const id = next++;
      return new Promise<TaskResult>((resolve, reject) => {
        const finish = (keep: boolean) => {
          worker.off('message', onMessage);
          worker.off('error', onError);
          worker.off('exit', onExit);
          signal.removeEventListener('abort', onAbort);
          if (keep) idle.push(worker);
        };
        const onMessage = (reply: ThreadReply) => {
          if (reply.id !== id) return;
          if ('progress' in reply) return onProgress(reply.progress);
          finish(true);
          if ('result' in reply) resolve(reply.result as TaskResult);
          else if ('refused' in reply) reject(new PortfolioError(reply.refused));
          else reject(new Error(reply.error));
        };
        const onError = (error: Error) => {
          finish(false);
          reject(error);
        };
        const onExit = (code: number) => {
          finish(false);
          reject(new Error(`the portfolio thread stopped (exit code ${code})`));
        };
        const onAbort = () => {
          finish(false);
          void worker.terminate();
          reject(signal.reason);
        };
        worker.on('message', onMessage);
        worker.once('error', onError);
        worker.once('exit', onExit);
        signal.addEventListener('abort', onAbort, { once: true });
        worker.postMessage({ id, task } satisfies ThreadMessage);
      });
    },
    async close() {
      await Promise.all([...all].map((w) => w.terminate()));
    },
  };
}
