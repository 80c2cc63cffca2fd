/**
 * The rows of `db.execute(sql)`: postgres-js answers an array, PGlite an object holding them. On its
 * own so that what the Worker bundles never pulls in the database client (PGlite, migrations).
 */
export const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
