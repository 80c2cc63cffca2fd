/**
 * A request's deadline, shared by the adapter that answers and the store that commits, so that a
 * request answered "try again" (503) never has its decision stored later: at the deadline the
 * adapter may answer 503 only if no commit has begun, and a store commits only if the deadline has
 * not been taken. A commit already under way is waited for instead (its answer is the real one).
 *
 * @example
 * const deadline = new Deadline();
 * if (deadline.enterCommit()) { await commit(); deadline.leaveCommit(); } else rollback();
 */
export class Deadline {
  private state: 'open' | 'committing' | 'settled' | 'expired' = 'open';

  /** Before committing: false when the deadline has already answered the request (do not commit). */
  enterCommit(): boolean {
    if (this.state === 'expired') return false;
    this.state = 'committing';
    return true;
  }

  /** After the commit settled, either way. */
  leaveCommit(): void {
    if (this.state === 'committing') this.state = 'settled';
  }

  /** At the deadline: true when the request may be answered now (nothing of it will be stored); false when a commit has begun. */
  expire(): boolean {
    if (this.state !== 'open') return false;
    this.state = 'expired';
    return true;
  }

  get expired(): boolean {
    return this.state === 'expired';
  }
}

/** Thrown by a store that did not commit because the request's deadline had passed. */
export class DeadlinePassed extends Error {
  override name = 'DeadlinePassed';
  constructor() {
    super('the request passed its deadline before its decision was stored');
  }
}
