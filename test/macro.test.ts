import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client.ts';
import { loadObservations } from '../db/macro-repository.ts';
import { auditEntries } from '../db/repository.ts';
import { readEnv } from '../src/config.ts';
import { fredClient, FredError, MACRO_SERIES } from '../src/macro/fred.ts';
import { refreshMacro, storedMacroRelation } from '../src/macro/refresh.ts';
import { fitMacroRelation, stressPd } from '../src/macro/stress.ts';
import { ENGINES, openTestDatabase } from './support/databases.ts';
import { FAKE_FRED_KEY, startFakeFred } from './support/fake-fred.ts';
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
    const odd = fredClient({ apiKey: FAKE_FRED_KEY, apiRoot: fred.url, fetch: async () => Response.json({ observations: [{ date: '2020/01/01', value: '1' }] }) });
    await expect(odd.observations('UNRATE')).rejects.toThrow(/observations\.0\.date: a YYYY-MM-DD date/);
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
