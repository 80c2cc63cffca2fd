import cdf from '@stdlib/stats-base-dists-normal-cdf';
import quantile from '@stdlib/stats-base-dists-normal-quantile';
import { summariseLosses, Xoshiro128 } from './monte-carlo.ts';

/**
 * Portfolio risk at book scale, by the structure of the one-factor (Vasicek) model rather than by
 * loan-level simulation (issue 12). Given the factor Z, loans default independently with
 * p_i(Z) = Φ((Φ⁻¹(PD_i) − √ρ_i·Z)/√(1−ρ_i)): loans with the same PD, LGD and ρ are exchangeable, so
 * a book can be cut into segments with their exposures summed.
 *
 * - `segmentBook`: loans grouped by (log-spaced PD bucket, LGD, ρ); the segment PD is the
 *   EAD-weighted mean PD, so Σ PD·LGD·EAD is kept exactly (up to rounding). Each segment keeps its
 *   Herfindahl index of exposures (Σ EAD_i²/EAD²), whose inverse is its effective number of loans.
 * - `asrfLossDistribution`: the large-pool (infinitely granular, ASRF) loss L(Z) = Σ_s EAD_s·LGD_s·p_s(Z).
 *   L falls as Z rises, so VaR_q = L(Φ⁻¹(1 − q)) exactly, and ES_q = E[L(Z) | Z ≤ Φ⁻¹(1 − q)] by
 *   Gauss–Legendre quadrature. Cost O(segments), whatever the number of loans. It ignores name
 *   concentration (the idiosyncratic part of the losses), so it is below the loan-level figures on
 *   small books and the gap closes as the book becomes granular.
 * - `segmentMonteCarlo`: the check: per scenario a factor Z, then per segment the number of defaults
 *   ~ Binomial(n_s, p_s(Z)) drawn exactly, n_s the segment's effective number of loans (by default),
 *   each losing EAD_s·LGD_s/n_s. Cost O(scenarios × segments · log n_s).
 */

export interface SegmentLoan {
  pd: number;
  lgd: number;
  rho: number;
  ead: number;
  /** For an entry that is already a group of loans: how many, and Σ EAD² of them (default: one loan). */
  count?: number;
  eadSq?: number;
}

export interface Segment {
  /** EAD-weighted mean one-year PD of the segment's loans. */
  pd: number;
  lgd: number;
  rho: number;
  /** Summed exposure at default. */
  ead: number;
  /** Number of loans. */
  count: number;
  /** Herfindahl index of the loans' exposures, Σ (EAD_i/EAD)²: 1/count for equal loans, 1 for a single one. */
  hhi?: number;
}

export interface SegmentOptions {
  /** Log-spaced PD buckets between 10⁻⁴ and 1 (default 64: neighbouring bucket edges 15.5% apart). */
  pdBuckets?: number;
}

const Phi = (x: number) => cdf(x, 0, 1);
const PhiInv = (p: number) => quantile(p, 0, 1);
const PD_LOW = 1e-4;

/** Loans grouped by (PD bucket, LGD, ρ), exposures summed. Loans without exposure are left out; PD 0 and PD 1 get their own buckets. */
export function segmentBook(loans: readonly SegmentLoan[], options: SegmentOptions = {}): Segment[] {
  const buckets = options.pdBuckets ?? 64;
  if (!(Number.isInteger(buckets) && buckets >= 1)) throw new Error(`pdBuckets must be a positive integer, not ${buckets}`);
  const perLog = buckets / -Math.log(PD_LOW);
  const bucketOf = (pd: number) =>
    pd <= 0 ? 0 : pd >= 1 ? buckets + 1 : 1 + Math.min(buckets - 1, Math.max(0, Math.floor((Math.log(pd) - Math.log(PD_LOW)) * perLog)));
  // LGD and ρ values numbered as met, so that a segment key is one number.
  const lgdIndex = new Map<number, number>();
  const rhoIndex = new Map<number, number>();
  const indexOf = (map: Map<number, number>, v: number) => {
    const k = map.get(v);
    if (k !== undefined) return k;
    map.set(v, map.size);
    return map.size - 1;
  };
  const keys = new Map<number, number>();
  const pdEad: number[] = [];
  const ead: number[] = [];
  const eadSq: number[] = [];
  const count: number[] = [];
  const lgd: number[] = [];
  const rho: number[] = [];
  const bucket: number[] = [];
  for (let i = 0; i < loans.length; i++) {
    const l = loans[i];
    if (!(l.pd >= 0 && l.pd <= 1)) throw new Error(`loan ${i}: PD ${l.pd} is outside [0, 1]`);
    if (!(l.lgd >= 0 && l.lgd <= 1)) throw new Error(`loan ${i}: LGD ${l.lgd} is outside [0, 1]`);
    if (!(l.rho >= 0 && l.rho < 1)) throw new Error(`loan ${i}: asset correlation ${l.rho} is outside [0, 1)`);
    if (!(l.ead >= 0)) throw new Error(`loan ${i}: EAD ${l.ead} is negative`);
    if (l.ead === 0) continue;
    const b = bucketOf(l.pd);
    // At most 2⁵³ keys: buckets × LGDs × ρs stays far below that for any real book.
    const key = (b * 65536 + indexOf(lgdIndex, l.lgd)) * 65536 + indexOf(rhoIndex, l.rho);
    let s = keys.get(key);
    if (s === undefined) {
      s = ead.length;
      keys.set(key, s);
      pdEad.push(0);
      ead.push(0);
      eadSq.push(0);
      count.push(0);
      lgd.push(l.lgd);
      rho.push(l.rho);
      bucket.push(b);
    }
    pdEad[s] += l.pd * l.ead;
    ead[s] += l.ead;
    eadSq[s] += l.eadSq ?? l.ead * l.ead;
    count[s] += l.count ?? 1;
  }
  const order = ead.map((_, s) => s).sort((x, y) => bucket[x] - bucket[y] || lgd[x] - lgd[y] || rho[x] - rho[y]);
  return order.map((s) => ({
    pd: bucket[s] === 0 ? 0 : bucket[s] === buckets + 1 ? 1 : Math.min(1, pdEad[s] / ead[s]),
    lgd: lgd[s],
    rho: rho[s],
    ead: ead[s],
    count: count[s],
    hhi: eadSq[s] / (ead[s] * ead[s]),
  }));
}

