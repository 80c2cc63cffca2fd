import { randomUUID } from 'node:crypto';
import type { Applicant, FieldIssue } from '../applicant/schema.ts';
import { parseStatement, StatementError, type ColumnMap } from '../data/statement.ts';
import { BehaviourError, behaviourFeatures, type BehaviourFeatures } from '../features/behaviour.ts';
import type { LoadedModel } from '../model/model.ts';
import { assess, shadowAssess, type Assessment, type ShadowAssessment } from '../scoring/assess.ts';
import { reduceTransactions, sha256 } from '../scoring/evidence.ts';
import type { Policy, PolicyVersion } from '../scoring/policy.ts';
import type { Deadline } from './deadline.ts';
import { type ActiveModels, ModelRegistry } from './model-registry.ts';
import { PolicyCache } from './policy-cache.ts';
import type { Caller, DecisionStore, StoredDecision } from './ports.ts';

/**
 * The one decision service every channel calls (HTTP API, widget, Telegram bot, terminal chat,
 * Worker): intake, evidence the server can vouch for, policy, assessment, pricing, counter-offer
 * and storage. Adapters only translate their input into an `Applicant` and a `Caller`, and the
 * answer into their own output.
 */

/** A request the service refuses, with the field and the rule in plain words. */
export class DecisionRefused extends Error {
  override name = 'DecisionRefused';
  constructor(
    readonly status: 400 | 404 | 409,
    readonly issues: FieldIssue[],
  ) {
    super(issues.map((i) => `${i.field}: ${i.rule}`).join('; '));
  }
}

export interface DecisionAnswer {
  applicationId: string;
  assessment: Assessment;
  policyVersion: number;
  /** True when this is the stored answer to an earlier request with the same Idempotency-Key. */
  replayed: boolean;
}

export interface StatementAnswer {
  statementId: string;
  behaviour: BehaviourFeatures;
  statementSha256: string;
  transactions: number;
  asOf: string;
  expiresAt: string;
}

/** How long a parsed statement can be referred to by its id. */
export const STATEMENT_TTL_HOURS = 24;

const refused = (status: 400 | 404 | 409, field: string, rule: string) => new DecisionRefused(status, [{ field, rule }]);

const keyReused = () => refused(409, 'Idempotency-Key', 'was already used with a different application; use a new key for a new application');

/** The answers that make an application (bank evidence aside), to tell a retry from a different request. */
const core = ({ alternativeData: _, ...answers }: Applicant) => JSON.stringify(Object.entries(answers).sort(([a], [b]) => (a < b ? -1 : 1)));

export interface DecisionServiceDeps {
  /** The default champion: decides while storage names none (or one this process cannot load). */
  model: LoadedModel;
  store: DecisionStore;
  /** How long the policy (and, without `models`, the model roles) is cached (ms); 0 reads it for every decision. */
  policyTtlMs?: number;
  /** The process's champion and challenger; made here from `model` and the store's roles when absent. */
  models?: ModelRegistry;
}

/**
 * The challenger's view of an application, computed beside the champion's in the same request. It
 * can neither change nor fail the decision: any error, or a value that could not be stored, leaves
 * the application without a shadow score.
 */
function shadowScores(active: ActiveModels, policy: Policy, applicant: Applicant, failed: (error: unknown) => void): ShadowAssessment[] {
  if (!active.challenger) return [];
  try {
    const shadow = shadowAssess(active.challenger, policy, applicant);
    if (!(shadow.pd >= 0 && shadow.pd <= 1) || !Number.isInteger(shadow.score)) throw new Error(`challenger ${shadow.modelVersion} gave PD ${shadow.pd}`);
    return [shadow];
  } catch (error) {
    failed(error);
    return [];
  }
}

export type DecisionService = ReturnType<typeof decisionService>;

/**
 * @example
 * const service = decisionService({ model, store: databaseStore(db) });
 * const { applicationId, assessment } = await service.decide({ applicant, caller: { owner: 'key:7', channel: 'api', apiKeyId: 7, trustedEvidence: false } });
 */
