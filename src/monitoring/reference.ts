import { z } from 'zod';
import type { Applicant } from '../applicant/schema.ts';
import { DRIFT_INPUTS, inputValue, type DriftInput } from './inputs.ts';

/**
 * The reference distribution drift is measured against: for each monitored input, its bins (the
 * training sample's deciles for numeric inputs, the schema's levels for categorical ones, "not given"
 * last for optional ones) and the training sample's count in each. Shipped next to the model as
 * models/<version>/reference.json (`npm run monitoring:reference`).
 *
 * A numeric bin is [edge(i-1), edge(i)): bin i holds the values with exactly i edges at or below
 * them, which is what PostgreSQL's width_bucket(value, edges) answers too.
 */

export const REFERENCE_FILE = 'reference.json';
/** Quantile bins per numeric input (fewer when the sample has ties, e.g. counts that are mostly 0). */
export const REFERENCE_QUANTILES = 10;

const FeatureReferenceSchema = z
  .object({
    name: z.string(),
    label: z.string(),
    kind: z.enum(['numeric', 'categorical']),
    optional: z.boolean(),
    /** Numeric: the cut points, strictly ascending. */
    edges: z.array(z.number()).optional(),
    /** Categorical: the levels, in bin order. */
    levels: z.array(z.string()).optional(),
    /** Each bin in words, in bin order. */
    bins: z.array(z.string()).min(1),
    /** The training sample's count in each bin. */
    counts: z.array(z.number().int().min(0)),
  })
  .superRefine((f, ctx) => {
    const extra = f.optional ? 1 : 0;
    const expected = f.kind === 'numeric' ? (f.edges?.length ?? -1) + 1 + extra : (f.levels?.length ?? -1) + extra;
    if (f.kind === 'numeric' && !f.edges) ctx.addIssue({ code: 'custom', message: `${f.name}: a numeric input needs edges` });
    if (f.kind === 'categorical' && !f.levels) ctx.addIssue({ code: 'custom', message: `${f.name}: a categorical input needs levels` });
    if (f.bins.length !== expected || f.counts.length !== expected)
      ctx.addIssue({ code: 'custom', message: `${f.name}: ${expected} bins expected, ${f.bins.length} labels and ${f.counts.length} counts found` });
    if (f.edges?.some((e, i) => !Number.isFinite(e) || (i > 0 && e <= f.edges![i - 1])))
      ctx.addIssue({ code: 'custom', message: `${f.name}: edges must be finite and strictly ascending` });
    if (!DRIFT_INPUTS.some((d) => d.name === f.name && d.kind === f.kind && d.optional === f.optional))
      ctx.addIssue({ code: 'custom', message: `${f.name}: not a monitored input of this code (or another kind); run npm run monitoring:reference again` });
  });
export type FeatureReference = z.infer<typeof FeatureReferenceSchema>;

export const DriftReferenceSchema = z.object({
  format: z.literal(1),
  /** The model whose training sample this is; the score's bins are this model's scores. */
  modelVersion: z.string(),
  data: z.object({ file: z.string(), sha256: z.string().optional(), part: z.string().meta({ description: 'Which rows: the training part of the split' }) }),
  rows: z.number().int().positive(),
  createdAt: z.string(),
  features: z.array(FeatureReferenceSchema).min(1),
  /** The hold-out (out-of-time test) part of the same file measured against this reference, as made. */
  holdout: z.object({ part: z.string(), rows: z.number().int().min(0), psi: z.record(z.string(), z.number()) }).optional(),
});
export type DriftReference = z.infer<typeof DriftReferenceSchema>;

/** The monitored input a reference feature stands for (where its value comes from). */
export function inputOf(feature: Pick<FeatureReference, 'name'>): DriftInput {
  const input = DRIFT_INPUTS.find((d) => d.name === feature.name);
  if (!input) throw new Error(`unknown monitored input ${feature.name}`);
  return input;
}

/** The bin of a value, or undefined when it has none (not given for a required input, an unknown level). */
export function binIndex(feature: FeatureReference, value: number | string | undefined): number | undefined {
  const notGiven = feature.bins.length - 1;
  if (value === undefined) return feature.optional ? notGiven : undefined;
  if (feature.kind === 'categorical') {
    const i = feature.levels!.indexOf(String(value));
    return i < 0 ? undefined : i;
  }
  if (typeof value !== 'number') return undefined;
  // The number of edges at or below the value (binary search).
  const edges = feature.edges!;
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid] <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A numeric bin's bounds: [from, to), null for an open end; undefined for a level or "not given". */
export function binBounds(feature: FeatureReference, bin: number): { from: number | null; to: number | null } | undefined {
  if (feature.kind !== 'numeric') return undefined;
  const edges = feature.edges!;
  if (bin > edges.length) return undefined;
  return { from: bin === 0 ? null : edges[bin - 1], to: bin === edges.length ? null : edges[bin] };
}

