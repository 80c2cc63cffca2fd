import type { Db } from './client.ts';

/** A fixed statement of the hot path. On a server, a named one is parsed and planned once per connection. */
export interface RawStatement {
  name?: string;
  text: string;
  values: unknown[];
}

export interface RawTransaction {
  /** The statement's rows (none for most). */
  run(statement: RawStatement): Promise<Record<string, unknown>[]>;
}

/** What drizzle holds underneath: a node-postgres Pool, or PGlite. */
interface PoolClient {
  query(config: RawStatement | string): Promise<{ rows: Record<string, unknown>[] }>;
  release(error?: Error): void;
}
type Client =
  | { connect(): Promise<PoolClient> }
  | { transaction<T>(work: (tx: { query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> }) => Promise<T>): Promise<T> };

/**
 * Runs `work` in one transaction straight on the driver under drizzle (node-postgres or PGlite):
 * committed when it returns, rolled back when it throws. For the group commit's few fixed
 * statements, where drizzle's SQL builder and session cost more CPU than the inserts themselves.
 *
 * @example await rawTransaction(db, async (tx) => tx.run({ name: 'touch', text: 'update t set n = n + 1 where id = $1', values: [7] }));
 */
export async function rawTransaction<T>(db: Db, work: (tx: RawTransaction) => Promise<T>): Promise<T> {
  const client = (db as unknown as { $client: Client }).$client;
  if ('transaction' in client) {
    return client.transaction((tx) =>
      work({
        run: async ({ text, values }) => (await tx.query(text, values)).rows as Record<string, unknown>[],
      }),
    );
  }
  const connection = await client.connect();
  try {
    await connection.query('begin');
  } catch (error) {
    // Given back as broken: db/pg-pool.ts's guard has done so already, a plain pool leaves it to us.
    try {
      connection.release(error as Error);
    } catch {
      // Released once already.
    }
    throw error;
  }
  try {
    const result = await work({ run: async (statement) => (await connection.query(statement)).rows });
    await connection.query('commit');
    return result;
  } catch (error) {
    // A failed ROLLBACK marks the connection broken, and the release below destroys it (db/pg-pool.ts).
    await connection.query('rollback').catch(() => {});
    throw error;
  } finally {
    connection.release();
  }
}
