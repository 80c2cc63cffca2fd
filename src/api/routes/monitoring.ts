import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Db } from '../../../db/client.ts';
import { outcomePerformanceReport } from '../../../db/monitoring-repository.ts';
import type { ModelRegistry } from '../../app/model-registry.ts';
import { DriftRangeError, driftWindow, MAX_WEEKS } from '../../monitoring/drift.ts';
import { DEFAULT_MONTHS, MAX_MONTHS } from '../../monitoring/performance.ts';
import type { DriftMonitor } from '../../monitoring/monitor.ts';
import type { AuthEnv } from '../auth.ts';
import { ErrorSchema, jsonContent, withStorage } from '../errors.ts';

const Status = z.enum(['ok', 'watch', 'act']);

const BinSchema = z.object({
  bin: z.string().meta({ description: 'The bin in words: a numeric range [from, to), a level, or "not given"' }),
  from: z.number().nullable().optional().meta({ description: 'Numeric bins: lower bound (included); null when open' }),
  to: z.number().nullable().optional().meta({ description: 'Numeric bins: upper bound (excluded); null when open' }),
  expected: z.number().meta({ description: "The training sample's share in this bin (an empty bin counts as emptyBinShare)" }),
  actual: z.number().meta({ description: "The week's share (an empty bin counts as emptyBinShare)" }),
  contribution: z.number().meta({ description: "(actual − expected) · ln(actual / expected): this bin's part of the PSI" }),
  count: z.number().int().meta({ description: "The week's applications in this bin" }),
});

const FeatureDriftSchema = z.object({
  feature: z.string(),
  label: z.string(),
  n: z.number().int().meta({ description: 'Applications counted (the score: those decided by the reference model version)' }),
  psi: z.number().meta({ description: 'Population stability index: Σ (actual − expected) · ln(actual / expected) over the bins' }),
  status: Status,
  bins: z.array(BinSchema),
});

const WeekDriftSchema = z.object({
  week: z.string().meta({ description: 'The Monday (UTC) the week starts on' }),
  applications: z.number().int(),
  lowVolume: z.boolean().meta({ description: "Fewer applications than the policy's driftMinApplications: noisy, raises no alarm" }),
  status: Status.nullable().meta({ description: "The worst input's status; null without applications" }),
  features: z.array(FeatureDriftSchema),
});

export const DriftReportSchema = z
  .object({
    modelVersion: z.string().meta({ description: 'The model whose training sample is the reference' }),
    reference: z.object({
      rows: z.number().int(),
      data: z.object({ file: z.string(), sha256: z.string().optional(), part: z.string() }),
      createdAt: z.string(),
    }),
    thresholds: z.object({ watch: z.number(), act: z.number(), minApplications: z.number().int() }).meta({ description: 'From the policy in force' }),
    emptyBinShare: z.number().meta({ description: 'The share an empty bin is given on either side, so that ln(a / e) stays finite' }),
    from: z.string(),
    to: z.string(),
    weeks: z.array(WeekDriftSchema),
  })
  .meta({ id: 'DriftReport' });

/** What /healthz adds when the latest week crossed a drift threshold. */
export const DriftHealthSchema = z
  .object({
    status: z.enum(['watch', 'act']),
    week: z.string(),
    applications: z.number().int(),
    features: z.array(z.object({ feature: z.string(), psi: z.number(), status: z.enum(['watch', 'act']) })),
    checkedAt: z.string().meta({ description: 'When the stored decisions were last read for it (every few minutes, in the background)' }),
  })
  .meta({
    description:
      'Present only when the latest week with enough applications crossed a drift threshold: the inputs past it (GET /v1/monitoring/drift for the bins)',
  });

const Since = z
  .union([z.iso.datetime({ offset: true }), z.iso.date().transform((d) => `${d}T00:00:00Z`)])
  .optional()
  .meta({ description: 'Only applications decided from then on (2026-11-02 or 2026-11-02T09:00:00Z); the weeks from its week on' });

export const driftRoute = createRoute({
  method: 'get',
  path: '/v1/monitoring/drift',
  summary: 'Drift of the inputs and the score against the training sample, by week (admin keys)',
  description:
    "Population stability index (PSI) per week (Monday, UTC) and monitored input — the applicant model's inputs and the score — of the applications decided then, against the model's training sample: reference deciles for numeric inputs, levels for categorical ones, \"not given\" as a bin of its own for optional ones. Each bin's expected and actual shares and its contribution to the PSI; a status by the policy's thresholds (driftWatchPsi, driftActPsi).",
  security: [{ apiKey: [] }],
  request: {
    query: z.object({
      weeks: z.coerce
        .number()
        .int()
        .min(1)
        .max(MAX_WEEKS)
        .optional()
        .meta({ description: `Weeks to report, this one included (1–${MAX_WEEKS}, default 8); with since, from its week on` }),
      since: Since,
    }),
  },
  responses: {
    200: jsonContent(DriftReportSchema, 'PSI per week and input, with the bins'),
    400: jsonContent(ErrorSchema, 'Invalid weeks or since'),
    401: jsonContent(ErrorSchema, 'Missing, unknown or revoked API key'),
    403: jsonContent(ErrorSchema, 'An admin key is required'),
    404: jsonContent(ErrorSchema, 'Drift monitoring is off: the model ships no reference distribution'),
    503: jsonContent(ErrorSchema, 'Storage unavailable'),
  },
});

