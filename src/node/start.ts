import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { openDatabase, type Database } from '../../db/client.ts';
import { currentPolicy, registerModel } from '../../db/repository.ts';
import { createApp } from '../api/app.ts';
import { widgetOrigins, type Env } from '../config/env.ts';
import { loadModel, modelLoader, readManifest } from '../model/load.ts';
import { activeModelVersions, seedModelRoles } from '../../db/model-repository.ts';
import { ModelRegistry } from '../app/model-registry.ts';
import { loadDriftReference } from '../monitoring/load.ts';
import type { LoadedModel } from '../model/model.ts';
import { swaggerAssets } from './docs-assets.ts';
import { loadPromotedGeneric } from './generic-model.ts';
import type { Update } from 'grammy/types';
import { z } from 'zod';
import { createBot } from '../../bot/bot.ts';
import { botIdOfToken, handleOnce, updateQueue } from '../../bot/update-queue.ts';
import { formerBotAdmins, listBotAdmins, releaseAllClaims } from '../../db/bot-repository.ts';
import { runBot, type BotRunner } from './bot-runner.ts';
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

/**
 * A request must arrive whole within 15 s, its headers within 10 s; else Node answers 408 and closes
 * the connection. Without it a body that stops halfway (a chunked one is counted as it arrives,
 * before the request deadline starts) held its connection unanswered for Node's default 300 s.
 * Node checks every second, not every 30 s.
 */
