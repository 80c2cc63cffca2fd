import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTEFACT_FILES, MANIFEST_FILE, ManifestSchema } from './artefacts.ts';
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

export function loadModel(root = 'models', version?: string): LoadedModel {
  let chosen = version;
  let behaviourVersion: string | undefined;
  if (!chosen) {
    const path = join(root, MANIFEST_FILE);
    const parsed = ManifestSchema.safeParse(readJson(path));
    if (!parsed.success)
      throw new ModelLoadError(`${path}: invalid manifest: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    chosen = parsed.data.current;
    behaviourVersion = parsed.data.behaviour;
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
      ...(behaviourVersion ? { behaviour: readJson(join(root, behaviourVersion, 'model.json')) } : {}),
    },
    dir,
  );
}
