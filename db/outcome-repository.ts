import { and, asc, eq, gte, lt, sql } from 'drizzle-orm';
import { type Outcome, type OutcomeInput, utcDay } from '../src/app/outcomes.ts';
import type { Db } from './client.ts';
import { applications, auditLog, decisions, outcomes } from './schema.ts';

/**
 * Loan outcomes: recorded one application at a time (the API and the CSV import both come here),
 * every new or changed outcome with an audit entry; and read back beside the decisions they judge,
 * for the models' live performance, monitoring and the SGD lending policy.
 */

export interface StoredOutcome {
  applicationId: string;
  outcome: Outcome;
  at: string;
  recordedBy: string;
  recordedAt: Date;
}

export type OutcomeResult =
  | { kind: 'recorded' | 'updated' | 'unchanged'; outcome: StoredOutcome; previous?: { outcome: Outcome; at: string } }
  | { kind: 'refused'; status: 400 | 404 | 409; reason: string };

const refused = (status: 400 | 404 | 409, reason: string): OutcomeResult => ({ kind: 'refused', status, reason });

export interface RecordOptions {
  /** Only an application made with this API key (a non-admin key's own applications). */
  apiKeyId?: number;
  /** Where it came from, for the audit entry: `api`, `csv:<file>`. */
  source?: string;
  now?: Date;
}

/**
 * Records (or corrects) how a loan ended. Sending the same outcome again changes nothing
 * (`unchanged`, no audit entry); a different outcome or date replaces it, audited with the previous one.
 * Refused, in plain words: an unknown application (or another key's), one replaced by its accepted
 * counter-offer, a declined one (no loan was made), a date before the decision or in the future.
 */
export async function recordOutcome(db: Db, input: OutcomeInput, actor: string, options: RecordOptions = {}): Promise<OutcomeResult> {
  const today = utcDay(options.now ?? new Date());
  return db.transaction(async (tx) => {
    const [app] = await tx
      .select({ id: applications.id, apiKeyId: applications.apiKeyId, status: applications.status, supersededBy: applications.supersededBy })
      .from(applications)
      .where(eq(applications.id, input.applicationId))
      .for('update');
    if (!app || (options.apiKeyId !== undefined && app.apiKeyId !== options.apiKeyId))
      return refused(404, options.apiKeyId !== undefined ? 'no application with this id was made with your key' : 'no application with this id');
    if (app.status === 'superseded')
      return refused(
        409,
        `this application was replaced by its accepted counter-offer${app.supersededBy ? ` (application ${app.supersededBy})` : ''}: record the outcome there`,
      );
    const [decision] = await tx
      .select({ decision: decisions.decision, reviewed: decisions.reviewedDecision, createdAt: decisions.createdAt })
      .from(decisions)
      .where(eq(decisions.applicationId, app.id));
    if (!decision) return refused(404, 'this application has no decision');
    if ((decision.reviewed ?? decision.decision) === 'decline')
      return refused(409, 'this application was declined, so no loan was made and there is no outcome to record');
    const [existing] = await tx.select().from(outcomes).where(eq(outcomes.applicationId, app.id));
    const at = input.at ?? existing?.at ?? today;
    const decidedOn = utcDay(decision.createdAt);
    if (at > today) return refused(400, `the date ${at} is in the future (today is ${today})`);
    if (at < decidedOn) return refused(400, `the date ${at} is before the application was decided (${decidedOn})`);
    if (existing && existing.outcome === input.outcome && existing.at === at) return { kind: 'unchanged', outcome: existing };
    const [stored] = await tx
      .insert(outcomes)
      .values({ applicationId: app.id, outcome: input.outcome, at, recordedBy: actor })
      .onConflictDoUpdate({ target: outcomes.applicationId, set: { outcome: input.outcome, at, recordedBy: actor, recordedAt: new Date() } })
      .returning();
    const previous = existing ? { outcome: existing.outcome, at: existing.at } : undefined;
    await tx.insert(auditLog).values({
      actor,
      action: existing ? 'outcome.update' : 'outcome.record',
      subject: app.id,
      detail: { outcome: input.outcome, at, ...(previous ? { previous } : {}), ...(options.source ? { source: options.source } : {}) },
    });
    return { kind: existing ? 'updated' : 'recorded', outcome: stored, ...(previous ? { previous } : {}) };
  });
}

export async function getOutcome(db: Db, applicationId: string): Promise<StoredOutcome | undefined> {
  const [row] = await db.select().from(outcomes).where(eq(outcomes.applicationId, applicationId));
  return row;
}

/** A decision whose loan has an outcome: what monitoring and the SGD lending policy learn from. */
export interface OutcomeRow {
  applicationId: string;
  decidedAt: Date;
  /** The version that made the decision, and what it said. */
  modelVersion: string;
  policyVersion: number;
  pd: number;
  score: number;
  /** The model's decision; `finalDecision` is a reviewer's when one overrode it. */
  decision: 'approve' | 'refer' | 'decline';
  finalDecision: 'approve' | 'refer' | 'decline';
  /** The loan as offered (null when nothing was priced: a referral above the maximum APR). */
  amount: number | null;
  termMonths: number | null;
  apr: number | null;
  purpose: string | null;
  outcome: Outcome;
  /** 1 when the loan defaulted. */
  bad: 0 | 1;
  /** The day it was repaid or defaulted (YYYY-MM-DD). */
  outcomeAt: string;
}

/**
 * Decisions with a recorded outcome, oldest decision first (the order the loans were made), with the
 * PD and decision behind each: `since`/`until` bound the decision time, `modelVersion` the version
 * that decided.
 *
 * @example const rows = await outcomeRows(db, { since: new Date('2025-01-01') }); // [{ pd: 0.08, decision: 'approve', outcome: 'repaid', outcomeAt: '2026-01-31', … }]
 */
export async function outcomeRows(db: Db, filter: { since?: Date; until?: Date; modelVersion?: string } = {}): Promise<OutcomeRow[]> {
  const where = and(
    filter.since ? gte(decisions.createdAt, filter.since) : undefined,
    filter.until ? lt(decisions.createdAt, filter.until) : undefined,
    filter.modelVersion ? eq(decisions.modelVersion, filter.modelVersion) : undefined,
  );
  const rows = await db
    .select({
      applicationId: decisions.applicationId,
      decidedAt: decisions.createdAt,
      modelVersion: decisions.modelVersion,
      policyVersion: decisions.policyVersion,
      pd: decisions.pd,
      score: decisions.score,
      decision: decisions.decision,
      reviewedDecision: decisions.reviewedDecision,
      amount: decisions.amount,
      termMonths: decisions.termMonths,
      apr: decisions.apr,
      purpose: decisions.purpose,
      outcome: outcomes.outcome,
      outcomeAt: outcomes.at,
    })
    .from(outcomes)
    .innerJoin(decisions, eq(decisions.applicationId, outcomes.applicationId))
    .where(where)
    .orderBy(asc(decisions.createdAt), asc(decisions.id));
  return rows.map(({ reviewedDecision, ...r }) => ({
    ...r,
    finalDecision: (reviewedDecision ?? r.decision) as OutcomeRow['finalDecision'],
    bad: r.outcome === 'defaulted' ? 1 : 0,
  }));
}

/** How many outcomes are recorded, and how many of them defaulted. */
export async function outcomeCounts(db: Db): Promise<{ outcomes: number; defaulted: number }> {
  const [row] = await db
    .select({ outcomes: sql<number>`count(*)::int`, defaulted: sql<number>`count(*) filter (where ${outcomes.outcome} = 'defaulted')::int` })
    .from(outcomes);
  return row;
}
