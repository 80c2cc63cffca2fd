/** The model card: what a reviewer needs to know about one model version, in plain Markdown. */
import { MAX_LEVELS, NUMERIC_SHARE } from '../features/generic.ts';
import type { BinaryMetrics, CalibrationBin, ConfusionMatrix } from './metrics.ts';

type Report = BinaryMetrics;
type Block = Report & { confusionAtDecline?: ConfusionMatrix; calibrationByDecile?: Pick<CalibrationBin, 'bin' | 'count' | 'meanPd' | 'observedRate'>[] };

export interface CardInput {
  version: string;
  kind: 'applicant' | 'generic';
  seed: number;
  data: {
    file: string;
    sha256: string;
    format: string;
    rowsRead: number;
    rowsKept: number;
    exclusionNotes: string[];
    /** Generic CSVs: the outcome column and its "bad" value. */
    target?: { column: string; bad: string };
    /** Columns kept out by --exclude or the leakage guard. */
    excludedColumns?: { name: string; reason: string }[];
    /** Columns the feature builder dropped (identifiers, free text, constants). */
    droppedColumns?: { name: string; reason: string }[];
    split: {
      kind: string;
      testFraction: number;
      trainRows: number;
      testRows: number;
      trainBadRate: number;
      testBadRate: number;
      validation?: { share: number; rows: number; badRate: number; newest: boolean };
    };
  };
  features: string[];
  /** Monotone direction per feature (+1 risk rises with it, -1 falls, 0 free). */
  directions: Record<string, number>;
  search: {
    folds: number;
    halving: { rows: number; settings: number; bestMeanAuc: number }[];
    best: { params: object; meanAuc: number; sdAuc: number };
    points: unknown[];
  };
  boosting: { best: { params: object; rounds: number; finalRounds: number; validAuc: number }; tried: unknown[] };
  forest: { trees: number; nodes: number };
  selection: { validAuc: Record<Champion, number>; blend: { treeFamily: string; treeWeight: number }; champion: Champion };
  champion: { name: Champion; treeWeight: number; logisticWeight: number; trees?: { kind: string; count: number; nodes: number } };
  calibration: { method: string; a: number; b: number; fittedOn: string };
  test: {
    champion: Block;
    baseline: Block;
    candidates: Record<Champion, Report & { validAuc: number }>;
    benchmark?: { name: string; rocAuc: number; gini: number };
  };
  dependence: { input: string; direction: number; monotone?: boolean; from: number; to: number }[];
  timing: Record<string, number>;
}

type Champion = 'forest' | 'boosting' | 'logistic' | 'blend';

const FAMILY: Record<Champion, string> = {
  forest: 'random forest',
  boosting: 'gradient boosting',
  logistic: 'logistic regression',
  blend: 'blend of trees and logistic regression',
};

/** The shipped model in words: "gradient boosting (180 trees)", "a 60/40 blend of …". */
function championText(m: CardInput): string {
  const c = m.champion;
  const trees = c.trees ? `${c.trees.kind === 'boosting' ? 'gradient boosting' : 'a random forest'} (${c.trees.count} trees)` : '';
  if (c.name === 'logistic') return 'a logistic regression';
  if (c.name === 'blend')
    return `a blend of ${trees} and a logistic regression, ${Math.round(c.treeWeight * 100)}/${Math.round(c.logisticWeight * 100)} in log-odds`;
  return trees;
}

const arrow = (d: number) => (d > 0 ? '↑ (risk may only rise)' : d < 0 ? '↓ (risk may only fall)' : 'free');

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const f3 = (v: number) => v.toFixed(3);
const f4 = (v: number) => v.toFixed(4);

function metricRow(name: string, b: Report): string {
  return `| ${name} | ${f3(b.rocAuc)} | ${f3(b.prAuc)} | ${f3(b.gini)} | ${f3(b.ks)} | ${f4(b.brier)} | ${f4(b.logLoss)} | ${pct(b.meanPd)} |`;
}

