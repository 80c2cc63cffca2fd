import { benchApi } from './api.ts';
import { markdownTable, writeResults } from './forest.ts';

const rows = await benchApi();
writeResults('api', 'API: scored-and-stored requests', rows);
process.stdout.write(markdownTable('API: scored-and-stored requests', rows));
