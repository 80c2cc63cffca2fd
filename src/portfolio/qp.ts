import { covarianceTimes, type FactorCovariance } from './covariance.ts';

/**
 * Convex quadratic programme with a factor-structured covariance:
 *
 *   minimise ½·xᵀΣx + cᵀx   subject to   E·x = e,  G·x ≤ g,  0 ≤ x ≤ u,   Σ = diag(d) + F·Fᵀ.
 *
 * Solved by a primal–dual interior-point method with Mehrotra's predictor–corrector. The Newton
 * matrix is diagonal + rank-of-F, so each step is a Woodbury solve plus a small Schur complement over
 * the constraint rows, O(n·rank² + nnz(rows)·rank) instead of a dense O(n³) factorisation. No
 * JavaScript QP library exploits that structure (quadprog, the reference in the tests, is dense).
 * Converges to about 1e-10 relative accuracy: the solution is the optimum, not an approximation of a
 * simplified problem. Given a neighbouring problem's solution (`near`), it solves over the few
 * variables that move instead (a working set), and checks the optimality conditions of the whole.
 */

export interface SparseRow {
  index: ArrayLike<number>;
  value: ArrayLike<number>;
}

export interface Constraint {
  row: SparseRow;
  rhs: number;
}

export interface QpProblem {
  cov: FactorCovariance;
  linear: ArrayLike<number>;
  upper: ArrayLike<number>;
  equalities: readonly Constraint[];
  /** Each row·x ≤ rhs. */
  inequalities: readonly Constraint[];
  /** A starting point inside the box (a guess; it need not be feasible). */
  start?: ArrayLike<number>;
  /**
   * The solution of a neighbouring problem. Variables at a bound there are first held at it and the
   * rest solved for; held variables are then released wherever the optimality conditions of the whole
   * problem ask, so the answer is this problem's optimum, at the cost of a problem the size of the
   * variables that move.
   */
  near?: QpNeighbour;
}

/** A neighbouring problem's solution, for a working-set solve. */
export interface QpNeighbour {
  x: ArrayLike<number>;
  /** Its row multipliers, when known: they tell which held variables are close to moving. */
  multipliers?: ArrayLike<number>;
  /** An allocation known to keep every constraint of this problem, the way out if the held values do not. */
  feasible?: ArrayLike<number>;
}

export interface QpSolution {
  x: Float64Array;
  objective: number;
  iterations: number;
  /** Row multipliers λ, equalities then inequalities (those ≥ 0): at the optimum Σx + c + Cᵀλ is ≥ 0 where x = 0, ≤ 0 where x = u, 0 in between. */
  multipliers: Float64Array;
}

export class QpError extends Error {
  override name = 'QpError';
}

const MAX_ITERATIONS = 120;
const TOLERANCE = 1e-10;
const LOOSE_TOLERANCE = 1e-6;

function cholesky(a: Float64Array, k: number): void {
  for (let j = 0; j < k; j++) {
    let d = a[j * k + j];
    for (let p = 0; p < j; p++) d -= a[j * k + p] ** 2;
    if (!(d > 0)) throw new QpError('the Newton system lost positive definiteness');
    const l = Math.sqrt(d);
    a[j * k + j] = l;
    for (let i = j + 1; i < k; i++) {
      let s = a[i * k + j];
      for (let p = 0; p < j; p++) s -= a[i * k + p] * a[j * k + p];
      a[i * k + j] = s / l;
    }
  }
}

/** Solves L·Lᵀ·v = b in place for the k entries of b from `at`. */
function choleskySolve(l: Float64Array, k: number, b: Float64Array, at = 0): void {
  for (let i = 0; i < k; i++) {
    let s = b[at + i];
    for (let p = 0; p < i; p++) s -= l[i * k + p] * b[at + p];
    b[at + i] = s / l[i * k + i];
  }
  for (let i = k - 1; i >= 0; i--) {
    let s = b[at + i];
    for (let p = i + 1; p < k; p++) s -= l[p * k + i] * b[at + p];
    b[at + i] = s / l[i * k + i];
  }
}

function dot(a: Float64Array, at: number, b: Float64Array, bt: number, k: number): number {
  let s = 0;
  for (let i = 0; i < k; i++) s += a[at + i] * b[bt + i];
  return s;
}

function maxAbs(v: Float64Array): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]));
  return m;
}

/**
 * Constraint rows scaled by the variable scale u and normalised to a largest coefficient of 1,
 * equalities first. Kept by row (for C·v and Cᵀ·λ) and by column (for C·D⁻¹·Cᵀ, variable by
 * variable). A row over every variable in order (the budget, the return floor) is marked dense and
 * read without its index.
 */
