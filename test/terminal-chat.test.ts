import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, InlineKeyboard, InputFile } from 'grammy';
import { terminalOutput } from '../bot/terminal-output.ts';
import { openDatabase } from '../db/client.ts';
import { databaseStore } from '../db/decision-store.ts';
import { registerModel } from '../db/repository.ts';
import { decisionService } from '../src/app/decide.ts';
import { loadModel } from '../src/model/load.ts';
import { lendingClubApplicants } from './support/lendingclub-book.ts';

/**
 * `npm run chat` (bot/terminal-chat.ts) as a person runs it: lender commands with `--admin` or with
 * npm's `npm run chat --admin` (npm_config_admin=true); /export's CSV and /portfolio's chart saved to
 * files whose paths are printed; and a chat started while the server holds the embedded database
 * runs anyway, saying in one sentence why nothing is kept and what to do instead.
 */

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** The chat as a child process, driven line by line: `until` waits for its output to match. */
function chat(env: Record<string, string>, args: string[] = []) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bot/terminal-chat.ts', ...args], {
    env: { ...process.env, npm_config_admin: '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return {
    say: (line: string) => child.stdin.write(`${line}\n`),
    out: () => out,
    until: async (pattern: RegExp, timeout = 60_000) => {
      await expect.poll(() => out, { timeout, interval: 100 }).toMatch(pattern);
      return pattern.exec(out)!;
    },
    quit: async () => {
      child.stdin.end();
      return exited;
    },
  };
}

describe('npm run chat', () => {
  const model = loadModel('models');
  let dataDir: string;

  beforeAll(async () => {
    // A small book of real applicants (the first LendingClub loans), decided as the API decides them.
    dataDir = mkdtempSync(join(tmpdir(), 'lw-chat-'));
    const database = await openDatabase({ dataDir });
    try {
      await registerModel(database.db, model);
      const service = decisionService({ model, store: databaseStore(() => database.db) });
      for (const applicant of await lendingClubApplicants(40))
        await service.decide({ applicant, caller: { owner: 'test', channel: 'api', trustedEvidence: false } });
    } finally {
      await database.close();
    }
  }, 120_000);

  it('gives the lender commands with --admin, and saves /export and /portfolio files, printing their paths', async () => {
    const c = chat({ DATA_DIR: dataDir }, ['--admin']);
    await c.until(/with the lender commands/);
    c.say('/export');
    const [, csvPath] = await c.until(/bot> \[file saved to (\S+\.csv)\] (\d+) decisions/);
    expect(readFileSync(csvPath, 'utf8')).toMatch(/^applicationId,createdAt,channel,decision/);
    c.say('/portfolio');
    // The job may take a few seconds: the chart comes when it is done.
    const [, pngPath] = await c.until(/bot> \[photo saved to (\S+\.png)\] Simulated one-year losses/, 90_000);
    expect(readFileSync(pngPath).subarray(1, 4).toString()).toBe('PNG');
    expect(c.out()).toMatch(/bot> Book: \d+ approved loans/);
    expect(await c.quit()).toBe(0);
  }, 120_000);

  it('takes npm run chat --admin as npm passes it (npm_config_admin=true), and keeps lender commands out without it', async () => {
    const npmStyle = chat({ DATA_DIR: dataDir, npm_config_admin: 'true' });
    await npmStyle.until(/with the lender commands/);
    npmStyle.say('/stats');
    await npmStyle.until(/bot> Today \(UTC\): \d+ applications/);
    expect(await npmStyle.quit()).toBe(0);

    const plain = chat({ DATA_DIR: dataDir });
    await plain.until(/Type \/start/);
    expect(plain.out()).not.toMatch(/lender commands/);
    plain.say('/stats');
    await plain.until(/not allowed/);
    expect(await plain.quit()).toBe(0);
  }, 120_000);

  it('runs while the server holds the embedded database, and says in one sentence what to do to share its data', async () => {
    // This test process holds the directory, as `npm start` would.
    const held = await openDatabase({ dataDir });
    try {
      const c = chat({ DATA_DIR: dataDir });
      const [sentence] = await c.until(/The server \(process \d+\) is using the embedded database in [^\n]+\n/);
      expect(sentence).toContain(`process ${process.pid}`);
      expect(sentence).toMatch(/temporary in-memory database that keeps nothing: to use the same data, stop the server first, or start both with DATABASE_URL/);
      c.say('/start');
      await c.until(/bot> Hello! I am Lendwise/);
      c.say('/status');
      await c.until(/no decisions yet/);
      expect(await c.quit()).toBe(0);
    } finally {
      await held.close();
    }
    expect(existsSync(join(dataDir, 'lendwise.lock'))).toBe(false);
  }, 120_000);
});

describe("the terminal's Bot API", () => {
  it('prints an edited message once, drops buttons edited away, says nothing for typing, and saves photos', async () => {
    let out = '';
    const filesDir = mkdtempSync(join(tmpdir(), 'lw-chat-files-'));
    const terminal = terminalOutput({ write: (t) => (out += t), chatId: 1, filesDir });
    const api = new Api('0:terminal');
    api.config.use(terminal.transformer);

    const question = await api.sendMessage(1, 'Step 2 of 13. Over how long?', {
      reply_markup: new InlineKeyboard().text('36 months', 'a:36').text('60 months', 'a:60'),
    });
    expect(out).toBe('\nbot> Step 2 of 13. Over how long?\n  [a] 36 months\n  [b] 60 months\n');
    expect(terminal.press('b')).toBe('a:60');
    // A number is an answer (3 years in a job), never a button.
    expect(terminal.press('2')).toBeUndefined();
    expect(terminal.buttonsMessageId()).toBe(question.message_id);

    out = '';
    await api.sendChatAction(1, 'typing');
    await api.editMessageText(1, question.message_id, 'Step 2 of 13. Over how long?'); // the same text: nothing new to show
    expect(out).toBe('');
    await api.editMessageText(1, question.message_id, 'Step 2 of 13. Over how long? — 60 months');
    await api.editMessageText(1, question.message_id, 'Step 2 of 13. Over how long? — 60 months');
    expect(out).toBe('\nbot> (edited) Step 2 of 13. Over how long? — 60 months\n');
    // The keyboard is gone: a letter is text again, not a press.
    expect(terminal.press('a')).toBeUndefined();

    const offer = await api.sendMessage(1, 'Counter-offer', { reply_markup: new InlineKeyboard().text('Accept', 'counter:x') });
    await api.editMessageReplyMarkup(1, offer.message_id);
    expect(terminal.press('a')).toBeUndefined();
    await api.answerCallbackQuery('q', { text: 'Accepted.' });
    expect(out).toContain('bot> (Accepted.)\n');

    out = '';
    await api.sendPhoto(1, new InputFile(Buffer.from('\x89PNG fake', 'latin1'), 'frontier.png'), { caption: 'Efficient frontier' });
    const path = /\[photo saved to (\S+)\] Efficient frontier/.exec(out)?.[1];
    expect(path).toBe(join(filesDir, '01-frontier.png'));
    expect(readFileSync(path!, 'latin1')).toBe('\x89PNG fake');
  });
});
