import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Applicant } from '../src/applicant/schema.ts';
import type { Assessment } from '../src/scoring/assess.ts';
import type { Channel, DecisionRecord } from '../src/app/ports.ts';
import { KEY_RATE_PER_MINUTE, WIDGET_RATE_PER_MINUTE } from '../src/app/limits.ts';
import type { LoadedModel } from '../src/model/model.ts';
import { DEFAULT_POLICY, PolicySchema, type Policy, type PolicyVersion } from '../src/scoring/policy.ts';
import type { Db, Tx } from './client.ts';
import { DecisionWriter } from './decision-writer.ts';
import { apiKeys, applications, auditLog, decisions, modelVersions, policies } from './schema.ts';

/** Every read and write the product makes, as plain functions over a `Db`. */

export interface AuditEntry {
  actor: string;
  action: string;
  subject?: string;
  detail?: Record<string, unknown>;
}

export async function audit(db: Db, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({ actor: entry.actor, action: entry.action, subject: entry.subject ?? null, detail: entry.detail ?? {} });
}

// ---- models and policies ----

export async function registerModel(db: Db, model: LoadedModel): Promise<void> {
  await db.insert(modelVersions).values({ version: model.version, kind: model.spec.kind, metrics: model.metrics }).onConflictDoNothing();
}

export type { PolicyVersion };

function toPolicyVersion(row: typeof policies.$inferSelect): PolicyVersion {
  const { version, createdBy, createdAt, ...rest } = row;
  return { version, policy: PolicySchema.parse(rest), createdBy, createdAt };
}

const latestPolicy = async (q: Db | Tx) => (await q.select().from(policies).orderBy(desc(policies.version)).limit(1))[0];

/** Any constant of ours: the lock taken while an empty database gets its default policy. */
const DEFAULT_POLICY_LOCK = 7_140_001;

