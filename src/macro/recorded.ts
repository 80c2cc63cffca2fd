import { insertMissingObservations } from '../../db/macro-repository.ts';
import { audit } from '../../db/repository.ts';
import type { Db } from '../../db/client.ts';
import unemployment from '../../datasets/fred/UNRATE.json' with { type: 'json' };
import chargeOffs from '../../datasets/fred/CORCACBS.json' with { type: 'json' };
import { MACRO_SERIES, parseFredObservations } from './fred.ts';
import type { Observation } from './stress.ts';

/**
 * Real FRED recordings shipped with Lendwise (datasets/fred/, provenance in PROVENANCE.md there),
 * in FRED's `series/observations` shape: UNRATE monthly 1948-01 to 2025-09, CORCACBS quarterly
 * 1985 Q1 to 2026 Q2. Imported rather than read from disk, so the Worker bundle carries them too.
 * They are stored at start-up, so the stress test works offline, without a FRED key.
 */
export const RECORDED_SERIES: Readonly<Record<string, readonly Observation[]>> = {
  [MACRO_SERIES.unemployment]: parseFredObservations(MACRO_SERIES.unemployment, unemployment),
  [MACRO_SERIES.chargeOffs]: parseFredObservations(MACRO_SERIES.chargeOffs, chargeOffs),
};

/**
 * Stores the recorded observations the database does not hold yet. Idempotent: a second run inserts
 * nothing, and values already stored (a refresh from FRED, which may have revised them or gone
 * further) are kept. Returns how many rows were inserted per series; audited when any were.
 */
export async function seedRecordedMacro(db: Db, actor = 'startup'): Promise<Record<string, number>> {
  const inserted: Record<string, number> = {};
  for (const [seriesId, observations] of Object.entries(RECORDED_SERIES)) inserted[seriesId] = await insertMissingObservations(db, seriesId, observations);
  if (Object.values(inserted).some((n) => n > 0))
    await audit(db, { actor, action: 'macro.seed', detail: { source: 'datasets/fred (recorded FRED series)', inserted } });
  return inserted;
}
