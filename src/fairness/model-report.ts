import type { ModelFigures, ObservedFigures } from './figures.ts';
import {
  code,
  decisionCharts,
  decisionTables,
  fourFifthsSentence,
  int,
  METHOD_STATISTICS,
  type MarkdownOptions,
  num,
  observedSummary,
  observedTables,
  pct,
  pp,
  pValueText,
} from './report.ts';

/**
 * The fairness report of one trained model (`npm run fairness -- --model VERSION`): the observed
 * decisions and the model's, on the same rows, by group. Built by src/training/fairness.ts; the
 * tables and charts are the ones the candidate-search report uses (src/fairness/report.ts).
 */

export interface ModelFairnessRun {
  data: {
    file: string;
    sha256: string;
    /** How the scorer read the rows (src/batch/score.ts). */
    format: 'lendingclub' | 'generic';
    /** Rows the scorer saw: scored plus rejected. */
    rowsRead: number;
    /** Rows the model could not score (a value its input rules refuse, a malformed line), left out. */
    rowsRejected: number;
    /** The first few of them, with the scorer's reason (row numbers count the header as row 1). */
    rejectExamples: { row: number; reason: string }[];
    rowsWithoutTarget: number;
    rowsWithoutGroup: number;
    rowsUsed: number;
    target: { column: string; bad: string };
    group: string;
  };
  model: {
    version: string;
    kind: 'applicant' | 'generic';
    /** The family that decides, e.g. "blend". */
    champion: string;
    /** The file it was trained on, as its metrics.json records it. */
    trainedOn: string | null;
    /** Trained on this very file (same SHA-256): its training rows are among the rows judged here. */
    trainedOnThisFile: boolean;
    /** Rows of that file it was fitted on, and of how many, when it was trained on this file. */
    trainRows: number | null;
    trainRowsOf: number | null;
    /** What a generic model was trained to predict. */
    predicts: { column: string; bad: string } | null;
    /** The columns of the file the model reads (checked: the group is not one of them). */
    inputs: string[];
  };
  decision: {
    /** `approval rate`: the cut-off that approves as many as the data did; `cut-off`: a given one. */
    rule: 'approval rate' | 'cut-off';
    cutoff: number;
  };
  /** ROC-AUC of the model's PDs against the outcome on these rows, with its Hanley–McNeil interval. */
  auc: number;
  aucLow: number;
  aucHigh: number;
  observed: ObservedFigures;
  figures: ModelFigures;
  seconds: number;
}

