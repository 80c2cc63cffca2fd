import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { ColumnMap } from '../../data/statement.ts';
import { BehaviourFeaturesSchema } from '../../features/behaviour.ts';
import { STATEMENT_TTL_HOURS, type DecisionService } from '../../app/decide.ts';
import type { AuthEnv } from '../auth.ts';
import { callerOf } from '../caller.ts';
import { ErrorSchema, jsonContent, withStorage } from '../errors.ts';

export const StatementResultSchema = z.object({
  statementId: z.uuid().meta({ description: `Pass as alternativeData.statementId in /v1/score, with the same key, within ${STATEMENT_TTL_HOURS} hours` }),
  behaviour: BehaviourFeaturesSchema,
  statementSha256: z.string(),
  transactions: z.number().int(),
  asOf: z.string(),
  expiresAt: z.string(),
});

export const statementRoute = createRoute({
  method: 'post',
  path: '/v1/statements',
  summary: 'Reduce a CSV bank statement to behavioural features',
  description: `Send the CSV file as the body (text/csv). Columns are found by name (date; description; amount, or debit and credit; balance); day-first dates and thousands separators are read. The transactions are reduced to behavioural features at once and never stored; the features and a SHA-256 of the file are kept for ${STATEMENT_TTL_HOURS} hours under a statementId bound to your key, to pass as alternativeData.statementId in /v1/score. Features sent by a client are not accepted there.`,
  security: [{ apiKey: [] }],
  request: {
    query: z.object({
      asOf: z.iso.date().optional().meta({ description: 'Application date (default today): only transactions before it count' }),
      columns: z
        .string()
        .regex(
          /^(date|description|amount|debit|credit|balance)=[^,=]+(,(date|description|amount|debit|credit|balance)=[^,=]+)*$/,
          'must be role=Header pairs, e.g. date=Posted,amount=Value',
        )
        .optional()
        .meta({ description: 'Column map when auto-detection does not fit, e.g. date=Posted,amount=Value,balance=Running' }),
    }),
    body: { content: { 'text/csv': { schema: z.string() } }, required: true },
  },
  responses: {
    200: jsonContent(StatementResultSchema, "The statement's behavioural features"),
    400: jsonContent(ErrorSchema, 'The file could not be used: which row and column, and why'),
    401: jsonContent(ErrorSchema, 'API key required'),
    413: jsonContent(ErrorSchema, 'File too large'),
  },
});

export function statementRoutes(deps: { decisions: DecisionService }) {
  const app = new OpenAPIHono<AuthEnv>();
  app.openapi(statementRoute, async (c) => {
    const text = await c.req.text();
    const { asOf, columns } = c.req.valid('query');
    const map: ColumnMap = Object.fromEntries(
      (columns ?? '')
        .split(',')
        .filter(Boolean)
        .map((pair) => pair.split('=') as [keyof ColumnMap, string]),
    );
    const answer = await withStorage(() =>
      deps.decisions.reduceStatement({ text, columns: map, caller: callerOf(c), ...(asOf ? { asOf: new Date(`${asOf}T00:00:00Z`) } : {}) }),
    );
    return c.json(answer, 200);
  });
  return app;
}
