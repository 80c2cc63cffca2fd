import { spawn } from 'node:child_process';
import { freePort } from './ports.ts';

/**
 * `wrangler dev` (workerd, offline) on a free port with these variables, once its /healthz answers
 * 200 (up to a minute); `healthy` is false when it never did. `stop` ends it and its children.
 *
 * @example const dev = await startWranglerDev({ DATABASE_URL: url }); try { … } finally { dev.stop(); }
 */
export async function startWranglerDev(vars: Record<string, string>, args: string[] = []) {
  const port = await freePort();
  const child = spawn(
    'node_modules/.bin/wrangler',
    ['dev', '--ip', '127.0.0.1', '--port', String(port), ...args, ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`])],
    { env: { ...process.env, WRANGLER_SEND_METRICS: 'false' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = () => {
    if (child.pid) process.kill(-child.pid, 'SIGTERM');
  };
  let health: Response | undefined;
  for (let i = 0; i < 60 && !health?.ok; i++) {
    health = await fetch(`${url}/healthz`).catch(() => undefined);
    if (!health?.ok) await new Promise((r) => setTimeout(r, 1000));
  }
  return { url, port, child, healthy: health?.status === 200, stop };
}
