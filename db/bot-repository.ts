import { and, desc, eq, gte, inArray, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from './client.ts';
import { rowsOf } from './rows.ts';
import { applications, auditLog, botAdmins, conversations, decisions, telegramUpdates } from './schema.ts';

/** What the Telegram bot reads and writes beyond the shared application/decision tables. */

export async function readConversation(db: Db, key: string): Promise<unknown | undefined> {
  const [row] = await db.select({ state: conversations.state }).from(conversations).where(eq(conversations.key, key));
  return row?.state;
}

export async function writeConversation(db: Db, key: string, state: unknown): Promise<void> {
  await db
    .insert(conversations)
    .values({ key, state })
    .onConflictDoUpdate({ target: conversations.key, set: { state, updatedAt: new Date() } });
}

export async function deleteConversation(db: Db, key: string): Promise<void> {
  await db.delete(conversations).where(eq(conversations.key, key));
}

/** Handled updates are remembered (as keys, without their content) this long: Telegram re-sends for at most a day. */
export const UPDATE_MEMORY_DAYS = 7;

/** An update claimed for handling: its JSON as stored, and how many claims it has had (this one included). */
export interface ClaimedUpdate {
  updateId: number;
  payload: string;
  attempts: number;
}

/** The chat an update belongs to (a message's chat, a pressed button's message's chat), else its sender. */
export function chatOfUpdate(update: Record<string, unknown>): number | undefined {
  for (const value of Object.values(update)) {
    if (value === null || typeof value !== 'object') continue;
    const v = value as { chat?: { id?: unknown }; message?: { chat?: { id?: unknown } }; from?: { id?: unknown } };
    const id = v.chat?.id ?? v.message?.chat?.id ?? v.from?.id;
    if (typeof id === 'number' && Number.isSafeInteger(id)) return id;
  }
  return undefined;
}

/**
 * Stores an update in the queue, committed when this resolves; false when the bot already has this
 * update id (queued, being handled or handled: a re-sent update is a no-op).
 *
 * @example if (await enqueueUpdate(db, 123456, update)) worker.kick();
 */
export async function enqueueUpdate(db: Db, botId: number, update: { update_id: number } & Record<string, unknown>): Promise<boolean> {
  const rows = await db
    .insert(telegramUpdates)
    .values({ botId, updateId: update.update_id, chatId: chatOfUpdate(update) ?? null, payload: JSON.stringify(update) })
    .onConflictDoNothing()
    .returning({ updateId: telegramUpdates.updateId });
  return rows.length > 0;
}

/**
 * Claims the bot's oldest update that may be handled now: queued (and past its retry time), or held
 * by a worker whose lease ran out (its process died). A chat's update waits while an older one of the
 * same chat is open, so each chat is answered in order. SKIP LOCKED lets concurrent workers on
 * PostgreSQL pass each other's candidates; PGlite has one connection, where it changes nothing.
 *
 * @example const next = await claimNextUpdate(db, 123456, 'worker-1', 30_000);
 */
export async function claimNextUpdate(db: Db, botId: number, owner: string, leaseMs: number): Promise<ClaimedUpdate | undefined> {
  const t = telegramUpdates;
  const rows = rowsOf<{ update_id: number | string; payload: string; attempts: number }>(
    await db.execute(sql`
      update ${t} set status = 'working', claimed_by = ${owner}, claimed_at = now(), attempts = ${t.attempts} + 1, not_before = null
      where (${t.botId}, ${t.updateId}) = (
        select q.bot_id, q.update_id from ${t} q
        where q.bot_id = ${botId}
          and ((q.status = 'queued' and (q.not_before is null or q.not_before <= now()))
            or (q.status = 'working' and q.claimed_at < now() - make_interval(secs => ${leaseMs / 1000})))
          and not exists (
            select 1 from ${t} p
            where p.bot_id = q.bot_id and p.chat_id = q.chat_id and p.update_id < q.update_id and p.status in ('queued', 'working'))
        order by q.update_id
        limit 1
        for update skip locked)
      returning ${t.updateId}, ${t.payload}, ${t.attempts}`),
  );
  const row = rows[0];
  return row && row.payload !== null ? { updateId: Number(row.update_id), payload: row.payload, attempts: Number(row.attempts) } : undefined;
}

/** Renews the claims this worker holds (its lease), so that a long handling is not taken for a dead one. */
export async function renewClaims(db: Db, botId: number, owner: string, updateIds: number[]): Promise<void> {
  if (updateIds.length === 0) return;
  await db
    .update(telegramUpdates)
    .set({ claimedAt: sql`now()` })
    .where(
      and(
        eq(telegramUpdates.botId, botId),
        inArray(telegramUpdates.updateId, updateIds),
        eq(telegramUpdates.claimedBy, owner),
        eq(telegramUpdates.status, 'working'),
      ),
    );
}

/**
 * Ends a claim: `done` (handled and committed: the content is dropped, the key kept as dedupe memory),
 * `failed` (set aside after too many attempts), or `retry` (queued again, not before `retryAt`).
 * Only the claim's holder can end it; false when it no longer holds it.
 */
export async function finishUpdate(
  db: Db,
  botId: number,
  updateId: number,
  owner: string,
  outcome: { status: 'done' | 'failed' } | { status: 'retry'; retryAt: Date },
): Promise<boolean> {
  const set =
    outcome.status === 'retry'
      ? { status: 'queued' as const, claimedBy: null, claimedAt: null, notBefore: outcome.retryAt }
      : { status: outcome.status, payload: null, finishedAt: sql`now()` };
  const rows = await db
    .update(telegramUpdates)
    .set(set)
    .where(
      and(
        eq(telegramUpdates.botId, botId),
        eq(telegramUpdates.updateId, updateId),
        eq(telegramUpdates.claimedBy, owner),
        eq(telegramUpdates.status, 'working'),
      ),
    )
    .returning({ updateId: telegramUpdates.updateId });
  return rows.length > 0;
}

/** Where an update is: undefined when the bot never received it. */
export async function updateStatus(db: Db, botId: number, updateId: number): Promise<'queued' | 'working' | 'done' | 'failed' | undefined> {
  const [row] = await db
    .select({ status: telegramUpdates.status })
    .from(telegramUpdates)
    .where(and(eq(telegramUpdates.botId, botId), eq(telegramUpdates.updateId, updateId)));
  return row?.status;
}

/**
 * Returns every claim to the queue at once. Only for a process that knows no other can hold one:
 * the embedded database's lock file admits one process, so at its start-up every claim is a dead one's.
 */
export async function releaseAllClaims(db: Db, botId: number): Promise<number> {
  const rows = await db
    .update(telegramUpdates)
    .set({ status: 'queued', claimedBy: null, claimedAt: null })
    .where(and(eq(telegramUpdates.botId, botId), eq(telegramUpdates.status, 'working')))
    .returning({ updateId: telegramUpdates.updateId });
  return rows.length;
}

/** Forgets handled (and failed) updates older than UPDATE_MEMORY_DAYS; returns how many. */
export async function pruneUpdates(db: Db, now = new Date()): Promise<number> {
  const rows = await db
    .delete(telegramUpdates)
    .where(and(inArray(telegramUpdates.status, ['done', 'failed']), lt(telegramUpdates.finishedAt, new Date(now.getTime() - UPDATE_MEMORY_DAYS * 86_400_000))))
    .returning({ updateId: telegramUpdates.updateId });
  return rows.length;
}

export async function isBotAdmin(db: Db, telegramUserId: number): Promise<boolean> {
  const [row] = await db.select().from(botAdmins).where(eq(botAdmins.telegramUserId, telegramUserId));
  return row !== undefined;
}

export async function addBotAdmin(db: Db, telegramUserId: number, addedBy: string): Promise<void> {
  await db.insert(botAdmins).values({ telegramUserId, addedBy }).onConflictDoNothing();
  await db.insert(auditLog).values({ actor: addedBy, action: 'bot.admin.add', subject: String(telegramUserId) });
}

export async function removeBotAdmin(db: Db, telegramUserId: number, removedBy: string): Promise<boolean> {
  const rows = await db.delete(botAdmins).where(eq(botAdmins.telegramUserId, telegramUserId)).returning();
  if (rows.length) await db.insert(auditLog).values({ actor: removedBy, action: 'bot.admin.remove', subject: String(telegramUserId) });
  return rows.length > 0;
}

export async function listBotAdmins(db: Db) {
  return db.select().from(botAdmins).orderBy(botAdmins.telegramUserId);
}

/** Users once removed as bot admins (from the audit log) and not admins again: their command menus are reset. */
export async function formerBotAdmins(db: Db): Promise<number[]> {
  const rows = await db
    .selectDistinct({ subject: auditLog.subject })
    .from(auditLog)
    .where(
      and(eq(auditLog.action, 'bot.admin.remove'), sql`not exists (select 1 from ${botAdmins} where ${botAdmins.telegramUserId}::text = ${auditLog.subject})`),
    );
  return rows.map((r) => Number(r.subject)).filter((id) => Number.isSafeInteger(id) && id > 0);
}

/** Deletes a person's applications (their decisions cascade); returns how many. */
export async function forgetSubject(db: Db, subject: string): Promise<number> {
  const rows = await db.delete(applications).where(eq(applications.subject, subject)).returning({ id: applications.id });
  return rows.length;
}

export async function latestDecisionFor(db: Db, subject: string) {
  const [row] = await db
    .select({
      applicationId: applications.id,
      createdAt: decisions.createdAt,
      decision: decisions.decision,
      score: decisions.score,
      pd: decisions.pd,
      reviewedDecision: decisions.reviewedDecision,
    })
    .from(applications)
    .innerJoin(decisions, eq(decisions.applicationId, applications.id))
    .where(eq(applications.subject, subject))
    .orderBy(desc(decisions.id))
    .limit(1);
  return row;
}

export interface Stats {
  applications: number;
  approved: number;
  approvalRate: number;
  averagePd: number;
}

export async function decisionStats(db: Db, since?: Date): Promise<Stats> {
  const [row] = await db
    .select({
      n: sql<number>`count(*)::int`,
      approved: sql<number>`count(*) filter (where coalesce(${decisions.reviewedDecision}, ${decisions.decision}) = 'approve')::int`,
      averagePd: sql<number>`coalesce(avg(${decisions.pd}), 0)::float8`,
    })
    .from(decisions)
    .where(since ? gte(decisions.createdAt, since) : undefined);
  return { applications: row.n, approved: row.approved, approvalRate: row.n ? row.approved / row.n : 0, averagePd: row.averagePd };
}

/** The oldest referred decision nobody has reviewed yet (a superseded application is no longer open). */
export async function nextReferral(db: Db) {
  const [row] = await db
    .select({
      decisionId: decisions.id,
      applicationId: decisions.applicationId,
      pd: decisions.pd,
      score: decisions.score,
      reasons: decisions.reasons,
      offer: decisions.offer,
      applicant: applications.applicant,
      createdAt: decisions.createdAt,
    })
    .from(decisions)
    .innerJoin(applications, eq(applications.id, decisions.applicationId))
    .where(and(eq(decisions.decision, 'refer'), isNull(decisions.reviewedDecision), eq(applications.status, 'live')))
    .orderBy(decisions.id)
    .limit(1);
  return row;
}

export async function reviewDecision(db: Db, decisionId: number, reviewer: string, outcome: 'approve' | 'decline'): Promise<boolean> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .update(decisions)
      .set({ reviewedBy: reviewer, reviewedDecision: outcome })
      .where(
        and(
          eq(decisions.id, decisionId),
          eq(decisions.decision, 'refer'),
          isNull(decisions.reviewedDecision),
          // A referral whose counter-offer was accepted is closed: approving it would book a second loan.
          sql`exists (select 1 from ${applications} where ${applications.id} = ${decisions.applicationId} and ${applications.status} = 'live')`,
        ),
      )
      .returning({ id: decisions.id });
    if (rows.length === 0) return false;
    await tx.insert(auditLog).values({ actor: reviewer, action: `review.${outcome}`, subject: String(decisionId) });
    return true;
  });
}

export async function decisionsForExport(db: Db) {
  return db
    .select({
      applicationId: applications.id,
      createdAt: decisions.createdAt,
      channel: applications.channel,
      decision: decisions.decision,
      reviewedDecision: decisions.reviewedDecision,
      reviewedBy: decisions.reviewedBy,
      pd: decisions.pd,
      score: decisions.score,
      riskBand: decisions.riskBand,
      modelVersion: decisions.modelVersion,
      policyVersion: decisions.policyVersion,
    })
    .from(decisions)
    .innerJoin(applications, eq(applications.id, decisions.applicationId))
    .orderBy(decisions.id);
}
