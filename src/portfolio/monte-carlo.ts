import cdf from '@stdlib/stats-base-dists-normal-cdf';
import quantile from '@stdlib/stats-base-dists-normal-quantile';
import type { Exposure } from './basel.ts';

/**
 * Portfolio losses with correlated defaults (one-factor Gaussian copula, Vasicek), sampled
 * conditionally on the common factor. In each scenario a factor Z is drawn; given Z, loans default
 * independently, loan i with probability p_i(Z) = Φ((Φ⁻¹(PD_i) − √ρ_i·Z) / √(1−ρ_i)), decided by a
 * uniform U_i: default when U_i < p_i(Z). That is the distribution of the loan-level model
 * (default when √ρ_i·Z + √(1−ρ_i)·ε_i < Φ⁻¹(PD_i)), without drawing a normal ε_i per loan.
 *
 * Computing Φ for every loan in every scenario would cost as much as the normals saved, so the
 * scenarios are taken in increasing order of Z and the factor axis is cut into cells (1/32 wide by
 * default): p_i falls as Z rises, so within a cell it lies between its values at the two ends,
 * computed once per cell. Most loans are then settled by the top 8 bits of U_i alone: below
 * 256·p at the cell's right end, a default; at or above 256·p at its left end, none. The rest (about
 * 0.5%) get 32 more bits and are compared with the bounds at full precision and, if still between
 * them, with p_i(Z) itself. Every decision is the one U_i < p_i(Z) gives for a 40-bit uniform: the
 * bounds only skip work, nothing is approximated. A 32-bit draw serves four loans.
 *
 * Random bits come from xoshiro128** (period 2¹²⁸ − 1: 10,000 loans × 1,000,000 scenarios does not
 * wrap), seeded by splitmix32, the factor first (53-bit uniforms, Box–Muller), then the loans: the
 * same seed gives the same losses. The loan-level sampler this replaced is kept, for tests and the
 * benchmark, in test/support/monte-carlo-reference.ts.
 */

export interface LossDistribution {
  scenarios: number;
  /** Mean simulated loss, and its standard error. */
  expectedLoss: number;
  standardError: number;
  /** Σ PD × LGD × EAD: what the mean should converge to. */
  analyticExpectedLoss: number;
  var99: number;
  var999: number;
  es99: number;
  es999: number;
  /** Simulated losses, sorted ascending (for charts). */
  losses: Float64Array;
}

export interface SimulationOptions {
  scenarios?: number;
  seed?: number;
  /** Asset correlation, one for all loans or per loan. */
  correlation: number | ((exposure: Exposure) => number);
  /** Cells per unit of Z for the bounds (default 32). Any value gives the same distribution; tests use coarse cells to exercise the exact path. */
  cellsPerUnit?: number;
}

const TWO_32 = 4294967296;
const TWO_40 = 1099511627776;
/** Factor values outside this range (probability 1e-15) are simulated without bounds, p_i(Z) for every loan. */
const Z_MIN = -8;
const Z_MAX = 8;
const Phi = (x: number) => cdf(x, 0, 1);

/** p_i at one end of a cell, for every loan: 2⁴⁰·p_i, and ⌊256·p_i⌋, ⌈256·p_i⌉ for the top 8 bits of a uniform. */
interface Row {
  scaled: Float64Array;
  floor: Int32Array;
  ceil: Int32Array;
}
const emptyRow = (n: number): Row => ({ scaled: new Float64Array(n), floor: new Int32Array(n), ceil: new Int32Array(n) });

/** xoshiro128** (Blackman & Vigna), its 128-bit state filled from the seed by splitmix32. */
export class Xoshiro128 {
  s0: number;
  s1: number;
  s2: number;
  s3: number;
  constructor(seed: number) {
    const state = new Int32Array(4);
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      state[i] = z ^ (z >>> 16);
    }
    if (state.every((v) => v === 0)) state[0] = 1;
    [this.s0, this.s1, this.s2, this.s3] = state;
  }
  /** The next 32-bit output, as an unsigned integer. */
  next(): number {
    const m = Math.imul(this.s1, 5);
    const r = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return r;
  }
}

