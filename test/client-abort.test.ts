import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { freePort } from './support/ports.ts';

/**
 * A client that hangs up halfway through its body (a closed page, a stalled upload cut at Node's
 * receive limit) is no failure of ours: one request line at info level each, never an error line,
 * so a crowd of dropped connections cannot flood the error log or the 5xx counts.
 */
it('logs a client that hangs up mid-body as a 400 at info level, not as an internal error', async () => {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...process.env, DATA_DIR: mkdtempSync(join(tmpdir(), 'lw-abort-')), PORT: String(port), LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  try {
    for (let i = 0; i < 300 && !log.includes(' on http://'); i++) await new Promise((r) => setTimeout(r, 100));
    const start = log.length;
    for (let i = 0; i < 5; i++) {
      const socket = connect(port, '127.0.0.1');
      socket.write('POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"loa\r\n');
      setTimeout(() => socket.destroy(), 200);
    }
    for (
      let i = 0;
      i < 50 &&
      log
        .slice(start)
        .split('\n')
        .filter((l) => l.includes('"msg":"request"')).length < 5;
      i++
    )
      await new Promise((r) => setTimeout(r, 100));
    const lines = log
      .slice(start)
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; status?: number; msg: string });
    expect(lines.filter((l) => l.msg === 'request')).toHaveLength(5);
    for (const line of lines) expect(line).toMatchObject({ level: 30, status: 400 });
  } finally {
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}, 60_000);
