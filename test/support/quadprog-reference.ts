import { solveQP } from 'quadprog';
import type { Book } from '../../src/portfolio/markowitz.ts';

/**
 * The reference solver for the Markowitz tests and benchmark: quadprog (dense Goldfarb–Idnani,
 * 1-based arrays) on min ½xᵀΣx + cᵀx with the book's budget, bounds and caps, plus an optional
 * return floor μᵀx ≥ target·budget.
 */
export function quadprogSolve(book: Book, Sigma: number[][], c: number[], target?: number): { x: number[]; message: string } {
  const n = book.loans.length;
  const columns: { a: number[]; b: number }[] = [{ a: Array(n).fill(1), b: book.budget }];
  for (let i = 0; i < n; i++) {
    columns.push({ a: Array.from({ length: n }, (_, j) => (j === i ? 1 : 0)), b: 0 });
    columns.push({ a: Array.from({ length: n }, (_, j) => (j === i ? -1 : 0)), b: -book.upper[i] });
  }
  for (const cap of book.caps) {
    const a = Array(n).fill(0);
    for (let p = 0; p < cap.row.index.length; p++) a[cap.row.index[p]] = -cap.row.value[p];
    columns.push({ a, b: -cap.rhs });
  }
  if (target !== undefined) columns.push({ a: Array.from(book.mu), b: target * book.budget });
  const one = (v: number[]) => [0, ...v];
  const result = solveQP(
    [[], ...Sigma.map(one)],
    one(c.map((v) => -v)),
    [[], ...Array.from({ length: n }, (_, i) => one(columns.map((col) => col.a[i])))],
    one(columns.map((col) => col.b)),
    1,
  );
  return { x: result.solution.slice(1), message: result.message };
}
