import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readBerkaLoans, readBerkaTransactions, readDistricts, type BerkaLoan } from '../data/berka.ts';
import { BEHAVIOUR_MODEL_INPUTS, behaviourFeatures, behaviourModelInputs, type BehaviourFeatures } from '../features/behaviour.ts';
import { mulberry32 } from '../forest/rng.ts';
import { rocAuc, logLoss } from '../evaluation/metrics.ts';
import { MANIFEST_FILE, ManifestSchema } from '../model/artefacts.ts';
import type { BehaviourModel } from '../model/behaviour-model.ts';
import { fitLogistic } from './logistic.ts';
import { logit, logisticLogit, sigmoid } from '../model/logistic.ts';
import { writeBundledModel } from '../worker/bundle-model.ts';
import { stratifiedFolds } from './split.ts';

/**
 * Evidence that bank-account behaviour predicts default, on the Berka loans granted in 1997–98
 * (transactions strictly before each loan date), and the behavioural model shipped in models/.
 */

export interface BerkaSample {
  loan: BerkaLoan;
  behaviour: BehaviourFeatures;
  /** What the bank knew without transactions: amount, duration, instalment, district salary, unemployment, entrepreneurs. */
  bank: number[];
}

export const BANK_INPUTS = ['amount', 'durationMonths', 'payment', 'districtAverageSalary', 'districtUnemployment96', 'districtEntrepreneursPer1000'] as const;
export const WINDOW_MONTHS = 12;
/** What the four short questions can tell: savings rate and months overdrawn. */
export const ANSWERS_INPUTS = ['savingsRate', 'episodesBelowZero'] as const;

export async function berkaSamples(dir = 'datasets/berka'): Promise<BerkaSample[]> {
  const [loans, districts, tx] = await Promise.all([
    readBerkaLoans(dir),
    readDistricts(dir),
    readBerkaTransactions(join(dir, 'trans_1995_1998_for_1997_1998_loans.csv.gz')),
  ]);
  const unemployment = [...districts.values()].map((d) => d.unemployment96).filter(Number.isFinite).sort((a, b) => a - b);
  const medianUnemployment = unemployment[unemployment.length >> 1];
  return loans
    .filter((l) => tx.has(l.accountId))
    .map((loan) => {
      const d = districts.get(loan.districtId)!;
      return {
        loan,
        behaviour: behaviourFeatures(tx.get(loan.accountId)!, loan.date, WINDOW_MONTHS),
        bank: [loan.amount, loan.durationMonths, loan.payment, d.averageSalary, Number.isFinite(d.unemployment96) ? d.unemployment96 : medianUnemployment, d.entrepreneursPer1000],
      };
    });
}

/** Row-major matrix from per-sample vectors. */
function matrix(rows: number[][]): { X: Float64Array; p: number } {
  const p = rows[0].length;
  const X = new Float64Array(rows.length * p);
  rows.forEach((r, i) => X.set(r, i * p));
  return { X, p };
}

/** Out-of-fold logistic predictions, averaged over `repeats` different fold splits. */
export function repeatedOutOfFold(rows: number[][], y: Uint8Array, repeats: number, folds: number, seed: number): Float64Array {
  const { X, p } = matrix(rows);
  const all = Uint32Array.from({ length: rows.length }, (_, i) => i);
  const sum = new Float64Array(rows.length);
  for (let r = 0; r < repeats; r++) {
    const parts = stratifiedFolds(y, all, folds, seed + r);
    parts.forEach((held, k) => {
      const fit = parts.flatMap((f, j) => (j === k ? [] : [...f]));
      const model = fitLogistic(X, y, p, fit, { l2: 1 });
      for (const i of held) sum[i] += sigmoid(logisticLogit(model, X, i * p));
    });
  }
  return sum.map((s) => s / repeats);
}

/** Percentile bootstrap of a statistic of (y, predictions…), resampling loans with replacement. */
export function bootstrap(y: Uint8Array, preds: Float64Array[], stat: (y: number[], ps: number[][]) => number, resamples: number, seed: number): { lo: number; hi: number } {
  const rng = mulberry32(seed);
  const n = y.length;
  const values: number[] = [];
  for (let b = 0; b < resamples; b++) {
    const idx = Array.from({ length: n }, () => Math.floor(rng() * n));
    const yb = idx.map((i) => y[i]);
    if (yb.every((v) => v === yb[0])) continue;
    values.push(stat(yb, preds.map((p) => idx.map((i) => p[i]))));
  }
  values.sort((a, b) => a - b);
  return { lo: values[Math.floor(values.length * 0.025)], hi: values[Math.ceil(values.length * 0.975) - 1] };
}

