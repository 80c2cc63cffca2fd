import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';

/**
 * A large book for tests and benchmarks, made in SQL from the decisions already stored (real
 * LendingClub applicants scored by the API): each is copied `copies` times as a new application
 * with the same answers and decision. Synthetic replicas of real loans, labelled by their owner
 * `synthetic-replica` (only the decisions listed, all by default); the whole copy runs in the
 * database, so a million rows take seconds.
 */
export async function replicateBook(
  db: Db,
  copies: number,
  options: { decidedAt?: Date; decisions?: ('approve' | 'refer' | 'decline')[] } = {},
): Promise<number> {
  const decidedAt = (options.decidedAt ?? new Date()).toISOString();
  const result = await db.execute(sql`
    with src as (
      select a.applicant, d.pd, d.score, d.risk_band, d.decision, d.reasons, d.offer, d.model_version, d.policy_version,
        d.purpose, d.amount, d.term_months, d.apr
      from decisions d join applications a on a.id = d.application_id
      where a.owner is distinct from 'synthetic-replica' and d.decision in ${sql.raw(`(${(options.decisions ?? ['approve', 'refer', 'decline']).map((d) => `'${d}'`).join(', ')})`)}
    ),
    gen as materialized (select gen_random_uuid() as id, src.* from src, generate_series(1, ${copies})),
    apps as (
      insert into applications (id, channel, applicant, owner, status, created_at)
      select id, 'api', applicant, 'synthetic-replica', 'live', ${decidedAt} from gen
      returning id
    )
    insert into decisions (application_id, pd, score, risk_band, decision, reasons, offer, model_version, policy_version,
      purpose, amount, term_months, apr, created_at)
    select gen.id, pd, score, risk_band, decision, reasons, offer, model_version, policy_version,
      purpose, amount, term_months, apr, ${decidedAt}
    from gen join apps on apps.id = gen.id`);
  const count = (result as unknown as { count?: number; rowCount?: number; affectedRows?: number }) ?? {};
  return Number(count.count ?? count.rowCount ?? count.affectedRows ?? 0);
}