interface Rows {
  m: number;
  me: number;
  start: Int32Array;
  index: Int32Array;
  value: Float64Array;
  dense: Uint8Array;
  rhs: Float64Array;
  /** What each row was divided by. */
  top: Float64Array;
  colStart: Int32Array;
  colRow: Int32Array;
  colValue: Float64Array;
}

function scaleRows(equalities: readonly Constraint[], inequalities: readonly Constraint[], u: ArrayLike<number>, n: number): Rows {
  const rows = [...equalities, ...inequalities];
  const m = rows.length;
  const start = new Int32Array(m + 1);
  rows.forEach((r, j) => (start[j + 1] = start[j] + r.row.index.length));
  const index = new Int32Array(start[m]);
  const value = new Float64Array(index.length);
  const dense = new Uint8Array(m);
  const rhs = new Float64Array(m);
  const tops = new Float64Array(m);
  const colStart = new Int32Array(n + 1);
  rows.forEach((r, j) => {
    let top = 0;
    for (let p = 0; p < r.row.index.length; p++) top = Math.max(top, Math.abs(r.row.value[p] * u[r.row.index[p]]));
    top ||= 1;
    let inOrder = r.row.index.length === n;
    for (let p = 0, q = start[j]; p < r.row.index.length; p++, q++) {
      index[q] = r.row.index[p];
      value[q] = (r.row.value[p] * u[index[q]]) / top;
      colStart[index[q] + 1]++;
      inOrder &&= index[q] === p;
    }
    dense[j] = inOrder ? 1 : 0;
    rhs[j] = r.rhs / top;
    tops[j] = top;
  });
  // The transpose, rows ascending within each column (the order K is assembled in).
  for (let i = 0; i < n; i++) colStart[i + 1] += colStart[i];
  const fill = colStart.slice(0, n);
  const colRow = new Int32Array(index.length);
  const colValue = new Float64Array(index.length);
  for (let j = 0; j < m; j++)
    for (let q = start[j]; q < start[j + 1]; q++) {
      const at = fill[index[q]]++;
      colRow[at] = j;
      colValue[at] = value[q];
    }
  return { m, me: equalities.length, start, index, value, dense, rhs, top: tops, colStart, colRow, colValue };
}

/** Row j of C times v[at + i] (v may hold several vectors of length n end to end). */
function rowDot(rows: Rows, j: number, v: Float64Array, at = 0): number {
  const { start, index, value } = rows;
  const from = start[j];
  const to = start[j + 1];
  if (rows.dense[j]) return dot(value, from, v, at, to - from);
  let s = 0;
  for (let q = from; q < to; q++) s += value[q] * v[at + index[q]];
  return s;
}

/** out += Cᵀ·coef. */
function addRows(rows: Rows, coef: Float64Array, out: Float64Array): void {
  const { start, index, value } = rows;
  for (let j = 0; j < rows.m; j++) {
    const k = coef[j];
    const from = start[j];
    const to = start[j + 1];
    if (rows.dense[j]) for (let q = from; q < to; q++) out[q - from] += k * value[q];
    else for (let q = from; q < to; q++) out[index[q]] += k * value[q];
  }
}

/**
 * The problem in f = x / u ∈ [0, 1] with the objective scaled to O(1): interior-point steps behave
 * the same whatever the currency or the size of the book. The factors are stored factor by factor
 * (rank × n), so that every sweep over the variables reads memory in order.
 */
interface Scaled {
  n: number;
  rank: number;
  scale: number;
  diag: Float64Array;
  Ft: Float64Array;
  c: Float64Array;
  rows: Rows;
}

function objectiveScale(problem: QpProblem): number {
  const { cov, upper: u } = problem;
  let top = 0;
  for (let i = 0; i < cov.n; i++) top = Math.max(top, Math.abs(problem.linear[i] * u[i]), cov.diag[i] * u[i] * u[i]);
  for (let i = 0; i < cov.n; i++) for (let c = 0; c < cov.rank; c++) top = Math.max(top, (cov.factors[i * cov.rank + c] * u[i]) ** 2);
  return top > 0 ? 1 / top : 1;
}

function scaleProblem(problem: QpProblem): Scaled {
  const { cov, upper: u } = problem;
  const { n, rank } = cov;
  const scale = objectiveScale(problem);
  const root = Math.sqrt(scale);
  const Ft = new Float64Array(n * rank);
  for (let i = 0; i < n; i++) for (let a = 0; a < rank; a++) Ft[a * n + i] = cov.factors[i * rank + a] * u[i] * root;
  return {
    n,
    rank,
    scale,
    diag: Float64Array.from(cov.diag, (v, i) => v * u[i] * u[i] * scale),
    Ft,
    c: Float64Array.from({ length: n }, (_, i) => problem.linear[i] * u[i] * scale),
    rows: scaleRows(problem.equalities, problem.inequalities, u, n),
  };
}

