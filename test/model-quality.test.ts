import { beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { streamLendingClub, type LendingClubLoan } from '../src/data/lendingclub.ts';
import { brier, rocAuc } from '../src/evaluation/metrics.ts';
import { loadModel } from '../src/model/load.ts';
import { estimatePd, ModelLoadError, type LoadedModel } from '../src/model/model.ts';
import { pdToScore, scoreToPd } from '../src/scoring/scale.ts';
import { decide } from '../src/scoring/policy.ts';

// The committed model, judged on the latest 20% of LendingClub 2007–2011 loans, which it never saw.
let model: LoadedModel;
let latest: LendingClubLoan[];

beforeAll(async () => {
  model = loadModel('models');
  const loans: LendingClubLoan[] = [];
  for await (const loan of streamLendingClub('datasets/lendingclub_2007_2011.csv.gz')) loans.push(loan);
  latest = loans.slice(0, Math.round(loans.length * 0.2));
});

describe('the shipped model', () => {
  it('was trained on the older 80% only (out-of-time split recorded in its metrics)', () => {
    const split = (model.metrics.data as { split: { kind: string; testFraction: number; testRows: number } }).split;
    expect(split).toMatchObject({ kind: 'head', testFraction: 0.2, testRows: latest.length });
    expect(model.spec.kind).toBe('applicant');
  });

  it('reaches ROC-AUC >= 0.735 on the latest 20% with applicant-only inputs, beating the logistic baseline', () => {
    const y = latest.map((l) => l.bad);
    const scored = latest.map((l) => estimatePd(model, l.applicant));
    const auc = rocAuc(
      y,
      scored.map((s) => s.pd),
    );
    expect(auc).toBeGreaterThanOrEqual(0.735);
    expect(auc).toBeGreaterThan(
      rocAuc(
        y,
        scored.map((s) => s.baselinePd),
      ),
    );
    // What the model card reports is what we measure here.
    expect(auc).toBeCloseTo(model.metrics.test.champion.rocAuc, 4);
  });

  it("gives calibrated PDs: Brier <= 0.162 and no worse than the logistic baseline's", () => {
    const y = latest.map((l) => l.bad);
    const scored = latest.map((l) => estimatePd(model, l.applicant));
    const shippedBrier = brier(
      y,
      scored.map((s) => s.pd),
    );
    expect(shippedBrier).toBeLessThanOrEqual(0.162);
    expect(shippedBrier).toBeLessThanOrEqual(
      brier(
        y,
        scored.map((s) => s.baselinePd),
      ),
    );
    // Calibration (fitted on the newest training loans) moves the mean PD towards the observed rate of the period.
    const observed = y.reduce((s: number, v) => s + v, 0) / y.length;
    const meanPd = scored.reduce((s, v) => s + v.pd, 0) / y.length;
    const meanRaw = scored.reduce((s, v) => s + v.rawPd, 0) / y.length;
    expect(Math.abs(meanPd - observed)).toBeLessThan(Math.abs(meanRaw - observed));
  });

  it("beats LendingClub's own grade as a ranking of the same loans", () => {
    const y = latest.map((l) => l.bad);
    const grade = latest.map((l) => 'ABCDEFG'.indexOf(l.grade!.charAt(0)));
    const pd = latest.map((l) => estimatePd(model, l.applicant).pd);
    expect(rocAuc(y, pd)).toBeGreaterThan(rocAuc(y, grade));
  });

  it('orders risk the way a lender expects', () => {
    const base = latest.find((l) => l.applicant.ficoScore >= 700 && l.applicant.termMonths === 36)!.applicant;
    const pd = (a: typeof base) => estimatePd(model, a).pd;
    expect(pd({ ...base, ficoScore: 660, inquiries6m: 6 })).toBeGreaterThan(pd({ ...base, ficoScore: 800, inquiries6m: 0 }));
    expect(pd({ ...base, annualIncome: 15_000, loanAmount: 30_000, termMonths: 60 })).toBeGreaterThan(
      pd({ ...base, annualIncome: 150_000, loanAmount: 3_000 }),
    );
  });
});

describe('score scale and decision', () => {
  it('maps PD to 300–850 points, monotonically, 650 at 10:1 odds', () => {
    expect(pdToScore(1 / 11)).toBe(650);
    expect(pdToScore(0.5)).toBeLessThan(pdToScore(0.1));
    expect(pdToScore(1e-6)).toBe(850);
    expect(pdToScore(0.999)).toBe(300);
    expect(scoreToPd(690)).toBeCloseTo(1 / 21, 10); // 40 points double the odds
  });

  it('turns PD into approve / refer / decline at the cut-offs', () => {
    expect(decide(0.05)).toBe('approve');
    expect(decide(0.12)).toBe('refer');
    expect(decide(0.25)).toBe('decline');
    expect(decide(0.2, { approveBelow: 0.3, declineAtOrAbove: 0.5 })).toBe('approve');
  });
});

describe('loading artefacts', () => {
  function copyModels(): string {
    const dir = mkdtempSync(join(tmpdir(), 'lw-models-'));
    cpSync('models', dir, { recursive: true });
    return dir;
  }

  it('fails with the file and the problem when an artefact is missing', () => {
    const dir = copyModels();
    rmSync(join(dir, model.version, 'calibration.json'));
    expect(() => loadModel(dir)).toThrow(ModelLoadError);
    expect(() => loadModel(dir)).toThrow(/calibration\.json: file is missing/);
  });

  it('fails with the field when an artefact is malformed', () => {
    const dir = copyModels();
    const path = join(dir, model.version, 'calibration.json');
    writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, 'utf8')), a: 'steep' }));
    expect(() => loadModel(dir)).toThrow(/calibration\.json: invalid model artefact: a: /);
    writeFileSync(path, '{ not json');
    expect(() => loadModel(dir)).toThrow(/calibration\.json: not valid JSON/);
  });

  it('fails when the manifest names a version that is not there', () => {
    const dir = copyModels();
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ current: 'nope', versions: [] }));
    expect(() => loadModel(dir)).toThrow(/nope.*features\.json: file is missing/);
  });

  it('fails when the pieces do not belong together', () => {
    const dir = copyModels();
    const path = join(dir, model.version, 'features.json');
    const spec = JSON.parse(readFileSync(path, 'utf8'));
    writeFileSync(path, JSON.stringify({ ...spec, features: spec.features.slice(1) }));
    expect(() => loadModel(dir)).toThrow(/another applicant feature layout/);
    writeFileSync(
      path,
      JSON.stringify({
        ...spec,
        kind: 'generic',
        target: { column: 'bad', bad: '1' },
        dropped: [],
        columns: [{ type: 'numeric', name: 'x', median: 0, missingIndicator: false }],
        features: ['x'],
      }),
    );
    expect(() => loadModel(dir)).toThrow(/the trees expect 27 features, the feature spec has 1/);
  });
});
