import type { Db } from '../../db/client.ts';
import { currentPolicy, type PolicyVersion } from '../../db/repository.ts';

/** The policy in force, read from the database at most every `ttlMs` (and at once after a change here). */
export class PolicyCache {
  private cached: { at: number; value: PolicyVersion } | undefined;

  constructor(
    private readonly db: () => Db,
    private readonly ttlMs = 2_000,
  ) {}

  async get(): Promise<PolicyVersion> {
    const now = Date.now();
    if (this.cached && now - this.cached.at < this.ttlMs) return this.cached.value;
    const value = await currentPolicy(this.db());
    this.cached = { at: now, value };
    return value;
  }

  invalidate(): void {
    this.cached = undefined;
  }
}
