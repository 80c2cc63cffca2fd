import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * What scoring needs at run time lives in src/model/ and never reaches training code: every file
 * the server, the Worker and the model package import (transitively) stays out of src/training/
 * and src/forest/ (the tree-growing engine) and away from the fitting libraries.
 */

const ROOT = resolve('.');
const IMPORT = /(?:import|export)\s+(?:type\s+)?(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]/g;

function importGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    for (const [statement, spec] of source.matchAll(IMPORT)) {
      // Type-only imports vanish at run time.
      if (/^(import|export)\s+type\s/.test(statement)) continue;
      if (!spec.startsWith('.')) {
        packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
        continue;
      }
      const target = resolve(dirname(file), spec);
      if (target.endsWith('.ts') && existsSync(target)) visit(target);
    }
  };
  visit(resolve(entry));
  return { files, packages };
}

const inFolder = (files: Set<string>, folder: string) => [...files].map((f) => relative(ROOT, f)).filter((f) => f.startsWith(folder));

describe('the model package is split from training', () => {
  for (const entry of ['src/worker/index.ts', 'src/server.ts', 'src/model/load.ts', 'src/model/model.ts', 'src/scoring/assess.ts', 'src/batch/cli.ts']) {
    it(`${entry} reaches no training code and no fitting library`, () => {
      const { files, packages } = importGraph(entry);
      expect(files.size).toBeGreaterThan(1);
      expect(inFolder(files, 'src/training/')).toEqual([]);
      expect(inFolder(files, 'src/forest/').filter((f) => f !== join('src', 'forest', 'rng.ts'))).toEqual([]);
      for (const fitting of ['ml-random-forest', 'ml-cart', 'quadprog']) expect(packages.has(fitting)).toBe(false);
    });
  }

  it('the walker does see training code when it is imported (so the checks above can fail)', () => {
    const { files } = importGraph('src/training/pipeline.ts');
    expect(inFolder(files, 'src/forest/').length).toBeGreaterThan(0);
    expect(inFolder(files, 'src/model/').length).toBeGreaterThan(0);
  });
});

/** Every .ts file under the given folders. */
function sources(...roots: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts')) out.push(path);
    }
  };
  roots.forEach(walk);
  return out;
}

/** The folder a file belongs to for layering: src/<folder>, or bot/ and db/ as a whole. */
const folderOf = (file: string) => {
  const parts = relative(ROOT, file).split('/');
  return parts[0] === 'src' ? (parts.length > 2 ? `src/${parts[1]}` : 'src') : parts[0];
};

describe('layering between folders', () => {
  const edges = new Map<string, Map<string, string>>();
  for (const file of sources('src', 'bot', 'db')) {
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      if (!spec.startsWith('.')) continue;
      const [from, to] = [folderOf(file), folderOf(resolve(dirname(file), spec))];
      if (from === to) continue;
      if (!edges.has(from)) edges.set(from, new Map());
      edges.get(from)!.set(to, relative(ROOT, file));
    }
  }

  it('no two folders import each other', () => {
    const mutual: string[] = [];
    for (const [a, targets] of edges)
      for (const [b, via] of targets) if (a < b && edges.get(b)?.has(a)) mutual.push(`${a} (${via}) <-> ${b} (${edges.get(b)!.get(a)})`);
    expect(mutual).toEqual([]);
  });

  it('domain and application folders (the conversation, the services) import no adapter, database or framework', () => {
    const domain = [
      'src/applicant',
      'src/features',
      'src/model',
      'src/scoring',
      'src/portfolio',
      'src/evaluation',
      'src/fairness',
      'src/monitoring',
      'src/conversation',
      'src/app',
    ];
    const adapters = ['src/api', 'src/node', 'src/worker', 'bot', 'db', 'src/batch'];
    for (const d of domain) for (const a of adapters) expect(edges.get(d)?.has(a) ?? false, `${d} imports ${a} (${edges.get(d)?.get(a)})`).toBe(false);
    for (const file of sources(...domain)) {
      const text = readFileSync(file, 'utf8');
      for (const framework of ['hono', 'grammy', 'drizzle-orm', 'postgres', '@electric-sql/pglite'])
        expect(text.includes(`from '${framework}`), `${file} imports ${framework}`).toBe(false);
    }
  });
});