export function modelCard(m: CardInput): string {
  const split = m.data.split;
  const generic = m.kind === 'generic';
  const splitText = generic
    ? genericSplitText(m)
    : split.kind === 'head'
      ? `out-of-time: the first ${pct(split.testFraction)} of rows (the latest loans; LendingClub files list newest first) are the test set, the older ${split.trainRows.toLocaleString('en')} loans train`
      : split.kind === 'tail'
        ? `the last ${pct(split.testFraction)} of rows are the test set`
        : `a seeded stratified random ${pct(split.testFraction)} of rows is the test set (the file has no time order)`;
  const c = m.test.champion.confusionAtDecline;
  const constrained = Object.entries(m.directions).filter(([, d]) => d !== 0);
  const cand = m.test.candidates;
  const beatsBaseline = m.test.champion.rocAuc - m.test.baseline.rocAuc;
  const lines = [
    `# Model card: ${m.version}`,
    '',
    generic
      ? genericIntro(m)
      : `The shipped model is ${championText(m)}, monotone in every answer whose effect on risk is settled, chosen among a random forest, gradient boosting, a logistic regression and their blend on the newest training loans. It estimates the probability of default (PD) of a loan from what an applicant tells us (no LendingClub grade, rate or instalment; no geography), calibrated. Trained by \`npm run train\` with seed ${m.seed}; the same seed and data give the same model.`,
    '',
    '## Data',
    `- File: \`${m.data.file}\` (${m.data.format} format), sha256 \`${m.data.sha256.slice(0, 16)}…\`; ${m.data.rowsRead.toLocaleString('en')} rows read, ${m.data.rowsKept.toLocaleString('en')} used.`,
    ...m.data.exclusionNotes.map((n) => `- ${n}`),
    `- Split: ${splitText}.`,
    `- Bad rate: ${pct(split.trainBadRate)} in training (${split.trainRows.toLocaleString('en')} rows), ${pct(split.testBadRate)} in test (${split.testRows.toLocaleString('en')} rows).`,
    ...(generic ? genericColumnLines(m) : []),
    '',
    '## Features and their monotone directions',
    '| feature | direction |',
    '|---|---|',
    ...m.features.map((f) => `| \`${f}\` | ${arrow(m.directions[f] ?? 0)} |`),
    '',
    constrained.length > 0
      ? `${constrained.length} features are constrained (forest, boosting and the logistic coefficients alike), so the PD can only move the declared way when one of them moves and the rest stay put.${generic ? '' : " Derived ratios take the direction their inputs imply (loan-to-income rises with the amount and falls with income), so the PD is monotone in the applicant's own answers too, which the tests check across each answer's whole range."}`
      : 'No feature is constrained (no `--monotone` given).',
    '',
    '## Training and selection',
    `- Engine: Lendwise's histogram-binned trees (≤256 quantile bins per feature), shared by the forest (Gini, bootstrap, features sampled at every split) and gradient boosting (second-order log-loss gain, shrinkage, row and feature subsampling, early stopping), both with the monotone constraints above; the logistic regression keeps each constrained coefficient on its declared side.`,
    `- Validation part: ${m.data.split.validation ? `${m.data.split.validation.newest ? 'the newest' : 'a stratified random'} ${pct(m.data.split.validation.share)} of the training rows (${m.data.split.validation.rows.toLocaleString('en')}, bad rate ${pct(m.data.split.validation.badRate)})` : 'part of the training rows'}; every family is fitted on the other training rows, compared on it, and never sees the test part.`,
    `- Forest: ${m.search.folds}-fold cross-validated successive halving on the fitting rows (${m.search.halving.map((r) => `${r.settings} settings on ${r.rows.toLocaleString('en')} rows`).join(' → ')}), category encodings fitted inside each fold; chosen (the fewest trees within 0.001 CV AUC of the best): ${Object.entries(
      m.search.best.params,
    )
      .filter(([k]) => k !== 'seed')
      .map(([k, v]) => `${k} = ${v}`)
      .join(', ')} (CV ROC-AUC ${f3(m.search.best.meanAuc)} ± ${f3(m.search.best.sdAuc)}).`,
    `- Boosting: ${m.boosting.tried.length} settings, each stopped early on the validation part; chosen ${Object.entries(m.boosting.best.params)
      .filter(([k]) => !['seed', 'nRounds', 'earlyStoppingRounds'].includes(k))
      .map(([k, v]) => `${k} = ${v}`)
      .join(', ')}, ${m.boosting.best.rounds} rounds (${m.boosting.best.finalRounds} when refitted on all training rows).`,
    `- Blend: ${m.selection.blend.treeFamily} and logistic log-odds, ${Math.round(m.selection.blend.treeWeight * 100)}/${Math.round((1 - m.selection.blend.treeWeight) * 100)}, weight chosen on the validation part.`,
    `- Champion (highest validation ROC-AUC): **${FAMILY[m.selection.champion]}**. Validation ROC-AUC: ${(Object.keys(m.selection.validAuc) as Champion[]).map((k) => `${FAMILY[k]} ${f4(m.selection.validAuc[k])}`).join(', ')}.`,
    `- Every family is then refitted on all training rows with its chosen settings.`,
    `- Calibration: ${m.calibration.method} scaling, PD = σ(${f3(m.calibration.a)}·z + ${f3(m.calibration.b)}) on the champion's log-odds z, fitted on ${m.calibration.fittedOn}.`,
    '',
    '## Results on the test set',
    '| model | validation ROC-AUC | test ROC-AUC | PR-AUC | Gini | KS | Brier | log loss | mean PD |',
    '|---|---|---|---|---|---|---|---|---|',
    ...(Object.keys(cand) as Champion[]).map(
      (k) =>
        `| ${FAMILY[k]}${k === m.champion.name ? ' — **shipped**' : ''}, calibrated | ${f4(cand[k].validAuc)} | ${f3(cand[k].rocAuc)} | ${f3(cand[k].prAuc)} | ${f3(cand[k].gini)} | ${f3(cand[k].ks)} | ${f4(cand[k].brier)} | ${f4(cand[k].logLoss)} | ${pct(cand[k].meanPd)} |`,
    ),
    metricRow('logistic baseline, uncalibrated', m.test.baseline).replace(/^\| ([^|]+) \|/, '| $1 | |'),
    ...(m.test.benchmark ? [`| ${m.test.benchmark.name} (benchmark only) | | ${f3(m.test.benchmark.rocAuc)} | | ${f3(m.test.benchmark.gini)} | | | | |`] : []),
    '',
    `The shipped model ${beatsBaseline >= 0 ? 'beats' : 'trails'} the logistic baseline by ${f4(Math.abs(beatsBaseline))} ROC-AUC on the test set (${f4(m.test.champion.rocAuc)} vs ${f4(m.test.baseline.rocAuc)}). Observed bad rate in the test set: ${pct(m.test.champion.badRate)}.`,
    '',
    ...(c
      ? [
          `### Confusion matrix at the decline cut-off (PD ≥ ${c.threshold})`,
          generic ? '| | bad | good |' : '| | defaulted | repaid |',
          '|---|---|---|',
          `| declined | ${c.truePositive} | ${c.falsePositive} |`,
          `| not declined | ${c.falseNegative} | ${c.trueNegative} |`,
          '',
          `Precision ${pct(c.precision)}, recall ${pct(c.recall)}.`,
          '',
        ]
      : []),
    '### Calibration by decile of predicted PD (shipped model)',
    `| decile | ${generic ? 'rows' : 'loans'} | mean PD | observed |`,
    '|---|---|---|---|',
    ...(m.test.champion.calibrationByDecile ?? []).map((b) => `| ${b.bin} | ${b.count} | ${pct(b.meanPd)} | ${pct(b.observedRate)} |`),
    '',
    ...(m.dependence.length > 0
      ? [
          '### Shape: partial dependence of the PD on each answer',
          'Mean PD of 200 test applicants when one answer is set across its whole allowed range (`charts/partial-dependence.svg`):',
          '',
          '| answer | declared | PD at the low end | PD at the high end | monotone as declared |',
          '|---|---|---|---|---|',
          ...m.dependence.map(
            (d) =>
              `| \`${d.input}\` | ${arrow(d.direction)} | ${pct(d.from)} | ${pct(d.to)} | ${d.monotone === undefined ? '—' : d.monotone ? 'yes' : '**no**'} |`,
          ),
          '',
        ]
      : []),
    `Charts: \`charts/roc.svg\`, \`charts/precision-recall.svg\`, \`charts/calibration.svg\`, \`charts/score-distribution.svg\`${m.dependence.length > 0 ? ', `charts/partial-dependence.svg`' : ''}.`,
    '',
    '## Known limits',
    ...(generic ? genericLimits(m) : applicantLimits()),
    '',
    `Timing (seconds): ${Object.entries(m.timing)
      .map(([k, v]) => `${k.replace(/Seconds$/, '')} ${v}`)
      .join(', ')}.`,
    '',
  ];
  return lines.join('\n');
}

