import { z } from 'zod';
import { DecisionRefused } from '../app/decide.ts';

/** Thrown around database calls: the API answers 503 and says nothing was stored. */
export class StorageUnavailable extends Error {
  override name = 'StorageUnavailable';
}

/** Database failures become StorageUnavailable; the decision service's refusals pass through as they are. */
export async function withStorage<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DecisionRefused) throw error;
    throw new StorageUnavailable((error as Error).message, { cause: error });
  }
}

/** The answer to a refused request: the status, and each field with its rule. */
export function refusalBody(error: DecisionRefused) {
  const what = error.status === 400 ? 'invalid input' : error.status === 404 ? 'not found' : 'conflict';
  return { error: what, issues: error.issues };
}

export const IssueSchema = z.object({ field: z.string(), rule: z.string() });
export const ErrorSchema = z.object({
  error: z.string(),
  issues: z.array(IssueSchema).optional(),
});

/** An OpenAPI response (or body) of JSON described by a zod schema. */
export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
