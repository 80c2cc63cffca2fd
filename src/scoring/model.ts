import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import type { Applicant } from '../applicant/schema.ts';
import type { CsvRecord } from '../data/csv.ts';
import { APPLICANT_FEATURE_NAMES } from '../features/applicant.ts';
import { featureVector, type FeatureSpec } from '../features/spec.ts';
import { forestFromJson, predictRow, type FlatForest } from '../forest/flat.ts';
import { calibrate, type Calibration } from '../training/calibrate.ts';
import { logisticLogit, sigmoid, type LogisticModel } from '../training/logistic.ts';
import {
  ARTEFACT_FILES,
  BaselineArtefactSchema,
  CalibrationSchema,
  FeatureSpecSchema,
  MANIFEST_FILE,
  ManifestSchema,
  MetricsArtefactSchema,
} from './artefacts.ts';
import { pdToScore } from './scale.ts';

/** A model version loaded from disk and checked: everything needed to score, nothing else. */
export interface LoadedModel {
  version: string;
  dir: string;
  spec: FeatureSpec;
  forest: FlatForest;
  calibration: Calibration;
  baseline: LogisticModel;
  metrics: z.infer<typeof MetricsArtefactSchema>;
}

export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

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

function checked<T>(path: string, parse: (input: unknown) => T): T {
  const input = readJson(path);
  try {
    return parse(input);
  } catch (error) {
    const issues = (error as { issues?: { path: PropertyKey[]; message: string }[] }).issues;
    const detail = issues
      ? issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')
      : (error as Error).message;
    throw new ModelLoadError(`${path}: invalid model artefact: ${detail}`);
  }
}

/** Reads models/manifest.json, or a given version, and validates every artefact. */
export function loadModel(root = 'models', version?: string): LoadedModel {
  const chosen = version ?? checked(join(root, MANIFEST_FILE), (i) => ManifestSchema.parse(i)).current;
  const dir = join(root, chosen);
  const spec = checked(join(dir, ARTEFACT_FILES.features), (i) => FeatureSpecSchema.parse(i));
  const forest = checked(join(dir, ARTEFACT_FILES.forest), forestFromJson);
  const calibration = checked(join(dir, ARTEFACT_FILES.calibration), (i) => CalibrationSchema.parse(i));
  const baseline = checked(join(dir, ARTEFACT_FILES.baseline), (i) => BaselineArtefactSchema.parse(i));
  const metrics = checked(join(dir, ARTEFACT_FILES.metrics), (i) => MetricsArtefactSchema.parse(i));
  if (spec.kind === 'applicant' && spec.features.join() !== APPLICANT_FEATURE_NAMES.join()) {
    throw new ModelLoadError(`${dir}: trained on another applicant feature layout than this code computes (${spec.features.length} vs ${APPLICANT_FEATURE_NAMES.length} features); retrain with \`npm run train\``);
  }
  const nFeatures = spec.features.length;
  if (forest.nFeatures !== nFeatures) {
    throw new ModelLoadError(`${dir}: forest expects ${forest.nFeatures} features, the feature spec has ${nFeatures}`);
  }
  if (baseline.model.coefficients.length !== nFeatures) {
    throw new ModelLoadError(`${dir}: baseline has ${baseline.model.coefficients.length} coefficients for ${nFeatures} features`);
  }
  if (metrics.version !== chosen) {
    throw new ModelLoadError(`${dir}: metrics.json belongs to version ${metrics.version}`);
  }
  return { version: chosen, dir, spec, forest, calibration, baseline: baseline.model, metrics };
}

export interface PdEstimate {
  /** Calibrated probability of default. */
  pd: number;
  /** The forest's raw (uncalibrated) bad share. */
  forestShare: number;
  /** The logistic baseline's PD, for comparison. */
  baselinePd: number;
  score: number;
  modelVersion: string;
}

/** Scores one validated input; `scratch` lets hot paths reuse the feature buffer. */
export function estimatePd(model: LoadedModel, input: Applicant | CsvRecord, scratch?: Float64Array): PdEstimate {
  const x = featureVector(model.spec, input, scratch);
  const forestShare = predictRow(model.forest, x);
  const pd = calibrate(model.calibration, forestShare);
  return {
    pd,
    forestShare,
    baselinePd: sigmoid(logisticLogit(model.baseline, x)),
    score: pdToScore(pd),
    modelVersion: model.version,
  };
}
