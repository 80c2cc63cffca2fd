import { describe, expect, it } from 'vitest';
import { workerConfig, workerWidgetOrigins } from '../src/worker/env.ts';

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
});
