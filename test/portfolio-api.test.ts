import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lendingClubApplicants } from './support/lendingclub-book.ts';
import type { Database } from '../db/client.ts';
import { createKey, registerModel } from '../db/repository.ts';
import { saveObservations } from '../db/macro-repository.ts';
import { createApp } from '../src/api/app.ts';
import { MACRO_SERIES } from '../src/macro/fred.ts';
import { loadModel } from '../src/model/load.ts';
import { ENGINES, openTestDatabase } from './support/databases.ts';
import { syntheticMacroSeries } from './support/macro.ts';

const model = loadModel('models');
const json = async (res: Response): Promise<any> => res.json();

/** Real applicants: the latest 60 LendingClub loans in datasets/. */
describe.each(ENGINES)('portfolio API on %s', (engine) => {
  let database: Database;
  let app: ReturnType<typeof createApp>;
  let admin: Record<string, string>;
  let scorer: Record<string, string>;
  const approved: number[] = [];

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    await registerModel(database.db, model);
    app = createApp({ model, db: () => database.db, keyCacheMs: 0 });
    admin = { authorization: `Bearer ${(await createKey(database.db, { name: 'lender', scope: 'admin' }, 'test')).key}`, 'content-type': 'application/json' };
    scorer = { authorization: `Bearer ${(await createKey(database.db, { name: 'partner', scope: 'score' }, 'test')).key}`, 'content-type': 'application/json' };
    for (const applicant of await lendingClubApplicants(60)) {
      const res = await app.request('/v1/score', { method: 'POST', headers: scorer, body: JSON.stringify(applicant) });
      const body = await json(res);
      if (body.decision === 'approve') approved.push(body.offer.amount);
    }
    expect(approved.length).toBeGreaterThan(5);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('is for admin keys only', async () => {
    const res = await app.request('/v1/portfolio/frontier', { headers: scorer });
    expect(res.status).toBe(403);
    expect((await app.request('/v1/portfolio/risk')).status).toBe(401);
  });

  it('draws the efficient frontier of the stored book with the current book on it', async () => {
    const body = await json(await app.request('/v1/portfolio/frontier?purposeLimit=0.6', { headers: admin }));
    expect(body.points).toHaveLength(50);
    expect(body.budget).toBeCloseTo(
      approved.reduce((s, v) => s + v, 0),
      6,
    );
    expect(body.current.amount).toBeCloseTo(body.budget, 6);
    const minRisk = body.points[0].risk;
    const maxReturn = body.points[49].expectedReturn;
    expect(body.current.risk).toBeGreaterThanOrEqual(minRisk - 1e-6);
    expect(body.current.expectedReturn).toBeLessThanOrEqual(maxReturn + 1e-6);
    const chart = await app.request('/v1/portfolio/frontier?format=svg&points=10', { headers: admin });
    expect(chart.headers.get('content-type')).toContain('image/svg+xml');
    const svg = await chart.text();
    expect(svg).toContain('<svg');
    expect(svg).toContain('approvals');
  });

  it("allocates today's candidates with the book approved before held fixed: the whole book's risk is what is minimised", async () => {
    // The approvals so far are the existing book; the candidates are those decided since now.
    await new Promise((r) => setTimeout(r, 20));
    const since = new Date().toISOString();
    const existing = approved.reduce((s, v) => s + v, 0);
    for (const applicant of (await lendingClubApplicants(90)).slice(60)) {
      const scored = await json(await app.request('/v1/score', { method: 'POST', headers: scorer, body: JSON.stringify(applicant) }));
      if (scored.decision === 'approve') approved.push(scored.offer.amount);
    }
    const frontier = await json(await app.request(`/v1/portfolio/frontier?points=10&since=${encodeURIComponent(since)}`, { headers: admin }));
    expect(frontier.fixedExposure).toBeCloseTo(existing, 0);
    expect(frontier.points).toHaveLength(10);
    for (const p of frontier.points) {
      // The whole book is larger than the new money: its risk per unit is not the new money's.
      expect(p.bookRisk).not.toBeCloseTo(p.risk, 6);
      expect(p.bookRisk).toBeGreaterThan(0);
    }
    // Along the frontier, more return never comes with less whole-book risk.
    for (let i = 1; i < frontier.points.length; i++) expect(frontier.points[i].bookRisk).toBeGreaterThanOrEqual(frontier.points[i - 1].bookRisk - 1e-9);
    const res = await app.request('/v1/portfolio/optimise', { method: 'POST', headers: admin, body: JSON.stringify({ since, limits: {} }) });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.book.exposure).toBeCloseTo(body.budget + frontier.fixedExposure, 0);
    // Candidates are today's applications only.
    expect(body.loans).toBeLessThanOrEqual(30);
  });

  it('optimises the stored book under limits, spending the budget', async () => {
    const res = await app.request('/v1/portfolio/optimise', {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ limits: { purpose: 0.6, riskBand: 0.7 } }),
    });
    expect(res.status).toBe(200);
    const body = await json(res);
    const spent = body.allocations.reduce((s: number, a: { funded: number }) => s + a.funded, 0);
    expect(Math.abs(spent - body.budget)).toBeLessThan(1);
    for (const share of Object.values(body.byPurpose) as number[]) expect(share).toBeLessThanOrEqual(0.6 + 1e-6);
    for (const share of Object.values(body.byRiskBand) as number[]) expect(share).toBeLessThanOrEqual(0.7 + 1e-6);
    for (const a of body.allocations) expect(a.funded).toBeLessThanOrEqual(a.amount + 0.01);
    expect(body.objective).toMatch(/per unit of risk/);
  });

  it('optimises an uploaded book for a target return, and explains what cannot be done', async () => {
    const loans = [
      { id: 'a', amount: 10_000, termMonths: 36, rate: 0.09, pd: 0.05, purpose: 'car' },
      { id: 'b', amount: 10_000, termMonths: 36, rate: 0.15, pd: 0.15, purpose: 'credit_card' },
      { id: 'c', amount: 10_000, termMonths: 60, rate: 0.2, pd: 0.3, purpose: 'small_business' },
    ];
    const ok = await json(
      await app.request('/v1/portfolio/optimise', { method: 'POST', headers: admin, body: JSON.stringify({ loans, budget: 15_000, targetReturn: 0.03 }) }),
    );
    expect(ok.expectedReturn).toBeGreaterThanOrEqual(0.03 - 1e-6);
    const bad = await app.request('/v1/portfolio/optimise', { method: 'POST', headers: admin, body: JSON.stringify({ loans, budget: -5 }) });
    expect(bad.status).toBe(400);
    expect((await json(bad)).issues).toContainEqual(expect.objectContaining({ field: 'budget' }));
    const impossible = await app.request('/v1/portfolio/optimise', {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ loans, budget: 25_000, limits: { purpose: 0.3 } }),
    });
    expect(impossible.status).toBe(422);
    expect((await json(impossible)).error).toMatch(/purpose limits let at most 22500/);
  });

  it('reports Basel capital, large-pool losses and their Monte Carlo check for the current book, seeded', async () => {
    const body = await json(await app.request('/v1/portfolio/risk?scenarios=100000&seed=7', { headers: admin }));
    expect(body.loans).toBe(approved.length);
    const segments = body.basel.bySegment as { loans: number; exposure: number; capital: number }[];
    expect(segments.reduce((s, g) => s + g.loans, 0)).toBe(approved.length);
    expect(segments.reduce((s, g) => s + g.exposure, 0)).toBeCloseTo(
      approved.reduce((s, v) => s + v, 0),
      0,
    );
    expect(segments.reduce((s, g) => s + g.capital, 0)).toBeCloseTo(body.basel.capital, 0);
    const pool = body.largePool;
    expect(pool.expectedLoss).toBeCloseTo(body.monteCarlo.analyticExpectedLoss, 0);
    expect(pool.var999).toBeGreaterThan(pool.var99);
    expect(pool.es999).toBeGreaterThan(pool.var999);
    // A book of a few dozen loans is far from granular: the check, which counts name concentration, is above the large-pool VaR.
    expect(body.monteCarlo.var999).toBeGreaterThan(pool.var999);
    const mc = body.monteCarlo;
    expect(mc.scenarios).toBe(100_000);
    expect(Math.abs(mc.expectedLoss - mc.analyticExpectedLoss)).toBeLessThan(4 * mc.standardError);
    expect(mc.analyticExpectedLoss).toBeCloseTo(body.basel.expectedLoss, 0);
    expect(mc.var999).toBeGreaterThanOrEqual(mc.var99);
    expect(mc.es99).toBeGreaterThanOrEqual(mc.var99);
    expect(mc.histogram.reduce((s: number, b: { count: number }) => s + b.count, 0)).toBe(100_000);
    const again = await json(await app.request('/v1/portfolio/risk?scenarios=100000&seed=7', { headers: admin }));
    expect(again.monteCarlo.var999).toBe(mc.var999);
    const chart = await app.request('/v1/portfolio/risk?format=svg&scenarios=1000', { headers: admin });
    expect(await chart.text()).toContain('VaR 99.9%');
  });

  it('stresses PDs with the stored unemployment → charge-off relation, and says when there is none', async () => {
    const none = await json(await app.request('/v1/portfolio/risk?scenarios=2000&unemploymentShock=3', { headers: admin }));
    expect(none.stress.unavailable).toMatch(/FRED_API_KEY/);
    const { unemployment, chargeOffs } = syntheticMacroSeries();
    await saveObservations(database.db, MACRO_SERIES.unemployment, unemployment);
    await saveObservations(database.db, MACRO_SERIES.chargeOffs, chargeOffs);
    const body = await json(await app.request('/v1/portfolio/risk?scenarios=20000&unemploymentShock=3', { headers: admin }));
    expect(body.stress.relation.slope).toBeGreaterThan(0);
    expect(body.stress.expectedLoss).toBeGreaterThan(body.largePool.expectedLoss);
    expect(body.stress.capital).toBeGreaterThan(0);
  });
});
