/**
 * The familiar points scale shown to people: 650 points at good:bad odds of 10:1 (PD ≈ 9.1%),
 * 40 more points each time the odds double, clamped to 300–850. Higher is safer.
 */
export const SCORE_SCALE = { base: 650, baseOdds: 10, pointsToDoubleOdds: 40, min: 300, max: 850 } as const;

export function pdToScore(pd: number): number {
  const { base, baseOdds, pointsToDoubleOdds, min, max } = SCORE_SCALE;
  const p = Math.min(1 - 1e-9, Math.max(1e-9, pd));
  const points = base + (pointsToDoubleOdds / Math.LN2) * Math.log((1 - p) / p / baseOdds);
  return Math.round(Math.min(max, Math.max(min, points)));
}

/** Inverse of pdToScore (inside the clamp). */
export function scoreToPd(score: number): number {
  const { base, baseOdds, pointsToDoubleOdds } = SCORE_SCALE;
  const odds = baseOdds * Math.exp(((score - base) * Math.LN2) / pointsToDoubleOdds);
  return 1 / (1 + odds);
}