/** A search direction; λ holds the row multipliers' steps (−Δye for equalities, Δy for inequalities). */
class Direction {
  readonly dx: Float64Array;
  readonly dz: Float64Array;
  readonly dt: Float64Array;
  readonly dw: Float64Array;
  readonly ds: Float64Array;
  readonly lambda: Float64Array;
  constructor(n: number, m: number, mi: number) {
    this.dx = new Float64Array(n);
    this.dz = new Float64Array(n);
    this.dt = new Float64Array(n);
    this.dw = new Float64Array(n);
    this.ds = new Float64Array(mi);
    this.lambda = new Float64Array(m);
  }
}

/** Iterate, residuals and Newton factors of one solve; every buffer is allocated once. */
class InteriorPoint {
  readonly x: Float64Array;
  readonly t: Float64Array;
  readonly z: Float64Array;
  readonly w: Float64Array;
  readonly s: Float64Array;
  readonly y: Float64Array;
  readonly ye: Float64Array;
  private readonly sx: Float64Array;
  private readonly rd: Float64Array;
  private readonly ru: Float64Array;
  /** Row residuals C·x − rhs (+ slack for inequalities). */
  private readonly rp: Float64Array;
  /** The multipliers as one vector, signed like λ: −ye for equalities, y for inequalities. */
  private readonly multipliers: Float64Array;
  private readonly dinv: Float64Array;
  /** D⁻¹·F, factor by factor. */
  private readonly G: Float64Array;
  private readonly M: Float64Array;
  /** Row by row: P = Fᵀ·D⁻¹·Cᵀ, then Q = M⁻¹·P. */
  private readonly P: Float64Array;
  private readonly Q: Float64Array;
  private readonly K: Float64Array;
  private readonly hr: Float64Array;
  private readonly work: Float64Array;
  private readonly small: Float64Array;
  private readonly rxz: Float64Array;
  private readonly rtw: Float64Array;
  private readonly rsy: Float64Array;
  private readonly affine: Direction;
  private readonly step: Direction;
  gap = 0;
  objective = 0;

  constructor(private readonly p: Scaled) {
    const { n, rank } = p;
    const { m, me } = p.rows;
    const mi = m - me;
    this.x = new Float64Array(n);
    this.t = new Float64Array(n);
    this.z = new Float64Array(n);
    this.w = new Float64Array(n);
    this.s = new Float64Array(mi);
    this.y = new Float64Array(mi);
    this.ye = new Float64Array(me);
    this.sx = new Float64Array(n);
    this.rd = new Float64Array(n);
    this.ru = new Float64Array(n);
    this.rp = new Float64Array(m);
    this.multipliers = new Float64Array(m);
    this.dinv = new Float64Array(n);
    this.G = new Float64Array(n * rank);
    this.M = new Float64Array(rank * rank);
    this.P = new Float64Array(m * rank);
    this.Q = new Float64Array(m * rank);
    this.K = new Float64Array(m * m);
    this.hr = new Float64Array(n);
    this.work = new Float64Array(n);
    this.small = new Float64Array(rank);
    this.rxz = new Float64Array(n);
    this.rtw = new Float64Array(n);
    this.rsy = new Float64Array(mi);
    this.affine = new Direction(n, m, mi);
    this.step = new Direction(n, m, mi);
  }

  /** Infeasible start in the box (the middle unless told); Mehrotra's method does not need a feasible point. */
  coldStart(start: ArrayLike<number> | undefined, upper: ArrayLike<number>): void {
    const { n, rows } = this.p;
    for (let i = 0; i < n; i++) {
      this.x[i] = start ? Math.min(0.99, Math.max(0.01, start[i] / upper[i])) : 0.5;
      this.t[i] = 1 - this.x[i];
    }
    this.z.fill(1);
    this.w.fill(1);
    this.y.fill(1);
    this.ye.fill(0);
    for (let j = rows.me; j < rows.m; j++) this.s[j - rows.me] = Math.max(1, rows.rhs[j] - rowDot(rows, j, this.x));
  }

  /** The row multipliers λ in Σx + c + Cᵀλ = z − w, in the problem's own units. */
  rowMultipliers(): Float64Array {
    const { rows, scale } = this.p;
    return Float64Array.from({ length: rows.m }, (_, j) => (j < rows.me ? -this.ye[j] : this.y[j - rows.me]) / (rows.top[j] * scale));
  }

  /** out = Σ·v = diag·v + F·(Fᵀ·v). */
  private covarianceTimes(v: Float64Array, out: Float64Array): void {
    const { n, rank, diag, Ft } = this.p;
    for (let i = 0; i < n; i++) out[i] = diag[i] * v[i];
    for (let a = 0; a < rank; a++) {
      const k = dot(Ft, a * n, v, 0, n);
      for (let i = 0, o = a * n; i < n; i++, o++) out[i] += k * Ft[o];
    }
  }

