/**
 * The one place that says which source columns may never become model features.
 * Every loader and feature builder checks its inputs against this list.
 */

/** Known only after the loan was issued: using them leaks the outcome into the model. */
export const POST_ISSUANCE_COLUMNS = [
  'loan_status',
  'funded_amnt',
  'funded_amnt_inv',
  'out_prncp',
  'out_prncp_inv',
  'total_pymnt',
  'total_pymnt_inv',
  'total_rec_prncp',
  'total_rec_int',
  'total_rec_late_fee',
  'recoveries',
  'collection_recovery_fee',
  'last_pymnt_d',
  'last_pymnt_amnt',
  'next_pymnt_d',
  'last_credit_pull_d',
  'last_fico_range_high',
  'last_fico_range_low',
  'pymnt_plan',
  'hardship_flag',
  'hardship_type',
  'hardship_reason',
  'hardship_status',
  'hardship_amount',
  'hardship_start_date',
  'hardship_end_date',
  'hardship_length',
  'hardship_dpd',
  'hardship_loan_status',
  'payment_plan_start_date',
  'orig_projected_additional_accrued_interest',
  'hardship_payoff_balance_amount',
  'hardship_last_payment_amount',
  'debt_settlement_flag',
  'debt_settlement_flag_date',
  'settlement_status',
  'settlement_date',
  'settlement_amount',
  'settlement_percentage',
  'settlement_term',
  'initial_list_status',
  'policy_code',
] as const;

/** LendingClub's own pricing of the loan: a new lender's applicant has none of these (benchmark only). */
export const LENDER_VERDICT_COLUMNS = ['grade', 'sub_grade', 'int_rate', 'installment'] as const;

/** Geography is a proxy for protected characteristics; fair-lending rules keep it out. */
export const GEOGRAPHY_COLUMNS = ['zip_code', 'addr_state'] as const;

/** Identifiers, free text and bookkeeping: never evidence about the applicant. */
export const NON_EVIDENCE_COLUMNS = ['id', 'member_id', 'url', 'desc', 'title', 'emp_title', 'issue_d', 'enrich_sources', 'default'] as const;

/**
 * The date the loan was applied for and issued: never a feature itself, but the "as of" date for
 * measuring credit-history length from `earliest_cr_line`, which an applicant knows when applying.
 */
export const AS_OF_DATE_COLUMN = 'issue_d';

export const FORBIDDEN_FEATURE_COLUMNS: ReadonlySet<string> = new Set([
  ...POST_ISSUANCE_COLUMNS,
  ...LENDER_VERDICT_COLUMNS,
  ...GEOGRAPHY_COLUMNS,
  ...NON_EVIDENCE_COLUMNS,
]);

export function isForbiddenFeatureColumn(column: string): boolean {
  return FORBIDDEN_FEATURE_COLUMNS.has(column.trim().toLowerCase());
}

/** Throws, naming every offending column, if any source column in the list is forbidden. */
export function assertNoForbiddenColumns(columns: readonly string[], context: string): void {
  const bad = columns.filter(isForbiddenFeatureColumn);
  if (bad.length > 0) {
    throw new Error(`${context}: forbidden source column(s) used as features: ${bad.join(', ')}`);
  }
}