export function simulateLosses(exposures: readonly Exposure[], options: SimulationOptions): LossDistribution {
  const scenarios = options.scenarios ?? 100_000;
  if (!(Number.isInteger(scenarios) && scenarios >= 1)) throw new Error(`scenarios must be a positive integer, not ${scenarios}`);
  const h = 1 / (options.cellsPerUnit ?? 32);

  // Loans that may or may not default: p_i(Z) = Φ(a_i − b_i·Z). Certain defaults (PD = 1) add to every scenario; PD = 0 or no exposure, to none.
  const a: number[] = [];
  const b: number[] = [];
  const lossOf: number[] = [];
  let certain = 0;
  exposures.forEach((e, i) => {
    const rho = typeof options.correlation === 'number' ? options.correlation : options.correlation(e);
    if (!(rho >= 0 && rho < 1)) throw new Error(`loan ${i}: asset correlation ${rho} is outside [0, 1)`);
    const loss = e.lgd * e.ead;
    if (e.pd <= 0 || loss === 0) return;
    if (e.pd >= 1) {
      certain += loss;
      return;
    }
    a.push(quantile(e.pd, 0, 1) / Math.sqrt(1 - rho));
    b.push(Math.sqrt(rho / (1 - rho)));
    lossOf.push(loss);
  });
  const A = Float64Array.from(a);
  const B = Float64Array.from(b);
  const L = Float64Array.from(lossOf);

  // The factor, by Box–Muller (both values of each pair), then sorted; the loans' uniforms continue the same stream.
  const rng = new Xoshiro128(options.seed ?? 42);
  const factor = new Float64Array(scenarios);
  const uniform53 = () => ((rng.next() >>> 5) * 67108864 + (rng.next() >>> 6) + 0.5) / 9007199254740992;
  for (let s = 0; s < scenarios; s += 2) {
    const r = Math.sqrt(-2 * Math.log(uniform53()));
    const angle = 2 * Math.PI * uniform53();
    factor[s] = r * Math.cos(angle);
    if (s + 1 < scenarios) factor[s + 1] = r * Math.sin(angle);
  }
  factor.sort();

  return summariseLosses(sampleLosses(factor, A, B, L, certain, h, rng), exposures);
}

/** 2⁴⁰·p_i, ⌊256·p_i⌋ and ⌈256·p_i⌉ for every loan at factor value z. */
function fillRow(row: Row, A: Float64Array, B: Float64Array, z: number): void {
  for (let i = 0; i < A.length; i++) {
    const p = Phi(A[i] - B[i] * z);
    row.scaled[i] = TWO_40 * p;
    row.floor[i] = Math.floor(256 * p);
    row.ceil[i] = Math.ceil(256 * p);
  }
}

/**
 * The loss of each scenario, the factor values sorted ascending. Loan i defaults when U_i < p_i(Z),
 * U_i = (byte + V)/256: the byte (the top 8 bits) settles it against the cell's bounds for all but
 * about 0.5% of loans; those get 32 more bits (U·2⁴⁰ = byte·2³² + r) and, if still between the bounds,
 * p_i(Z) itself.
 */
