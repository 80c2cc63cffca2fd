/** The model card: what a reviewer needs to know about one model version, in plain Markdown. */
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
    split: { kind: string; testFraction: number; trainRows: number; testRows: number; trainBadRate: number; testBadRate: number };
  };
  features: string[];
  search: { folds: number; best: { params: object; meanAuc: number; sdAuc: number }; points: unknown[] };
  forest: { trees: number; nodes: number };
  calibration: { method: string; a: number; b: number; fittedOn: string };
  test: { forest: Block; forestUncalibrated: Report; baseline: Block; baselineRecalibrated: Report; benchmark?: { name: string; rocAuc: number; gini: number } };
  timing: Record<string, number>;
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const f3 = (v: number) => v.toFixed(3);
const f4 = (v: number) => v.toFixed(4);

function metricRow(name: string, b: Report): string {
  return `| ${name} | ${f3(b.rocAuc)} | ${f3(b.prAuc)} | ${f3(b.gini)} | ${f3(b.ks)} | ${f4(b.brier)} | ${f4(b.logLoss)} | ${pct(b.meanPd)} |`;
}

export function modelCard(m: CardInput): string {
  const split = m.data.split;
  const splitText =
    split.kind === 'head'
      ? `out-of-time: the first ${pct(split.testFraction)} of rows (the latest loans; LendingClub files list newest first) are the test set, the older ${split.trainRows.toLocaleString('en')} loans train`
      : split.kind === 'tail'
        ? `the last ${pct(split.testFraction)} of rows are the test set`
        : `a seeded stratified random ${pct(split.testFraction)} of rows is the test set (the file has no time order)`;
  const c = m.test.forest.confusionAtDecline;
  const lines = [
    `# Model card: ${m.version}`,
    '',
    `A random forest that estimates the probability of default (PD) of a loan ${m.kind === 'applicant' ? 'from what an applicant tells us (no LendingClub grade, rate or instalment; no geography)' : `from the columns of ${m.data.file}`}, with calibrated output and a logistic-regression baseline. Trained by \`npm run train\` with seed ${m.seed}; the same seed and data give the same model.`,
    '',
    '## Data',
    `- File: \`${m.data.file}\` (${m.data.format} format), sha256 \`${m.data.sha256.slice(0, 16)}…\`; ${m.data.rowsRead.toLocaleString('en')} rows read, ${m.data.rowsKept.toLocaleString('en')} used.`,
    ...m.data.exclusionNotes.map((n) => `- ${n}`),
    `- Split: ${splitText}.`,
    `- Bad rate: ${pct(split.trainBadRate)} in training (${split.trainRows.toLocaleString('en')} rows), ${pct(split.testBadRate)} in test (${split.testRows.toLocaleString('en')} rows).`,
    '',
    '## Features',
    m.features.map((f) => `\`${f}\``).join(', '),
    '',
    '## Training',
    `- Engine: Lendwise's histogram-binned forest (≤256 quantile bins per feature, features sampled at every split, Gini, bootstrap).`,
    `- ${m.search.folds}-fold cross-validated grid search over ${m.search.points.length} settings on the training part; chosen (the fewest trees within 0.001 CV AUC of the best setting, since more trees cost scoring time for no measurable gain): ${Object.entries(m.search.best.params).map(([k, v]) => `${k} = ${v}`).join(', ')} (CV ROC-AUC ${f3(m.search.best.meanAuc)} ± ${f3(m.search.best.sdAuc)}).`,
    `- Final forest: ${m.forest.trees} trees, ${m.forest.nodes.toLocaleString('en')} nodes.`,
    `- Calibration: ${m.calibration.method} scaling, PD = σ(${f3(m.calibration.a)}·logit(p) + ${f3(m.calibration.b)}), fitted on ${m.calibration.fittedOn}.`,
    '',
    '## Results on the test set',
    '| model | ROC-AUC | PR-AUC | Gini | KS | Brier | log loss | mean PD |',
    '|---|---|---|---|---|---|---|---|',
    metricRow('random forest, calibrated', m.test.forest),
    metricRow('random forest, raw vote share', m.test.forestUncalibrated),
    metricRow('logistic regression baseline', m.test.baseline),
    metricRow('logistic baseline, recalibrated like the forest', m.test.baselineRecalibrated),
    ...(m.test.benchmark ? [`| ${m.test.benchmark.name} (benchmark only) | ${f3(m.test.benchmark.rocAuc)} | | ${f3(m.test.benchmark.gini)} | | | | |`] : []),
    '',
    `Observed bad rate in the test set: ${pct(m.test.forest.badRate)}.`,
    '',
    ...(c
      ? [
          `### Confusion matrix at the decline cut-off (PD ≥ ${c.threshold})`,
          '| | defaulted | repaid |',
          '|---|---|---|',
          `| declined | ${c.truePositive} | ${c.falsePositive} |`,
          `| not declined | ${c.falseNegative} | ${c.trueNegative} |`,
          '',
          `Precision ${pct(c.precision)}, recall ${pct(c.recall)}.`,
          '',
        ]
      : []),
    '### Calibration by decile of predicted PD (forest)',
    '| decile | loans | mean PD | observed |',
    '|---|---|---|---|',
    ...(m.test.forest.calibrationByDecile ?? []).map((b) => `| ${b.bin} | ${b.count} | ${pct(b.meanPd)} | ${pct(b.observedRate)} |`),
    '',
    'Charts: `charts/roc.svg`, `charts/precision-recall.svg`, `charts/calibration.svg`, `charts/score-distribution.svg`.',
    '',
    '## Known limits',
    '- LendingClub approved these loans: the model has never seen the applicants LendingClub declined (reject-inference bias), so PDs for profiles unlike the 2007–2011 book are extrapolations.',
    '- Default rates drift: the test period (latest loans) has a higher bad rate than the training period. Calibrating on the newest training loans narrows the gap but PDs still run low for the test period, as the calibration table shows; recalibrate as outcomes of new vintages arrive.',
    '- No credit-history length, months since delinquency or bankruptcies in this file: those applicant fields are imputed (with a missing flag) and carry no weight in this version.',
    '- Category encodings (purpose, home ownership) use training bad rates, shrunk towards the overall rate.',
    '- Geography and LendingClub\'s own grade, rate and instalment are excluded by design; outcomes after issue are never features (src/data/leakage.ts).',
    '',
    `Timing (seconds): ${Object.entries(m.timing).map(([k, v]) => `${k.replace(/Seconds$/, '')} ${v}`).join(', ')}.`,
    '',
  ];
  return lines.join('\n');
}
