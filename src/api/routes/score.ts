import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { ApplicantSchema } from '../../applicant/schema.ts';
import type { DecisionService } from '../../app/decide.ts';
import { AssessmentSchema } from '../../scoring/assess.ts';
import type { AuthEnv } from '../auth.ts';
import { callerOf } from '../caller.ts';
import { syncFirst } from '../sync-first.ts';
import { createMiddleware } from 'hono/factory';
import { ErrorSchema, invalidInput, jsonContent, withStorage } from '../errors.ts';

export const ScoreResponseSchema = AssessmentSchema.extend({
  applicationId: z.uuid(),
  policyVersion: z.number().int(),
});

/** The one request header the route reads. */
export const IdempotencyHeaderSchema = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{8,128}$/, 'must be 8 to 128 letters, digits or _ . : -, e.g. a UUID')
    .optional()
    .meta({ description: 'A retry with the same key gets the stored answer (header Idempotent-Replayed: true), never a second decision' }),
});

export const scoreRoute = createRoute({
  method: 'post',
  path: '/v1/score',
  summary: 'Score an applicant and decide',
  description:
    'Validates the applicant, estimates the probability of default, decides under the current policy, prices the loan and, when not approved, looks for a counter-offer. The answer is sent only after the application and decision are stored.',
  security: [{ apiKey: [] }],
  request: {
    headers: IdempotencyHeaderSchema,
    body: { content: { 'application/json': { schema: syncFirst(ApplicantSchema) } }, required: true },
  },
  responses: {
    200: jsonContent(ScoreResponseSchema, 'The decision, stored'),
    400: jsonContent(ErrorSchema, 'Invalid applicant or bank evidence: every failing field and its rule'),
    409: jsonContent(ErrorSchema, 'The Idempotency-Key was used for a different application'),
    401: jsonContent(ErrorSchema, 'Missing, unknown or revoked API key'),
    403: jsonContent(ErrorSchema, 'Key not allowed here'),
    413: jsonContent(ErrorSchema, 'Body too large'),
    429: jsonContent(ErrorSchema, 'Rate limit exceeded'),
    503: jsonContent(ErrorSchema, 'Storage unavailable: nothing was stored'),
  },
});

/** The route's env: the caller, and the Idempotency-Key once checked. */
type ScoreEnv = AuthEnv & { Variables: { idempotencyKey?: string } };

/**
 * The Idempotency-Key header, checked by the route's own schema before the body, as the generated
 * validator would: that one copies every request header into an object first, which on Node
 * materialises them all as web Headers, a cost on every decision for the one header read here.
 */
const idempotencyHeader = createMiddleware<ScoreEnv>(async (c, next) => {
  const given = { 'idempotency-key': c.req.header('idempotency-key') };
  const parsed = IdempotencyHeaderSchema.safeParse(given);
  if (!parsed.success) return c.json(invalidInput(parsed.error, given), 400);
  c.set('idempotencyKey', parsed.data['idempotency-key']);
  await next();
});

export function scoreRoutes(deps: { decisions: DecisionService }) {
  const app = new OpenAPIHono<ScoreEnv>();
  // Documented as declared; served with the header read by `idempotencyHeader` instead of a generated validator.
  app.openAPIRegistry.registerPath(scoreRoute);
  app.openapi({ ...scoreRoute, hide: true, request: { body: scoreRoute.request.body }, middleware: idempotencyHeader }, async (c) => {
    const idempotencyKey = c.get('idempotencyKey');
    const answer = await withStorage(() =>
      deps.decisions.decide({
        applicant: c.req.valid('json'),
        caller: callerOf(c),
        ...(idempotencyKey ? { idempotencyKey } : {}),
        // Stored only if the request is still unanswered when it commits (src/api/deadline.ts).
        deadline: c.get('deadline'),
      }),
    );
    if (answer.replayed) c.header('Idempotent-Replayed', 'true');
    return c.json({ applicationId: answer.applicationId, ...answer.assessment, policyVersion: answer.policyVersion }, 200);
  });
  return app;
}