const round = (v: number) => Math.round(v * 10_000) / 10_000;

export interface BehaviourTrainOptions {
  dir?: string;
  out?: string;
  seed?: number;
  repeats?: number;
  resamples?: number;
}

export async function trainBehaviourModel(options: BehaviourTrainOptions = {}) {
  const { dir = 'datasets/berka', out = 'models', seed = 42, repeats = 20, resamples = 2000 } = options;
  const samples = await berkaSamples(dir);
  const y = Uint8Array.from(samples, (s) => s.loan.bad);
  const behaviourRows = samples.map((s) => BEHAVIOUR_MODEL_INPUTS.map((k) => behaviourModelInputs(s.behaviour)[k]));
  const answersRows = samples.map((s) => ANSWERS_INPUTS.map((k) => behaviourModelInputs(s.behaviour)[k]));
  const bankRows = samples.map((s) => s.bank);
  const bothRows = samples.map((_, i) => [...bankRows[i], ...behaviourRows[i]]);

  const oof = {
    bank: repeatedOutOfFold(bankRows, y, repeats, 5, seed),
    behaviour: repeatedOutOfFold(behaviourRows, y, repeats, 5, seed),
    both: repeatedOutOfFold(bothRows, y, repeats, 5, seed),
    answers: repeatedOutOfFold(answersRows, y, repeats, 5, seed),
  };
  const baseRate = y.reduce((s, v) => s + v, 0) / y.length;
  // The combination rule applied to the two separate models, against the joint model.
  const additive = oof.bank.map((p, i) => sigmoid(logit(p) + logit(oof.behaviour[i]) - logit(baseRate)));
  const auc = (p: Float64Array) => ({ rocAuc: round(rocAuc(y, p)), ci95: mapCi(bootstrap(y, [p], (yb, [pb]) => rocAuc(yb, pb), resamples, seed)) });
  const delta = bootstrap(y, [oof.both, oof.bank], (yb, [a, b]) => rocAuc(yb, a) - rocAuc(yb, b), resamples, seed + 1);
  const metrics = {
    data: { loans: samples.length, bad: y.reduce((s, v) => s + v, 0), baseRate: round(baseRate), windowMonths: WINDOW_MONTHS, period: 'loans granted 1997–1998; transactions strictly before each loan date' },
    method: `logistic regression (L2 = 1, standardised inputs); ${repeats} × repeated stratified 5-fold cross-validation, out-of-fold predictions averaged; percentile bootstrap (${resamples} resamples) for 95% intervals`,
    bankOnly: auc(oof.bank),
    behaviourOnly: auc(oof.behaviour),
    answersOnly: auc(oof.answers),
    bankPlusBehaviour: { ...auc(oof.both), gainOverBank: round(rocAuc(y, oof.both) - rocAuc(y, oof.bank)), gainCi95: mapCi(delta) },
    combinationRule: {
      additive: { rocAuc: round(rocAuc(y, additive)), logLoss: round(logLoss(y, additive)) },
      joint: { rocAuc: round(rocAuc(y, oof.both)), logLoss: round(logLoss(y, oof.both)) },
    },
  };

  const everyLoan = Uint32Array.from({ length: y.length }, (_, i) => i);
  const fit = (rows: number[][]) => {
    const { X, p } = matrix(rows);
    return fitLogistic(X, y, p, everyLoan, { l2: 1 });
  };
  const model = fit(behaviourRows);
  const body = {
    kind: 'behaviour' as const,
    statement: { inputs: [...BEHAVIOUR_MODEL_INPUTS], model },
    answers: { inputs: [...ANSWERS_INPUTS], model: fit(answersRows) },
    baseRate,
    windowMonths: WINDOW_MONTHS,
  };
  const version = `behaviour-lr-${createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 10)}`;
  const artefact: BehaviourModel = { ...body, version };
  const dirOut = join(out, version);
  mkdirSync(dirOut, { recursive: true });
  writeFileSync(join(dirOut, 'model.json'), `${JSON.stringify(artefact, null, 1)}\n`);
  writeFileSync(join(dirOut, 'metrics.json'), `${JSON.stringify({ version, ...metrics }, null, 1)}\n`);
  writeFileSync(join(dirOut, 'MODEL_CARD.md'), behaviourCard(version, metrics, model.coefficients.map((c, j) => [BEHAVIOUR_MODEL_INPUTS[j], c / model.scales[j]] as const)));
  const manifestPath = join(out, MANIFEST_FILE);
  if (existsSync(manifestPath)) {
    const manifest = ManifestSchema.parse(JSON.parse(readFileSync(manifestPath, 'utf8')));
    writeFileSync(manifestPath, `${JSON.stringify({ ...manifest, behaviour: version }, null, 2)}\n`);
    if (resolve(out) === resolve('models')) writeBundledModel(out);
  }
  return { version, dir: dirOut, metrics };
}

