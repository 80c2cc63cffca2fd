import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { getApplication } from '../../../db/repository.ts';
import { recordOutcome } from '../../../db/outcome-repository.ts';
import { OUTCOMES, parseOutcomeDate } from '../../app/outcomes.ts';
import type { Db } from '../../../db/client.ts';
import { ApplicantSchema } from '../../applicant/schema.ts';
import { AssessmentSchema } from '../../scoring/assess.ts';
import type { AuthEnv } from '../auth.ts';
import { callerOf } from '../caller.ts';
import type { DecisionService } from '../../app/decide.ts';
import { ScoreResponseSchema } from './score.ts';
import { ErrorSchema, jsonContent, withStorage } from '../errors.ts';

const ApplicationSchema = z.object({
  id: z.uuid(),
  channel: z.enum(['api', 'widget', 'bot']),
  createdAt: z.string(),
  status: z.enum(['live', 'superseded']).meta({ description: 'superseded: its counter-offer was accepted (see supersededBy)' }),
  supersededBy: z.uuid().nullable(),
  applicant: ApplicantSchema,
  decision: AssessmentSchema.omit({ modelVersion: true }).extend({
    modelVersion: z.string(),
    policyVersion: z.number().int(),
    reviewedBy: z.string().nullable(),
    reviewedDecision: z.string().nullable(),
    createdAt: z.string(),
  }),
});

export const getApplicationRoute = createRoute({
  method: 'get',
  path: '/v1/applications/{id}',
  summary: 'An application and its decision',
  description: 'Admin keys see every application; other keys only those they created.',
  security: [{ apiKey: [] }],
  request: { params: z.object({ id: z.uuid().meta({ param: { name: 'id', in: 'path' } }) }) },
  responses: {
    200: jsonContent(ApplicationSchema, 'The stored application and decision'),
    400: jsonContent(ErrorSchema, 'Invalid id'),
    401: jsonContent(ErrorSchema, 'Missing, unknown or revoked API key'),
    404: jsonContent(ErrorSchema, 'No such application for this key'),
    503: jsonContent(ErrorSchema, 'Storage unavailable'),
  },
});

export const acceptCounterOfferRoute = createRoute({
  method: 'post',
  path: '/v1/applications/{id}/accept-counter-offer',
  summary: 'Accept the counter-offer of an application',
  description:
    'The counter-offer is decided as an application of its own and replaces the original, which becomes superseded (out of review and out of the book). Accepting again changes nothing: the answer is the same loan, with alreadyAccepted true.',
  security: [{ apiKey: [] }],
  request: { params: z.object({ id: z.uuid().meta({ param: { name: 'id', in: 'path' } }) }) },
  responses: {
    200: jsonContent(ScoreResponseSchema.extend({ alreadyAccepted: z.boolean(), supersedes: z.uuid() }), "The loan on the counter-offer's terms, stored"),
    401: jsonContent(ErrorSchema, 'Missing, unknown or revoked API key'),
    404: jsonContent(ErrorSchema, 'No such application for this key'),
    409: jsonContent(ErrorSchema, 'The application has no counter-offer'),
    503: jsonContent(ErrorSchema, 'Storage unavailable'),
  },
});

