import { randomUUID } from 'node:crypto';
import { classifyDatabaseError } from '../src/app/database-errors.ts';
import { DeadlinePassed, type Deadline } from '../src/app/deadline.ts';
import type { DecisionRecord } from '../src/app/ports.ts';
import type { Db, Tx } from './client.ts';
import { rawTransaction, type RawStatement } from './raw-transaction.ts';
import { getTableColumns } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { applications, decisions, shadowScores } from './schema.ts';

/** The applications row of a decision record. */
export function applicationRow(id: string, r: DecisionRecord): typeof applications.$inferInsert {
  return {
    id,
    channel: r.caller.channel,
    apiKeyId: r.caller.apiKeyId ?? null,
    subject: r.caller.subject ?? null,
    owner: r.caller.owner,
    idempotencyKey: r.idempotencyKey ?? null,
    supersedes: r.supersedes ?? null,
    applicant: r.applicant,
  };
}

/** The decisions row of a decision record. */
export function decisionRow(id: string, r: DecisionRecord): typeof decisions.$inferInsert {
  const a = r.assessment;
  return {
    applicationId: id,
    pd: a.pd,
    score: a.score,
    riskBand: a.riskBand,
    decision: a.decision,
    reasons: a.reasons,
    offer: a.offer,
    behaviour: a.behaviour,
    thinFile: a.thinFile,
    notices: a.notices,
    modelVersion: a.modelVersion,
    policyVersion: r.policyVersion,
    purpose: r.applicant.purpose,
    amount: a.offer.amount,
    termMonths: a.offer.termMonths,
    apr: a.offer.apr,
  };
}

/** The shadow_scores rows of a decision record (the challenger's view; none without one). */
export function shadowRows(id: string, r: DecisionRecord): (typeof shadowScores.$inferInsert)[] {
  return (r.shadow ?? []).map((s) => ({ applicationId: id, modelVersion: s.modelVersion, pd: s.pd, score: s.score, decision: s.decision }));
}

type ApplicationRow = ReturnType<typeof applicationRow>;
type DecisionRow = ReturnType<typeof decisionRow>;
type ShadowRow = ReturnType<typeof shadowRows>[number];

/**
 * `select … from jsonb_to_recordset(…) as t(…)`: one table's rows of a batch, read from `source` (a
 * JSON array of the rows as built above, drizzle's field names as keys) and typed by the schema. The
 * text depends on the fields only, so it is written once and prepared once per connection; a batch
 * of any size is one JSON document (drizzle's multi-row insert built every row's SQL, and pg's array
 * parameters escape every string: both were a tenth of the server's time under load).
 */
function recordset<T extends PgTable, F extends string>(table: T, fields: readonly F[], source: string, defaults: Partial<Record<F, string>> = {}) {
  const columns = getTableColumns(table) as Record<string, PgColumn>;
  const names = fields.map((f) => columns[f].name).join(', ');
  const types = fields.map((f) => `"${f}" ${columns[f].getSQLType()}`).join(', ');
  const selected = fields.map((f) => (defaults[f] ? `coalesce(t."${f}", ${defaults[f]})` : `t."${f}"`)).join(', ');
  return { names, select: `select ${selected} from jsonb_to_recordset(${source}) as t(${types})` };
}

/**
 * A whole batch in one statement and one round trip: its applications, decisions and the
 * challenger's shadow scores. A shadow row can never fail the batch: one naming a model version the
 * database does not know is left out (counted in the answer), and the values were checked when scored.
 */
const batchStatement = (() => {
  const a = recordset(applications, ['id', 'channel', 'apiKeyId', 'subject', 'owner', 'idempotencyKey', 'supersedes', 'applicant'], `$1::jsonb -> 'a'`);
  const d = recordset(
    decisions,
    [
      'applicationId',
      'pd',
      'score',
      'riskBand',
      'decision',
      'reasons',
      'offer',
      'behaviour',
      'thinFile',
      'notices',
      'modelVersion',
      'policyVersion',
      'purpose',
      'amount',
      'termMonths',
      'apr',
    ],
    `$1::jsonb -> 'd'`,
    { thinFile: 'false', notices: `'[]'::jsonb` },
  );
  const s = recordset(shadowScores, ['applicationId', 'modelVersion', 'pd', 'score', 'decision'], `$1::jsonb -> 's'`);
  const text = [
    `with a as (insert into applications (${a.names}) ${a.select}),`,
    `d as (insert into decisions (${d.names}) ${d.select}),`,
    `s as (insert into shadow_scores (${s.names}) ${s.select} where exists (select 1 from model_versions m where m.version = t."modelVersion") on conflict do nothing returning 1)`,
    'select count(*)::int as shadow from s',
  ].join(' ');
  return (rows: { a: ApplicationRow[]; d: DecisionRow[]; s: ShadowRow[] }): RawStatement => ({
    name: 'lendwise_decision_batch',
    text,
    values: [JSON.stringify(rows)],
  });
})();

let shadowWriteFailures = 0;