/** p_s(Z) = Φ(a_s − b_s·Z) per segment, with the certain losses (PD 1) apart. */
interface Conditional {
  a: Float64Array;
  b: Float64Array;
  /** EAD·LGD of each segment that may or may not default. */
  loss: Float64Array;
  /** The segments' indices in the input. */
  index: Int32Array;
  certain: number;
  expectedLoss: number;
}

function conditional(segments: readonly Segment[]): Conditional {
  const a: number[] = [];
  const b: number[] = [];
  const loss: number[] = [];
  const index: number[] = [];
  let certain = 0;
  let expectedLoss = 0;
  segments.forEach((s, i) => {
    if (!(s.rho >= 0 && s.rho < 1)) throw new Error(`segment ${i}: asset correlation ${s.rho} is outside [0, 1)`);
    const l = s.ead * s.lgd;
    expectedLoss += s.pd * l;
    if (s.pd <= 0 || l === 0) return;
    if (s.pd >= 1) {
      certain += l;
      return;
    }
    a.push(PhiInv(s.pd) / Math.sqrt(1 - s.rho));
    b.push(Math.sqrt(s.rho / (1 - s.rho)));
    loss.push(l);
    index.push(i);
  });
  return { a: Float64Array.from(a), b: Float64Array.from(b), loss: Float64Array.from(loss), index: Int32Array.from(index), certain, expectedLoss };
}

function largePoolLoss(c: Conditional, z: number): number {
  let loss = c.certain;
  for (let s = 0; s < c.a.length; s++) loss += c.loss[s] * Phi(c.a[s] - c.b[s] * z);
  return loss;
}

/** The large-pool loss given the factor: L(Z) = Σ EAD_s·LGD_s·Φ((Φ⁻¹(PD_s) − √ρ_s·Z)/√(1−ρ_s)), decreasing in Z. */
export function asrfLoss(segments: readonly Segment[], z: number): number {
  return largePoolLoss(conditional(segments), z);
}

/** Gauss–Legendre nodes and weights on [−1, 1] (Newton on Pₙ from the Chebyshev guesses). */
function gaussLegendre(n: number): { x: Float64Array; w: Float64Array } {
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let t = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 0;
    for (let iter = 0; iter < 100; iter++) {
      let p0 = 1;
      let p1 = t;
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * t * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      dp = (n * (t * p1 - p0)) / (t * t - 1);
      const step = p1 / dp;
      t -= step;
      if (Math.abs(step) < 1e-16) break;
    }
    x[i] = t;
    w[i] = 2 / ((1 - t * t) * dp * dp);
  }
  return { x, w };
}
const GL = gaussLegendre(16);
/** The factor's tail is integrated down to this far below min(z_q, 0): φ there is below 10⁻³¹. */
const TAIL_DEPTH = 12;
const PANELS = 48;

