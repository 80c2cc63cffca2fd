import { OpenAPIHono } from '@hono/zod-openapi';
import type { Bot } from 'grammy';
import type { BotContext } from '../../bot/session.ts';
import { cors } from 'hono/cors';
import { declaredBodyLimit } from './body-limit.ts';
import { HTTPException } from 'hono/http-exception';
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import type { LoadedModel } from '../model/model.ts';
import { authenticate, type AuthEnv } from './auth.ts';
import { invalidInput, refusalBody, StorageUnavailable } from './errors.ts';
import { DecisionRefused, decisionService, type DecisionService } from '../app/decide.ts';
import { WIDGET_RATE_PER_MINUTE } from '../app/limits.ts';
import { STATEMENT_MAX_BYTES } from '../data/statement.ts';
import { databaseStore } from '../../db/decision-store.ts';
import { rateLimit } from './rate-limit.ts';
import { applicationRoutes } from './routes/applications.ts';
import { genericRoutes } from './routes/generic.ts';
import { healthRoutes, policyRoutes, type BotHealth } from './routes/meta.ts';
import { MODEL_ADMIN_PATHS, modelRoutes } from './routes/models.ts';
import type { ModelRegistry } from '../app/model-registry.ts';
import { scoreRoutes } from './routes/score.ts';
import { statementRoutes } from './routes/statements.ts';
import { portfolioRoutes } from './routes/portfolio.ts';
import { monitoringRoutes } from './routes/monitoring.ts';
import { databaseDriftMonitor } from '../../db/monitoring-repository.ts';
import type { DriftReference } from '../monitoring/reference.ts';
import { SHIPPED_CORRELATIONS } from '../portfolio/correlation-table.ts';
import type { CorrelationTable } from '../portfolio/loans.ts';
import { inProcessRunner, type PortfolioJobs } from '../app/portfolio-jobs.ts';
import { requestDeadline } from './deadline.ts';
import { consoleLogger, requestLog, type RequestLogger } from './request-log.ts';
import { metricsTokenFromEnvironment, operationalMetrics } from './metrics.ts';
import { telegramWebhook } from './telegram-webhook.ts';
import { botIdOfToken, handleOnce, updateQueue, type UpdateReceiver } from '../../bot/update-queue.ts';
import { databasePortfolioJobs } from '../../db/portfolio-jobs.ts';
import { storedMacroRelation } from '../macro/refresh.ts';
import { widgetRoutes } from './widget.ts';
import { chatRoutes } from './routes/chat.ts';
import { chatService } from '../app/chat.ts';
import { securityHeaders } from './security-headers.ts';
import { answerHeader } from './node-response.ts';
import { addressBucket } from './client-address.ts';
import { KEY_CACHE_MS } from './auth.ts';
import { widgetSecurity } from './widget-security.ts';
import { widgetSettingsFromEnvironment, type WidgetSettings } from './widget-settings.ts';

/**
 * The Hono app: the same for Node and Workers. Adapters hand it a loaded model, a database
 * handle and the few settings below; nothing here reads files, nor the environment except the
 * widget's three variables when an adapter passes no `widget` settings.
 */
