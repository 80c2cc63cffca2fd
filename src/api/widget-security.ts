import type { Context } from 'hono';
import type { Db } from '../../db/client.ts';
import { clientAddress } from './client-address.ts';
import { partnerOrigins, type PartnerOrigins } from './partner-origins.ts';
import { sessionSecret, sessionSigner, type SessionSigner } from './widget-session.ts';
import type { WidgetSettings } from './widget-settings.ts';

/**
 * The keyless widget's protections, made once per app from its settings: session signing, client
 * addresses, the origins that may embed it, and which origin its page is being served at.
 */
export interface WidgetSecurity {
  sessions: SessionSigner;
  clientAddress: (c: Context) => string;
  partners: PartnerOrigins;
  /** PUBLIC_URL's origin, when configured. */
  publicUrl?: string;
  /**
   * The origin the widget page is served at for this request, which its session is issued to:
   * PUBLIC_URL when set; else the request's own origin if it is a known one (never whatever a Host
   * header says). Undefined: the page is served without a session, and says why.
   */
  pageOrigin(c: Context): string | undefined;
}

export interface WidgetSecurityOptions {
  settings: WidgetSettings;
  /** Origins configured for the widget: this server's own, PUBLIC_URL and WIDGET_ORIGINS. */
  widgetOrigins: readonly string[];
  db: () => Db;
  /** The revocation delay for widget keys' origins. */
  cacheMs: number;
}

/**
 * @example
 * const widget = widgetSecurity({ settings: nodeWidgetSettings(env), widgetOrigins: widgetOrigins(env), db, cacheMs: 5_000 });
 * const token = widget.sessions.issue(widget.pageOrigin(c)!);
 */
export function widgetSecurity(options: WidgetSecurityOptions): WidgetSecurity {
  const { settings, widgetOrigins } = options;
  const publicUrl = settings.publicUrl ? new URL(settings.publicUrl).origin : undefined;
  return {
    sessions: sessionSigner(sessionSecret(settings.sessionSecret)),
    clientAddress: clientAddress(settings.addresses),
    partners: partnerOrigins({ db: options.db, configured: [...(publicUrl ? [publicUrl] : []), ...widgetOrigins], cacheMs: options.cacheMs }),
    ...(publicUrl ? { publicUrl } : {}),
    pageOrigin(c) {
      if (publicUrl) return publicUrl;
      const own = new URL(c.req.url).origin;
      return settings.trustRequestHost || widgetOrigins.includes(own) ? own : undefined;
    },
  };
}
