import { sql } from 'drizzle-orm';
import type { RateCard } from '../src/scoring/policy.ts';
import {
  bigint,
  boolean,
  bigserial,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * Lendwise's tables. Applications keep the applicant's answers only (no names or addresses are
 * asked for); every decision records the model and policy versions it was made under.
 */

export const MODEL_ROLES = ['champion', 'challenger', 'retired'] as const;

/**
 * Model versions and their role, which every process reads (through a short cache) to know which
 * version decides (the champion: one at most) and which one scores in shadow (the challenger: one
 * at most). The manifest only seeds the roles at a database's first start.
 */
export const modelVersions = pgTable(
  'model_versions',
  {
    version: text('version').primaryKey(),
    kind: text('kind').notNull(),
    metrics: jsonb('metrics').notNull(),
    registeredAt: timestamp('registered_at', { withTimezone: true }).notNull().defaultNow(),
    role: text('role', { enum: MODEL_ROLES }).notNull().default('retired'),
    /** When the version took its present role. */
    roleSince: timestamp('role_since', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('model_versions_champion_idx').on(t.role).where(sql`${t.role} = 'champion'`),
    uniqueIndex('model_versions_challenger_idx').on(t.role).where(sql`${t.role} = 'challenger'`),
  ],
);

/**
 * Every change of the champion or the challenger, with who made it: a rollback undoes the newest
 * promotion not undone yet (`undoneBy`), so rollbacks walk back through the promotions in order.
 */
export const modelRoleChanges = pgTable('model_role_changes', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  action: text('action', { enum: ['seed', 'promote', 'rollback', 'challenger', 'retire'] }).notNull(),
  /** The version the action was about. */
  version: text('version')
    .notNull()
    .references(() => modelVersions.version),
  champion: text('champion').notNull(),
  challenger: text('challenger'),
  previousChampion: text('previous_champion'),
  previousChallenger: text('previous_challenger'),
  actor: text('actor').notNull(),
  at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  /** For a promotion: the rollback that undid it. */
  undoneBy: bigint('undone_by', { mode: 'number' }),
});

/** Decision policies are append-only versions; the highest version is in force. */
export const policies = pgTable('policies', {
  version: serial('version').primaryKey(),
  approveBelow: doublePrecision('approve_below').notNull(),
  declineAtOrAbove: doublePrecision('decline_at_or_above').notNull(),
  lossGivenDefault: doublePrecision('loss_given_default').notNull(),
  fundingCost: doublePrecision('funding_cost').notNull(),
  targetMargin: doublePrecision('target_margin').notNull(),
  maxApr: doublePrecision('max_apr').notNull(),
  /** APR by risk band (A–E); earlier versions get the seed card. */
  rateCard: jsonb('rate_card').$type<RateCard>().notNull().default(sql`'{"A":0.0493,"B":0.0744,"C":0.0995,"D":0.1325,"E":0.1669}'::jsonb`),
  storeRawTransactions: boolean('store_raw_transactions').notNull().default(false),
  /** Drift monitoring: PSI thresholds (watch, act) and the least weekly volume; earlier versions get the defaults. */
  driftWatchPsi: doublePrecision('drift_watch_psi').notNull().default(0.1),
  driftActPsi: doublePrecision('drift_act_psi').notNull().default(0.25),
  driftMinApplications: integer('drift_min_applications').notNull().default(300),
  createdBy: text('created_by').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const apiKeys = pgTable('api_keys', {
  id: serial('id').primaryKey(),
  /** The public part of the key, used to find it; the secret is only stored as a hash. */
  prefix: text('prefix').notNull().unique(),
  hash: text('hash').notNull(),
  name: text('name').notNull(),
  scope: text('scope', { enum: ['admin', 'score', 'widget', 'trusted-evidence'] }).notNull(),
  allowedOrigins: jsonb('allowed_origins').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
  ratePerMinute: integer('rate_per_minute').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
});

export const applications = pgTable(
  'applications',
  {
    id: uuid('id').primaryKey(),
    channel: text('channel', { enum: ['api', 'widget', 'bot'] }).notNull(),
    apiKeyId: integer('api_key_id').references(() => apiKeys.id),
    /** Telegram chat or other channel-side subject, so a person can ask for their data to be deleted. */
    subject: text('subject'),
    applicant: jsonb('applicant').notNull(),
    /** Who asked: `key:<id>`, `widget` or the chat subject; idempotency keys and statements are bound to it. */
    owner: text('owner'),
    /** The client's Idempotency-Key: a retry with the same key gets the stored answer, never a second decision. */
    idempotencyKey: text('idempotency_key'),
    /** `live`, or `superseded` once its counter-offer was accepted (then out of review and out of the book). */
    status: text('status', { enum: ['live', 'superseded'] })
      .notNull()
      .default('live'),
    /** The application that replaced this one (its accepted counter-offer). */
    supersededBy: uuid('superseded_by'),
    /** The application whose counter-offer this one accepts. */
    supersedes: uuid('supersedes'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('applications_subject_idx').on(t.subject),
    index('applications_created_idx').on(t.createdAt),
    uniqueIndex('applications_idempotency_idx').on(t.owner, t.idempotencyKey),
    // One acceptance per counter-offer, whatever the timing of two presses.
    uniqueIndex('applications_supersedes_idx').on(t.supersedes),
  ],
);

/**
 * Bank statements the server parsed itself: only their behavioural features and hash, bound to the
 * caller that sent them and kept for a short while, so a decision can use evidence the server vouches for.
 */
export const statements = pgTable(
  'statements',
  {
    id: uuid('id').primaryKey(),
    owner: text('owner').notNull(),
    sha256: text('sha256').notNull(),
    features: jsonb('features').notNull(),
    transactions: integer('transactions').notNull(),
    asOf: text('as_of').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('statements_expires_idx').on(t.expiresAt)],
);

export const decisions = pgTable(
  'decisions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    applicationId: uuid('application_id')
      .notNull()
      .references(() => applications.id, { onDelete: 'cascade' }),
    pd: doublePrecision('pd').notNull(),
    score: integer('score').notNull(),
    riskBand: text('risk_band').notNull(),
    decision: text('decision', { enum: ['approve', 'refer', 'decline'] }).notNull(),
    reasons: jsonb('reasons').notNull(),
    offer: jsonb('offer').notNull(),
    /** Bank-account evidence used (features' effect, not the transactions), or null. */
    behaviour: jsonb('behaviour'),
    thinFile: boolean('thin_file').notNull().default(false),
    notices: jsonb('notices').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    modelVersion: text('model_version')
      .notNull()
      .references(() => modelVersions.version),
    policyVersion: integer('policy_version')
      .notNull()
      .references(() => policies.version),
    /** Set when a person overrides a referred decision (who and what). */
    reviewedBy: text('reviewed_by'),
    reviewedDecision: text('reviewed_decision'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    // The book's columns, copied from the offer and the answers when written: the portfolio's SQL
    // aggregates then read this one table, without JSON or a join (1,000,000 loans in well under a second).
    purpose: text('purpose'),
    amount: doublePrecision('amount'),
    termMonths: integer('term_months'),
    apr: doublePrecision('apr'),
    /** False once the application's counter-offer was accepted: that loan is the new application's. */
    live: boolean('live').notNull().default(true),
  },
  // One decision per application (a review changes it in place; a counter-offer is a new application).
  (t) => [
    uniqueIndex('decisions_application_idx').on(t.applicationId),
    index('decisions_created_idx').on(t.createdAt),
    // The few decisions out of the book, counted for the book's version.
    index('decisions_retired_idx').on(t.live).where(sql`not ${t.live}`),
  ],
);

/**
 * What the challenger (a model version in shadow) would have said about a live application: its PD,
 * score and the decision it would have made under the same policy. Written in the decision's own
 * transaction, never shown to the applicant and never used for the decision.
 */
export const shadowScores = pgTable(
  'shadow_scores',
  {
    applicationId: uuid('application_id')
      .notNull()
      .references(() => applications.id, { onDelete: 'cascade' }),
    modelVersion: text('model_version')
      .notNull()
      .references(() => modelVersions.version),
    pd: doublePrecision('pd').notNull(),
    score: integer('score').notNull(),
    decision: text('decision', { enum: ['approve', 'refer', 'decline'] }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.applicationId, t.modelVersion] }), index('shadow_scores_version_idx').on(t.modelVersion)],
);

/**
 * How a loan ended: repaid or defaulted, and when. One per application (recording it again updates
 * it, with an audit entry); a declined or superseded application has none (no loan was made on it).
 */
export const outcomes = pgTable(
  'outcomes',
  {
    applicationId: uuid('application_id')
      .primaryKey()
      .references(() => applications.id, { onDelete: 'cascade' }),
    outcome: text('outcome', { enum: ['repaid', 'defaulted'] }).notNull(),
    /** The day the loan was repaid or defaulted (YYYY-MM-DD). */
    at: date('at', { mode: 'string' }).notNull(),
    recordedBy: text('recorded_by').notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('outcomes_at_idx').on(t.at)],
);

/**
 * Append-only: triggers refuse UPDATE, DELETE (migration 0001) and TRUNCATE (0009). Tamper-evident:
 * a trigger chains each row to the one written before it (`hash` = SHA-256 of the previous hash and
 * the row), so `npm run audit:verify` finds a changed, removed or inserted row.
 */
export const auditLog = pgTable('audit_log', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  actor: text('actor').notNull(),
  action: text('action').notNull(),
  subject: text('subject'),
  detail: jsonb('detail').notNull().default(sql`'{}'::jsonb`),
  /** Place in the chain (commit order, which id order need not be), the hash of the row before ('' for the first) and this row's: set by the trigger. */
  seq: bigint('seq', { mode: 'number' }),
  prevHash: text('prev_hash'),
  hash: text('hash'),
});

/** A chat's conversation with the bot (grammY session), so a restart resumes at the same question. */
export const conversations = pgTable('conversations', {
  key: text('key').primaryKey(),
  state: jsonb('state').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Telegram updates, per bot: the durable queue the webhook and the long poll write to before
 * Telegram is answered, and the memory that makes a re-sent update a no-op. A worker claims a row
 * (`working`, with a lease it renews), handles it, and marks it `done` only after the handling has
 * committed, so an update whose handler died with its process is handled again. One chat's updates
 * are handled in order, one at a time. Done rows lose their payload and are pruned after 7 days.
 */
export const telegramUpdates = pgTable(
  'telegram_updates',
  {
    /** The bot's id (the number before the colon in its token): update ids are only unique per bot. */
    botId: bigint('bot_id', { mode: 'number' }).notNull(),
    updateId: bigint('update_id', { mode: 'number' }).notNull(),
    /** The chat (or the user, for updates without one) it belongs to. */
    chatId: bigint('chat_id', { mode: 'number' }),
    /** The update's JSON as text (jsonb refuses the \u0000 a message may hold); cleared once handled. */
    payload: text('payload'),
    status: text('status', { enum: ['queued', 'working', 'done', 'failed'] })
      .notNull()
      .default('queued'),
    /** Claims so far: a crash or a failure counts, and a row past the limit is set aside as failed. */
    attempts: integer('attempts').notNull().default(0),
    /** The worker holding the claim, and when it last renewed it: older than the lease, another may take it. */
    claimedBy: text('claimed_by'),
    claimedAt: timestamp('claimed_at', { withTimezone: true }),
    /** After a failed attempt: not to be tried again before this. */
    notBefore: timestamp('not_before', { withTimezone: true }),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.botId, t.updateId] }),
    // The worker's question, "the oldest open update", reads only open rows.
    index('telegram_updates_open_idx').on(t.botId, t.updateId).where(sql`${t.status} in ('queued', 'working')`),
    index('telegram_updates_finished_idx').on(t.finishedAt),
  ],
);

