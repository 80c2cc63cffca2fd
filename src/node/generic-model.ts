import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_FILE, ManifestSchema, type Manifest } from '../model/artefacts.ts';
import { loadModel } from '../model/load.ts';
import { ModelLoadError, type LoadedModel } from '../model/model.ts';

/**
 * Node side of generic models (trained on any credit CSV with `--target/--bad`): which one is
 * promoted for generic scoring is `generic` in models/manifest.json, beside `current` (the
 * applicant model). `npm run score -- --promote VERSION` sets it; the server loads it at start.
 */

interface ManifestFile {
  /** The file as written, so that fields this code does not know survive a rewrite. */
  raw: Record<string, unknown>;
  manifest: Manifest;
}

function readManifest(root: string): ManifestFile {
  const path = join(root, MANIFEST_FILE);
  if (!existsSync(path)) throw new ModelLoadError(`${path} is missing: train a model first (npm run train)`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ModelLoadError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) throw new ModelLoadError(`${path}: invalid manifest: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { raw: raw as Record<string, unknown>, manifest: parsed.data };
}

/** The model versions stored under `root` (directories with a metrics.json). */
export function storedVersions(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'metrics.json')))
    .sort();
}

/** loadModel for a named version, with a one-line error naming what is there when it is not. */
export function loadVersion(root: string, version: string): LoadedModel {
  const dir = join(root, version);
  if (!/^[\w.-]+$/.test(version) || version.startsWith('.') || !existsSync(dir) || !statSync(dir).isDirectory()) {
    const there = storedVersions(root);
    throw new ModelLoadError(`no model version "${version}" in ${root}/ (${there.length ? `versions there: ${there.join(', ')}` : 'it holds none'})`);
  }
  return loadModel(root, version);
}

/** The version promoted for generic scoring, if any. */
export function promotedGenericVersion(root: string): string | undefined {
  if (!existsSync(join(root, MANIFEST_FILE))) return undefined;
  return readManifest(root).manifest.generic;
}

/** The promoted generic model, or undefined when none is promoted. Throws when the promoted one does not load. */
export function loadPromotedGeneric(root: string): LoadedModel | undefined {
  const version = promotedGenericVersion(root);
  if (!version) return undefined;
  const model = loadVersion(root, version);
  if (model.spec.kind !== 'generic') throw new ModelLoadError(`${join(root, MANIFEST_FILE)}: "generic" names ${version}, which is not a generic model`);
  return model;
}

/**
 * Makes a stored generic model the one served for generic scoring: checks that it loads and is
 * generic, then records it in the manifest (written to a temporary file and renamed, so a reader
 * never sees half a manifest). The applicant model (`current`) is untouched.
 */
export function promoteGeneric(root: string, version: string): LoadedModel {
  const { raw, manifest } = readManifest(root);
  const model = loadVersion(root, version);
  if (model.spec.kind !== 'generic') {
    throw new ModelLoadError(`${version} is an applicant model: applicant models become current by training (npm run train); --promote is for generic models`);
  }
  const data = (model.metrics as { data?: { file?: unknown } }).data?.file;
  const versions = manifest.versions.some((v) => v.version === version)
    ? manifest.versions
    : [...manifest.versions, { version, kind: 'generic' as const, data: typeof data === 'string' ? data : 'unknown' }];
  const path = join(root, MANIFEST_FILE);
  const next: Manifest & Record<string, unknown> = { ...raw, ...manifest, generic: version, versions };
  writeFileSync(`${path}.tmp`, `${JSON.stringify(next, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
  return model;
}
