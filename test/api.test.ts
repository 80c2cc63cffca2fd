import { beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createApp } from '../src/api/app.ts';
import { readEnv } from '../src/config.ts';
import { loadModel, type LoadedModel } from '../src/scoring/model.ts';
import { sampleApplicant } from './helpers.ts';

let model: LoadedModel;
let app: ReturnType<typeof createApp>;
beforeAll(() => {
  model = loadModel('models');
  app = createApp(model);
});

/** Response bodies are checked field by field. */
const json = async (res: Response): Promise<any> => res.json();
const post = (body: string) => app.request('/v1/score', { method: 'POST', body, headers: { 'content-type': 'application/json' } });

describe('HTTP API (in-process)', () => {
  it('scores a valid applicant with the current model', async () => {
    const res = await post(JSON.stringify(sampleApplicant));
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.modelVersion).toBe(model.version);
    expect(body.pd).toBeGreaterThan(0);
    expect(body.pd).toBeLessThan(1);
    expect(['approve', 'refer', 'decline']).toContain(body.decision);
    expect(body.score).toBeGreaterThanOrEqual(300);
    const riskier = await json(await post(JSON.stringify({ ...sampleApplicant, ficoScore: 640, inquiries6m: 8, annualIncome: 12_000 })));
    expect(riskier.pd).toBeGreaterThan(body.pd);
  });

  it('answers 400 naming every bad field, 413 for big bodies, 404 JSON for unknown routes', async () => {
    const bad = await post(JSON.stringify({ ...sampleApplicant, loanAmount: -1, termMonths: 12 }));
    expect(bad.status).toBe(400);
    expect((await json(bad)).issues.map((i: { field: string }) => i.field).sort()).toEqual(['loanAmount', 'termMonths']);
    const notJson = await post('{');
    expect(notJson.status).toBe(400);
    expect((await json(notJson)).issues[0].field).toBe('(body)');
    const big = await post(JSON.stringify({ ...sampleApplicant, pad: 'x'.repeat(20_000) }));
    expect(big.status).toBe(413);
    const missing = await app.request('/nope');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'not found' });
  });

  it('reports the current model and its metrics', async () => {
    const res = await app.request('/v1/models/current');
    const body = await json(res);
    expect(body.version).toBe(model.version);
    expect(body.metrics.test.forest.rocAuc).toBeGreaterThanOrEqual(0.72);
  });
});

describe('configuration', () => {
  it('validates the environment and names the variable', () => {
    expect(readEnv({}).PORT).toBe(8787);
    expect(() => readEnv({ PORT: 'eighty' })).toThrow(/PORT: /);
    expect(() => readEnv({ PORT: '70000' })).toThrow(/PORT: .*65535/);
  });
});

describe('npm start (Node server)', () => {
  it('serves /healthz and /v1/score over real HTTP', async () => {
    const port = 18_000 + Math.floor(Math.random() * 1000);
    const child = spawn('npx', ['tsx', 'src/server.ts'], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('Lendwise scoring') && resolve());
        child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
      });
      const health = await (await fetch(`http://127.0.0.1:${port}/healthz`)).json();
      expect(health).toEqual({ ok: true, modelVersion: model.version });
      const res = await fetch(`http://127.0.0.1:${port}/v1/score`, { method: 'POST', body: JSON.stringify(sampleApplicant), headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    } finally {
      child.kill();
    }
  });
});
