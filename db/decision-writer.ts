import { randomUUID } from 'node:crypto';
import type { Assessment } from '../src/scoring/assess.ts';
import type { Db } from './client.ts';
import type { RecordInput } from './repository.ts';
import { applications, decisions } from './schema.ts';

/**
 * Group commit for decisions: writes that arrive together are stored in one transaction (two
 * multi-row inserts), so a burst of requests costs a few round trips instead of four each.
 * Each caller's promise settles only after its batch is committed (or failed, all or nothing).
 */
interface Pending {
  id: string;
  input: RecordInput;
  assessment: Assessment;
  policyVersion: number;
  resolve: (id: string) => void;
  reject: (error: unknown) => void;
}

export class DecisionWriter {
  private queue: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly db: () => Db,
    private readonly options: { maxBatch?: number; maxInFlight?: number } = {},
  ) {}

  write(input: RecordInput, assessment: Assessment, policyVersion: number): Promise<string> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id: randomUUID(), input, assessment, policyVersion, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.queue.length === 0 || this.inFlight >= (this.options.maxInFlight ?? 4)) return;
    this.scheduled = true;
    // Let every request that is already being handled join this batch.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queue.splice(0, this.options.maxBatch ?? 500);
    if (batch.length === 0) return;
    this.inFlight++;
    try {
      await this.db().transaction(async (tx) => {
        await tx.insert(applications).values(
          batch.map((p) => ({
            id: p.id,
            channel: p.input.channel,
            apiKeyId: p.input.apiKeyId ?? null,
            subject: p.input.subject ?? null,
            applicant: p.input.applicant,
          })),
        );
        await tx.insert(decisions).values(
          batch.map((p) => ({
            applicationId: p.id,
            pd: p.assessment.pd,
            score: p.assessment.score,
            riskBand: p.assessment.riskBand,
            decision: p.assessment.decision,
            reasons: p.assessment.reasons,
            offer: p.assessment.offer,
            behaviour: p.assessment.behaviour,
            thinFile: p.assessment.thinFile,
            notices: p.assessment.notices,
            modelVersion: p.assessment.modelVersion,
            policyVersion: p.policyVersion,
          })),
        );
      });
      for (const p of batch) p.resolve(p.id);
    } catch (error) {
      for (const p of batch) p.reject(error);
    } finally {
      this.inFlight--;
      this.schedule();
    }
  }
}
