import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Swagger UI's files from the installed swagger-ui-dist package, so /docs works offline. */
export function swaggerAssets(): { css: string; js: string } {
  const dir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  return { css: readFileSync(join(dir, 'swagger-ui.css'), 'utf8'), js: readFileSync(join(dir, 'swagger-ui-bundle.js'), 'utf8') };
}
