import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { parseStatement, StatementError, type ColumnMap } from '../../data/statement.ts';
import { BehaviourError, BehaviourFeaturesSchema, behaviourFeatures } from '../../features/behaviour.ts';
import { sha256 } from '../../scoring/evidence.ts';
import type { AuthEnv } from '../auth.ts';
import { ErrorSchema, jsonContent } from '../errors.ts';

export const StatementResultSchema = z.object({
  behaviour: BehaviourFeaturesSchema,
  statementSha256: z.string(),
  transactions: z.number().int(),
  asOf: z.string(),
});

export const statementRoute = createRoute({
  method: 'post',
  path: '/v1/statements',
  summary: 'Reduce a CSV bank statement to behavioural features',
  description:
    'Send the CSV file as the body (text/csv). Columns are found by name (date; description; amount, or debit and credit; balance); day-first dates and thousands separators are read. Nothing is stored: the answer gives the features and a SHA-256 of the file, to pass as alternativeData.behaviour and alternativeData.statementSha256 in /v1/score.',
  security: [{ apiKey: [] }],
  request: {
    query: z.object({
      asOf: z.iso.date().optional().meta({ description: 'Application date (default today): only transactions before it count' }),
      columns: z
        .string()
        .regex(/^(date|description|amount|debit|credit|balance)=[^,=]+(,(date|description|amount|debit|credit|balance)=[^,=]+)*$/, 'must be role=Header pairs, e.g. date=Posted,amount=Value')
        .optional()
        .meta({ description: 'Column map when auto-detection does not fit, e.g. date=Posted,amount=Value,balance=Running' }),
    }),
    body: { content: { 'text/csv': { schema: z.string() } }, required: true },
  },
  responses: {
    200: jsonContent(StatementResultSchema, 'The statement\'s behavioural features'),
    400: jsonContent(ErrorSchema, 'The file could not be used: which row and column, and why'),
    401: jsonContent(ErrorSchema, 'API key required'),
    413: jsonContent(ErrorSchema, 'File too large'),
  },
});

export function statementRoutes() {
  const app = new OpenAPIHono<AuthEnv>();
  app.openapi(statementRoute, async (c) => {
    const text = await c.req.text();
    const { asOf: asOfText, columns } = c.req.valid('query');
    const map: ColumnMap = Object.fromEntries((columns ?? '').split(',').filter(Boolean).map((pair) => pair.split('=') as [keyof ColumnMap, string]));
    const asOf = asOfText ? new Date(`${asOfText}T00:00:00Z`) : new Date();
    try {
      const transactions = parseStatement(text, map);
      return c.json({ behaviour: behaviourFeatures(transactions, asOf), statementSha256: sha256(text), transactions: transactions.length, asOf: asOf.toISOString().slice(0, 10) }, 200);
    } catch (error) {
      if (error instanceof StatementError || error instanceof BehaviourError) return c.json({ error: `statement not used: ${error.message}` }, 400);
      throw error;
    }
  });
  return app;
}
