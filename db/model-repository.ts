import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { ActiveModelVersions } from '../src/app/ports.ts';
import type { Db, Tx } from './client.ts';
import { rowsOf } from './rows.ts';
import { auditLog, decisions, type MODEL_ROLES, modelRoleChanges, modelVersions, outcomes, shadowScores } from './schema.ts';

/**
 * Model versions in their roles (champion, challenger, retired), the changes admins make to them
 * (every one audited with its actor), and what the shadow scores say about a challenger.
 */

export type ModelRole = (typeof MODEL_ROLES)[number];

/** The versions in their roles now. */
export async function activeModelVersions(db: Db): Promise<ActiveModelVersions> {
  const rows = await db
    .select({ version: modelVersions.version, role: modelVersions.role })
    .from(modelVersions)
    .where(inArray(modelVersions.role, ['champion', 'challenger']));
  return {
    champion: rows.find((r) => r.role === 'champion')?.version ?? null,
    challenger: rows.find((r) => r.role === 'challenger')?.version ?? null,
  };
}

/** The roles, read under a lock on every model row: role changes are made one at a time. */
async function lockedRoles(tx: Tx) {
  const rows = await tx.select({ version: modelVersions.version, kind: modelVersions.kind, role: modelVersions.role }).from(modelVersions).for('update');
  return {
    rows,
    champion: rows.find((r) => r.role === 'champion')?.version ?? null,
    challenger: rows.find((r) => r.role === 'challenger')?.version ?? null,
  };
}

/** Puts the champion and challenger in place, retiring whoever leaves a role; stamps those whose role changed. */
async function setRoles(tx: Tx, before: ActiveModelVersions, after: ActiveModelVersions): Promise<void> {
  const now = new Date();
  const leaving = [before.champion, before.challenger].filter((v): v is string => v !== null && v !== after.champion && v !== after.challenger);
  const moving = [before.champion, before.challenger].filter((v): v is string => v !== null && !leaving.includes(v));
  // Retire first (the unique indexes admit one champion and one challenger at any moment), then assign.
  const clear = [...leaving, ...moving];
  if (clear.length > 0) await tx.update(modelVersions).set({ role: 'retired' }).where(inArray(modelVersions.version, clear));
  if (leaving.length > 0) await tx.update(modelVersions).set({ roleSince: now }).where(inArray(modelVersions.version, leaving));
  const stamp = (version: string, role: ModelRole) => ({ role, ...(before[role as keyof ActiveModelVersions] === version ? {} : { roleSince: now }) });
  if (after.champion) await tx.update(modelVersions).set(stamp(after.champion, 'champion')).where(eq(modelVersions.version, after.champion));
  if (after.challenger) await tx.update(modelVersions).set(stamp(after.challenger, 'challenger')).where(eq(modelVersions.version, after.challenger));
}

