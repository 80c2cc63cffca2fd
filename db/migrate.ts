import { openDatabase } from './client.ts';
import { readEnv } from '../src/config/env.ts';

/** Applies the committed migrations to DATABASE_URL (or the embedded database in DATA_DIR). */
const env = readEnv();
const database = await openDatabase(env.DATABASE_URL ? { url: env.DATABASE_URL, max: 1 } : { dataDir: env.DATA_DIR });
await database.close();
console.log(`migrations applied (${database.engine})`);
