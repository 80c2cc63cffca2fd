import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Db } from '../../../db/client.ts';
import { changeModelRole, modelOverview, type ModelAction } from '../../../db/model-admin.ts';
import type { ModelRegistry } from '../../app/model-registry.ts';
import type { AuthEnv } from '../auth.ts';
import { ErrorSchema, jsonContent, withStorage } from '../errors.ts';

/**
 * Model versions in production (admin keys): which one decides (champion), which one is scored in
 * shadow beside it (challenger), how they compare on live applications, how they did once outcomes
 * are recorded; and promotion / rollback, audited, taking effect in every process within the
 * roles cache (`rolesCacheMs`).
 */

const DecisionCounts = z.record(z.string(), z.record(z.string(), z.number().int()));

const ShiftSchema = z
  .object({
    mean: z.number(),
    sd: z.number(),
    min: z.number(),
    max: z.number(),
    quantiles: z.object({ p05: z.number(), p25: z.number(), p50: z.number(), p75: z.number(), p95: z.number() }),
    histogram: z.array(z.object({ bucket: z.string(), count: z.number().int() })),
  })
  .meta({ description: 'Score shift, this version − the champion, in points (300–850 scale)' });

const VersionSchema = z.object({
  version: z.string(),
  kind: z.string(),
  role: z.enum(['champion', 'challenger', 'retired']),
  roleSince: z.string().nullable(),
  registeredAt: z.string(),
  availableHere: z.boolean().meta({ description: 'This server can load it (a Worker: bundled into it)' }),
  offline: z.object({ rocAuc: z.number(), brier: z.number() }).nullable().meta({ description: "The training run's out-of-time test" }),
  live: z.object({
    decided: z.number().int().meta({ description: 'Applications it decided as the champion' }),
    shadowScored: z.number().int().meta({ description: 'Applications it scored in shadow' }),
    comparedWithChampion: z
      .object({
        champion: z.string(),
        applications: z.number().int(),
        agreement: z.number().nullable().meta({ description: 'Share of those applications where it would have made the same decision' }),
        decisions: DecisionCounts.meta({ description: "Champion's decision → this version's decision → applications" }),
        scoreShift: ShiftSchema.nullable(),
      })
      .nullable()
      .meta({ description: "Its shadow scores against the current champion's decisions on the same applications" }),
  }),
  performance: z
    .object({
      applications: z.number().int(),
      defaulted: z.number().int(),
      rocAuc: z.number().nullable().meta({ description: 'Null until both outcomes occur' }),
      brier: z.number(),
    })
    .nullable()
    .meta({ description: 'On applications it decided or scored whose outcome is recorded; null before any' }),
});

const ModelsSchema = z.object({
  champion: z.string().nullable(),
  challenger: z.string().nullable(),
  servingHere: z.object({ champion: z.string(), challenger: z.string().nullable() }).meta({ description: 'What this process uses now' }),
  rolesCacheMs: z.number().int().meta({ description: 'A role change reaches every process within this' }),
  outcomes: z.object({ recorded: z.number().int(), defaulted: z.number().int() }),
  versions: z.array(VersionSchema),
  changes: z.array(
    z.object({
      action: z.string(),
      version: z.string(),
      champion: z.string(),
      challenger: z.string().nullable(),
      previousChampion: z.string().nullable(),
      actor: z.string(),
      at: z.string(),
    }),
  ),
});

const RolesSchema = z.object({
  champion: z.string().nullable(),
  challenger: z.string().nullable(),
  previous: z.object({ champion: z.string().nullable(), challenger: z.string().nullable() }),
});

const errors = {
  401: jsonContent(ErrorSchema, 'API key required'),
  403: jsonContent(ErrorSchema, 'Admin key required'),
  503: jsonContent(ErrorSchema, 'Storage unavailable'),
};

const VersionParam = z.object({
  version: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,100}$/, 'a model version, e.g. pd-blend-1199acbe08')
    .meta({ param: { name: 'version', in: 'path' } }),
});