const isUniqueViolation = (error: unknown): boolean => {
  for (let e = error as { code?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) if (e.code === '23505') return true;
  return false;
};

/**
 * At a database's first start (no champion yet), the manifest's versions take their roles: `current`
 * the champion, `challenger` the challenger. Afterwards the database decides and this does nothing.
 * The versions must be registered first (registerModel).
 */
export async function seedModelRoles(db: Db, manifest: { champion: string; challenger?: string }, actor = 'system:manifest'): Promise<boolean> {
  try {
    return await db.transaction(async (tx) => {
      const roles = await lockedRoles(tx);
      if (roles.champion) return false;
      const known = new Set(roles.rows.map((r) => r.version));
      if (!known.has(manifest.champion)) throw new Error(`model ${manifest.champion} is not registered`);
      const challenger =
        roles.challenger ?? (manifest.challenger && manifest.challenger !== manifest.champion && known.has(manifest.challenger) ? manifest.challenger : null);
      const after = { champion: manifest.champion, challenger: challenger === manifest.champion ? null : challenger };
      await setRoles(tx, roles, after);
      await tx.insert(modelRoleChanges).values({ action: 'seed', version: manifest.champion, ...after, actor });
      await tx.insert(auditLog).values({ actor, action: 'model.seed', subject: manifest.champion, detail: after });
      return true;
    });
  } catch (error) {
    // Another process seeded them at the same moment.
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

export type RoleChange =
  | { kind: 'changed'; roles: ActiveModelVersions; previous: ActiveModelVersions }
  | { kind: 'refused'; status: 404 | 409; reason: string };

const refused = (status: 404 | 409, reason: string): RoleChange => ({ kind: 'refused', status, reason });

async function change(
  db: Db,
  actor: string,
  plan: (
    roles: Awaited<ReturnType<typeof lockedRoles>>,
    tx: Tx,
  ) => Promise<{ action: 'promote' | 'rollback' | 'challenger' | 'retire'; version: string; after: ActiveModelVersions; undoes?: number } | RoleChange>,
): Promise<RoleChange> {
  return db.transaction(async (tx) => {
    const roles = await lockedRoles(tx);
    const planned = await plan(roles, tx);
    if ('kind' in planned) return planned;
    const before = { champion: roles.champion, challenger: roles.challenger };
    const { after, action, version } = planned;
    await setRoles(tx, before, after);
    const [row] = await tx
      .insert(modelRoleChanges)
      .values({
        action,
        version,
        champion: after.champion!,
        challenger: after.challenger,
        previousChampion: before.champion,
        previousChallenger: before.challenger,
        actor,
      })
      .returning({ id: modelRoleChanges.id });
    if (planned.undoes !== undefined) await tx.update(modelRoleChanges).set({ undoneBy: row.id }).where(eq(modelRoleChanges.id, planned.undoes));
    await tx
      .insert(auditLog)
      .values({ actor, action: `model.${action}`, subject: version, detail: { champion: after.champion, challenger: after.challenger, previous: before } });
    return { kind: 'changed' as const, roles: after, previous: before };
  });
}

const applicantVersion = (roles: Awaited<ReturnType<typeof lockedRoles>>, version: string): RoleChange | undefined => {
  const row = roles.rows.find((r) => r.version === version);
  if (!row) return refused(404, `no model version ${version} is registered`);
  if (row.kind !== 'applicant') return refused(409, `${version} is a ${row.kind} model: only applicant models decide`);
  return undefined;
};

/**
 * Makes `version` the champion. The champion it replaces becomes the challenger (it keeps being
 * compared, and `rollbackModel` brings it back); a challenger that is neither is retired.
 */
export function promoteModel(db: Db, version: string, actor: string): Promise<RoleChange> {
  return change(db, actor, async (roles) => {
    const bad = applicantVersion(roles, version);
    if (bad) return bad;
    if (roles.champion === version) return refused(409, `${version} is already the champion`);
    const challenger = roles.champion ?? (roles.challenger === version ? null : roles.challenger);
    return { action: 'promote', version, after: { champion: version, challenger } };
  });
}

/**
 * Undoes the newest promotion not undone yet: the champion before it decides again, and the one it
 * replaces becomes the challenger. Rolling back again walks further back through the promotions.
 */
export function rollbackModel(db: Db, actor: string, canDecide: (version: string) => boolean = () => true): Promise<RoleChange> {
  return change(db, actor, async (roles, tx) => {
    const [last] = await tx
      .select()
      .from(modelRoleChanges)
      .where(and(eq(modelRoleChanges.action, 'promote'), isNull(modelRoleChanges.undoneBy)))
      .orderBy(desc(modelRoleChanges.id))
      .limit(1);
    if (!last?.previousChampion) return refused(409, 'there is no promotion to roll back');
    const target = last.previousChampion;
    if (!canDecide(target)) return refused(409, `${target} cannot be loaded by this server, so it cannot decide here`);
    const challenger = roles.champion === target ? roles.challenger : roles.champion;
    return { action: 'rollback', version: target, after: { champion: target, challenger }, undoes: last.id };
  });
}

/** Makes `version` the challenger (scored in shadow beside every decision); the one it replaces is retired. */
export function setChallenger(db: Db, version: string, actor: string): Promise<RoleChange> {
  return change(db, actor, async (roles) => {
    const bad = applicantVersion(roles, version);
    if (bad) return bad;
    if (roles.champion === version) return refused(409, `${version} is the champion: promote another version first`);
    if (roles.challenger === version) return refused(409, `${version} is already the challenger`);
    if (!roles.champion) return refused(409, 'there is no champion yet');
    return { action: 'challenger', version, after: { champion: roles.champion, challenger: version } };
  });
}

/** Stops scoring the challenger in shadow (it is retired). The champion cannot be retired: promote another. */
export function retireModel(db: Db, version: string, actor: string): Promise<RoleChange> {
  return change(db, actor, async (roles) => {
    if (!roles.rows.some((r) => r.version === version)) return refused(404, `no model version ${version} is registered`);
    if (roles.champion === version) return refused(409, `${version} is the champion: promote another version first`);
    if (roles.challenger !== version) return refused(409, `${version} is already retired`);
    return { action: 'retire', version, after: { champion: roles.champion, challenger: null } };
  });
}

export interface ModelVersionRow {
  version: string;
  kind: string;
  role: ModelRole;
  roleSince: Date | null;
  registeredAt: Date;
  metrics: unknown;
}

export async function listModelVersions(db: Db): Promise<ModelVersionRow[]> {
  return db
    .select({
      version: modelVersions.version,
      kind: modelVersions.kind,
      role: modelVersions.role,
      roleSince: modelVersions.roleSince,
      registeredAt: modelVersions.registeredAt,
      metrics: modelVersions.metrics,
    })
    .from(modelVersions)
    .orderBy(sql`case ${modelVersions.role} when 'champion' then 0 when 'challenger' then 1 else 2 end`, desc(modelVersions.registeredAt));
}

export async function isRegistered(db: Db, version: string): Promise<boolean> {
  const [row] = await db.select({ version: modelVersions.version }).from(modelVersions).where(eq(modelVersions.version, version));
  return row !== undefined;
}

export async function roleChanges(db: Db, limit = 20) {
  return db.select().from(modelRoleChanges).orderBy(desc(modelRoleChanges.id)).limit(limit);
}

/** Score shift buckets (challenger − champion points): the lower edge of each. */
export const SHIFT_BUCKETS = [
  { label: '< -50', below: -50 },
  { label: '-50 to -21', below: -20 },
  { label: '-20 to -6', below: -5 },
  { label: '-5 to +5', below: 6 },
  { label: '+6 to +20', below: 21 },
  { label: '+21 to +50', below: 51 },
  { label: '> +50', below: Number.POSITIVE_INFINITY },
] as const;

export interface ShadowComparison {
  /** Applications the version scored in shadow that the champion decided. */
  applications: number;
  agreeing: number;
  /** Champion's decision → the version's decision → count. */
  crossTab: Record<string, Record<string, number>>;
  shift: {
    mean: number;
    sd: number;
    min: number;
    max: number;
    quantiles: { p05: number; p25: number; p50: number; p75: number; p95: number };
    histogram: { bucket: string; count: number }[];
  } | null;
}

/**
 * How `version`'s shadow scores compare with the decisions `champion` made on the same applications:
 * the share of the same decision, and the score shift (version − champion), in the database.
 */
export async function shadowComparison(db: Db, version: string, champion: string): Promise<ShadowComparison> {
  const shift = sql`(${shadowScores.score} - ${decisions.score})`;
  const on = and(eq(shadowScores.modelVersion, version), eq(decisions.modelVersion, champion));
  const [summary] = await db
    .select({
      n: sql<number>`count(*)::int`,
      agreeing: sql<number>`count(*) filter (where ${shadowScores.decision} = ${decisions.decision})::int`,
      mean: sql<number | null>`avg(${shift})::float8`,
      sd: sql<number | null>`coalesce(stddev_samp(${shift}), 0)::float8`,
      min: sql<number | null>`min(${shift})::float8`,
      max: sql<number | null>`max(${shift})::float8`,
      p05: sql<number | null>`percentile_cont(0.05) within group (order by ${shift})::float8`,
      p25: sql<number | null>`percentile_cont(0.25) within group (order by ${shift})::float8`,
      p50: sql<number | null>`percentile_cont(0.5) within group (order by ${shift})::float8`,
      p75: sql<number | null>`percentile_cont(0.75) within group (order by ${shift})::float8`,
      p95: sql<number | null>`percentile_cont(0.95) within group (order by ${shift})::float8`,
    })
    .from(shadowScores)
    .innerJoin(decisions, eq(decisions.applicationId, shadowScores.applicationId))
    .where(on);
  const tab = await db
    .select({ champion: decisions.decision, version: shadowScores.decision, n: sql<number>`count(*)::int` })
    .from(shadowScores)
    .innerJoin(decisions, eq(decisions.applicationId, shadowScores.applicationId))
    .where(on)
    .groupBy(decisions.decision, shadowScores.decision);
  const bucketCase = sql.raw(
    `case ${SHIFT_BUCKETS.slice(0, -1)
      .map((b, i) => `when s.score - d.score < ${b.below} then ${i}`)
      .join(' ')} else ${SHIFT_BUCKETS.length - 1} end`,
  );
  const histogram = rowsOf<{ bucket: number; n: number }>(
    await db.execute(sql`select ${bucketCase} as bucket, count(*)::int as n
      from shadow_scores s join decisions d on d.application_id = s.application_id
      where s.model_version = ${version} and d.model_version = ${champion}
      group by 1`),
  );
  const crossTab: Record<string, Record<string, number>> = {};
  for (const r of tab) crossTab[r.champion] = { ...crossTab[r.champion], [r.version]: r.n };
  const n = summary?.n ?? 0;
  const num = (v: unknown) => Number(v);
  return {
    applications: n,
    agreeing: summary?.agreeing ?? 0,
    crossTab,
    shift:
      n === 0
        ? null
        : {
            mean: num(summary.mean),
            sd: num(summary.sd),
            min: num(summary.min),
            max: num(summary.max),
            quantiles: { p05: num(summary.p05), p25: num(summary.p25), p50: num(summary.p50), p75: num(summary.p75), p95: num(summary.p95) },
            histogram: SHIFT_BUCKETS.map((b, i) => ({ bucket: b.label, count: Number(histogram.find((h) => Number(h.bucket) === i)?.n ?? 0) })),
          },
  };
}

/** How many applications each version decided (as champion) and scored in shadow. */
export async function scoredCounts(db: Db): Promise<Map<string, { decided: number; shadowScored: number }>> {
  const decided = await db.select({ version: decisions.modelVersion, n: sql<number>`count(*)::int` }).from(decisions).groupBy(decisions.modelVersion);
  const shadow = await db.select({ version: shadowScores.modelVersion, n: sql<number>`count(*)::int` }).from(shadowScores).groupBy(shadowScores.modelVersion);
  const out = new Map<string, { decided: number; shadowScored: number }>();
  for (const r of decided) out.set(r.version, { decided: r.n, shadowScored: 0 });
  for (const r of shadow) out.set(r.version, { decided: out.get(r.version)?.decided ?? 0, shadowScored: r.n });
  return out;
}

/**
 * The PDs `version` gave to applications whose outcome is known, whether it decided them (as the
 * champion) or scored them in shadow, with the outcome (bad: 1 defaulted): its live performance.
 */
export async function versionOutcomes(db: Db, version: string): Promise<{ pd: number; bad: 0 | 1 }[]> {
  const rows = rowsOf<{ pd: number; bad: number }>(
    await db.execute(sql`
      select d.pd as pd, (o.outcome = 'defaulted')::int as bad
        from ${decisions} d join ${outcomes} o on o.application_id = d.application_id
        where d.model_version = ${version}
      union all
      select s.pd, (o.outcome = 'defaulted')::int
        from ${shadowScores} s join ${outcomes} o on o.application_id = s.application_id
        where s.model_version = ${version}`),
  );
  return rows.map((r) => ({ pd: Number(r.pd), bad: Number(r.bad) === 1 ? 1 : 0 }));
}
