import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import { parseApplicant } from '../applicant/schema.ts';
import { estimatePd, type LoadedModel } from '../scoring/model.ts';
import { decide, DEFAULT_CUTOFFS } from '../scoring/policy.ts';

/** The HTTP face of the scorer. Adapters (Node server, Worker) only hand it a loaded model. */
export function createApp(model: LoadedModel): Hono {
  const app = new Hono();
  app.use('*', secureHeaders());
  app.use('/v1/*', bodyLimit({ maxSize: 16 * 1024, onError: (c) => c.json({ error: 'body too large', limitBytes: 16 * 1024 }, 413) }));

  app.get('/healthz', (c) => c.json({ ok: true, modelVersion: model.version }));

  app.get('/v1/models/current', (c) =>
    c.json({ version: model.version, kind: model.spec.kind, features: model.spec.features, metrics: model.metrics }),
  );

  app.post('/v1/score', async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return c.json({ error: 'invalid input', issues: [{ field: '(body)', rule: 'must be a JSON object' }] }, 400);
    }
    const parsed = parseApplicant(body);
    if (!parsed.ok) return c.json({ error: 'invalid input', issues: parsed.issues }, 400);
    const estimate = estimatePd(model, parsed.applicant);
    return c.json({
      pd: estimate.pd,
      score: estimate.score,
      decision: decide(estimate.pd, DEFAULT_CUTOFFS),
      modelVersion: estimate.modelVersion,
    });
  });

  app.notFound((c) => c.json({ error: 'not found', path: c.req.path }, 404));
  app.onError((error, c) => {
    console.error(error);
    return c.json({ error: 'internal error' }, 500);
  });
  return app;
}
