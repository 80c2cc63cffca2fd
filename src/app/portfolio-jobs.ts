import { createHash, randomUUID } from 'node:crypto';
import { PortfolioError } from '../portfolio/markowitz.ts';
import type { CorrelationTable } from '../portfolio/loans.ts';
import { runTask, type PortfolioKind, type PortfolioTask, type TaskContext, type TaskResult } from '../portfolio/tasks.ts';
import type { PolicyVersion } from '../scoring/policy.ts';
import type { PolicyCache } from './policy-cache.ts';

/**
 * Portfolio computations as jobs (issue 12): risk, frontier and optimisation never run on the
 * thread that answers requests. A request creates a job (or finds one: the same question on the same
 * book version is answered once), the job gathers its data (SQL aggregates, today's candidates),
 * runs on a thread of its own with a deadline, and keeps its result. A caller may wait a little for
 * it; past that it gets the job to poll. Cancelling a job, or its deadline, stops its thread.
 */

/** What a job left unfinished by a stopped server says. */
export const INTERRUPTED = 'interrupted: the server stopped before the job finished; ask again';

export type JobStatus = 'queued' | 'running' | 'done' | 'refused' | 'failed' | 'cancelled';

export interface JobRecord {
  id: string;
  kind: PortfolioKind;
  params: unknown;
  bookVersion: string;
  cacheKey: string;
  status: JobStatus;
  progress: number;
  result: TaskResult | null;
  error: string | null;
  requestedBy: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  deadlineAt: Date;
}

/** Where jobs are kept (the database). */
export interface JobStore {
  insert(job: JobRecord): Promise<void>;
  get(id: string): Promise<JobRecord | null>;
  update(id: string, patch: Partial<Pick<JobRecord, 'status' | 'progress' | 'result' | 'error' | 'startedAt' | 'finishedAt'>>): Promise<void>;
  /** The newest job with this key that is done or still queued or running. */
  reusable(cacheKey: string): Promise<JobRecord | null>;
  /** Marks the queued and running jobs a stopped process left behind as failed; returns how many. */
  interruptUnfinished(reason: string): Promise<number>;
}

/** Where a job's data comes from (the database), and its version. */
export interface BookSource {
  version(): Promise<string>;
  /** Everything a task of this kind needs, for these (validated) parameters. */
  task(kind: PortfolioKind, params: unknown, policy: PolicyVersion, correlations: CorrelationTable): Promise<PortfolioTask>;
}

/** Runs a task off the request thread; aborting the signal stops it. */
export interface TaskRunner {
  run(task: PortfolioTask, options: { signal: AbortSignal; onProgress: (share: number) => void }): Promise<TaskResult>;
}

export interface PortfolioJobsOptions {
  store: JobStore;
  source: BookSource;
  runner: TaskRunner;
  policy: PolicyCache;
  correlations: CorrelationTable;
  /** Longest a job may run (default 10 minutes). */
  deadlineMs?: number;
  /** Jobs run at once (default 1: the other core answers requests). */
  concurrency?: number;
}

/** Stops a job: its deadline, or someone cancelled it. */
class Stopped extends Error {
  constructor(
    readonly status: 'failed' | 'cancelled',
    message: string,
  ) {
    super(message);
  }
}

