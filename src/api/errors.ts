import { z } from 'zod';
import { classifyDatabaseError, type DatabaseErrorClass } from '../app/database-errors.ts';
import { DecisionRefused } from '../app/decide.ts';
import { describeIssues } from '../applicant/schema.ts';

/** Thrown around database calls: the API answers by `kind` and says nothing was stored. */
export class StorageUnavailable extends Error {
  override name = 'StorageUnavailable';
  constructor(
    readonly kind: DatabaseErrorClass,
    /** The driver's or the server's code (ECONNREFUSED, 57014, …): never the query or its parameters. */
    readonly code: string,
    options?: ErrorOptions,
  ) {
    super(`database ${kind} error (${code})`, options);
  }
}

/** Database failures become StorageUnavailable (by class); the decision service's refusals pass through as they are. */
export async function withStorage<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DecisionRefused) throw error;
    const { kind, code } = classifyDatabaseError(error);
    throw new StorageUnavailable(kind, code, { cause: error });
  }
}

/**
 * The 400 answer to input that fails its schema: each field with its rule, in our words.
 *
 * @example c.json(invalidInput(result.error, given), 400)
 */
export function invalidInput(error: z.ZodError, input?: unknown) {
  return { error: 'invalid input', issues: describeIssues(error, input) };
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
