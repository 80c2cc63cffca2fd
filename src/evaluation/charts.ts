import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { calibrationTable, prCurve, rocCurve } from './metrics.ts';

/** Model-report charts as SVG, drawn by Vega-Lite (no hand-made SVG). */

export interface Series {
  name: string;
  y: ArrayLike<number>;
  p: ArrayLike<number>;
}

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const styled: TopLevelSpec = { ...spec, config: { legend: { labelLimit: 280 }, ...spec.config } };
  const view = new vega.View(vega.parse(compile(styled).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const SIZE = { width: 420, height: 360 } as const;

/** Keeps curves light: at most ~400 points, always including the ends. */
function thin<T>(points: T[], max = 400): T[] {
  if (points.length <= max) return points;
  const step = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => points[Math.round(i * step)]);
}

export function rocChart(series: Series[]): Promise<string> {
  const values = series.flatMap((s) => {
    const { fpr, tpr } = rocCurve(s.y, s.p);
    return thin(fpr.map((x, i) => ({ model: s.name, fpr: x, tpr: tpr[i] })));
  });
  return renderSvg({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'ROC curve (out-of-time test)',
    ...SIZE,
    layer: [
      {
        data: {
          values: [
            { x: 0, y: 0 },
            { x: 1, y: 1 },
          ],
        },
        mark: { type: 'line', strokeDash: [4, 4], color: '#999' },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
      },
      {
        data: { values },
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          x: { field: 'fpr', type: 'quantitative', title: 'False positive rate (goods declined)' },
          y: { field: 'tpr', type: 'quantitative', title: 'True positive rate (bads caught)' },
          color: { field: 'model', type: 'nominal', title: null },
          order: { field: 'fpr' },
        },
      },
    ],
  });
}

export function precisionRecallChart(series: Series[]): Promise<string> {
  const values = series.flatMap((s) => {
    const { recall, precision } = prCurve(s.y, s.p);
    return thin(recall.map((r, i) => ({ model: s.name, recall: r, precision: precision[i] })));
  });
  return renderSvg({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Precision–recall (out-of-time test)',
    ...SIZE,
    data: { values },
    mark: 'line',
    encoding: {
      x: { field: 'recall', type: 'quantitative', title: 'Recall (share of bads caught)' },
      y: { field: 'precision', type: 'quantitative', title: 'Precision (bads among flagged)', scale: { domain: [0, 1] } },
      color: { field: 'model', type: 'nominal', title: null },
      order: { field: 'recall' },
    },
  });
}

export function calibrationChart(series: Series[]): Promise<string> {
  const values = series.flatMap((s) => calibrationTable(s.y, s.p, 10).map((b) => ({ model: s.name, predicted: b.meanPd, observed: b.observedRate })));
  const top = Math.min(1, Math.max(...values.map((v) => Math.max(v.predicted, v.observed))) * 1.1);
  return renderSvg({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Calibration by decile (out-of-time test)',
    ...SIZE,
    layer: [
      {
        data: {
          values: [
            { x: 0, y: 0 },
            { x: top, y: top },
          ],
        },
        mark: { type: 'line', strokeDash: [4, 4], color: '#999' },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
      },
      {
        data: { values },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'predicted', type: 'quantitative', title: 'Mean predicted PD', scale: { domain: [0, top] } },
          y: { field: 'observed', type: 'quantitative', title: 'Observed default rate', scale: { domain: [0, top] } },
          color: { field: 'model', type: 'nominal', title: null },
        },
      },
    ],
  });
}

/** Distribution of the points score for loans that were repaid and loans that defaulted. */
export function scoreDistributionChart(y: ArrayLike<number>, scores: ArrayLike<number>): Promise<string> {
  const values = Array.from({ length: y.length }, (_, i) => ({ outcome: y[i] === 1 ? 'defaulted' : 'repaid', score: scores[i] }));
  return renderSvg({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Risk score of repaid vs defaulted loans (out-of-time test)',
    ...SIZE,
    data: { values },
    transform: [
      { bin: { maxbins: 40 }, field: 'score', as: ['bin_start', 'bin_end'] },
      { aggregate: [{ op: 'count', as: 'n' }], groupby: ['outcome', 'bin_start', 'bin_end'] },
      { joinaggregate: [{ op: 'sum', field: 'n', as: 'total' }], groupby: ['outcome'] },
      { calculate: 'datum.n / datum.total', as: 'share' },
    ],
    mark: { type: 'bar', opacity: 0.55 },
    encoding: {
      x: { field: 'bin_start', type: 'quantitative', bin: { binned: true }, title: 'Score (300–850, higher is safer)' },
      x2: { field: 'bin_end' },
      y: { field: 'share', type: 'quantitative', stack: null, title: 'Share of loans in the group', axis: { format: '%' } },
      color: { field: 'outcome', type: 'nominal', title: null, scale: { domain: ['repaid', 'defaulted'], range: ['#2b83ba', '#d7191c'] } },
    },
  });
}
