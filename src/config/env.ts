import { plainRule } from '../applicant/schema.ts';
import { z } from 'zod';

const origins = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.url().refine((u) => new URL(u).origin === u, 'must be an origin like https://example.com (no path or trailing slash)')));

/** Every way zod spells an address or a range; a host name is not one (it would be resolved, and could change). */
const IP_FORMATS = [z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()];

const ipRanges = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean),
  )
  .pipe(
    z.array(
      z
        .string()
        .refine((r) => IP_FORMATS.some((format) => format.safeParse(r).success), 'must be IP addresses or CIDR ranges, like 10.0.0.0/8 or 2001:db8::/32'),
    ),
  );

/**
 * The URL Telegram posts to, as the public sees it: https (Telegram posts nowhere else), with the path
 * the server mounts the webhook at (not `/`, where the widget is, nor under /v1/, the API's).
 */
const webhookUrl = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be the full https URL Telegram posts to, e.g. https://loans.example.com/telegram/webhook' });
    return;
  }
  if (url.protocol !== 'https:')
    ctx.addIssue({
      code: 'custom',
      message: `must start with https:// (Telegram only posts to https), e.g. https://${url.host}${url.pathname === '/' ? '/telegram/webhook' : url.pathname}`,
    });
  else if (url.pathname === '/' || url.pathname.startsWith('/v1/'))
    ctx.addIssue({ code: 'custom', message: `must include the path Telegram posts to, other than / and /v1/…, e.g. https://${url.host}/telegram/webhook` });
  else if (url.hash) ctx.addIssue({ code: 'custom', message: 'must not have a #fragment: Telegram does not send it' });
});

/** Environment variables the Node server reads, validated once at start-up. */
export const EnvSchema = z
  .object({
    PORT: z.coerce.number().int().min(1).max(65_535).default(8787),
    HOST: z.string().min(1).default('127.0.0.1'),
    MODELS_DIR: z.string().min(1).default('models'),
    /** postgres://… switches from the embedded database to a PostgreSQL server. */
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    /** Migrations run through this URL (the role owning the tables) when set; DATABASE_URL is then the application's role (db/roles.ts). */
    DATABASE_MIGRATION_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    /** Where the embedded PGlite database lives. */
    DATA_DIR: z.string().min(1).default('./data'),
    /** Extra origins (comma-separated) whose pages may embed the widget and call the API from a browser. */
    WIDGET_ORIGINS: origins,
    /** The public origin of this server when it is behind a proxy, e.g. https://loans.example.com. */
    PUBLIC_URL: z.url().optional(),
    /**
     * Proxies (comma-separated IP addresses or CIDR ranges) whose X-Forwarded-For is believed. Without
     * it the client address is the connection's: a header a client sends for itself proves nothing.
     */
    TRUSTED_PROXIES: ipRanges,
    /** Signs the keyless widget's sessions; without it a key is made at start-up and sessions end on restart. */
    WIDGET_SESSION_SECRET: z
      .string()
      .refine((s) => s.length >= 32, 'must be at least 32 characters: make one with `openssl rand -base64 32`')
      .optional(),
    DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    /** The request log's level (pino): one JSON line per request at info. */
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Longest a request may take: past it the answer is 503 with Retry-After, and nothing of it is stored. */
    REQUEST_DEADLINE_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
    /** PostgreSQL: give up connecting after this long (the request then gets its 503 within the deadline). */
    DB_CONNECT_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(120).default(5),
    /** PostgreSQL: the server cancels any statement running longer than this. */
    DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(15_000),
    /** On SIGTERM, how long in-flight requests may finish before connections are cut. */
    SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).max(300).default(10),
    /** Longest a portfolio job (risk, frontier, optimisation) may run before it is stopped. */
    PORTFOLIO_JOB_DEADLINE_SECONDS: z.coerce.number().int().min(5).max(86_400).default(600),
    /** Runs the Telegram bot too: by webhook when TELEGRAM_WEBHOOK_URL is set, else by long polling. */
    TELEGRAM_BOT_TOKEN: z
      .string()
      .regex(/^\d+:[\w-]+$/, 'must look like 123456:ABC-DEF… (from @BotFather)')
      .optional(),
    /** The full public https URL Telegram posts updates to; the server takes them at its path. */
    TELEGRAM_WEBHOOK_URL: webhookUrl.optional(),
    /** Checked against X-Telegram-Bot-Api-Secret-Token on every webhook call. */
    TELEGRAM_WEBHOOK_SECRET: z
      .string()
      .regex(/^[A-Za-z0-9_-]{16,256}$/, 'must be 16–256 letters, digits, _ or -')
      .optional(),
    /** Comma-separated Telegram user ids allowed to run the lender's commands. */
    BOT_ADMIN_IDS: z
      .string()
      .default('')
      .transform((s) =>
        s
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().regex(/^\d+$/, 'must be Telegram user ids (digits), comma-separated').transform(Number))),
    /** Another Bot API server (a local one, or tests). */
    TELEGRAM_API_ROOT: z.url().optional(),
    /** FRED API key (free, from fred.stlouisfed.org): turns on the macro-series refresh for stress tests. */
    FRED_API_KEY: z
      .string()
      .regex(/^[a-z0-9]{32}$/, 'must be a 32-character lower-case FRED API key')
      .optional(),
    /** Another FRED API root (a mirror, or tests). */
    FRED_API_ROOT: z.url().optional(),
    /** Server processes sharing the port (Node's cluster); more than 1 needs DATABASE_URL (PGlite lives in one process). */
    WEB_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
    /** Hours between macro-series refreshes while the server runs (0: only `npm run macro:refresh`). */
    MACRO_REFRESH_HOURS: z.coerce
      .number()
      .min(0)
      .max(24 * 31)
      .default(24),
  })
  .refine((e) => !e.TELEGRAM_WEBHOOK_URL || e.TELEGRAM_WEBHOOK_SECRET, {
    message: 'is required with TELEGRAM_WEBHOOK_URL',
    path: ['TELEGRAM_WEBHOOK_SECRET'],
  })
  .refine((e) => e.WEB_CONCURRENCY === 1 || e.DATABASE_URL, {
    message: 'above 1 needs DATABASE_URL: the embedded database can be opened by one process only',
    path: ['WEB_CONCURRENCY'],
  });
export type Env = z.infer<typeof EnvSchema>;

export function readEnv(env: NodeJS.ProcessEnv = process.env): Env {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${plainRule(i)}`);
    throw new Error(`invalid environment:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** Origins allowed to use the widget: this server's own, PUBLIC_URL's and WIDGET_ORIGINS. */
export function widgetOrigins(env: Env): string[] {
  const own = [`http://${env.HOST}:${env.PORT}`, `http://localhost:${env.PORT}`, `http://127.0.0.1:${env.PORT}`];
  return [...new Set([...own, ...(env.PUBLIC_URL ? [new URL(env.PUBLIC_URL).origin] : []), ...env.WIDGET_ORIGINS])];
}
