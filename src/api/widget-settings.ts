import { z } from 'zod';
import { plainRule } from '../applicant/schema.ts';
import { EnvSchema, type Env } from '../config/env.ts';
import type { AddressSource } from './client-address.ts';

/**
 * What the keyless widget's protections are configured with. Adapters pass it to createApp: the
 * Worker from its bindings (src/worker/env.ts); on Node it is read from the process environment
 * when the caller passes none.
 */
export interface WidgetSettings {
  /** WIDGET_SESSION_SECRET; absent: one is made at start-up (logged) and sessions end on restart. */
  sessionSecret?: string;
  /** PUBLIC_URL: the one origin the widget page is served at, and the address embed.js puts in the iframe. */
  publicUrl?: string;
  /** Where client addresses come from (the widget's rate limit is per address). */
  addresses: AddressSource;
  /**
   * Whether the request URL's host names this server. On Workers it does (Cloudflare routes only the
   * Worker's own hosts to it); on Node it is the client's Host header, believed only when listed.
   */
  trustRequestHost?: boolean;
}

type WidgetEnv = Pick<Env, 'PUBLIC_URL' | 'TRUSTED_PROXIES' | 'WIDGET_SESSION_SECRET'>;

/**
 * The Node server's settings: addresses from the socket, X-Forwarded-For only from TRUSTED_PROXIES.
 *
 * @example createApp({ model, db, widget: nodeWidgetSettings(readEnv()) })
 */
export function nodeWidgetSettings(env: WidgetEnv): WidgetSettings {
  return {
    addresses: { kind: 'socket', trustedProxies: env.TRUSTED_PROXIES },
    ...(env.WIDGET_SESSION_SECRET ? { sessionSecret: env.WIDGET_SESSION_SECRET } : {}),
    ...(env.PUBLIC_URL ? { publicUrl: new URL(env.PUBLIC_URL).origin } : {}),
  };
}

// The same rules and messages as at start-up (src/config/env.ts), for just these three variables.
const WidgetEnvSchema = z.object({
  PUBLIC_URL: EnvSchema.shape.PUBLIC_URL,
  TRUSTED_PROXIES: EnvSchema.shape.TRUSTED_PROXIES,
  WIDGET_SESSION_SECRET: EnvSchema.shape.WIDGET_SESSION_SECRET,
});

/**
 * For an adapter that passes no settings (src/node/start.ts): PUBLIC_URL, TRUSTED_PROXIES and
 * WIDGET_SESSION_SECRET from the process environment, which `npm start` has already validated.
 *
 * @example const settings = widgetSettingsFromEnvironment({ TRUSTED_PROXIES: '10.0.0.0/8' });
 */
export function widgetSettingsFromEnvironment(env: Record<string, string | undefined> = globalThis.process?.env ?? {}): WidgetSettings {
  const parsed = WidgetEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${plainRule(i)}`).join('; ')}`);
  }
  return nodeWidgetSettings(parsed.data);
}
