import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveAtRate, groupLevels, modelFigures, observedFigures } from '../src/fairness/figures.ts';
import { assertGroupNotAnInput, DEFAULT_AUC_TOLERANCE, searchLda, type LdaCandidate } from '../src/fairness/lda.ts';
import type { ModelFairnessRun } from '../src/fairness/model-report.ts';
import { fairnessMarkdown, tradeoffFront, type FairnessRun } from '../src/fairness/report.ts';
import { fisherExact, katzRatio, newcombeDifference, wilson, zFor } from '../src/fairness/stats.ts';
import { loadModel } from '../src/model/load.ts';
import { estimatePd } from '../src/model/model.ts';
import { DEFAULT_FAIRNESS_OPTIONS, loadGroupedSet, runFairness, runModelFairness } from '../src/training/fairness.ts';
import { DEFAULT_TRAIN_OPTIONS, trainModel } from '../src/training/pipeline.ts';

/**
 * Fair-lending figures: hand-computed on a small table, the known HMDA gap, the
 * less-discriminatory-alternative search on HMDA, the group never an input, and the CLI's errors.
 */

const HMDA = 'datasets/hmda_boston.csv';
const REPORT_DIR = 'reports/fairness/hmda';

describe('statistics against published values', () => {
  it('Wilson intervals (Newcombe 1998, single proportions)', () => {
    const check = (k: number, n: number, low: number, high: number) => {
      const w = wilson(k, n);
      expect(w.low).toBeCloseTo(low, 4);
      expect(w.high).toBeCloseTo(high, 4);
    };
    check(81, 263, 0.2553, 0.3662);
    check(15, 148, 0.0624, 0.1605);
    check(0, 20, 0, 0.1611);
    check(1, 29, 0.0061, 0.1718);
  });

  it("Newcombe's hybrid score interval for a difference (his method 10)", () => {
    const check = (k1: number, n1: number, k2: number, n2: number, low: number, high: number) => {
      const d = newcombeDifference(k1, n1, k2, n2);
      expect(d.low).toBeCloseTo(low, 4);
      expect(d.high).toBeCloseTo(high, 4);
    };
    check(56, 70, 48, 80, 0.0524, 0.3339);
    check(9, 10, 3, 10, 0.1705, 0.809);
    check(5, 56, 0, 29, -0.0381, 0.1926);
  });

  it("Fisher's exact test, two-sided (the tea-tasting table: 34/70)", () => {
    expect(fisherExact(3, 1, 1, 3)).toBeCloseTo(34 / 70, 12);
    expect(fisherExact(5, 0, 0, 5)).toBeCloseTo(2 / 252, 12);
    expect(fisherExact(2, 2, 2, 2)).toBeCloseTo(1, 12);
  });
});

/**
 * 20 applicants: group A (reference, 12) and B (8). Outcome 1 = bad; PDs distinct, so a 75%
 * approval rate approves exactly the 15 lowest.
 */
const TABLE: [group: string, bad: number, pd: number][] = [
  ['A', 0, 0.01],
  ['A', 0, 0.02],
  ['A', 0, 0.03],
  ['A', 0, 0.04],
  ['A', 0, 0.05],
  ['A', 0, 0.06],
  ['A', 0, 0.07],
  ['A', 0, 0.08],
  ['A', 0, 0.5],
  ['A', 0, 0.09],
  ['A', 1, 0.1],
  ['A', 1, 0.6],
  ['B', 0, 0.11],
  ['B', 0, 0.12],
  ['B', 0, 0.13],
  ['B', 0, 0.55],
  ['B', 0, 0.65],
  ['B', 1, 0.14],
  ['B', 1, 0.7],
  ['B', 1, 0.8],
];
const groups = TABLE.map(([g]) => g);
const bad = TABLE.map(([, b]) => b);
const pd = TABLE.map(([, , p]) => p);

