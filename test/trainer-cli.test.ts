import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { holdoutSplit, stratifiedFolds } from '../src/training/split.ts';

/** The real `npm run train` entry point, on small CSVs written here. */

const dir = mkdtempSync(join(tmpdir(), 'lw-trainer-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const csv = (name: string, header: string[], rows: (string | number)[][]): string => {
  const path = join(dir, name);
  writeFileSync(path, `${[header.join(','), ...rows.map((r) => r.join(','))].join('\n')}\n`);
  return path;
};
const FAST = ['--grid', 'quick', '--folds', '2', '--workers', '0', '--no-promote'];
/** Well under the kill timeout: a run that fails must end by itself, not hang on the progress bar's timer. */
const QUICK_EXIT_MS = 20_000;
/** Tests that start the CLI several times (about a second each, more on a busy machine). */
const SEVERAL_RUNS_MS = 120_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  killed: boolean;
}

function train(args: string[]): Promise<Run> {
  const started = performance.now();
  return new Promise((done) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/training/cli.ts', ...args], { timeout: 45_000, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      done({ code, stdout, stderr, ms: performance.now() - started, killed: Boolean(error?.killed) });
    });
  });
}

/** The error lines the CLI printed (progress lines such as "load…" and bar redraws left out). */
const errorLines = (r: Run) => r.stderr.split('\n').filter((l) => l.startsWith('train: ') || l.startsWith('--'));
const noStack = (r: Run) => expect(r.stderr).not.toMatch(/^\s+at |node:internal|Error: /m);

/** 60 rows with one numeric and one categorical feature; `bads` rows have outcome 1 (or 0 when `flip`). */
function smallSet(name: string, bads: number, flip = false): string {
  const rows = Array.from({ length: 60 }, (_, i) => {
    const bad = i < bads ? 1 : 0;
    return [i % 13, ['a', 'b', 'c'][i % 3], flip ? 1 - bad : bad];
  });
  return csv(name, ['num', 'cat', 'y'], rows);
}

describe('training folds without a bad or a good row', () => {
  it.each([
    ['bad', false],
    ['good', true],
  ])('a fold with no %s rows fails at once with a one-line message and a non-zero exit', async (cls, flip) => {
    // 3 rows of the class: the random hold-out takes one, too few are left for 3 folds.
    const data = smallSet(`three-${cls}.csv`, 3, flip);
    const r = await train(['--data', data, '--target', 'y', '--bad', '1', '--out', join(dir, 'out'), ...FAST, '--folds', '3']);
    expect(r.killed).toBe(false);
    expect(r.ms).toBeLessThan(QUICK_EXIT_MS);
    expect(r.code).toBe(1);
    const lines = errorLines(r);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(`^train: fold [23] of 3 has no ${cls} rows: [12] ${cls} rows? (is|are) too few for 3 folds; use fewer --folds or more data$`),
    );
    noStack(r);
  });

  it('names the fold and the counts (unit), and checks the hold-out too', () => {
    const y = Array.from({ length: 40 }, (_, i) => (i < 4 ? 1 : 0));
    const all = Uint32Array.from({ length: 40 }, (_, i) => i);
    expect(() => stratifiedFolds(y, all, 5, 1)).toThrow('fold 5 of 5 has no bad rows: 4 bad rows are too few for 5 folds; use fewer --folds or more data');
    expect(stratifiedFolds(y, all, 4, 1).every((f) => f.some((r) => y[r] === 1))).toBe(true);
    // Bad rows only at the start: an out-of-time `tail` test set has none.
    expect(() => holdoutSplit(y, 0.2, 'tail', 1)).toThrow(/^the test set \(the last 8 rows, --test-fraction 0\.2\) has no bad rows; use --split random/);
    expect(() =>
      holdoutSplit(
        y.map((v) => 1 - v),
        0.2,
        'tail',
        1,
      ),
    ).toThrow(/has no good rows/);
    expect(() => holdoutSplit(y, 0.2, 'head', 1)).toThrow(/^the training part has no bad rows/);
    expect(holdoutSplit(y, 0.25, 'random', 1).test.length).toBe(10);
  });
});

describe('one-line errors for the data file and the target', () => {
  it(
    'a missing, empty or header-only --data file',
    async () => {
      const missing = join(dir, 'no-such.csv');
      const r = await train(['--data', missing, '--target', 'y', '--bad', '1', ...FAST]);
      expect(r.code).toBe(1);
      expect(errorLines(r)).toEqual([`train: --data: no such file: ${missing}`]);
      noStack(r);
      // Without --target the file is sniffed for LendingClub's header first: still the same message.
      const sniffed = await train(['--data', missing, ...FAST]);
      expect(errorLines(sniffed)).toEqual([`train: --data: no such file: ${missing}`]);

      const empty = csv('empty.csv', [], []);
      writeFileSync(empty, '');
      const e = await train(['--data', empty, '--target', 'y', '--bad', '1', ...FAST]);
      expect(e.code).toBe(1);
      expect(errorLines(e)).toEqual([`train: --data: ${empty} is empty`]);
      noStack(e);

      const headerOnly = csv('header-only.csv', ['num', 'y'], []);
      const h = await train(['--data', headerOnly, '--target', 'y', '--bad', '1', ...FAST]);
      expect(errorLines(h)).toEqual([`train: --data: ${headerOnly} has a header but no rows`]);

      const notGzip = join(dir, 'broken.csv.gz');
      writeFileSync(notGzip, 'not gzip at all');
      const g = await train(['--data', notGzip, '--target', 'y', '--bad', '1', ...FAST]);
      expect(g.code).toBe(1);
      expect(errorLines(g)).toEqual([`train: --data: cannot read ${notGzip}: incorrect header check`]);
      noStack(g);
    },
    SEVERAL_RUNS_MS,
  );

  it(
    'a --bad value that matches no row lists the values found, most frequent first',
    async () => {
      const data = csv(
        'classes.csv',
        ['num', 'class'],
        Array.from({ length: 10 }, (_, i) => [i, i < 7 ? 1 : 2]),
      );
      const r = await train(['--data', data, '--target', 'class', '--bad', 'yes', ...FAST]);
      expect(r.code).toBe(1);
      expect(errorLines(r)).toEqual(['train: --bad: "yes" matches no row of "class"; values found: 1 (7), 2 (3)']);
      noStack(r);

      const many = csv(
        'many.csv',
        ['num', 'grade'],
        Array.from({ length: 30 }, (_, i) => [i, `g${i % 12}`]),
      );
      const m = await train(['--data', many, '--target', 'grade', '--bad', 'x', ...FAST]);
      expect(errorLines(m)).toEqual([
        'train: --bad: "x" matches no row of "grade"; values found: g0 (3), g1 (3), g2 (3), g3 (3), g4 (3), g5 (3), g6 (2), g7 (2), g8 (2), g9 (2) and 2 more',
      ]);
    },
    SEVERAL_RUNS_MS,
  );
});