export interface AppOptions {
  /** The default champion: decides while the database names none (or one this process cannot load). */
  model: LoadedModel;
  /** Champion and challenger by the database's roles (Node: every version in MODELS_DIR; Worker: the bundled ones); made from `model` when absent. */
  models?: ModelRegistry;
  /** The promoted generic model, served at POST /v1/models/generic/score (404 without one). */
  genericModel?: LoadedModel;
  db: () => Db;
  /** Origins allowed to call the API from a browser (CORS), to frame the widget, and to serve its page. */
  widgetOrigins?: string[];
  /** The keyless widget's session secret, public URL and client addresses; from the process environment when absent (Node). */
  widget?: WidgetSettings;
  /** Swagger UI assets for /docs; without them /docs loads them from the unpkg CDN. */
  docsAssets?: { css: string; js: string };
  bodyLimitBytes?: number;
  /** How long a verified API key is trusted before the database is asked again (revocation delay). */
  keyCacheMs?: number;
  /**
   * The Telegram bot's webhook at POST `path` (TELEGRAM_WEBHOOK_URL's path; /telegram/webhook by default):
   * updates carrying the secret token go to `queue`, or to a queue made here that hands them to `bot`.
   */
  telegram?: { secretToken: string; path?: string; answerWithinMs?: number } & ({ queue: UpdateReceiver } | { bot: Bot<BotContext> });
  /** Group-commit concurrent decisions (Node). Workers store each on its own request's connection. */
  batchWrites?: boolean;
  /** The process's decision service, shared with the bot; made here (with `batchWrites`) when absent. */
  decisions?: DecisionService;
  /** Requests per minute per client address for the keyless widget. */
  widgetRatePerMinute?: number;
  /** Asset correlations for the portfolio tools; the table shipped in models/ by default. */
  correlations?: CorrelationTable;
  /** The Telegram bot's state for /healthz and /readyz, when this process runs one. */
  botHealth?: () => BotHealth;
  /** Where request lines go (pino on Node); JSON lines on the console by default. */
  logger?: RequestLogger;
  /** Longest a request may take before it is answered 503 (default 10 s); nothing of it is stored then. */
  requestDeadlineMs?: number;
  /** The process's portfolio jobs (Node runs them on threads); made here, in-process, when absent. */
  portfolioJobs?: PortfolioJobs;
  /** Bearer token a Prometheus server presents for GET /metrics (admin keys work too); METRICS_TOKEN when absent. */
  metricsToken?: string;
  /** The model's reference distribution (models/<version>/reference.json): drift monitoring, off without it. */
  driftReference?: DriftReference;
}

export const REQUEST_DEADLINE_MS = 10_000;

/** An application with up to a few hundred transactions fits. */
export const BODY_LIMIT_BYTES = 256 * 1024;

