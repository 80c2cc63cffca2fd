/**
 * Monotone constraints shared by the forest and boosting growers (the XGBoost scheme): every node
 * carries [lo, hi] bounds for its value; a split on a constrained feature hands each child the half
 * of the bounds on its side of the midpoint of their two values, so everything below the left child
 * stays at or under everything below the right one (or the reverse for a falling feature).
 */

export interface Bounds {
  lo: number;
  hi: number;
}

export const NO_BOUNDS: Bounds = { lo: -Infinity, hi: Infinity };

export const clamp = (v: number, b: Bounds): number => (v < b.lo ? b.lo : Math.min(v, b.hi));

/** Bounds of the left and right child after a split on a feature with direction `c` (+1, -1, 0). */
export function childBounds(parent: Bounds, c: number, leftValue: number, rightValue: number): [Bounds, Bounds] {
  if (c === 0) return [parent, parent];
  const mid = (leftValue + rightValue) / 2;
  return c > 0
    ? [
        { lo: parent.lo, hi: mid },
        { lo: mid, hi: parent.hi },
      ]
    : [
        { lo: mid, hi: parent.hi },
        { lo: parent.lo, hi: mid },
      ];
}

/** True when the two children's values respect direction `c`. */
export const ordered = (c: number, leftValue: number, rightValue: number): boolean => !((c > 0 && leftValue > rightValue) || (c < 0 && leftValue < rightValue));
