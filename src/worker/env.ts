import { plainRule } from '../applicant/schema.ts';
import { EnvSchema, type Env } from '../config/env.ts';
import type { WidgetSettings } from '../api/widget-settings.ts';

/**
 * The Worker's configuration, checked by the same schema as the Node server's: its string
 * variables (and secrets) go through EnvSchema; bindings such as HYPERDRIVE are objects and pass by.
 */
export interface WorkerBindings {
  HYPERDRIVE?: { connectionString: string };
  [name: string]: unknown;
}

export type WorkerConfig = { ok: true; env: Env; databaseUrl?: string } | { ok: false; error: string };

/**
 * @example const config = workerConfig(env); if (!config.ok) return Response.json({ error: config.error }, { status: 500 });
 */
export function workerConfig(bindings: WorkerBindings): WorkerConfig {
  const strings = Object.fromEntries(Object.entries(bindings).filter(([, v]) => typeof v === 'string'));
  const parsed = EnvSchema.safeParse(strings);
  if (!parsed.success) {
    return { ok: false, error: `invalid environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${plainRule(i)}`).join('; ')}` };
  }
  const databaseUrl = bindings.HYPERDRIVE?.connectionString ?? parsed.data.DATABASE_URL;
  return { ok: true, env: parsed.data, ...(databaseUrl ? { databaseUrl } : {}) };
}

/** Origins allowed to use the widget on a Worker: its own, PUBLIC_URL's and WIDGET_ORIGINS. */
export function workerWidgetOrigins(requestUrl: string, env: Env): string[] {
  return [...new Set([new URL(requestUrl).origin, ...(env.PUBLIC_URL ? [new URL(env.PUBLIC_URL).origin] : []), ...env.WIDGET_ORIGINS])];
}

/**
 * The widget's settings on a Worker: client addresses from CF-Connecting-IP, which Cloudflare sets
 * itself (TRUSTED_PROXIES is for Node behind a proxy and is not read here), and the request's host,
 * which Cloudflare routed to this Worker, as the page's origin. Without WIDGET_SESSION_SECRET each
 * isolate makes its own, and a page's session works only on the isolate that issued it: set the secret.
 *
 * @example createApp({ model, db, widget: workerWidgetSettings(config.env) })
 */
export function workerWidgetSettings(env: Env): WidgetSettings {
  return {
    addresses: { kind: 'cloudflare' },
    trustRequestHost: true,
    ...(env.WIDGET_SESSION_SECRET ? { sessionSecret: env.WIDGET_SESSION_SECRET } : {}),
    ...(env.PUBLIC_URL ? { publicUrl: new URL(env.PUBLIC_URL).origin } : {}),
  };
}
