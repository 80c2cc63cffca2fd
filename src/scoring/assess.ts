import { z } from 'zod';
import type { Applicant } from '../applicant/schema.ts';
import { APPLICANT_FEATURE_NAMES } from '../features/applicant.ts';
import { featureVector } from '../features/spec.ts';
import { pdFromFeatures, scorerParts, type LoadedModel } from '../model/model.ts';
import { behaviourEvidence, combinePd } from '../model/behaviour-model.ts';
import { behaviourInputsOf, isThinFile } from './evidence.ts';
import { pdToScore } from './scale.ts';
import { calibrateLogit } from '../model/calibration.ts';
import { explain } from '../model/explain.ts';
import { decide, riskBand, RISK_BANDS, type Policy } from './policy.ts';
import { price } from './pricing.ts';
import { topReasons } from './reasons.ts';

/**
 * The one decision path every channel uses: PD → score, band and decision under the policy,
 * the reasons behind the risk, a price, and a counter-offer when the answer is not a plain yes.
 */

export const ReasonSchema = z.object({
  code: z.string().meta({ description: 'Stable identifier of the reason' }),
  text: z.string().meta({ description: 'Plain-language reason an applicant can read' }),
  impact: z.number().meta({ description: 'How much this input raised the log-odds of default (before calibration)' }),
});

const PricedLoanSchema = z.object({
  amount: z.number(),
  termMonths: z.number().int(),
  apr: z.number().meta({ description: 'Annual percentage rate as a fraction (0.12 = 12%)' }),
  monthlyPayment: z.number(),
  totalRepayable: z.number(),
});

export const CounterOfferSchema = PricedLoanSchema.extend({
  pd: z.number(),
  decision: z.literal('approve'),
});

export const OfferSchema = PricedLoanSchema.extend({
  apr: z
    .number()
    .nullable()
    .meta({ description: "Annual percentage rate as a fraction (0.12 = 12%); null when the risk would need more than the policy's maximum APR" }),
  monthlyPayment: z.number().nullable(),
  totalRepayable: z.number().nullable(),
  /** True when the lender would lend on these terms (approved, or referred subject to review). */
  available: z.boolean(),
  withinMaxApr: z.boolean(),
  counterOffer: CounterOfferSchema.nullable().meta({ description: 'When declined or referred: the largest amount (or other term) the policy would approve' }),
});

export const BehaviourSignalSchema = z.object({
  code: z.string(),
  text: z.string(),
  direction: z.enum(['raised', 'lowered']),
  logOdds: z.number(),
});

export const BehaviourSummarySchema = z.object({
  source: z.enum(['statement', 'answers']),
  /** Log-odds added to the bureau estimate (Bayes' rule, independence assumed; see the behavioural model card). */
  evidenceLogOdds: z.number(),
  /** The PD from bureau inputs alone, before the bank-account evidence. */
  bureauPd: z.number(),
  signals: z.array(BehaviourSignalSchema),
});

export const AssessmentSchema = z.object({
  pd: z.number().min(0).max(1).meta({ description: 'Calibrated probability of default over the loan term' }),
  score: z.number().int().min(300).max(850).meta({ description: 'Points: 650 at 10:1 odds, +40 points per doubling of the odds' }),
  riskBand: z.enum(RISK_BANDS.map((b) => b.band) as [string, ...string[]]),
  decision: z.enum(['approve', 'refer', 'decline']),
  reasons: z.array(ReasonSchema),
  offer: OfferSchema,
  /** Bank-account evidence used in this decision, if any. */
  behaviour: BehaviourSummarySchema.nullable(),
  /** Little credit history: the bureau inputs say little on their own. */
  thinFile: z.boolean(),
  /** Plain-language notes on how the decision was made (thin file, evidence used or missing). */
  notices: z.array(z.string()),
  modelVersion: z.string(),
});
export type Assessment = z.infer<typeof AssessmentSchema>;
export type CounterOffer = z.infer<typeof CounterOfferSchema>;

const MIN_AMOUNT = 500;

