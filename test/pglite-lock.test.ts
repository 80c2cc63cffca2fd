import { afterEach, describe, expect, it } from 'vitest';
import { startServer as startProcess } from './support/server-process.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from './support/ports.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../db/client.ts';

/**
 * The embedded database's directory lock (db/client.ts). A crashed server leaves its lock behind;
 * when its pid is later reused by some other live process, start-up must go on (it used to refuse:
 * "in use by process N"). A lock held by a live Lendwise server must still refuse, saying so.
 * PGlite only: a PostgreSQL server has its own locking.
 */

const LINUX_PROC = existsSync('/proc/self/stat');
const lockFile = (dir: string) => join(dir, 'lendwise.lock');
const dirs: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'lw-lock-'));
  dirs.push(dir);
  return dir;
};

/** A process's start time from /proc (what the lock records beside the pid). */
const startTime = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
};
const bootId = () => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
const lockNaming = (pid: number, started: string | null, boot: string | null) => JSON.stringify({ pid, started, boot, token: 'left-by-a-crash' });

const children: ChildProcess[] = [];
/** An unrelated live process (not Node, not Lendwise) whose pid a stale lock can name. */
function liveSleep(): number {
  const child = spawn('sleep', ['120'], { stdio: 'ignore' });
  children.push(child);
  return child.pid!;
}
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Opens the directory (what `npm start` does first), checks the lock now names this process, and closes. */
async function startsUp(dir: string): Promise<void> {
  const database = await openDatabase({ dataDir: dir });
  try {
    expect(JSON.parse(readFileSync(lockFile(dir), 'utf8'))).toMatchObject({ pid: process.pid });
  } finally {
    await database.close();
  }
  expect(existsSync(lockFile(dir))).toBe(false);
}

describe.runIf(LINUX_PROC)('PGlite directory lock: stale locks naming live pids', () => {
  it('a lock from an earlier version (a bare pid) naming a live unrelated process does not block start-up', async () => {
    const dir = freshDir();
    writeFileSync(lockFile(dir), String(liveSleep()));
    await startsUp(dir);
  });

  it('a lock naming a live process that started at another time (the pid was reused) does not block start-up', async () => {
    const dir = freshDir();
    const sleeper = liveSleep();
    writeFileSync(lockFile(dir), lockNaming(sleeper, String(Number(startTime(sleeper)) - 1), bootId()));
    await startsUp(dir);
    // The test runner's parent, a live Node process: same answer, it is not the process that wrote the lock.
    writeFileSync(lockFile(dir), lockNaming(process.ppid, '1', bootId()));
    await startsUp(dir);
  });

  it('a lock from before a reboot does not block start-up, even when pid and start time match a live process', async () => {
    const dir = freshDir();
    const sleeper = liveSleep();
    writeFileSync(lockFile(dir), lockNaming(sleeper, startTime(sleeper), '00000000-0000-0000-0000-000000000000'));
    await startsUp(dir);
  });

  it("a lock naming this very process's pid, left by an earlier process that had it (a container's pid 1), does not block start-up", async () => {
    const dir = freshDir();
    writeFileSync(lockFile(dir), String(process.pid));
    await startsUp(dir);
    writeFileSync(lockFile(dir), lockNaming(process.pid, '1', bootId()));
    await startsUp(dir);
  });

  it('an unreadable lock (torn write, foreign content) does not block start-up', async () => {
    const dir = freshDir();
    for (const junk of ['', '{', '{"pid":"x"}', 'not a lock', '0', '-1']) {
      writeFileSync(lockFile(dir), junk);
      await startsUp(dir);
    }
  });

  it('a lock whose process is gone does not block start-up', async () => {
    const dir = freshDir();
    const child = spawn('true', { stdio: 'ignore' });
    await new Promise((resolve) => child.once('exit', resolve));
    writeFileSync(lockFile(dir), lockNaming(child.pid!, '12345', bootId()));
    await startsUp(dir);
  });

  it('a lock whose pid, start time and boot match a live process is held: the identity decides, not the pid alone', async () => {
    const dir = freshDir();
    const sleeper = liveSleep();
    const lock = lockNaming(sleeper, startTime(sleeper), bootId());
    writeFileSync(lockFile(dir), lock);
    await expect(openDatabase({ dataDir: dir })).rejects.toThrow(`${dir} is in use by process ${sleeper}: the embedded database allows one process at a time`);
    expect(readFileSync(lockFile(dir), 'utf8')).toBe(lock); // left as it was
  });
});

describe('PGlite directory lock: live holders', () => {
  it('the same process opening a directory twice is refused; after closing, it opens again', async () => {
    const dir = freshDir();
    const first = await openDatabase({ dataDir: dir });
    try {
      await expect(openDatabase({ dataDir: dir })).rejects.toThrow(/is in use by process \d+ \(this process, opened earlier and not closed\)/);
      // Another spelling of the same directory is the same directory.
      await expect(openDatabase({ dataDir: `${dir}/./` })).rejects.toThrow(/is in use by process/);
    } finally {
      await first.close();
    }
    await startsUp(dir);
  });

  it.runIf(LINUX_PROC)('a running server holds its directory: start-up elsewhere is refused, naming it; after it stops, start-up proceeds', async () => {
    const dir = freshDir();
    const server = await startServer({ DATA_DIR: dir, PORT: String(await freePort()) });
    try {
      expect(JSON.parse(readFileSync(lockFile(dir), 'utf8'))).toMatchObject({ pid: server.pid, started: startTime(server.pid!), boot: bootId() });
      await expect(openDatabase({ dataDir: dir })).rejects.toThrow(
        `${dir} is in use by process ${server.pid}: the embedded database allows one process at a time (stop it, or use DATABASE_URL)`,
      );
    } finally {
      await stop(server, 'SIGTERM');
    }
    expect(existsSync(lockFile(dir))).toBe(false); // a clean stop releases it
    await startsUp(dir);
  });

  it.runIf(LINUX_PROC)('a server killed outright leaves its lock, which no longer blocks start-up', async () => {
    const dir = freshDir();
    const server = await startServer({ DATA_DIR: dir, PORT: String(await freePort()) });
    await stop(server, 'SIGKILL');
    expect(JSON.parse(readFileSync(lockFile(dir), 'utf8'))).toMatchObject({ pid: server.pid });
    await startsUp(dir);
  });
});

/**
 * `npm start` as a person runs it, resolved once it has answered a request: its start-up line is
 * printed just before it installs its SIGTERM handler, so a stop sent on seeing the line alone could
 * kill it before the handler is there.
 */
async function startServer(env: Record<string, string>): Promise<ChildProcess> {
  const child = await startProcess(env);
  expect((await fetch(`http://127.0.0.1:${env.PORT}/healthz`)).status).toBe(200);
  return child;
}

async function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}