function sampleLosses(factor: Float64Array, A: Float64Array, B: Float64Array, L: Float64Array, certain: number, h: number, rng: Xoshiro128): Float64Array {
  const n = A.length;
  const scenarios = factor.length;
  // p_i at the two ends of the current cell: `upper` at its left end, `lower` at its right (p_i falls as Z rises).
  let upper = emptyRow(n);
  let lower = emptyRow(n);
  let cell = -1;
  const whole = n - (n % 4);
  const pending = new Int32Array(n);
  const pendingByte = new Int32Array(n);
  const losses = new Float64Array(scenarios);
  let s0 = rng.s0;
  let s1 = rng.s1;
  let s2 = rng.s2;
  let s3 = rng.s3;
  for (let s = 0; s < scenarios; s++) {
    const z = factor[s];
    const k = z >= Z_MIN && z < Z_MAX ? Math.floor((z - Z_MIN) / h) : -1;
    if (k < 0) {
      // Far outside the cells (about once in 10¹⁵ scenarios): no bounds, every loan by p_i(Z) itself.
      lower.scaled.fill(0);
      lower.floor.fill(0);
      upper.scaled.fill(TWO_40);
      upper.ceil.fill(256);
    } else if (k !== cell) {
      if (cell >= 0 && k === cell + 1) {
        const t = upper;
        upper = lower;
        lower = t;
      } else fillRow(upper, A, B, Z_MIN + k * h);
      fillRow(lower, A, B, Z_MIN + (k + 1) * h);
    }
    cell = k;
    const certainBelow = lower.floor;
    const certainAbove = upper.ceil;

    // First pass: four loans per 32-bit draw, a byte each. byte < ⌊256·p_lower⌋ means U < p_lower ≤ p_i(Z): a
    // default; byte ≥ ⌈256·p_upper⌉ means U ≥ p_upper ≥ p_i(Z): none; otherwise the loan is left open.
    let loss = certain;
    let open = 0;
    for (let i = 0; i < whole; i += 4) {
      // xoshiro128**, inlined: this runs loans × scenarios / 4 times.
      const m = Math.imul(s1, 5);
      const r = Math.imul((m << 7) | (m >>> 25), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      const b0 = r & 255;
      const b1 = (r >>> 8) & 255;
      const b2 = (r >>> 16) & 255;
      const b3 = r >>> 24;
      if (b0 < certainBelow[i]) loss += L[i];
      else if (b0 < certainAbove[i]) {
        pending[open] = i;
        pendingByte[open++] = b0;
      }
      if (b1 < certainBelow[i + 1]) loss += L[i + 1];
      else if (b1 < certainAbove[i + 1]) {
        pending[open] = i + 1;
        pendingByte[open++] = b1;
      }
      if (b2 < certainBelow[i + 2]) loss += L[i + 2];
      else if (b2 < certainAbove[i + 2]) {
        pending[open] = i + 2;
        pendingByte[open++] = b2;
      }
      if (b3 < certainBelow[i + 3]) loss += L[i + 3];
      else if (b3 < certainAbove[i + 3]) {
        pending[open] = i + 3;
        pendingByte[open++] = b3;
      }
    }
    if (whole < n) {
      // The last one to three loans share one more draw.
      const m = Math.imul(s1, 5);
      let bits = Math.imul((m << 7) | (m >>> 25), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      for (let j = whole; j < n; j++, bits >>>= 8) {
        const byte = bits & 255;
        if (byte < certainBelow[j]) loss += L[j];
        else if (byte < certainAbove[j]) {
          pending[open] = j;
          pendingByte[open++] = byte;
        }
      }
    }
    // Second pass, the open loans: 32 more bits each, against the bounds at full precision, then p_i(Z).
    for (let q = 0; q < open; q++) {
      const m = Math.imul(s1, 5);
      const r = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      const i = pending[q];
      const u = pendingByte[q] * TWO_32 + r;
      if (u < lower.scaled[i] || (u < upper.scaled[i] && u < TWO_40 * Phi(A[i] - B[i] * z))) loss += L[i];
    }
    losses[s] = loss;
  }
  return losses;
}

/** Mean, standard error, VaR and expected shortfall of simulated losses (sorted in place). */
export function summariseLosses(losses: Float64Array, exposures: readonly Exposure[]): LossDistribution {
  const scenarios = losses.length;
  let sum = 0;
  let sumSq = 0;
  for (const l of losses) {
    sum += l;
    sumSq += l * l;
  }
  const mean = sum / scenarios;
  const variance = Math.max(0, sumSq / scenarios - mean * mean);
  losses.sort();
  const valueAtRisk = (q: number) => losses[Math.min(scenarios - 1, Math.ceil(q * scenarios) - 1)];
  const shortfall = (q: number) => {
    const from = Math.min(scenarios - 1, Math.ceil(q * scenarios) - 1);
    let tail = 0;
    for (let k = from; k < scenarios; k++) tail += losses[k];
    return tail / (scenarios - from);
  };
  return {
    scenarios,
    expectedLoss: mean,
    standardError: Math.sqrt(variance / scenarios),
    analyticExpectedLoss: exposures.reduce((s, e) => s + e.pd * e.lgd * e.ead, 0),
    var99: valueAtRisk(0.99),
    var999: valueAtRisk(0.999),
    es99: shortfall(0.99),
    es999: shortfall(0.999),
    losses,
  };
}
