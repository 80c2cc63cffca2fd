import { parseArgs } from 'node:util';
import { z } from 'zod';
import { openDatabase } from '../../db/client.ts';
import { createKey, KEY_SCOPES, listKeys, revokeKey } from '../../db/repository.ts';
import { addBotAdmin, listBotAdmins, removeBotAdmin } from '../../db/bot-repository.ts';
import { refreshAdminMenu } from '../../bot/commands.ts';
import { readEnv } from '../config/env.ts';
import { plainRule } from '../applicant/schema.ts';

const HELP = `npm run keys -- <command>   (API keys and bot admins)

  create --name NAME --scope admin|score|widget|trusted-evidence [--origins https://a.example,https://b.example] [--rate N]
         prints the new key once; only its hash is stored
  revoke ID
  list
  admin add|remove|list [TELEGRAM_USER_ID]   lenders allowed to run the bot's admin commands
Uses DATABASE_URL, or the embedded database in DATA_DIR (default ./data).
`;

/** What happened to the user's command menu in Telegram after `admin add|remove`. */
const MENU_NOTE = {
  updated: 'their command menu in Telegram is updated',
  'unknown chat': 'Telegram knows no chat with them yet: their command menu is set when the bot next starts after they have written to it',
  unreachable: 'Telegram could not be reached: their command menu is updated when the bot next starts',
} as const;

const CreateSchema = z.object({
  name: z.string().min(1, 'is required'),
  scope: z.enum(KEY_SCOPES),
  origins: z
    .string()
    .optional()
    .transform((s) =>
      s
        ? s
            .split(',')
            .map((o) => o.trim())
            .filter(Boolean)
        : [],
    )
    .pipe(z.array(z.url())),
  rate: z.coerce.number().int().min(1).max(1_000_000).optional(),
});

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      scope: { type: 'string' },
      origins: { type: 'string' },
      rate: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, arg] = positionals;
  if (values.help || !command) {
    process.stdout.write(HELP);
    return command ? 0 : 2;
  }
  const env = readEnv();
  // Beside a running server: migrations as the owner when DATABASE_MIGRATION_URL says who that is.
  const database = await openDatabase(
    env.DATABASE_URL
      ? { url: env.DATABASE_URL, max: 1, ...(env.DATABASE_MIGRATION_URL ? { migrationUrl: env.DATABASE_MIGRATION_URL } : {}) }
      : { dataDir: env.DATA_DIR },
  );
  try {
    const actor = `cli:${process.env.USER ?? 'unknown'}`;
    if (command === 'create') {
      const parsed = CreateSchema.safeParse(values);
      if (!parsed.success) {
        for (const i of parsed.error.issues) process.stderr.write(`--${i.path.join('.')}: ${plainRule(i)}\n`);
        return 2;
      }
      const { key, record } = await createKey(
        database.db,
        { name: parsed.data.name, scope: parsed.data.scope, allowedOrigins: parsed.data.origins, ratePerMinute: parsed.data.rate },
        actor,
      );
      process.stdout.write(`created key ${record.id} (${record.scope}, ${record.ratePerMinute}/min): ${key}\n`);
      return 0;
    }
    if (command === 'revoke') {
      const id = Number(arg);
      if (!Number.isInteger(id) || id <= 0) {
        process.stderr.write('revoke: give the key id (a positive whole number)\n');
        return 2;
      }
      const done = await revokeKey(database.db, id, actor);
      process.stdout.write(done ? `revoked key ${id}\n` : `no active key ${id}\n`);
      return done ? 0 : 1;
    }
    if (command === 'admin') {
      const [, action, rawId] = positionals;
      const id = Number(rawId);
      if (action === 'list') {
        for (const a of await listBotAdmins(database.db)) process.stdout.write(`${a.telegramUserId}\tadded by ${a.addedBy} ${a.addedAt.toISOString()}\n`);
        return 0;
      }
      if ((action !== 'add' && action !== 'remove') || !Number.isInteger(id) || id <= 0) {
        process.stderr.write('admin: use "admin add ID", "admin remove ID" or "admin list" (ID: a Telegram user id)\n');
        return 2;
      }
      if (action === 'add') await addBotAdmin(database.db, id, actor);
      else if (!(await removeBotAdmin(database.db, id, actor))) {
        process.stdout.write(`${id} was not an admin\n`);
        return 1;
      }
      process.stdout.write(`${action === 'add' ? 'added' : 'removed'} bot admin ${id}\n`);
      if (env.TELEGRAM_BOT_TOKEN) {
        const isAdmin = action === 'add' || env.BOT_ADMIN_IDS.includes(id);
        const menu = await refreshAdminMenu({ token: env.TELEGRAM_BOT_TOKEN, apiRoot: env.TELEGRAM_API_ROOT, userId: id, isAdmin });
        process.stdout.write(`${MENU_NOTE[menu]}\n`);
      }
      return 0;
    }
    if (command === 'list') {
      for (const k of await listKeys(database.db)) {
        process.stdout.write(
          `${k.id}\t${k.scope}\t${k.name}\t${k.ratePerMinute}/min\t${k.allowedOrigins.join(',') || '-'}\t${k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active'}\n`,
        );
      }
      return 0;
    }
    process.stderr.write(`unknown command "${command}"\n\n${HELP}`);
    return 2;
  } finally {
    await database.close();
  }
}

main().then(
  (code) => (process.exitCode = code),
  (error: Error) => {
    process.stderr.write(`keys: ${error.message}\n`);
    process.exitCode = 1;
  },
);