  /**
   * Residuals, duality gap and objective at the current iterate. The error is the largest of the
   * primal residual (each row relative to its right-hand side, whose rounding grows with the book),
   * the dual residual and the relative gap; μ is the mean complementarity.
   */
  residuals(): { error: number; mu: number } {
    const { n, c, rows } = this.p;
    const { m, me, rhs } = rows;
    const { x, t, z, w, s, y, ye, sx, rd, ru, rp, multipliers } = this;
    this.covarianceTimes(x, sx);
    let gap = 0;
    let objective = 0;
    for (let i = 0; i < n; i++) {
      rd[i] = sx[i] + c[i] - z[i] + w[i];
      ru[i] = x[i] + t[i] - 1;
      gap += x[i] * z[i] + t[i] * w[i];
      objective += x[i] * (0.5 * sx[i] + c[i]);
    }
    let primal = maxAbs(ru);
    for (let j = 0; j < m; j++) {
      rp[j] = rowDot(rows, j, x) - rhs[j] + (j < me ? 0 : s[j - me]);
      primal = Math.max(primal, Math.abs(rp[j]) / (1 + Math.abs(rhs[j])));
      multipliers[j] = j < me ? -ye[j] : y[j - me];
    }
    addRows(rows, multipliers, rd);
    for (let j = 0; j < m - me; j++) gap += s[j] * y[j];
    this.gap = gap;
    this.objective = objective;
    const error = Math.max(primal, maxAbs(rd) / (1 + maxAbs(c)), gap / (1 + Math.abs(objective)));
    return { error, mu: gap / (2 * n + m - me) };
  }

  /**
   * H₀ = D + F·Fᵀ (D: Σ's diagonal plus the bound barriers), inverted by Woodbury through the
   * rank × rank matrix M = I + Fᵀ·D⁻¹·F. Constraint rows are not folded into H₀ but kept in a Schur
   * complement K = C·H₀⁻¹·Cᵀ + diag(0 for equalities, s/y for inequalities), so an active limit
   * (slack → 0) never produces the huge weights that ruin the precision. K = C·D⁻¹·Cᵀ − Pᵀ·M⁻¹·P with
   * P = Fᵀ·D⁻¹·Cᵀ: C·D⁻¹·Cᵀ from the few rows of each variable, never an n-long column per row.
   */
  factorise(): void {
    const { n, rank, diag, Ft, rows } = this.p;
    const { m, me, colStart, colRow, colValue } = rows;
    const { x, t, z, w, dinv, G, M, P, Q, K } = this;
    for (let i = 0; i < n; i++) dinv[i] = 1 / (diag[i] + z[i] / x[i] + w[i] / t[i]);
    for (let a = 0, o = 0; a < rank; a++) for (let i = 0; i < n; i++, o++) G[o] = Ft[o] * dinv[i];
    for (let a = 0; a < rank; a++) for (let b = 0; b <= a; b++) M[a * rank + b] = dot(G, a * n, Ft, b * n, n) + (a === b ? 1 : 0);
    for (let j = 0; j < m; j++) for (let a = 0; a < rank; a++) P[j * rank + a] = rowDot(rows, j, G, a * n);
    K.fill(0);
    for (let i = 0; i < n; i++)
      for (let p = colStart[i]; p < colStart[i + 1]; p++) {
        const v = colValue[p] * dinv[i];
        for (let q = colStart[i]; q <= p; q++) K[colRow[p] * m + colRow[q]] += v * colValue[q];
      }
    if (rank) cholesky(M, rank);
    Q.set(P);
    for (let j = 0; j < m && rank; j++) choleskySolve(M, rank, Q, j * rank);
    for (let a = 0; a < m; a++) for (let b = 0; b <= a; b++) K[a * m + b] = K[b * m + a] = K[a * m + b] - dot(P, a * rank, Q, b * rank, rank);
    for (let j = me; j < m; j++) K[j * m + j] += this.s[j - me] / this.y[j - me];
    if (m) cholesky(K, m);
  }

  /** out = H₀⁻¹·b = D⁻¹·b − G·M⁻¹·Gᵀ·b. */
  private solveH0(b: Float64Array, out: Float64Array): void {
    const { n, rank } = this.p;
    const { dinv, G, small } = this;
    for (let i = 0; i < n; i++) out[i] = b[i] * dinv[i];
    if (rank === 0) return;
    for (let a = 0; a < rank; a++) small[a] = dot(G, a * n, b, 0, n);
    choleskySolve(this.M, rank, small);
    for (let a = 0; a < rank; a++) {
      const k = small[a];
      for (let i = 0, o = a * n; i < n; i++, o++) out[i] -= k * G[o];
    }
  }