/** Telegram users allowed to run the lender's admin commands (besides BOT_ADMIN_IDS). */
export const botAdmins = pgTable('bot_admins', {
  telegramUserId: bigint('telegram_user_id', { mode: 'number' }).primaryKey(),
  addedBy: text('added_by').notNull(),
  addedAt: timestamp('added_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Macro-economic series (FRED observations), refreshed on a schedule; one row per series and date. */
export const macroObservations = pgTable(
  'macro_observations',
  {
    seriesId: text('series_id').notNull(),
    date: text('date').notNull(),
    value: doublePrecision('value').notNull(),
    fetchedAt: timestamp('fetched_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.seriesId, t.date] })],
);

/**
 * Portfolio computations (risk, frontier, optimisation) run as jobs off the request thread. A job's
 * result is kept with the book version it was computed on (the last decision and the last audited
 * action), so the same question on an unchanged book is answered from here.
 */
export const portfolioJobs = pgTable(
  'portfolio_jobs',
  {
    id: uuid('id').primaryKey(),
    kind: text('kind', { enum: ['risk', 'frontier', 'optimise'] }).notNull(),
    params: jsonb('params').notNull(),
    bookVersion: text('book_version').notNull(),
    /** kind + params + book version + policy version, hashed: equal keys give equal results. */
    cacheKey: text('cache_key').notNull(),
    /** refused: the book and constraints admit no answer (the error says why), not a fault. */
    status: text('status', { enum: ['queued', 'running', 'done', 'refused', 'failed', 'cancelled'] }).notNull(),
    /** Share of the work done, 0 to 1. */
    progress: doublePrecision('progress').notNull().default(0),
    result: jsonb('result'),
    error: text('error'),
    requestedBy: text('requested_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    deadlineAt: timestamp('deadline_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('portfolio_jobs_cache_idx').on(t.cacheKey, t.createdAt)],
);
