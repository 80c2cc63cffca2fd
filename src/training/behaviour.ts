import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BERKA_HEAD_COMPLETE_BEFORE, BERKA_HEAD_FILE, readBerkaLoans, readBerkaTransactions, readDistricts, type BerkaLoan } from '../data/berka.ts';
import type { Transaction } from '../data/statement.ts';
import {
  BEHAVIOUR_INPUT_SIGNS,
  BEHAVIOUR_MODEL_INPUTS,
  behaviourFeatures,
  behaviourModelInputs,
  type BehaviourFeatures,
  type BehaviourModelInput,
} from '../features/behaviour.ts';
import { mulberry32 } from '../forest/rng.ts';
import { rocAuc, logLoss } from '../evaluation/metrics.ts';
import { MANIFEST_FILE, ManifestSchema } from '../model/artefacts.ts';
import { EVIDENCE_CAP, SELF_REPORTED_WEIGHT, limitEvidence, type BehaviourModel } from '../model/behaviour-model.ts';
import { fitLogistic } from './logistic.ts';
import { logit, logisticLogit, sigmoid, type LogisticModel } from '../model/logistic.ts';
import { writeBundledModel } from '../worker/bundle-model.ts';
import { stratifiedFolds } from './split.ts';

/**
 * Evidence that bank-account behaviour predicts default, on every Berka loan whose account history
 * before the loan is available here, and the behavioural model shipped in models/:
 * - the 354 loans granted in 1997–98, with every transaction of the 12 months before the loan;
 * - the loans whose 12 months before the loan overlap the head of the original transaction file
 *   (1993-01-01 to 1994-03-30 in full) by at least MIN_HISTORY_MONTHS: their window is read up to
 *   the loan date or the end of that file, whichever comes first.
 * A cohort indicator (which of the two) is fitted unpenalised alongside, in every model, so the
 * cohorts' different bad rates (follow-up time, the period) are not read as behaviour; the shipped
 * model is the 1997–98 cohort's (full windows up to the loan date, like a statement at run time).
 */

export type Cohort = '1997-98' | '1993-94';

export interface BerkaSample {
  loan: BerkaLoan;
  behaviour: BehaviourFeatures;
  /** What the bank knew without transactions: amount, duration, instalment, district salary, unemployment, entrepreneurs. */
  bank: number[];
  cohort: Cohort;
  /** Months of account history in the 12-month window that the transaction file covers. */
  historyMonths: number;
}

export const BANK_INPUTS = ['amount', 'durationMonths', 'payment', 'districtAverageSalary', 'districtUnemployment96', 'districtEntrepreneursPer1000'] as const;
export const WINDOW_MONTHS = 12;
/** A 1993–94 loan is used when the file covers at least this much of its window (the 1997–98 loans all have 3.4 months or more). */
export const MIN_HISTORY_MONTHS = 3;
/** What the four short questions can tell: savings rate and months overdrawn. */
export const ANSWERS_INPUTS = ['savingsRate', 'episodesBelowZero'] as const satisfies readonly BehaviourModelInput[];
/** Ridge penalties tried (on standardised coefficients; the fit maximises log-likelihood − l2/2·‖β‖²). */
export const L2_GRID = [0.03, 0.1, 0.3, 1, 3, 10, 30, 100, 300] as const;

const MONTH_MS = (365.25 / 12) * 86_400_000;
const monthsBefore = (d: Date, months: number) => Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - months, d.getUTCDate());

/** The loan's window: [loan date − 12 months, cutoff), with how much of it the account's history covers. */
function windowOf(tx: Transaction[], loanDate: Date, cutoff: number): { tx: Transaction[]; historyMonths: number } {
  const from = monthsBefore(loanDate, WINDOW_MONTHS);
  let first = Infinity;
  for (const t of tx) first = Math.min(first, t.date.getTime());
  const inWindow = tx.filter((t) => t.date.getTime() >= from && t.date.getTime() < cutoff);
  return { tx: inWindow, historyMonths: inWindow.length ? Math.max(0, (cutoff - Math.max(from, first)) / MONTH_MS) : 0 };
}

