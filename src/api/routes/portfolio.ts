import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Db } from '../../../db/client.ts';
import { storedBook } from '../../../db/portfolio-repository.ts';
import { storedMacroRelation } from '../../macro/refresh.ts';
import { frontierChart, lossHistogramChart } from '../../portfolio/charts.ts';
import type { CorrelationTable } from '../../portfolio/loans.ts';
import { PortfolioError } from '../../portfolio/markowitz.ts';
import {
  frontierOfBook,
  optimiseBook,
  OptimiseOptionsSchema,
  riskOfBook,
  RiskOptionsSchema,
  stressOfBook,
  UploadedBookSchema,
  type BookInput,
  type FrontierSolver,
} from '../../portfolio/service.ts';
import type { AuthEnv } from '../auth.ts';
import { ErrorSchema, jsonContent, withStorage } from '../errors.ts';
import type { PolicyCache } from '../../app/policy-cache.ts';

const Shares = z.record(z.string(), z.number());
const OptimiseResultSchema = z.object({
  objective: z.string(),
  budget: z.number(),
  loans: z.number().int(),
  funded: z.number().int().meta({ description: 'Loans given any money' }),
  expectedReturn: z.number().meta({ description: 'Expected yearly return on the budget, net of expected loss and funding' }),
  risk: z.number().meta({ description: 'Standard deviation of the yearly return (one-factor default model)' }),
  expectedLoss: z.number(),
  capital: z.number().meta({ description: 'Basel IRB retail capital requirement (K × EAD)' }),
  rwa: z.number(),
  byPurpose: Shares,
  byRiskBand: Shares,
  allocations: z.array(
    z.object({ id: z.string(), amount: z.number(), funded: z.number(), pd: z.number(), rate: z.number(), band: z.string(), purpose: z.string() }),
  ),
});

const FrontierSchema = z.object({
  budget: z.number(),
  points: z.array(z.object({ expectedReturn: z.number(), risk: z.number() })),
  current: z.object({ expectedReturn: z.number(), risk: z.number(), amount: z.number() }).nullable(),
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
    perLoan: z.array(z.object({ id: z.string(), pd: z.number(), correlation: z.number(), k: z.number(), rwa: z.number(), expectedLoss: z.number() })),
  }),
  monteCarlo: z.object({
    scenarios: z.number().int(),
    seed: z.number().int(),
    standardError: z.number(),
    analyticExpectedLoss: z.number(),
    histogram: z.array(z.object({ from: z.number(), to: z.number(), count: z.number().int() })),
    ...Figures,
  }),
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

const Format = z.enum(['json', 'svg']).default('json').meta({ description: 'svg: the chart instead of the numbers' });
const Share = z.coerce.number().gt(0).max(1);
const errors = {
  400: jsonContent(ErrorSchema, 'Invalid input: every failing field and its rule'),
  401: jsonContent(ErrorSchema, 'Missing, unknown or revoked API key'),
  403: jsonContent(ErrorSchema, 'An admin key is required'),
  422: jsonContent(ErrorSchema, 'The book and constraints admit no allocation (the message says which limit)'),
  503: jsonContent(ErrorSchema, 'Storage unavailable'),
};

export const optimiseRoute = createRoute({
  method: 'post',
  path: '/v1/portfolio/optimise',
  summary: 'Mean–variance allocation of a budget (admin keys)',
  description:
    'Funds loans (fractionally, up to each amount) to spend the budget with the least risk for the return asked, or the best return per unit of risk by default, under caps by purpose and risk band. The loans are the stored approved and referred applications, or the book given in `loans`.',
  security: [{ apiKey: [] }],
  request: { body: { content: { 'application/json': { schema: OptimiseOptionsSchema.extend({ loans: UploadedBookSchema.optional() }) } }, required: true } },
  responses: { 200: jsonContent(OptimiseResultSchema, 'The allocation and its figures'), ...errors },
});

export const frontierRoute = createRoute({
  method: 'get',
  path: '/v1/portfolio/frontier',
  summary: 'Efficient frontier of the stored book, current book marked (admin keys)',
  security: [{ apiKey: [] }],
  request: {
    query: z.object({
      budget: z.coerce.number().positive().optional(),
      points: z.coerce.number().int().min(2).max(200).default(50),
      purposeLimit: Share.optional().meta({ description: 'Largest share of the budget per purpose' }),
      riskBandLimit: Share.optional().meta({ description: 'Largest share of the budget per risk band' }),
      format: Format,
    }),
  },
  responses: {
    200: {
      content: { 'application/json': { schema: FrontierSchema }, 'image/svg+xml': { schema: z.string() } },
      description: 'Frontier points (JSON) or the chart (SVG)',
    },
    ...errors,
  },
});

export const riskRoute = createRoute({
  method: 'get',
  path: '/v1/portfolio/risk',
  summary: 'Risk figures of the current book (admin keys)',
  description:
    'Basel IRB retail capital per loan and in total, a seeded Monte Carlo of one-year losses with correlated defaults (expected loss, VaR and expected shortfall at 99% and 99.9%), and, with unemploymentShock, the same under stressed PDs.',
  security: [{ apiKey: [] }],
  request: {
    query: RiskOptionsSchema.extend({
      unemploymentShock: z.coerce.number().min(-10).max(20).optional().meta({ description: 'Percentage points added to the unemployment rate' }),
      format: Format,
    }),
  },
  responses: {
    200: {
      content: { 'application/json': { schema: RiskSchema }, 'image/svg+xml': { schema: z.string() } },
      description: 'Figures (JSON) or the loss histogram (SVG)',
    },
    ...errors,
  },
});

export interface PortfolioDeps {
  db: () => Db;
  policy: PolicyCache;
  correlations: CorrelationTable;
  frontier?: FrontierSolver;
}

export function portfolioRoutes(deps: PortfolioDeps) {
  const app = new OpenAPIHono<AuthEnv>();
  app.onError((error, c) => {
    if (error instanceof PortfolioError) return c.json({ error: error.message }, 422);
    throw error;
  });
  const book = (): Promise<BookInput> => withStorage(() => storedBook(deps.db()));
  const policy = async () => (await deps.policy.get()).policy;

  app.openapi(optimiseRoute, async (c) => {
    const { loans, ...options } = c.req.valid('json');
    const input: BookInput = loans ? { loans } : await book();
    return c.json(await optimiseBook(input, options, await policy(), deps.correlations, deps.frontier), 200);
  });

  app.openapi(frontierRoute, async (c) => {
    const q = c.req.valid('query');
    const frontier = await frontierOfBook(
      await book(),
      { budget: q.budget, points: q.points, limits: { purpose: q.purposeLimit, riskBand: q.riskBandLimit } },
      await policy(),
      deps.correlations,
      deps.frontier,
    );
    if (q.format === 'svg') return c.body(await frontierChart(frontier), 200, { 'content-type': 'image/svg+xml' });
    return c.json(frontier, 200);
  });

  app.openapi(riskRoute, async (c) => {
    const q = c.req.valid('query');
    const input = await book();
    const current = await policy();
    const report = riskOfBook(input, q, current, deps.correlations);
    const stress =
      q.unemploymentShock === undefined
        ? null
        : stressOfBook(input, q, current, deps.correlations, await withStorage(() => storedMacroRelation(deps.db())), q.unemploymentShock);
    if (q.format === 'svg') return c.body(await lossHistogramChart(report), 200, { 'content-type': 'image/svg+xml' });
    return c.json({ ...report, stress }, 200);
  });
  return app;
}