export function createApp(options: AppOptions) {
  const { model, db } = options;
  const widgetOrigins = options.widgetOrigins ?? [];
  // One decision service (one policy cache, one writer) per process: the bot gets the same one.
  const decisions =
    options.decisions ??
    decisionService({ model, store: databaseStore(db, { batchWrites: options.batchWrites !== false }), ...(options.models ? { models: options.models } : {}) });
  const policy = decisions.policy;
  const app = new OpenAPIHono<AuthEnv>({
    defaultHook: (result, c) => {
      if (!result.success) return c.json(invalidInput(result.error, (result as { data?: unknown }).data), 400);
    },
  });

  const logger = options.logger ?? consoleLogger;
  app.use('*', requestLog(logger));
  const metrics = operationalMetrics({
    db,
    decisions,
    model,
    genericModel: options.genericModel,
    keyCacheMs: options.keyCacheMs,
    token: options.metricsToken ?? metricsTokenFromEnvironment(),
  });
  app.use('*', metrics.observe);
  const drift = options.driftReference
    ? databaseDriftMonitor(db, {
        reference: options.driftReference,
        policy: async () => (await policy.get()).policy,
        onError: (error) => logger.error({ errorClass: `drift.${(error as Error)?.name}` }, 'drift check failed'),
      })
    : undefined;

  // The keyless widget: sessions signed for its own page, real client addresses, and the origins
  // (configured, and listed by widget keys) that may frame it and call from a browser.
  const widget = widgetSecurity({
    settings: options.widget ?? widgetSettingsFromEnvironment(),
    widgetOrigins,
    db,
    cacheMs: options.keyCacheMs ?? KEY_CACHE_MS,
  });
  app.use('*', securityHeaders());
  const crossOrigin = cors({
    origin: (origin) => widget.partners.allowedOrigin(origin),
    allowHeaders: ['content-type', 'authorization', 'x-api-key', 'idempotency-key'],
    // What a partner page's script needs to read: when to retry, whether this was a replay, the id to quote.
    exposeHeaders: ['retry-after', 'idempotent-replayed', 'x-request-id'],
    maxAge: 600,
  });
  // Without an Origin header (servers, scripts) CORS only adds Vary: Origin, so that is set before the
  // handler (on Node, on Node's response: src/api/node-response.ts): Hono's cors adds it after, and on
  // Node that rebuilds the finished response as a stream.
  app.use('/v1/*', (c, next) => {
    if (c.req.method === 'OPTIONS' || c.req.header('origin') !== undefined) return crossOrigin(c, next);
    answerHeader(c, 'Vary', 'Origin', { append: true });
    return next();
  });
  const limit = options.bodyLimitBytes ?? BODY_LIMIT_BYTES;
  // Statements and transaction lists are larger than an application alone.
  const statementLimit = STATEMENT_MAX_BYTES;
  const statementBody = declaredBodyLimit({ maxSize: statementLimit, onError: (c) => c.json({ error: `statement larger than ${statementLimit} bytes` }, 413) });
  const otherBody = declaredBodyLimit({ maxSize: limit, onError: (c) => c.json({ error: `body larger than ${limit} bytes` }, 413) });
  // Statements and uploaded books are larger than an application.
  const large = new Set(['/v1/statements', '/v1/portfolio/optimise']);
  app.use('/v1/*', (c, next) => (large.has(c.req.path) ? statementBody(c, next) : otherBody(c, next)));

  // Every request is answered within the deadline (portfolio routes wait by their own `wait`).
  const deadline = requestDeadline(options.requestDeadlineMs ?? REQUEST_DEADLINE_MS);
  app.use('/v1/*', (c, next) => (c.req.path.startsWith('/v1/portfolio/') ? next() : deadline(c, next)));

  const callers = rateLimit<AuthEnv>((c) => {
    const caller = c.get('caller');
    return caller.kind === 'key'
      ? { kind: 'key', id: String(caller.key.id), perMinute: caller.key.ratePerMinute }
      : { kind: 'address', id: addressBucket(caller.address), perMinute: options.widgetRatePerMinute ?? WIDGET_RATE_PER_MINUTE };
  });
  const cacheMs = options.keyCacheMs;
  const keyless = { sessions: widget.sessions, clientAddress: widget.clientAddress };
  app.use('/v1/score', authenticate({ db, scopes: ['admin', 'score', 'widget', 'trusted-evidence'], widget: keyless, cacheMs }), callers);
  app.use('/v1/models/generic/score', authenticate({ db, scopes: ['admin', 'score', 'widget', 'trusted-evidence'], widget: keyless, cacheMs }), callers);
  app.use('/v1/applications/*', authenticate({ db, scopes: ['admin', 'score', 'widget', 'trusted-evidence'], widget: keyless, cacheMs }), callers);
  app.use('/v1/policy', authenticate({ db, scopes: ['admin', 'score'], cacheMs }), callers);
  app.use('/v1/chat', authenticate({ db, scopes: ['admin', 'score', 'widget', 'trusted-evidence'], widget: keyless, cacheMs }), callers);
  app.use('/v1/chat/*', authenticate({ db, scopes: ['admin', 'score', 'widget', 'trusted-evidence'], widget: keyless, cacheMs }), callers);
  app.use('/v1/statements', authenticate({ db, scopes: ['admin', 'score', 'widget', 'trusted-evidence'], widget: keyless, cacheMs }), callers);
  app.use('/v1/portfolio/*', authenticate({ db, scopes: ['admin'], cacheMs }), callers);
  for (const path of MODEL_ADMIN_PATHS) app.use(path, authenticate({ db, scopes: ['admin'], cacheMs }), callers);
  app.use('/v1/monitoring/*', authenticate({ db, scopes: ['admin'], cacheMs }), callers);

  app.route(
    '/',
    healthRoutes({
      model,
      champion: decisions.models,
      ping: async () => void (await db().execute(sql`select 1`)),
      ...(options.botHealth ? { bot: options.botHealth } : {}),
      ...(drift ? { drift: () => drift.health() } : {}),
    }),
  );
  app.route('/', scoreRoutes({ decisions }));
  app.route('/', genericRoutes({ ...(options.genericModel ? { model: options.genericModel } : {}) }));
  app.route('/', applicationRoutes({ db, decisions }));
  app.route('/', modelRoutes({ db, models: decisions.models }));
  app.route('/', policyRoutes({ db, policy }));
  app.route('/', statementRoutes({ decisions }));
  app.route('/', chatRoutes({ db, chat: chatService({ decisions }) }));
  const portfolioJobs =
    options.portfolioJobs ??
    databasePortfolioJobs(db, {
      policy,
      correlations: options.correlations ?? SHIPPED_CORRELATIONS,
      runner: inProcessRunner(),
      macroRelation: () => storedMacroRelation(db()),
    });
  app.route('/', portfolioRoutes({ jobs: portfolioJobs }));
  app.route('/', metrics.routes);
  app.route('/', monitoringRoutes({ ...(drift ? { drift } : {}), modelVersion: model.version, db, models: decisions.models }));

  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'Lendwise API key (`npm run keys -- create`)',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Lendwise API',
      version: model.version,
      description: 'Loan decisions with reasons: probability of default, decision, price and counter-offer.',
    },
  });
  app.get('/docs', (c) => c.html(docsPage(options.docsAssets ? '/docs/assets' : 'https://unpkg.com/swagger-ui-dist@5')));
  if (options.docsAssets) {
    const { css, js } = options.docsAssets;
    app.get('/docs/assets/swagger-ui.css', (c) => c.body(css, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=86400' }));
    app.get('/docs/assets/swagger-ui-bundle.js', (c) =>
      c.body(js, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=86400' }),
    );
  }

  if (options.telegram) {
    const { bot, queue, ...webhook } = { bot: undefined, queue: undefined, ...options.telegram };
    const receiver = queue ?? updateQueue({ db, botId: botIdOfToken(bot!.token), handle: (update) => handleOnce(bot!, update) });
    app.post(webhook.path ?? '/telegram/webhook', telegramWebhook({ ...webhook, queue: receiver }));
  }

  app.route('/', widgetRoutes(widget));

  app.notFound((c) => c.json({ error: 'not found', path: c.req.path }, 404));
  app.onError((error, c) => {
    if (error instanceof DecisionRefused) return c.json(refusalBody(error), error.status);
    if (error instanceof StorageUnavailable) {
      // The class and code only: a driver's message may hold the query's parameters (an application).
      logger.error({ reqId: c.get('requestId'), route: c.req.routePath, errorClass: `database.${error.kind}`, code: error.code }, 'database error');
      if (error.kind === 'connection' || error.kind === 'timeout')
        return c.json({ error: 'storage unavailable: nothing was stored, try again shortly' }, 503, { 'retry-after': '5' });
      return c.json({ error: 'internal error: nothing was stored' }, 500);
    }
    // Hono's validator says "Malformed JSON in request body": answered in our words, like any invalid input.
    if (error instanceof HTTPException && error.status === 400 && /malformed json/i.test(error.message))
      return c.json({ error: 'invalid input', issues: [{ field: '(body)', rule: 'must be valid JSON' }] }, 400);
    if (error instanceof HTTPException) return c.json({ error: error.message || 'bad request' }, error.status);
    // The client went away before its body arrived (a stalled upload cut at Node's receive limit, a
    // closed page): nothing failed here, and a line per dropped connection must not flood the error log.
    if (c.req.raw.signal?.aborted) return c.json({ error: 'the request did not arrive whole' }, 400);
    // The error's name and where it came from, not its message (it may quote input).
    logger.error(
      {
        reqId: c.get('requestId'),
        route: c.req.routePath,
        errorClass: (error as Error).name,
        stack: (error as Error).stack?.split('\n').slice(1, 4).join(' | '),
      },
      'internal error',
    );
    return c.json({ error: 'internal error' }, 500);
  });
  return app;
}

function docsPage(assets: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Lendwise API</title><link rel="stylesheet" href="${assets}/swagger-ui.css"></head>
<body><div id="swagger"></div><script src="${assets}/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger' });</script></body></html>`;
}
