import cdf from '@stdlib/stats-base-dists-normal-cdf';
import quantile from '@stdlib/stats-base-dists-normal-quantile';

/**
 * Asset correlation from how default rates move over time (one-factor Vasicek model). In a period,
 * a segment's default rate is Φ((Φ⁻¹(PD) − √ρ·Z)/√(1−ρ)); across periods its variance beyond the
 * binomial noise of finite cohorts equals Φ₂(c, c; ρ) − PD², c = Φ⁻¹(PD). We solve that for ρ.
 */

// 20-point Gauss–Legendre nodes and weights on [−1, 1].
const GL_X = [
  -0.9931285991850949, -0.9639719272779138, -0.9122344282513259, -0.8391169718222188, -0.7463319064601508, -0.636053680726515, -0.5108670019508271,
  -0.37370608871541955, -0.2277858511416451, -0.07652652113349734, 0.07652652113349734, 0.2277858511416451, 0.37370608871541955, 0.5108670019508271,
  0.636053680726515, 0.7463319064601508, 0.8391169718222188, 0.9122344282513259, 0.9639719272779138, 0.9931285991850949,
];
const GL_W = [
  0.017614007139152118, 0.04060142980038694, 0.06267204833410907, 0.08327674157670475, 0.10193011981724044, 0.11819453196151841, 0.13168863844917664,
  0.14209610931838204, 0.14917298647260374, 0.15275338713072584, 0.15275338713072584, 0.14917298647260374, 0.14209610931838204, 0.13168863844917664,
  0.11819453196151841, 0.10193011981724044, 0.08327674157670475, 0.06267204833410907, 0.04060142980038694, 0.017614007139152118,
];

/** P(X ≤ h, Y ≤ k) for standard normals with correlation ρ (|ρ| < 1), by Gauss–Legendre on Sheppard's integral. */
export function bivariateNormalCdf(h: number, k: number, rho: number): number {
  const phiH = cdf(h, 0, 1);
  const phiK = cdf(k, 0, 1);
  if (rho === 0) return phiH * phiK;
  const top = Math.asin(rho);
  let integral = 0;
  for (let i = 0; i < GL_X.length; i++) {
    const theta = (top / 2) * (GL_X[i] + 1);
    const c = Math.cos(theta);
    integral += GL_W[i] * Math.exp(-(h * h + k * k - 2 * h * k * Math.sin(theta)) / (2 * c * c));
  }
  return phiH * phiK + ((top / 2) * integral) / (2 * Math.PI);
}

/** Variance of a segment's default rate across periods implied by PD and ρ (an infinitely large cohort). */
export function systematicVariance(pd: number, rho: number): number {
  const c = quantile(pd, 0, 1);
  return bivariateNormalCdf(c, c, rho) - pd * pd;
}

export interface Cohort {
  /** Loans observed in the period. */
  n: number;
  defaults: number;
}

export interface CorrelationEstimate {
  pd: number;
  observedVariance: number;
  binomialVariance: number;
  /** null when the rates vary no more than chance alone would make them. */
  rho: number | null;
  periods: number;
}

/** Method-of-moments ρ for one segment from its default counts per period. */
export function estimateCorrelation(cohorts: readonly Cohort[]): CorrelationEstimate {
  const rates = cohorts.map((c) => c.defaults / c.n);
  const totalN = cohorts.reduce((s, c) => s + c.n, 0);
  const pd = cohorts.reduce((s, c) => s + c.defaults, 0) / totalN;
  const mean = rates.reduce((s, r) => s + r, 0) / rates.length;
  const observedVariance = rates.reduce((s, r) => s + (r - mean) ** 2, 0) / Math.max(1, rates.length - 1);
  const binomialVariance = cohorts.reduce((s, c) => s + (pd * (1 - pd)) / c.n, 0) / cohorts.length;
  const excess = observedVariance - binomialVariance;
  if (pd <= 0 || pd >= 1 || excess <= 0) return { pd, observedVariance, binomialVariance, rho: null, periods: cohorts.length };
  let lo = 0;
  let hi = 0.999;
  if (systematicVariance(pd, hi) < excess) return { pd, observedVariance, binomialVariance, rho: hi, periods: cohorts.length };
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (systematicVariance(pd, mid) < excess) lo = mid;
    else hi = mid;
  }
  return { pd, observedVariance, binomialVariance, rho: (lo + hi) / 2, periods: cohorts.length };
}

export interface SegmentCorrelation extends CorrelationEstimate {
  segment: string;
  loans: number;
}

/**
 * ρ per segment from loans listed in issue order (LendingClub files: newest first), cut into
 * `periods` equal blocks of rows as stand-ins for time periods. Note that a trend in default rates
 * (seasoning, a changing mix of terms) also shows up as variation, so these are upper-side estimates.
 */
export function correlationsBySegment(loans: readonly { bad: 0 | 1; segment: string }[], periods: number): SegmentCorrelation[] {
  const per = Math.ceil(loans.length / periods);
  const segments = [...new Set(loans.map((l) => l.segment))].sort();
  return segments.map((segment) => {
    const cohorts: Cohort[] = [];
    for (let b = 0; b < periods; b++) {
      const block = loans.slice(b * per, (b + 1) * per).filter((l) => l.segment === segment);
      if (block.length > 0) cohorts.push({ n: block.length, defaults: block.reduce((s, l) => s + l.bad, 0) });
    }
    return { segment, loans: cohorts.reduce((s, c) => s + c.n, 0), ...estimateCorrelation(cohorts) };
  });
}
