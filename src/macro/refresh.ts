import { audit } from '../../db/repository.ts';
import { loadObservations, saveObservations } from '../../db/macro-repository.ts';
import type { Db } from '../../db/client.ts';
import { MACRO_SERIES, type FredClient } from './fred.ts';
import { fitMacroRelation, type MacroRelation } from './stress.ts';

/** Fetches every macro series from FRED and stores it; the same job runs from the CLI, an interval or a Worker cron. */
export async function refreshMacro(db: Db, client: FredClient, actor = 'scheduler'): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const seriesId of Object.values(MACRO_SERIES)) {
    const observations = await client.observations(seriesId);
    counts[seriesId] = await saveObservations(db, seriesId, observations);
  }
  await audit(db, { actor, action: 'macro.refresh', detail: counts });
  return counts;
}

/** The unemployment → charge-off relation from the stored series, or why there is none. */
export async function storedMacroRelation(db: Db): Promise<MacroRelation | { unavailable: string }> {
  const [unemployment, chargeOffs] = await Promise.all([loadObservations(db, MACRO_SERIES.unemployment), loadObservations(db, MACRO_SERIES.chargeOffs)]);
  if (unemployment.length === 0 || chargeOffs.length === 0) {
    return {
      unavailable: `no ${MACRO_SERIES.unemployment} and ${MACRO_SERIES.chargeOffs} observations stored: the server stores the recorded series shipped in datasets/fred/ when it starts (\`npm start\`, or the Worker's first request); with FRED_API_KEY set, \`npm run macro:refresh\` fetches the latest from FRED`,
    };
  }
  try {
    return fitMacroRelation(unemployment, chargeOffs);
  } catch (error) {
    return { unavailable: (error as Error).message };
  }
}
