import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '../db/client.ts';
import { loadObservations } from '../db/macro-repository.ts';
import { auditEntries, createKey } from '../db/repository.ts';
import { readEnv } from '../src/config/env.ts';
import { streamLendingClub } from '../src/data/lendingclub.ts';
import { fredClient, FredError, MACRO_SERIES } from '../src/macro/fred.ts';
import { RECORDED_SERIES, seedRecordedMacro } from '../src/macro/recorded.ts';
import { refreshMacro, storedMacroRelation } from '../src/macro/refresh.ts';
import { fitMacroRelation, stressPd } from '../src/macro/stress.ts';
import { start, type Running } from '../src/node/start.ts';
import { ENGINES, openTestDatabase } from './support/databases.ts';
import { FAKE_FRED_KEY, startFakeFred } from './support/fake-fred.ts';
import { FakeTelegram, textUpdate } from './support/fake-telegram.ts';
import { SYNTHETIC_SLOPE, syntheticMacroSeries } from './support/macro.ts';

let fred: Awaited<ReturnType<typeof startFakeFred>>;
beforeAll(async () => {
  fred = await startFakeFred();
});
afterAll(async () => {
  await fred.close();
});

describe('FRED client', () => {
  it('asks for JSON observations with the key and skips missing values', async () => {
    const client = fredClient({ apiKey: FAKE_FRED_KEY, apiRoot: fred.url });
    const observations = await client.observations(MACRO_SERIES.unemployment);
    expect(observations).toHaveLength(syntheticMacroSeries().unemployment.length);
    expect(observations.every((o) => Number.isFinite(o.value))).toBe(true);
    const asked = fred.requests.at(-1)!;
    expect(asked.searchParams.get('series_id')).toBe('UNRATE');
    expect(asked.searchParams.get('file_type')).toBe('json');
  });

  it("reports FRED's own error message, and answers that are not FRED's shape", async () => {
    await expect(fredClient({ apiKey: 'x'.repeat(32), apiRoot: fred.url }).observations('UNRATE')).rejects.toThrow(/HTTP 400: .*api_key is not registered/);
    await expect(fredClient({ apiKey: FAKE_FRED_KEY, apiRoot: fred.url }).observations('NOPE')).rejects.toThrow(FredError);
    const odd = fredClient({
      apiKey: FAKE_FRED_KEY,
      apiRoot: fred.url,
      fetch: async () => Response.json({ observations: [{ date: '2020/01/01', value: '1' }] }),
    });
    await expect(odd.observations('UNRATE')).rejects.toThrow(/observations\.0\.date: a YYYY-MM-DD date/);
  });

  it('gets each answer on a connection of its own (no pooled keep-alive socket to race the server closing it)', async () => {
    // A reused idle socket made `macro refresh into pglite` fail with ECONNRESET after a long event-loop
    // stall (see startFakeFred): every answer now says Connection: close and the socket is closed after it.
    const before = fred.connections();
    const client = fredClient({ apiKey: FAKE_FRED_KEY, apiRoot: fred.url });
    for (let i = 0; i < 3; i++) await client.observations(MACRO_SERIES.chargeOffs);
    expect(fred.connections() - before).toBe(3);
    const res = await fetch(`${fred.url}/fred/series/observations?series_id=UNRATE&api_key=${FAKE_FRED_KEY}&file_type=json`);
    expect(res.headers.get('connection')).toBe('close');
    await res.arrayBuffer();
  });

  it('validates the key in the environment, naming the variable', () => {
    expect(() => readEnv({ FRED_API_KEY: 'short' })).toThrow(/FRED_API_KEY: must be a 32-character/);
    expect(readEnv({ FRED_API_KEY: FAKE_FRED_KEY }).MACRO_REFRESH_HOURS).toBe(24);
  });
});

describe('unemployment → charge-off stress', () => {
  it('recovers the log-odds slope the synthetic series were built with', () => {
    const { unemployment, chargeOffs } = syntheticMacroSeries();
    const relation = fitMacroRelation(unemployment, chargeOffs);
    expect(relation.quarters).toBe(80);
    expect(Math.abs(relation.slope - SYNTHETIC_SLOPE)).toBeLessThan(0.01);
    expect(relation.rSquared).toBeGreaterThan(0.99);
  });

  it('shifts PDs by slope × shock in log-odds', () => {
    const stress = stressPd({ slope: 0.2 }, 3);
    const pd = 0.1;
    expect(Math.log(stress(pd) / (1 - stress(pd))) - Math.log(pd / (1 - pd))).toBeCloseTo(0.6, 12);
    expect(stressPd({ slope: 0.2 }, 0)(0.1)).toBeCloseTo(0.1, 15);
    expect(() => fitMacroRelation([], [])).toThrow(/at least 8/);
  });
});