function applicantLimits(): string[] {
  return [
    '- LendingClub approved these loans: the model has never seen the applicants LendingClub declined (reject-inference bias), so PDs for profiles unlike the 2007–2011 book are extrapolations.',
    '- Default rates drift: the test period (latest loans) has a higher bad rate than the training period. Calibrating on the newest training loans narrows the gap but PDs still run low for the test period, as the calibration table shows; recalibrate as outcomes of new vintages arrive.',
    '- No credit-history length, months since delinquency or bankruptcies in this file: those applicant fields are imputed (with a missing flag) and carry no weight in this version.',
    '- Category encodings (purpose, home ownership) use training bad rates, shrunk towards the overall rate.',
    "- The term is left free (no declared direction): in this file 60-month loans defaulted 2.7 times as often as 36-month ones (39.8% vs 14.7%), which the longer exposure and LendingClub's choice of who got 60 months both explain. The model carries that gap over to every amount, small loans included, and the PD is over the whole term: compare loans of different terms by their yearly default rate (the pricing does).",
    "- Geography and LendingClub's own grade, rate and instalment are excluded by design; outcomes after issue are never features (src/data/leakage.ts).",
  ];
}

/*
 * The card of a model trained on any other credit CSV (`--target/--bad`): it speaks of that file's
 * own columns and outcome, never of LendingClub's data, fields or limits.
 */

