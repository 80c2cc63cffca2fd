import { z } from 'zod';
import type { Applicant } from '../applicant/schema.ts';
import type { CsvRecord } from '../data/csv.ts';
import { ApplicantFeatureSpecSchema, applicantFeatures } from './applicant.ts';
import { GenericFeatureSpecSchema, genericFeatures } from './generic.ts';

/** A model's preprocessing, stored beside its forest: applicant models and generic-CSV models. */
export const FeatureSpecSchema = z.discriminatedUnion('kind', [ApplicantFeatureSpecSchema, GenericFeatureSpecSchema]);
export type FeatureSpec = z.infer<typeof FeatureSpecSchema>;

export function featureVector(spec: FeatureSpec, input: Applicant | CsvRecord, out?: Float64Array): Float64Array {
  return spec.kind === 'applicant' ? applicantFeatures(spec, input as Applicant, out) : genericFeatures(spec, input as CsvRecord, out);
}
