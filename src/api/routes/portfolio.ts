import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { INTERRUPTED, type JobRecord, type PortfolioJobs } from '../../app/portfolio-jobs.ts';
import { frontierChart, lossHistogramChart } from '../../portfolio/charts.ts';
import { FrontierJobParamsSchema, OptimiseJobParamsSchema, RiskJobParamsSchema, type PortfolioKind, type TaskResult } from '../../portfolio/tasks.ts';
import type { AuthEnv } from '../auth.ts';
import { ErrorSchema, jsonContent, withStorage } from '../errors.ts';

const Shares = z.record(z.string(), z.number());
const OptimiseResultSchema = z.object({
  objective: z.string(),
  budget: z.number(),
  loans: z.number().int(),
  funded: z.number().int().meta({ description: 'Loans given any money' }),
  expectedReturn: z.number().meta({ description: 'Expected yearly return on the budget, net of expected loss and funding' }),
  risk: z.number().meta({ description: 'Standard deviation of the yearly return (one-factor default model)' }),
  book: z
    .object({ exposure: z.number(), expectedReturn: z.number(), risk: z.number() })
    .meta({ description: 'The whole book: the existing book held fixed plus this allocation (what is optimised)' }),
  expectedLoss: z.number(),
  capital: z.number().meta({ description: 'Basel IRB retail capital requirement (K × EAD)' }),
  rwa: z.number(),
  byPurpose: Shares,
  byRiskBand: Shares,
  allocations: z.array(
    z.object({ id: z.string(), amount: z.number(), funded: z.number(), pd: z.number(), rate: z.number(), band: z.string(), purpose: z.string() }),
  ),
});

const FrontierPointSchema = z.object({
  expectedReturn: z.number().meta({ description: "The new money's expected yearly return (fraction of the budget)" }),
  risk: z.number().meta({ description: "The new money's own risk (fraction of the budget)" }),
  bookExpectedReturn: z.number().meta({ description: 'The whole book’s (existing book held fixed + new money), per unit of its exposure' }),
  bookRisk: z.number().meta({ description: 'The whole book’s risk: what the frontier minimises for each return' }),
});
const FrontierSchema = z.object({
  budget: z.number(),
  fixedExposure: z.number().meta({ description: 'The existing book held fixed (loans approved before `since`)' }),
  points: z.array(FrontierPointSchema),
  current: FrontierPointSchema.extend({ amount: z.number() }).nullable().meta({ description: "Today's approvals, funded in full" }),
});

const Figures = { expectedLoss: z.number(), var99: z.number(), var999: z.number(), es99: z.number(), es999: z.number() };
const RiskSchema = z.object({
  horizon: z.string(),
  loans: z.number().int(),
  exposure: z.number(),
  expectedReturn: z.number(),
  basel: z.object({
    rwa: z.number(),
    capital: z.number(),
    expectedLoss: z.number(),
    bySegment: z
      .array(
        z.object({
          band: z.string(),
          termMonths: z.number().int(),
          purpose: z.string(),
          loans: z.number().int(),
          exposure: z.number(),
          pd: z.number().meta({ description: 'Exposure-weighted one-year PD' }),
          capital: z.number(),
          rwa: z.number(),
          expectedLoss: z.number(),
        }),
      )
      .meta({ description: 'By risk band × term × purpose' }),
  }),
  losses: z.object({ source: z.enum(['largePool', 'monteCarlo']), why: z.string(), ...Figures }).meta({
    description: 'The one-year loss figures: the large-pool ones for a granular book, the Monte Carlo check’s for a concentrated one (`why` says which)',
  }),
  largePool: z.object({ method: z.string(), segments: z.number().int(), ...Figures }).meta({
    description: 'The one-factor (Vasicek) large-pool (ASRF) loss distribution on the book’s segments: exact for a granular book',
  }),
  monteCarlo: z
    .object({
      method: z.string(),
      segments: z.number().int(),
      scenarios: z.number().int(),
      seed: z.number().int(),
      standardError: z.number(),
      analyticExpectedLoss: z.number(),
      histogram: z.array(z.object({ from: z.number(), to: z.number(), count: z.number().int() })),
      ...Figures,
    })
    .meta({ description: 'The check: a seeded Monte Carlo on the same segments, name concentration included' }),
  stress: z
    .union([
      z.object({
        unemploymentShock: z.number(),
        relation: z.object({ slope: z.number(), intercept: z.number(), rSquared: z.number(), quarters: z.number().int(), from: z.string(), to: z.string() }),
        expectedLoss: z.number(),
        var999: z.number(),
        capital: z.number(),
      }),
      z.object({ unemploymentShock: z.number(), unavailable: z.string() }),
    ])
    .nullable(),
});

const JobSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['risk', 'frontier', 'optimise']),
    status: z.enum(['queued', 'running', 'done', 'refused', 'failed', 'cancelled']),
    progress: z.number().meta({ description: 'Share of the work done, 0 to 1' }),
    bookVersion: z.string().meta({ description: 'The book it was computed on (the last decision and the last audited action)' }),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    deadlineAt: z.string(),
    error: z.string().nullable(),
    result: z.union([RiskSchema, FrontierSchema, OptimiseResultSchema]).nullable().meta({ description: 'When done: what the route that asked answers' }),
  })
  .meta({ id: 'PortfolioJob' });

const Format = z.enum(['json', 'svg']).default('json').meta({ description: 'svg: the chart instead of the numbers' });
const Wait = z.coerce
  .number()
  .min(0)
  .max(60)
  .default(10)
  .meta({ description: 'Seconds to wait for the answer; past that the job is answered with 202 and polled at its Location (0: never wait)' });
const Share = z.coerce.number().gt(0).max(1);
const errors = {
  400: jsonContent(ErrorSchema, 'Invalid input: every failing field and its rule'),
  401: jsonContent(ErrorSchema, 'Missing, unknown or revoked API key'),
  403: jsonContent(ErrorSchema, 'An admin key is required'),
  422: jsonContent(ErrorSchema, 'The book and constraints admit no answer (the message says which limit)'),
  500: jsonContent(ErrorSchema, 'The computation failed or passed its deadline'),
  503: jsonContent(ErrorSchema, 'Storage unavailable, or the job was interrupted by a restart: ask again (Retry-After)'),
};
const accepted = { 202: { ...jsonContent(JobSchema, 'Still running: poll the job at the Location header'), headers: z.object({ location: z.string() }) } };

export const optimiseRoute = createRoute({
  method: 'post',
  path: '/v1/portfolio/optimise',
  summary: 'Mean–variance allocation of a budget over today’s candidates (admin keys)',
  description:
    'Funds loans (fractionally, up to each amount) to spend the budget with the least risk for the return asked, or the best return per unit of risk by default, under caps by purpose and risk band. The candidates are the approved and referred applications decided since `since` (default: today), or the book given in `loans`; the loans approved before are the existing book, held fixed by segment, so the risk counted is the whole book’s. Runs as a job.',
  security: [{ apiKey: [] }],
  request: { query: z.object({ wait: Wait }), body: { content: { 'application/json': { schema: OptimiseJobParamsSchema } }, required: true } },
  responses: { 200: jsonContent(OptimiseResultSchema, 'The allocation and its figures'), ...accepted, ...errors },
});

export const frontierRoute = createRoute({
  method: 'get',
  path: '/v1/portfolio/frontier',
  summary: 'Efficient frontier of today’s candidates with the existing book held fixed (admin keys)',
  description: 'Runs as a job: the answer comes within `wait` seconds, or a 202 with the job to poll.',
  security: [{ apiKey: [] }],
  request: {
    query: z.object({
      budget: z.coerce.number().positive().max(1e12).optional(),
      points: z.coerce.number().int().min(2).max(200).default(50),
      purposeLimit: Share.optional().meta({ description: 'Largest share of the budget per purpose' }),
      riskBandLimit: Share.optional().meta({ description: 'Largest share of the budget per risk band' }),
      since: FrontierJobParamsSchema.shape.since,
      format: Format,
      wait: Wait,
    }),
  },
  responses: {
    200: {
      content: { 'application/json': { schema: FrontierSchema }, 'image/svg+xml': { schema: z.string() } },
      description: 'Frontier points (JSON) or the chart (SVG)',
    },
    ...accepted,
    ...errors,
  },
});

export const riskRoute = createRoute({
  method: 'get',
  path: '/v1/portfolio/risk',
  summary: 'Risk figures of the current book (admin keys)',
  description:
    'Basel IRB retail capital (in total and by risk band × term × purpose), the one-factor large-pool (ASRF) loss distribution (expected loss, VaR and expected shortfall at 99% and 99.9%) with a seeded Monte Carlo on segments as its check, and, with unemploymentShock, the large-pool figures under stressed PDs. The book is read as SQL aggregates, whatever its size. Runs as a job.',
  security: [{ apiKey: [] }],
  request: { query: RiskJobParamsSchema.extend({ format: Format, wait: Wait }) },
  responses: {
    200: {
      content: { 'application/json': { schema: RiskSchema }, 'image/svg+xml': { schema: z.string() } },
      description: 'Figures (JSON) or the loss histogram (SVG)',
    },
    ...accepted,
    ...errors,
  },
});

const JobParams = z.object({ id: z.uuid().meta({ param: { name: 'id', in: 'path' } }) });

export const jobRoute = createRoute({
  method: 'get',
  path: '/v1/portfolio/jobs/{id}',
  summary: 'A portfolio job: its progress, then its result (admin keys)',
  security: [{ apiKey: [] }],
  request: { params: JobParams, query: z.object({ format: Format }) },
  responses: {
    200: {
      content: { 'application/json': { schema: JobSchema }, 'image/svg+xml': { schema: z.string() } },
      description: 'The job (JSON), or the chart of its result (SVG, risk and frontier jobs once done)',
    },
    404: jsonContent(ErrorSchema, 'No such job'),
    ...errors,
  },
});

