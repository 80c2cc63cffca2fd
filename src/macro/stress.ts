import { logit, sigmoid } from '../model/logistic.ts';

/**
 * Macro stress: how consumer-loan charge-offs move with unemployment, fitted on history, applied to
 * our PDs as a shift of their log-odds. Quarterly pairs: the charge-off rate (percent, annualised)
 * against the quarter's mean unemployment rate; OLS of logit(charge-off rate) on unemployment.
 */

export interface Observation {
  /** YYYY-MM-DD, as FRED dates observations (the first day of the period). */
  date: string;
  value: number;
}

export interface MacroRelation {
  /** Change in the log-odds of default per percentage point of unemployment. */
  slope: number;
  intercept: number;
  rSquared: number;
  quarters: number;
  from: string;
  to: string;
}

const quarterOf = (date: string) => `${date.slice(0, 4)}Q${Math.floor((Number(date.slice(5, 7)) - 1) / 3) + 1}`;

export function fitMacroRelation(unemployment: readonly Observation[], chargeOffs: readonly Observation[]): MacroRelation {
  const byQuarter = new Map<string, number[]>();
  for (const o of unemployment) byQuarter.set(quarterOf(o.date), [...(byQuarter.get(quarterOf(o.date)) ?? []), o.value]);
  const pairs = chargeOffs
    .map((c) => ({ quarter: quarterOf(c.date), rate: c.value / 100, u: byQuarter.get(quarterOf(c.date)) }))
    .filter((p): p is { quarter: string; rate: number; u: number[] } => p.u !== undefined && p.u.length > 0 && p.rate > 0 && p.rate < 1)
    .map((p) => ({ quarter: p.quarter, x: p.u.reduce((s, v) => s + v, 0) / p.u.length, y: logit(p.rate) }))
    .sort((a, b) => a.quarter.localeCompare(b.quarter));
  if (pairs.length < 8) throw new Error(`only ${pairs.length} quarters with both series: at least 8 are needed`);
  const n = pairs.length;
  const mx = pairs.reduce((s, p) => s + p.x, 0) / n;
  const my = pairs.reduce((s, p) => s + p.y, 0) / n;
  const sxx = pairs.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  const sxy = pairs.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const syy = pairs.reduce((s, p) => s + (p.y - my) ** 2, 0);
  if (sxx === 0) throw new Error('unemployment does not vary over the quarters given');
  const slope = sxy / sxx;
  return {
    slope,
    intercept: my - slope * mx,
    rSquared: syy > 0 ? (sxy * sxy) / (sxx * syy) : 0,
    quarters: n,
    from: pairs[0].quarter,
    to: pairs[n - 1].quarter,
  };
}

/** PD under an unemployment shock of `points` percentage points. */
export function stressPd(relation: Pick<MacroRelation, 'slope'>, points: number): (pd: number) => number {
  return (pd) => (pd <= 0 || pd >= 1 ? pd : sigmoid(logit(pd) + relation.slope * points));
}