export async function berkaSamples(dir = 'datasets/berka'): Promise<BerkaSample[]> {
  const [loans, districts, late, early] = await Promise.all([
    readBerkaLoans(dir),
    readDistricts(dir),
    readBerkaTransactions(join(dir, 'trans_1995_1998_for_1997_1998_loans.csv.gz')),
    readBerkaTransactions(join(dir, BERKA_HEAD_FILE)),
  ]);
  const unemployment = [...districts.values()]
    .map((d) => d.unemployment96)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  const medianUnemployment = unemployment[unemployment.length >> 1];
  const samples: BerkaSample[] = [];
  for (const loan of loans) {
    const fromLate = late.get(loan.accountId);
    const fromEarly = early.get(loan.accountId);
    const cohort: Cohort | undefined = fromLate ? '1997-98' : fromEarly ? '1993-94' : undefined;
    if (!cohort) continue;
    const cutoff = cohort === '1997-98' ? loan.date.getTime() : Math.min(loan.date.getTime(), BERKA_HEAD_COMPLETE_BEFORE.getTime());
    const { tx, historyMonths } = windowOf((fromLate ?? fromEarly)!, loan.date, cutoff);
    if (cohort === '1993-94' && historyMonths < MIN_HISTORY_MONTHS) continue;
    const d = districts.get(loan.districtId)!;
    samples.push({
      loan,
      // Read up to the cutoff: days after the file ends are unknown, not overdrawn.
      behaviour: behaviourFeatures(tx, new Date(cutoff), WINDOW_MONTHS),
      bank: [
        loan.amount,
        loan.durationMonths,
        loan.payment,
        d.averageSalary,
        Number.isFinite(d.unemployment96) ? d.unemployment96 : medianUnemployment,
        d.entrepreneursPer1000,
      ],
      cohort,
      historyMonths,
    });
  }
  return samples;
}

/** Row-major matrix from per-sample vectors. */
function matrix(rows: number[][]): { X: Float64Array; p: number } {
  const p = rows[0].length;
  const X = new Float64Array(rows.length * p);
  rows.forEach((r, i) => X.set(r, i * p));
  return { X, p };
}

/**
 * A model specification: per column, its sign (+1/−1/0) and its penalty factor (0 = unpenalised,
 * for the cohort indicator). The penalty itself is a number, or 'cv': chosen by inner cross-validation.
 */
export interface FitSpec {
  signs: readonly number[];
  penaltyFactors?: readonly number[];
}

export function fitRows(X: Float64Array, p: number, y: Uint8Array, rows: ArrayLike<number>, spec: FitSpec, l2: number): LogisticModel {
  return fitLogistic(X, y, p, rows, { l2, signs: spec.signs, ...(spec.penaltyFactors ? { penaltyFactors: spec.penaltyFactors } : {}) });
}

/** The L2 penalty of L2_GRID with the lowest out-of-fold log loss (k-fold, stratified, `repeats` splits) on `rows`. */
export function chooseL2(
  X: Float64Array,
  p: number,
  y: Uint8Array,
  rows: Uint32Array,
  spec: FitSpec,
  folds: number,
  repeats: number,
  seed: number,
): { l2: number; logLoss: Record<string, number> } {
  const loss = new Map<number, number>();
  for (let r = 0; r < repeats; r++) {
    const parts = stratifiedFolds(y, rows, folds, seed + r);
    parts.forEach((held, k) => {
      const fit = Uint32Array.from(parts.flatMap((f, j) => (j === k ? [] : [...f])));
      for (const l2 of L2_GRID) {
        const model = fitRows(X, p, y, fit, spec, l2);
        let s = 0;
        for (const i of held) {
          const q = Math.min(1 - 1e-12, Math.max(1e-12, sigmoid(logisticLogit(model, X, i * p))));
          s -= y[i] ? Math.log(q) : Math.log(1 - q);
        }
        loss.set(l2, (loss.get(l2) ?? 0) + s);
      }
    });
  }
  const total = repeats * rows.length;
  let best: number = L2_GRID[0];
  for (const l2 of L2_GRID) if (loss.get(l2)! < loss.get(best)! - 1e-12) best = l2;
  return { l2: best, logLoss: Object.fromEntries(L2_GRID.map((l2) => [String(l2), round(loss.get(l2)! / total)])) };
}