const stableJson = (value: unknown): string =>
  JSON.stringify(value, (_, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );

export class PortfolioJobs {
  private readonly live = new Map<string, { controller: AbortController; finished: Promise<void> }>();
  private readonly queue: (() => void)[] = [];
  private running = 0;
  private readonly deadlineMs: number;
  private readonly concurrency: number;

  constructor(private readonly deps: PortfolioJobsOptions) {
    this.deadlineMs = deps.deadlineMs ?? 600_000;
    this.concurrency = deps.concurrency ?? 1;
  }

  /** Jobs left unfinished by a previous process cannot finish: say so. Call once at start-up. */
  recover(): Promise<number> {
    return this.deps.store.interruptUnfinished(INTERRUPTED);
  }

  /**
   * The job answering this question on the current book: a finished or running one with the same
   * key, else a new one, started.
   *
   * @example const { job } = await jobs.request('risk', { scenarios: 20000, seed: 42 }, 'key:1');
   */
  async request(kind: PortfolioKind, params: unknown, requestedBy: string): Promise<{ job: JobRecord; created: boolean }> {
    const [bookVersion, policy] = await Promise.all([this.deps.source.version(), this.deps.policy.get()]);
    const cacheKey = createHash('sha256')
      .update(stableJson({ kind, params, bookVersion, policy: policy.version, correlations: this.deps.correlations }))
      .digest('hex');
    const existing = await this.deps.store.reusable(cacheKey);
    if (existing && (existing.status === 'done' || this.live.has(existing.id))) return { job: existing, created: false };
    const now = new Date();
    const job: JobRecord = {
      id: randomUUID(),
      kind,
      params,
      bookVersion,
      cacheKey,
      status: 'queued',
      progress: 0,
      result: null,
      error: null,
      requestedBy,
      createdAt: now,
      startedAt: null,
      finishedAt: null,
      deadlineAt: new Date(now.getTime() + this.deadlineMs),
    };
    await this.deps.store.insert(job);
    this.start(job, policy);
    return { job, created: true };
  }

  /** On shutdown: every queued or running job ends as interrupted (its thread stopped), and whoever waits on it hears so. */
  async stopAll(): Promise<void> {
    const live = [...this.live.values()];
    for (const job of live) job.controller.abort(new Stopped('failed', INTERRUPTED));
    await Promise.all(live.map((job) => job.finished));
  }

  get(id: string): Promise<JobRecord | null> {
    return this.deps.store.get(id);
  }

  /** The job once it has finished, or as it stands after `ms` (or when `signal` aborts). */
  async wait(id: string, ms: number, signal?: AbortSignal): Promise<JobRecord | null> {
    const live = this.live.get(id);
    if (live && ms > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        live.finished,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, ms);
          signal?.addEventListener('abort', () => resolve(), { once: true });
        }),
      ]);
      clearTimeout(timer);
    }
    return this.deps.store.get(id);
  }

  /** Stops a queued or running job (its thread is stopped); a finished one is left as it is. */
  async cancel(id: string): Promise<JobRecord | null> {
    const live = this.live.get(id);
    if (live) {
      live.controller.abort(new Stopped('cancelled', 'cancelled'));
      await live.finished;
    }
    return this.deps.store.get(id);
  }

  private start(job: JobRecord, policy: PolicyVersion): void {
    const controller = new AbortController();
    const deadline = setTimeout(
      () => controller.abort(new Stopped('failed', `stopped at its deadline of ${Math.round(this.deadlineMs / 1000)} s`)),
      job.deadlineAt.getTime() - Date.now(),
    );
    deadline.unref?.();
    const finished = this.execute(job, policy, controller.signal).finally(() => {
      clearTimeout(deadline);
      this.live.delete(job.id);
    });
    this.live.set(job.id, { controller, finished });
  }

  /** Waits for a free slot (or the signal). */
  private async slot(signal: AbortSignal): Promise<void> {
    if (this.running < this.concurrency) {
      this.running++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const go = () => {
        signal.removeEventListener('abort', stop);
        this.running++;
        resolve();
      };
      const stop = () => {
        this.queue.splice(this.queue.indexOf(go), 1);
        reject(signal.reason);
      };
      this.queue.push(go);
      signal.addEventListener('abort', stop, { once: true });
    });
  }

  private release(): void {
    this.running--;
    this.queue.shift()?.();
  }

  private async execute(job: JobRecord, policy: PolicyVersion, signal: AbortSignal): Promise<void> {
    const { store } = this.deps;
    let acquired = false;
    try {
      await this.slot(signal);
      acquired = true;
      await store.update(job.id, { status: 'running', startedAt: new Date() });
      const task = await this.deps.source.task(job.kind, job.params, policy, this.deps.correlations);
      signal.throwIfAborted();
      // Progress reaches the store at most once a second: polling sees it move, the database is spared.
      let written = 0;
      const onProgress = (share: number) => {
        const now = Date.now();
        if (now - written < 1_000) return;
        written = now;
        store.update(job.id, { progress: Math.min(0.99, share) }).catch(() => {});
      };
      const result = await this.deps.runner.run(task, { signal, onProgress });
      await store.update(job.id, { status: 'done', progress: 1, result, finishedAt: new Date() });
    } catch (caught) {
      const error = signal.aborted ? signal.reason : caught;
      const status = error instanceof Stopped ? error.status : error instanceof PortfolioError ? 'refused' : 'failed';
      const message = error instanceof Stopped || error instanceof PortfolioError ? error.message : 'the computation failed';
      if (status === 'failed' && !(error instanceof Stopped)) console.error(`portfolio job ${job.id} (${job.kind}) failed:`, (error as Error).message);
      await store.update(job.id, { status, error: message, finishedAt: new Date() }).catch(() => {});
    } finally {
      if (acquired) this.release();
    }
  }
}

/**
 * Runs tasks on the calling thread: for the Worker runtime (one request per isolate, no threads)
 * and tests. It cannot be stopped half-way: a cancelled job's answer is thrown away.
 */
export const inProcessRunner = (context: Omit<TaskContext, 'onProgress'> = {}): TaskRunner => ({
  async run(task, { signal, onProgress }) {
    signal.throwIfAborted();
    const result = await runTask(task, { ...context, onProgress });
    signal.throwIfAborted();
    return result;
  },
});