function tailMean(c: Conditional, q: number): number {
  // E[L(Z) | Z ≤ z_q] = ∫_{−∞}^{z_q} L(z)·φ(z) dz / (1 − q), z_q = Φ⁻¹(1 − q); composite Gauss–Legendre on [min(z_q, 0) − 12, z_q] (z_q capped at 10).
  const top = Math.min(10, PhiInv(1 - q));
  const bottom = Math.min(top, 0) - TAIL_DEPTH;
  const width = (top - bottom) / PANELS;
  let sum = 0;
  let mass = 0;
  for (let k = 0; k < PANELS; k++) {
    const mid = bottom + (k + 0.5) * width;
    for (let j = 0; j < GL.x.length; j++) {
      const z = mid + (GL.x[j] * width) / 2;
      const weight = (GL.w[j] * width * Math.exp((-z * z) / 2)) / (2 * Math.sqrt(2 * Math.PI));
      sum += weight * largePoolLoss(c, z);
      mass += weight;
    }
  }
  // Divide by the quadrature's own mass of the tail (equal to 1 − q to ~1e-15 relative), so that a constant loss comes back exactly.
  return sum / mass;
}

/** Expected shortfall of the large-pool loss at level q: the mean of L(Z) over the worst 1 − q of factor values. */
export function asrfExpectedShortfall(segments: readonly Segment[], q: number): number {
  if (!(q >= 0 && q < 1)) throw new Error(`level ${q} is outside [0, 1)`);
  return tailMean(conditional(segments), q);
}

export interface TailFigures {
  0.99: number;
  0.999: number;
}

export interface AsrfFigures {
  /** Σ PD·LGD·EAD. */
  expectedLoss: number;
  /** L(Φ⁻¹(1 − q)): exact for the large-pool model. */
  var: TailFigures;
  es: TailFigures;
}

/** Large-pool (ASRF) expected loss, VaR and expected shortfall at 99% and 99.9%. */
export function asrfLossDistribution(segments: readonly Segment[]): AsrfFigures {
  const c = conditional(segments);
  return {
    expectedLoss: c.expectedLoss,
    var: { 0.99: largePoolLoss(c, PhiInv(0.01)), 0.999: largePoolLoss(c, PhiInv(0.001)) },
    es: { 0.99: tailMean(c, 0.99), 0.999: tailMean(c, 0.999) },
  };
}

/** The Monte Carlo's generator (same seeding, so factor draws match it), with 53-bit uniforms and Box–Muller normals. */
class Random extends Xoshiro128 {
  private spare: number | undefined;
  /** Uniform on (0, 1), 53 bits. */
  uniform(): number {
    return ((this.next() >>> 5) * 67108864 + (this.next() >>> 6) + 0.5) / 9007199254740992;
  }
  normal(): number {
    if (this.spare !== undefined) {
      const v = this.spare;
      this.spare = undefined;
      return v;
    }
    const r = Math.sqrt(-2 * Math.log(this.uniform()));
    const angle = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(angle);
    return r * Math.cos(angle);
  }
  /** Gamma(shape ≥ 1, 1), Marsaglia & Tsang (2000): exact rejection sampler. */
  gamma(shape: number): number {
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.uniform();
      if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }
  /**
   * Binomial(n, p), exactly. Small means (n·min(p, 1−p) < 16) by inversion, O(n·p); larger ones by
   * splitting on the median order statistic of the n uniforms (Knuth, TAOCP 3.4.1): Y ~ Beta(a, n+1−a),
   * a = ⌊n/2⌋ + 1; if Y ≥ p the defaults are Binomial(a−1, p/Y), else a + Binomial(n−a, (p−Y)/(1−Y)),
   * halving n per step: O(log n) gamma draws.
   */
  binomial(n: number, p: number): number {
    let base = 0;
    let sign = 1;
    for (;;) {
      if (n <= 0 || p <= 0) return base;
      if (p >= 1) return base + sign * n;
      if (p > 0.5) {
        // Count the survivors instead: X = n − Binomial(n, 1 − p).
        base += sign * n;
        sign = -sign;
        p = 1 - p;
      }
      if (n * p < 16) return base + sign * this.inversion(n, p);
      const a = Math.floor(n / 2) + 1;
      const ga = this.gamma(a);
      const y = ga / (ga + this.gamma(n + 1 - a));
      if (y >= p) {
        n = a - 1;
        p /= y;
      } else {
        base += sign * a;
        n -= a;
        p = (p - y) / (1 - y);
      }
    }
  }
  private inversion(n: number, p: number): number {
    const ratio = p / (1 - p);
    let pmf = (1 - p) ** n;
    let u = this.uniform();
    let x = 0;
    while (u > pmf && x < n) {
      u -= pmf;
      pmf *= ((n - x) / (x + 1)) * ratio;
      x++;
    }
    return x;
  }
}

function drawFactors(rng: Random, scenarios: number): Float64Array {
  const factor = new Float64Array(scenarios);
  for (let t = 0; t < scenarios; t++) factor[t] = rng.normal();
  return factor;
}

