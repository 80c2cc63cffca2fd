import { benchForest, markdownTable, writeResults } from './forest.ts';

const rows = await benchForest();
writeResults('forest', 'Forest: training, scoring, quality', rows);
process.stdout.write(markdownTable('Forest: training, scoring, quality', rows));
