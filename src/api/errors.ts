import { z } from 'zod';

/** Thrown around database calls: the API answers 503 and says nothing was stored. */
export class StorageUnavailable extends Error {
  override name = 'StorageUnavailable';
}

export async function withStorage<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new StorageUnavailable((error as Error).message, { cause: error });
  }
}

export const IssueSchema = z.object({ field: z.string(), rule: z.string() });
export const ErrorSchema = z.object({
  error: z.string(),
  issues: z.array(IssueSchema).optional(),
});

/** An OpenAPI response (or body) of JSON described by a zod schema. */
export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