/**
 * Out-of-fold logistic predictions, averaged over `repeats` different fold splits. With `l2: 'cv'` the
 * penalty is chosen inside each training part by an inner 5-fold cross-validation (nested), so the
 * held-out loans never take part in choosing it.
 */
export function repeatedOutOfFold(
  rows: number[][],
  y: Uint8Array,
  repeats: number,
  folds: number,
  seed: number,
  spec: FitSpec & { l2: number | 'cv' } = { signs: [], l2: 1 },
): { p: Float64Array; l2s: number[] } {
  const { X, p } = matrix(rows);
  const all = Uint32Array.from({ length: rows.length }, (_, i) => i);
  const sum = new Float64Array(rows.length);
  const l2s: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const parts = stratifiedFolds(y, all, folds, seed + r);
    parts.forEach((held, k) => {
      const fit = Uint32Array.from(parts.flatMap((f, j) => (j === k ? [] : [...f])));
      const l2 = spec.l2 === 'cv' ? chooseL2(X, p, y, fit, spec, 5, 1, seed + 1000 * (r + 1) + k).l2 : spec.l2;
      l2s.push(l2);
      const model = fitRows(X, p, y, fit, spec, l2);
      for (const i of held) sum[i] += sigmoid(logisticLogit(model, X, i * p));
    });
  }
  return { p: sum.map((s) => s / repeats), l2s };
}

/** Percentile bootstrap of a statistic of (y, predictions…), resampling loans with replacement. */
export function bootstrap(
  y: Uint8Array,
  preds: Float64Array[],
  stat: (y: number[], ps: number[][]) => number,
  resamples: number,
  seed: number,
): { lo: number; hi: number } {
  const rng = mulberry32(seed);
  const n = y.length;
  const values: number[] = [];
  for (let b = 0; b < resamples; b++) {
    const idx = Array.from({ length: n }, () => Math.floor(rng() * n));
    const yb = idx.map((i) => y[i]);
    if (yb.every((v) => v === yb[0])) continue;
    values.push(
      stat(
        yb,
        preds.map((p) => idx.map((i) => p[i])),
      ),
    );
  }
  values.sort((a, b) => a - b);
  return { lo: values[Math.floor(values.length * 0.025)], hi: values[Math.ceil(values.length * 0.975) - 1] };
}

const round = (v: number) => Math.round(v * 10_000) / 10_000;
const mapCi = (ci: { lo: number; hi: number }) => [round(ci.lo), round(ci.hi)] as [number, number];

