import { randomUUID } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import { serverPool } from './pg-pool.ts';
import * as schema from './schema.ts';

/**
 * One database handle whatever the engine: embedded PGlite (default, in ./data) or a PostgreSQL
 * server through node-postgres (`pg`) when DATABASE_URL is set. Repositories only see `Db`.
 * Why `pg` and not postgres.js: `npm run bench:drivers` (bench/results/drivers.md) measured it
 * 1.2–1.6× faster on every store case, with a steady rate under sustained load where postgres.js's
 * connection queue decays, and without postgres.js's crash on a write to a closed socket.
 */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** The handle inside `db.transaction(…)`. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export interface Database {
  db: Db;
  engine: 'pglite' | 'postgres';
  /** The server URL, for a PostgreSQL server. */
  url?: string;
  close(): Promise<void>;
}

export const MIGRATIONS = fileURLToPath(new URL('./migrations', import.meta.url));

export interface OpenOptions {
  /** postgres://… — a PostgreSQL server. Without it, PGlite stores data in `dataDir`. */
  url?: string;
  /** PGlite directory; `memory://` for a throw-away database. */
  dataDir?: string;
  /** Connection pool size for a server. */
  max?: number;
  /** Server: seconds to wait for a connection (default 5). */
  connectTimeoutSeconds?: number;
  /** Server: the server cancels statements running longer than this (default 15 s). */
  statementTimeoutMs?: number;
  /**
   * Server: where migrations run, as the role that owns the tables. Then `url` connects as the
   * application's role, which holds only the grants it needs (db/roles.ts) and runs no DDL.
   */
  migrationUrl?: string;
  /** false: open an existing, migrated database only (read-only tools); PGlite then refuses a directory that holds none. */
  migrate?: boolean;
}