function targetText(m: CardInput): string {
  return m.data.target ? `\`${m.data.target.column}\` = \`${m.data.target.bad}\`` : 'the outcome column at its "bad" value';
}

function genericIntro(m: CardInput): string {
  return `The shipped model is ${championText(m)}, chosen among a random forest, gradient boosting, a logistic regression and their blend on a validation part of the training rows. It estimates the probability that a row of \`${m.data.file}\` is bad (${targetText(m)}) from the other columns of that file, calibrated. Trained by \`npm run train\` with seed ${m.seed}; the same seed and data give the same model.`;
}

function genericSplitText(m: CardInput): string {
  const split = m.data.split;
  if (split.kind === 'head')
    return `the first ${pct(split.testFraction)} of rows are the test set, the other ${split.trainRows.toLocaleString('en')} rows train (out-of-time only if the file lists its newest rows first)`;
  if (split.kind === 'tail')
    return `the last ${pct(split.testFraction)} of rows are the test set, the other ${split.trainRows.toLocaleString('en')} rows train (out-of-time only if the file lists its newest rows last)`;
  return `a seeded stratified random ${pct(split.testFraction)} of rows is the test set`;
}

function columnList(title: string, notes: { name: string; reason: string }[] = []): string[] {
  return notes.length === 0 ? [`- ${title}: none.`] : [`- ${title}:`, ...notes.map((n) => `  - \`${n.name}\`: ${n.reason}`)];
}

function genericColumnLines(m: CardInput): string[] {
  return [
    `- Outcome: bad when ${targetText(m)}, good for any other value.`,
    ...columnList('Columns excluded (--exclude, leakage guard)', m.data.excludedColumns),
    ...columnList('Columns dropped by the feature builder', m.data.droppedColumns),
  ];
}

function genericLimits(m: CardInput): string[] {
  const split = m.data.split;
  return [
    `- The model knows only the ${m.data.rowsKept.toLocaleString('en')} rows of \`${m.data.file}\`: PDs for cases unlike them are extrapolations, and if those rows are approved loans only, the cases that were declined were never seen (reject-inference bias).`,
    split.kind === 'random'
      ? '- The test rows are a random draw from the same file, so the results do not show how the model ages: if the file has a time order, `--split head` or `--split tail` tests on the latest rows.'
      : '- The test rows are one end of the file: the results show how the model ages only if the file is in time order.',
    `- Column types were inferred from the training rows: numeric when at least ${pct(NUMERIC_SHARE)} of the non-empty values are numbers (missing values take the median, with a missing flag), categorical otherwise, encoded by their training bad rates shrunk towards the overall rate; categorical columns with more than ${MAX_LEVELS} distinct values are dropped as identifiers or free text.`,
    '- The leakage guard knows the column names listed in src/data/leakage.ts only: any column of this file that was recorded after the outcome must be left out with `--exclude`.',
    "- The decline cut-off of the confusion matrix is Lendwise's default policy; for this data set it is only a reference point.",
  ];
}
