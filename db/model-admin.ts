import type { ModelRegistry } from '../src/app/model-registry.ts';
import { brier, rocAuc } from '../src/evaluation/metrics.ts';
import type { Db } from './client.ts';
import {
  isRegistered,
  listModelVersions,
  type ModelRole,
  promoteModel,
  retireModel,
  roleChanges,
  rollbackModel,
  type RoleChange,
  scoredCounts,
  setChallenger,
  type ShadowComparison,
  shadowComparison,
  versionOutcomes,
} from './model-repository.ts';
import { outcomeCounts } from './outcome-repository.ts';
import { registerModel } from './repository.ts';

/**
 * What the API (`/v1/models`) and the bot (`/model`) both do with model versions: the overview an
 * admin reads, and role changes checked against what this process can load.
 */

export type ModelAction = 'promote' | 'rollback' | 'challenger' | 'retire';

/**
 * Promote, roll back, set or retire the challenger, as `actor` (audited). A version this process
 * cannot load is refused (it could not decide or be scored here); one it can is registered first,
 * so a version trained since the last start is promotable at once. The process's own roles cache is
 * dropped on success; every other process sees the change within its cache's lifetime.
 */
export async function changeModelRole(db: Db, models: ModelRegistry, action: ModelAction, version: string | undefined, actor: string): Promise<RoleChange> {
  const needsLoad = action === 'promote' || action === 'challenger';
  if (action !== 'rollback' && !version) return { kind: 'refused', status: 404, reason: 'name a model version' };
  if (needsLoad) {
    const model = models.model(version!);
    if (!model) {
      if (!(await isRegistered(db, version!)))
        return { kind: 'refused', status: 404, reason: `no model version ${version} is registered or can be loaded here` };
      return { kind: 'refused', status: 409, reason: `${version} cannot be loaded by this server: ${models.loadError(version!)}` };
    }
    await registerModel(db, model);
  }
  const result =
    action === 'promote'
      ? await promoteModel(db, version!, actor)
      : action === 'challenger'
        ? await setChallenger(db, version!, actor)
        : action === 'retire'
          ? await retireModel(db, version!, actor)
          : await rollbackModel(db, actor, (v) => models.model(v) !== undefined);
  if (result.kind === 'changed') models.invalidate();
  return result;
}

const round = (v: number, digits = 4) => Math.round(v * 10 ** digits) / 10 ** digits;

/** Live performance from (PD, outcome) pairs; ROC-AUC needs both outcomes among them. */
export function performanceOf(rows: { pd: number; bad: 0 | 1 }[]) {
  if (rows.length === 0) return null;
  const y = rows.map((r) => r.bad);
  const p = rows.map((r) => r.pd);
  const defaulted = y.reduce<number>((s, v) => s + v, 0);
  return {
    applications: rows.length,
    defaulted,
    rocAuc: defaulted > 0 && defaulted < rows.length ? round(rocAuc(y, p)) : null,
    brier: round(brier(y, p)),
  };
}

const offlineMetrics = (metrics: unknown): { rocAuc: number; brier: number } | null => {
  const m = (metrics as { test?: { champion?: { rocAuc?: unknown; brier?: unknown } } } | null)?.test?.champion;
  return typeof m?.rocAuc === 'number' && typeof m.brier === 'number' ? { rocAuc: m.rocAuc, brier: m.brier } : null;
};

export interface VersionOverview {
  version: string;
  kind: string;
  role: ModelRole;
  roleSince: string | null;
  registeredAt: string;
  availableHere: boolean;
  offline: { rocAuc: number; brier: number } | null;
  live: {
    decided: number;
    shadowScored: number;
    comparedWithChampion: {
      champion: string;
      applications: number;
      agreement: number | null;
      decisions: ShadowComparison['crossTab'];
      scoreShift: ShadowComparison['shift'];
    } | null;
  };
  performance: ReturnType<typeof performanceOf>;
}

/**
 * Every registered version with its role, its shadow scores against the champion's decisions
 * (agreement and score shift) and, once outcomes are recorded, its ROC-AUC and Brier score on them.
 */
export async function modelOverview(db: Db, models: ModelRegistry) {
  const [versions, counts, recorded, changes, serving] = await Promise.all([
    listModelVersions(db),
    scoredCounts(db),
    outcomeCounts(db),
    roleChanges(db, 10),
    models.active(),
  ]);
  const champion = versions.find((v) => v.role === 'champion')?.version ?? null;
  const challenger = versions.find((v) => v.role === 'challenger')?.version ?? null;
  const rows: VersionOverview[] = [];
  for (const v of versions) {
    const count = counts.get(v.version) ?? { decided: 0, shadowScored: 0 };
    const compared = champion && v.version !== champion && count.shadowScored > 0 ? await shadowComparison(db, v.version, champion) : undefined;
    const performance = count.decided + count.shadowScored > 0 && recorded.outcomes > 0 ? performanceOf(await versionOutcomes(db, v.version)) : null;
    rows.push({
      version: v.version,
      kind: v.kind,
      role: v.role,
      roleSince: v.roleSince?.toISOString() ?? null,
      registeredAt: v.registeredAt.toISOString(),
      availableHere: models.model(v.version) !== undefined,
      offline: offlineMetrics(v.metrics),
      live: {
        ...count,
        comparedWithChampion: compared
          ? {
              champion: champion!,
              applications: compared.applications,
              agreement: compared.applications > 0 ? round(compared.agreeing / compared.applications) : null,
              decisions: compared.crossTab,
              scoreShift: compared.shift && { ...compared.shift, mean: round(compared.shift.mean, 2), sd: round(compared.shift.sd, 2) },
            }
          : null,
      },
      performance,
    });
  }
  return {
    champion,
    challenger,
    servingHere: { champion: serving.champion.version, challenger: serving.challenger?.version ?? null },
    rolesCacheMs: models.ttlMs,
    outcomes: { recorded: recorded.outcomes, defaulted: recorded.defaulted },
    versions: rows,
    changes: changes.map((ch) => ({
      action: ch.action,
      version: ch.version,
      champion: ch.champion,
      challenger: ch.challenger,
      previousChampion: ch.previousChampion,
      actor: ch.actor,
      at: ch.at.toISOString(),
    })),
  };
}
