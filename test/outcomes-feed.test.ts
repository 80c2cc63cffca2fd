import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../db/client.ts';
import { seedModelRoles } from '../db/model-repository.ts';
import { outcomeRows, recordOutcome, type OutcomeRow } from '../db/outcome-repository.ts';
import { createKey, currentPolicy, registerModel } from '../db/repository.ts';
import { decisions } from '../db/schema.ts';
import { createApp } from '../src/api/app.ts';
import type { Applicant } from '../src/applicant/schema.ts';
import { streamLendingClub } from '../src/data/lendingclub.ts';
import { rocAuc } from '../src/evaluation/metrics.ts';
import { wilson } from '../src/fairness/stats.ts';
import { loadModel } from '../src/model/load.ts';
import { outcomePerformance, performanceLine, performanceReport, performanceWindow } from '../src/monitoring/performance.ts';
import type { HistoricalLoan } from '../src/portfolio/history.ts';
import { MIN_OUTCOMES, measuredDelay, replayReport, tuneSgd } from '../src/portfolio/replay.ts';
import { DEFAULT_SGD } from '../src/portfolio/sgd.ts';
import { riskBand } from '../src/scoring/policy.ts';
import { ENGINES, openTestDatabase, type Engine } from './support/databases.ts';

/**
 * Recorded outcomes feed the SGD lending policy (`npm run replay -- --outcomes`) and monitoring
 * (GET /v1/monitoring/performance, the outcomes line of /drift). Decisions are stored by scoring
 * real LendingClub applicants through the API, oldest loan first; each loan's outcome is the one
 * LendingClub recorded for it.
 *
 * SYNTHETIC timing: the file has no issue dates, and the API stamps decisions with today, so the
 * test moves the stored decision times back, evenly over the last 300 days, and dates each outcome
 * 45 days after its decision (today at the latest). Only the times are made up.
 */

const champion = loadModel('models');
const run = promisify(execFile);
const json = async (res: Response): Promise<any> => res.json();
const DAY_MS = 86_400_000;
const APPLICANTS = 700;
const SPREAD_DAYS = 300;
const OUTCOME_AFTER_DAYS = 45;
/** Recorded before the replay is first asked for: too few. */
const FIRST_BATCH = 150;

/** The newest `n` LendingClub loans, oldest first, with how each really ended. */
async function lendingClubBook(n: number): Promise<{ applicant: Applicant; bad: 0 | 1 }[]> {
  const out: { applicant: Applicant; bad: 0 | 1 }[] = [];
  for await (const loan of streamLendingClub('datasets/lendingclub_2007_2011.csv.gz')) {
    out.push({ applicant: loan.applicant, bad: loan.bad });
    if (out.length === n) break;
  }
  return out.reverse();
}

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The stored loans as the test prices them itself: instalment from the APR (annuity, in cents). */
function priced(rows: readonly OutcomeRow[]): { row: OutcomeRow; loan: HistoricalLoan }[] {
  return rows
    .filter((r) => r.amount !== null && r.termMonths !== null && r.apr !== null)
    .map((row, i) => {
      const amount = row.amount!;
      const n = row.termMonths!;
      const m = row.apr! / 12;
      const installment = Math.round(((amount * m) / (1 - (1 + m) ** -n)) * 100) / 100;
      return {
        row,
        loan: {
          id: row.applicationId,
          line: i + 1,
          amount,
          termMonths: n,
          rate: row.apr!,
          pd: row.pd,
          purpose: row.purpose ?? 'other',
          bad: row.bad,
          installment,
          grade: riskBand(row.pd),
        },
      };
    });
}

/** The delay by brute force: per loan, later loans decided before the end of its outcome's day; never (n) when after the last. */
function bruteDelay(rows: readonly OutcomeRow[]): number {
  const n = rows.length;
  const delays = rows.map((r, i) => {
    const known = Date.parse(`${r.outcomeAt}T00:00:00Z`) + DAY_MS;
    if (rows[n - 1].decidedAt.getTime() < known) return n;
    let count = 0;
    for (let j = i + 1; j < n; j++) if (rows[j].decidedAt.getTime() < known) count++;
    return count;
  });
  delays.sort((a, b) => a - b);
  return n % 2 ? delays[n >> 1] : Math.round((delays[(n >> 1) - 1] + delays[n >> 1]) / 2);
}

