import { createHash } from 'node:crypto';
import type { AlternativeData, Applicant } from '../applicant/schema.ts';
import type { Transaction } from '../data/statement.ts';
import { behaviourFeatures, behaviourModelInputs, type BehaviourModelInput } from '../features/behaviour.ts';

/**
 * Bank-account evidence on its way into a decision: raw transactions are reduced to behavioural
 * features as soon as they arrive (only a hash of them is kept, unless the lender's policy says
 * otherwise), and summary answers are mapped onto the behavioural model's inputs they can inform.
 */

/** Canonical SHA-256 of a transaction list (or of a statement file's bytes). */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function toTransactions(list: NonNullable<AlternativeData['transactions']>): Transaction[] {
  return list.map((t) => ({
    date: new Date(`${t.date}T00:00:00Z`),
    amount: t.amount,
    ...(t.balance !== undefined ? { balance: t.balance } : {}),
    description: t.description ?? '',
  }));
}

/** Replaces `alternativeData.transactions` by their behavioural features and hash. */
export function reduceTransactions(applicant: Applicant, asOf: Date, keepRaw = false): Applicant {
  const alt = applicant.alternativeData;
  if (!alt?.transactions) return applicant;
  const { transactions, ...rest } = alt;
  const behaviour = behaviourFeatures(toTransactions(transactions), asOf);
  return {
    ...applicant,
    alternativeData: { ...rest, behaviour, statementSha256: sha256(JSON.stringify(transactions)), ...(keepRaw ? { transactions } : {}) },
  };
}

export type EvidenceSource = 'statement' | 'answers';

/**
 * The behavioural model's inputs this applicant's evidence supports: all of them from a statement,
 * a few from summary answers. Inputs left out count as neutral (the behavioural data's average).
 */
export function behaviourInputsOf(
  alt: AlternativeData | undefined,
): { source: EvidenceSource; inputs: Partial<Record<BehaviourModelInput, number>> } | undefined {
  if (!alt) return undefined;
  if (alt.behaviour) return { source: 'statement', inputs: behaviourModelInputs(alt.behaviour) };
  const inputs: Partial<Record<BehaviourModelInput, number>> = {};
  const income = alt.monthlyIncomeDeposits;
  const spending = alt.monthlySpending;
  if (income !== undefined && income > 0) {
    const savings = alt.monthlySavings ?? (spending !== undefined ? income - spending : undefined);
    if (savings !== undefined) inputs.savingsRate = Math.max(-1, Math.min(1, savings / income));
  }
  if (alt.overdraftMonths12m !== undefined) inputs.episodesBelowZero = alt.overdraftMonths12m;
  const answered = [alt.monthlyIncomeDeposits, alt.monthlySpending, alt.monthlySavings, alt.overdraftMonths12m].some((v) => v !== undefined);
  return answered ? { source: 'answers', inputs } : undefined;
}

/**
 * A thin credit file: little history or almost no accounts. The bureau inputs then say little,
 * so a decision leans on bank-account evidence when there is some, and says so when there is not.
 */
export function isThinFile(a: Applicant): boolean {
  return (a.creditHistoryYears !== undefined && a.creditHistoryYears < 2) || (a.totalAccounts ?? a.openAccounts) <= 2;
}
