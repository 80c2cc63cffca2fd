import { z } from 'zod';
import type { CsvRecord } from '../data/csv.ts';
import { parseNumeric, type GenericFeatureSpec } from './generic.ts';

/**
 * What one record for a generic model (trained with `--target/--bad` on any credit CSV) must look
 * like, as zod schemas built from its stored spec: the API's JSON body and the batch scorer's CSV
 * rows are checked by the same column rules, and fail with the column and the rule in plain words.
 */

const isBlank = (raw: string) => raw.trim() === '' || /^(na|n\/a|nan|null)$/i.test(raw.trim());

/** Levels shown in the API documentation of a categorical column (the first few). */
const LEVELS_SHOWN = 20;

function levelsOf(column: Extract<GenericFeatureSpec['columns'][number], { type: 'categorical' }>): string[] {
  return Object.keys(column.encoding.levels).filter((level) => level !== '(missing)');
}

/** `{ column: value }` as JSON: numbers for numeric columns, text for categories, null when not known. */
export function genericJsonRecordSchema(spec: GenericFeatureSpec) {
  const names = new Set(spec.columns.map((c) => c.name));
  const missing = 'is missing: send every column of the model (null when the value is not known)';
  const shape: Record<string, z.ZodType> = {};
  for (const column of spec.columns) {
    if (column.type === 'numeric') {
      shape[column.name] = z
        .union([z.number(), z.null()], { error: (issue) => (issue.input === undefined ? missing : 'must be a number, or null when not known') })
        .meta({ description: `numeric (training median ${column.median}; null is read as not known)` });
    } else {
      const levels = levelsOf(column);
      shape[column.name] = z
        .union([z.string(), z.number(), z.null()], {
          error: (issue) => (issue.input === undefined ? missing : 'must be text (one of the categories), or null when not known'),
        })
        .meta({
          description: `category, one of: ${levels.slice(0, LEVELS_SHOWN).join(', ')}${levels.length > LEVELS_SHOWN ? ', …' : ''} (a category not seen in training counts as the average)`,
        });
    }
  }
  return z.looseObject(shape).check(
    z.superRefine(
      (record: Record<string, unknown>, ctx) => {
        for (const key of Object.keys(record)) {
          if (!names.has(key)) ctx.addIssue({ code: 'custom', path: [key], message: 'is not a column of this model', input: record[key] });
        }
      },
      // Name unknown columns even when others are missing or wrong, so one answer lists every problem.
      { when: (payload) => typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value) },
    ),
  );
}

/** A validated JSON record as the CSV record the model's features are computed from. */
export function jsonRecordToCsv(spec: GenericFeatureSpec, record: Record<string, unknown>): CsvRecord {
  const out: CsvRecord = {};
  for (const column of spec.columns) {
    const value = record[column.name];
    out[column.name] = value === null || value === undefined ? '' : String(value);
  }
  return out;
}

/**
 * A CSV row (all text) for the model: numeric columns must read as numbers or be empty (not
 * known). Columns the model does not use pass through untouched; which columns the file must
 * have is checked once, on its header (`missingGenericColumns`).
 */
export function genericCsvRecordSchema(spec: GenericFeatureSpec) {
  const shape: Record<string, z.ZodType> = {};
  for (const column of spec.columns) {
    shape[column.name] =
      column.type === 'numeric'
        ? z.string().refine((raw) => isBlank(raw) || parseNumeric(raw) !== undefined, {
            error: (issue) => `must be a number, or empty when not known (found "${String(issue.input)}")`,
          })
        : z.string();
  }
  return z.looseObject(shape);
}

/** The model's input columns a header lacks. */
export function missingGenericColumns(spec: GenericFeatureSpec, header: readonly string[]): string[] {
  const present = new Set(header);
  return spec.columns.map((c) => c.name).filter((name) => !present.has(name));
}