describe.each(ENGINES)('macro refresh into %s', (engine) => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase(engine);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('stores both series, idempotently, and fits the relation from storage', async () => {
    expect(await storedMacroRelation(database.db)).toEqual({ unavailable: expect.stringMatching(/npm run macro:refresh/) });
    const client = fredClient({ apiKey: FAKE_FRED_KEY, apiRoot: fred.url });
    const first = await refreshMacro(database.db, client, 'test');
    const second = await refreshMacro(database.db, client, 'test');
    expect(second).toEqual(first);
    expect(await loadObservations(database.db, 'UNRATE')).toHaveLength(first.UNRATE);
    expect(await loadObservations(database.db, 'CORCACBS')).toHaveLength(first.CORCACBS);
    const relation = await storedMacroRelation(database.db);
    expect('slope' in relation && Math.abs(relation.slope - SYNTHETIC_SLOPE)).toBeLessThan(0.01);
    const audit = await auditEntries(database.db);
    expect(audit.filter((e) => e.action === 'macro.refresh')).toHaveLength(2);
  });
});

describe('recorded FRED series shipped in datasets/fred/', () => {
  it('are the real recordings: UNRATE monthly 1948-01 to 2025-09, CORCACBS quarterly 1985 Q1 to 2026 Q2, as the CSV copies say', () => {
    const unemployment = RECORDED_SERIES[MACRO_SERIES.unemployment];
    const chargeOffs = RECORDED_SERIES[MACRO_SERIES.chargeOffs];
    expect(unemployment).toHaveLength(933);
    expect(chargeOffs).toHaveLength(166);
    expect([unemployment[0], unemployment.at(-1)]).toEqual([
      { date: '1948-01-01', value: 3.4 },
      { date: '2025-09-01', value: 4.4 },
    ]);
    expect([chargeOffs[0], chargeOffs.at(-1)]).toEqual([
      { date: '1985-01-01', value: 0.82 },
      { date: '2026-04-01', value: 2.66 },
    ]);
    // Spot checks from PROVENANCE.md: 2009-10 unemployment 10.0%, the 2010 Q1 charge-off peak 6.60%.
    expect(unemployment.find((o) => o.date === '2009-10-01')?.value).toBe(10);
    expect(Math.max(...chargeOffs.map((o) => o.value))).toBe(6.6);
    for (const [id, series] of Object.entries(RECORDED_SERIES)) {
      const [header, ...rows] = readFileSync(`datasets/fred/${id}.csv`, 'utf8').trim().split('\n');
      expect(header).toBe('DATE,VALUE');
      expect(rows.map((r) => ({ date: r.split(',')[0], value: Number(r.split(',')[1]) }))).toEqual(series);
    }
  });

  it('give a positive, finite unemployment → charge-off slope: 0.067 log-odds per point over 163 quarters, 1985Q1–2025Q3', () => {
    const relation = fitMacroRelation(RECORDED_SERIES[MACRO_SERIES.unemployment], RECORDED_SERIES[MACRO_SERIES.chargeOffs]);
    expect(Number.isFinite(relation.slope)).toBe(true);
    expect(relation.slope).toBeGreaterThan(0);
    expect(relation.slope).toBeCloseTo(0.0673, 4);
    expect(relation).toMatchObject({ quarters: 163, from: '1985Q1', to: '2025Q3' });
    // A weak fit (R² ≈ 0.09): charge-offs also moved with things unemployment does not capture (README, "The portfolio").
    expect(relation.rSquared).toBeCloseTo(0.086, 3);
  });
});

