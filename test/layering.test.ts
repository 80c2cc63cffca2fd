import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
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
