import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { openDatabase, type Database } from '../../db/client.ts';
import { currentPolicy, registerModel } from '../../db/repository.ts';
import { createApp } from '../api/app.ts';
import { widgetOrigins, type Env } from '../config/env.ts';
import { loadModel } from '../model/load.ts';
import type { LoadedModel } from '../model/model.ts';
import { swaggerAssets } from './docs-assets.ts';
import { loadPromotedGeneric } from './generic-model.ts';
import { createBot } from '../../bot/bot.ts';
import { APPLICANT_COMMANDS } from '../../bot/features/account.ts';
import { decisionService } from '../app/decide.ts';
import { databaseStore } from '../../db/decision-store.ts';
import { fredClient } from '../macro/fred.ts';
import { refreshMacro } from '../macro/refresh.ts';
import { seedRecordedMacro } from '../macro/recorded.ts';
import { databaseJobStore, databasePortfolioJobs } from '../../db/portfolio-jobs.ts';
import { INTERRUPTED } from '../app/portfolio-jobs.ts';
import { SHIPPED_CORRELATIONS } from '../portfolio/correlation-table.ts';
import { storedMacroRelation } from '../macro/refresh.ts';
import { threadRunner } from './portfolio-threads.ts';
import { nodeWidgetSettings } from '../api/widget-settings.ts';
import { requestLogger } from './logger.ts';

export interface Running {
  url: string;
  /** How the Telegram bot receives updates, if it runs. */
  botMode: 'off' | 'webhook' | 'polling';
  model: LoadedModel;
  /** The promoted generic model, when one is served. */
  genericModel?: LoadedModel;
  database: Database;
  server: ServerType;
  stop(): Promise<void>;
}

/** This process's place in a cluster (WEB_CONCURRENCY > 1): only the first runs the bot and the macro refresh. */
export interface ClusterRole {
  /** 1, 2, …: the worker's number. */
  index: number;
  /** The primary already recovered the unfinished portfolio jobs (a worker must not: its siblings' jobs are running). */
  recovered: boolean;
}