describe('fairness figures on a small table, by hand', () => {
  it('observed outcomes: approval rates, the AIR with its Katz interval, the gap with Fisher', () => {
    const o = observedFigures({ groups, bad });
    expect(o.levels.reference).toBe('A'); // the larger group
    expect(o.levels.levels).toEqual(['A', 'B']);
    expect(o.approvalRate).toBe(15 / 20);
    expect(o.approval.shares.A.rate).toBe(10 / 12);
    expect(o.approval.shares.B.rate).toBe(5 / 8);
    expect(o.bad.shares.B.count).toBe(3);
    const gap = o.approval.gaps[0];
    expect(gap.group).toBe('B');
    expect(gap.difference).toBeCloseTo(5 / 8 - 10 / 12, 12);
    expect(o.air).toBeCloseTo(0.75, 12); // (5/8) / (10/12)
    // Katz: exp(ln 0.75 ± z·√(1/5 − 1/8 + 1/10 − 1/12))
    const se = Math.sqrt(1 / 5 - 1 / 8 + 1 / 10 - 1 / 12);
    expect(gap.ratioLow).toBeCloseTo(0.75 * Math.exp(-1.959964 * se), 5);
    expect(gap.ratioHigh).toBeCloseTo(0.75 * Math.exp(1.959964 * se), 5);
    expect(gap.ratioLow).toBeCloseTo(0.4143, 4);
    expect(katzRatio(5, 8, 10, 12)).toEqual({ ratio: gap.ratio, low: gap.ratioLow, high: gap.ratioHigh });
    expect(gap.ratioHigh).toBeCloseTo(1.3576, 4);
    // Fisher, [[5, 3], [10, 2]]: margins 8 of 20 in B, 15 approved; C(15,x)·C(5,8−x)/C(20,8) for x = 3…8
    // is 455, 6825, 30030, 50050, 32175, 6435 (of 125,970); tables no likelier than x = 5: 3, 4, 5, 8.
    expect(gap.pValue).toBeCloseTo((455 + 6825 + 30030 + 6435) / 125970, 12);
    expect(zFor()).toBeCloseTo(1.959964, 6);
  });

  it("a model's decisions at the observed approval rate: AIR, true and false positive rates, calibration", () => {
    const decision = approveAtRate(pd, 0.75);
    expect(decision.cutoff).toBeCloseTo((0.5 + 0.55) / 2, 12); // the 15th and 16th lowest PDs
    expect(decision.approvalRate).toBe(0.75);
    const m = modelFigures({ groups, bad, pd, approvalRate: 0.75 });
    // Approved: A all but the 0.60 (11 of 12); B the 0.11, 0.12, 0.13 and 0.14 (4 of 8).
    expect(m.approval.shares.A.count).toBe(11);
    expect(m.approval.shares.B.count).toBe(4);
    expect(m.air).toBeCloseTo(0.5 / (11 / 12), 12);
    expect(m.airGroup).toBe('B');
    // Fisher, [[4, 4], [11, 1]]: x = 4 has 6825; no likelier: x = 3, 4, 8.
    expect(m.approval.gaps[0].pValue).toBeCloseTo((455 + 6825 + 6435) / 125970, 12);
    // True positive rate: approved among the good (A 10 of 10, B 3 of 5).
    expect(m.truePositive.shares.A.rate).toBe(1);
    expect(m.truePositive.shares.B.rate).toBe(3 / 5);
    expect(m.truePositive.gaps[0].difference).toBeCloseTo(-0.4, 12);
    // False positive rate: approved among the bad (A 1 of 2, B 1 of 3).
    expect(m.falsePositive.shares.A.rate).toBe(1 / 2);
    expect(m.falsePositive.shares.B.rate).toBe(1 / 3);
    // Calibration in the large: A Σ PD = 1.65 for 2 bads; B Σ PD = 3.20 for 3.
    const [a, b] = m.calibration.groups;
    expect(a.meanPd).toBeCloseTo(1.65 / 12, 12);
    expect(a.observedOverExpected).toBeCloseTo(2 / 1.65, 12);
    expect(b.meanPd).toBeCloseTo(0.4, 12);
    expect(b.observedOverExpected).toBeCloseTo(3 / 3.2, 12);
    // z = (2 − 1.65) / √Σ p(1 − p) = 0.35 / √1.0015 = 0.3497: two-sided p = 0.7265.
    expect(a.pValue).toBeCloseTo(0.7265, 3);
    // Bands: fifths of all 20 rows by PD (4 rows each), per group.
    const band1 = m.calibration.bands.filter((x) => x.band === 1);
    expect(band1).toEqual([expect.objectContaining({ group: 'A', n: 4, observedRate: 0 })]);
    const band5 = m.calibration.bands.filter((x) => x.band === 5);
    expect(band5.map((x) => [x.group, x.n, x.observedRate])).toEqual([
      ['A', 1, 1],
      ['B', 3, 2 / 3],
    ]);
  });

  it('the reference can be chosen, and a missing one is named', () => {
    expect(groupLevels(groups, 'B').levels).toEqual(['B', 'A']);
    expect(observedFigures({ groups, bad, reference: 'B' }).air).toBeCloseTo(10 / 12 / (5 / 8), 12);
    expect(() => groupLevels(groups, 'C')).toThrow('reference group "C" is not a value of the group column (values: A (12), B (8))');
    expect(() => groupLevels(['A', 'A'])).toThrow('only one value ("A")');
  });
});

