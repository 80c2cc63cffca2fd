import { parseArgs } from 'node:util';
import { z } from 'zod';
import { setUpRoles } from '../../db/roles.ts';
import { classifyDatabaseError } from '../app/database-errors.ts';

/**
 * `npm run db:roles -- --admin-url postgres://postgres@host/lendwise --owner lendwise_owner --app lendwise_app`
 * with OWNER_PASSWORD and APP_PASSWORD in the environment (never on the command line): sets up the
 * owner and application roles (db/roles.ts). Idempotent; run it after the first migration too, so
 * that the audit log's grants are narrowed. Then start the server with DATABASE_MIGRATION_URL (owner)
 * and DATABASE_URL (application role).
 */
const Args = z.object({
  'admin-url': z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL of a role that may create roles'),
  owner: z.string().default('lendwise_owner'),
  app: z.string().default('lendwise_app'),
});
const Passwords = z.object({
  OWNER_PASSWORD: z.string().min(12, 'must be at least 12 characters'),
  APP_PASSWORD: z.string().min(12, 'must be at least 12 characters'),
});

const USAGE = 'usage: OWNER_PASSWORD=… APP_PASSWORD=… npm run db:roles -- --admin-url postgres://… [--owner NAME] [--app NAME]';

async function main(): Promise<number> {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({ options: { 'admin-url': { type: 'string' }, owner: { type: 'string' }, app: { type: 'string' } } }));
  } catch {
    console.error(USAGE);
    return 2;
  }
  const args = Args.safeParse(values);
  const passwords = Passwords.refine((p) => p.OWNER_PASSWORD !== p.APP_PASSWORD, {
    message: 'must differ from OWNER_PASSWORD',
    path: ['APP_PASSWORD'],
  }).safeParse(process.env);
  for (const result of [args, passwords]) {
    if (!result.success) {
      for (const issue of result.error.issues)
        console.error(`${issue.path.join('.') || 'argument'}: ${issue.code === 'invalid_type' ? 'is required' : issue.message}`);
      console.error(USAGE);
      return 2;
    }
  }
  await setUpRoles(
    args.data!['admin-url'],
    { owner: args.data!.owner, app: args.data!.app },
    { owner: passwords.data!.OWNER_PASSWORD, app: passwords.data!.APP_PASSWORD },
  );
  console.log(`roles ${args.data!.owner} (owner, migrations) and ${args.data!.app} (the server) are set up`);
  return 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  // Never the driver's message or the URL: either may hold the administrator's password.
  const { kind, code } = classifyDatabaseError(error);
  const what =
    error instanceof TypeError && /URL/.test(error.message) ? '--admin-url is not a valid URL' : `could not set up the roles (database ${kind} error, ${code})`;
  console.error(`db:roles: ${what}`);
  process.exitCode = 1;
}
