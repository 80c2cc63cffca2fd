import type { Applicant } from '../applicant/schema.ts';
import type { BehaviourFeatures } from '../features/behaviour.ts';
import type { Assessment, ShadowAssessment } from '../scoring/assess.ts';
import type { PolicyVersion } from '../scoring/policy.ts';
import type { Deadline } from './deadline.ts';

/**
 * What the decision service needs from storage, as an interface the database adapter implements:
 * the application layer never imports the database.
 */

export type Channel = 'api' | 'widget' | 'bot';

/** Who is asking, as the adapter established it. */
export interface Caller {
  /** `key:<id>`, `widget:<origin>` or a chat subject: idempotency keys and statements are bound to it. */
  owner: string;
  channel: Channel;
  apiKeyId?: number;
  /** Channel-side subject (a Telegram user), so a person can have their data deleted. */
  subject?: string;
  /** Granted by an admin (`trusted-evidence` keys): may send behavioural features computed elsewhere. */
  trustedEvidence: boolean;
}

export interface DecisionRecord {
  applicant: Applicant;
  caller: Caller;
  assessment: Assessment;
  policyVersion: number;
  idempotencyKey?: string;
  /** The application whose counter-offer this one accepts. */
  supersedes?: string;
  /** The challenger's shadow scores: stored with the decision (same transaction), never part of it. */
  shadow?: ShadowAssessment[];
}

/** The versions in their roles, as the database says (null: none has that role yet). */
export interface ActiveModelVersions {
  champion: string | null;
  challenger: string | null;
}

export interface StoredDecision {
  applicationId: string;
  owner: string | null;
  applicant: Applicant;
  assessment: Assessment;
  policyVersion: number;
  status: 'live' | 'superseded';
  supersededBy: string | null;
}

export interface StatementRecord {
  id: string;
  owner: string;
  sha256: string;
  features: BehaviourFeatures;
  transactions: number;
  asOf: string;
  expiresAt: Date;
}

export type SupersedeResult = { kind: 'accepted'; id: string } | { kind: 'already'; id: string | null };

export interface DecisionStore {
  currentPolicy(): Promise<PolicyVersion>;
  /** Which version decides and which scores in shadow; absent: the service's own model decides, alone. */
  activeModels?(): Promise<ActiveModelVersions>;
  /** Stores an application and its decision; `duplicate` when the owner already used this idempotency key. */
  /** `deadline`: commit only if the request has not been answered already (else reject with DeadlinePassed). */
  write(record: DecisionRecord, deadline?: Deadline): Promise<{ kind: 'stored'; id: string } | { kind: 'duplicate' }>;
  byIdempotencyKey(owner: string, key: string): Promise<StoredDecision | undefined>;
  get(applicationId: string): Promise<StoredDecision | undefined>;
  /** In one transaction: marks `originalId` superseded (if still live) and stores `record` in its place. */
  supersede(originalId: string, record: DecisionRecord): Promise<SupersedeResult>;
  saveStatement(statement: StatementRecord): Promise<void>;
  /** The caller's statement, if it has not expired. */
  statement(id: string, owner: string, now: Date): Promise<StatementRecord | undefined>;
}