describe('the less-discriminatory alternative search (unit)', () => {
  const c = (name: string, auc: number, air: number, features = ['x', 'y']): LdaCandidate => ({ name, family: 'f', dropped: [], features, auc, air });

  it('takes the highest AIR within the tolerance of the best AUC; the best model is a candidate, so the AIR never drops', () => {
    const list = [c('best', 0.8, 0.7), c('close', 0.796, 0.78), c('closer', 0.799, 0.74), c('far', 0.79, 0.9)];
    const r = searchLda(list, { group: 'g' });
    expect(r.tolerance).toBe(DEFAULT_AUC_TOLERANCE);
    expect(r.best.name).toBe('best');
    expect(r.chosen.name).toBe('close');
    expect(r.eligible.map((x) => x.name)).toEqual(['best', 'close', 'closer']);
    expect(searchLda(list, { group: 'g', tolerance: 0 }).chosen.name).toBe('best');
    expect(searchLda(list, { group: 'g', tolerance: 0.02 }).chosen.name).toBe('far');
    // Past parity the more accurate one wins.
    expect(searchLda([c('a', 0.8, 1.02), c('b', 0.799, 1.2)], { group: 'g' }).chosen.name).toBe('a');
  });

  it('the trade-off front keeps, at each AUC, the best AIR reachable', () => {
    const front = tradeoffFront([c('a', 0.8, 0.7), c('b', 0.79, 0.8), c('c', 0.78, 0.75), c('d', 0.7, 0.9)]);
    expect(front.map((x) => x.name)).toEqual(['a', 'b', 'd']);
  });

  it('the group column is never a feature: a candidate that reads it, or its missing flag, is refused', () => {
    expect(() => assertGroupNotAnInput(['pirat', 'afam'], 'afam')).toThrow('the group column "afam" is an input of a candidate model (afam)');
    expect(() => assertGroupNotAnInput(['pirat', 'afam_missing'], 'afam')).toThrow(/protected attribute may never be a model input/);
    expect(() => assertGroupNotAnInput(['pirat', 'afamily'], 'afam')).not.toThrow();
    expect(() => searchLda([c('ok', 0.8, 0.8), c('reads the group', 0.9, 0.9, ['x', 'g'])], { group: 'g' })).toThrow(/reads the group/);
  });
});

