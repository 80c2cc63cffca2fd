import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { ApplicantSchema, type Applicant } from '../../applicant/schema.ts';
import { BehaviourError } from '../../features/behaviour.ts';
import { reduceTransactions } from '../../scoring/evidence.ts';
import { assess, AssessmentSchema, type Assessment } from '../../scoring/assess.ts';
import type { LoadedModel } from '../../model/model.ts';
import type { RecordInput } from '../../../db/repository.ts';
import type { AuthEnv } from '../auth.ts';
import { ErrorSchema, jsonContent, withStorage } from '../errors.ts';
import type { PolicyCache } from '../policy-cache.ts';

export const ScoreResponseSchema = AssessmentSchema.extend({
  applicationId: z.uuid(),
  policyVersion: z.number().int(),
});

export const scoreRoute = createRoute({
  method: 'post',
  path: '/v1/score',
  summary: 'Score an applicant and decide',
  description:
    'Validates the applicant, estimates the probability of default, decides under the current policy, prices the loan and, when not approved, looks for a counter-offer. The answer is sent only after the application and decision are stored.',
  security: [{ apiKey: [] }],
  request: { body: { content: { 'application/json': { schema: ApplicantSchema } }, required: true } },
  responses: {
    200: jsonContent(ScoreResponseSchema, 'The decision, stored'),
    400: jsonContent(ErrorSchema, 'Invalid applicant: every failing field and its rule'),
    401: jsonContent(ErrorSchema, 'Missing, unknown or revoked API key'),
    403: jsonContent(ErrorSchema, 'Key not allowed here'),
    413: jsonContent(ErrorSchema, 'Body too large'),
    429: jsonContent(ErrorSchema, 'Rate limit exceeded'),
    503: jsonContent(ErrorSchema, 'Storage unavailable: nothing was stored'),
  },
});

/** Stores one decision and resolves with its application id once committed. */
export type StoreDecision = (input: RecordInput, assessment: Assessment, policyVersion: number) => Promise<string>;

export function scoreRoutes(deps: { model: LoadedModel; store: StoreDecision; policy: PolicyCache }) {
  const app = new OpenAPIHono<AuthEnv>();
  app.openapi(scoreRoute, async (c) => {
    const caller = c.get('caller');
    const policy = await withStorage(() => deps.policy.get());
    // Raw transactions become features and a hash before anything is scored or stored.
    let applicant: Applicant;
    try {
      applicant = reduceTransactions(c.req.valid('json'), new Date(), policy.policy.storeRawTransactions);
    } catch (error) {
      if (error instanceof BehaviourError) return c.json({ error: 'invalid input', issues: [{ field: 'alternativeData.transactions', rule: error.message }] }, 400);
      throw error;
    }
    const assessment = assess(deps.model, policy.policy, applicant);
    const applicationId = await withStorage(() =>
      deps.store(
        caller.kind === 'key'
          ? { applicant, channel: caller.key.scope === 'widget' ? 'widget' : 'api', apiKeyId: caller.key.id }
          : { applicant, channel: 'widget' },
        assessment,
        policy.version,
      ),
    );
    return c.json({ applicationId, ...assessment, policyVersion: policy.version }, 200);
  });
  return app;
}
