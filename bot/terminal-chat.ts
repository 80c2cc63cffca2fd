import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import type { UserFromGetMe } from 'grammy/types';
import { openDatabase, type Database } from '../db/client.ts';
import { registerModel } from '../db/repository.ts';
import { seedRecordedMacro } from '../src/macro/recorded.ts';
import { decisionService } from '../src/app/decide.ts';
import { databaseStore } from '../db/decision-store.ts';
import { readEnv, type Env } from '../src/config/env.ts';
import { loadModel, modelLoader } from '../src/model/load.ts';
import { ModelRegistry } from '../src/app/model-registry.ts';
import { activeModelVersions } from '../db/model-repository.ts';
import { createBot } from './bot.ts';
import { handleOnce } from './update-queue.ts';
import { terminalOutput } from './terminal-output.ts';

/**
 * `npm run chat`: the Telegram dialogue in a terminal, through the same bot code. Outgoing Bot API
 * calls are printed instead of sent (photos and files are saved, and their paths printed); what you
 * type becomes Telegram updates. No token needed. `npm run chat --admin` (npm passes it as
 * npm_config_admin) or `npm run chat -- --admin` gives the lender commands.
 */
const USER_ID = 1;
const botInfo = { id: 42, is_bot: true, first_name: 'Lendwise', username: 'lendwise_terminal_bot' } as UserFromGetMe;

let args: { admin?: boolean };
try {
  args = parseArgs({ options: { admin: { type: 'boolean' } } }).values;
} catch {
  process.stderr.write('chat: the only option is --admin (npm run chat -- --admin, or npm run chat --admin)\n');
  process.exit(2);
}
const admin = args.admin === true || process.env.npm_config_admin === 'true';
const env = readEnv();
const model = loadModel(env.MODELS_DIR);
const database = await openChatDatabase(env);
await registerModel(database.db, model);
// As `npm start` does: the recorded FRED series, so /portfolio's stress works here too.
await seedRecordedMacro(database.db);
const db = () => database.db;
const bot = createBot(
  {
    db,
    model,
    // The database's champion and challenger, as the server uses them (the manifest's current until it names any).
    decisions: decisionService({
      model,
      store: databaseStore(db),
      models: new ModelRegistry({ fallback: model, load: modelLoader(env.MODELS_DIR), read: () => activeModelVersions(database.db) }),
    }),
    admins: admin ? [USER_ID] : env.BOT_ADMIN_IDS,
    downloadFile: async (path) => readFileSync(path, 'utf8'),
  },
  { token: '0:terminal', botInfo },
);

/**
 * The embedded database serves one process (db/client.ts): while `npm start` holds ./data, the chat
 * runs on a throw-away one and says so, rather than refusing to start.
 */
async function openChatDatabase(env: Env): Promise<Database> {
  if (env.DATABASE_URL) return openDatabase({ url: env.DATABASE_URL, max: 2 });
  try {
    return await openDatabase({ dataDir: env.DATA_DIR });
  } catch (error) {
    const holder = /in use by process (\d+)/.exec((error as Error).message)?.[1];
    if (!holder) throw error;
    process.stdout.write(
      `The server (process ${holder}) is using the embedded database in ${env.DATA_DIR}, which one process can open at a time, so this chat runs on a temporary in-memory database that keeps nothing: to use the same data, stop the server first, or start both with DATABASE_URL pointing at a PostgreSQL server.\n`,
    );
    return openDatabase({ dataDir: 'memory://' });
  }
}

const terminal = terminalOutput({ write: (text) => process.stdout.write(text), chatId: USER_ID });
bot.api.config.use(terminal.transformer);

let updateId = Date.now();
// The terminal's language (LANG=es_ES.UTF-8) is what a Telegram app would say it is.
const from = { id: USER_ID, is_bot: false, first_name: 'You', language_code: (process.env.LANG ?? 'en').split('.')[0]!.replace('_', '-') };
const chat = { id: USER_ID, type: 'private' as const, first_name: 'You' };
const now = () => Math.floor(Date.now() / 1000);

process.stdout.write(
  `Lendwise in your terminal${admin ? ' (with the lender commands)' : ''}. Type /start. Press a button by its letter (a number is an answer); send a CSV statement with "file PATH"; Ctrl-D quits.\n`,
);
const rl = createInterface({ input: process.stdin, terminal: false });
for await (const raw of rl) {
  const line = raw.trim();
  if (!line) continue;
  process.stdout.write(`you> ${line}\n`);
  const press = terminal.press(line);
  const file = /^file\s+(.+)$/.exec(line)?.[1];
  const command = /^\/\w+/.exec(line);
  const update = press
    ? {
        update_id: ++updateId,
        callback_query: {
          id: String(updateId),
          from,
          chat_instance: 'terminal',
          data: press,
          message: { message_id: terminal.buttonsMessageId(), date: now(), chat, text: terminal.textOf(terminal.buttonsMessageId()) },
        },
      }
    : file
      ? {
          update_id: ++updateId,
          message: {
            message_id: terminal.nextMessageId(),
            date: now(),
            from,
            chat,
            document: { file_id: file, file_unique_id: file, file_name: basename(file) },
          },
        }
      : {
          update_id: ++updateId,
          message: {
            message_id: terminal.nextMessageId(),
            date: now(),
            from,
            chat,
            text: line,
            ...(command ? { entities: [{ type: 'bot_command' as const, offset: 0, length: command[0].length }] } : {}),
          },
        };
  // Errors go to the bot's own handler, which answers as it would in Telegram; the chat goes on.
  await handleOnce(bot, update as never);
}
await database.close();
