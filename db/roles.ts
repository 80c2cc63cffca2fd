import pg from 'pg';

/**
 * Least privilege on PostgreSQL (issue 14): an owner role that owns the tables and runs the
 * migrations, and an application role for the server with only what it needs — read and write
 * rows, append to the audit log — and no TRUNCATE, no DDL (so it cannot drop the audit triggers),
 * no UPDATE or DELETE on the audit log. Run once by an administrator, then point
 * DATABASE_MIGRATION_URL at the owner and DATABASE_URL at the application role.
 */
export interface RoleNames {
  owner: string;
  app: string;
}

const ident = (name: string) => {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`role name ${JSON.stringify(name)} must be lowercase letters, digits and _`);
  return `"${name}"`;
};

/**
 * Creates (or updates) both roles on the database `adminUrl` points at, with these passwords, and
 * hands every table, sequence and function in the schemas public and drizzle to the owner.
 *
 * @example await setUpRoles('postgres://postgres@db/lendwise', { owner: 'lendwise_owner', app: 'lendwise_app' }, { owner: 'o-secret', app: 'a-secret' });
 */
export async function setUpRoles(adminUrl: string, names: RoleNames, passwords: { owner: string; app: string }): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  const owner = ident(names.owner);
  const app = ident(names.app);
  const run = (text: string, params: unknown[] = []) => client.query(text, params).then((r) => r.rows);
  await client.connect();
  try {
    const database = (await run('select current_database() as name'))[0].name as string;
    for (const [role, password] of [
      [names.owner, passwords.owner],
      [names.app, passwords.app],
    ] as const) {
      const exists = (await run('select 1 from pg_roles where rolname = $1', [role])).length > 0;
      await run(`${exists ? 'ALTER' : 'CREATE'} ROLE ${ident(role)} LOGIN PASSWORD '${password.replaceAll("'", "''")}'`);
    }
    await run(`GRANT CONNECT, CREATE, TEMPORARY ON DATABASE "${database.replaceAll('"', '""')}" TO ${owner}`);
    await run(`GRANT CONNECT ON DATABASE "${database.replaceAll('"', '""')}" TO ${app}`);
    await run(`ALTER SCHEMA public OWNER TO ${owner}`);
    await run(`CREATE SCHEMA IF NOT EXISTS drizzle AUTHORIZATION ${owner}`);
    await run(`ALTER SCHEMA drizzle OWNER TO ${owner}`);
    // Whatever the migrations made so far (perhaps as another role) now belongs to the owner.
    const objects = await run(`
      select format('ALTER %s %I.%I OWNER TO ', case c.relkind when 'S' then 'SEQUENCE' when 'v' then 'VIEW' else 'TABLE' end, n.nspname, c.relname) as stmt
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname in ('public', 'drizzle') and c.relkind in ('r', 'p', 'S', 'v')
      union all
      select format('ALTER FUNCTION %I.%I(%s) OWNER TO ', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid))
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public'`);
    for (const { stmt } of objects) await run(`${stmt}${owner}`);
    await run(`GRANT USAGE ON SCHEMA public TO ${app}`);
    await run(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
    await run(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${app}`);
    await run(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${app}`);
    await run(`ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${app}`);
    await run(`ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${app}`);
    // The audit log: read and append only (its triggers refuse the rest even to the owner).
    if ((await run(`select to_regclass('public.audit_log') as t`))[0].t) await run(`REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM ${app}`);
  } finally {
    await client.end();
  }
}