/**
 * The factor values of `scenarios` scenarios for a seed, in the order drawn: the ones
 * segmentMonteCarlo uses, and (same generator, seeding and Box–Muller) the ones simulateLosses
 * draws before sorting them. Evaluating L(Z) on them gives the large-pool figures on the same draws
 * as a simulation, so that comparisons are not swamped by the sampling error of the factor.
 */
export function factorDraws(scenarios: number, seed = 42): Float64Array {
  return drawFactors(new Random(seed), scenarios);
}

export interface SegmentSimulationOptions {
  scenarios?: number;
  seed?: number;
  /**
   * Loans per segment in the binomial: 'effective' (default) takes n_s = round(1/HHI_s), the number of
   * equal loans with the same conditional variance of the segment's loss as its actual, unequal ones;
   * 'count' takes the number of loans, as if they were all of the same size.
   */
  granularity?: 'effective' | 'count';
  /** Called with the share of scenarios done, about every 1% (for a job's progress). */
  onProgress?: (share: number) => void;
}

export interface SegmentSimulation {
  scenarios: number;
  expectedLoss: number;
  standardError: number;
  /** Σ PD·LGD·EAD. */
  analyticExpectedLoss: number;
  var: TailFigures;
  es: TailFigures;
  /** Standard errors of VaR (order statistics one binomial SD either side of rank N·q) and ES (from the tail's variance). */
  varStandardError: TailFigures;
  esStandardError: TailFigures;
  /** The simulated losses, sorted ascending (for a histogram). */
  losses: Float64Array;
}

/** Monte Carlo on segments: per scenario a factor Z, then the defaults of each segment ~ Binomial(n_s, p_s(Z)). */
export function segmentMonteCarlo(segments: readonly Segment[], options: SegmentSimulationOptions = {}): SegmentSimulation {
  const scenarios = options.scenarios ?? 100_000;
  if (!(Number.isInteger(scenarios) && scenarios >= 1)) throw new Error(`scenarios must be a positive integer, not ${scenarios}`);
  const c = conditional(segments);
  const names = new Float64Array(c.a.length);
  const perDefault = new Float64Array(c.a.length);
  for (let k = 0; k < c.a.length; k++) {
    const s = segments[c.index[k]];
    const hhi = s.hhi ?? 1 / s.count;
    const n = options.granularity === 'count' ? s.count : Math.min(s.count, Math.max(1, Math.round(1 / hhi)));
    if (!(Number.isInteger(n) && n >= 1)) throw new Error(`segment ${c.index[k]}: count ${s.count} is not a positive integer`);
    names[k] = n;
    perDefault[k] = c.loss[k] / n;
  }
  const rng = new Random(options.seed ?? 42);
  const factor = drawFactors(rng, scenarios);
  const losses = new Float64Array(scenarios);
  const tick = Math.max(1, Math.ceil(scenarios / 100));
  for (let t = 0; t < scenarios; t++) {
    if (options.onProgress && t % tick === 0) options.onProgress(t / scenarios);
    const z = factor[t];
    let loss = c.certain;
    for (let k = 0; k < names.length; k++) {
      const defaults = rng.binomial(names[k], Phi(c.a[k] - c.b[k] * z));
      loss += defaults * perDefault[k];
    }
    losses[t] = loss;
  }
  const r = summariseLosses(losses, segments);
  const sorted = r.losses;
  const at = (p: number) => sorted[Math.min(scenarios - 1, Math.max(0, Math.ceil(p * scenarios) - 1))];
  const varSe = (q: number) => {
    const d = Math.sqrt((q * (1 - q)) / scenarios);
    return (at(q + d) - at(q - d)) / 2;
  };
  const esSe = (q: number) => {
    const from = Math.min(scenarios - 1, Math.ceil(q * scenarios) - 1);
    const tail = sorted.subarray(from);
    const mean = tail.reduce((s, v) => s + v, 0) / tail.length;
    const variance = tail.reduce((s, v) => s + (v - mean) ** 2, 0) / tail.length;
    return Math.sqrt((variance + q * (mean - sorted[from]) ** 2) / (scenarios * (1 - q)));
  };
  return {
    scenarios,
    expectedLoss: r.expectedLoss,
    standardError: r.standardError,
    analyticExpectedLoss: c.expectedLoss,
    var: { 0.99: r.var99, 0.999: r.var999 },
    es: { 0.99: r.es99, 0.999: r.es999 },
    varStandardError: { 0.99: varSe(0.99), 0.999: varSe(0.999) },
    esStandardError: { 0.99: esSe(0.99), 0.999: esSe(0.999) },
    losses: sorted,
  };
}