export async function openDatabase(options: OpenOptions = {}): Promise<Database> {
  if (options.url) {
    const connectionTimeoutMillis = 1000 * (options.connectTimeoutSeconds ?? 5);
    const pool = serverPool(options.url, {
      max: options.max ?? 10,
      connectionTimeoutMillis,
      statement_timeout: options.statementTimeoutMs ?? 15_000,
    });
    const db = drizzleNodePg({ client: pool, schema });
    try {
      if (options.migrate === false) {
        // Opened as it is: a read-only tool must not need, or make, schema changes.
      } else if (options.migrationUrl) {
        const owner = serverPool(options.migrationUrl, { max: 1, connectionTimeoutMillis });
        try {
          await migrateNodePg(drizzleNodePg({ client: owner, schema }), { migrationsFolder: MIGRATIONS });
        } finally {
          await owner.end();
        }
      } else await migrateNodePg(db, { migrationsFolder: MIGRATIONS });
    } catch (error) {
      await pool.end();
      throw error;
    }
    return { db: db as unknown as Db, engine: 'postgres', url: options.url, close: () => pool.end() };
  }
  const dataDir = options.dataDir ?? './data';
  if (options.migrate === false && !dataDir.startsWith('memory://') && !existsSync(join(dataDir, 'PG_VERSION')))
    throw new Error(`no database in ${dataDir}: start the server once (npm start), or set DATA_DIR or DATABASE_URL`);
  const release = dataDir.startsWith('memory://') ? () => {} : lockDataDir(dataDir);
  try {
    const client = await PGlite.create(dataDir);
    const db = drizzlePglite({ client, schema });
    if (options.migrate !== false) await migratePglite(db, { migrationsFolder: MIGRATIONS });
    return {
      db: db as unknown as Db,
      engine: 'pglite',
      close: async () => {
        await client.close();
        release();
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}

/** What a lock file says about the process holding the directory (JSON). */
const LockHolderSchema = z.object({
  pid: z.number().int().positive(),
  /** Start time in clock ticks since boot (/proc/<pid>/stat field 22); null where there is no /proc. */
  started: z.string().nullable(),
  /** /proc/sys/kernel/random/boot_id: after a reboot every pid and start time is someone else's. */
  boot: z.string().nullable(),
  /** This lock, so a process only ever removes its own. */
  token: z.string().min(1),
});
type LockHolder = z.infer<typeof LockHolderSchema>;

/** Data directories (real paths) this process holds: a second open here would be a second writer too. */
const held = new Set<string>();

/**
 * PGlite keeps the database in this process's memory and writes it back to the directory: two
 * processes on one directory would overwrite each other. A lock file names the process holding it,
 * by pid and by what a pid alone cannot tell: when that process started and in which boot (Linux,
 * /proc). A crashed server's lock whose pid now belongs to another process is therefore seen as
 * stale, and start-up goes on; only the process that wrote the lock, still running, holds it.
 * Elsewhere (no /proc) a live pid is taken as the holder, as before.
 */
function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const dir = realpathSync(dataDir);
  const lock = join(dir, 'lendwise.lock');
  const inUse = (pid: number, note = '') =>
    new Error(`${dataDir} is in use by process ${pid}${note}: the embedded database allows one process at a time (stop it, or use DATABASE_URL)`);
  if (held.has(dir)) throw inUse(process.pid, ' (this process, opened earlier and not closed)');
  const me: LockHolder = { pid: process.pid, started: processStart(process.pid) ?? null, boot: bootId() ?? null, token: randomUUID() };
  for (let attempt = 0; attempt < 5; attempt++) {
    if (createLock(lock, JSON.stringify(me))) {
      held.add(dir);
      return () => {
        held.delete(dir);
        removeIfOurs(lock, me.token);
      };
    }
    let seen: string;
    try {
      seen = readFileSync(lock, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile: try again
      throw error;
    }
    const holder = readHolder(seen);
    if (holder && holds(holder)) throw inUse(holder.pid);
    breakStaleLock(lock, seen);
  }
  throw new Error(`${dataDir}: could not take the database lock (other processes kept taking it; try again)`);
}

/** Creates the lock whole or not at all: a reader never sees it half written (link fails if it exists). */
function createLock(lock: string, content: string): boolean {
  const draft = `${lock}.${randomUUID()}.new`;
  writeFileSync(draft, content, { flag: 'wx' });
  try {
    linkSync(draft, lock);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(draft, { force: true });
  }
}

/** The lock's holder; a bare pid is a lock written by an earlier version; undefined when unreadable (a torn write). */
function readHolder(text: string): (LockHolder & { legacy?: true }) | undefined {
  if (/^[1-9]\d*$/.test(text.trim())) return { pid: Number(text.trim()), started: null, boot: null, token: 'legacy', legacy: true };
  try {
    const parsed = LockHolderSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the process the lock names is the one that wrote it, and still runs. */
function holds(holder: LockHolder & { legacy?: true }): boolean {
  // Our own pid, and not a directory we hold (checked first): written by an earlier process that had
  // this pid (a container's server is often pid 1 every time), or left behind by this one.
  if (holder.pid === process.pid) return false;
  if (!isAlive(holder.pid)) return false;
  if (holder.legacy) return looksLikeNode(holder.pid);
  const boot = bootId();
  if (holder.boot !== null && boot !== undefined && holder.boot !== boot) return false;
  if (holder.started === null) return true; // written where there is no /proc: the pid is all we know
  const started = processStart(holder.pid);
  return started === undefined || started === holder.started;
}

/**
 * Moves a stale lock aside, only if it is still the one judged stale: another process may have
 * replaced it between our read and our move, and then it goes back.
 */
function breakStaleLock(lock: string, seen: string): void {
  const aside = `${lock}.${randomUUID()}.stale`;
  try {
    renameSync(lock, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    if (readFileSync(aside, 'utf8') !== seen) linkSync(aside, lock);
  } catch {
    // EEXIST: a third process took the lock meanwhile; it holds it now.
  } finally {
    rmSync(aside, { force: true });
  }
}

function removeIfOurs(lock: string, token: string): void {
  try {
    if (readHolder(readFileSync(lock, 'utf8'))?.token === token) rmSync(lock, { force: true });
  } catch {
    // Already gone.
  }
}

/** A process's start time (clock ticks since boot), from /proc; undefined where there is none. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2, the command name, is in brackets and may hold spaces: count from after its closing one.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** For a lock from an earlier version (a bare pid): does that pid run Node, as the server does? True where /proc cannot tell. */
function looksLikeNode(pid: number): boolean {
  try {
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
    return /(^|\/)node(js)?$/.test(argv0);
  } catch {
    return !existsSync('/proc/self/cmdline');
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
