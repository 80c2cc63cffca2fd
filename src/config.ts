import { z } from 'zod';

const origins = z
  .string()
  .default('')
  .transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean))
  .pipe(z.array(z.url().refine((u) => new URL(u).origin === u, 'must be an origin like https://example.com (no path or trailing slash)')));

/** Environment variables the Node server reads, validated once at start-up. */
export const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65_535).default(8787),
  HOST: z.string().min(1).default('127.0.0.1'),
  MODELS_DIR: z.string().min(1).default('models'),
  /** postgres://… switches from the embedded database to a PostgreSQL server. */
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL').optional(),
  /** Where the embedded PGlite database lives. */
  DATA_DIR: z.string().min(1).default('./data'),
  /** Extra origins (comma-separated) whose pages may embed the widget and call the API from a browser. */
  WIDGET_ORIGINS: origins,
  /** The public origin of this server when it is behind a proxy, e.g. https://loans.example.com. */
  PUBLIC_URL: z.url().optional(),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
});
export type Env = z.infer<typeof EnvSchema>;

export function readEnv(env: NodeJS.ProcessEnv = process.env): Env {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid environment:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** Origins allowed to use the widget: this server's own, PUBLIC_URL's and WIDGET_ORIGINS. */
export function widgetOrigins(env: Env): string[] {
  const own = [`http://${env.HOST}:${env.PORT}`, `http://localhost:${env.PORT}`, `http://127.0.0.1:${env.PORT}`];
  return [...new Set([...own, ...(env.PUBLIC_URL ? [new URL(env.PUBLIC_URL).origin] : []), ...env.WIDGET_ORIGINS])];
}
