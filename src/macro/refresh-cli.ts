import { openDatabase } from '../../db/client.ts';
import { readEnv } from '../config/env.ts';
import { fredClient } from './fred.ts';
import { refreshMacro, storedMacroRelation } from './refresh.ts';

/** `npm run macro:refresh`: fetches the FRED series into the database (DATABASE_URL or the embedded one) and prints the fitted relation. */
const env = readEnv();
if (!env.FRED_API_KEY) {
  console.error('FRED_API_KEY is not set: get a free key at https://fred.stlouisfed.org/docs/api/api_key.html');
  process.exit(2);
}
const database = await openDatabase(env.DATABASE_URL ? { url: env.DATABASE_URL, max: 1 } : { dataDir: env.DATA_DIR });
try {
  const counts = await refreshMacro(database.db, fredClient({ apiKey: env.FRED_API_KEY, apiRoot: env.FRED_API_ROOT }), 'cli');
  console.log(`stored: ${JSON.stringify(counts)}`);
  console.log(`unemployment → charge-offs: ${JSON.stringify(await storedMacroRelation(database.db))}`);
} finally {
  await database.close();
}
