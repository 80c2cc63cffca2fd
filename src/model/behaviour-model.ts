import { z } from 'zod';
import { BEHAVIOUR_MODEL_INPUTS, boundModelInput, behaviourModelInputs, type BehaviourFeatures, type BehaviourModelInput } from '../features/behaviour.ts';
import { LogisticModelSchema, logit, logisticLogit, sigmoid } from './logistic.ts';

/**
 * The behavioural model (trained on Berka bank accounts) and the rule that combines its evidence
 * with the bureau PD: under the assumption that, given the outcome, bank-account behaviour and the
 * bureau inputs are independent, Bayes' rule adds log-likelihood ratios, so
 *   logit(PD) = logit(PD_bureau) + [logit(p_behaviour) − logit(base rate of the behavioural data)].
 * Evidence that matches the behavioural data's base rate leaves the bureau PD unchanged.
 *
 * Two limits hold whatever the model says, here, so every caller gets them:
 * - the cap: the evidence moves the odds by at most a factor of 3 either way (|Δ log-odds| ≤ ln 3).
 *   The model is fitted on a few dozen bad loans of one Czech bank in the 1990s; it may add to the
 *   credit file's evidence, never overrule it.
 * - self-reported answers count at half weight (SELF_REPORTED_WEIGHT, after the cap, so at most
 *   √3 ≈ 1.73× on the odds): see its comment.
 */
const SubModelSchema = z.object({
  inputs: z.array(z.enum(BEHAVIOUR_MODEL_INPUTS)).min(1),
  model: LogisticModelSchema,
  /** The sign each coefficient was held to in the fit (+1, −1, 0 free), in `inputs` order. */
  signs: z.array(z.union([z.literal(-1), z.literal(0), z.literal(1)])).optional(),
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

/** The most the bank-account evidence may move the log-odds either way: ln 3 (odds × 3 or ÷ 3). */
export const EVIDENCE_CAP = Math.log(3);

/**
 * What self-reported answers (money in, money out, savings, months overdrawn) count for, against the
 * same figures read by the server from a statement: 0.5, a stated prior, not a measurement (no data
 * set here pairs answers with statements). The lender cannot check an answer and the applicant knows
 * which answers help; taking half of what an answer seems to say as signal (a reliability of 0.5,
 * which under classical measurement error attenuates a coefficient by that factor) keeps a favourable
 * story from counting like a verified one.
 */
export const SELF_REPORTED_WEIGHT = 0.5;

/**
 * A statement counts in proportion to the history it covers, in full from this many months: a short
 * statement says little, and a two-line file anyone could type must not move a decision like a
 * year of real account history. (The behavioural features are computed over 12 months.)
 */
export const FULL_HISTORY_MONTHS = 6;

/** Where the figures came from: a statement the server parsed, or the applicant's own answers. */
export type BehaviourEvidenceSource = 'statement' | 'self-reported' | 'answers';

export interface BehaviourEvidenceOptions {
  /**
   * Default: 'statement' for features computed from transactions, 'self-reported' for a partial set of
   * inputs (what the short answers give). 'answers' is the same as 'self-reported'.
   */
  source?: BehaviourEvidenceSource;
}

export interface BehaviourEvidence {
  /** Log-odds added to the bureau's: positive raises the PD. Capped at ±EVIDENCE_CAP, then weighted by source. */
  logOdds: number;
  /** Each input's share of that evidence (coefficient × standardised value, scaled like the total). */
  byInput: Record<string, number>;
  /** The model's evidence before the cap and the weight. */
  modelLogOdds: number;
  /** True when the cap cut the model's evidence. */
  capped: boolean;
  /** 1 for a statement, SELF_REPORTED_WEIGHT for answers. */
  weight: number;
  source: 'statement' | 'self-reported';
}

/** The model's evidence held to ±EVIDENCE_CAP, then shrunk toward zero by `weight`. */
export function limitEvidence(modelLogOdds: number, weight: number): number {
  return weight * Math.min(EVIDENCE_CAP, Math.max(-EVIDENCE_CAP, modelLogOdds));
}

/**
 * Evidence from a statement's features, or from some of the model's inputs (the short answers:
 * savings rate and months overdrawn, read by the answers model; a complete set of inputs is read by
 * the statement model). Inputs are held to their ranges (BEHAVIOUR_MODEL_INPUT_BOUNDS). Undefined
 * when the inputs are not enough to say anything (a needed one is missing or not a number).
 */
export function behaviourEvidence(
  model: BehaviourModel,
  given: BehaviourFeatures | Partial<Record<BehaviourModelInput, number>>,
  options: BehaviourEvidenceOptions = {},
): BehaviourEvidence | undefined {
  const fromFeatures = 'monthsObserved' in given;
  const inputs: Partial<Record<BehaviourModelInput, number>> = fromFeatures
    ? behaviourModelInputs(given as BehaviourFeatures)
    : (given as Partial<Record<BehaviourModelInput, number>>);
  const complete = model.statement.inputs.every((name) => inputs[name] !== undefined && !Number.isNaN(inputs[name]));
  const sub = complete ? model.statement : model.answers;
  const x = sub.inputs.map((name) => boundModelInput(name, inputs[name]));
  if (x.some((v) => v === undefined)) return undefined;
  const values = x as number[];
  const source = options.source === 'statement' || (options.source === undefined && fromFeatures) ? 'statement' : 'self-reported';
  const coverage = fromFeatures ? Math.min(1, (given as BehaviourFeatures).monthsObserved / FULL_HISTORY_MONTHS) : 1;
  const weight = (source === 'statement' ? 1 : SELF_REPORTED_WEIGHT) * coverage;
  const modelLogOdds = logisticLogit(sub.model, values) - logit(model.baseRate);
  const logOdds = limitEvidence(modelLogOdds, weight);
  // The parts are scaled like the whole, so they keep their directions and relative sizes.
  const scale = modelLogOdds === 0 ? weight : logOdds / modelLogOdds;
  const byInput: Record<string, number> = {};
  sub.inputs.forEach((name, j) => {
    byInput[name] = (scale * sub.model.coefficients[j] * (values[j] - sub.model.means[j])) / sub.model.scales[j];
  });
  return { logOdds, byInput, modelLogOdds, capped: Math.abs(modelLogOdds) > EVIDENCE_CAP, weight, source };
}

/** Adds behavioural log-odds evidence to a PD; `bureauWeight` < 1 shrinks thin-file bureau evidence toward `bureauBaseRate`. */
export function combinePd(bureauPd: number, evidenceLogOdds: number, options: { bureauWeight?: number; bureauBaseRate?: number } = {}): number {
  const clip = (p: number) => Math.min(1 - 1e-9, Math.max(1e-9, p));
  const { bureauWeight = 1, bureauBaseRate = bureauPd } = options;
  const prior = logit(clip(bureauBaseRate)) + bureauWeight * (logit(clip(bureauPd)) - logit(clip(bureauBaseRate)));
  return sigmoid(prior + evidenceLogOdds);
}