export const cancelJobRoute = createRoute({
  method: 'delete',
  path: '/v1/portfolio/jobs/{id}',
  summary: 'Cancel a portfolio job: its work stops (admin keys)',
  security: [{ apiKey: [] }],
  request: { params: JobParams },
  responses: { 200: jsonContent(JobSchema, 'The job as it ended'), 404: jsonContent(ErrorSchema, 'No such job'), ...errors },
});

export interface PortfolioDeps {
  jobs: PortfolioJobs;
}

/** What a job's result answers, as the route that asked would. */
const payload = (result: TaskResult) => (result.kind === 'risk' ? result.report : result.kind === 'frontier' ? result.frontier : result.allocation);

const view = (job: JobRecord) => ({
  id: job.id,
  kind: job.kind,
  status: job.status,
  progress: job.progress,
  bookVersion: job.bookVersion,
  createdAt: job.createdAt.toISOString(),
  startedAt: job.startedAt?.toISOString() ?? null,
  finishedAt: job.finishedAt?.toISOString() ?? null,
  deadlineAt: job.deadlineAt.toISOString(),
  error: job.error,
  result: job.result ? payload(job.result) : null,
});

const svgOf = async (result: TaskResult) =>
  result.kind === 'risk' ? lossHistogramChart(result.report) : result.kind === 'frontier' ? frontierChart(result.frontier) : null;

export function portfolioRoutes(deps: PortfolioDeps) {
  const app = new OpenAPIHono<AuthEnv>();
  const owner = (c: Context<AuthEnv>) => {
    const caller = c.get('caller');
    return caller.kind === 'key' ? `key:${caller.key.id}` : 'widget';
  };

  /**
   * Asks for a job, waits up to `wait` seconds, and answers as the route would: its result, a 202
   * with the job, or the reason it ended without one. A client that hangs up while waiting for a job
   * it started stops that job.
   */
  const answer = async (c: Context<AuthEnv>, kind: PortfolioKind, params: unknown, wait: number, format: 'json' | 'svg' = 'json') => {
    const { job, created } = await withStorage(() => deps.jobs.request(kind, params, owner(c)));
    const signal = c.req.raw.signal;
    let now = await withStorage(() => deps.jobs.wait(job.id, wait * 1000, signal));
    if (signal.aborted && created && now && (now.status === 'queued' || now.status === 'running')) now = await deps.jobs.cancel(job.id);
    const current = now ?? job;
    if (current.status === 'done' && current.result) {
      const svg = format === 'svg' ? await svgOf(current.result) : null;
      if (svg) return c.body(svg, 200, { 'content-type': 'image/svg+xml', 'x-portfolio-job': current.id });
      c.header('x-portfolio-job', current.id);
      return c.json(payload(current.result), 200);
    }
    if (current.status === 'refused') return c.json({ error: current.error ?? 'refused' }, 422);
    // Stopped by a server shutdown: nothing wrong with the question; ask again once it is back.
    if (current.status === 'failed' && current.error === INTERRUPTED)
      return c.json({ error: `the ${kind} job was ${current.error}` }, 503, { 'retry-after': '10' }) as never;
    if (current.status === 'failed' || current.status === 'cancelled')
      return c.json({ error: `the ${kind} job ${current.status}: ${current.error ?? ''}`.trim() }, 500);
    c.header('location', `/v1/portfolio/jobs/${current.id}`);
    return c.json(view(current), 202);
  };

  app.openapi(optimiseRoute, async (c) => answer(c, 'optimise', c.req.valid('json'), c.req.valid('query').wait) as never);

  app.openapi(frontierRoute, async (c) => {
    const { purposeLimit, riskBandLimit, format, wait, ...rest } = c.req.valid('query');
    const params = FrontierJobParamsSchema.parse({ ...rest, limits: { purpose: purposeLimit, riskBand: riskBandLimit } });
    return answer(c, 'frontier', params, wait, format) as never;
  });

  app.openapi(riskRoute, async (c) => {
    const { format, wait, ...params } = c.req.valid('query');
    return answer(c, 'risk', params, wait, format) as never;
  });

  app.openapi(jobRoute, async (c) => {
    const job = await withStorage(() => deps.jobs.get(c.req.valid('param').id));
    if (!job) return c.json({ error: 'no such job' }, 404);
    if (c.req.valid('query').format === 'svg' && job.result) {
      const svg = await svgOf(job.result);
      if (svg) return c.body(svg, 200, { 'content-type': 'image/svg+xml' }) as never;
    }
    return c.json(view(job), 200);
  });

  app.openapi(cancelJobRoute, async (c) => {
    const job = await withStorage(() => deps.jobs.cancel(c.req.valid('param').id));
    if (!job) return c.json({ error: 'no such job' }, 404);
    return c.json(view(job), 200);
  });
  return app;
}
