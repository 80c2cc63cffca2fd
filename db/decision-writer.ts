import { randomUUID } from 'node:crypto';
import { DeadlinePassed, type Deadline } from '../src/app/deadline.ts';
import type { DecisionRecord } from '../src/app/ports.ts';
import type { Db } from './client.ts';
import { rawTransaction, type RawStatement } from './raw-transaction.ts';
import { type applications, type decisions, shadowScores } from './schema.ts';

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

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** One column of a batch insert: its name, the array type its values travel as, and how to read it. */
type Column<R> = [name: string, arrayType: string, value: (row: R) => unknown, cast?: string];

/**
 * `select … from unnest($k::type[], …) as t(…)`: a whole batch's rows for one table, each column's
 * values travelling as one array parameter from `$first` on. The text depends on the columns only, so
 * it costs the same for 1 row or 500 (drizzle's multi-row insert builds every row's SQL, which was a
 * tenth of the server's time under load). JSON goes as text and is cast back; a null stays null.
 */
function unnested<R>(columns: Column<R>[], first: number): { names: string; select: string } {
  const names = columns.map(([name]) => name).join(', ');
  const arrays = columns.map(([, type], i) => `$${first + i}::${type}[]`).join(', ');
  const selected = columns.map(([name, , , cast]) => (cast ? `t.${name}::${cast}` : `t.${name}`)).join(', ');
  return { names, select: `select ${selected} from unnest(${arrays}) as t(${names})` };
}

const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

const APPLICATION_COLUMNS: Column<ReturnType<typeof applicationRow>>[] = [
  ['id', 'uuid', (r) => r.id],
  ['channel', 'text', (r) => r.channel],
  ['api_key_id', 'integer', (r) => r.apiKeyId ?? null],
  ['subject', 'text', (r) => r.subject ?? null],
  ['owner', 'text', (r) => r.owner ?? null],
  ['idempotency_key', 'text', (r) => r.idempotencyKey ?? null],
  ['supersedes', 'uuid', (r) => r.supersedes ?? null],
  ['applicant', 'text', (r) => json(r.applicant), 'jsonb'],
];

const DECISION_COLUMNS: Column<ReturnType<typeof decisionRow>>[] = [
  ['application_id', 'uuid', (r) => r.applicationId],
  ['pd', 'double precision', (r) => r.pd],
  ['score', 'integer', (r) => r.score],
  ['risk_band', 'text', (r) => r.riskBand],
  ['decision', 'text', (r) => r.decision],
  ['reasons', 'text', (r) => json(r.reasons), 'jsonb'],
  ['offer', 'text', (r) => json(r.offer), 'jsonb'],
  ['behaviour', 'text', (r) => json(r.behaviour), 'jsonb'],
  ['thin_file', 'boolean', (r) => r.thinFile ?? false],
  ['notices', 'text', (r) => json(r.notices ?? []), 'jsonb'],
  ['model_version', 'text', (r) => r.modelVersion],
  ['policy_version', 'integer', (r) => r.policyVersion],
  ['purpose', 'text', (r) => r.purpose ?? null],
  ['amount', 'double precision', (r) => r.amount ?? null],
  ['term_months', 'integer', (r) => r.termMonths ?? null],
  ['apr', 'double precision', (r) => r.apr ?? null],
];

const SHADOW_COLUMNS: Column<typeof shadowScores.$inferInsert>[] = [
  ['application_id', 'uuid', (r) => r.applicationId],
  ['model_version', 'text', (r) => r.modelVersion],
  ['pd', 'double precision', (r) => r.pd],
  ['score', 'integer', (r) => r.score],
  ['decision', 'text', (r) => r.decision],
];

type ShadowRow = typeof shadowScores.$inferInsert;

/**
 * A whole batch in one statement, one round trip: its applications, decisions and the challenger's
 * shadow scores. A shadow row can never fail the batch: one naming a model version the database does
 * not know is left out (counted in the answer), and the values were checked when scored.
 */
const batchStatement = (() => {
  const a = unnested(APPLICATION_COLUMNS, 1);
  const d = unnested(DECISION_COLUMNS, 1 + APPLICATION_COLUMNS.length);
  const s = unnested(SHADOW_COLUMNS, 1 + APPLICATION_COLUMNS.length + DECISION_COLUMNS.length);
  const text = [
    `with a as (insert into applications (${a.names}) ${a.select}),`,
    `d as (insert into decisions (${d.names}) ${d.select}),`,
    `s as (insert into shadow_scores (${s.names}) ${s.select} where exists (select 1 from model_versions m where m.version = t.model_version) on conflict do nothing returning 1)`,
    'select count(*)::int as shadow from s',
  ].join(' ');
  const values = <R>(columns: Column<R>[], rows: R[]) => columns.map(([, , value]) => rows.map(value));
  return (applicationRows: ReturnType<typeof applicationRow>[], decisionRows: ReturnType<typeof decisionRow>[], shadow: ShadowRow[]): RawStatement => ({
    name: 'lendwise_decision_batch',
    text,
    values: [...values(APPLICATION_COLUMNS, applicationRows), ...values(DECISION_COLUMNS, decisionRows), ...values(SHADOW_COLUMNS, shadow)],
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
    private readonly options: { maxBatch?: number; maxInFlight?: number } = {},
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
    if (this.scheduled || this.queue.length === 0 || this.inFlight >= (this.options.maxInFlight ?? 2)) return;
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
    if (batch.length === 0) return;
    this.inFlight++;
    let kept = batch;
    try {
      await rawTransaction(this.db(), async (tx) => {
        const shadow = batch.flatMap((p) => shadowRows(p.id, p.record));
        const [stored] = await tx.run(
          batchStatement(
            batch.map((p) => applicationRow(p.id, p.record)),
            batch.map((p) => decisionRow(p.id, p.record)),
            shadow,
          ),
        );
        if (Number(stored?.shadow) < shadow.length) shadowNotStored({ name: 'UnknownModelVersion' });
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
      for (const p of kept) p.reject(error);
    } finally {
      for (const p of kept) p.deadline?.leaveCommit();
      this.inFlight--;
      this.schedule();
    }
  }
}