  /** The Newton direction for complementarity residuals x·z − target (rxz), t·w − target (rtw), s·y − target (rsy). */
  private direction(rxz: Float64Array, rtw: Float64Array, rsy: Float64Array, out: Direction): void {
    const { n, rank, rows } = this.p;
    const { m, me } = rows;
    const { x, t, z, w, s, y, rd, ru, rp, dinv, G, Q, hr, work, small } = this;
    const { dx, dz, dt, dw, ds, lambda } = out;
    for (let i = 0; i < n; i++) work[i] = -rd[i] - rxz[i] / x[i] - (w[i] * ru[i] - rtw[i]) / t[i];
    this.solveH0(work, hr);
    for (let j = 0; j < m; j++) lambda[j] = rowDot(rows, j, hr) + rp[j] - (j < me ? 0 : rsy[j - me] / y[j - me]);
    if (m) choleskySolve(this.K, m, lambda);
    // Δx = H₀⁻¹·(r − Cᵀλ) = hr − D⁻¹·Cᵀλ + G·M⁻¹·P·λ: no second Woodbury pass over the factors.
    work.fill(0);
    addRows(rows, lambda, work);
    for (let i = 0; i < n; i++) dx[i] = hr[i] - work[i] * dinv[i];
    for (let a = 0; a < rank; a++) {
      let k = 0;
      for (let j = 0; j < m; j++) k += Q[j * rank + a] * lambda[j];
      small[a] = k;
    }
    for (let a = 0; a < rank; a++) {
      const k = small[a];
      for (let i = 0, o = a * n; i < n; i++, o++) dx[i] += k * G[o];
    }
    for (let i = 0; i < n; i++) {
      dz[i] = (-rxz[i] - z[i] * dx[i]) / x[i];
      dt[i] = -ru[i] - dx[i];
      dw[i] = (-rtw[i] - w[i] * dt[i]) / t[i];
    }
    for (let j = me; j < m; j++) ds[j - me] = (-rsy[j - me] - s[j - me] * lambda[j]) / y[j - me];
  }

  /** The longest step in [0, 1] that keeps every x, t, z, w, s, y non-negative. */
  private maxStep(dir: Direction): number {
    const { x, t, z, w, s, y } = this;
    const { me } = this.p.rows;
    let alpha = 1;
    for (let i = 0; i < x.length; i++) {
      if (dir.dx[i] < 0) alpha = Math.min(alpha, -x[i] / dir.dx[i]);
      if (dir.dt[i] < 0) alpha = Math.min(alpha, -t[i] / dir.dt[i]);
      if (dir.dz[i] < 0) alpha = Math.min(alpha, -z[i] / dir.dz[i]);
      if (dir.dw[i] < 0) alpha = Math.min(alpha, -w[i] / dir.dw[i]);
    }
    for (let j = 0; j < s.length; j++) {
      if (dir.ds[j] < 0) alpha = Math.min(alpha, -s[j] / dir.ds[j]);
      const dy = dir.lambda[me + j];
      if (dy < 0) alpha = Math.min(alpha, -y[j] / dy);
    }
    return alpha;
  }

  /** Mehrotra's centring target σ·μ from the affine-scaling (predictor) direction, which it also leaves in `affine`. */
  private centringTarget(mu: number): number {
    const { x, t, z, w, s, y, rxz, rtw, rsy, affine } = this;
    const { me } = this.p.rows;
    this.direction(rxz, rtw, rsy, affine);
    const a = this.maxStep(affine);
    let gap = 0;
    for (let i = 0; i < x.length; i++) gap += (x[i] + a * affine.dx[i]) * (z[i] + a * affine.dz[i]) + (t[i] + a * affine.dt[i]) * (w[i] + a * affine.dw[i]);
    for (let j = 0; j < s.length; j++) gap += (s[j] + a * affine.ds[j]) * (y[j] + a * affine.lambda[me + j]);
    return Math.min(1, (gap / this.gap) ** 3) * mu;
  }

  /** One predictor–corrector step (after `factorise`). */
  advance(mu: number): void {
    const { x, t, z, w, s, y, ye, rxz, rtw, rsy, affine, step } = this;
    const { me } = this.p.rows;
    for (let i = 0; i < x.length; i++) {
      rxz[i] = x[i] * z[i];
      rtw[i] = t[i] * w[i];
    }
    for (let j = 0; j < s.length; j++) rsy[j] = s[j] * y[j];
    const target = this.centringTarget(mu);
    // The corrector aims at σ·μ and adds the predictor's second-order term to the complementarity residuals.
    for (let i = 0; i < x.length; i++) {
      rxz[i] += affine.dx[i] * affine.dz[i] - target;
      rtw[i] += affine.dt[i] * affine.dw[i] - target;
    }
    for (let j = 0; j < s.length; j++) rsy[j] += affine.ds[j] * affine.lambda[me + j] - target;
    this.direction(rxz, rtw, rsy, step);
    const alpha = Math.min(1, 0.995 * this.maxStep(step));
    for (let i = 0; i < x.length; i++) {
      x[i] += alpha * step.dx[i];
      t[i] += alpha * step.dt[i];
      z[i] += alpha * step.dz[i];
      w[i] += alpha * step.dw[i];
    }
    for (let j = 0; j < s.length; j++) {
      s[j] += alpha * step.ds[j];
      y[j] += alpha * step.lambda[me + j];
    }
    for (let j = 0; j < me; j++) ye[j] -= alpha * step.lambda[j];
  }
}

