import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel } from '../model/load.ts';
import { CORRELATION_FILE, estimateCorrelationTable } from './correlation-table.ts';
import { LENDINGCLUB_FILE, loadHistory } from './history.ts';

/** `npm run portfolio:correlation`: re-estimates models/portfolio-correlation.json from the LendingClub history. */
const model = loadModel('models');
const loans = await loadHistory(model);
const report = estimateCorrelationTable(loans, `${LENDINGCLUB_FILE} (${loans.length} loans), bands from grades`);
writeFileSync(join('models', CORRELATION_FILE), `${JSON.stringify(report, null, 2)}\n`);
for (const e of report.estimates)
  console.log(
    `${e.kind.padEnd(5)} ${e.segment.padEnd(4)} loans ${String(e.loans).padStart(6)}  default rate ${(e.pd * 100).toFixed(1)}%  rho ${e.rho === null ? '—' : e.rho.toFixed(3)}  Basel retail ${e.baselRetail.toFixed(3)}`,
  );
console.log(`written models/${CORRELATION_FILE}: ${JSON.stringify(report.table)}`);
