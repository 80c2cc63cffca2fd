import { z } from 'zod';
import type { MacroRelation } from '../macro/stress.ts';
import type { Policy } from '../scoring/policy.ts';
import { RiskOptionsSchema, riskOfGroups, stressOfGroups, type BookGroup, type RiskOptions, type RiskReport, type StressResult } from './book.ts';
import type { CorrelationTable } from './loans.ts';
import { LimitsSchema } from './markowitz.ts';
import {
  frontierOfBook,
  optimiseBook,
  OptimiseOptionsSchema,
  UploadedBookSchema,
  type BookInput,
  type FrontierOptions,
  type FrontierResult,
  type FrontierSolver,
  type OptimiseOptions,
  type OptimiseResult,
} from './service.ts';

/** Parameters of each kind of job, as a request gives them (validated, defaults filled). */
export const RiskJobParamsSchema = RiskOptionsSchema.extend({
  unemploymentShock: z.coerce.number().min(-10).max(20).optional().meta({ description: 'Percentage points added to the unemployment rate' }),
});

const Since = z
  .union([z.iso.datetime({ offset: true }), z.iso.date().transform((d) => `${d}T00:00:00Z`)])
  .optional()
  .meta({
    description:
      "Candidates are the approved and referred applications decided since then (2026-11-26 or 2026-11-26T09:00:00Z; default: today's, from 00:00 UTC); the loans approved before are the existing book, held fixed",
  });

export const FrontierJobParamsSchema = z.object({
  budget: z.number().positive().max(1e12).optional(),
  points: z.number().int().min(2).max(200).default(50),
  limits: LimitsSchema,
  since: Since,
  loans: UploadedBookSchema.optional(),
});

export const OptimiseJobParamsSchema = OptimiseOptionsSchema.extend({ since: Since, loans: UploadedBookSchema.optional() });

/** Midnight UTC of the day `now` falls in: the default start of "today's" candidates. */
export const startOfDay = (now = new Date()) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));

/**
 * A portfolio computation with everything it needs, as plain data: the API gathers it (the book's
 * groups from SQL, today's candidates, the policy), then a job runs it on a thread of its own.
 */
export type PortfolioTask =
  | {
      kind: 'risk';
      groups: BookGroup[];
      options: RiskOptions;
      policy: Policy;
      correlations: CorrelationTable;
      /** An unemployment shock (percentage points) and the stored macro relation, or none. */
      stress?: { shock: number; relation: MacroRelation | { unavailable: string } };
    }
  | { kind: 'frontier'; book: BookInput; options: FrontierOptions; policy: Policy; correlations: CorrelationTable }
  | { kind: 'optimise'; book: BookInput; options: OptimiseOptions; policy: Policy; correlations: CorrelationTable };

export type PortfolioKind = PortfolioTask['kind'];

/** The stored unemployment → charge-off relation a stress scenario needs, or why there is none. */
export type StressRelation = MacroRelation | { unavailable: string };

export type TaskResult =
  | { kind: 'risk'; report: RiskReport & { stress: StressResult | null } }
  | { kind: 'frontier'; frontier: FrontierResult }
  | { kind: 'optimise'; allocation: OptimiseResult };

export interface TaskContext {
  /** Share of the work done, 0 to 1. */
  onProgress?: (share: number) => void;
  /** How frontiers are solved (a pool of threads on Node). */
  frontier?: FrontierSolver;
}

/**
 * Runs one task to its result.
 *
 * @example const result = await runTask({ kind: 'risk', groups, options: RiskOptionsSchema.parse({}), policy, correlations });
 */
export async function runTask(task: PortfolioTask, context: TaskContext = {}): Promise<TaskResult> {
  const economics = { lgd: task.policy.lossGivenDefault, fundingCost: task.policy.fundingCost };
  switch (task.kind) {
    case 'risk': {
      const report = riskOfGroups(task.groups, task.options, economics, task.correlations, { onProgress: context.onProgress });
      const stress = task.stress ? stressOfGroups(task.groups, economics, task.correlations, task.stress.relation, task.stress.shock) : null;
      return { kind: 'risk', report: { ...report, stress } };
    }
    case 'frontier':
      return { kind: 'frontier', frontier: await frontierOfBook(task.book, task.options, task.policy, task.correlations, context.frontier) };
    case 'optimise':
      return { kind: 'optimise', allocation: await optimiseBook(task.book, task.options, task.policy, task.correlations, context.frontier) };
  }
}
