import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { toNotes } from '../src/portfolio/notes.ts';

/** Funding in whole notes: what a lender can actually buy from an optimiser's fractional answer. */
describe('funding in whole notes', () => {
  it('funds whole notes, at least the minimum ticket or nothing, never more than asked, never over budget', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ amount: fc.integer({ min: 500, max: 40_000 }), share: fc.double({ min: 0, max: 1, noNaN: true }) }), {
          minLength: 1,
          maxLength: 60,
        }),
        fc.constantFrom(25, 50, 100),
        fc.constantFrom(0, 100, 500),
        (loans, note, minimumTicket) => {
          const funded = loans.map((l) => l.amount * l.share);
          const budget = funded.reduce((s, v) => s + v, 0);
          const out = toNotes(
            funded,
            loans.map((l) => l.amount),
            budget,
            { note, minimumTicket },
          );
          const total = out.reduce((s, v) => s + v, 0);
          expect(total).toBeLessThanOrEqual(budget + 1e-6);
          out.forEach((x, i) => {
            expect(x % note).toBe(0);
            expect(x).toBeLessThanOrEqual(loans[i].amount);
            if (x > 0) expect(x).toBeGreaterThanOrEqual(minimumTicket);
          });
          // Rounding loses less than a note per loan, plus what no loan could take.
          const room = loans.reduce((s, l, i) => s + Math.floor(l.amount / note) * note - out[i], 0);
          if (room >= note) expect(budget - total).toBeLessThan(note * loans.length + minimumTicket);
        },
      ),
      { numRuns: 500, seed: 4 },
    );
  });

  it('turns a $711.58 slice of a $15,000 loan into whole $25 notes and keeps the budget lent', () => {
    const out = toNotes([711.58, 288.42], [15_000, 2_000], 1_000);
    // 700 + 275 leaves $25: it goes to the loan that rounding cut most ($13.42 against $11.58).
    expect(Array.from(out)).toEqual([700, 300]);
    expect(Array.from(toNotes([60, 940], [15_000, 2_000], 1_000, { note: 25, minimumTicket: 100 }))).toEqual([0, 1000]);
  });
});
