import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTEFACT_FILES, MANIFEST_FILE, ManifestSchema, type Manifest } from './artefacts.ts';
import { modelFromArtefacts, ModelLoadError, type LoadedModel } from './model.ts';

/** Node side of model loading: read models/manifest.json (or a given version) from disk. */

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ModelLoadError(`${path}: file is missing (train a model with \`npm run train\`)`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ModelLoadError(`${path}: not valid JSON (${(error as Error).message})`);
  }
}

/** models/manifest.json, checked. */
export function readManifest(root = 'models'): Manifest {
  const path = join(root, MANIFEST_FILE);
  const parsed = ManifestSchema.safeParse(readJson(path));
  if (!parsed.success) throw new ModelLoadError(`${path}: invalid manifest: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/**
 * The manifest's current model, or `version`. `behaviourVersion` attaches that bank-account evidence
 * model to an explicitly chosen version (the manifest's current one gets the manifest's).
 */
export function loadModel(root = 'models', version?: string, behaviourVersion?: string): LoadedModel {
  let chosen = version;
  let behaviour = behaviourVersion;
  if (!chosen) {
    const manifest = readManifest(root);
    chosen = manifest.current;
    behaviour = manifest.behaviour;
  }
  const dir = join(root, chosen);
  const read = (file: string) => readJson(join(dir, file));
  return modelFromArtefacts(
    chosen,
    {
      features: read(ARTEFACT_FILES.features),
      scorer: read(ARTEFACT_FILES.scorer),
      ...(existsSync(join(dir, ARTEFACT_FILES.trees)) ? { trees: read(ARTEFACT_FILES.trees) } : {}),
      calibration: read(ARTEFACT_FILES.calibration),
      baseline: read(ARTEFACT_FILES.baseline),
      metrics: read(ARTEFACT_FILES.metrics),
      ...(behaviour ? { behaviour: readJson(join(root, behaviour, 'model.json')) } : {}),
    },
    dir,
  );
}

/**
 * Any applicant model version under `root`, with the manifest's bank-account evidence model, so a
 * champion and a challenger weigh the same evidence: what a server promotes to without a restart.
 * Throws (ModelLoadError) for a version that is missing or broken.
 */
export function modelLoader(root = 'models'): (version: string) => LoadedModel {
  const behaviour = readManifest(root).behaviour;
  return (version) => {
    if (!/^[A-Za-z0-9._-]+$/.test(version) || version.startsWith('.')) throw new ModelLoadError(`"${version}" is not a model version`);
    return loadModel(root, version, behaviour);
  };
}