describe('HMDA (Boston, Munnell et al.): the observed denials', () => {
  it('denial 28.3% for Black applicants vs 9.3% for others; AIR on approval 0.79 with its interval', async () => {
    const set = await loadGroupedSet(HMDA, { target: 'deny', bad: 'yes', group: 'afam', exclude: [] });
    expect(set.records.length).toBe(2380);
    const o = observedFigures({ groups: set.groups, bad: set.y });
    expect(o.levels.reference).toBe('no');
    expect(o.levels.counts).toEqual({ no: 2041, yes: 339 });
    const denied = o.bad.shares;
    expect(denied.yes.count).toBe(96);
    expect(denied.no.count).toBe(189);
    expect(denied.yes.rate).toBeCloseTo(0.283, 3);
    expect(denied.no.rate).toBeCloseTo(0.093, 3);
    // Wilson intervals of the denial rates.
    expect(denied.yes.low).toBeCloseTo(0.238, 3);
    expect(denied.yes.high).toBeCloseTo(0.333, 3);
    expect(denied.no.low).toBeCloseTo(0.081, 3);
    expect(denied.no.high).toBeCloseTo(0.106, 3);
    const gap = o.approval.gaps[0];
    expect(o.air).toBeCloseTo(243 / 339 / (1852 / 2041), 12);
    expect(o.air).toBeCloseTo(0.79, 2);
    // Katz interval: 0.738–0.846, which reaches above 0.8; the gap itself is far from chance.
    expect(gap.ratioLow).toBeCloseTo(0.738, 3);
    expect(gap.ratioHigh).toBeCloseTo(0.846, 3);
    expect(gap.difference).toBeCloseTo(-0.191, 3);
    expect(gap.differenceLow).toBeCloseTo(-0.242, 3);
    expect(gap.differenceHigh).toBeCloseTo(-0.143, 3);
    expect(gap.pValue).toBeLessThan(1e-12);
  });

  it('the committed report states them, with the interval', () => {
    const report = readFileSync(join(REPORT_DIR, 'report.md'), 'utf8');
    expect(report).toContain('`deny` = yes for 28.3% of `afam` = yes applicants against 9.3% of `afam` = no');
    expect(report).toContain('adverse impact ratio **0.79** (95% interval 0.74–0.85)');
    expect(report).toContain('| `afam` = yes | 339 | 96 | 28.3% [23.8%, 33.3%] | 71.7% [66.7%, 76.2%] |');
    expect(report).toContain('| `afam` = yes | −19.1 pp [−24.2, −14.3] | 0.790 [0.738, 0.846] | fails (interval reaches 0.8) | < 0.0001 |');
    for (const chart of ['approval', 'error-rates', 'calibration', 'tradeoff', 'proxy']) {
      expect(report).toContain(`![charts/${chart}.svg](charts/${chart}.svg)`);
      expect(readFileSync(join(REPORT_DIR, 'charts', `${chart}.svg`), 'utf8')).toMatch(/^<svg/);
    }
  });
});

describe('HMDA: models, the less-discriminatory alternative and the proxy check', () => {
  let run: FairnessRun;
  beforeAll(async () => {
    run = await runFairness({ ...DEFAULT_FAIRNESS_OPTIONS, data: HMDA, target: 'deny', bad: 'yes', group: 'afam' });
  }, 60_000);

  it('returns an alternative within the AUC tolerance whose AIR is at least the best model’s', () => {
    const { lda } = run;
    expect(lda.candidates).toHaveLength(45); // 3 families × (all, 12 × drop one, 2 proxy subsets)
    expect(lda.tolerance).toBe(0.005);
    const topAuc = Math.max(...lda.candidates.map((c) => c.auc));
    expect(lda.best.auc).toBe(topAuc);
    expect(lda.chosen.auc).toBeGreaterThanOrEqual(lda.best.auc - lda.tolerance);
    expect(lda.chosen.air).toBeGreaterThanOrEqual(lda.best.air);
    for (const c of lda.eligible) expect(Math.min(c.air, 1)).toBeLessThanOrEqual(Math.min(lda.chosen.air, 1));
    // Every model approves as many as the lender did (88.0%).
    expect(run.observed.approvalRate).toBeCloseTo(2095 / 2380, 12);
    for (const c of lda.candidates) expect(c.approvalRate).toBeCloseTo(run.observed.approvalRate, 2);
    expect(run.bestFigures.air).toBe(lda.best.air);
    expect(run.chosenFigures.air).toBe(lda.chosen.air);
  });

  it('the group column is never a feature of any candidate', () => {
    expect(run.data.inputs).not.toContain('afam');
    expect(run.data.notInputs).toContainEqual({ name: 'afam', reason: 'the group column: never a model input' });
    for (const c of run.lda.candidates) {
      expect(c.features.length).toBeGreaterThan(0);
      expect(c.features.some((f) => f === 'afam' || f.startsWith('afam_'))).toBe(false);
    }
  });

  it('the proxy check: the inputs predict the group well above chance', () => {
    expect(run.proxy.groupDescription).toBe('afam ≠ no');
    for (const m of run.proxy.models) expect(m.low).toBeGreaterThan(0.65);
    expect(run.proxy.inputs).toHaveLength(run.data.inputs.length);
  });

  it('is deterministic: the committed report is what this run writes', () => {
    const committed = JSON.parse(readFileSync(join(REPORT_DIR, 'figures.json'), 'utf8')) as FairnessRun;
    const hint = 'regenerate with: npm run fairness -- --data datasets/hmda_boston.csv --target deny --bad yes --group afam --out reports/fairness/hmda';
    expect(committed.lda.best.name, hint).toBe(run.lda.best.name);
    expect(committed.lda.chosen.name, hint).toBe(run.lda.chosen.name);
    const byName = new Map(committed.lda.candidates.map((c) => [c.name, c]));
    for (const c of run.lda.candidates) {
      expect(byName.get(c.name)?.auc, `${c.name}: ${hint}`).toBeCloseTo(c.auc, 5);
      expect(byName.get(c.name)?.air, `${c.name}: ${hint}`).toBeCloseTo(c.air, 5);
    }
    const text = fairnessMarkdown(run, { command: 'x', charts: [] });
    const committedText = readFileSync(join(REPORT_DIR, 'report.md'), 'utf8');
    const section = (s: string) => s.slice(s.indexOf('## Summary'), s.indexOf('## Method'));
    expect(section(text), hint).toBe(section(committedText));
  });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/training/fairness-cli.ts', ...args],
      { timeout: 30_000, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        done({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
      },
    );
  });
}

