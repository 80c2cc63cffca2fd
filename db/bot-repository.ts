import { and, desc, eq, gte, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from './client.ts';
import { applications, auditLog, botAdmins, conversations, decisions, processedUpdates } from './schema.ts';

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

/** Telegram re-delivers for at most a day; ids older than this are pruned now and then. */
export const UPDATE_MEMORY_DAYS = 7;

/** Records an update id; false when it was already processed (a re-delivery). */
export async function claimUpdate(db: Db, updateId: number): Promise<boolean> {
  const rows = await db.insert(processedUpdates).values({ updateId }).onConflictDoNothing().returning();
  if (rows.length > 0 && updateId % 1000 === 0) {
    await db.delete(processedUpdates).where(lt(processedUpdates.processedAt, new Date(Date.now() - UPDATE_MEMORY_DAYS * 86_400_000)));
  }
  return rows.length > 0;
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