const Interval = z.object({ low: z.number(), high: z.number() });

const OutcomePerformanceSchema = z.object({
  loans: z.number().int().meta({ description: 'Loans made: approved or referred (a reviewer’s decision wins), not replaced by an accepted counter-offer' }),
  applications: z.number().int().meta({ description: 'Of them, those with a recorded outcome' }),
  defaulted: z.number().int(),
  defaultRate: z.number().nullable().meta({ description: 'Observed default rate among the applications with an outcome; null without any' }),
  defaultRateInterval: Interval.nullable().meta({ description: 'Its Wilson score interval at `confidence`' }),
  meanPd: z.number().nullable().meta({ description: 'Mean PD the model gave them at decision time (the expected default rate)' }),
  z: z.number().nullable().meta({ description: '(observed − expected defaults) / √Σ PD·(1 − PD)' }),
  calibration: z.enum(['within', 'under-predicted', 'over-predicted']).nullable().meta({
    description:
      'Calibration in the large: the mean PD within the interval of the observed rate; under-predicted when the interval lies above it (more defaults than predicted), over-predicted when below',
  }),
  rocAuc: z.number().nullable().meta({ description: 'ROC-AUC of the PD against the outcomes; null unless both outcomes occur' }),
  rocAucInterval: Interval.nullable().meta({ description: 'Hanley–McNeil interval at `confidence`' }),
});

export const PerformanceReportSchema = z
  .object({
    modelVersion: z.string().meta({ description: 'The version whose decisions these are (the champion unless ?model= is given)' }),
    confidence: z.number(),
    from: z.string(),
    to: z.string(),
    months: z.array(OutcomePerformanceSchema.extend({ month: z.string().meta({ description: 'Month of decision, YYYY-MM (UTC)' }) })),
    total: OutcomePerformanceSchema.meta({ description: 'The whole window at once' }),
  })
  .meta({ id: 'PerformanceReport' });

export const performanceRoute = createRoute({
  method: 'get',
  path: '/v1/monitoring/performance',
  summary: "The model's PDs against recorded outcomes, by month of decision (admin keys)",
  description:
    "For the loans a model version decided (the champion by default), by month of decision (UTC): how many have a recorded outcome, their observed default rate with a Wilson interval against their mean predicted PD (calibration in the large), and the ROC-AUC where both outcomes occur. A month's loans are only all ended when the longest of them has run its term: until then defaults, which come before repayments, weigh more in it.",
  security: [{ apiKey: [] }],
  request: {
    query: z.object({
      months: z.coerce
        .number()
        .int()
        .min(1)
        .max(MAX_MONTHS)
        .optional()
        .meta({ description: `Months to report, this one included (1–${MAX_MONTHS}, default ${DEFAULT_MONTHS})` }),
      model: z.string().min(1).max(200).optional().meta({ description: 'Another model version’s decisions (a former champion’s)' }),
    }),
  },
  responses: {
    200: jsonContent(PerformanceReportSchema, 'Outcomes against the PDs, by month and over the window'),
    400: jsonContent(ErrorSchema, 'Invalid months'),
    401: jsonContent(ErrorSchema, 'Missing, unknown or revoked API key'),
    403: jsonContent(ErrorSchema, 'An admin key is required'),
    503: jsonContent(ErrorSchema, 'Storage unavailable'),
  },
});

export function monitoringRoutes(deps: { drift?: DriftMonitor; modelVersion: string; db: () => Db; models: ModelRegistry }) {
  const app = new OpenAPIHono<AuthEnv>();
  app.openapi(driftRoute, async (c) => {
    if (!deps.drift)
      return c.json({ error: `drift monitoring is off: model ${deps.modelVersion} ships no reference distribution (npm run monitoring:reference)` }, 404);
    const { weeks, since } = c.req.valid('query');
    const query = { ...(weeks !== undefined ? { weeks } : {}), ...(since ? { since: new Date(since) } : {}) };
    try {
      driftWindow(query);
    } catch (error) {
      if (error instanceof DriftRangeError) return c.json({ error: error.message }, 400);
      throw error;
    }
    return c.json(await withStorage(() => deps.drift!.report(query)), 200);
  });
  app.openapi(performanceRoute, async (c) => {
    const { months, model } = c.req.valid('query');
    const report = await withStorage(async () => {
      // The champion as storage names it (every process sees the same), else the one deciding here.
      const active = model ? undefined : await deps.models.active();
      return outcomePerformanceReport(deps.db(), model ?? active!.roles.champion ?? active!.champion.version, months);
    });
    return c.json(report, 200);
  });
  return app;
}