describe('npm run fairness: one-line errors in our words', () => {
  const base = ['--data', HMDA, '--target', 'deny', '--bad', 'yes', '--workers', '0'];
  const columns = 'deny, pirat, hirat, lvrat, chist, mhist, phist, unemp, selfemp, insurance, condomin, afam, single, hschool';

  it('a group column that is not in the file, or no --group at all (the CLI itself)', async () => {
    const [absent, missing] = await Promise.all([cli([...base, '--group', 'race']), cli(base)]);
    expect(absent.code).toBe(1);
    expect(absent.stderr).toBe(`fairness: --group: column "race" is not in hmda_boston.csv (columns: ${columns})\n`);
    expect(absent.stdout).toBe('');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('fairness: --group: required: the column that says which group an applicant is in\n');
  });

  it('a target column that is not in the file, a reference that is not a group, a --bad that matches nothing', async () => {
    const options = { ...DEFAULT_FAIRNESS_OPTIONS, data: HMDA, target: 'deny', bad: 'yes', group: 'afam', workers: 0 };
    await expect(runFairness({ ...options, target: 'denied' })).rejects.toThrow(
      new Error(`--target: column "denied" is not in hmda_boston.csv (columns: ${columns})`),
    );
    await expect(runFairness({ ...options, reference: 'maybe' })).rejects.toThrow(
      new Error('--reference: "maybe" is not a value of "afam" (values: no (2,041), yes (339))'),
    );
    await expect(runFairness({ ...options, bad: 'denied' })).rejects.toThrow(
      new Error('--bad: "denied" matches no row of "deny"; values found: no (2,095), yes (285)'),
    );
    await expect(runFairness({ ...options, group: 'deny' })).rejects.toThrow(/^--group: "deny" is the outcome column/);
    await expect(runFairness({ ...options, data: 'datasets/no-such.csv' })).rejects.toThrow(new Error('--data: no such file: datasets/no-such.csv'));
  });
});