function pricedLoan(amount: number, termMonths: number, pd: number, policy: Policy) {
  const p = price(amount, termMonths, pd, policy);
  return { amount, termMonths, apr: p.apr, monthlyPayment: p.monthlyPayment, totalRepayable: p.totalRepayable, withinMaxApr: p.withinMaxApr };
}

/** The offer as published: a declined loan (above the maximum APR, or too risky) has no price at all. */
function publishedLoan(loan: ReturnType<typeof pricedLoan>, decision: 'approve' | 'refer' | 'decline') {
  return loan.withinMaxApr && decision !== 'decline' ? loan : { ...loan, apr: null, monthlyPayment: null, totalRepayable: null };
}

/** Missing-answer flags, and the optional answers they stand for (in plain words). */
const MISSING_FLAGS: Record<string, string> = {
  employment_years_missing: 'years in your current job',
  dti_missing: 'your monthly debt payments',
  revolving_utilisation_missing: 'how much of your card limits you use',
  revolving_balance_missing: 'your card balances',
  total_accounts_missing: 'how many credit accounts you have had',
  credit_history_years_missing: 'how long you have had credit',
};

/** Where each missing-answer flag sits in a model's feature vector (worked out once per layout). */
const missingFlagsAt = new WeakMap<readonly string[], readonly (readonly [number, string])[]>();

/**
 * Reasons never cite an answer that was not given; but when leaving answers out raised the estimate,
 * the applicant is told which answers could change it.
 */
function missingAnswersNotice(features: readonly string[], byFeature: ArrayLike<number>): string | undefined {
  let flags = missingFlagsAt.get(features);
  if (!flags) {
    flags = features.flatMap((f, i) => (MISSING_FLAGS[f] ? [[i, MISSING_FLAGS[f]] as const] : []));
    missingFlagsAt.set(features, flags);
  }
  const raised: string[] = [];
  for (const [i, answer] of flags) if (byFeature[i] > 0.02) raised.push(answer);
  if (raised.length === 0) return undefined;
  return `Some optional answers were not given (${raised.join(', ')}); without them the estimate is more cautious, and answering them can change the decision.`;
}

function decisionFor(pd: number, policy: Policy, withinMaxApr: boolean) {
  const d = decide(pd, policy);
  return d !== 'decline' && !withinMaxApr ? 'decline' : d;
}

const SIGNAL_TEXT: Record<string, string> = {
  regularIncomeShare: 'How regularly income is paid into your account',
  incomeVolatility: 'How much your monthly income varies',
  spendingVolatility: 'How much your monthly spending varies',
  essentialShare: 'The share of your spending on household bills and insurance',
  savingsRate: 'How much of your income you keep',
  balanceToSpending: 'Your usual balance compared with your spending',
  lowestBalanceToSpending: 'Your lowest balance compared with your spending',
  daysBelowZero: 'The days your account was overdrawn',
  episodesBelowZero: 'How often your account went overdrawn',
  penaltyCharges: 'Penalty or overdraft charges',
  cashWithdrawalShare: 'The share of your spending taken out as cash',
};

type PdOf = (a: Applicant) => number;

/**
 * Feature vectors this module fills and reads at once and never keeps, so they are reused instead of
 * made for every scoring: a Float64Array of the 27 applicant features is past V8's 64-byte limit for
 * typed arrays kept on the heap, and allocating one cost more than the tree walk that reads it. One
 * for the decision's own applicant, one for the counter-offer's candidates (scored while the first
 * may still be needed). Applicant models all have these 27 features (checked when a model loads).
 */
const decisionX = new Float64Array(APPLICANT_FEATURE_NAMES.length);
const candidateX = new Float64Array(APPLICANT_FEATURE_NAMES.length);

/** An applicant's PD from the credit-file inputs alone: `estimatePd(model, a).pd`, without its extras. */
function bureauPdOf(model: LoadedModel, a: Applicant): number {
  return pdFromFeatures(model, featureVector(model.spec, a, candidateX));
}

/** `bureauPdOf` for one model (made per decision: kept free of tsx's per-closure naming call). */
function bureauPdFor(model: LoadedModel): PdOf {
  return (a) => bureauPdOf(model, a);
}

