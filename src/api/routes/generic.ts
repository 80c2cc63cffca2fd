import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { genericJsonRecordSchema, jsonRecordToCsv } from '../../features/generic-input.ts';
import { estimatePd, type LoadedModel } from '../../model/model.ts';
import { RISK_BANDS, riskBand } from '../../scoring/policy.ts';
import { pdToScore } from '../../scoring/scale.ts';
import type { AuthEnv } from '../auth.ts';
import { ErrorSchema, jsonContent } from '../errors.ts';

/**
 * The promoted generic model (trained on any credit CSV, `npm run score -- --promote VERSION`):
 * one record of its columns in, its PD and points out. No decision, pricing or storage: a
 * generic model knows nothing of our policy or applicants.
 */

export const GenericScoreSchema = z.object({
  pd: z.number().min(0).max(1).meta({ description: 'Calibrated probability of the outcome the model was trained to call bad' }),
  score: z.number().int().min(300).max(850).meta({ description: '300–850 points: 650 at 10:1 good:bad odds, +40 per doubling' }),
  riskBand: z.enum(RISK_BANDS.map((b) => b.band) as [string, ...string[]]),
  modelVersion: z.string(),
});

export const NO_GENERIC_MODEL = 'no generic model is being served: promote one with `npm run score -- --promote VERSION`, then restart the server';

export function genericScoreRoute(model: LoadedModel | undefined) {
  const spec = model?.spec.kind === 'generic' ? model.spec : undefined;
  return createRoute({
    method: 'post',
    path: '/v1/models/generic/score',
    summary: 'Score one record with the promoted generic model',
    description: spec
      ? `Model ${model!.version}, trained to call \`${spec.target.column} = ${spec.target.bad}\` bad. Send every one of its columns (${spec.columns.map((c) => c.name).join(', ')}); null when a value is not known. Nothing is stored.`
      : 'No generic model is promoted on this server: the route answers 404.',
    security: [{ apiKey: [] }],
    request: {
      body: {
        content: { 'application/json': { schema: spec ? genericJsonRecordSchema(spec) : z.record(z.string(), z.unknown()) } },
        required: true,
      },
    },
    responses: {
      200: jsonContent(GenericScoreSchema, "The record's probability of default, points and risk band"),
      400: jsonContent(ErrorSchema, 'Invalid record: every missing, unknown or wrong column and its rule'),
      401: jsonContent(ErrorSchema, 'Missing, unknown or revoked API key'),
      403: jsonContent(ErrorSchema, 'Key not allowed here'),
      404: jsonContent(ErrorSchema, 'No generic model is promoted'),
      413: jsonContent(ErrorSchema, 'Body too large'),
      429: jsonContent(ErrorSchema, 'Rate limit exceeded'),
    },
  });
}

export function genericRoutes(deps: { model?: LoadedModel }) {
  const app = new OpenAPIHono<AuthEnv>();
  const { model } = deps;
  app.openapi(genericScoreRoute(model), (c) => {
    if (model?.spec.kind !== 'generic') return c.json({ error: NO_GENERIC_MODEL }, 404);
    const record = jsonRecordToCsv(model.spec, c.req.valid('json') as Record<string, unknown>);
    const { pd, modelVersion } = estimatePd(model, record);
    return c.json({ pd, score: pdToScore(pd), riskBand: riskBand(pd), modelVersion }, 200);
  });
  return app;
}
