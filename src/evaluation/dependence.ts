import { ApplicantSchema, type Applicant } from '../applicant/schema.ts';
import { APPLICANT_INPUT_DIRECTIONS } from '../features/applicant.ts';
import { renderSvg } from './charts.ts';

/**
 * Partial dependence: the mean PD over a sample of real applicants when one of their answers is
 * set to each value of a grid across its whole allowed range, everything else kept as it was. It
 * shows the shape the model learned for that answer, and, for answers with a declared direction,
 * whether the PD really moves only that way.
 */

export interface DependenceCurve {
  input: string;
  label: string;
  /** Declared direction (+1 risk rises with the answer, -1 falls, 0 free). */
  direction: -1 | 0 | 1;
  points: { value: number; pd: number }[];
  /** For a declared direction: does the curve respect it (to 1e-12)? */
  monotone?: boolean;
}

type NumericInput = keyof Pick<
  Applicant,
  | 'loanAmount'
  | 'annualIncome'
  | 'employmentYears'
  | 'dti'
  | 'monthlyDebtPayments'
  | 'ficoScore'
  | 'delinquencies2y'
  | 'inquiries6m'
  | 'revolvingUtilisation'
  | 'revolvingBalance'
  | 'openAccounts'
  | 'totalAccounts'
  | 'publicRecords'
  | 'creditHistoryYears'
>;

/** The applicant's numeric answers, each charted across its schema range (log-spaced where the range is wide). */
export const DEPENDENCE_INPUTS: readonly NumericInput[] = [
  'ficoScore',
  'annualIncome',
  'loanAmount',
  'dti',
  'revolvingUtilisation',
  'employmentYears',
  'creditHistoryYears',
  'delinquencies2y',
  'inquiries6m',
  'publicRecords',
  'monthlyDebtPayments',
  'revolvingBalance',
  'openAccounts',
  'totalAccounts',
];

/** The allowed range of a numeric applicant field, from the schema itself. */
export function inputRange(field: NumericInput): { min: number; max: number; integer: boolean } {
  let schema = ApplicantSchema.shape[field] as unknown as {
    unwrap?: () => unknown;
    minValue?: number | null;
    maxValue?: number | null;
    isInt?: boolean;
    format?: string | null;
  };
  while (schema.unwrap) schema = schema.unwrap() as typeof schema;
  const min = schema.minValue ?? 0;
  const max = schema.maxValue ?? 1e6;
  return { min, max, integer: schema.format === 'safeint' || schema.isInt === true };
}

/** A grid over [min, max]: integers one by one when few, else `steps` points (log-spaced above 1,000×). */
export function inputGrid(field: NumericInput, steps = 40): number[] {
  const { min, max, integer } = inputRange(field);
  if (integer && max - min <= steps) return Array.from({ length: max - min + 1 }, (_, i) => min + i);
  const wide = max / Math.max(min, 1) > 1_000;
  const lo = Math.max(min, 1);
  const values = Array.from({ length: steps }, (_, i) => {
    const t = i / (steps - 1);
    const v = wide ? Math.exp(Math.log(lo) + t * (Math.log(max) - Math.log(lo))) : min + t * (max - min);
    const clamped = Math.min(max, Math.max(min, v));
    return integer ? Math.round(clamped) : clamped;
  });
  if (wide && min < lo) values.unshift(min);
  return [...new Set(values)];
}

export function isMonotone(pds: readonly number[], direction: number, tolerance = 1e-12): boolean {
  for (let i = 1; i < pds.length; i++) {
    if (direction > 0 && pds[i] < pds[i - 1] - tolerance) return false;
    if (direction < 0 && pds[i] > pds[i - 1] + tolerance) return false;
  }
  return true;
}

/**
 * One curve per numeric answer, over `sample` applicants.
 *
 * @example applicantDependence((a) => estimatePd(model, a).pd, applicants.slice(0, 200))
 */
export function applicantDependence(pdOf: (a: Applicant) => number, sample: readonly Applicant[], inputs = DEPENDENCE_INPUTS): DependenceCurve[] {
  const directions = APPLICANT_INPUT_DIRECTIONS as Partial<Record<string, 1 | -1>>;
  return inputs.map((input) => {
    const points = inputGrid(input).map((value) => ({
      value,
      pd: sample.reduce((s, a) => s + pdOf({ ...a, [input]: value }), 0) / sample.length,
    }));
    const direction = directions[input] ?? 0;
    const meta = ApplicantSchema.shape[input].meta() as { label?: string } | undefined;
    return {
      input,
      label: meta?.label ?? input,
      direction,
      points,
      ...(direction !== 0
        ? {
            monotone: isMonotone(
              points.map((p) => p.pd),
              direction,
            ),
          }
        : {}),
    };
  });
}

/** Small multiples, one panel per answer, each with its own x scale. */
export function dependenceChart(curves: readonly DependenceCurve[]): Promise<string> {
  const values = curves.flatMap((c) =>
    c.points.map((p) => ({ input: `${c.input}${c.direction > 0 ? ' (↑ risk)' : c.direction < 0 ? ' (↓ risk)' : ''}`, value: p.value, pd: p.pd })),
  );
  return renderSvg({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Partial dependence: mean PD as one answer moves across its range',
    data: { values },
    facet: { field: 'input', type: 'nominal', title: null },
    columns: 4,
    spec: {
      width: 170,
      height: 120,
      mark: { type: 'line', point: false },
      encoding: {
        x: { field: 'value', type: 'quantitative', title: null },
        y: { field: 'pd', type: 'quantitative', title: 'mean PD', axis: { format: '%' } },
      },
    },
    resolve: { scale: { x: 'independent' } },
  });
}