/** One scored application as drift monitoring sees it. */
export interface DriftSample {
  applicant: Applicant;
  /** The score it was given; leave out when it was scored by another model version than the reference's. */
  score?: number;
}

/** Each reference feature's bin counts over the samples (what the database computes in SQL). */
export function countBins(reference: Pick<DriftReference, 'features'>, samples: Iterable<DriftSample>): Record<string, number[]> {
  const out: Record<string, number[]> = Object.fromEntries(reference.features.map((f) => [f.name, f.bins.map(() => 0)]));
  const inputs = reference.features.map((f) => [f, inputOf(f)] as const);
  for (const s of samples) {
    for (const [f, input] of inputs) {
      if (input.source.kind === 'score' && s.score === undefined) continue;
      const bin = binIndex(f, inputValue(input, s.applicant, s.score));
      if (bin !== undefined) out[f.name][bin] += 1;
    }
  }
  return out;
}

const fmt = (v: number) => Number(v.toPrecision(6)).toLocaleString('en-US', { maximumFractionDigits: 6 });

/**
 * The cut points of the reference's quantile bins: the value at each k/q position of the sorted
 * sample (k = 1 … q−1), without repeats and without the minimum (which would leave the first bin
 * empty). A sample whose deciles are all one value (a count that is almost always 0) is cut at the
 * next value above its minimum, so that it still has two bins.
 */
export function quantileEdges(sorted: readonly number[], q = REFERENCE_QUANTILES): number[] {
  const n = sorted.length;
  if (n === 0) return [];
  const min = sorted[0];
  const edges: number[] = [];
  for (let k = 1; k < q; k++) {
    const v = sorted[Math.floor((k * n) / q)];
    if (v > min && (edges.length === 0 || v > edges[edges.length - 1])) edges.push(v);
  }
  if (edges.length === 0) {
    const above = sorted.find((v) => v > min);
    if (above !== undefined) edges.push(above);
  }
  return edges;
}

/** The bins in words: "< 5,000", "5,000 to < 8,000", "≥ 30,000", levels as they are, "not given". */
function binLabels(kind: 'numeric' | 'categorical', optional: boolean, edges: readonly number[], levels: readonly string[]): string[] {
  const labels =
    kind === 'categorical'
      ? [...levels]
      : edges.length === 0
        ? ['all values']
        : [`< ${fmt(edges[0])}`, ...edges.slice(1).map((e, i) => `${fmt(edges[i])} to < ${fmt(e)}`), `≥ ${fmt(edges[edges.length - 1])}`];
  return optional ? [...labels, 'not given'] : labels;
}

export interface ReferenceMeta {
  modelVersion: string;
  data: DriftReference['data'];
  createdAt?: Date;
}

/** The reference distribution of a sample (the model's training rows, with the scores it gives them). */
export function buildReference(samples: readonly DriftSample[], meta: ReferenceMeta, quantiles = REFERENCE_QUANTILES): DriftReference {
  if (samples.length === 0) throw new Error('a reference needs at least one sample');
  const features = DRIFT_INPUTS.map((input): FeatureReference => {
    const levels = input.levels ?? [];
    let edges: number[] = [];
    if (input.kind === 'numeric') {
      const values: number[] = [];
      for (const s of samples) {
        const v = inputValue(input, s.applicant, s.score);
        if (typeof v === 'number') values.push(v);
      }
      edges = quantileEdges(
        values.sort((a, b) => a - b),
        quantiles,
      );
    }
    const bins = binLabels(input.kind, input.optional, edges, levels);
    return {
      name: input.name,
      label: input.label,
      kind: input.kind,
      optional: input.optional,
      ...(input.kind === 'numeric' ? { edges } : { levels: [...levels] }),
      bins,
      counts: bins.map(() => 0),
    };
  });
  const counts = countBins({ features }, samples);
  return DriftReferenceSchema.parse({
    format: 1,
    modelVersion: meta.modelVersion,
    data: meta.data,
    rows: samples.length,
    createdAt: (meta.createdAt ?? new Date()).toISOString(),
    features: features.map((f) => ({ ...f, counts: counts[f.name] })),
  });
}