/** Within this share of its range from a bound, a variable of a neighbouring solution counts as at the bound. */
const AT_BOUND = 1e-6;
/** A held variable is released when the scaled objective falls along it faster than this. */
const RELEASE = 1e-9;
const MAX_ROUNDS = 12;
/** The fewest held variables a subproblem frees besides the neighbour's free ones. */
const MIN_BATCH = 128;
/** Times an infeasible subproblem doubles its batch before falling back on the feasible allocation's bounds. */
const DOUBLINGS = 2;
/** Feasible subproblems converge in 10–35 steps; one that needs more is most likely infeasible. */
const SUBPROBLEM_ITERATIONS = 60;

/** Every constraint row in one block, equalities first, in the problem's own units. */
interface RowBlock {
  m: number;
  me: number;
  start: Int32Array;
  index: Int32Array;
  value: Float64Array;
  rhs: Float64Array;
}

function rowBlock(problem: QpProblem): RowBlock {
  const rows = [...problem.equalities, ...problem.inequalities];
  const start = new Int32Array(rows.length + 1);
  rows.forEach((r, j) => (start[j + 1] = start[j] + r.row.index.length));
  const index = new Int32Array(start[rows.length]);
  const value = new Float64Array(index.length);
  rows.forEach((r, j) => {
    index.set(r.row.index, start[j]);
    value.set(r.row.value, start[j]);
  });
  return { m: rows.length, me: problem.equalities.length, start, index, value, rhs: Float64Array.from(rows, (r) => r.rhs) };
}

/** Whether a neighbouring solution has a variable at a bound (within AT_BOUND of its range), and which: 0 or u. */
function boundOf(v: number, u: number): number | undefined {
  const share = v / u;
  return share <= AT_BOUND ? 0 : share >= 1 - AT_BOUND ? u : undefined;
}

/**
 * The state of a working-set solve: the whole allocation (held variables at a bound, the others as
 * last solved) and which variables are held.
 */
class WorkingSet {
  readonly x: Float64Array;
  readonly held: Uint8Array;
  /** How many held variables the next release by slope frees. */
  batch: number;
  private readonly rows: RowBlock;
  private readonly scale: number;
  private doublings = 0;

