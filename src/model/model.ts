import type { z } from 'zod';
import type { Applicant } from '../applicant/schema.ts';
import type { CsvRecord } from '../data/csv.ts';
import { APPLICANT_FEATURE_NAMES } from '../features/applicant.ts';
import { featureVector, type FeatureSpec } from '../features/spec.ts';
import { forestFromJson, type FlatForest } from './flat.ts';
import { calibrateLogit, type Calibration } from './calibration.ts';
import { logisticLogit, sigmoid, type LogisticModel } from './logistic.ts';
import { ARTEFACT_FILES, BaselineArtefactSchema, CalibrationSchema, FeatureSpecSchema, MetricsArtefactSchema } from './artefacts.ts';
import { BehaviourModelSchema, type BehaviourModel } from './behaviour-model.ts';
import { rawLogit, ScorerSchema, type Scorer, type ScorerParts } from './scorer.ts';

/** A model version loaded from disk and checked: everything needed to score, nothing else. */
export interface LoadedModel {
  version: string;
  dir: string;
  spec: FeatureSpec;
  /** Which parts decide, with what weights, and the monotone directions they were trained under. */
  scorer: Scorer;
  /** The tree ensemble (forest or boosting), when the champion uses one. */
  trees?: FlatForest;
  /** The logistic model: a part of the champion when its weight is above 0, and the baseline. */
  baseline: LogisticModel;
  calibration: Calibration;
  metrics: z.infer<typeof MetricsArtefactSchema>;
  /** The bank-account evidence model, when one ships with this model. */
  behaviour?: BehaviourModel;
}

const join = (dir: string, file: string) => `${dir}/${file}`;

export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

/** The raw (parsed JSON) contents of a model version's files. */
export interface RawArtefacts {
  features: unknown;
  scorer: unknown;
  /** Absent when the champion is the logistic model alone. */
  trees?: unknown;
  calibration: unknown;
  baseline: unknown;
  metrics: unknown;
  /** models/<behaviour version>/model.json, optional. */
  behaviour?: unknown;
}

function checked<T>(where: string, input: unknown, parse: (input: unknown) => T): T {
  try {
    return parse(input);
  } catch (error) {
    const issues = (error as { issues?: { path: PropertyKey[]; message: string }[] }).issues;
    const detail = issues
      ? issues
          .slice(0, 5)
          .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
          .join('; ')
      : (error as Error).message;
    throw new ModelLoadError(`${where}: invalid model artefact: ${detail}`);
  }
}

/**
 * Validates a model version's artefacts and checks they belong together. `dir` names where they
 * came from in error messages; nothing here touches the file system, so Workers use it too.
 *
 * @example modelFromArtefacts('pd-gb-123', { features, scorer, trees, calibration, baseline, metrics })
 */
export function modelFromArtefacts(version: string, raw: RawArtefacts, dir = version): LoadedModel {
  const at = (file: string) => join(dir, file);
  const spec = checked(at(ARTEFACT_FILES.features), raw.features, (i) => FeatureSpecSchema.parse(i));
  const scorer = checked(at(ARTEFACT_FILES.scorer), raw.scorer, (i) => ScorerSchema.parse(i));
  const trees = raw.trees === undefined ? undefined : checked(at(ARTEFACT_FILES.trees), raw.trees, forestFromJson);
  const calibration = checked(at(ARTEFACT_FILES.calibration), raw.calibration, (i) => CalibrationSchema.parse(i));
  const baseline = checked(at(ARTEFACT_FILES.baseline), raw.baseline, (i) => BaselineArtefactSchema.parse(i));
  const metrics = checked(at(ARTEFACT_FILES.metrics), raw.metrics, (i) => MetricsArtefactSchema.parse(i));
  if (spec.kind === 'applicant' && spec.features.join() !== APPLICANT_FEATURE_NAMES.join()) {
    throw new ModelLoadError(
      `${dir}: trained on another applicant feature layout than this code computes (${spec.features.length} vs ${APPLICANT_FEATURE_NAMES.length} features); retrain with \`npm run train\``,
    );
  }
  const nFeatures = spec.features.length;
  if (scorer.treeWeight > 0 && !trees) throw new ModelLoadError(`${dir}: the champion (${scorer.champion}) needs ${ARTEFACT_FILES.trees}, which is missing`);
  if (trees && trees.nFeatures !== nFeatures) {
    throw new ModelLoadError(`${dir}: the trees expect ${trees.nFeatures} features, the feature spec has ${nFeatures}`);
  }
  if (baseline.model.coefficients.length !== nFeatures) {
    throw new ModelLoadError(`${dir}: baseline has ${baseline.model.coefficients.length} coefficients for ${nFeatures} features`);
  }
  if (metrics.version !== version) {
    throw new ModelLoadError(`${dir}: metrics.json belongs to version ${metrics.version}`);
  }
  const behaviour = raw.behaviour === undefined ? undefined : checked(`${dir} (behaviour model)`, raw.behaviour, (i) => BehaviourModelSchema.parse(i));
  return { version, dir, spec, scorer, ...(trees ? { trees } : {}), calibration, baseline: baseline.model, metrics, ...(behaviour ? { behaviour } : {}) };
}

export interface PdEstimate {
  /** Calibrated probability of default. */
  pd: number;
  /** The champion's raw (uncalibrated) probability. */
  rawPd: number;
  /** The logistic baseline's PD, for comparison. */
  baselinePd: number;
  modelVersion: string;
}

/**
 * Scores one validated input; `scratch` lets hot paths reuse the feature buffer.
 *
 * @example estimatePd(loadModel(), applicant).pd // 0.14
 */
export function estimatePd(model: LoadedModel, input: Applicant | CsvRecord, scratch?: Float64Array): PdEstimate {
  return estimateFromFeatures(model, featureVector(model.spec, input, scratch));
}

/** The parts of a loaded model its raw log-odds are made of (`rawLogit`, `explain`). */
export function scorerParts(model: LoadedModel): ScorerParts {
  return { scorer: model.scorer, trees: model.trees, logistic: model.baseline };
}

/**
 * The calibrated PD alone, from a feature vector computed with the model's spec: what `estimatePd`
 * gives as `pd`, without the extras, for the counter-offer search's repeated scoring.
 */
export function pdFromFeatures(model: LoadedModel, x: Float64Array): number {
  return calibrateLogit(model.calibration, rawLogit(scorerParts(model), x));
}

/** The same, from a feature vector already computed with the model's spec. */
export function estimateFromFeatures(model: LoadedModel, x: Float64Array): PdEstimate {
  const z = rawLogit(scorerParts(model), x);
  return {
    pd: calibrateLogit(model.calibration, z),
    rawPd: sigmoid(z),
    baselinePd: sigmoid(logisticLogit(model.baseline, x)),
    modelVersion: model.version,
  };
}
