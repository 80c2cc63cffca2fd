import { renderSvg } from '../evaluation/charts.ts';
import type { DriftReport } from './drift.ts';

/** The drift chart, drawn by Vega-Lite like the model report: PSI per input (rows) and week (columns). */

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

export function driftChart(report: DriftReport): Promise<string> {
  const weeks = report.weeks.filter((w) => w.applications > 0);
  const order = weeks[0]?.features.map((f) => f.feature) ?? [];
  const values = weeks.flatMap((w) =>
    w.features.map((f) => ({
      week: `${w.week}${w.lowVolume ? '*' : ''}`,
      feature: f.feature,
      psi: f.psi,
      label: f.psi >= 10 ? f.psi.toFixed(0) : f.psi.toFixed(2),
      status: f.status,
    })),
  );
  const { watch, act } = report.thresholds;
  const thin = weeks.some((w) => w.lowVolume) ? ` (* fewer than ${report.thresholds.minApplications} applications)` : '';
  const x = { field: 'week', type: 'ordinal', title: `Week (from Monday, UTC)${thin}`, axis: { labelAngle: -40 } } as const;
  const y = { field: 'feature', type: 'nominal', title: null, sort: order } as const;
  return renderSvg({
    $schema: SCHEMA,
    title: { text: 'Population stability index by week, against the training sample', subtitle: `ok < ${watch} ≤ watch < ${act} ≤ act` },
    width: Math.max(160, 64 * weeks.length),
    height: 20 * Math.max(order.length, 1),
    data: { values },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white' },
        encoding: {
          x,
          y,
          color: { field: 'status', type: 'nominal', title: 'Status', scale: { domain: ['ok', 'watch', 'act'], range: ['#a6d96a', '#fdae61', '#d7191c'] } },
          tooltip: [{ field: 'psi', type: 'quantitative', format: '.3f' }],
        },
      },
      { mark: { type: 'text', fontSize: 10 }, encoding: { x, y, text: { field: 'label', type: 'nominal' } } },
    ],
  });
}
