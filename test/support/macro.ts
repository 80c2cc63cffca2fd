import type { Observation } from '../../src/macro/stress.ts';

/**
 * SYNTHETIC macro series in FRED's shape, for tests only (the real recordings are in datasets/fred/
 * and tested in test/macro.test.ts). Unemployment follows a made-up cycle; the charge-off rate is
 * built from it with a known log-odds slope (0.25 per point) so a fit can be checked against the truth.
 */
export const SYNTHETIC_SLOPE = 0.25;

export function syntheticMacroSeries(): { unemployment: Observation[]; chargeOffs: Observation[] } {
  const unemployment: Observation[] = [];
  const chargeOffs: Observation[] = [];
  for (let year = 2000; year < 2020; year++) {
    for (let month = 1; month <= 12; month++) {
      const t = (year - 2000) * 12 + month;
      const rate = 6 + 3 * Math.sin(t / 20);
      unemployment.push({ date: `${year}-${String(month).padStart(2, '0')}-01`, value: Math.round(rate * 10) / 10 });
    }
    for (let q = 0; q < 4; q++) {
      const months = unemployment.slice(-12).slice(q * 3, q * 3 + 3);
      const u = months.reduce((s, o) => s + o.value, 0) / 3;
      const logOdds = -4.5 + SYNTHETIC_SLOPE * u;
      chargeOffs.push({ date: `${year}-${String(q * 3 + 1).padStart(2, '0')}-01`, value: 100 / (1 + Math.exp(-logOdds)) });
    }
  }
  return { unemployment, chargeOffs };
}
