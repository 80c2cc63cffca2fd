import type { LoadedModel } from '../model/model.ts';
import type { ActiveModelVersions } from './ports.ts';

/**
 * Which model decides (the champion) and which scores every application in shadow (the challenger),
 * as storage says, read at most every `ttlMs` and at once after a change made through this process.
 * One per process, like the policy cache: a promotion made in any process (or on any Worker isolate)
 * reaches every other one within the cache's lifetime, without a restart.
 *
 * A process decides only with a version it can load (Node: any version under MODELS_DIR; a Worker:
 * the versions bundled into it). When storage names a champion this process does not have, it keeps
 * deciding with its own default (every decision records the version that made it) and says so once;
 * a challenger it does not have is simply not scored here.
 */

export interface ActiveModels {
  champion: LoadedModel;
  /** Absent when there is none, or this process cannot load it. */
  challenger?: LoadedModel;
  /** The roles as storage gave them (null: none). */
  roles: ActiveModelVersions;
}

export interface ModelRegistryOptions {
  /** Decides when storage names no champion (an empty database, or a store without roles). */
  fallback: LoadedModel;
  /** Loads a version this process has; undefined (or a throw) when it has not. Called once per version. */
  load?: (version: string) => LoadedModel | undefined;
  /** Reads the roles from storage; absent: the fallback decides alone. */
  read?: () => Promise<ActiveModelVersions>;
  /** How long the roles are cached (ms); 0 reads them for every decision. */
  ttlMs?: number;
  /** Told once per version that storage names but this process cannot load. */
  warn?: (message: string) => void;
}

/** How long a role change may take to reach another process. */
export const MODEL_ROLES_TTL_MS = 2_000;

export class ModelRegistry {
  private cached: { at: number; value: ActiveModels } | undefined;
  private reading: Promise<ActiveModels> | undefined;
  private readonly loaded = new Map<string, LoadedModel | Error>();
  private readonly warned = new Set<string>();
  /** Moves on at each invalidation: a read that began before one is not cached. */
  private generation = 0;
  readonly ttlMs: number;

  constructor(private readonly options: ModelRegistryOptions) {
    this.loaded.set(options.fallback.version, options.fallback);
    this.ttlMs = options.ttlMs ?? MODEL_ROLES_TTL_MS;
  }

  get fallback(): LoadedModel {
    return this.options.fallback;
  }

  /** The model of `version`, loaded once; undefined when this process cannot load it (`loadError` says why). */
  model(version: string): LoadedModel | undefined {
    let entry = this.loaded.get(version);
    if (entry === undefined) {
      try {
        entry = this.options.load?.(version) ?? new Error(`model ${version} is not available in this process`);
      } catch (error) {
        entry = error instanceof Error ? error : new Error(String(error));
      }
      this.loaded.set(version, entry);
    }
    return entry instanceof Error ? undefined : entry;
  }

  loadError(version: string): string | undefined {
    const entry = this.model(version) ? undefined : this.loaded.get(version);
    return entry instanceof Error ? entry.message : undefined;
  }

  /** The champion and challenger in force (cached). A failed read keeps the last known roles and tries again next time. */
  async active(): Promise<ActiveModels> {
    const cached = this.cached;
    if (cached && Date.now() - cached.at < this.ttlMs) return cached.value;
    if (!this.reading) {
      const reading = this.refresh().finally(() => {
        if (this.reading === reading) this.reading = undefined;
      });
      this.reading = reading;
    }
    return this.reading;
  }

  /** The champion last read, without asking storage (the fallback before the first read). */
  peek(): LoadedModel {
    return this.cached?.value.champion ?? this.options.fallback;
  }

  /** After a change made through this process: the next decision reads the roles again. */
  invalidate(): void {
    this.cached = undefined;
    this.reading = undefined;
    this.generation++;
  }

  private async refresh(): Promise<ActiveModels> {
    const at = Date.now();
    const generation = this.generation;
    let roles: ActiveModelVersions;
    try {
      roles = this.options.read ? await this.options.read() : { champion: null, challenger: null };
    } catch (error) {
      if (this.cached) return this.cached.value;
      throw error;
    }
    const value = this.resolve(roles);
    if (generation === this.generation) this.cached = { at, value };
    return value;
  }

  private resolve(roles: ActiveModelVersions): ActiveModels {
    let champion = this.options.fallback;
    if (roles.champion) {
      const found = this.model(roles.champion);
      if (found?.spec.kind === 'applicant') champion = found;
      else
        this.warnOnce(roles.champion, `the champion ${roles.champion} cannot be loaded here (${this.why(roles.champion)}): deciding with ${champion.version}`);
    }
    let challenger: LoadedModel | undefined;
    if (roles.challenger && roles.challenger !== champion.version) {
      const found = this.model(roles.challenger);
      if (found?.spec.kind === 'applicant') challenger = found;
      else
        this.warnOnce(roles.challenger, `the challenger ${roles.challenger} cannot be loaded here (${this.why(roles.challenger)}): not scored in shadow here`);
    }
    return { champion, ...(challenger ? { challenger } : {}), roles };
  }

  private why(version: string): string {
    return this.loadError(version) ?? 'not a model of applicants';
  }

  private warnOnce(version: string, message: string): void {
    if (this.warned.has(version)) return;
    this.warned.add(version);
    (this.options.warn ?? console.warn)(message);
  }
}