export const recordOutcomeRoute = createRoute({
  method: 'post',
  path: '/v1/applications/{id}/outcome',
  summary: 'Record how the loan ended: repaid or defaulted',
  description:
    'Score and admin keys; a score key only for applications it made. Sending the same outcome again changes nothing (status unchanged); another outcome or date corrects it, audited with the previous one. `at` is the day it happened (default: the day already recorded, else today). Declined applications made no loan, and a superseded one passed its loan to its counter-offer: both are refused.',
  security: [{ apiKey: [] }],
  request: {
    params: z.object({ id: z.uuid().meta({ param: { name: 'id', in: 'path' } }) }),
    body: {
      content: {
        'application/json': {
          schema: z.object({
            outcome: z.enum(OUTCOMES),
            at: z
              .string()
              .refine((v) => parseOutcomeDate(v) !== undefined, 'must be a date, YYYY-MM-DD (or an ISO timestamp)')
              .optional()
              .meta({ description: 'The day it was repaid or defaulted', example: '2026-03-31' }),
          }),
        },
      },
      required: true,
    },
  },
  responses: {
    200: jsonContent(
      z.object({
        applicationId: z.uuid(),
        outcome: z.enum(OUTCOMES),
        at: z.string(),
        status: z.enum(['recorded', 'updated', 'unchanged']),
        previous: z.object({ outcome: z.enum(OUTCOMES), at: z.string() }).optional(),
        recordedBy: z.string(),
        recordedAt: z.string(),
      }),
      'The outcome as stored',
    ),
    400: jsonContent(ErrorSchema, 'Invalid outcome or date (before the decision, or in the future)'),
    401: jsonContent(ErrorSchema, 'Missing, unknown or revoked API key'),
    403: jsonContent(ErrorSchema, 'Widget callers may not record outcomes'),
    404: jsonContent(ErrorSchema, 'No such application for this key'),
    409: jsonContent(ErrorSchema, 'The application made no loan (declined, or replaced by its counter-offer)'),
    503: jsonContent(ErrorSchema, 'Storage unavailable'),
  },
});

export function applicationRoutes(deps: { db: () => Db; decisions: DecisionService }) {
  const app = new OpenAPIHono<AuthEnv>();
  app.openapi(recordOutcomeRoute, async (c) => {
    const caller = c.get('caller');
    if (caller.kind !== 'key' || caller.key.scope === 'widget') return c.json({ error: 'recording outcomes needs a score or admin key' }, 403);
    const { id } = c.req.valid('param');
    const { outcome, at } = c.req.valid('json');
    const day = at === undefined ? undefined : parseOutcomeDate(at);
    const result = await withStorage(() =>
      recordOutcome(deps.db(), { applicationId: id, outcome, ...(day ? { at: day } : {}) }, `api-key:${caller.key.id}`, {
        ...(caller.key.scope === 'admin' ? {} : { apiKeyId: caller.key.id }),
        source: 'api',
      }),
    );
    if (result.kind === 'refused') return c.json({ error: result.reason }, result.status);
    const o = result.outcome;
    return c.json(
      {
        applicationId: o.applicationId,
        outcome: o.outcome,
        at: o.at,
        status: result.kind,
        ...(result.previous ? { previous: result.previous } : {}),
        recordedBy: o.recordedBy,
        recordedAt: o.recordedAt.toISOString(),
      },
      200,
    );
  });
  app.openapi(acceptCounterOfferRoute, async (c) => {
    const { id } = c.req.valid('param');
    const answer = await withStorage(() => deps.decisions.acceptCounterOffer({ applicationId: id, caller: callerOf(c) }));
    return c.json(
      {
        applicationId: answer.applicationId,
        ...answer.assessment,
        policyVersion: answer.policyVersion,
        alreadyAccepted: answer.alreadyAccepted,
        supersedes: id,
      },
      200,
    );
  });
  app.openapi(getApplicationRoute, async (c) => {
    const { id } = c.req.valid('param');
    const caller = c.get('caller');
    const stored = await withStorage(() => getApplication(deps.db(), id));
    const visible = stored && caller.kind === 'key' && (caller.key.scope === 'admin' || stored.apiKeyId === caller.key.id);
    if (!stored || !visible) return c.json({ error: 'no such application' }, 404);
    return c.json(
      {
        id: stored.id,
        channel: stored.channel,
        createdAt: stored.createdAt.toISOString(),
        status: stored.status,
        supersededBy: stored.supersededBy,
        applicant: stored.applicant,
        decision: { ...stored.decision, riskBand: stored.decision.riskBand, createdAt: stored.decision.createdAt.toISOString() },
      },
      200,
    );
  });
  return app;
}
