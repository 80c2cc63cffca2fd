import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import type { UserFromGetMe } from 'grammy/types';
import { openDatabase } from '../db/client.ts';
import { registerModel } from '../db/repository.ts';
import { seedRecordedMacro } from '../src/macro/recorded.ts';
import { decisionService } from '../src/app/decide.ts';
import { databaseStore } from '../db/decision-store.ts';
import { readEnv } from '../src/config/env.ts';
import { loadModel } from '../src/model/load.ts';
import { createBot } from './bot.ts';

/**
 * `npm run chat`: the Telegram dialogue in a terminal, through the same bot code. Outgoing Bot API
 * calls are printed instead of sent; what you type becomes Telegram updates. No token needed.
 */
const USER_ID = 1;
const botInfo = { id: 42, is_bot: true, first_name: 'Lendwise', username: 'lendwise_terminal_bot' } as UserFromGetMe;

const { values } = parseArgs({ options: { admin: { type: 'boolean' } } });
const env = readEnv();
const model = loadModel(env.MODELS_DIR);
const database = await openDatabase(env.DATABASE_URL ? { url: env.DATABASE_URL, max: 2 } : { dataDir: env.DATA_DIR });
await registerModel(database.db, model);
// As `npm start` does: the recorded FRED series, so /portfolio's stress works here too.
await seedRecordedMacro(database.db);
const db = () => database.db;
const bot = createBot(
  {
    db,
    model,
    decisions: decisionService({ model, store: databaseStore(db) }),
    admins: values.admin ? [USER_ID] : env.BOT_ADMIN_IDS,
    downloadFile: async (path) => readFileSync(path, 'utf8'),
  },
  { token: '0:terminal', botInfo },
);

let buttons: string[] = [];
let messageId = 1;
let updateId = Date.now();
bot.api.config.use(async (_prev, method, payload) => {
  const p = payload as Record<string, unknown> & {
    reply_markup?: { inline_keyboard?: { text: string; callback_data: string }[][] };
    text?: string;
    caption?: string;
  };
  if (method === 'sendMessage' || method === 'sendDocument') {
    if (p.text) process.stdout.write(`\nbot> ${String(p.text).replace(/\n/g, '\nbot> ')}\n`);
    if (method === 'sendDocument') process.stdout.write(`bot> [a file: ${p.caption ?? 'document'}]\n`);
    const rows: { text: string; callback_data: string }[][] = p.reply_markup?.inline_keyboard ?? [];
    const flat = rows.flat();
    if (flat.length) {
      buttons = flat.map((b) => b.callback_data);
      process.stdout.write(`${flat.map((b, i) => `  [${i + 1}] ${b.text}`).join('\n')}\n`);
    } else if (method === 'sendMessage') buttons = [];
    return { ok: true, result: { message_id: messageId++, date: 0, chat: { id: USER_ID, type: 'private' }, text: p.text } } as never;
  }
  if (method === 'getFile') return { ok: true, result: { file_id: p.file_id, file_unique_id: p.file_id, file_path: p.file_id } } as never;
  return { ok: true, result: true } as never;
});

const from = { id: USER_ID, is_bot: false, first_name: 'You' };
const chat = { id: USER_ID, type: 'private' as const, first_name: 'You' };
const now = () => Math.floor(Date.now() / 1000);

process.stdout.write('Lendwise in your terminal. Type /start. Press a button by its number; send a CSV statement with "file PATH"; Ctrl-D quits.\n');
const rl = createInterface({ input: process.stdin, terminal: false });
for await (const raw of rl) {
  const line = raw.trim();
  if (!line) continue;
  process.stdout.write(`you> ${line}\n`);
  const press = /^\d+$/.test(line) && buttons.length ? buttons[Number(line) - 1] : undefined;
  const file = /^file\s+(.+)$/.exec(line)?.[1];
  const command = /^\/\w+/.exec(line);
  const update = press
    ? {
        update_id: ++updateId,
        callback_query: { id: String(updateId), from, chat_instance: 'terminal', data: press, message: { message_id: messageId, date: now(), chat, text: '' } },
      }
    : file
      ? {
          update_id: ++updateId,
          message: { message_id: messageId++, date: now(), from, chat, document: { file_id: file, file_unique_id: file, file_name: file } },
        }
      : {
          update_id: ++updateId,
          message: {
            message_id: messageId++,
            date: now(),
            from,
            chat,
            text: line,
            ...(command ? { entities: [{ type: 'bot_command' as const, offset: 0, length: command[0].length }] } : {}),
          },
        };
  await bot.handleUpdate(update as never);
}
await database.close();
