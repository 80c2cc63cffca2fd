import { benchForest, markdownTable, writeResults } from './forest.ts';
import { benchModels } from './models.ts';
import { benchPortfolio } from './portfolio.ts';
import { benchPortfolioScale } from './portfolio-scale.ts';

const args = process.argv.slice(2);
const only = args.find((a) => !a.startsWith('--'));
if (!only || only === 'forest') {
  const rows = await benchForest();
  writeResults('forest', 'Forest: training, scoring, quality', rows);
  process.stdout.write(markdownTable('Forest: training, scoring, quality', rows));
}
if (!only || only === 'models') {
  // `--full-grid` also runs the forest search without successive halving (several minutes).
  const rows = await benchModels({ fullGrid: args.includes('--full-grid') });
  const title = 'Models: boosting vs XGBoost vs forest vs logistic; forest search at 150,000 rows';
  writeResults('models', title, rows);
  process.stdout.write(markdownTable(title, rows));
}
if (!only || only === 'portfolio') {
  const rows = await benchPortfolio();
  writeResults('portfolio', 'Portfolio: optimiser and Monte Carlo', rows);
  process.stdout.write(markdownTable('Portfolio: optimiser and Monte Carlo', rows));
}
if (!only || only === 'portfolio-scale') {
  const title = 'Portfolio at book scale: 1,000,000 loans on PostgreSQL 15, scoring while a job runs';
  const rows = await benchPortfolioScale();
  writeResults('portfolio-scale', title, rows);
  process.stdout.write(markdownTable(title, rows));
}
