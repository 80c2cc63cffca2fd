import { and, desc, eq, gt } from 'drizzle-orm';
import type { Applicant } from '../src/applicant/schema.ts';
import type { BehaviourFeatures } from '../src/features/behaviour.ts';
import type { DecisionRecord, DecisionStore, StatementRecord, StoredDecision } from '../src/app/ports.ts';
import type { Db } from './client.ts';
import { DecisionWriter, decisionRow, applicationRow, insertShadow, shadowRows } from './decision-writer.ts';
import { DeadlinePassed, type Deadline } from '../src/app/deadline.ts';
import { assessmentOf, currentPolicy } from './repository.ts';
import { activeModelVersions } from './model-repository.ts';
import { applications, decisions, statements } from './schema.ts';
import { randomUUID } from 'node:crypto';

/** The decision service's storage on PostgreSQL (or PGlite): one writer per process. */

const isUniqueViolation = (error: unknown): boolean => {
  for (let e = error as { code?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) if (e.code === '23505') return true;
  return false;
};

async function storedDecision(db: Db, where: ReturnType<typeof eq>): Promise<StoredDecision | undefined> {
  const [row] = await db
    .select()
    .from(applications)
    .innerJoin(decisions, eq(decisions.applicationId, applications.id))
    .where(where)
    .orderBy(desc(decisions.id))
    .limit(1);
  if (!row) return undefined;
  const a = row.applications;
  const d = row.decisions;
  const assessment = assessmentOf(d);

  return {
    applicationId: a.id,
    owner: a.owner,
    applicant: a.applicant as Applicant,
    assessment,
    policyVersion: d.policyVersion,
    status: a.status,
    supersededBy: a.supersededBy,
  };
}

/**
 * @example const service = decisionService({ model, store: databaseStore(db) });
 */
export function databaseStore(db: () => Db, options: { batchWrites?: boolean } = {}): DecisionStore {
  const writer = options.batchWrites === false ? undefined : new DecisionWriter(db);
  return {
    currentPolicy: () => currentPolicy(db()),

    activeModels: () => activeModelVersions(db()),

    async write(record: DecisionRecord, deadline?: Deadline) {
      // Keyed writes go alone: a duplicate key must not fail a whole group commit.
      if (writer && !record.idempotencyKey) return { kind: 'stored', id: await writer.write(record, deadline) };
      const id = randomUUID();
      try {
        await db().transaction(async (tx) => {
          await tx.insert(applications).values(applicationRow(id, record));
          await tx.insert(decisions).values(decisionRow(id, record));
          await insertShadow(tx, shadowRows(id, record));
          // Past the request's deadline it was answered 503: roll back rather than store it.
          if (deadline && !deadline.enterCommit()) throw new DeadlinePassed();
        });
        return { kind: 'stored', id };
      } catch (error) {
        if (record.idempotencyKey && isUniqueViolation(error)) return { kind: 'duplicate' };
        throw error;
      } finally {
        deadline?.leaveCommit();
      }
    },

    byIdempotencyKey: (owner, key) => storedDecision(db(), and(eq(applications.owner, owner), eq(applications.idempotencyKey, key))! as ReturnType<typeof eq>),

    get: (applicationId) => storedDecision(db(), eq(applications.id, applicationId)),

    async supersede(originalId, record) {
      const id = randomUUID();
      try {
        return await db().transaction(async (tx) => {
          const taken = await tx
            .update(applications)
            .set({ status: 'superseded', supersededBy: id })
            .where(and(eq(applications.id, originalId), eq(applications.status, 'live')))
            .returning({ id: applications.id });
          if (taken.length === 0) {
            const [row] = await tx.select({ by: applications.supersededBy }).from(applications).where(eq(applications.id, originalId));
            return { kind: 'already' as const, id: row?.by ?? null };
          }
          // The original's loan leaves the book: the new application carries the accepted one.
          await tx.update(decisions).set({ live: false }).where(eq(decisions.applicationId, originalId));
          await tx.insert(applications).values(applicationRow(id, record));
          await tx.insert(decisions).values(decisionRow(id, record));
          await insertShadow(tx, shadowRows(id, record));
          return { kind: 'accepted' as const, id };
        });
      } catch (error) {
        // Two acceptances at once: the unique index on `supersedes` let one through.
        if (!isUniqueViolation(error)) throw error;
        const [row] = await db().select({ by: applications.supersededBy }).from(applications).where(eq(applications.id, originalId));
        return { kind: 'already', id: row?.by ?? null };
      }
    },

    async saveStatement(s: StatementRecord) {
      await db()
        .insert(statements)
        .values({ id: s.id, owner: s.owner, sha256: s.sha256, features: s.features, transactions: s.transactions, asOf: s.asOf, expiresAt: s.expiresAt });
    },

    async statement(id, owner, now) {
      const [row] = await db()
        .select()
        .from(statements)
        .where(and(eq(statements.id, id), eq(statements.owner, owner), gt(statements.expiresAt, now)));
      return row
        ? {
            id: row.id,
            owner: row.owner,
            sha256: row.sha256,
            features: row.features as BehaviourFeatures,
            transactions: row.transactions,
            asOf: row.asOf,
            expiresAt: row.expiresAt,
          }
        : undefined;
    },
  };
}
