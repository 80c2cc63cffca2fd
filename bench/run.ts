import { benchForest, markdownTable, writeResults } from './forest.ts';
import { benchPortfolio } from './portfolio.ts';

const only = process.argv[2];
if (!only || only === 'forest') {
  const rows = await benchForest();
  writeResults('forest', 'Forest: training, scoring, quality', rows);
  process.stdout.write(markdownTable('Forest: training, scoring, quality', rows));
}
if (!only || only === 'portfolio') {
  const rows = await benchPortfolio();
  writeResults('portfolio', 'Portfolio: optimiser and Monte Carlo', rows);
  process.stdout.write(markdownTable('Portfolio: optimiser and Monte Carlo', rows));
}
