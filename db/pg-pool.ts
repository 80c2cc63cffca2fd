import pg from 'pg';

/**
 * A node-postgres pool that survives its server. A connection that dies is reported as an 'error'
 * event, which ends the process if nothing listens: on the pool while the client is idle in it, on
 * the client itself while it is checked out between two queries (a transaction awaiting the app).
 * Both get a listener; the pool drops such a client when it comes back, and the next query connects
 * anew (or fails with a connection error, answered 503). Queries running when it dies are rejected.
 *
 * @example const pool = serverPool('postgres://app@db/lendwise', { max: 10 });
 */
export function serverPool(url: string, config: Omit<pg.PoolConfig, 'connectionString'> = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, keepAlive: true, ...config });
  const ignore = () => {
    // Nothing to do here: the failing client leaves the pool; requests see their own errors.
  };
  pool.on('error', ignore);
  pool.on('connect', (client) => client.on('error', ignore));
  guardTransactions(pool);
  return pool;
}

const guarded = Symbol('lendwise.guarded');
type GuardedClient = pg.PoolClient & { [guarded]?: { failed?: Error } };

/**
 * drizzle-orm 0.45's node-postgres transaction() checks a client out, then runs BEGIN outside the
 * try/finally that releases it, and releases a client whose ROLLBACK failed as if it were healthy
 * (drizzle-team/drizzle-orm#6241, #6114; fixes open, none released). A connection that dies between
 * checkout and BEGIN (a server restart under load) then leaks one pool slot for good, until the pool
 * is empty and every request waits. So every client handed out by `connect()` (drizzle's path; the
 * pool's own query() takes the callback form) watches its BEGIN and ROLLBACK: a failed BEGIN gives
 * the client back as broken (the pool destroys it), and after a failed ROLLBACK drizzle's release
 * does the same. Remove when drizzle releases a fix.
 */
function guardTransactions(pool: pg.Pool): void {
  const connect = pool.connect.bind(pool) as (callback?: unknown) => Promise<pg.PoolClient> | undefined;
  pool.connect = ((callback?: unknown) => {
    if (callback) return connect(callback);
    return (connect() as Promise<pg.PoolClient>).then((client) => watch(client as GuardedClient));
  }) as typeof pool.connect;
}

function watch(client: GuardedClient): pg.PoolClient {
  // The pool sets a fresh release() at every checkout; query() is wrapped once per client.
  const release = client.release;
  client.release = (error?: Error | boolean) => {
    const failed = client[guarded]?.failed;
    if (client[guarded]) client[guarded].failed = undefined;
    release(error ?? failed);
  };
  if (client[guarded]) return client;
  client[guarded] = {};
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  client.query = ((...args: unknown[]) => {
    const result = query(...args);
    const first = args[0];
    const text = typeof first === 'string' ? first : (first as { text?: unknown } | undefined)?.text;
    if (typeof text !== 'string' || !(result instanceof Promise)) return result;
    if (/^\s*begin\b/i.test(text))
      return result.catch((error: Error) => {
        // drizzle will not release it: give it back, as broken.
        client.release(error);
        throw error;
      });
    if (/^\s*rollback\b/i.test(text))
      return result.catch((error: Error) => {
        client[guarded]!.failed = error;
        throw error;
      });
    return result;
  }) as typeof client.query;
  return client;
}