describe.each(ENGINES)('recorded outcomes feed the SGD replay and monitoring on %s', (engine: Engine) => {
  let database: Database;
  // PGlite on disk, so that the command can open it too (one process at a time).
  const dataDir = engine === 'pglite' ? mkdtempSync(join(tmpdir(), 'lw-feed-db-')) : undefined;
  const outDir = mkdtempSync(join(tmpdir(), 'lw-feed-out-'));
  let app: ReturnType<typeof createApp>;
  let adminKey: string;
  let scoreKey: string;
  let book: { applicationId: string; decision: string; bad: 0 | 1; decidedAt: Date }[];
  let recorded = 0;

  const open = async () => (engine === 'pglite' ? openDatabase({ dataDir: dataDir! }) : openTestDatabase(engine));
  const makeApp = () => createApp({ model: champion, db: () => database.db, keyCacheMs: 0 });
  const lent = () => book.filter((b) => b.decision !== 'decline');
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const outcomeDay = (decidedAt: Date) => day(new Date(Math.min(Date.now(), decidedAt.getTime() + OUTCOME_AFTER_DAYS * DAY_MS)));

  /** `npm run replay -- --outcomes …` on this database (PGlite: closed meanwhile, then opened again). */
  async function replayCommand(...args: string[]): Promise<CliResult> {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.DATABASE_URL;
    delete env.DATABASE_MIGRATION_URL;
    if (engine === 'postgres') env.DATABASE_URL = database.url!;
    else {
      env.DATA_DIR = dataDir!;
      await database.close();
    }
    try {
      return await run('npx', ['tsx', 'src/node/replay-cli.ts', '--outcomes', ...args], { env, maxBuffer: 16 * 1024 * 1024 }).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
      );
    } finally {
      if (engine === 'pglite') {
        database = await open();
        app = makeApp();
      }
    }
  }

  async function recordUpTo(count: number) {
    for (const b of lent().slice(recorded, count)) {
      const result = await recordOutcome(
        database.db,
        { applicationId: b.applicationId, outcome: b.bad ? 'defaulted' : 'repaid', at: outcomeDay(b.decidedAt) },
        'test',
      );
      expect(result.kind).toBe('recorded');
    }
    recorded = Math.min(count, lent().length);
  }

  beforeAll(async () => {
    database = await open();
    await registerModel(database.db, champion);
    await seedModelRoles(database.db, { champion: champion.version });
    app = makeApp();
    adminKey = (await createKey(database.db, { name: 'admin', scope: 'admin' }, 'test')).key;
    scoreKey = (await createKey(database.db, { name: 'partner', scope: 'score', ratePerMinute: 100_000 }, 'test')).key;
    const loans = await lendingClubBook(APPLICANTS);
    const start = Date.now() - SPREAD_DAYS * DAY_MS;
    book = [];
    for (const [i, loan] of loans.entries()) {
      const res = await app.request('/v1/score', {
        method: 'POST',
        body: JSON.stringify(loan.applicant),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${scoreKey}` },
      });
      expect(res.status).toBe(200);
      const body = await json(res);
      // SYNTHETIC timing: the i-th loan decided i/APPLICANTS of the way through the last 300 days.
      const decidedAt = new Date(start + Math.floor((i * SPREAD_DAYS * DAY_MS) / APPLICANTS));
      await database.db.update(decisions).set({ createdAt: decidedAt }).where(eq(decisions.applicationId, body.applicationId));
      book.push({ applicationId: body.applicationId, decision: body.decision, bad: loan.bad, decidedAt });
    }
    expect(lent().length).toBeGreaterThan(MIN_OUTCOMES + 50);
  }, 300_000);

  afterAll(async () => {
    await database?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    rmSync(outDir, { recursive: true, force: true });
  });

  it('with too few outcomes, the replay says how many there are and how many it needs, in one sentence, and exits 1', async () => {
    await recordUpTo(FIRST_BATCH);
    const rows = await outcomeRows(database.db);
    expect(rows).toHaveLength(FIRST_BATCH);
    const withPrice = rows.filter((r) => r.amount !== null && r.termMonths !== null && r.apr !== null).length;
    const unpriced = rows.length - withPrice;
    const result = await replayCommand('--out', join(outDir, 'too-few'));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim()).toBe(
      `${withPrice} loans have a recorded outcome${unpriced ? ` (and ${unpriced} more without a stored amount, term and APR)` : ''}; the replay needs at least 200.`,
    );
  }, 60_000);

  it('replays SGD and its baselines on the stored decisions with an outcome: the same figures as the replay functions on those rows', async () => {
    await recordUpTo(lent().length);
    const out = join(outDir, 'live');
    const result = await replayCommand('--out', out);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const written = JSON.parse(readFileSync(join(out, 'replay.json'), 'utf8'));
    const readme = readFileSync(join(out, 'README.md'), 'utf8');
    expect(readFileSync(join(out, 'cutoff.svg'), 'utf8')).toContain('<svg');
    expect(result.stdout.trim()).toBe(readme.trim());

    // Directly: the rows in decision order, priced here, the earlier half as the preceding period.
    const rows = await outcomeRows(database.db);
    expect(rows).toHaveLength(lent().length);
    const loans = priced(rows);
    const half = Math.floor(loans.length / 2);
    const before = loans.slice(0, half);
    const later = loans.slice(half);
    const delay = bruteDelay(later.map((l) => l.row));
    expect(measuredDelay(later.map((l) => l.row))).toBe(delay);
    // With outcomes 45 days on and ~2.3 loans a day, SGD learns within the period.
    expect(delay).toBeGreaterThan(50);
    expect(delay).toBeLessThan(later.length);
    const policy = (await currentPolicy(database.db)).policy;
    const tuning = tuneSgd(
      before.map((l) => l.loan),
      { ...DEFAULT_SGD, delay },
      policy,
    );
    const refitEvery = Math.max(1, delay, Math.ceil(later.length / 100));
    const report = replayReport(
      later.map((l) => l.loan),
      before.map((l) => l.loan),
      tuning.options,
      policy,
      refitEvery,
    );
    const direct = JSON.parse(JSON.stringify({ tuning, report }));
    expect(written.tuning).toEqual(direct.tuning);
    expect(written.report).toEqual(direct.report);
    expect(written).toMatchObject({
      delaySource: 'measured',
      outcomes: rows.length,
      unpriced: rows.length - loans.length,
      modelVersions: [champion.version],
      preceding: { from: day(before[0].row.decidedAt), to: day(before.at(-1)!.row.decidedAt) },
      replayed: { from: day(later[0].row.decidedAt), to: day(later.at(-1)!.row.decidedAt) },
    });
    // The figures themselves, from the loans' own profit (repaid: instalments − amount − funding; defaulted: −LGD × amount).
    const profit = (l: HistoricalLoan) =>
      l.bad ? -policy.lossGivenDefault * l.amount : l.installment * l.termMonths - l.amount - policy.fundingCost * l.amount * 0.5 * (l.termMonths / 12);
    const all = later.map((l) => l.loan);
    expect(written.report.approveAll.profit).toBeCloseTo(
      all.reduce((s, l) => s + profit(l), 0),
      6,
    );
    expect(written.report.approveAll.defaultRate).toBeCloseTo(all.filter((l) => l.bad).length / all.length, 12);
    const kept = all.filter((l) => l.pd < 0.25);
    expect(written.report.fixed.profit).toBeCloseTo(
      kept.reduce((s, l) => s + profit(l), 0),
      6,
    );
    expect(written.report.loans).toBe(later.length);
    expect(written.report.preceding.loans).toBe(before.length);
    expect(written.report.options.delay).toBe(delay);
    expect(written.report.sgd.finalCutoff).not.toBe(DEFAULT_SGD.initialCutoff);

    for (const phrase of ['# SGD lending policy replayed on recorded outcomes', 'Best fixed cut-off', 'Re-fitted cut-off', 'Does SGD still win?'])
      expect(readme).toContain(phrase);
    expect(readme).toContain(`${later.length} loans: the later half of the ${loans.length} stored decisions with a recorded outcome`);
    expect(readme).toContain(`Each outcome is revealed ${delay} loans after its decision (measured`);

    // Measured figures, for the record.
    const s = written.report.acrossSeeds;
    console.log(
      `[${engine}] outcomes ${rows.length} (replayed ${later.length}, delay ${delay}, refit every ${refitEvery}): SGD seed ${DEFAULT_SGD.seed} ${Math.round(written.report.sgd.profit)}, ` +
        `mean ${Math.round(s.meanProfit)} ± ${Math.round(s.sdProfit)}; fixed 25% ${Math.round(written.report.fixed.profit)}; ` +
        `best fixed ${(written.report.bestFixed.cutoff * 100).toFixed(1)}% ${Math.round(written.report.bestFixed.profit)}; ` +
        `re-fitted ${Math.round(written.report.refitted.profit)}; approve all ${Math.round(written.report.approveAll.profit)}`,
    );
  }, 180_000);

  it("GET /v1/monitoring/performance: by month of decision, the champion's default rate and mean PD as recomputed here, ROC-AUC where both outcomes occur", async () => {
    const get = (query: string, key = adminKey) => app.request(`/v1/monitoring/performance${query}`, { headers: { authorization: `Bearer ${key}` } });
    expect((await get('', scoreKey)).status).toBe(403);
    expect((await get('?months=0')).status).toBe(400);
    expect((await get('?months=61')).status).toBe(400);
    const res = await get('?months=12');
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.modelVersion).toBe(champion.version);
    expect(body.months).toHaveLength(12);

    // Recomputed from the rows: grouped by month of decision (UTC).
    const rows = await outcomeRows(database.db, { modelVersion: champion.version });
    const month = (d: Date) => d.toISOString().slice(0, 7);
    let seenOutcomes = 0;
    for (const m of body.months) {
      const inMonth = rows.filter((r) => month(r.decidedAt) === m.month);
      const loansMade = lent().filter((b) => month(b.decidedAt) === m.month).length;
      expect(m.loans).toBe(loansMade);
      expect(m.applications).toBe(inMonth.length);
      seenOutcomes += inMonth.length;
      if (inMonth.length === 0) {
        expect(m).toMatchObject({ defaultRate: null, meanPd: null, rocAuc: null, calibration: null });
        continue;
      }
      const k = inMonth.filter((r) => r.bad).length;
      expect(m.defaulted).toBe(k);
      expect(m.defaultRate).toBeCloseTo(k / inMonth.length, 5);
      expect(m.meanPd).toBeCloseTo(inMonth.reduce((s, r) => s + r.pd, 0) / inMonth.length, 5);
      const w = wilson(k, inMonth.length);
      expect(m.defaultRateInterval.low).toBeCloseTo(w.low, 5);
      expect(m.defaultRateInterval.high).toBeCloseTo(w.high, 5);
      expect(m.calibration).toBe(w.low > m.meanPd ? 'under-predicted' : w.high < m.meanPd ? 'over-predicted' : 'within');
      if (k > 0 && k < inMonth.length)
        expect(m.rocAuc).toBeCloseTo(
          rocAuc(
            inMonth.map((r) => r.bad),
            inMonth.map((r) => r.pd),
          ),
          3,
        );
      else expect(m.rocAuc).toBeNull();
    }
    // Every outcome falls in the window (decisions spread over the last 300 days), and the months with outcomes are several.
    expect(seenOutcomes).toBe(rows.length);
    expect(body.months.filter((m: { applications: number }) => m.applications > 0).length).toBeGreaterThanOrEqual(9);
    const k = rows.filter((r) => r.bad).length;
    expect(body.total).toMatchObject({ loans: lent().length, applications: rows.length, defaulted: k });
    expect(body.total.defaultRate).toBeCloseTo(k / rows.length, 5);
    expect(body.total.meanPd).toBeCloseTo(rows.reduce((s, r) => s + r.pd, 0) / rows.length, 5);
    expect(body.total.rocAuc).toBeCloseTo(
      rocAuc(
        rows.map((r) => r.bad),
        rows.map((r) => r.pd),
      ),
      3,
    );
    const expected = rows.reduce((s, r) => s + r.pd, 0);
    const variance = rows.reduce((s, r) => s + r.pd * (1 - r.pd), 0);
    expect(body.total.z).toBeCloseTo((k - expected) / Math.sqrt(variance), 3);
    console.log(
      `[${engine}] performance, last 12 months: ${body.total.applications} outcomes of ${body.total.loans} loans, default rate ${(body.total.defaultRate * 100).toFixed(2)}% ` +
        `[${(body.total.defaultRateInterval.low * 100).toFixed(2)}%, ${(body.total.defaultRateInterval.high * 100).toFixed(2)}%] vs mean PD ${(body.total.meanPd * 100).toFixed(2)}% ` +
        `(${body.total.calibration}, z ${body.total.z}), ROC-AUC ${body.total.rocAuc} [${body.total.rocAucInterval.low}, ${body.total.rocAucInterval.high}]; ` +
        `months with outcomes ${body.months.filter((m: { applications: number }) => m.applications > 0).length}\n${performanceLine(body, 12)}`,
    );

    // Documented, with the figures' meaning.
    const doc = await json(await app.request('/openapi.json'));
    expect(doc.paths['/v1/monitoring/performance'].get.summary).toMatch(/against recorded outcomes, by month of decision/);

    // Another version's decisions: none here.
    const other = await json(await get('?model=pd-none'));
    expect(other.total).toMatchObject({ loans: 0, applications: 0, defaultRate: null });
    // The chat's one line says the same.
    expect(performanceLine(body, 12)).toBe(
      `Outcomes (${champion.version}, last 12 months): ${rows.length} of ${lent().length} loans ended, default rate ${(body.total.defaultRate * 100).toFixed(1)}% ` +
        `[${(body.total.defaultRateInterval.low * 100).toFixed(1)}%, ${(body.total.defaultRateInterval.high * 100).toFixed(1)}%] vs mean PD ${(body.total.meanPd * 100).toFixed(1)}% ` +
        `(${body.total.calibration === 'within' ? 'as predicted' : body.total.calibration === 'under-predicted' ? 'more defaults than predicted' : 'fewer defaults than predicted'}), ROC-AUC ${body.total.rocAuc.toFixed(3)}.`,
    );
  }, 60_000);
});

describe('performance figures from sums (hand-checked)', () => {
  it('mid-ranks give the ROC-AUC with ties at ½; calibration against the Wilson interval', () => {
    // PDs 0.1 (good), 0.2 (bad), 0.2 (good), 0.4 (bad): mid-ranks 1, 2.5, 2.5, 4; bad ranks sum 6.5;
    // U = 6.5 − 2·3/2 = 3.5 of 2·2 = 4 pairs → 0.875, as the trapezoid area.
    const pd = [0.1, 0.2, 0.2, 0.4];
    const bad = [0, 1, 0, 1];
    const sums = {
      loans: 5,
      applications: 4,
      defaulted: 2,
      sumPd: 0.9,
      sumPdVariance: pd.reduce((s, p) => s + p * (1 - p), 0),
      defaultedRankSum: 6.5,
    };
    const p = outcomePerformance(sums);
    expect(p.rocAuc).toBe(0.875);
    expect(rocAuc(bad, pd)).toBeCloseTo(0.875, 12);
    expect(p.defaultRate).toBe(0.5);
    expect(p.meanPd).toBe(0.225);
    // Wilson 95% for 2 of 4: [0.150, 0.850], and 0.225 is inside.
    expect(p.defaultRateInterval!.low).toBeCloseTo(0.15, 3);
    expect(p.defaultRateInterval!.high).toBeCloseTo(0.85, 3);
    expect(p.calibration).toBe('within');
    // 60 defaults of 100 against a mean PD of 10%: far more than predicted.
    expect(outcomePerformance({ loans: 100, applications: 100, defaulted: 60, sumPd: 10, sumPdVariance: 9, defaultedRankSum: 60 * 70 }).calibration).toBe(
      'under-predicted',
    );
    // A month without outcomes: counts only.
    const window = performanceWindow(3, new Date('2026-03-15T12:00:00Z'));
    expect(window.months).toEqual(['2026-01', '2026-02', '2026-03']);
    expect(window.from.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(window.to.toISOString()).toBe('2026-04-01T00:00:00.000Z');
    const report = performanceReport('v', window, { months: [{ month: '2026-02', ...sums }], total: sums });
    expect(report.months.map((m) => m.applications)).toEqual([0, 4, 0]);
    expect(report.months[0]).toMatchObject({ loans: 0, defaultRate: null, rocAuc: null });
    expect(performanceLine(report, 3)).toBe(
      'Outcomes (v, last 3 months): 4 of 5 loans ended, default rate 50.0% [15.0%, 85.0%] vs mean PD 22.5% (as predicted), ROC-AUC 0.875.',
    );
  });
});
