import { asc, eq, sql } from 'drizzle-orm';
import type { Observation } from '../src/macro/stress.ts';
import type { Db } from './client.ts';
import { macroObservations } from './schema.ts';

/** Inserts or updates observations (FRED revises past values); returns how many rows were written. */
export async function saveObservations(db: Db, seriesId: string, observations: readonly Observation[]): Promise<number> {
  let written = 0;
  // Chunks keep each statement well under PostgreSQL's parameter limit.
  for (let i = 0; i < observations.length; i += 1000) {
    const chunk = observations.slice(i, i + 1000).map((o) => ({ seriesId, date: o.date, value: o.value }));
    await db
      .insert(macroObservations)
      .values(chunk)
      .onConflictDoUpdate({ target: [macroObservations.seriesId, macroObservations.date], set: { value: sql`excluded.value`, fetchedAt: sql`now()` } });
    written += chunk.length;
  }
  return written;
}

export async function loadObservations(db: Db, seriesId: string): Promise<Observation[]> {
  return db
    .select({ date: macroObservations.date, value: macroObservations.value })
    .from(macroObservations)
    .where(eq(macroObservations.seriesId, seriesId))
    .orderBy(asc(macroObservations.date));
}
