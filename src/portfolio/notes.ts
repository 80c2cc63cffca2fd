/**
 * Funding in whole notes, as LendingClub sold loans in $25 notes: an optimiser's fractional
 * amounts become multiples of the note, no loan gets less than the minimum ticket (or nothing), no
 * loan more than it asks for, and the budget left over by rounding down is handed out note by note
 * to the loans the optimiser rounded down most (largest remainder first).
 */
export interface NoteRules {
  note: number;
  minimumTicket: number;
}

export const DEFAULT_NOTES: NoteRules = { note: 25, minimumTicket: 100 };

/**
 * @example toNotes([711.58, 288.42], [15_000, 2_000], 1_000) // [700, 300]
 */
export function toNotes(funded: ArrayLike<number>, amounts: ArrayLike<number>, budget: number, rules: NoteRules = DEFAULT_NOTES): Float64Array {
  const { note, minimumTicket } = rules;
  const n = funded.length;
  const cap = Float64Array.from(amounts, (a) => Math.floor(a / note + 1e-9) * note);
  const ticket = Math.max(note, Math.ceil(minimumTicket / note - 1e-9) * note);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const down = Math.min(cap[i], Math.floor(funded[i] / note + 1e-9) * note);
    out[i] = down >= ticket ? down : 0;
  }
  let left = Math.floor((budget - out.reduce((s, v) => s + v, 0)) / note + 1e-9) * note;
  // Largest remainder first: what rounding took from each loan, relative to a note.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => funded[b] - out[b] - (funded[a] - out[a]) || a - b);
  for (let pass = 0; left >= note; pass++) {
    let moved = false;
    for (const i of order) {
      if (left < note) break;
      const wanted = funded[i] - out[i];
      if (wanted <= 0 && pass === 0) continue;
      const step = out[i] === 0 ? ticket : note;
      // An unfunded loan comes in only if the optimiser gave it at least half a ticket.
      if (out[i] === 0 && funded[i] < ticket / 2) continue;
      if (out[i] + step > cap[i] || step > left) continue;
      out[i] += step;
      left -= step;
      moved = true;
    }
    if (!moved) break;
  }
  return out;
}
