import { z } from 'zod';
import type { CsvRecord } from '../data/csv.ts';
import { assertNoForbiddenColumns, isForbiddenFeatureColumn } from '../data/leakage.ts';
import { CategoryEncodingSchema, encodeCategory, fitCategoryEncoding, median } from './encoding.ts';

/**
 * Features for any credit CSV (`train --target COLUMN --bad VALUE`): column types are inferred
 * from the training rows, numeric columns imputed with an indicator, categorical ones encoded.
 */

const NumericColumnSchema = z.object({
  type: z.literal('numeric'),
  name: z.string(),
  median: z.number(),
  missingIndicator: z.boolean(),
});
const CategoricalColumnSchema = z.object({
  type: z.literal('categorical'),
  name: z.string(),
  encoding: CategoryEncodingSchema,
});

export const GenericFeatureSpecSchema = z.object({
  kind: z.literal('generic'),
  target: z.object({ column: z.string(), bad: z.string() }),
  columns: z.array(z.discriminatedUnion('type', [NumericColumnSchema, CategoricalColumnSchema])).min(1),
  dropped: z.array(z.object({ name: z.string(), reason: z.string() })),
  features: z.array(z.string()).min(1),
});
export type GenericFeatureSpec = z.infer<typeof GenericFeatureSpecSchema>;

/** `dropped` reasons of columns kept out by rule rather than by what the data showed. */
export const EXCLUDED_REASON = 'excluded by --exclude';
export const LEAKAGE_REASON = 'leakage guard (src/data/leakage.ts)';

/** A column whose non-empty values parse as numbers at least this often is numeric. */
export const NUMERIC_SHARE = 0.98;
/** Categorical columns with more distinct values than this are identifiers or free text. */
export const MAX_LEVELS = 100;

export function parseNumeric(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const s = raw.trim().replace(/,/g, '').replace(/%$/, '');
  if (s === '' || /^(na|n\/a|nan|null)$/i.test(s)) return undefined;
  const v = Number(s);
  return Number.isFinite(v) ? v : undefined;
}

const isBlank = (raw: string | undefined) => raw === undefined || raw.trim() === '' || /^(na|n\/a|nan|null)$/i.test(raw.trim());

export interface GenericFitOptions {
  target: string;
  bad: string;
  exclude?: readonly string[];
}

/** 1 when the target column equals the bad value (string or numeric equality), else 0. */
export function genericTarget(record: CsvRecord, target: string, bad: string): 0 | 1 {
  const raw = (record[target] ?? '').trim();
  if (raw === bad) return 1;
  const a = parseNumeric(raw);
  const b = parseNumeric(bad);
  return a !== undefined && b !== undefined && a === b ? 1 : 0;
}

export function fitGenericSpec(records: readonly CsvRecord[], badFlags: ArrayLike<number>, options: GenericFitOptions): GenericFeatureSpec {
  if (records.length === 0) throw new Error('no training rows');
  const header = Object.keys(records[0]);
  if (!header.includes(options.target)) {
    throw new Error(`--target: column "${options.target}" is not in the file (columns: ${header.join(', ')})`);
  }
  const excluded = new Set(options.exclude ?? []);
  const columns: GenericFeatureSpec['columns'] = [];
  const dropped: GenericFeatureSpec['dropped'] = [];
  for (const name of header) {
    if (name === options.target) continue;
    if (excluded.has(name)) {
      dropped.push({ name, reason: EXCLUDED_REASON });
      continue;
    }
    if (isForbiddenFeatureColumn(name)) {
      dropped.push({ name, reason: LEAKAGE_REASON });
      continue;
    }
    const raw = records.map((r) => r[name]);
    const present = raw.filter((v) => !isBlank(v));
    if (present.length === 0) {
      dropped.push({ name, reason: 'always empty' });
      continue;
    }
    const numbers = present.map(parseNumeric);
    const numericShare = numbers.filter((v) => v !== undefined).length / present.length;
    if (numericShare >= NUMERIC_SHARE) {
      const values = raw.map((v) => parseNumeric(v) ?? Number.NaN);
      const finite = values.filter(Number.isFinite);
      if (finite.every((v) => v === finite[0])) {
        dropped.push({ name, reason: 'constant' });
        continue;
      }
      columns.push({ type: 'numeric', name, median: median(values), missingIndicator: finite.length < values.length });
      continue;
    }
    const levels = new Set(present.map((v) => v.trim()));
    if (levels.size < 2) {
      dropped.push({ name, reason: 'constant' });
      continue;
    }
    if (levels.size > MAX_LEVELS) {
      dropped.push({ name, reason: `text or identifier (${levels.size} distinct values)` });
      continue;
    }
    columns.push({
      type: 'categorical',
      name,
      encoding: fitCategoryEncoding(
        raw.map((v) => (isBlank(v) ? '(missing)' : v.trim())),
        badFlags,
      ),
    });
  }
  if (columns.length === 0) throw new Error('no usable feature columns after type inference');
  assertNoForbiddenColumns(
    columns.map((c) => c.name),
    'generic feature spec',
  );
  const features = columns.flatMap((c) => (c.type === 'numeric' && c.missingIndicator ? [c.name, `${c.name}_missing`] : [c.name]));
  return { kind: 'generic', target: { column: options.target, bad: options.bad }, columns, dropped, features };
}

export function genericFeatures(spec: GenericFeatureSpec, record: CsvRecord, out: Float64Array = new Float64Array(spec.features.length)): Float64Array {
  let i = 0;
  for (const column of spec.columns) {
    const raw = record[column.name];
    if (column.type === 'categorical') {
      out[i++] = encodeCategory(column.encoding, isBlank(raw) ? '(missing)' : raw.trim());
      continue;
    }
    const v = parseNumeric(raw);
    out[i++] = v ?? column.median;
    if (column.missingIndicator) out[i++] = v === undefined ? 1 : 0;
  }
  return out;
}