/** A fitted model with the cohort indicator (last column) set to the 1997–98 cohort (0) and dropped. */
function referenceCohort(model: LogisticModel): LogisticModel {
  const last = model.coefficients.length - 1;
  return {
    ...model,
    intercept: model.intercept + (model.coefficients[last] * (0 - model.means[last])) / model.scales[last],
    means: model.means.slice(0, last),
    scales: model.scales.slice(0, last),
    coefficients: model.coefficients.slice(0, last),
  };
}

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
  const early = samples.map((s) => (s.cohort === '1993-94' ? 1 : 0));
  const inputs = samples.map((s) => behaviourModelInputs(s.behaviour));
  // Every model gets the cohort indicator as its last column: unpenalised, sign free.
  const withCohort = (rows: number[][]) => rows.map((r, i) => [...r, early[i]]);
  const spec = (signs: readonly number[]): FitSpec => ({ signs: [...signs, 0], penaltyFactors: [...signs.map(() => 1), 0] });
  const behaviourSigns = BEHAVIOUR_MODEL_INPUTS.map((k) => BEHAVIOUR_INPUT_SIGNS[k]);
  const answersSigns = ANSWERS_INPUTS.map((k) => BEHAVIOUR_INPUT_SIGNS[k]);
  const bankSigns = BANK_INPUTS.map(() => 0);
  const sets = {
    bank: { rows: withCohort(samples.map((s) => s.bank)), spec: spec(bankSigns) },
    behaviour: { rows: withCohort(inputs.map((x) => BEHAVIOUR_MODEL_INPUTS.map((k) => x[k]))), spec: spec(behaviourSigns) },
    both: {
      rows: withCohort(samples.map((s, i) => [...s.bank, ...BEHAVIOUR_MODEL_INPUTS.map((k) => inputs[i][k])])),
      spec: spec([...bankSigns, ...behaviourSigns]),
    },
    answers: { rows: withCohort(inputs.map((x) => ANSWERS_INPUTS.map((k) => x[k]))), spec: spec(answersSigns) },
  };
  const oofRuns = Object.fromEntries(
    Object.entries(sets).map(([name, set]) => [name, repeatedOutOfFold(set.rows, y, repeats, 5, seed, { ...set.spec, l2: 'cv' })]),
  ) as Record<keyof typeof sets, { p: Float64Array; l2s: number[] }>;
  const oof = Object.fromEntries(Object.entries(oofRuns).map(([k, v]) => [k, v.p])) as Record<keyof typeof sets, Float64Array>;

  const count = (c: Cohort) => samples.filter((s) => s.cohort === c).length;
  const badIn = (c: Cohort) => samples.filter((s) => s.cohort === c && s.loan.bad).length;
  const cohortRate = { '1997-98': badIn('1997-98') / count('1997-98'), '1993-94': badIn('1993-94') / Math.max(1, count('1993-94')) };
  const baseOf = (i: number) => cohortRate[samples[i].cohort];
  // Evidence as the product uses it: the behavioural model's log-odds against its cohort's base rate, capped, weighted.
  const evidence = (p: Float64Array, i: number) => logit(p[i]) - logit(baseOf(i));
  const additive = oof.bank.map((b, i) => sigmoid(logit(b) + evidence(oof.behaviour, i)));
  const product = oof.bank.map((b, i) => sigmoid(logit(b) + limitEvidence(evidence(oof.behaviour, i), 1)));
  const productAnswers = oof.bank.map((b, i) => sigmoid(logit(b) + limitEvidence(evidence(oof.answers, i), SELF_REPORTED_WEIGHT)));

  const auc = (p: Float64Array, yy = y, s = seed) => ({
    rocAuc: round(rocAuc(yy, p)),
    ci95: mapCi(bootstrap(yy, [p], (yb, [pb]) => rocAuc(yb, pb), resamples, s)),
  });
  const gain = (a: Float64Array, b: Float64Array, yy = y, s = seed + 1) => ({
    gainOverBank: round(rocAuc(yy, a) - rocAuc(yy, b)),
    gainCi95: mapCi(bootstrap(yy, [a, b], (yb, [pa, pb]) => rocAuc(yb, pa) - rocAuc(yb, pb), resamples, s)),
  });
  const lateIdx = samples.flatMap((s, i) => (s.cohort === '1997-98' ? [i] : []));
  const late = (p: Float64Array) => Float64Array.from(lateIdx, (i) => p[i]);
  const yLate = Uint8Array.from(lateIdx, (i) => y[i]);
  const l2Summary = (l2s: number[]) => {
    const s = [...l2s].sort((a, b) => a - b);
    return { median: s[s.length >> 1], min: s[0], max: s[s.length - 1] };
  };

  // The shipped models: the penalty chosen by 5 × repeated 5-fold cross-validation on every loan.
  const everyLoan = Uint32Array.from({ length: y.length }, (_, i) => i);
  const final = (set: (typeof sets)['behaviour']) => {
    const { X, p } = matrix(set.rows);
    const choice = chooseL2(X, p, y, everyLoan, set.spec, 5, 5, seed);
    return { choice, model: fitRows(X, p, y, everyLoan, set.spec, choice.l2) };
  };
  const statementFit = final(sets.behaviour);
  const answersFit = final(sets.answers);
  const statementModel = referenceCohort(statementFit.model);
  const answersModel = referenceCohort(answersFit.model);
  const baseRate = cohortRate['1997-98'];
  const inSampleEvidence = sets.behaviour.rows.map((r) => logisticLogit(statementModel, r) - logit(baseRate));

  const metrics = {
    data: {
      loans: samples.length,
      bad: y.reduce((s, v) => s + v, 0),
      cohorts: {
        '1997-98': {
          loans: count('1997-98'),
          bad: badIn('1997-98'),
          baseRate: round(cohortRate['1997-98']),
          history: 'every transaction of the 12 months before the loan date',
        },
        '1993-94': {
          loans: count('1993-94'),
          bad: badIn('1993-94'),
          baseRate: round(cohortRate['1993-94']),
          history: `the 12 months before the loan date, read up to the loan date or 1994-03-30 (the end of the partial head of the original transaction file), at least ${MIN_HISTORY_MONTHS} months of it covered`,
        },
      },
      baseRate: round(baseRate),
      windowMonths: WINDOW_MONTHS,
      minHistoryMonths: MIN_HISTORY_MONTHS,
      /** How many accounts show each warning sign at all, and how many of those loans went bad. */
      rareSignals: Object.fromEntries(
        (['episodesBelowZero', 'daysBelowZero', 'penaltyCharges'] as const).map((k) => {
          const seen = inputs.flatMap((x, i) => (x[k] > 0 ? [i] : []));
          return [k, { loans: seen.length, bad: seen.filter((i) => y[i]).length }];
        }),
      ),
    },
    method: `logistic regression on standardised inputs with the signs above held by an active set; ridge (L2) penalty chosen from {${L2_GRID.join(', ')}} by the lowest cross-validated log loss (nested inside each outer training part for the figures below); a cohort indicator fitted unpenalised in every model; ${repeats} × repeated stratified 5-fold cross-validation, out-of-fold predictions averaged; percentile bootstrap (${resamples} resamples) for 95% intervals`,
    regularisation: {
      grid: [...L2_GRID],
      criterion: 'out-of-fold log loss, 5 × repeated stratified 5-fold cross-validation on every loan',
      statement: statementFit.choice,
      answers: answersFit.choice,
      nested: Object.fromEntries(Object.entries(oofRuns).map(([k, v]) => [k, l2Summary(v.l2s)])),
    },
    signs: Object.fromEntries(BEHAVIOUR_MODEL_INPUTS.map((k) => [k, BEHAVIOUR_INPUT_SIGNS[k]])),
    limits: {
      evidenceCap: round(EVIDENCE_CAP),
      oddsFactor: 3,
      selfReportedWeight: SELF_REPORTED_WEIGHT,
      loansAtCap: round(inSampleEvidence.filter((e) => Math.abs(e) > EVIDENCE_CAP).length / inSampleEvidence.length),
      loansAtCapBad: round(
        inSampleEvidence.filter((e, i) => e > EVIDENCE_CAP && y[i]).length /
          Math.max(
            1,
            y.reduce((s, v) => s + v, 0),
          ),
      ),
    },
    /** Evidence (log-odds) of the shipped answers model, as self-reported answers. */
    answersExamples: {
      noMonthOverdrawn: round(
        limitEvidence(
          logisticLogit(
            answersModel,
            ANSWERS_INPUTS.map((k) => (k === 'episodesBelowZero' ? 0 : 0.1)),
          ) - logit(baseRate),
          SELF_REPORTED_WEIGHT,
        ),
      ),
      oneMonthOverdrawn: round(
        limitEvidence(
          logisticLogit(
            answersModel,
            ANSWERS_INPUTS.map((k) => (k === 'episodesBelowZero' ? 1 : 0.1)),
          ) - logit(baseRate),
          SELF_REPORTED_WEIGHT,
        ),
      ),
    },
    bankOnly: auc(oof.bank),
    behaviourOnly: auc(oof.behaviour),
    answersOnly: auc(oof.answers),
    bankPlusBehaviour: { ...auc(oof.both), ...gain(oof.both, oof.bank) },
    bankPlusCappedEvidence: { ...auc(product), ...gain(product, oof.bank, y, seed + 2) },
    bankPlusSelfReported: { ...auc(productAnswers), ...gain(productAnswers, oof.bank, y, seed + 3) },
    loans1997to98: {
      loans: lateIdx.length,
      bankOnly: auc(late(oof.bank), yLate),
      behaviourOnly: auc(late(oof.behaviour), yLate),
      bankPlusBehaviour: { ...auc(late(oof.both), yLate), ...gain(late(oof.both), late(oof.bank), yLate) },
      bankPlusCappedEvidence: { ...auc(late(product), yLate), ...gain(late(product), late(oof.bank), yLate, seed + 2) },
    },
    combinationRule: {
      additive: { rocAuc: round(rocAuc(y, additive)), logLoss: round(logLoss(y, additive)) },
      additiveCapped: { rocAuc: round(rocAuc(y, product)), logLoss: round(logLoss(y, product)) },
      joint: { rocAuc: round(rocAuc(y, oof.both)), logLoss: round(logLoss(y, oof.both)) },
    },
  };

  const signsOf = (names: readonly BehaviourModelInput[]) => names.map((k) => BEHAVIOUR_INPUT_SIGNS[k]);
  const body = {
    kind: 'behaviour' as const,
    statement: { inputs: [...BEHAVIOUR_MODEL_INPUTS], model: statementModel, signs: signsOf(BEHAVIOUR_MODEL_INPUTS) },
    answers: { inputs: [...ANSWERS_INPUTS], model: answersModel, signs: signsOf(ANSWERS_INPUTS) },
    baseRate,
    windowMonths: WINDOW_MONTHS,
  };
  const version = `behaviour-lr-${createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 10)}`;
  const artefact: BehaviourModel = { ...body, version };
  const dirOut = join(out, version);
  mkdirSync(dirOut, { recursive: true });
  writeFileSync(join(dirOut, 'model.json'), `${JSON.stringify(artefact, null, 1)}\n`);
  writeFileSync(join(dirOut, 'metrics.json'), `${JSON.stringify({ version, ...metrics }, null, 1)}\n`);
  const perUnit = (m: LogisticModel, names: readonly BehaviourModelInput[]) => m.coefficients.map((c, j) => [names[j], c / m.scales[j]] as const);
  writeFileSync(
    join(dirOut, 'MODEL_CARD.md'),
    behaviourCard(version, metrics, perUnit(statementModel, BEHAVIOUR_MODEL_INPUTS), perUnit(answersModel, ANSWERS_INPUTS)),
  );
  const manifestPath = join(out, MANIFEST_FILE);
  if (existsSync(manifestPath)) {
    // Only the behaviour field changes: the rest is read fresh and kept as it is.
    const raw = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
    ManifestSchema.parse(raw);
    writeFileSync(manifestPath, `${JSON.stringify({ ...raw, behaviour: version }, null, 2)}\n`);
    if (resolve(out) === resolve('models')) writeBundledModel(out);
  }
  return { version, dir: dirOut, metrics };
}