const mapCi = (ci: { lo: number; hi: number }) => [round(ci.lo), round(ci.hi)] as [number, number];

function behaviourCard(version: string, m: Awaited<ReturnType<typeof trainBehaviourModel>>['metrics'], coefficients: (readonly [string, number])[]): string {
  const row = (name: string, b: { rocAuc: number; ci95: [number, number] }) => `| ${name} | ${b.rocAuc.toFixed(3)} | ${b.ci95[0].toFixed(3)} – ${b.ci95[1].toFixed(3)} |`;
  return [
    `# Model card: ${version}`,
    '',
    'Behavioural evidence from a bank account: how the money coming in and going out of an applicant\'s account in the 12 months before the application relates to default. It is added to the bureau PD as log-odds evidence (src/model/behaviour-model.ts).',
    '',
    '## Data',
    `- PKDD'99 Czech bank data ("Berka"): ${m.data.loans} loans granted in 1997–98 with their accounts' transactions strictly before the loan date; ${m.data.bad} bad (status B or D), base rate ${(m.data.baseRate * 100).toFixed(1)}%.`,
    '- Amounts are in Czech crowns of the 1990s, so the model uses only scale-free inputs (shares, ratios, counts).',
    '',
    '## Inputs',
    ...coefficients.map(([name, c]) => `- \`${name}\`: coefficient ${c >= 0 ? '+' : ''}${c.toPrecision(3)} per unit (${c > 0 ? 'raises' : 'lowers'} the risk)`),
    '',
    '## How well it predicts (cross-validated, with 95% bootstrap intervals)',
    `Method: ${m.method}.`,
    '',
    '| inputs | ROC-AUC | 95% interval |',
    '|---|---|---|',
    row('what the bank knew without transactions (amount, duration, instalment, district figures)', m.bankOnly),
    row('behaviour from transactions only', m.behaviourOnly),
    row('only what the short questions give (savings rate, months overdrawn)', m.answersOnly),
    row('both', m.bankPlusBehaviour),
    '',
    `Gain of adding behaviour to what the bank knew: ${m.bankPlusBehaviour.gainOverBank >= 0 ? '+' : ''}${m.bankPlusBehaviour.gainOverBank.toFixed(3)} ROC-AUC (95% interval ${m.bankPlusBehaviour.gainCi95[0].toFixed(3)} to ${m.bankPlusBehaviour.gainCi95[1].toFixed(3)}).`,
    '',
    `Combination rule checked on these loans: adding the behavioural model\'s log-odds evidence to the bank-only model gives ROC-AUC ${m.combinationRule.additive.rocAuc.toFixed(3)} and log loss ${m.combinationRule.additive.logLoss.toFixed(3)}; one joint model gives ${m.combinationRule.joint.rocAuc.toFixed(3)} and ${m.combinationRule.joint.logLoss.toFixed(3)}. The rule assumes that, given the outcome, the two sources are independent; no data set here has both LendingClub bureau inputs and transactions, so that assumption could only be checked with the bank's own inputs.`,
    '',
    '## Limits',
    `- The sample is small (${m.data.bad} bad loans): every figure above has a wide interval; treat the evidence as a modest adjustment, not a verdict.`,
    '- One Czech bank in the 1990s; spending categories are read from transaction descriptions, which vary between banks.',
    '- Social-media signals are not used, on purpose: they are unreliable, easy to game, and a fair-lending risk (they proxy for protected characteristics).',
    '',
  ].join('\n');
}
