import type { Applicant } from '../applicant/schema.ts';
import {
  afterCounter,
  afterDecision,
  afterStatement,
  step,
  wantsStatement,
  type ChatInput,
  type ChatState,
  type ShownDecision,
  type Turn,
} from '../conversation/engine.ts';
import { STATEMENT_MAX_BYTES } from '../data/statement.ts';
import type { Deadline } from './deadline.ts';
import { DecisionRefused, type DecisionAnswer, type DecisionService } from './decide.ts';
import type { Caller } from './ports.ts';

/**
 * The conversation as a service: runs the engine's step and the one action it asks for (decide,
 * accept a counter-offer, read a statement) through the shared decision service. Every channel —
 * Telegram, the web chat, the terminal — calls this, so none of them holds decision logic.
 */

export interface ChatContext {
  caller: Caller;
  /** Names this conversation in idempotency keys: a repeated confirm is one decision, never two. */
  conversationKey: string;
  /** Called before slow work (scoring): Telegram shows "typing…". */
  onWorking?: () => Promise<unknown> | unknown;
  deadline?: Deadline;
}

/** A statement file as a channel has it: its size when known, and how to read it. */
export interface ChatFile {
  size?: number;
  read: () => Promise<string>;
}

export type ChatService = ReturnType<typeof chatService>;

/** The decision as the conversation shows it, and the /v1/score answer kept for the web chat. */
export const shownDecision = (answer: DecisionAnswer, applicant: Applicant): ShownDecision => ({
  applicationId: answer.applicationId,
  applicant,
  assessment: answer.assessment,
  answer: { applicationId: answer.applicationId, ...answer.assessment, policyVersion: answer.policyVersion },
});

/**
 * @example
 * const chat = chatService({ decisions });
 * const turn = await chat.handle(state, { kind: 'text', text: '12k over 3 years' }, { caller, conversationKey: 'web:…' });
 */
export function chatService(deps: { decisions: DecisionService }) {
  const { decisions } = deps;

  async function act(turn: Turn, context: ChatContext): Promise<Turn> {
    const action = turn.action;
    if (!action) return turn;
    await context.onWorking?.();
    if (action.kind === 'decide') {
      try {
        const answer = await decisions.decide({
          applicant: action.applicant,
          caller: context.caller,
          idempotencyKey: `chat:${context.conversationKey}:${action.round}`,
          ...(context.deadline ? { deadline: context.deadline } : {}),
        });
        const done = afterDecision(turn.state, { ok: true, decision: shownDecision(answer, action.applicant) });
        return { ...done, ...(turn.picked ? { picked: turn.picked } : {}) };
      } catch (error) {
        if (!(error instanceof DecisionRefused)) throw error;
        return afterDecision(turn.state, { ok: false, rules: error.issues.map((i) => i.rule) });
      }
    }
    try {
      const answer = await decisions.acceptCounterOffer({ applicationId: action.applicationId, caller: context.caller });
      const applicant = {
        ...(turn.state.answers as unknown as Applicant),
        loanAmount: answer.assessment.offer.amount,
        termMonths: answer.assessment.offer.termMonths as 36 | 60,
      };
      return afterCounter(turn.state, { ok: true, alreadyAccepted: answer.alreadyAccepted, decision: shownDecision(answer, applicant) });
    } catch (error) {
      if (!(error instanceof DecisionRefused)) throw error;
      return afterCounter(turn.state, { ok: false });
    }
  }

  return {
    /** One thing the person did, and everything it leads to. */
    async handle(state: ChatState, input: ChatInput, context: ChatContext): Promise<Turn> {
      return act(step(state, input), context);
    },

    /** A file the person sent: a bank statement when the conversation can take one, else the question again. */
    async file(state: ChatState, file: ChatFile, context: ChatContext): Promise<Turn> {
      if (!wantsStatement(state)) return step(state, { kind: 'file' });
      if (file.size !== undefined && file.size > STATEMENT_MAX_BYTES)
        return afterStatement(state, { ok: false, reason: 'too-large', megabytes: STATEMENT_MAX_BYTES / 1024 / 1024 });
      let text: string;
      try {
        text = await file.read();
      } catch {
        return afterStatement(state, { ok: false, reason: 'download-failed' });
      }
      await context.onWorking?.();
      try {
        // Only the statement's features and hash are kept, under an id bound to this caller.
        const { statementId, behaviour } = await decisions.reduceStatement({ text, caller: context.caller });
        return afterStatement(state, {
          ok: true,
          statementId,
          months: behaviour.monthsObserved,
          incomeMonths: Math.round(behaviour.regularIncomeShare * behaviour.monthsObserved),
          monthlySpending: behaviour.monthlySpending,
          overdrawnDays: behaviour.daysBelowZero,
        });
      } catch (error) {
        if (!(error instanceof DecisionRefused)) throw error;
        return afterStatement(state, { ok: false, reason: 'refused', rules: error.issues.map((i) => i.rule) });
      }
    },
  };
}