/** Said at the 1st, 10th, 100th … failure: a challenger that cannot be stored must not flood the log. */
function shadowNotStored(error: unknown): void {
  shadowWriteFailures++;
  if (Number.isInteger(Math.log10(shadowWriteFailures)))
    console.warn(`shadow scores not stored (the decisions are), ${shadowWriteFailures} time(s) so far: ${(error as Error).name}`);
}

/**
 * Stores shadow scores inside the decision's transaction, behind a savepoint: they commit with their
 * decisions (a decision rolled back takes its shadow with it), and a failure to store them undoes
 * only them, never the decisions.
 */
export async function insertShadow(tx: Tx, rows: (typeof shadowScores.$inferInsert)[]): Promise<void> {
  if (rows.length === 0) return;
  try {
    await tx.transaction(async (sp) => {
      await sp.insert(shadowScores).values(rows);
    });
  } catch (error) {
    shadowNotStored(error);
  }
}

/**
 * Group commit for decisions: writes that arrive together are stored in one transaction (two
 * multi-row inserts), so a burst of requests costs a few round trips instead of four each.
 * Each caller's promise settles only after its batch is committed (or failed, all or nothing).
 */
interface Pending {
  id: string;
  record: DecisionRecord;
  deadline?: Deadline;
  resolve: (id: string) => void;
  reject: (error: unknown) => void;
}

export class DecisionWriter {
  private queue: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;
  /** Decisions handed to the writers of this process and not yet committed or failed (the queue depth /metrics shows). */
  static pending = 0;

  constructor(
    private readonly db: () => Db,
    /**
     * `maxInFlight`: batches committing at once (default 1). One at a time makes the next batch take
     * every request that arrived meanwhile: fewer, larger transactions, measured cheaper for the
     * server and the database and no slower at the 99th percentile (bench:api). Batch rows never
     * wait on each other's locks (no idempotency key, no counter-offer), so one cannot hold up another.
     * `stallMs`: how long a batch may take before the next one starts beside it (default 1 s).
     */
    private readonly options: { maxBatch?: number; maxInFlight?: number; stallMs?: number } = {},
  ) {}

  write(record: DecisionRecord, deadline?: Deadline): Promise<string> {
    DecisionWriter.pending++;
    return new Promise<string>((resolve, reject) => {
      this.queue.push({ id: randomUUID(), record, ...(deadline ? { deadline } : {}), resolve, reject });
      this.schedule();
    }).finally(() => {
      DecisionWriter.pending--;
    });
  }

  private schedule(): void {
    if (this.scheduled || this.queue.length === 0 || this.inFlight >= (this.options.maxInFlight ?? 1)) return;
    this.scheduled = true;
    // Let every request that is already being handled join this batch.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    // Requests already answered by their deadline are not written at all.
    const batch: Pending[] = [];
    for (const p of this.queue.splice(0, this.options.maxBatch ?? 500)) {
      if (p.deadline?.expired) p.reject(new DeadlinePassed());
      else batch.push(p);
    }
    if (batch.length === 0) return this.schedule();
    this.inFlight++;
    // A batch that hangs (its connection gone silent) must not hold up every later one: past
    // `stallMs` it stops counting as in flight, and the next batch goes on another connection.
    let counted = true;
    const stalled = setTimeout(() => {
      counted = false;
      this.inFlight--;
      this.schedule();
    }, this.options.stallMs ?? 1_000);
    try {
      await this.store(batch);
    } finally {
      clearTimeout(stalled);
      if (counted) this.inFlight--;
      this.schedule();
    }
  }

  /** Commits `batch`, all or nothing, and settles each request; rows the database refuses as data fail alone. */
  private async store(batch: Pending[]): Promise<void> {
    let kept = batch;
    try {
      await rawTransaction(this.db(), async (tx) => {
        const shadow = batch.flatMap((p) => shadowRows(p.id, p.record));
        const [stored] = await tx.run(
          batchStatement({
            a: batch.map((p) => applicationRow(p.id, p.record)),
            d: batch.map((p) => decisionRow(p.id, p.record)),
            s: shadow,
          }),
        );
        if (Number(stored?.shadow) < shadow.length) shadowNotStored({ name: 'ShadowRowsLeftOut' });
        // The point of no return: whoever's deadline passed meanwhile leaves the batch before COMMIT.
        const late = batch.filter((p) => p.deadline && !p.deadline.enterCommit());
        if (late.length > 0) {
          await tx.run({
            name: 'lendwise_batch_late',
            text: 'delete from applications where id = any($1::uuid[])',
            values: [late.map((p) => p.id)],
          });
          for (const p of late) p.reject(new DeadlinePassed());
          kept = batch.filter((p) => !late.includes(p));
        }
      });
      for (const p of kept) p.resolve(p.id);
    } catch (error) {
      // One applicant's data the database will not take (a NUL character, a broken reference) must
      // not fail the others who happened to share the batch: each is tried alone.
      if (kept.length > 1 && isDataError(error)) {
        for (const p of kept) await this.store([p]);
        return;
      }
      for (const p of kept) p.reject(error);
    } finally {
      for (const p of kept) p.deadline?.leaveCommit();
    }
  }
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity constraint): the rows, not the database, are at fault. */
const isDataError = (error: unknown): boolean => /^2[23]/.test(classifyDatabaseError(error).code);