/** Scores real applicants (the latest LendingClub loans) through the running server's API. */
async function scoreApplicants(running: Running, key: string, n: number): Promise<void> {
  let scored = 0;
  for await (const loan of streamLendingClub('datasets/lendingclub_2007_2011.csv.gz')) {
    const res = await fetch(`${running.url}/v1/score`, {
      method: 'POST',
      body: JSON.stringify(loan.applicant),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    if (++scored === n) break;
  }
}

describe.each(ENGINES)('recorded FRED series stored at start-up, on %s', (engine) => {
  it('stores them once, so /v1/portfolio/risk?unemploymentShock=3 and /portfolio in chat answer with stressed figures; a FRED refresh still overwrites them', async () => {
    const ADMIN = 9001;
    const SECRET = 'recorded-series-secret';
    const telegram = await new FakeTelegram().start();
    const fresh = engine === 'postgres' ? await openTestDatabase('postgres') : undefined;
    const env = {
      ...readEnv({
        ...(fresh ? { DATABASE_URL: fresh.url } : { DATA_DIR: mkdtempSync(join(tmpdir(), 'lw-data-')) }),
        MACRO_REFRESH_HOURS: '0',
        TELEGRAM_BOT_TOKEN: '123456:RECORDED-SERIES',
        TELEGRAM_API_ROOT: telegram.url,
        TELEGRAM_WEBHOOK_URL: 'https://lendwise.example/telegram/webhook',
        TELEGRAM_WEBHOOK_SECRET: SECRET,
        BOT_ADMIN_IDS: String(ADMIN),
      }),
      PORT: 0,
    };
    let running = await start(env);
    try {
      const db = () => running.database.db;
      expect(await loadObservations(db(), 'UNRATE')).toHaveLength(933);
      expect(await loadObservations(db(), 'CORCACBS')).toHaveLength(166);
      const relation = await storedMacroRelation(db());
      expect('slope' in relation && relation.slope).toBeCloseTo(0.0673, 4);

      const { key: scorer } = await createKey(db(), { name: 'partner', scope: 'score' }, 'test');
      const { key: admin } = await createKey(db(), { name: 'lender', scope: 'admin' }, 'test');
      await scoreApplicants(running, scorer, 40);
      const risk = (await (
        await fetch(`${running.url}/v1/portfolio/risk?scenarios=20000&unemploymentShock=3`, { headers: { authorization: `Bearer ${admin}` } })
      ).json()) as any;
      expect(risk.loans).toBeGreaterThan(2);
      expect(risk.stress.unavailable).toBeUndefined();
      expect(risk.stress.relation).toMatchObject({ from: '1985Q1', to: '2025Q3', quarters: 163 });
      expect(risk.stress.relation.slope).toBeCloseTo(0.0673, 4);
      // +3 points of unemployment: PD odds × e^(3 × 0.067) ≈ 1.22, so every figure rises.
      expect(risk.stress.expectedLoss).toBeGreaterThan(risk.monteCarlo.expectedLoss);
      // (Not VaR 99.9%: on a handful of loans and 20,000 scenarios it moves in whole-loan steps, and the
      // stressed and base runs do not share their random draws, so either can come out higher.)
      expect(risk.stress.capital).toBeGreaterThan(risk.basel.capital);

      const update = await fetch(`${running.url}/telegram/webhook`, {
        method: 'POST',
        body: JSON.stringify(textUpdate(ADMIN, '/portfolio')),
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
      });
      expect(update.status).toBe(200);
      const answer = telegram.textsTo(ADMIN).find((t) => t.startsWith('Book:')) ?? '';
      expect(answer).toMatch(/Stress \(unemployment \+3 points, 1985Q1–2025Q3 relation\): expected loss \$[\d,]+, VaR 99\.9% \$[\d,]+, capital \$[\d,]+\./);

      // Seeding again, and starting again on the same database, stores nothing twice.
      expect(await seedRecordedMacro(db())).toEqual({ UNRATE: 0, CORCACBS: 0 });
      await running.stop();
      running = await start(env);
      expect(await loadObservations(db(), 'UNRATE')).toHaveLength(933);
      expect(await loadObservations(db(), 'CORCACBS')).toHaveLength(166);
      expect((await auditEntries(db(), 1000)).filter((e) => e.action === 'macro.seed')).toHaveLength(1);

      // A refresh from FRED overwrites the recorded values it returns, and a later start-up leaves them.
      await refreshMacro(db(), fredClient({ apiKey: FAKE_FRED_KEY, apiRoot: fred.url }), 'test');
      const synthetic = syntheticMacroSeries().unemployment.find((o) => o.date === '2009-10-01')!;
      const stored = async () => (await loadObservations(db(), 'UNRATE')).find((o) => o.date === '2009-10-01')?.value;
      expect(await stored()).toBe(synthetic.value);
      expect(await seedRecordedMacro(db())).toEqual({ UNRATE: 0, CORCACBS: 0 });
      expect(await stored()).toBe(synthetic.value);
    } finally {
      await running.stop();
      await telegram.stop();
      await fresh?.close();
    }
  }, 180_000);
});