/** The bureau PD, with the applicant's bank-account evidence added when there is some. */
function pdFunction(
  model: LoadedModel,
  applicant: Applicant,
  bureauPd: number,
  /** The average applicant's log-odds: only needed (and only computed) for a thin file with bank evidence. */
  baseLogit: () => number,
): { pdOf: PdOf; behaviour: Assessment['behaviour']; thin: boolean; notices: string[] } {
  const thin = isThinFile(applicant);
  const given = behaviourInputsOf(applicant.alternativeData);
  const evidence =
    given && model.behaviour
      ? behaviourEvidence(model.behaviour, given.source === 'statement' ? applicant.alternativeData!.behaviour! : given.inputs)
      : undefined;
  const notices: string[] = [];
  if (thin) {
    notices.push(
      evidence
        ? 'Thin credit file: the decision leans on your bank-account evidence, with the credit-file evidence counted at half weight.'
        : 'Thin credit file: there is little credit history to judge from. Adding bank-account evidence (a statement or a few answers about your account) can help.',
    );
  }
  if (given && !evidence)
    notices.push('The bank-account answers given were not enough to use (savings and months overdrawn are both needed); they did not change the decision.');
  if (!evidence) return { pdOf: bureauPdFor(model), behaviour: null, thin, notices };
  // The credit-file evidence is shrunk toward the average applicant's PD when the file is thin.
  const averagePd = thin ? calibrateLogit(model.calibration, baseLogit()) : 0;
  const options = thin ? { bureauWeight: 0.5, bureauBaseRate: averagePd } : {};
  const pdOf: PdOf = (a) => combinePd(bureauPdOf(model, a), evidence.logOdds, options);
  const signals = Object.entries(evidence.byInput)
    .filter(([, v]) => Math.abs(v) > 0.01)
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))
    .slice(0, 4)
    .map(([code, v]) => ({
      code,
      direction: v > 0 ? ('raised' as const) : ('lowered' as const),
      logOdds: Math.round(v * 1000) / 1000,
      text: `${SIGNAL_TEXT[code] ?? code} ${v > 0 ? 'raised' : 'lowered'} the estimated risk.`,
    }));
  notices.push(`Bank-account evidence (${given!.source === 'statement' ? 'from a statement' : 'from your answers'}) was added to the credit-file estimate.`);
  return { pdOf, behaviour: { source: given!.source, evidenceLogOdds: Math.round(evidence.logOdds * 1000) / 1000, bureauPd, signals }, thin, notices };
}

/** The loan of `amount` over `termMonths`, priced, when the policy would approve it. */
function approvedLoan(policy: Policy, applicant: Applicant, pdOf: PdOf, amount: number, termMonths: 36 | 60) {
  const pd = pdOf({ ...applicant, loanAmount: amount, termMonths });
  const loan = pricedLoan(amount, termMonths, pd, policy);
  return decisionFor(pd, policy, loan.withinMaxApr) === 'approve' ? { loan, pd } : undefined;
}

/** The largest approved amount on one term, in whole hundreds, or undefined when there is none. */
function largestApproved(policy: Policy, applicant: Applicant, pdOf: PdOf, termMonths: 36 | 60) {
  // The PD never falls as the amount rises (the model is monotone in the amount and in every
  // ratio it feeds; test/monotone.test.ts; bank evidence adds the same log-odds to every amount):
  // when the smallest loan's PD is past the approval line, no amount on this term is approved,
  // and the scan below (20 or more scorings) would find nothing.
  if (decide(pdOf({ ...applicant, loanAmount: MIN_AMOUNT, termMonths }), policy) !== 'approve') return undefined;
  const step = Math.max(100, Math.floor(applicant.loanAmount / 20 / 100) * 100);
  const top = Math.floor(applicant.loanAmount / 100) * 100;
  const start = termMonths === applicant.termMonths ? top - 100 : top;
  let unapproved = start + 100;
  for (let amount = start; amount >= MIN_AMOUNT; amount -= step) {
    const found = approvedLoan(policy, applicant, pdOf, amount, termMonths);
    if (!found) {
      unapproved = amount;
      continue;
    }
    // Largest approved amount in (amount, unapproved), in hundreds.
    let [lo, hi, result] = [amount / 100, unapproved / 100, found];
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      const at = approvedLoan(policy, applicant, pdOf, mid * 100, termMonths);
      if (at) [lo, result] = [mid, at];
      else hi = mid;
    }
    return result;
  }
  return undefined;
}