/** Everything `npm start` does: model, database (migrated, recorded macro series stored), app, HTTP server. */
export async function start(env: Env, role: ClusterRole = { index: 1, recovered: false }): Promise<Running> {
  const model = loadModel(env.MODELS_DIR);
  // The generic model promoted with `npm run score -- --promote VERSION`, if any: POST /v1/models/generic/score.
  const genericModel = loadPromotedGeneric(env.MODELS_DIR);
  const database = await openDatabase(
    env.DATABASE_URL
      ? {
          url: env.DATABASE_URL,
          max: env.DB_POOL_SIZE,
          connectTimeoutSeconds: env.DB_CONNECT_TIMEOUT_SECONDS,
          statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
          ...(env.DATABASE_MIGRATION_URL ? { migrationUrl: env.DATABASE_MIGRATION_URL } : {}),
        }
      : { dataDir: env.DATA_DIR },
  );
  await registerModel(database.db, model);
  await currentPolicy(database.db);
  // The recorded FRED series shipped in datasets/fred/, where not stored yet: the stress test works offline.
  // A refresh from FRED (below, with FRED_API_KEY) runs after this and overwrites or extends them.
  await seedRecordedMacro(database.db);
  const db = () => database.db;
  // One decision service per process: the API, the widget and the bot share its policy cache and writer.
  const decisions = decisionService({ model, store: databaseStore(db) });
  // Portfolio jobs run on a thread of their own (started on the first job), shared by the API and the bot.
  const runner = threadRunner({ warm: true });
  const portfolioJobs = databasePortfolioJobs(db, {
    policy: decisions.policy,
    correlations: SHIPPED_CORRELATIONS,
    runner,
    macroRelation: () => storedMacroRelation(db()),
    deadlineMs: env.PORTFOLIO_JOB_DEADLINE_SECONDS * 1000,
  });
  if (!role.recovered) {
    const interrupted = await portfolioJobs.recover();
    if (interrupted > 0) console.log(`${interrupted} portfolio job(s) left unfinished by the last run marked as interrupted`);
  }
  const bot =
    env.TELEGRAM_BOT_TOKEN && role.index === 1
      ? createBot(
          { db, model, decisions, admins: env.BOT_ADMIN_IDS, portfolioJobs },
          { token: env.TELEGRAM_BOT_TOKEN, ...(env.TELEGRAM_API_ROOT ? { apiRoot: env.TELEGRAM_API_ROOT } : {}) },
        )
      : undefined;
  let botMode: Running['botMode'] = 'off';
  const webhook = bot && env.TELEGRAM_WEBHOOK_URL ? { bot, secretToken: env.TELEGRAM_WEBHOOK_SECRET! } : undefined;
  const app = createApp({
    model,
    db,
    decisions,
    portfolioJobs,
    requestDeadlineMs: env.REQUEST_DEADLINE_MS,
    logger: requestLogger(env.LOG_LEVEL),
    widget: nodeWidgetSettings(env),
    ...(bot ? { botHealth: () => (botMode === 'webhook' || bot.isRunning() ? ('up' as const) : ('down' as const)) } : {}),
    widgetOrigins: widgetOrigins(env),
    docsAssets: swaggerAssets(),
    ...(genericModel ? { genericModel } : {}),
    ...(webhook ? { telegram: webhook } : {}),
  });
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: env.PORT, hostname: env.HOST }, () => resolve(s));
  });
  const macroTimer = role.index === 1 ? scheduleMacroRefresh(env, db) : undefined;
  if (bot) {
    await bot.api.setMyCommands([...APPLICANT_COMMANDS]);
    if (webhook) {
      await bot.api.setWebhook(new URL('/telegram/webhook', env.TELEGRAM_WEBHOOK_URL).toString(), { secret_token: webhook.secretToken });
      botMode = 'webhook';
    } else {
      await bot.api.deleteWebhook();
      void bot.start({ drop_pending_updates: false });
      botMode = 'polling';
    }
  }
  return {
    botMode,
    // The port bound, which is the one asked for unless that was 0 (any free port).
    url: `http://${env.HOST}:${(server.address() as AddressInfo).port}`,
    model,
    ...(genericModel ? { genericModel } : {}),
    database,
    server,
    async stop() {
      if (macroTimer) clearInterval(macroTimer);
      // Jobs first: a request waiting on one hears it was interrupted (503, ask again) before the drain.
      await portfolioJobs.stopAll();
      if (botMode === 'polling') await bot!.stop();
      // Drain: no new connections, idle keep-alive ones closed now, requests in flight given the grace
      // period to finish (their decisions are stored or not, never half), then the rest cut.
      const http = server as ServerType & { closeIdleConnections?: () => void; closeAllConnections?: () => void };
      await new Promise<void>((resolve) => {
        const cut = setTimeout(() => http.closeAllConnections?.(), env.SHUTDOWN_GRACE_SECONDS * 1000);
        server.close(() => {
          clearTimeout(cut);
          resolve();
        });
        http.closeIdleConnections?.();
      });
      await runner.close();
      await database.close();
    },
  };
}

/** With FRED_API_KEY: refresh the macro series now and every MACRO_REFRESH_HOURS; failures are logged, never fatal. */
function scheduleMacroRefresh(env: Env, db: () => Database['db']): NodeJS.Timeout | undefined {
  if (!env.FRED_API_KEY || env.MACRO_REFRESH_HOURS === 0) return undefined;
  const client = fredClient({ apiKey: env.FRED_API_KEY, apiRoot: env.FRED_API_ROOT });
  const run = () =>
    refreshMacro(db(), client).then(
      (counts) => console.log(`macro series refreshed: ${JSON.stringify(counts)}`),
      (error: Error) => console.error(`macro refresh failed: ${error.message}`),
    );
  void run();
  const timer = setInterval(run, env.MACRO_REFRESH_HOURS * 3_600_000);
  timer.unref();
  return timer;
}

/**
 * Before a cluster's workers start: migrate, store the recorded macro series and mark the jobs a
 * stopped run left unfinished, once, so that the workers only open the database.
 */
export async function prepareCluster(env: Env): Promise<void> {
  const database = await openDatabase({
    url: env.DATABASE_URL!,
    max: 1,
    connectTimeoutSeconds: env.DB_CONNECT_TIMEOUT_SECONDS,
    ...(env.DATABASE_MIGRATION_URL ? { migrationUrl: env.DATABASE_MIGRATION_URL } : {}),
  });
  try {
    await seedRecordedMacro(database.db);
    const interrupted = await databaseJobStore(() => database.db).interruptUnfinished(INTERRUPTED);
    if (interrupted > 0) console.log(`${interrupted} portfolio job(s) left unfinished by the last run marked as interrupted`);
  } finally {
    await database.close();
  }
}
