import type { Db } from '../db/client.ts';
import { recordDecision } from '../db/repository.ts';
import type { StoreDecision } from '../src/api/routes/score.ts';

/** The bot stores decisions through the same repository function as the API. */
export const storeWith = (db: () => Db): StoreDecision => (input, assessment, policyVersion) => recordDecision(db(), input, assessment, policyVersion);