const RECEIVE_LIMITS = { requestTimeout: 15_000, headersTimeout: 10_000, connectionsCheckingInterval: 1_000 };

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
  // models/<version>/reference.json (npm run monitoring:reference): drift monitoring; off without it.
  const driftReference = loadDriftReference(model, (problem) => console.warn(`drift monitoring off: ${problem}`));
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
  // Champion and challenger: the database's roles decide; the manifest's `current` and `challenger`
  // only seed them at the database's first start. Any version under MODELS_DIR can be promoted to
  // without a restart (loaded on first use).
  const load = modelLoader(env.MODELS_DIR);
  const challenger = shippedChallenger(env.MODELS_DIR, load);
  await registerModel(database.db, model);
  if (challenger) await registerModel(database.db, challenger);
  await seedModelRoles(database.db, { champion: model.version, ...(challenger ? { challenger: challenger.version } : {}) });
  const models = new ModelRegistry({
    fallback: model,
    load: (version) => (version === challenger?.version ? challenger : load(version)),
    read: () => activeModelVersions(database.db),
  });
  // Load the versions in their roles now, not on the first request.
  await models.active();
  await currentPolicy(database.db);
  // The recorded FRED series shipped in datasets/fred/, where not stored yet: the stress test works offline.
  // A refresh from FRED (below, with FRED_API_KEY) runs after this and overwrites or extends them.
  await seedRecordedMacro(database.db);
  const db = () => database.db;
  // One decision service per process: the API, the widget and the bot share its policy cache and writer.
  const decisions = decisionService({ model, store: databaseStore(db), models });
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
  const logger = requestLogger(env.LOG_LEVEL);
  // Telegram: every process takes webhook posts into the durable update queue; the first (the only one
  // without a cluster) also runs the bot, which handles them. Updates already queued wait for it.
  const token = env.TELEGRAM_BOT_TOKEN;
  const hooks = readTestHooks();
  const bot =
    token && role.index === 1
      ? createBot(
          { db, model, decisions, admins: env.BOT_ADMIN_IDS, portfolioJobs },
          { token, ...(env.TELEGRAM_API_ROOT ? { apiRoot: env.TELEGRAM_API_ROOT } : {}) },
        )
      : undefined;
  const queue = token
    ? updateQueue({
        db,
        botId: botIdOfToken(token),
        // Paused until the bot is initialised (getMe): grammY cannot handle an update before.
        ...(bot ? { handle: (update: Update) => handleOnce(bot, update), paused: true } : {}),
        ...(hooks.LENDWISE_TEST_UPDATE_DELAY_MS ? { testDelayMs: hooks.LENDWISE_TEST_UPDATE_DELAY_MS } : {}),
        ...(hooks.LENDWISE_TEST_UPDATE_LEASE_MS ? { leaseMs: hooks.LENDWISE_TEST_UPDATE_LEASE_MS } : {}),
        log: logger,
      })
    : undefined;
  if (bot && queue && database.engine === 'pglite') {
    // The embedded database admits one process (its lock file): every claim left open is a dead run's.
    const released = await releaseAllClaims(db(), queue.botId);
    if (released > 0) logger.info({ bot: queue.botId, released }, 'bot updates left unfinished by the last run queued again');
  }
  const webhookUrl = env.TELEGRAM_WEBHOOK_URL;
  const mode = webhookUrl ? ('webhook' as const) : ('polling' as const);
  const botMode: Running['botMode'] = bot ? mode : 'off';
  let botRunner: BotRunner | undefined;
  const app = createApp({
    model,
    db,
    decisions,
    portfolioJobs,
    requestDeadlineMs: env.REQUEST_DEADLINE_MS,
    logger,
    widget: nodeWidgetSettings(env),
    ...(bot ? { botHealth: () => botRunner?.status() ?? { state: 'starting' as const, mode, failures: 0 } } : {}),
    widgetOrigins: widgetOrigins(env),
    docsAssets: swaggerAssets(),
    ...(genericModel ? { genericModel } : {}),
    ...(driftReference ? { driftReference } : {}),
    // Mounted at the configured URL's own path: that is where Telegram posts.
    ...(queue && webhookUrl ? { telegram: { queue, secretToken: env.TELEGRAM_WEBHOOK_SECRET!, path: new URL(webhookUrl).pathname } } : {}),
  });
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: env.PORT, hostname: env.HOST, serverOptions: RECEIVE_LIMITS }, () => resolve(s));
  });
  const macroTimer = role.index === 1 ? scheduleMacroRefresh(env, db) : undefined;
  if (bot && queue) {
    // In the background, retried with back-off: Telegram unreachable never holds up or stops the API.
    botRunner = runBot({
      bot,
      queue,
      mode: webhookUrl ? { kind: 'webhook', url: webhookUrl, secretToken: env.TELEGRAM_WEBHOOK_SECRET! } : { kind: 'polling' },
      admins: async () => ({
        admins: [...env.BOT_ADMIN_IDS, ...(await listBotAdmins(db())).map((a) => a.telegramUserId)],
        former: (await formerBotAdmins(db())).filter((id) => !env.BOT_ADMIN_IDS.includes(id)),
      }),
      log: logger,
    });
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
      // No more claims or polls; updates being handled get the grace period (an unfinished one is retaken after a restart).
      await botRunner?.stop(env.SHUTDOWN_GRACE_SECONDS * 1000);
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

/** The manifest's challenger, if it names one that loads (one that does not is reported, not fatal). */
function shippedChallenger(root: string, load: (version: string) => LoadedModel): LoadedModel | undefined {
  const version = readManifest(root).challenger;
  if (!version) return undefined;
  try {
    return load(version);
  } catch (error) {
    console.warn(`challenger ${version} not loaded, so not scored in shadow: ${(error as Error).message}`);
    return undefined;
  }
}

/**
 * Test-only hooks, never set in production: LENDWISE_TEST_UPDATE_DELAY_MS holds each claimed update
 * that long before handling it (so a test can kill the process in between), and
 * LENDWISE_TEST_UPDATE_LEASE_MS shortens the claim lease (so a restarted server retakes it soon).
 */
const TestHooksSchema = z.object({
  LENDWISE_TEST_UPDATE_DELAY_MS: z.coerce.number().int().min(0).max(600_000).optional(),
  LENDWISE_TEST_UPDATE_LEASE_MS: z.coerce.number().int().min(100).max(600_000).optional(),
});

function readTestHooks(env: NodeJS.ProcessEnv = process.env): z.infer<typeof TestHooksSchema> {
  const parsed = TestHooksSchema.safeParse(env);
  if (!parsed.success) throw new Error(`invalid test hooks: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')} must be whole milliseconds`);
  return parsed.data;
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
