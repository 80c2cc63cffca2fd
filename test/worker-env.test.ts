import { describe, expect, it } from 'vitest';
import { workerConfig, workerWidgetOrigins, workerWidgetSettings } from '../src/worker/env.ts';
import { widgetSettingsFromEnvironment } from '../src/api/widget-settings.ts';

/** The Worker's variables pass the same checks as the Node server's (src/config/env.ts). */
describe('Worker configuration', () => {
  it('reads the same variables as Node, with the same rules and messages', () => {
    const ok = workerConfig({
      DATABASE_URL: 'postgres://u@h/db',
      WIDGET_ORIGINS: 'https://a.example, https://b.example',
      HYPERDRIVE: { connectionString: 'postgres://hyper/db' },
    });
    expect(ok.ok).toBe(true);
    if (!ok.ok) return;
    // The Hyperdrive binding wins over the secret.
    expect(ok.databaseUrl).toBe('postgres://hyper/db');
    expect(workerWidgetOrigins('https://lendwise.workers.dev/v1/score', ok.env)).toEqual([
      'https://lendwise.workers.dev',
      'https://a.example',
      'https://b.example',
    ]);
    const bad = workerConfig({ WIDGET_ORIGINS: 'https://a.example/path', FRED_API_KEY: 'short' });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.error).toMatch(/WIDGET_ORIGINS\.0: must be an origin like https:\/\/example.com/);
    expect(bad.error).toMatch(/FRED_API_KEY: must be a 32-character lower-case FRED API key/);
  });

  it('takes the widget’s secret and public URL, trusts CF-Connecting-IP (Cloudflare sets it) and not TRUSTED_PROXIES', () => {
    const secret = 's'.repeat(44);
    const config = workerConfig({ WIDGET_SESSION_SECRET: secret, PUBLIC_URL: 'https://loans.example/', TRUSTED_PROXIES: '10.0.0.0/8' });
    expect(config.ok).toBe(true);
    if (!config.ok) return;
    expect(workerWidgetSettings(config.env)).toEqual({
      addresses: { kind: 'cloudflare' },
      trustRequestHost: true,
      sessionSecret: secret,
      publicUrl: 'https://loans.example',
    });
    // Without a secret each isolate makes its own (and logs it).
    const bare = workerConfig({});
    expect(bare.ok && workerWidgetSettings(bare.env)).toEqual({ addresses: { kind: 'cloudflare' }, trustRequestHost: true });
  });

  it('refuses a short session secret and proxies that are not addresses or ranges, in plain words', () => {
    const bad = workerConfig({ WIDGET_SESSION_SECRET: 'short', TRUSTED_PROXIES: '10.0.0.1, proxy.internal, 10.0.0.0/33' });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.error).toMatch(/WIDGET_SESSION_SECRET: must be at least 32 characters: make one with `openssl rand -base64 32`/);
    expect(bad.error).toMatch(/TRUSTED_PROXIES\.1: must be IP addresses or CIDR ranges, like 10\.0\.0\.0\/8 or 2001:db8::\/32/);
    expect(bad.error).toMatch(/TRUSTED_PROXIES\.2: must be IP addresses or CIDR ranges/);
    expect(bad.error).not.toMatch(/TRUSTED_PROXIES\.0/);
    // Node reads the same variables with the same rules when the adapter passes no settings.
    expect(widgetSettingsFromEnvironment({ TRUSTED_PROXIES: '127.0.0.1, ::1, 10.0.0.0/8', PUBLIC_URL: 'https://loans.example/x' })).toEqual({
      addresses: { kind: 'socket', trustedProxies: ['127.0.0.1', '::1', '10.0.0.0/8'] },
      publicUrl: 'https://loans.example',
    });
    expect(() => widgetSettingsFromEnvironment({ TRUSTED_PROXIES: 'everyone' })).toThrow(
      /invalid environment: TRUSTED_PROXIES\.0: must be IP addresses or CIDR ranges/,
    );
  });
});
