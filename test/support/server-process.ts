import { spawn, type ChildProcess } from 'node:child_process';

/**
 * `npm start`'s server (src/server.ts) as a child process with these variables, resolved once it
 * says where it listens; if it exits first, the error carries what it printed.
 *
 * @example const server = await startServer({ PORT: '18700', DATA_DIR: dir });
 */
export async function startServer(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.includes(' on http://')) resolve();
    });
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${log}`)));
  });
  return child;
}
