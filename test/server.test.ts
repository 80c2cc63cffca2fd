import { describe, expect, it } from 'vitest';
import { startServer } from './support/server-process.ts';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { BODY_LIMIT_BYTES, createApp } from '../src/api/app.ts';
import { loadModel } from '../src/model/load.ts';
import { freePort } from './support/ports.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { sampleApplicant } from './helpers.ts';
import { FakeTelegram, textUpdate } from './support/fake-telegram.ts';

// `npm start` and `npm run keys` as a person runs them: real processes, real HTTP.
const run = promisify(execFile);

/** What Hono's secureHeaders sets (src/api/security-headers.ts). */
const SECURITY_HEADERS = [
  'cross-origin-resource-policy',
  'cross-origin-opener-policy',
  'origin-agent-cluster',
  'referrer-policy',
  'strict-transport-security',
  'x-content-type-options',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-frame-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
];

/** Sends `request` as it is on a fresh connection and returns what comes back before the server closes it or `waitMs` pass. */
async function rawExchange(port: number, request: string, waitMs = 5_000): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  socket.write(request);
  let answer = '';
  socket.on('data', (d: Buffer) => (answer += d.toString()));
  await new Promise<void>((resolve) => {
    socket.on('data', () => answer.includes('\r\n\r\n') && answer.includes('}') && resolve());
    socket.on('close', () => resolve());
    setTimeout(resolve, waitMs);
  });
  socket.destroy();
  return answer;
}

async function stopServer(child: ChildProcess): Promise<void> {
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

const keys = (env: Record<string, string>, ...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'src/node/keys-cli.ts', ...args], { env: { ...process.env, ...env } });

