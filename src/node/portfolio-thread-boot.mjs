// The portfolio job thread (src/node/portfolio-thread.ts). First of all it lowers its own CPU
// priority, before loading anything, so that even its start-up leaves the cores to the thread that
// answers requests: nice 19, and Linux's SCHED_IDLE class where allowed (on Linux both are the
// thread's own; threads it starts inherit them). Node has no call for a thread's scheduling class;
// util-linux's chrt (essential on Debian) sets it by thread id.
import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

try {
  setPriority(19);
  if (process.platform === 'linux') {
    const tid = readlinkSync('/proc/thread-self').split('/').pop();
    execFileSync('chrt', ['--idle', '--pid', '0', tid], { stdio: 'ignore', timeout: 2_000 });
  }
} catch {
  // Not allowed or not there: the thread keeps what it got (nice 19, or the default).
}

// Worker threads do not inherit the TypeScript loader: register it, then load the real worker.
const { register } = await import('tsx/esm/api');
register();
await import('./portfolio-thread.ts');