describe('--monotone', () => {
  it(
    'names every bad entry in our own words, with exit code 2',
    async () => {
      const r = await train(['--monotone', 'age=2,income,=+1,dti=+1,dti=-1', ...FAST]);
      expect(r.code).toBe(2);
      expect(errorLines(r)).toEqual([
        '--monotone: "age=2": the direction of "age" must be +1, -1 or 0, not "2"',
        '--monotone: "income" has no direction: write income=+1 (PD rises with it), income=-1 (PD falls) or income=0',
        '--monotone: "=+1" has no column name: write COLUMN=+1, COLUMN=-1 or COLUMN=0, comma-separated',
        '--monotone: "dti" is given more than once',
      ]);
      expect(r.stderr).not.toMatch(/invalid|expected|received/i);
      expect(r.stderr).toContain('--monotone A=+1,B=-1'); // the help follows
      const empty = await train(['--monotone', ' , ', ...FAST]);
      expect(empty.code).toBe(2);
      expect(errorLines(empty)).toEqual(['--monotone: give COLUMN=+1, COLUMN=-1 or COLUMN=0, comma-separated']);
    },
    SEVERAL_RUNS_MS,
  );
});

describe('a generic training run', () => {
  it('prints and records the columns it did not use; its card is about this data set, not LendingClub', async () => {
    // 200 rows: `ref` is an identifier (160 distinct values in training), `branch` is constant,
    // `class` restates the outcome (left out with --exclude), `total_pymnt` is post-issuance (leakage guard).
    const rows = Array.from({ length: 200 }, (_, i) => {
      const risk = (i * 37) % 100;
      const bad = risk > 70 || i % 11 === 0 ? 1 : 0;
      return [`L${1000 + i}`, risk, ['own', 'rent', 'mortgage'][i % 3], 'main', bad ? 'B' : 'G', risk * 10, bad ? 'bad' : 'good'];
    });
    const data = csv('small-book.csv', ['ref', 'risk', 'home', 'branch', 'class', 'total_pymnt', 'outcome'], rows);
    const out = join(dir, 'models');
    const r = await train(['--data', data, '--target', 'outcome', '--bad', 'bad', '--exclude', 'class', '--monotone', 'risk=+1', '--out', out, ...FAST]);
    expect(r.stderr).not.toMatch(/^train: /m);
    expect(r.code).toBe(0);
    const unused = r.stdout.slice(r.stdout.indexOf('columns not used as features:'));
    expect(unused).toMatch(/^columns not used as features:\n/);
    expect(unused).toMatch(/^ {2}class +excluded by --exclude$/m);
    expect(unused).toMatch(/^ {2}total_pymnt +leakage guard/m);
    expect(unused).toMatch(/^ {2}ref +text or identifier \(1\d\d distinct values\)$/m);
    expect(unused).toMatch(/^ {2}branch +constant$/m);

    const [version] = readdirSync(out);
    const metrics = JSON.parse(readFileSync(join(out, version, 'metrics.json'), 'utf8'));
    expect(metrics.data.excludedColumns.map((c: { name: string }) => c.name)).toEqual(['class', 'total_pymnt']);
    expect(metrics.data.droppedColumns.map((c: { name: string }) => c.name)).toEqual(['ref', 'branch']);
    expect(metrics.features).not.toContain('ref');

    const card = readFileSync(join(out, version, 'MODEL_CARD.md'), 'utf8');
    const section = (title: string) =>
      card
        .slice(card.indexOf(`- ${title}`))
        .split('\n')
        .slice(0, 3)
        .join('\n');
    expect(section('Columns excluded')).toMatch(
      /^- Columns excluded \(--exclude, leakage guard\):\n {2}- `class`: excluded by --exclude\n {2}- `total_pymnt`: leakage guard/,
    );
    expect(section('Columns dropped')).toMatch(
      /^- Columns dropped by the feature builder:\n {2}- `ref`: text or identifier \(1\d\d distinct values\)\n {2}- `branch`: constant$/,
    );
    expect(card).toContain('`outcome` = `bad`');
    expect(card).toContain('small-book.csv');
    expect(card).not.toMatch(/FICO|LendingClub|applicant|\$/i);
  });
});