/** The report as markdown. Deterministic: the same model, file and options give the same text. */
export function modelFairnessMarkdown(run: ModelFairnessRun, options: MarkdownOptions): string {
  const { data, model, observed, figures: f } = run;
  const levels = observed.levels;
  const ref = levels.reference;
  const G = code(data.group);
  const label = (g: string) => `${G} = ${g}${g === ref ? ' (reference)' : ''}`;
  const gap = f.approval.gaps.find((g) => g.group === f.airGroup) ?? f.approval.gaps[0];
  const tp = f.truePositive.gaps.find((g) => g.group === gap.group)!;
  const fp = f.falsePositive.gaps.find((g) => g.group === gap.group)!;
  const pText = (p: number) => `p ${pValueText(p).startsWith('<') ? '' : '= '}${pValueText(p)}`;
  const rows = (n: number) => `${int(n)} row${n === 1 ? '' : 's'}`;
  const left: string[] = [];
  if (data.rowsRejected > 0)
    left.push(
      `${rows(data.rowsRejected)} the model could not score (${data.rejectExamples.map((r) => `row ${int(r.row)}: ${r.reason}`).join('; ')}${data.rowsRejected > data.rejectExamples.length ? '; …' : ''})`,
    );
  if (data.rowsWithoutTarget > 0) left.push(`${rows(data.rowsWithoutTarget)} without an outcome`);
  if (data.rowsWithoutGroup > 0) left.push(`${rows(data.rowsWithoutGroup)} without a group`);
  const decisionText =
    run.decision.rule === 'approval rate'
      ? `approving as many as the data did (${pct(observed.approvalRate)}: P(bad) under ${num(f.cutoff, 4)})`
      : `approving P(bad) under the given cut-off ${num(f.cutoff, 4)} (${pct(f.approvalRate)} of applicants, against ${pct(observed.approvalRate)} in the data)`;
  const what = `${model.kind} model, ${model.champion}${model.trainedOn ? `, trained on ${model.trainedOn}` : ''}`;
  const inSample =
    model.trainedOnThisFile &&
    `**In-sample:** the model was trained on this very file (same SHA-256)${model.trainRows !== null && model.trainRowsOf !== null ? `, ${int(model.trainRows)} of its ${int(model.trainRowsOf)} rows in the training part` : ''}: ` +
      `its AUC here is optimistic and its decisions are on applicants it learnt from. Run it on applications it has not seen for an out-of-sample check.`;
  const predicts =
    model.predicts && (model.predicts.column !== data.target.column || model.predicts.bad !== data.target.bad)
      ? ` It was trained to predict ${code(model.predicts.column)} = ${model.predicts.bad}; it is judged here against ${code(data.target.column)} = ${data.target.bad}.`
      : '';
  const lines: string[] = [];
  const out = (...l: string[]) => lines.push(...l);

  out(
    `# Fair-lending report: ${data.file}, model ${model.version}`,
    '',
    `Outcome ${code(data.target.column)} (bad = "${data.target.bad}"; the favourable outcome, approval, is every other value), group ${G}, ` +
      `reference group "${ref}" (${int(levels.counts[ref])} of ${int(data.rowsUsed)} rows). ` +
      `File SHA-256 ${data.sha256.slice(0, 16)}…; ${int(data.rowsRead)} rows read` +
      (left.length > 0 ? `; left out: ${left.join(', ')}.` : ', all used.'),
    '',
    `Written by \`${options.command}\` (src/training/fairness-cli.ts); every figure below is in \`figures.json\`. ` +
      `Intervals are 95%; p-values are Fisher's exact test, two-sided.`,
    '',
    '## Summary',
    '',
    observedSummary(observed, data.target, data.group),
    `- **The model** ${code(model.version)} (${what}): ROC-AUC ${num(run.auc)} [${num(run.aucLow)}, ${num(run.aucHigh)}] on these rows; ${decisionText}, ` +
      `its adverse impact ratio is **${num(gap.ratio, 3)}** [${num(gap.ratioLow, 3)}, ${num(gap.ratioHigh, 3)}] for ${label(gap.group)}, ${fourFifthsSentence(gap.ratio, gap.ratioLow, gap.ratioHigh)}; ` +
      `the ${pp(gap.difference)} point gap in approval has ${pText(gap.pValue)}. True positive rate (approved among good) ${pct(f.truePositive.shares[gap.group].rate)} vs ${pct(f.truePositive.shares[ref].rate)} (${pText(tp.pValue)}), ` +
      `false positive rate (approved among bad) ${pct(f.falsePositive.shares[gap.group].rate)} vs ${pct(f.falsePositive.shares[ref].rate)} (${pText(fp.pValue)}).`,
    `- **Calibration by group** (observed / expected bads): ${f.calibration.groups.map((c) => `${label(c.group)} ${num(c.observedOverExpected, 2)} (${pText(c.pValue)})`).join(', ')}.`,
    `- ${G} is not an input of the model: the columns it reads (${model.inputs.map(code).join(', ')}) were checked before any row was scored.`,
    ...(inSample ? [`- ${inSample}`] : []),
    '',
  );

  out(
    '## 1. The observed decisions',
    '',
    `What the data records (${code(data.target.column)}), by group, on the rows the model scored.`,
    '',
    ...observedTables(observed, data.target, label),
  );

  out(
    "## 2. The model's decisions",
    '',
    (run.decision.rule === 'approval rate'
      ? `The model approves the applicants with the lowest predicted P(bad), as many as the data approved (${pct(observed.approvalRate)}), so its approval rates compare with the observed ones at the same overall rate. `
      : `The model approves every applicant whose predicted P(bad) is under ${num(f.cutoff, 4)} (\`--cutoff\`). `) +
      `PDs are the model's own, as stored, with its calibration.${predicts} ` +
      `A **true positive** here is an applicant whose outcome was good and who is approved (equal opportunity compares these rates); a **false positive** one whose ` +
      `outcome was bad and who is approved anyway (equalised odds asks for both to match). Where the outcome is the lender's own decision (HMDA), ` +
      `these rates measure agreement with decisions that may themselves be unequal.`,
    '',
    ...(inSample ? [inSample, ''] : []),
    `### model: ${code(model.version)}`,
    '',
    `ROC-AUC ${num(run.auc)} [${num(run.aucLow)}, ${num(run.aucHigh)}]; cut-off P(bad) < ${num(f.cutoff, 4)}, approving ${pct(f.approvalRate)}.`,
    '',
    ...decisionTables(f, levels.levels, label),
  );

  out(
    '## Method',
    '',
    `- **Model**: ${code(model.version)} (${what}), loaded as \`npm run score\` loads it; the columns of this file it reads: ${model.inputs.map(code).join(', ')}. ` +
      `The group column must not be one of them (the run refuses otherwise).`,
    `- **PDs**: every row scored by the batch scorer (src/batch/score.ts, ${data.format === 'lendingclub' ? 'LendingClub columns mapped to applicant fields' : "columns named as the model's inputs"}); ` +
      `rows it rejects are left out of every figure, observed ones included, so both sets of decisions are on the same applicants.`,
    run.decision.rule === 'approval rate'
      ? `- **Decisions**: approve the ${pct(observed.approvalRate)} of applicants with the lowest P(bad) (the observed approval rate; cut-off half-way between the last approved and the first declined PD).`
      : `- **Decisions**: approve when P(bad) < ${num(f.cutoff, 4)} (the given cut-off, as the lending policy's "approve below").`,
    ...METHOD_STATISTICS,
    '',
    '## Charts',
    '',
    ...options.charts.map((c) => `![${c}](${c})`),
    '',
  );
  return `${lines.join('\n')}\n`;
}

/** The report's charts as SVG, by file stem: approval, error rates, calibration. */
export async function modelFairnessCharts(run: ModelFairnessRun): Promise<Record<string, string>> {
  return decisionCharts(run.observed, run.data.group, [[`model|${run.model.version}`, run.figures]]);
}
