import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import { countDecisions, createKey } from '../db/repository.ts';
import { bundledModelSource } from '../src/worker/bundle-model.ts';
import { sampleApplicant } from './helpers.ts';
import { openTestDatabase } from './support/databases.ts';
import { startWranglerDev } from './support/wrangler-dev.ts';
import { FAKE_FRED_KEY, startFakeFred } from './support/fake-fred.ts';
import { loadObservations } from '../db/macro-repository.ts';
import { eq } from 'drizzle-orm';
import { promoteModel } from '../db/model-repository.ts';
import { shadowScores } from '../db/schema.ts';
import { MODEL_ROLES_TTL_MS } from '../src/app/model-registry.ts';

// The same app on Cloudflare Workers: bundled by wrangler, served by workerd (`wrangler dev`, offline).
const run = promisify(execFile);
const wrangler = 'node_modules/.bin/wrangler';

describe('Cloudflare Worker', () => {
  it("bundles the current model and the challenger (the generated module names models/manifest.json's versions)", () => {
    const { current, behaviour, challenger } = JSON.parse(readFileSync('models/manifest.json', 'utf8'));
    expect(readFileSync('src/worker/bundled-model.ts', 'utf8')).toBe(bundledModelSource('models', current, behaviour, challenger));
  });

  it('builds with wrangler deploy --dry-run', async () => {
    const { stdout } = await run(wrangler, ['deploy', '--dry-run', '--outdir', 'tmp/worker-build'], {
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    });
    expect(stdout).toMatch(/--dry-run: exiting now/);
    expect(statSync('tmp/worker-build/index.js').size).toBeGreaterThan(500_000);
  }, 120_000);

  it('answers /v1/score and the portfolio routes under wrangler dev against real PostgreSQL, and runs the FRED cron', async () => {
    const database = await openTestDatabase('postgres');
    const { key } = await createKey(database.db, { name: 'worker test', scope: 'score' }, 'test');
    const { key: adminKey } = await createKey(database.db, { name: 'worker admin', scope: 'admin' }, 'test');
    const fred = await startFakeFred();
    const dev = await startWranglerDev({ DATABASE_URL: database.url!, FRED_API_KEY: FAKE_FRED_KEY, FRED_API_ROOT: fred.url }, ['--test-scheduled']);
    const { port } = dev;
    try {
      expect(dev.healthy).toBe(true);
      const res = await fetch(`http://127.0.0.1:${port}/v1/score`, {
        method: 'POST',
        body: JSON.stringify({ ...sampleApplicant, alternativeData: { monthlyIncomeDeposits: 4000, monthlySpending: 3000, overdraftMonths12m: 0 } }),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { applicationId: string; decision: string; behaviour: { source: string } };
      expect(['approve', 'refer', 'decline']).toContain(body.decision);
      // The bundled behavioural model is used on Workers too.
      expect(body.behaviour.source).toBe('answers');
      expect(await countDecisions(database.db)).toBe(1);
      const bad = await fetch(`http://127.0.0.1:${port}/v1/score`, {
        method: 'POST',
        body: '{}',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      });
      expect(bad.status).toBe(400);
      // The first request stored the recorded FRED series bundled from datasets/fred/ (before any cron run).
      expect(await loadObservations(database.db, 'UNRATE')).toHaveLength(933);
      expect(await loadObservations(database.db, 'CORCACBS')).toHaveLength(166);
      // Portfolio tools run on Workers too: the stored book has the decision above, and the stress has its relation.
      const risk = await fetch(`http://127.0.0.1:${port}/v1/portfolio/risk?scenarios=1000&unemploymentShock=3`, {
        headers: { authorization: `Bearer ${adminKey}` },
      });
      if (body.decision === 'approve') {
        const report = (await risk.json()) as { loans: number; stress: { relation: { slope: number; from: string; to: string }; expectedLoss: number } };
        expect(report.loans).toBe(1);
        expect(report.stress.relation).toMatchObject({ from: '1985Q1', to: '2025Q3' });
        expect(report.stress.relation.slope).toBeCloseTo(0.0673, 4);
        expect(report.stress.expectedLoss).toBeGreaterThan(0);
      } else expect(risk.status).toBe(422);
      // The conversation runs on Workers too: free text in Spanish, stored, read back.
      const chat = await fetch(`http://127.0.0.1:${port}/v1/chat`, {
        method: 'POST',
        body: JSON.stringify({ language: 'es', text: 'Necesito 9.000 dólares a 5 años para la boda' }),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      });
      expect(chat.status).toBe(200);
      const talk = (await chat.json()) as { conversationId: string; answers: Record<string, unknown>; replies: { text: string }[] };
      expect(talk.answers).toEqual({ loanAmount: 9_000, termMonths: 60, purpose: 'wedding' });
      expect(talk.replies[0]!.text).toMatch(/^Entendido/);
      const again = await fetch(`http://127.0.0.1:${port}/v1/chat/${talk.conversationId}`, { headers: { authorization: `Bearer ${key}` } });
      expect(((await again.json()) as { answers: unknown }).answers).toEqual(talk.answers);
      // The cron trigger refreshes the FRED series into PostgreSQL.
      const cron = await fetch(`http://127.0.0.1:${port}/__scheduled?cron=${encodeURIComponent('0 6 * * *')}`);
      expect(cron.status).toBe(200);
      expect((await loadObservations(database.db, 'UNRATE')).length).toBeGreaterThan(200);
      expect((await loadObservations(database.db, 'CORCACBS')).length).toBeGreaterThan(60);
      // Champion/challenger on Workers: the bundled challenger is scored in shadow, and a promotion made
      // by another process reaches the Worker within its roles cache, without a redeploy.
      const { challenger } = JSON.parse(readFileSync('models/manifest.json', 'utf8'));
      const [shadow] = await database.db.select().from(shadowScores).where(eq(shadowScores.applicationId, body.applicationId));
      expect(shadow.modelVersion).toBe(challenger);
      expect((await promoteModel(database.db, challenger, 'test')).kind).toBe('changed');
      const decidedBy = async () =>
        (
          (await (
            await fetch(`http://127.0.0.1:${port}/v1/score`, {
              method: 'POST',
              body: JSON.stringify(sampleApplicant),
              headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
            })
          ).json()) as { modelVersion: string }
        ).modelVersion;
      const promotedAt = Date.now();
      while ((await decidedBy()) !== challenger) {
        expect(Date.now() - promotedAt).toBeLessThan(MODEL_ROLES_TTL_MS + 3_000);
        await new Promise((r) => setTimeout(r, 100));
      }
      const rollback = await fetch(`http://127.0.0.1:${port}/v1/models/rollback`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}` } });
      expect(rollback.status).toBe(200);
      expect(await decidedBy()).not.toBe(challenger);
    } finally {
      dev.stop();
      await fred.close();
      await database.close();
    }
  }, 120_000);
});