  constructor(
    private readonly problem: QpProblem,
    near: ArrayLike<number>,
    private feasible: ArrayLike<number> | undefined,
  ) {
    const { n } = problem.cov;
    this.x = Float64Array.from(near);
    this.held = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const bound = boundOf(this.x[i], problem.upper[i]);
      if (bound !== undefined) [this.held[i], this.x[i]] = [1, bound];
    }
    this.rows = rowBlock(problem);
    this.scale = objectiveScale(problem);
    this.batch = Math.max(MIN_BATCH, this.free().length);
    if (feasible?.length !== n) this.feasible = undefined;
  }

  get multiplierCount(): number {
    return this.rows.m;
  }

  free(): Int32Array {
    const out: number[] = [];
    this.held.forEach((h, i) => h || out.push(i));
    return Int32Array.from(out);
  }

  release(list: Iterable<number>): void {
    for (const i of list) this.held[i] = 0;
  }

  /**
   * After an infeasible subproblem: releases twice as many held variables by slope (DOUBLINGS times,
   * or for good without a feasible allocation), then holds only what the feasible allocation has at
   * the same bound, the rest starting from its values. False when there is nothing left to try.
   */
  widen(slope: Float64Array | undefined): boolean {
    const { x, held, feasible } = this;
    if (slope && (this.doublings < DOUBLINGS || !feasible)) {
      this.doublings++;
      this.batch *= 2;
      this.release(this.closest(slope, this.batch));
      return true;
    }
    if (!feasible) return false;
    for (let i = 0; i < x.length; i++) {
      if (held[i] && boundOf(feasible[i], this.problem.upper[i]) !== x[i]) held[i] = 0;
      if (!held[i]) x[i] = feasible[i];
    }
    this.feasible = undefined;
    return true;
  }

  /**
   * The problem over the free variables with the others held: the held part moves into the linear
   * term (through the factors: Σ's diagonal does not couple variables) and into the right-hand
   * sides. A row left without free variables is dropped (multiplier 0) if the held values keep it;
   * `broken` lists those they do not keep. `kept` maps the subproblem's rows to the problem's.
   */
  subproblem(free: Int32Array): { reduced: QpProblem; kept: number[]; broken: number[] } {
    const { problem, x } = this;
    const { cov } = problem;
    const local = new Int32Array(cov.n).fill(-1);
    free.forEach((i, k) => (local[i] = k));
    const heldFactor = new Float64Array(cov.rank);
    for (let i = 0; i < cov.n; i++) if (local[i] < 0 && x[i] !== 0) for (let a = 0; a < cov.rank; a++) heldFactor[a] += cov.factors[i * cov.rank + a] * x[i];
    const factors = new Float64Array(free.length * cov.rank);
    free.forEach((i, k) => factors.set(cov.factors.subarray(i * cov.rank, (i + 1) * cov.rank), k * cov.rank));
    const linear = Float64Array.from(free, (i, k) => problem.linear[i] + dot(factors, k * cov.rank, heldFactor, 0, cov.rank));
    const { constraints, kept, broken } = this.narrowRows(local);
    const me = kept.filter((j) => j < this.rows.me).length;
    const reduced: QpProblem = {
      cov: { n: free.length, rank: cov.rank, diag: Float64Array.from(free, (i) => cov.diag[i]), factors },
      linear,
      upper: Float64Array.from(free, (i) => problem.upper[i]),
      equalities: constraints.slice(0, me),
      inequalities: constraints.slice(me),
      start: Float64Array.from(free, (i) => x[i]),
    };
    return { reduced, kept, broken };
  }

  private narrowRows(local: Int32Array): { constraints: Constraint[]; kept: number[]; broken: number[] } {
    const { start, index, value, rhs, me } = this.rows;
    const constraints: Constraint[] = [];
    const kept: number[] = [];
    const broken: number[] = [];
    for (let j = 0; j < this.rows.m; j++) {
      const at: number[] = [];
      const coef: number[] = [];
      let right = rhs[j];
      let size = Math.abs(rhs[j]);
      for (let q = start[j]; q < start[j + 1]; q++) {
        const k = local[index[q]];
        if (k >= 0) {
          at.push(k);
          coef.push(value[q]);
        } else {
          right -= value[q] * this.x[index[q]];
          size += Math.abs(value[q] * this.x[index[q]]);
        }
      }
      if (at.length) {
        constraints.push({ row: { index: Int32Array.from(at), value: Float64Array.from(coef) }, rhs: right });
        kept.push(j);
      } else if (right < -1e-9 * size || (j < me && right > 1e-9 * size)) broken.push(j);
    }
    return { constraints, kept, broken };
  }

  /** The variables of the rows in `list`. */
  rowVariables(list: readonly number[]): number[] {
    const { start, index } = this.rows;
    return list.flatMap((j) => Array.from(index.subarray(start[j], start[j + 1])));
  }

  /** Takes a subproblem's answer: x of the free variables, and the row multipliers (0 for dropped rows). */
  absorb(free: Int32Array, kept: readonly number[], solution: QpSolution): Float64Array {
    free.forEach((i, k) => (this.x[i] = solution.x[k]));
    const multipliers = new Float64Array(this.rows.m);
    kept.forEach((j, k) => (multipliers[j] = solution.multipliers[k]));
    return multipliers;
  }

  /**
   * For each variable, how fast the scaled objective changes as it moves into its box, given row
   * multipliers: (Σx + c + Cᵀλ)·u·scale, its sign flipped at the upper bound. Negative for a held
   * variable: the objective falls by moving it, so the held set is not optimal.
   */
  slopes(multipliers: ArrayLike<number>): Float64Array {
    const { problem, x } = this;
    const { start, index, value } = this.rows;
    const g = covarianceTimes(problem.cov, x);
    for (let i = 0; i < g.length; i++) g[i] += problem.linear[i];
    for (let j = 0; j < this.rows.m; j++) for (let q = start[j]; q < start[j + 1]; q++) g[index[q]] += multipliers[j] * value[q];
    for (let i = 0; i < g.length; i++) g[i] *= (x[i] === problem.upper[i] ? -1 : 1) * problem.upper[i] * this.scale;
    return g;
  }

  /** The `count` held variables whose slope is nearest to negative. */
  closest(slope: Float64Array, count: number): number[] {
    const { held } = this;
    const slopes = slope.filter((_, i) => held[i] === 1).sort();
    const limit = slopes.length > count ? slopes[count - 1] : Infinity;
    const out: number[] = [];
    for (let i = 0; i < held.length && out.length < count; i++) if (held[i] && slope[i] <= limit) out.push(i);
    return out;
  }

  /** Held variables along which the objective falls: the held set is not optimal while there are any. */
  violators(slope: Float64Array): number[] {
    const out: number[] = [];
    this.held.forEach((h, i) => h && slope[i] < -RELEASE && out.push(i));
    return out;
  }

  objective(): number {
    const { problem, x } = this;
    const sx = covarianceTimes(problem.cov, x);
    let objective = 0;
    for (let i = 0; i < x.length; i++) objective += x[i] * (0.5 * sx[i] + problem.linear[i]);
    return objective;
  }
}

