import { z } from 'zod';
import { FlatForestJsonSchema } from './flat.ts';
import { FeatureSpecSchema } from '../features/spec.ts';
import { CalibrationSchema } from './calibration.ts';
import { LogisticModelSchema } from './logistic.ts';
import { ScorerSchema } from './scorer.ts';

/**
 * The files of a model version (models/<version>/) and the manifest naming the current one.
 * Schemas here are what loading checks; training writes exactly these shapes.
 */

export const ARTEFACT_FILES = {
  scorer: 'scorer.json',
  trees: 'trees.json',
  features: 'features.json',
  calibration: 'calibration.json',
  baseline: 'baseline.json',
  metrics: 'metrics.json',
  card: 'MODEL_CARD.md',
} as const;

export const MANIFEST_FILE = 'manifest.json';

export const ManifestSchema = z.object({
  current: z.string().min(1),
  /**
   * The applicant model scored in shadow beside `current` (never deciding). Like `current`, only the
   * default at a database's first start: after that the database's model_versions roles decide.
   */
  challenger: z.string().min(1).optional(),
  /** The behavioural (bank-account) model version, when one is shipped. */
  behaviour: z.string().min(1).optional(),
  /** The generic model (trained on any credit CSV) served for generic scoring: `npm run score -- --promote VERSION`. */
  generic: z.string().min(1).optional(),
  versions: z.array(z.object({ version: z.string(), kind: z.enum(['applicant', 'generic']), data: z.string() })),
});
export type Manifest = z.infer<typeof ManifestSchema>;

export const BaselineArtefactSchema = z.object({
  kind: z.literal('logistic-regression'),
  features: z.array(z.string()),
  model: LogisticModelSchema,
});

const MetricBlockSchema = z.looseObject({
  rocAuc: z.number(),
  prAuc: z.number(),
  gini: z.number(),
  ks: z.number(),
  brier: z.number(),
  logLoss: z.number(),
});

/** Only what scoring and the API rely on is checked strictly; the rest is report. */
export const MetricsArtefactSchema = z.looseObject({
  version: z.string(),
  kind: z.enum(['applicant', 'generic']),
  seed: z.number().int(),
  test: z.looseObject({ champion: MetricBlockSchema, baseline: MetricBlockSchema }),
});

export { CalibrationSchema, FeatureSpecSchema, FlatForestJsonSchema, ScorerSchema };
