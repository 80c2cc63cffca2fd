import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Database } from '../../db/client.ts';
import { registerModel } from '../../db/repository.ts';
import { type AppOptions, createApp } from '../../src/api/app.ts';
import type { WidgetSettings } from '../../src/api/widget-settings.ts';
import { swaggerAssets } from '../../src/node/docs-assets.ts';
import { loadModel } from '../../src/model/load.ts';
import { openTestDatabase } from './databases.ts';

/**
 * The widget as a person uses it: Debian's Chromium driven by playwright-core, against the real app
 * behind @hono/node-server (the app reads the client's address from the socket) on an in-memory
 * PGlite database. Shared by the form's and the chat's browser suites.
 */

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Widget settings as a fresh server start would make them: a new session secret each time. */
export const freshWidgetSettings = (): WidgetSettings => ({
  sessionSecret: randomBytes(32).toString('base64url'),
  addresses: { kind: 'socket', trustedProxies: [] },
});

export interface WidgetServer {
  base: string;
  database: Database;
  /** The app made again with these options added (kept for later restarts), e.g. the origins allowed to embed it. */
  configure(options: Partial<AppOptions>): void;
  /** A new app behind the same address and database, as after a restart (by default with a new session secret). */
  restart(widget?: WidgetSettings): void;
  close(): Promise<void>;
}

/** Starts the app on 127.0.0.1 (a free port), serving the widget at its own origin. */
export async function startWidgetServer(): Promise<WidgetServer> {
  const database = await openTestDatabase('pglite');
  const model = loadModel('models');
  await registerModel(database.db, model);
  let app: ReturnType<typeof createApp> | undefined;
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: (req, env) => app!.fetch(req, env), port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  let extra: Partial<AppOptions> = {};
  let widget = freshWidgetSettings();
  const make = () => {
    app = createApp({ model, db: () => database.db, widgetOrigins: [base], docsAssets: swaggerAssets(), keyCacheMs: 0, ...extra, widget });
  };
  make();
  return {
    base,
    database,
    configure(options) {
      extra = options;
      make();
    },
    restart(settings = freshWidgetSettings()) {
      widget = settings;
      make();
    },
    async close() {
      await new Promise((r) => server.close(r));
      await database.close();
    },
  };
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Content-Security-Policy violations the page reports (inline code, foreign calls): there must be none. */
export function cspViolations(page: Page): string[] {
  const seen: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) seen.push(m.text());
  });
  return seen;
}
