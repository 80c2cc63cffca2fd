import type { Applicant } from '../src/applicant/schema.ts';
import type { Assessment } from '../src/scoring/assess.ts';
import { ALT_QUESTIONS, QUESTIONS, choiceLabel } from './questions.ts';

const money = (v: number) => `$${v.toLocaleString('en-US', { maximumFractionDigits: 2, minimumFractionDigits: v % 1 ? 2 : 0 })}`;
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

export function summary(answers: Record<string, unknown>, alternative?: Record<string, unknown>, statementMonths?: number): string {
  const lines = QUESTIONS.filter((q) => answers[q.field] !== undefined).map((q) => {
    const v = answers[q.field];
    const shown = q.choices
      ? choiceLabel(q, v)
      : q.field === 'revolvingUtilisation'
        ? `${v}%`
        : ['loanAmount', 'annualIncome', 'monthlyDebtPayments'].includes(q.field)
          ? money(v as number)
          : String(v);
    return `• ${q.text.replace(/\?$/, '')}: ${shown}`;
  });
  const skipped = QUESTIONS.filter((q) => answers[q.field] === undefined).map((q) => q.field);
  if (skipped.length) lines.push(`• Not given: ${skipped.length} optional answer${skipped.length > 1 ? 's' : ''}`);
  if (alternative && Object.keys(alternative).length) {
    lines.push('Bank-account evidence:');
    for (const q of ALT_QUESTIONS) if (alternative[q.field] !== undefined) lines.push(`• ${q.text.replace(/\?$/, '')}: ${alternative[q.field]}`);
    if (alternative.statementId) lines.push(`• A bank statement${statementMonths ? ` (${statementMonths} months)` : ''}, reduced to behavioural features`);
  }
  return lines.join('\n');
}

export function decisionMessage(a: Assessment, applicant: Applicant): string {
  const headline = { approve: '✅ Approved', refer: '🔎 Referred to a person for review', decline: '❌ Declined' }[a.decision];
  const lines = [headline, `Risk score: ${a.score} (band ${a.riskBand}); estimated chance of not repaying: ${pct(a.pd)}.`];
  const { apr, monthlyPayment: payment, totalRepayable: total } = a.offer;
  if (a.offer.available && apr !== null && payment !== null && total !== null) {
    lines.push(
      `${a.decision === 'approve' ? 'Offer' : 'Indicative offer, subject to review'}: ${money(applicant.loanAmount)} over ${applicant.termMonths} months at ${pct(apr)} APR — ${money(payment)} a month, ${money(total)} in total.`,
    );
  }
  if (a.reasons.length) {
    lines.push('', a.decision === 'approve' ? 'What weighed most on the risk:' : 'The main reasons:');
    for (const r of a.reasons) lines.push(`• ${r.text}`);
  }
  if (a.behaviour?.signals.length) {
    lines.push('', 'From your bank account:');
    for (const sgl of a.behaviour.signals) lines.push(`• ${sgl.text}`);
  }
  if (a.notices.length) lines.push('', ...a.notices.map((n) => `ℹ️ ${n}`));
  const c = a.offer.counterOffer;
  if (c)
    lines.push(
      '',
      `We could approve ${money(c.amount)} over ${c.termMonths} months at ${pct(c.apr)} APR (${money(c.monthlyPayment)} a month). Tap below to apply for that instead.`,
    );
  return lines.join('\n');
}