export function decisionService(deps: DecisionServiceDeps) {
  const { store } = deps;
  const policy = new PolicyCache(() => store.currentPolicy(), deps.policyTtlMs ?? 2_000);
  const models =
    deps.models ??
    new ModelRegistry({
      fallback: deps.model,
      ...(store.activeModels ? { read: () => store.activeModels!() } : {}),
      ...(deps.policyTtlMs !== undefined ? { ttlMs: deps.policyTtlMs } : {}),
    });
  let shadowFailures = 0;
  const decided = { approve: 0, refer: 0, decline: 0 };
  const shadowFailed = (error: unknown) => {
    // Said once (then counted): a broken challenger must not flood the log either.
    if (shadowFailures++ === 0) console.warn(`shadow scoring failed, decisions go on without it: ${(error as Error).message}`);
  };

  /** Replaces the bank evidence by what the server computed itself, or refuses it. */
  async function intake(applicant: Applicant, caller: Caller, now: Date, current: PolicyVersion): Promise<Applicant> {
    const alt = applicant.alternativeData;
    if (!alt) return applicant;
    const kinds = [alt.statementId, alt.transactions, alt.behaviour].filter((v) => v !== undefined).length;
    if (kinds > 1)
      throw refused(400, 'alternativeData', 'give one kind of bank evidence: a statementId, the transactions, or (trusted callers only) behaviour');
    if (alt.behaviour && !caller.trustedEvidence) {
      throw refused(
        400,
        'alternativeData.behaviour',
        'bank features computed elsewhere are not accepted: send the statement to POST /v1/statements and pass its statementId, or send the transactions themselves',
      );
    }
    // A hash only means something next to the features it was taken over.
    const { statementSha256: _, statementId, ...rest } = alt;
    const kept = alt.behaviour && alt.statementSha256 ? { ...rest, statementSha256: alt.statementSha256 } : rest;
    if (statementId !== undefined) {
      const statement = await store.statement(statementId, caller.owner, now);
      if (!statement)
        throw refused(
          400,
          'alternativeData.statementId',
          `no statement with this id was sent with your key or session in the last ${STATEMENT_TTL_HOURS} hours`,
        );
      return { ...applicant, alternativeData: { ...kept, behaviour: statement.features, statementSha256: statement.sha256 } };
    }
    const cleaned = { ...applicant, alternativeData: kept };
    try {
      return reduceTransactions(cleaned, now, current.policy.storeRawTransactions);
    } catch (error) {
      if (error instanceof BehaviourError) throw refused(400, 'alternativeData.transactions', error.message);
      throw error;
    }
  }

  const answerOf = (stored: StoredDecision): DecisionAnswer => ({
    applicationId: stored.applicationId,
    assessment: stored.assessment,
    policyVersion: stored.policyVersion,
    replayed: true,
  });

  return {
    policy,
    models,
    /** Shadow scores given up since start (the challenger threw or gave an unusable value). */
    shadowFailures: () => shadowFailures,
    /** Decisions stored since start, by outcome (GET /metrics); an Idempotency-Key's replay is not one. */
    decided: () => ({ ...decided }),

    /** Scores, decides, prices and stores one application; a retry with the same idempotency key gets the stored answer. */
    async decide(request: { applicant: Applicant; caller: Caller; idempotencyKey?: string; now?: Date; deadline?: Deadline }): Promise<DecisionAnswer> {
      const { caller, idempotencyKey } = request;
      const now = request.now ?? new Date();
      if (idempotencyKey) {
        const earlier = await store.byIdempotencyKey(caller.owner, idempotencyKey);
        if (earlier) {
          if (core(earlier.applicant) !== core(request.applicant)) throw keyReused();
          return answerOf(earlier);
        }
      }
      const [current, active] = await Promise.all([policy.get(), models.active()]);
      const applicant = await intake(request.applicant, caller, now, current);
      const assessment = assess(active.champion, current.policy, applicant);
      const shadow = shadowScores(active, current.policy, applicant, shadowFailed);
      const written = await store.write(
        {
          applicant,
          caller,
          assessment,
          policyVersion: current.version,
          ...(idempotencyKey ? { idempotencyKey } : {}),
          ...(shadow.length > 0 ? { shadow } : {}),
        },
        request.deadline,
      );
      if (written.kind === 'stored') decided[assessment.decision]++;
      if (written.kind === 'stored') return { applicationId: written.id, assessment, policyVersion: current.version, replayed: false };
      // Two requests with the same key raced: the other one was stored first. Its answer is this
      // one's only if it was the same application (a retry); another application is a conflict.
      const earlier = await store.byIdempotencyKey(caller.owner, idempotencyKey!);
      if (!earlier) throw new Error('idempotency key reported taken but not found');
      if (core(earlier.applicant) !== core(request.applicant)) throw keyReused();
      return answerOf(earlier);
    },

    /**
     * Accepts the counter-offer of a stored application: the counter-offer is decided as an
     * application of its own and replaces the original (superseded: out of review and out of the
     * book). A second acceptance changes nothing and says which application holds the loan.
     */
    async acceptCounterOffer(request: { applicationId: string; caller: Caller; now?: Date }): Promise<DecisionAnswer & { alreadyAccepted: boolean }> {
      const original = await store.get(request.applicationId);
      if (!original || (original.owner !== null && original.owner !== request.caller.owner))
        throw refused(404, 'applicationId', 'no application with this id was made with your key or session');
      if (original.status === 'superseded') {
        const holder = original.supersededBy ? await store.get(original.supersededBy) : undefined;
        if (!holder) throw refused(409, 'applicationId', 'this application was already replaced');
        return { ...answerOf(holder), alreadyAccepted: true };
      }
      const offer = original.assessment.offer.counterOffer;
      if (!offer) throw refused(409, 'applicationId', 'this application has no counter-offer to accept');
      const [current, active] = await Promise.all([policy.get(), models.active()]);
      const applicant: Applicant = { ...original.applicant, loanAmount: offer.amount, termMonths: offer.termMonths as 36 | 60 };
      const assessment = assess(active.champion, current.policy, applicant);
      const shadow = shadowScores(active, current.policy, applicant, shadowFailed);
      const result = await store.supersede(original.applicationId, {
        applicant,
        caller: request.caller,
        assessment,
        policyVersion: current.version,
        supersedes: original.applicationId,
        ...(shadow.length > 0 ? { shadow } : {}),
      });
      if (result.kind === 'accepted') decided[assessment.decision]++;
      if (result.kind === 'accepted') return { applicationId: result.id, assessment, policyVersion: current.version, replayed: false, alreadyAccepted: false };
      const holder = result.id ? await store.get(result.id) : undefined;
      if (!holder) throw refused(409, 'applicationId', 'this application was already replaced');
      return { ...answerOf(holder), alreadyAccepted: true };
    },

    /** Parses a CSV statement, keeps its features for a while bound to the caller, and returns their id. */
    async reduceStatement(request: { text: string; columns?: ColumnMap; asOf?: Date; caller: Caller; now?: Date }): Promise<StatementAnswer> {
      const now = request.now ?? new Date();
      const asOf = request.asOf ?? now;
      let behaviour: BehaviourFeatures;
      let count: number;
      try {
        const transactions = parseStatement(request.text, request.columns ?? {});
        behaviour = behaviourFeatures(transactions, asOf);
        count = transactions.length;
      } catch (error) {
        if (error instanceof StatementError || error instanceof BehaviourError) throw refused(400, 'statement', error.message);
        throw error;
      }
      const record = {
        id: randomUUID(),
        owner: request.caller.owner,
        sha256: sha256(request.text),
        features: behaviour,
        transactions: count,
        asOf: asOf.toISOString().slice(0, 10),
        expiresAt: new Date(now.getTime() + STATEMENT_TTL_HOURS * 3_600_000),
      };
      await store.saveStatement(record);
      return {
        statementId: record.id,
        behaviour,
        statementSha256: record.sha256,
        transactions: count,
        asOf: record.asOf,
        expiresAt: record.expiresAt.toISOString(),
      };
    },
  };
}
