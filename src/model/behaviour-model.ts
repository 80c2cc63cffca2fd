import { z } from 'zod';
import { BEHAVIOUR_MODEL_INPUTS, behaviourModelInputs, type BehaviourFeatures, type BehaviourModelInput } from '../features/behaviour.ts';
import { LogisticModelSchema, logit, logisticLogit, sigmoid } from './logistic.ts';

/**
 * The behavioural model (trained on Berka bank accounts) and the rule that combines its evidence
 * with the bureau PD: under the assumption that, given the outcome, bank-account behaviour and the
 * bureau inputs are independent, Bayes' rule adds log-likelihood ratios, so
 *   logit(PD) = logit(PD_bureau) + [logit(p_behaviour) − logit(base rate of the behavioural data)].
 * Evidence that matches the behavioural data's base rate leaves the bureau PD unchanged.
 */
const SubModelSchema = z.object({
  inputs: z.array(z.enum(BEHAVIOUR_MODEL_INPUTS)).min(1),
  model: LogisticModelSchema,
});

/**
 * Two logistic models on the same loans: `statement` uses every input a statement gives;
 * `answers` only those the short questions give (savings rate and overdraft months).
 */
export const BehaviourModelSchema = z.object({
  kind: z.literal('behaviour'),
  version: z.string(),
  statement: SubModelSchema,
  answers: SubModelSchema,
  baseRate: z.number().gt(0).lt(1),
  windowMonths: z.number().int().positive(),
});
export type BehaviourModel = z.infer<typeof BehaviourModelSchema>;


export interface BehaviourEvidence {
  /** Log-odds added to the bureau's: positive raises the PD. */
  logOdds: number;
  /** Each input's share of that evidence (coefficient × standardised value). */
  byInput: Record<string, number>;
}

/**
 * Evidence from a statement's features, or from summary answers (needs every input of the answers
 * model). Undefined when the answers are not enough to say anything.
 */
export function behaviourEvidence(model: BehaviourModel, given: BehaviourFeatures | Partial<Record<BehaviourModelInput, number>>): BehaviourEvidence | undefined {
  const full = 'monthsObserved' in given;
  const inputs: Partial<Record<BehaviourModelInput, number>> = full ? behaviourModelInputs(given as BehaviourFeatures) : given;
  const sub = full ? model.statement : model.answers;
  if (sub.inputs.some((name) => inputs[name] === undefined)) return undefined;
  const x = sub.inputs.map((name) => inputs[name]!);
  const byInput: Record<string, number> = {};
  sub.inputs.forEach((name, j) => {
    byInput[name] = (sub.model.coefficients[j] * (x[j] - sub.model.means[j])) / sub.model.scales[j];
  });
  return { logOdds: logisticLogit(sub.model, x) - logit(model.baseRate), byInput };
}

/** Adds behavioural log-odds evidence to a PD; `bureauWeight` < 1 shrinks thin-file bureau evidence toward `bureauBaseRate`. */
export function combinePd(bureauPd: number, evidenceLogOdds: number, options: { bureauWeight?: number; bureauBaseRate?: number } = {}): number {
  const clip = (p: number) => Math.min(1 - 1e-9, Math.max(1e-9, p));
  const { bureauWeight = 1, bureauBaseRate = bureauPd } = options;
  const prior = logit(clip(bureauBaseRate)) + bureauWeight * (logit(clip(bureauPd)) - logit(clip(bureauBaseRate)));
  return sigmoid(prior + evidenceLogOdds);
}
