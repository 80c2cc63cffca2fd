import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createKey, registerModel } from '../db/repository.ts';
import { createApp } from '../src/api/app.ts';
import type { RequestLogger } from '../src/api/request-log.ts';
import { loadModel } from '../src/model/load.ts';
import { requestLogger } from '../src/node/logger.ts';
import { classifyDatabaseError } from '../src/app/database-errors.ts';
import { sampleApplicant } from './helpers.ts';
import { openTestDatabase } from './support/databases.ts';

/**
 * Logs for operators, not applicants' data (issue 14): a line per request with its id, route,
 * status and latency; failures by class; never a body, an applicant's answers or query parameters,
 * even when the database driver's own message quotes them.
 */

const model = loadModel('models');
// Answers no real applicant gives, so that finding them in a log can only mean a leak.
const marked = { ...sampleApplicant, annualIncome: 123_457, loanAmount: 9_871 };

function capture(): { logger: RequestLogger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const push = (level: string) => (fields: Record<string, unknown>, msg: string) => lines.push({ level, ...fields, msg });
  return { logger: { info: push('info'), error: push('error') }, lines };
}

describe('request logs', () => {
  it('give each request an id, its route, status and latency, and nothing it carried', async () => {
    const database = await openTestDatabase('pglite');
    try {
      await registerModel(database.db, model);
      const { logger, lines } = capture();
      const app = createApp({ model, db: () => database.db, logger, keyCacheMs: 0 });
      const key = (await createKey(database.db, { name: 'p', scope: 'score' }, 'test')).key;
      const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
      const res = await app.request('/v1/score?note=private-9871', { method: 'POST', headers, body: JSON.stringify(marked) });
      expect(res.status).toBe(200);
      const line = lines.at(-1)!;
      expect(line).toMatchObject({ level: 'info', method: 'POST', route: '/v1/score', status: 200 });
      expect(line.reqId).toBe(res.headers.get('x-request-id'));
      expect(typeof line.ms).toBe('number');
      // A proxy's request id is kept; junk is replaced, never echoed.
      const traced = await app.request('/healthz', { headers: { 'x-request-id': 'edge-1234abcd' } });
      expect(traced.headers.get('x-request-id')).toBe('edge-1234abcd');
      const junk = await app.request('/healthz', { headers: { 'x-request-id': '<script>alert(1)</script>' } });
      expect(junk.headers.get('x-request-id')).not.toContain('<');

      // The database fails mid-request: the driver's message quotes the insert's parameters.
      await database.close();
      const failed = await app.request('/v1/score', { method: 'POST', headers, body: JSON.stringify(marked) });
      expect(failed.status).toBe(503);
      expect(lines.filter((l) => l.level === 'error').map((l) => l.errorClass)).toContain('database.connection');
      const all = JSON.stringify(lines);
      for (const leak of ['123457', '9871', 'private', sampleApplicant.purpose, key]) expect(all).not.toContain(leak);
    } finally {
      await database.close().catch(() => {});
    }
  });

  it('on Node, pino redacts a body, an applicant or a query should one ever reach a log call', () => {
    let out = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        out += chunk.toString();
        done();
      },
    });
    const log = requestLogger('info', sink);
    log.info({ reqId: 'r1', route: '/v1/score', status: 200, body: marked, applicant: marked, query: { note: 'private-9871' } }, 'request');
    const line = JSON.parse(out.trim());
    expect(line).toMatchObject({
      reqId: 'r1',
      route: '/v1/score',
      status: 200,
      body: '[redacted]',
      applicant: '[redacted]',
      query: '[redacted]',
      msg: 'request',
    });
    expect(out).not.toContain('123457');
  });
});

describe('database errors by class', () => {
  it("reads node-postgres's codeless timeouts and closed connections as connection or timeout, never as other", () => {
    const wrapped = (message: string) => new Error('Failed query: …', { cause: new Error(message) });
    expect(classifyDatabaseError(wrapped('timeout exceeded when trying to connect'))).toEqual({ kind: 'connection', code: 'CONNECT_TIMEOUT' });
    expect(classifyDatabaseError(wrapped('Connection terminated unexpectedly'))).toEqual({ kind: 'connection', code: 'CLOSED' });
    expect(classifyDatabaseError(wrapped('Connection terminated due to connection timeout'))).toEqual({ kind: 'connection', code: 'CLOSED' });
    expect(classifyDatabaseError(wrapped('Client has encountered a connection error and is not queryable'))).toEqual({ kind: 'connection', code: 'CLOSED' });
    expect(classifyDatabaseError(wrapped('Cannot use a pool after calling end on the pool'))).toEqual({ kind: 'connection', code: 'CLOSED' });
    expect(classifyDatabaseError(wrapped('Query read timeout'))).toEqual({ kind: 'timeout', code: 'QUERY_TIMEOUT' });
    // Codes first: the server's SQLSTATE and the socket's errno.
    expect(classifyDatabaseError(new Error('x', { cause: Object.assign(new Error('y'), { code: '23505' }) }))).toEqual({ kind: 'constraint', code: '23505' });
    expect(classifyDatabaseError(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }))).toEqual({ kind: 'connection', code: 'ECONNREFUSED' });
    expect(classifyDatabaseError(new Error('something else'))).toEqual({ kind: 'other', code: 'Error' });
  });
});