type Metrics = Awaited<ReturnType<typeof trainBehaviourModel>>['metrics'];

function behaviourCard(version: string, m: Metrics, statement: (readonly [string, number])[], answers: (readonly [string, number])[]): string {
  const row = (name: string, b: { rocAuc: number; ci95: [number, number] }) =>
    `| ${name} | ${b.rocAuc.toFixed(3)} | ${b.ci95[0].toFixed(3)} – ${b.ci95[1].toFixed(3)} |`;
  const ci = (b: { rocAuc: number; ci95: [number, number] }) => `${b.rocAuc.toFixed(3)} [${b.ci95[0].toFixed(3)}–${b.ci95[1].toFixed(3)}]`;
  const signed = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(3)}`;
  const gainLine = (g: { gainOverBank: number; gainCi95: [number, number] }) =>
    `${signed(g.gainOverBank)} ROC-AUC (95% interval ${signed(g.gainCi95[0])} to ${signed(g.gainCi95[1])})`;
  const signWord = (s: number) => (s > 0 ? 'may only raise the risk (+)' : s < 0 ? 'may only lower the risk (−)' : 'free (direction not settled)');
  const coefficient = ([name, c]: readonly [string, number]) =>
    `| \`${name}\` | ${signWord(m.signs[name as BehaviourModelInput])} | ${c === 0 ? '0 (held at zero by its sign)' : `${c > 0 ? '+' : ''}${c.toPrecision(3)}`} |`;
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  const from = 0.169;
  const oddsTimes = (f: number) => sigmoid(logit(from) + Math.log(f));
  const answersMax = Math.exp(SELF_REPORTED_WEIGHT * EVIDENCE_CAP);
  const c = m.data.cohorts;
  return [
    `# Model card: ${version}`,
    '',
    "Behavioural evidence from a bank account: how the money coming in and going out of an applicant's account in the 12 months before the application relates to default. It is added to the bureau PD as log-odds evidence (src/model/behaviour-model.ts), within the limits below.",
    '',
    '## Data',
    `PKDD'99 Czech bank data ("Berka"): ${m.data.loans} loans, ${m.data.bad} bad (status B or D), every loan whose account history before the loan is available here:`,
    `- ${c['1997-98'].loans} loans granted in 1997–98 (${c['1997-98'].bad} bad, ${pct(c['1997-98'].baseRate)}): ${c['1997-98'].history}.`,
    `- ${c['1993-94'].loans} loans granted in 1993–94 (${c['1993-94'].bad} bad, ${pct(c['1993-94'].baseRate)}): ${c['1993-94'].history}. The other early loans have less than that, and the loans of 1995–96 have no transactions in the files here.`,
    "- The two groups differ in bad rate (the early loans had longer to go bad) and in how much history they show, so every model below has a cohort indicator, fitted without penalty. The shipped model is the 1997–98 cohort's (a full window up to the loan date, as a statement at run time), with its base rate " +
      pct(m.data.baseRate) +
      ' as the neutral point.',
    '- Amounts are in Czech crowns of the 1990s, so the model uses only scale-free inputs (shares, ratios, counts), each held to a stated range (src/features/behaviour.ts).',
    '',
    '## Inputs, their signs and coefficients',
    'Signs were decided before fitting (src/features/behaviour.ts, `BEHAVIOUR_INPUT_SIGNS`) and held by the fit: more overdraft, penalties and cash share can only raise the risk; more savings and steadier income can only lower it; where the direction is not settled the input is free. A coefficient the data would push across its sign stays at zero.',
    '',
    '| input (statement model) | sign | coefficient per unit |',
    '|---|---|---|',
    ...statement.map(coefficient),
    '',
    '| input (answers model: savings rate, months overdrawn) | sign | coefficient per unit |',
    '|---|---|---|',
    ...answers.map(coefficient),
    '',
    `Months overdrawn (an answer) is read as \`episodesBelowZero\` (the times the account went overdrawn). One spell can run over more than one month, so this reads an answer as at least as risky as the same account's statement would be; and one month already reaches the cap. As self-reported answers (savings rate 10%): no month overdrawn multiplies the odds by ${Math.exp(m.answersExamples.noMonthOverdrawn).toFixed(2)}, one month by ${Math.exp(m.answersExamples.oneMonthOverdrawn).toFixed(2)}.`,
    '',
    '## Regularisation',
    `Ridge (L2) on standardised coefficients, its strength chosen by cross-validation, not by hand: from {${m.regularisation.grid.join(', ')}}, the one with the lowest out-of-fold log loss (5 × repeated stratified 5-fold). Chosen: ${m.regularisation.statement.l2} for the statement model, ${m.regularisation.answers.l2} for the answers model. In the figures below the choice is nested inside each outer training part (statement model: median ${m.regularisation.nested.behaviour.median}, range ${m.regularisation.nested.behaviour.min}–${m.regularisation.nested.behaviour.max}).`,
    ...([m.regularisation.statement, m.regularisation.answers].some((r) => r.l2 === m.regularisation.grid[0])
      ? [
          '',
          `A choice at the grid's lowest penalty means the data cannot bound a coefficient: ${m.data.rareSignals.episodesBelowZero.loans} accounts went overdrawn in their window and ${m.data.rareSignals.episodesBelowZero.bad} of those loans went bad (penalty charges: ${m.data.rareSignals.penaltyCharges.loans} accounts, ${m.data.rareSignals.penaltyCharges.bad} bad), so the less the penalty the better the fit, without end. What bounds the evidence there is the grid's floor and, in a decision, the cap.`,
        ]
      : []),
    '',
    '## Limits on the evidence (src/model/behaviour-model.ts, applied in `behaviourEvidence`)',
    `- **Cap**: whatever the model says, the evidence moves the odds of default by at most a factor of 3 either way (|Δ log-odds| ≤ ln 3 = ${EVIDENCE_CAP.toFixed(3)}). From a bureau PD of 16.9%, a statement can take it to between ${pct(oddsTimes(1 / 3))} and ${pct(oddsTimes(3))}. The model rests on ${m.data.bad} bad loans of one bank in the 1990s: it may adjust the credit file's evidence, not overrule it. On these loans the model's evidence reached the cap for ${pct(m.limits.loansAtCap)} of loans (raising the risk for ${pct(m.limits.loansAtCapBad)} of the bad ones).`,
    `- **Self-reported answers** (money in, money out, savings, months overdrawn) count at ${m.limits.selfReportedWeight} of the weight of the same figures read from a statement the server parsed, after the cap: at most ×${answersMax.toFixed(2)} or ÷${answersMax.toFixed(2)} on the odds (16.9% → ${pct(oddsTimes(1 / answersMax))} to ${pct(oddsTimes(answersMax))}). The factor is a stated prior, not a measurement (no data set here pairs answers with statements): the lender cannot check an answer and the applicant knows which answers help, so half of what an answer seems to say is taken as signal (a reliability of 0.5, which under classical measurement error attenuates a coefficient by that factor).`,
    '',
    '## How well it predicts (cross-validated, with 95% bootstrap intervals)',
    `Method: ${m.method}.`,
    '',
    `All ${m.data.loans} loans:`,
    '',
    '| inputs | ROC-AUC | 95% interval |',
    '|---|---|---|',
    row('what the bank knew without transactions (amount, duration, instalment, district figures)', m.bankOnly),
    row('behaviour from transactions only', m.behaviourOnly),
    row('only what the short questions give (savings rate, months overdrawn)', m.answersOnly),
    row('both, one joint model', m.bankPlusBehaviour),
    row('bank + capped statement evidence (what a decision does)', m.bankPlusCappedEvidence),
    row('bank + capped, half-weight answers evidence', m.bankPlusSelfReported),
    '',
    `Gain of adding behaviour to what the bank knew: ${gainLine(m.bankPlusBehaviour)} as one joint model; ${gainLine(m.bankPlusCappedEvidence)} as the capped evidence a decision adds; ${gainLine(m.bankPlusSelfReported)} from the answers at half weight. (Every model includes the cohort indicator, so these figures include what the cohort alone tells; the gains do not.)`,
    '',
    `The ${m.loans1997to98.loans} loans of 1997–98 alone (the same out-of-fold predictions): bank ${ci(m.loans1997to98.bankOnly)}, behaviour ${ci(m.loans1997to98.behaviourOnly)}, both ${ci(m.loans1997to98.bankPlusBehaviour)}, gain ${gainLine(m.loans1997to98.bankPlusBehaviour)}; capped evidence ${gainLine(m.loans1997to98.bankPlusCappedEvidence)}.`,
    '',
    `Combination rule checked on these loans: adding the behavioural model's log-odds evidence to the bank-only model gives ROC-AUC ${m.combinationRule.additive.rocAuc.toFixed(3)} and log loss ${m.combinationRule.additive.logLoss.toFixed(3)} (capped: ${m.combinationRule.additiveCapped.rocAuc.toFixed(3)} and ${m.combinationRule.additiveCapped.logLoss.toFixed(3)}); one joint model gives ${m.combinationRule.joint.rocAuc.toFixed(3)} and ${m.combinationRule.joint.logLoss.toFixed(3)}. On these loans the cap costs some of what the model finds; it stays, because those strongest signals rest on the fewest cases. The rule assumes that, given the outcome, the two sources are independent; no data set here has both LendingClub bureau inputs and transactions, so that assumption could only be checked with the bank's own inputs.`,
    '',
    '## Limits',
    `- The sample is small (${m.data.bad} bad loans): every figure above has a wide interval; treat the evidence as a modest adjustment, not a verdict — which is what the cap enforces.`,
    '- Overdraft, days overdrawn and penalty charges are seen in a handful of accounts, almost all of them bad loans: the data say they are strong signals, but the strength is estimated from few cases, hence the penalty, the signs and the cap.',
    "- The early loans' windows stop at the end of the partial transaction file, up to 9 months before some loan dates: their behaviour is older and shorter than a statement's, which tends to weaken, not invent, the signals.",
    '- One Czech bank in the 1990s; spending categories are read from transaction descriptions, which vary between banks.',
    '- Social-media signals are not used, on purpose: they are unreliable, easy to game, and a fair-lending risk (they proxy for protected characteristics).',
    '',
  ].join('\n');
}