describe.each(['pglite', 'postgres'] as const)('npm start on %s', (engine) => {
  it('serves the API, keeps decisions across a restart, and honours keys made with the CLI', async () => {
    const port = await freePort();
    const dbEnv: Record<string, string> = engine === 'pglite' ? { DATA_DIR: mkdtempSync(join(tmpdir(), 'lw-data-')) } : { DATABASE_URL: inject('postgresUrl') };
    const env = { ...dbEnv, PORT: String(port) };
    const created = await keys(env, 'create', '--name', 'test partner', '--scope', 'score');
    const key = /: (lw_\S+)/.exec(created.stdout)![1];
    const id = Number(/created key (\d+)/.exec(created.stdout)![1]);
    const limited = /: (lw_\S+)/.exec((await keys(env, 'create', '--name', 'limited partner', '--scope', 'score', '--rate', '1')).stdout)![1];
    const base = `http://127.0.0.1:${port}`;

    let server = await startServer(env);
    let applicationId: string;
    try {
      expect(await (await fetch(`${base}/healthz`)).json()).toMatchObject({ ok: true, database: 'up' });
      const res = await fetch(`${base}/v1/score`, {
        method: 'POST',
        body: JSON.stringify(sampleApplicant),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      });
      expect(res.status).toBe(200);
      applicationId = ((await res.json()) as { applicationId: string }).applicationId;
      if (engine === 'pglite') {
        // One process at a time on the embedded database: the CLI is refused while the server runs.
        const refused = await keys(env, 'list').catch((e) => e);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toMatch(/in use by process \d+: the embedded database allows one process at a time/);
      }
      const page = await (await fetch(`${base}/`)).text();
      // The chat at /, the form (fields from the schema) at /form.
      expect(page).toContain('role="log"');
      expect(await (await fetch(`${base}/form`)).text()).toContain('<label for="f-ficoScore">');
      expect((await fetch(`${base}/docs/assets/swagger-ui-bundle.js`)).status).toBe(200);

      // The body limit: a declared length over it is refused before any of the body is sent; a
      // chunked body (no length) is counted as it arrives, refused past the limit, accepted under it.
      const declared = await rawExchange(
        port,
        `POST /v1/score HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: ${BODY_LIMIT_BYTES + 1}\r\n\r\n`,
      );
      expect(declared).toMatch(/^HTTP\/1\.1 413 /);
      expect(declared).toContain(`body larger than ${BODY_LIMIT_BYTES} bytes`);
      const chunked = (body: string) =>
        fetch(`${base}/v1/score`, {
          method: 'POST',
          body: new Blob([body]).stream(),
          duplex: 'half',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        } as RequestInit);
      expect((await chunked(JSON.stringify({ ...sampleApplicant, pad: 'x'.repeat(BODY_LIMIT_BYTES) }))).status).toBe(413);
      expect((await chunked(JSON.stringify(sampleApplicant))).status).toBe(200);
      if (engine === 'pglite') {
        // Bodies that never arrive in full, side by side. Chunked, stopping halfway: Node answers 408 once
        // the request is not whole in 15 s (Hono counts a chunked body before the deadline starts). A
        // Content-Length larger than what was sent: the 10-s deadline answers 408 and says why, not 503.
        const started = Date.now();
        const head = `POST /v1/score HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\n`;
        const [stalled, short] = await Promise.all([
          rawExchange(port, `${head}Transfer-Encoding: chunked\r\n\r\n5\r\n{"loa\r\n`, 30_000),
          rawExchange(port, `${head}Content-Length: 400\r\n\r\n{"loanAmount":`, 30_000),
        ]);
        expect(stalled).toMatch(/^HTTP\/1\.1 408 /);
        expect(short).toMatch(/^HTTP\/1\.1 408 /);
        expect(short).toContain('did not arrive in full within 10 s');
        expect(Date.now() - started).toBeLessThan(20_000);
      }

      // Security headers, set on Node's response directly: the same as Hono's secureHeaders sets in
      // process, on answers from a handler, from the error handler and for unknown routes alike.
      const reference = createApp({ model: loadModel('models'), db: () => undefined as never });
      const security = (headers: Headers) => {
        const kept: Record<string, string> = {};
        headers.forEach((value, name) => {
          if (SECURITY_HEADERS.includes(name)) kept[name] = value;
        });
        return kept;
      };
      for (const [path, init] of [
        ['/healthz', {}],
        ['/embed.js', {}],
        ['/nothing-here', {}],
        ['/v1/score', { method: 'POST', body: '{', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` } }],
      ] as const) {
        const expected = security((await reference.request(path)).headers);
        expect(Object.keys(expected).length).toBeGreaterThanOrEqual(9);
        expect(security((await fetch(`${base}${path}`, init)).headers), path).toEqual(expected);
      }
      // X-Request-Id, Vary: Origin and the rate limit's headers are set on Node's response directly
      // too: on a decision, a refusal, an answer from the error handler and an unknown route, each once.
      const json = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
      for (const [path, init, status] of [
        ['/v1/score', { method: 'POST', body: JSON.stringify(sampleApplicant), headers: json }, 200],
        ['/v1/score', { method: 'POST', body: '{}', headers: json }, 400],
        ['/v1/score', { method: 'POST', body: JSON.stringify(sampleApplicant), headers: { ...json, 'idempotency-key': 'x' } }, 400],
        ['/v1/score', { method: 'POST', body: '{', headers: json }, 400],
        ['/v1/nothing-here', {}, 404],
      ] as const) {
        const traced = await fetch(`${base}${path}`, { ...init, headers: { ...init.headers, 'x-request-id': 'trace-12345678' } });
        expect(traced.status, path).toBe(status);
        expect(traced.headers.get('x-request-id')).toBe('trace-12345678');
        expect(traced.headers.get('vary')).toBe('Origin');
        // The key's limit, counted before the body is read.
        if (path === '/v1/score') expect(Number(traced.headers.get('ratelimit-remaining'))).toBeGreaterThan(0);
        const fresh = (await fetch(`${base}${path}`, init)).headers.get('x-request-id');
        expect(fresh).toMatch(/^[0-9a-f-]{36}$/);
      }
      // A key past its limit: the 429 carries the limit's headers and Retry-After, set on Node's response.
      const once = () =>
        fetch(`${base}/v1/score`, { method: 'POST', body: JSON.stringify(sampleApplicant), headers: { ...json, authorization: `Bearer ${limited}` } });
      const first = await once();
      expect([first.status, first.headers.get('ratelimit-limit'), first.headers.get('ratelimit-remaining')]).toEqual([200, '1', '0']);
      const over = await once();
      expect(over.status).toBe(429);
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
      expect([over.headers.get('ratelimit-limit'), over.headers.get('ratelimit-remaining'), over.headers.get('vary')]).toEqual(['1', '0', 'Origin']);
      expect(over.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await stopServer(server);
    }

    server = await startServer(env);
    try {
      const again = await fetch(`${base}/v1/applications/${applicationId}`, { headers: { authorization: `Bearer ${key}` } });
      expect(again.status).toBe(200);
      expect(((await again.json()) as { applicant: unknown }).applicant).toEqual(sampleApplicant);
    } finally {
      await stopServer(server);
    }
    if (engine === 'pglite') {
      // PGlite is single-process: the CLI works while the server is stopped.
      expect((await keys(env, 'revoke', String(id))).stdout).toContain(`revoked key ${id}`);
      expect((await keys(env, 'list')).stdout).toMatch(new RegExp(`^${id}\\tscore\\ttest partner.*revoked`, 'm'));
    }
  });
});

describe('npm start with TELEGRAM_BOT_TOKEN and no public URL', () => {
  it('runs the bot by long polling against the Bot API', async () => {
    const fake = await new FakeTelegram().start();
    const port = await freePort();
    const server = await startServer({
      DATA_DIR: mkdtempSync(join(tmpdir(), 'lw-data-')),
      PORT: String(port),
      TELEGRAM_BOT_TOKEN: '123456:POLL-TEST',
      TELEGRAM_API_ROOT: fake.url,
    });
    try {
      fake.pending.push(textUpdate(77, '/start'));
      await expect.poll(() => fake.textsTo(77).at(-1) ?? '', { timeout: 15_000 }).toMatch(/I am Lendwise/);
      const methods = fake.calls.map((c) => c.method);
      expect(methods).toEqual(expect.arrayContaining(['getMe', 'setMyCommands', 'deleteWebhook', 'getUpdates']));
    } finally {
      await stopServer(server);
      await fake.stop();
    }
  });
});

describe('npm start under a supervisor', () => {
  it('stops, server and all, when npm itself gets SIGTERM', async () => {
    const port = await freePort();
    const npm = spawn('npm', ['start'], {
      env: { ...process.env, DATA_DIR: mkdtempSync(join(tmpdir(), 'lw-data-')), PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const answers = () =>
      fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.status,
        () => 0,
      );
    await expect.poll(answers, { timeout: 60_000, interval: 250 }).toBe(200);
    const exited = new Promise<void>((resolve) => npm.once('exit', () => resolve()));
    npm.kill('SIGTERM');
    await exited;
    // Nothing left listening: before, npm's shell died and left the server running on its own.
    await expect.poll(answers, { timeout: 15_000, interval: 250 }).toBe(0);
  }, 90_000);
});

describe('npm run chat', () => {
  it('holds the same dialogue in a terminal, without a token, and stores the decision', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lw-data-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'bot/terminal-chat.ts'], {
      env: { ...process.env, DATA_DIR: dataDir },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const lines = ['/start', "I'd like 12k over 3 years to consolidate my debts, I earn 60k and rent", 'e', '450', '710', 'a', '35%', '6', 'a', '/status'];
    child.stdin.end(`${lines.join('\n')}\n`);
    const code = await new Promise<number>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(out).toMatch(/bot> Hello! I am Lendwise/);
    expect(out).toMatch(/bot> Got it — Amount: \$12,000; Term: 3 years \(36 months\)[\s\S]*How many years have you been in your current job\?[\s\S]*\[e\] 4/);
    expect(out).toMatch(/Please check your answers:[\s\S]*\[a\] Confirm and get my decision/);
    expect(out).toMatch(/bot> (✅ Approved|🔎 Referred|❌ Declined)[^\n]*\nbot> Risk score: \d{3}/);
    expect(out).toMatch(/Your latest application .*Reference: [0-9a-f-]{36}/);
  });
});

describe('keys CLI', () => {
  it('names the wrong argument', async () => {
    const env = { DATA_DIR: mkdtempSync(join(tmpdir(), 'lw-data-')) };
    const failed = await keys(env, 'create', '--name', 'x', '--scope', 'root').catch((e) => e);
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(/--scope: /);
  });
});