/**
 * The largest amount, in whole hundreds, that the policy would approve, for the asked term and for
 * the other one; the larger wins (the asked term on a tie). The PD rises with the amount (a monotone
 * model), so a coarse scan down from the amount asked, then a binary search in the last step, finds it.
 */
export function counterOffer(model: LoadedModel, policy: Policy, applicant: Applicant, pdOf: PdOf = bureauPdFor(model)): CounterOffer | null {
  const terms = [applicant.termMonths, applicant.termMonths === 36 ? 60 : 36] as const;
  const found = terms.map((t) => largestApproved(policy, applicant, pdOf, t)).filter((f) => f !== undefined);
  if (found.length === 0) return null;
  const { loan, pd } = found.reduce((a, b) => (b.loan.amount > a.loan.amount ? b : a));
  const { withinMaxApr: _, ...rest } = loan;
  return { ...rest, pd, decision: 'approve' };
}

export function assess(model: LoadedModel, policy: Policy, applicant: Applicant): Assessment {
  if (model.spec.kind !== 'applicant') throw new Error(`model ${model.version} does not score applicants`);
  const x = featureVector(model.spec, applicant, decisionX);
  // One walk of the trees gives the log-odds and its reasons.
  const { base, byFeature, logit } = explain(scorerParts(model), x);
  const bureauPd = calibrateLogit(model.calibration, logit);
  const { pdOf, behaviour, thin, notices } = pdFunction(model, applicant, bureauPd, () => base);
  const pd = behaviour ? pdOf(applicant) : bureauPd;
  const loan = pricedLoan(applicant.loanAmount, applicant.termMonths, pd, policy);
  const decision = decisionFor(pd, policy, loan.withinMaxApr);
  const missing = missingAnswersNotice(model.spec.features, byFeature);
  return {
    pd,
    score: pdToScore(pd),
    riskBand: riskBand(pd),
    decision,
    reasons: topReasons(model.spec.features, byFeature, applicant, 4, model.spec),
    offer: {
      ...publishedLoan(loan, decision),
      available: decision !== 'decline',
      counterOffer: decision === 'approve' ? null : counterOffer(model, policy, applicant, pdOf),
    },
    behaviour,
    thinFile: thin,
    notices: missing ? [...notices, missing] : notices,
    modelVersion: model.version,
  };
}

/** What a model in shadow would have said: its PD, score and decision, nothing the applicant sees. */
export type ShadowAssessment = Pick<Assessment, 'pd' | 'score' | 'riskBand' | 'decision' | 'modelVersion'>;

/**
 * The decision a model would make for this applicant under this policy, by the same PD (bank evidence
 * included) and the same rule as `assess`, without its reasons, price or counter-offer search: the
 * challenger's shadow score, cheap enough to run beside every live decision.
 */
export function shadowAssess(model: LoadedModel, policy: Policy, applicant: Applicant): ShadowAssessment {
  if (model.spec.kind !== 'applicant') throw new Error(`model ${model.version} does not score applicants`);
  const x = featureVector(model.spec, applicant, decisionX);
  const bureauPd = pdFromFeatures(model, x);
  const { pdOf, behaviour } = pdFunction(model, applicant, bureauPd, () => explain(scorerParts(model), x).base);
  const pd = behaviour ? pdOf(applicant) : bureauPd;
  const loan = pricedLoan(applicant.loanAmount, applicant.termMonths, pd, policy);
  return { pd, score: pdToScore(pd), riskBand: riskBand(pd), decision: decisionFor(pd, policy, loan.withinMaxApr), modelVersion: model.version };
}
