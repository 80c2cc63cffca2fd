import { desc, eq } from 'drizzle-orm';
import type { Applicant } from '../src/applicant/schema.ts';
import type { Assessment } from '../src/scoring/assess.ts';
import type { BookInput } from '../src/portfolio/service.ts';
import type { Db } from './client.ts';
import { applications, decisions } from './schema.ts';

/**
 * The lender's book from stored decisions: each application's latest decision, a reviewer's
 * decision taking precedence. Approved loans are the current book; approved and referred ones are
 * the candidates an optimiser may fund, at the offered amount, term and APR.
 */
export async function storedBook(db: Db): Promise<BookInput> {
  const rows = await db
    .selectDistinctOn([decisions.applicationId], {
      id: applications.id,
      applicant: applications.applicant,
      pd: decisions.pd,
      decision: decisions.decision,
      reviewedDecision: decisions.reviewedDecision,
      offer: decisions.offer,
    })
    .from(decisions)
    .innerJoin(applications, eq(decisions.applicationId, applications.id))
    // A superseded application's loan is its accepted counter-offer, which is in the book itself.
    .where(eq(applications.status, 'live'))
    .orderBy(decisions.applicationId, desc(decisions.id));
  const loans: BookInput['loans'] = [];
  const currentIds: string[] = [];
  for (const row of rows) {
    const decision = row.reviewedDecision ?? row.decision;
    const offer = row.offer as Assessment['offer'];
    if ((decision !== 'approve' && decision !== 'refer') || !offer || offer.apr === null || !(offer.apr > 0)) continue;
    const applicant = row.applicant as Applicant;
    loans.push({ id: row.id, amount: offer.amount, termMonths: offer.termMonths, rate: offer.apr, pd: row.pd, purpose: applicant.purpose });
    if (decision === 'approve') currentIds.push(row.id);
  }
  return { loans, currentIds };
}