describe('npm run fairness -- --model: a trained model judged on a file with a group column', () => {
  const models = mkdtempSync(join(tmpdir(), 'lw-fairness-model-'));
  const reportDir = join(models, 'report');
  const args = ['--data', HMDA, '--target', 'deny', '--bad', 'yes', '--group', 'afam'];
  let version: string; // trained without afam
  let readsGroup: string; // trained with afam among its inputs
  let result: Run;
  let figures: ModelFairnessRun;
  // Recomputed here, from the model's own PDs, without the fairness code.
  let pd: number[];
  let group: string[];
  let denied: number[];

  beforeAll(async () => {
    const train = async (exclude: string[]) =>
      (
        await trainModel({
          ...DEFAULT_TRAIN_OPTIONS,
          data: HMDA,
          target: 'deny',
          bad: 'yes',
          exclude,
          grid: 'quick',
          folds: 3,
          workers: 2,
          out: models,
          promote: false,
        })
      ).version;
    version = await train(['afam']);
    readsGroup = await train([]);
    result = await cli([...args, '--model', version, '--models', models, '--out', reportDir]);
    figures = JSON.parse(readFileSync(join(reportDir, 'figures.json'), 'utf8')) as ModelFairnessRun;
    const model = loadModel(models, version);
    const rows = parse(readFileSync(HMDA), { columns: true }) as Record<string, string>[];
    pd = rows.map((r) => estimatePd(model, r).pd);
    group = rows.map((r) => r.afam);
    denied = rows.map((r) => (r.deny === 'yes' ? 1 : 0));
  }, 60_000);
  afterAll(() => rmSync(models, { recursive: true, force: true }));

  /** Counts over the rows `keep` selects, by group: n and how many `flag`. */
  const count = (flag: (i: number) => boolean, keep: (i: number) => boolean = () => true) => {
    const c = { no: { k: 0, n: 0 }, yes: { k: 0, n: 0 } } as Record<string, { k: number; n: number }>;
    pd.forEach((_, i) => {
      if (!keep(i)) return;
      c[group[i]].n++;
      if (flag(i)) c[group[i]].k++;
    });
    return c;
  };

  it('scores every row, approves as many as the lender did, and its AIR, rates and intervals are what the PDs give', () => {
    expect(result.stderr).not.toMatch(/^fairness:/m);
    expect(result.code).toBe(0);
    expect(figures.data.rowsUsed).toBe(2380);
    expect(figures.data.rowsRejected).toBe(0);
    expect(figures.model.version).toBe(version);
    expect(figures.model.inputs).not.toContain('afam');
    expect(figures.model.trainedOnThisFile).toBe(true);
    // The cut-off: the 2,095th and 2,096th lowest PDs (the lender approved 2,095 of 2,380).
    const sorted = [...pd].sort((a, b) => a - b);
    const cutoff = sorted[2094] < sorted[2095] ? (sorted[2094] + sorted[2095]) / 2 : sorted[2095];
    expect(figures.figures.cutoff).toBeCloseTo(cutoff, 5);
    expect(figures.decision).toEqual({ rule: 'approval rate', cutoff: figures.figures.cutoff });
    const approved = (i: number) => pd[i] < cutoff;
    const a = count(approved);
    expect(a.no.n).toBe(2041);
    expect(figures.figures.approval.shares.no.count).toBe(a.no.k);
    expect(figures.figures.approval.shares.yes.count).toBe(a.yes.k);
    const air = a.yes.k / a.yes.n / (a.no.k / a.no.n);
    const gap = figures.figures.approval.gaps[0];
    expect(gap.ratio).toBeCloseTo(air, 5);
    expect(figures.figures.air).toBeCloseTo(air, 5);
    // Katz log interval: exp(ln AIR ± 1.96·√(1/k₁ − 1/n₁ + 1/k₂ − 1/n₂)).
    const se = Math.sqrt(1 / a.yes.k - 1 / a.yes.n + 1 / a.no.k - 1 / a.no.n);
    expect(gap.ratioLow).toBeCloseTo(air * Math.exp(-1.959964 * se), 4);
    expect(gap.ratioHigh).toBeCloseTo(air * Math.exp(1.959964 * se), 4);
    expect(gap.pValue / fisherExact(a.yes.k, a.yes.n - a.yes.k, a.no.k, a.no.n - a.no.k)).toBeCloseTo(1, 4);
    // True positive rate among the approved-in-fact (deny = no), false positive rate among the denied.
    const tp = count(approved, (i) => denied[i] === 0);
    const fp = count(approved, (i) => denied[i] === 1);
    for (const g of ['no', 'yes']) {
      expect(figures.figures.truePositive.shares[g]).toMatchObject({ count: tp[g].k, n: tp[g].n });
      expect(figures.figures.falsePositive.shares[g]).toMatchObject({ count: fp[g].k, n: fp[g].n });
    }
    expect(fp.yes.n).toBe(96);
    // Calibration in the large: observed bads over Σ PD, by group.
    for (const g of ['no', 'yes']) {
      const rows = pd.map((_, i) => i).filter((i) => group[i] === g);
      const expected = rows.reduce((s, i) => s + pd[i], 0);
      const observed = rows.reduce((s, i) => s + denied[i], 0);
      const c = figures.figures.calibration.groups.find((x) => x.group === g)!;
      expect(c.meanPd).toBeCloseTo(expected / rows.length, 5);
      expect(c.observedOverExpected).toBeCloseTo(observed / expected, 4);
    }
    // ROC-AUC as the share of (denied, approved) pairs the PDs order right, ties counting half.
    let right = 0;
    for (let i = 0; i < pd.length; i++)
      if (denied[i] === 1) for (let j = 0; j < pd.length; j++) if (denied[j] === 0) right += pd[i] > pd[j] ? 1 : pd[i] === pd[j] ? 0.5 : 0;
    expect(figures.auc).toBeCloseTo(right / (285 * 2095), 5);
    // The observed figures are the lender's, as in the search's report.
    expect(figures.observed.air).toBeCloseTo(243 / 339 / (1852 / 2041), 5);
  });

  it('writes the report, the charts and a summary that state the same figures', () => {
    const report = readFileSync(join(reportDir, 'report.md'), 'utf8');
    const gap = figures.figures.approval.gaps[0];
    const air = `${gap.ratio.toFixed(3)} [${gap.ratioLow.toFixed(3)}, ${gap.ratioHigh.toFixed(3)}]`;
    expect(report).toContain(`# Fair-lending report: hmda_boston.csv, model ${version}`);
    expect(report).toContain(`| \`afam\` = yes | approval (AIR) | `);
    expect(report).toContain(`| ${air} |`);
    expect(report).toContain('| `afam` = yes | −19.1 pp [−24.2, −14.3] | 0.790 [0.738, 0.846] | fails (interval reaches 0.8) | < 0.0001 |');
    expect(report).toContain('**In-sample:**');
    for (const chart of ['approval', 'error-rates', 'calibration']) {
      expect(report).toContain(`![charts/${chart}.svg](charts/${chart}.svg)`);
      expect(readFileSync(join(reportDir, 'charts', `${chart}.svg`), 'utf8')).toMatch(/^<svg/);
    }
    expect(result.stdout).toContain(`model ${version}: AUC ${figures.auc.toFixed(4)} on 2,380 rows; approving 88.0%`);
    expect(result.stdout).toContain(`AIR ${air} for afam = yes`);
  });

  it('--cutoff P approves every PD under P', async () => {
    const run = await runModelFairness({ data: HMDA, target: 'deny', bad: 'yes', group: 'afam', model: version, models, cutoff: 0.2 });
    const a = count((i) => pd[i] < 0.2);
    expect(run.decision).toEqual({ rule: 'cut-off', cutoff: 0.2 });
    expect(run.figures.targetApprovalRate).toBeNull();
    expect(run.figures.approval.shares.yes.count).toBe(a.yes.k);
    expect(run.figures.approval.shares.no.count).toBe(a.no.k);
    expect(run.figures.approvalRate).toBeCloseTo((a.yes.k + a.no.k) / 2380, 12);
  });

  it('refuses, in one line, a model that reads the group column, an unknown version, and search options', async () => {
    const [reads, unknown, cutoffAlone, searchOption] = await Promise.all([
      cli([...args, '--model', readsGroup, '--models', models]),
      cli([...args, '--model', 'no-such-model', '--models', models]),
      cli([...args, '--cutoff', '0.2']),
      cli([...args, '--model', version, '--models', models, '--tolerance', '0.01']),
    ]);
    expect(reads.code).toBe(1);
    expect(reads.stderr).toBe(
      `fairness: --group: "afam" is an input of model ${readsGroup}: the protected attribute may never be a model input (train one without it: npm run train -- … --exclude afam)\n`,
    );
    expect(reads.stdout).toBe('');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(
      `fairness: --model: no model version "no-such-model" in ${models}/ (versions there: ${[version, readsGroup].sort().join(', ')})\n`,
    );
    expect(cutoffAlone.code).toBe(2);
    expect(cutoffAlone.stderr).toBe('fairness: --cutoff: only with --model VERSION\n');
    expect(searchOption.code).toBe(2);
    expect(searchOption.stderr).toBe('fairness: --tolerance: applies to the candidate search, not to --model\n');
  });
});

describe('layering', () => {
  it('src/fairness reaches no training code, no tree engine and no fitting library', () => {
    const IMPORT = /(?:import|export)\s+(?:type\s+)?(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]/g;
    const dir = resolve('src/fairness');
    for (const name of readdirSync(dir)) {
      const file = join(dir, name);
      for (const [, spec] of readFileSync(file, 'utf8').matchAll(IMPORT)) {
        if (spec.startsWith('.')) {
          const target = relative(resolve('.'), resolve(dirname(file), spec));
          expect(target, `${name} imports ${target}`).not.toMatch(/^src\/(training|forest)\//);
        } else expect(['ml-random-forest', 'ml-cart', 'quadprog', 'ml-matrix']).not.toContain(spec);
      }
    }
  });
});
