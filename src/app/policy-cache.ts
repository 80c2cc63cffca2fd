import type { PolicyVersion } from '../scoring/policy.ts';

/**
 * The policy in force, read from storage at most every `ttlMs` and at once after a change made
 * through this process. One per process: the API, the widget and the bot share it, so a change made
 * in chat applies to the next API decision too.
 */
export class PolicyCache {
  private cached: { at: number; value: PolicyVersion } | undefined;

  constructor(
    private readonly load: () => Promise<PolicyVersion>,
    private readonly ttlMs = 2_000,
  ) {}

  async get(): Promise<PolicyVersion> {
    const now = Date.now();
    if (this.cached && now - this.cached.at < this.ttlMs) return this.cached.value;
    const value = await this.load();
    this.cached = { at: now, value };
    return value;
  }

  invalidate(): void {
    this.cached = undefined;
  }
}