/** The policy in force; an empty database gets the default policy as version 1. */
export async function currentPolicy(db: Db): Promise<PolicyVersion> {
  const row = await latestPolicy(db);
  if (row) return toPolicyVersion(row);
  // Several processes can start on an empty database at once (a cluster's workers): one writes it.
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${DEFAULT_POLICY_LOCK})`);
    const written = await latestPolicy(tx);
    return written ? toPolicyVersion(written) : insertPolicy(tx, DEFAULT_POLICY, 'system:default');
  });
}

export async function setPolicy(db: Db, policy: Policy, actor: string): Promise<PolicyVersion> {
  return db.transaction((tx) => insertPolicy(tx, policy, actor));
}

async function insertPolicy(tx: Tx, policy: Policy, actor: string): Promise<PolicyVersion> {
  const checked = PolicySchema.parse(policy);
  const [row] = await tx
    .insert(policies)
    .values({ ...checked, createdBy: actor })
    .returning();
  await tx.insert(auditLog).values({ actor, action: 'policy.set', subject: String(row.version), detail: checked });
  return toPolicyVersion(row);
}

// ---- applications and decisions ----

/** Stores the application and its decision in one transaction; returns the application id. */
export async function recordDecision(db: Db, record: DecisionRecord): Promise<string> {
  return new DecisionWriter(() => db).write(record);
}

export interface StoredApplication {
  id: string;
  channel: Channel;
  status: 'live' | 'superseded';
  supersededBy: string | null;
  apiKeyId: number | null;
  applicant: Applicant;
  createdAt: Date;
  decision: {
    pd: number;
    score: number;
    riskBand: string;
    decision: 'approve' | 'refer' | 'decline';
    reasons: Assessment['reasons'];
    offer: Assessment['offer'];
    behaviour: Assessment['behaviour'];
    thinFile: boolean;
    notices: string[];
    modelVersion: string;
    policyVersion: number;
    reviewedBy: string | null;
    reviewedDecision: string | null;
    createdAt: Date;
  };
}

export async function getApplication(db: Db, id: string): Promise<StoredApplication | undefined> {
  const [row] = await db
    .select()
    .from(applications)
    .innerJoin(decisions, eq(decisions.applicationId, applications.id))
    .where(eq(applications.id, id))
    .orderBy(desc(decisions.id))
    .limit(1);
  if (!row) return undefined;
  const a = row.applications;
  const d = row.decisions;
  return {
    id: a.id,
    channel: a.channel,
    status: a.status,
    supersededBy: a.supersededBy,
    apiKeyId: a.apiKeyId,
    applicant: a.applicant as Applicant,
    createdAt: a.createdAt,
    decision: {
      ...assessmentOf(d),
      policyVersion: d.policyVersion,
      reviewedBy: d.reviewedBy,
      reviewedDecision: d.reviewedDecision,
      createdAt: d.createdAt,
    },
  };
}

/** A stored decision row as the assessment it recorded. */
export function assessmentOf(d: typeof decisions.$inferSelect): Assessment {
  return {
    pd: d.pd,
    score: d.score,
    riskBand: d.riskBand as Assessment['riskBand'],
    decision: d.decision,
    reasons: d.reasons as Assessment['reasons'],
    offer: d.offer as Assessment['offer'],
    behaviour: (d.behaviour ?? null) as Assessment['behaviour'],
    thinFile: d.thinFile,
    notices: d.notices,
    modelVersion: d.modelVersion,
  };
}

export async function countDecisions(db: Db): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(decisions);
  return row.n;
}

// ---- API keys ----

/** `trusted-evidence`: a score key that may also send behavioural features computed elsewhere (a partner bank). */
export const KEY_SCOPES = ['admin', 'score', 'widget', 'trusted-evidence'] as const;
export type KeyScope = (typeof KEY_SCOPES)[number];

export interface ApiKey {
  id: number;
  name: string;
  scope: KeyScope;
  allowedOrigins: string[];
  ratePerMinute: number;
  prefix: string;
  revokedAt: Date | null;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Keys look like `lw_<prefix>_<secret>`; only the prefix and a SHA-256 of the whole key are kept. */
export function parseKey(key: string): { prefix: string } | undefined {
  const m = /^lw_([a-z0-9]{10})_([A-Za-z0-9_-]{32,})$/.exec(key);
  return m ? { prefix: m[1] } : undefined;
}

export interface NewKey {
  name: string;
  scope: KeyScope;
  allowedOrigins?: string[];
  ratePerMinute?: number;
}

export async function createKey(db: Db, input: NewKey, actor: string): Promise<{ key: string; record: ApiKey }> {
  const prefix = randomBytes(8).toString('hex').slice(0, 10);
  const key = `lw_${prefix}_${randomBytes(24).toString('base64url')}`;
  const ratePerMinute = input.ratePerMinute ?? (input.scope === 'widget' ? WIDGET_RATE_PER_MINUTE : KEY_RATE_PER_MINUTE);
  const [row] = await db
    .insert(apiKeys)
    .values({ prefix, hash: sha256(key), name: input.name, scope: input.scope, allowedOrigins: input.allowedOrigins ?? [], ratePerMinute })
    .returning();
  await audit(db, {
    actor,
    action: 'key.create',
    subject: String(row.id),
    detail: { name: input.name, scope: input.scope, allowedOrigins: row.allowedOrigins, ratePerMinute },
  });
  return { key, record: toApiKey(row) };
}

function toApiKey(row: typeof apiKeys.$inferSelect): ApiKey {
  return {
    id: row.id,
    name: row.name,
    scope: row.scope,
    allowedOrigins: row.allowedOrigins,
    ratePerMinute: row.ratePerMinute,
    prefix: row.prefix,
    revokedAt: row.revokedAt,
  };
}

/** The active key matching `key`, or undefined (unknown, wrong secret or revoked). */
export async function verifyKey(db: Db, key: string): Promise<ApiKey | undefined> {
  const parsed = parseKey(key);
  if (!parsed) return undefined;
  const [row] = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.prefix, parsed.prefix), isNull(apiKeys.revokedAt)))
    .limit(1);
  if (!row) return undefined;
  const a = Buffer.from(row.hash, 'hex');
  const b = Buffer.from(sha256(key), 'hex');
  return a.length === b.length && timingSafeEqual(a, b) ? toApiKey(row) : undefined;
}

export async function revokeKey(db: Db, id: number, actor: string): Promise<boolean> {
  const rows = await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning();
  if (rows.length > 0) await audit(db, { actor, action: 'key.revoke', subject: String(id) });
  return rows.length > 0;
}

export async function listKeys(db: Db): Promise<ApiKey[]> {
  return (await db.select().from(apiKeys).orderBy(apiKeys.id)).map(toApiKey);
}

export async function auditEntries(db: Db, limit = 100) {
  return db.select().from(auditLog).orderBy(desc(auditLog.id)).limit(limit);
}
