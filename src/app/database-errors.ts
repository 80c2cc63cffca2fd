export type DatabaseErrorClass = 'connection' | 'timeout' | 'constraint' | 'other';

/**
 * The class of a database failure, from codes only: a driver's message can carry the query's
 * parameters (whole applications), so it is never logged or shown.
 *
 * @example classifyDatabaseError(new Error('…', { cause: { code: 'ECONNREFUSED' } })) // { kind: 'connection', code: 'ECONNREFUSED' }
 */
export function classifyDatabaseError(error: unknown): { kind: DatabaseErrorClass; code: string } {
  // A request answered at its deadline before its decision could be stored.
  if ((error as Error)?.name === 'DeadlinePassed') return { kind: 'timeout', code: 'DeadlinePassed' };
  let e: unknown = error;
  for (let depth = 0; depth < 5 && e; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|CONNECTION_\w+|CONNECT_TIMEOUT)$/.test(code) || /^(08|57P0[1-3]|53)/.test(code))
        return { kind: 'connection', code };
      if (code === '57014' || code === '55P03' || code === '40P01') return { kind: 'timeout', code };
      if (/^23/.test(code)) return { kind: 'constraint', code };
      return { kind: 'other', code };
    }
    e = (e as { cause?: unknown }).cause;
  }
  // No code (an embedded database already closed; node-postgres's own timeouts and closed
  // connections): read the messages, but only to classify them.
  for (let c: unknown = error, depth = 0; c && depth < 5; c = (c as { cause?: unknown }).cause, depth++) {
    const message = (c as Error).message ?? '';
    if (/^timeout exceeded when trying to connect/i.test(message)) return { kind: 'connection', code: 'CONNECT_TIMEOUT' };
    if (/^Query read timeout/i.test(message)) return { kind: 'timeout', code: 'QUERY_TIMEOUT' };
    if (/^(PGlite is closed|Cannot use a pool after calling end|.*\b(connection|terminat)\w*\b)/i.test(message)) return { kind: 'connection', code: 'CLOSED' };
  }
  return { kind: 'other', code: (error as Error)?.name ?? 'unknown' };
}
