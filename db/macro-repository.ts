import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from './client.ts';
import { macroObservations } from './schema.ts';

/** One dated value of a series (the shape of src/macro's Observation; declared here so db/ does not import src/macro, which imports db/). */
export interface Observation {
  /** YYYY-MM-DD, the first day of the period. */
  date: string;
  value: number;
}

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

/** Inserts the observations whose date is not stored yet, leaving stored ones (perhaps newer FRED values) as they are; returns how many were inserted. */
export async function insertMissingObservations(db: Db, seriesId: string, observations: readonly Observation[]): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < observations.length; i += 1000) {
    const chunk = observations.slice(i, i + 1000).map((o) => ({ seriesId, date: o.date, value: o.value }));
    const rows = await db
      .insert(macroObservations)
      .values(chunk)
      .onConflictDoNothing({ target: [macroObservations.seriesId, macroObservations.date] })
      .returning({ date: macroObservations.date });
    inserted += rows.length;
  }
  return inserted;
}

export async function loadObservations(db: Db, seriesId: string): Promise<Observation[]> {
  return db
    .select({ date: macroObservations.date, value: macroObservations.value })
    .from(macroObservations)
    .where(eq(macroObservations.seriesId, seriesId))
    .orderBy(asc(macroObservations.date));
}
