import { renderSvg } from '../evaluation/charts.ts';
import type { RiskReport } from './book.ts';
import type { FrontierResult } from './service.ts';

/** Portfolio charts, drawn by Vega-Lite like the model report. */

const SIZE = { width: 460, height: 340 } as const;
const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

export function frontierChart(frontier: FrontierResult): Promise<string> {
  // What the frontier minimises: the whole book's risk (the existing book held fixed plus the new
  // money); with no existing book it is the new money's own.
  const whole = frontier.fixedExposure > 0;
  const points = frontier.points.map((p) => ({ risk: p.bookRisk, expectedReturn: p.bookExpectedReturn, kind: 'efficient frontier' }));
  const current = frontier.current ? [{ risk: frontier.current.bookRisk, expectedReturn: frontier.current.bookExpectedReturn, kind: "today's approvals" }] : [];
  const x = {
    field: 'risk',
    type: 'quantitative',
    title: `Risk${whole ? ' of the whole book' : ''}: standard deviation of yearly return`,
    axis: { format: '.1%' },
    scale: { zero: false },
  } as const;
  const y = {
    field: 'expectedReturn',
    type: 'quantitative',
    title: `Expected yearly return${whole ? ' of the whole book' : ''} (net of loss and funding)`,
    axis: { format: '.1%' },
    scale: { zero: false },
  } as const;
  const color = {
    field: 'kind',
    type: 'nominal',
    title: null,
    scale: { domain: ['efficient frontier', "today's approvals"], range: ['#2b83ba', '#d7191c'] },
  } as const;
  const fixed = whole ? `, existing book of ${Math.round(frontier.fixedExposure).toLocaleString('en-US')} held fixed` : '';
  return renderSvg({
    $schema: SCHEMA,
    title: `Efficient frontier, budget ${Math.round(frontier.budget).toLocaleString('en-US')}${fixed}`,
    ...SIZE,
    layer: [
      { data: { values: points }, mark: { type: 'line', point: true }, encoding: { x, y, color } },
      { data: { values: current }, mark: { type: 'point', shape: 'diamond', size: 160, filled: true }, encoding: { x, y, color } },
    ],
  });
}

export function lossHistogramChart(report: RiskReport): Promise<string> {
  const mc = report.monteCarlo;
  const lines = [
    { loss: mc.expectedLoss, label: 'expected loss' },
    { loss: mc.var99, label: 'VaR 99%' },
    { loss: mc.var999, label: 'VaR 99.9%' },
  ];
  return renderSvg({
    $schema: SCHEMA,
    title: `Simulated one-year losses (${mc.scenarios.toLocaleString('en-US')} scenarios, seed ${mc.seed})`,
    ...SIZE,
    layer: [
      {
        data: { values: mc.histogram.map((b) => ({ ...b, share: b.count / mc.scenarios })) },
        mark: { type: 'bar', color: '#2b83ba' },
        encoding: {
          x: { field: 'from', type: 'quantitative', bin: { binned: true }, title: 'Loss' },
          x2: { field: 'to' },
          y: { field: 'share', type: 'quantitative', title: 'Share of scenarios', axis: { format: '%' } },
        },
      },
      {
        data: { values: lines },
        mark: { type: 'rule', strokeDash: [4, 3] },
        encoding: {
          x: { field: 'loss', type: 'quantitative' },
          color: { field: 'label', type: 'nominal', title: null, scale: { range: ['#333', '#fdae61', '#d7191c'] } },
        },
      },
    ],
  });
}

export interface CutoffPoint {
  loan: number;
  cutoff: number;
}

export function cutoffChart(series: CutoffPoint[], fixed: number): Promise<string> {
  return renderSvg({
    $schema: SCHEMA,
    title: 'SGD approval cut-off over the replay (loans in issue order)',
    ...SIZE,
    layer: [
      {
        data: { values: series },
        mark: { type: 'line', color: '#2b83ba' },
        encoding: {
          x: { field: 'loan', type: 'quantitative', title: 'Loans decided' },
          y: { field: 'cutoff', type: 'quantitative', title: 'PD cut-off (approve below)', axis: { format: '%' } },
        },
      },
      {
        data: { values: [{ cutoff: fixed, label: 'fixed cut-off' }] },
        mark: { type: 'rule', strokeDash: [4, 3], color: '#d7191c' },
        encoding: { y: { field: 'cutoff', type: 'quantitative' } },
      },
    ],
  });
}
