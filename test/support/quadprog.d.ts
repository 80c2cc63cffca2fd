declare module 'quadprog' {
  /** Goldfarb–Idnani dual active-set QP (1-based arrays, as in the Fortran original): min ½bᵀDb − dᵀb, Aᵀb ≥ b₀, the first meq equal. */
  export function solveQP(
    Dmat: number[][],
    dvec: number[],
    Amat: number[][],
    bvec: number[],
    meq?: number,
  ): { solution: number[]; value: number[]; message: string; iterations: number[] };
}
