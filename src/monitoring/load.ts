import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DriftReferenceSchema, REFERENCE_FILE, type DriftReference } from './reference.ts';

/**
 * Node side: the reference distribution shipped with a model version (models/<version>/reference.json),
 * or undefined when there is none (drift monitoring is then off). A file that is there but wrong (not
 * valid, or another version's) throws, or with `onInvalid` is reported there and left out.
 */
export function loadDriftReference(model: { version: string; dir: string }, onInvalid?: (problem: string) => void): DriftReference | undefined {
  const path = join(model.dir, REFERENCE_FILE);
  if (!existsSync(path)) return undefined;
  const problem = (message: string) => {
    if (!onInvalid) throw new Error(message);
    onInvalid(message);
    return undefined;
  };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    return problem(`${path}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = DriftReferenceSchema.safeParse(raw);
  if (!parsed.success)
    return problem(`${path}: invalid reference distribution (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`);
  if (parsed.data.modelVersion !== model.version)
    return problem(`${path}: made for model ${parsed.data.modelVersion}, not ${model.version}; run npm run monitoring:reference`);
  return parsed.data;
}