export const listModelsRoute = createRoute({
  method: 'get',
  path: '/v1/models',
  summary: 'Model versions, their roles, live agreement with the champion and performance on outcomes (admin keys)',
  security: [{ apiKey: [] }],
  responses: { 200: jsonContent(ModelsSchema, 'Every registered version'), ...errors },
});

const changeResponses = {
  200: jsonContent(RolesSchema, 'The roles now, in force in this process at once and in every other within rolesCacheMs'),
  404: jsonContent(ErrorSchema, 'No such version'),
  409: jsonContent(ErrorSchema, 'Not possible now (already in that role, nothing to roll back, not loadable here)'),
  ...errors,
};

const versionChange = <P extends string>(path: P, summary: string) =>
  createRoute({ method: 'post', path, summary, security: [{ apiKey: [] }], request: { params: VersionParam }, responses: changeResponses });

export const promoteRoute = versionChange(
  '/v1/models/{version}/promote',
  'Make a version the champion; the old champion becomes the challenger (admin keys, audited)',
);
export const rollbackRoute = createRoute({
  method: 'post',
  path: '/v1/models/rollback',
  summary: 'Undo the newest promotion: the champion before it decides again, the demoted one becomes the challenger (admin keys, audited)',
  security: [{ apiKey: [] }],
  responses: changeResponses,
});
export const challengerRoute = versionChange(
  '/v1/models/{version}/challenger',
  'Make a version the challenger, scored in shadow beside every decision; the previous challenger is retired (admin keys, audited)',
);
export const retireRoute = versionChange('/v1/models/{version}/retire', 'Stop scoring the challenger in shadow (admin keys, audited)');

/** The routes' paths for the admin-only authentication (Hono middleware patterns). */
export const MODEL_ADMIN_PATHS = [
  '/v1/models',
  '/v1/models/rollback',
  '/v1/models/:version/promote',
  '/v1/models/:version/challenger',
  '/v1/models/:version/retire',
];

export function modelRoutes(deps: { db: () => Db; models: ModelRegistry }) {
  const app = new OpenAPIHono<AuthEnv>();
  const { models } = deps;
  const adminActor = (caller: AuthEnv['Variables']['caller']) =>
    caller.kind === 'key' && caller.key.scope === 'admin' ? `api-key:${caller.key.id}` : undefined;
  const change = (action: ModelAction, version: string | undefined, actor: string) =>
    withStorage(() => changeModelRole(deps.db(), models, action, version, actor));

  app.openapi(listModelsRoute, async (c) => {
    if (!adminActor(c.get('caller'))) return c.json({ error: 'an admin key is required' }, 403);
    return c.json(await withStorage(() => modelOverview(deps.db(), models)), 200);
  });
  app.openapi(promoteRoute, async (c) => {
    const actor = adminActor(c.get('caller'));
    if (!actor) return c.json({ error: 'an admin key is required' }, 403);
    const result = await change('promote', c.req.valid('param').version, actor);
    if (result.kind === 'changed') return c.json({ ...result.roles, previous: result.previous }, 200);
    return c.json({ error: result.reason }, result.status);
  });
  app.openapi(rollbackRoute, async (c) => {
    const actor = adminActor(c.get('caller'));
    if (!actor) return c.json({ error: 'an admin key is required' }, 403);
    const result = await change('rollback', undefined, actor);
    if (result.kind === 'changed') return c.json({ ...result.roles, previous: result.previous }, 200);
    return c.json({ error: result.reason }, result.status);
  });
  app.openapi(challengerRoute, async (c) => {
    const actor = adminActor(c.get('caller'));
    if (!actor) return c.json({ error: 'an admin key is required' }, 403);
    const result = await change('challenger', c.req.valid('param').version, actor);
    if (result.kind === 'changed') return c.json({ ...result.roles, previous: result.previous }, 200);
    return c.json({ error: result.reason }, result.status);
  });
  app.openapi(retireRoute, async (c) => {
    const actor = adminActor(c.get('caller'));
    if (!actor) return c.json({ error: 'an admin key is required' }, 403);
    const result = await change('retire', c.req.valid('param').version, actor);
    if (result.kind === 'changed') return c.json({ ...result.roles, previous: result.previous }, 200);
    return c.json({ error: result.reason }, result.status);
  });
  return app;
}