/**
 * Working-set solve from a neighbouring solution: an interior-point solve over the variables not at a
 * bound there (and, given multipliers, as many held ones whose slope is nearest to turning), then
 * the whole problem's optimality conditions checked and the variables that violate them released,
 * until none does. Each round's answer is exact for its subproblem and the last one satisfies the
 * conditions of the whole (convex) problem: it is the optimum. If the held values leave a subproblem
 * infeasible, twice as many are released (by slope), and after DOUBLINGS only the variables at the
 * same bound in `near.feasible` stay held (that subproblem contains the feasible allocation); a solve
 * over every variable is the last resort.
 */
function solveOnWorkingSet(problem: QpProblem, near: QpNeighbour): QpSolution {
  const set = new WorkingSet(problem, near.x, near.feasible);
  let slope = near.multipliers?.length === set.multiplierCount ? set.slopes(near.multipliers) : undefined;
  if (slope) set.release(set.closest(slope, set.batch));
  let iterations = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const free = set.free();
    const { reduced, kept, broken } = set.subproblem(free);
    if (broken.length) {
      set.release(set.rowVariables(broken));
      continue;
    }
    let solution: QpSolution;
    try {
      solution = interiorPoint(reduced, SUBPROBLEM_ITERATIONS);
    } catch (error) {
      if (!(error instanceof QpError)) throw error;
      if (set.widen(slope)) continue;
      break;
    }
    iterations += solution.iterations;
    const multipliers = set.absorb(free, kept, solution);
    slope = set.slopes(multipliers);
    const violators = set.violators(slope);
    if (violators.length === 0) return { x: set.x, objective: set.objective(), iterations, multipliers };
    set.release(violators);
  }
  const whole = interiorPoint({ ...problem, start: near.x });
  return { ...whole, iterations: whole.iterations + iterations };
}

/**
 * Solves the QP to about 1e-10 relative accuracy: over every variable, or given `near` over a working set.
 *
 * @example
 * const cov = factorCovariance(loans);
 * const upper = loans.map((l) => l.amount);
 * const spend = (budget: number) => ({ row: { index: loans.map((_, i) => i), value: loans.map(() => 1) }, rhs: budget });
 * const problem = { cov, linear: new Float64Array(cov.n), upper, equalities: [spend(1e6)], inequalities: [] };
 * const first = solveQp(problem);
 * const next = solveQp({ ...problem, equalities: [spend(1.01e6)], near: first }); // solves over the loans that move
 */
export function solveQp(problem: QpProblem): QpSolution {
  const { n } = problem.cov;
  for (let i = 0; i < n; i++) if (!(problem.upper[i] > 0)) throw new QpError(`variable ${i}: upper bound must be positive`);
  return problem.near?.x.length === n ? solveOnWorkingSet(problem, problem.near) : interiorPoint(problem);
}

/** The interior-point solve over every variable; `maxIterations` lower for subproblems, whose failure only means "free more variables". */
function interiorPoint(problem: QpProblem, maxIterations = MAX_ITERATIONS): QpSolution {
  const { n } = problem.cov;
  const u = problem.upper;
  const scaled = scaleProblem(problem);
  const ipm = new InteriorPoint(scaled);
  ipm.coldStart(problem.start, u);
  const bestX = new Float64Array(n);
  let best = { error: Infinity, objective: 0, iterations: 0, multipliers: new Float64Array(0) as Float64Array };
  const answer = (): QpSolution => ({
    x: bestX.map((v, i) => v * u[i]),
    objective: best.objective / scaled.scale,
    iterations: best.iterations,
    multipliers: best.multipliers,
  });
  for (let iterations = 0; ; iterations++) {
    const { error, mu } = ipm.residuals();
    if (error < best.error) {
      best = { error, objective: ipm.objective, iterations, multipliers: ipm.rowMultipliers() };
      bestX.set(ipm.x);
    }
    // Stop at full accuracy, or when rounding starts to undo progress after near-full accuracy.
    const stalled = best.error < LOOSE_TOLERANCE && error > 1e3 * best.error;
    if (error < TOLERANCE || stalled || (iterations >= maxIterations && best.error < LOOSE_TOLERANCE)) return answer();
    if (iterations >= maxIterations)
      throw new QpError(`no convergence in ${maxIterations} steps (error ${error.toExponential(2)}): the constraints are probably infeasible`);
    try {
      ipm.factorise();
    } catch (failure) {
      if (best.error < LOOSE_TOLERANCE) return answer();
      throw failure;
    }
    ipm.advance(mu);
  }
}
