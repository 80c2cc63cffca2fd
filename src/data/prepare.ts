/**
 * Derives the project's own copies of the public data sets from ../shared/data (run once by a
 * maintainer: `npm run data:prepare`). The product and the tests read only ./datasets.
 */
import { createWriteStream, copyFileSync, mkdirSync } from 'node:fs';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { streamCsv } from './csv.ts';
import { isForbiddenFeatureColumn } from './leakage.ts';
import { BERKA_HEAD_FILE, prepareBerkaHead } from './berka.ts';

const SHARED = process.argv[2] ?? '../shared/data';
const OUT = 'datasets';

/** Dropped outright: geography (never a feature, never needed) and assembly bookkeeping. */
const DROP = new Set(['zip_code', 'addr_state', 'enrich_sources', 'default']);
/** Kept although forbidden as features: the outcome and LendingClub's grade as a benchmark. */
const KEEP_FORBIDDEN = new Set(['loan_status', 'grade', 'int_rate', 'installment']);

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const source = `${SHARED}/lendingclub_2007_2011.csv`;
  let columns: string[] | undefined;
  const rows = Readable.from(
    (async function* () {
      for await (const { record } of streamCsv(source)) {
        columns ??= Object.keys(record).filter((c) => !DROP.has(c) && (!isForbiddenFeatureColumn(c) || KEEP_FORBIDDEN.has(c)));
        yield columns.map((c) => record[c]);
      }
    })(),
  );
  const header = [
    'loan_amnt',
    'term',
    'int_rate',
    'installment',
    'grade',
    'emp_length',
    'home_ownership',
    'annual_inc',
    'verification_status',
    'purpose',
    'dti',
    'delinq_2yrs',
    'fico_range_low',
    'inq_last_6mths',
    'open_acc',
    'pub_rec',
    'revol_bal',
    'revol_util',
    'total_acc',
    'loan_status',
  ];
  await pipeline(rows, stringify({ header: true, columns: header }), createGzip({ level: 9 }), createWriteStream(`${OUT}/lendingclub_2007_2011.csv.gz`));
  if (columns && columns.join() !== header.join()) {
    throw new Error(`column layout changed: ${columns.join()} (expected ${header.join()})`);
  }
  copyFileSync(`${SHARED}/german_credit.csv`, `${OUT}/german_credit.csv`);
  console.log(`wrote ${OUT}/lendingclub_2007_2011.csv.gz and ${OUT}/german_credit.csv`);
  // The early Berka history (issue 11): the accounts with a loan, strictly before it.
  mkdirSync(`${OUT}/berka`, { recursive: true });
  const head = await prepareBerkaHead(`${SHARED}/berka`, `${OUT}/berka`);
  console.log(`wrote ${OUT}/berka/${BERKA_HEAD_FILE} (${head.rows} rows, ${head.accounts} accounts)`);
}

await main();
