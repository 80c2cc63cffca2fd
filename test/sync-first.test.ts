import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { syncFirst } from '../src/api/sync-first.ts';
import { ApplicantSchema } from '../src/applicant/schema.ts';
import { sampleApplicant } from './helpers.ts';

describe('syncFirst: safeParseAsync through the synchronous walk', () => {
  it('answers as zod does, for valid and invalid applications alike', async () => {
    const schema = syncFirst(
      z.object({ amount: z.number().min(500).max(40_000), term: z.union([z.literal(36), z.literal(60)]), note: z.string().optional() }).strict(),
    );
    const plain = z.object({ amount: z.number().min(500).max(40_000), term: z.union([z.literal(36), z.literal(60)]), note: z.string().optional() }).strict();
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            amount: fc.oneof(fc.double(), fc.string()),
            term: fc.constantFrom(36, 60, 48, '36'),
            note: fc.option(fc.string(), { nil: undefined }),
            extra: fc.option(fc.integer(), { nil: undefined }),
          },
          { requiredKeys: [] },
        ),
        async (input) => {
          const ours = await schema.safeParseAsync(input);
          const zods = await plain.safeParseAsync(input);
          expect(ours.success).toBe(zods.success);
          if (ours.success && zods.success) expect(ours.data).toEqual(zods.data);
          else expect(ours.error?.issues).toEqual(zods.error?.issues);
        },
      ),
      { numRuns: 300, seed: 3 },
    );
  });

  it('sends a schema with async work to the async walk, and keeps it there after its first parse', async () => {
    let checked = 0;
    const schema = syncFirst(
      z.object({ name: z.string() }).refine(async (v) => {
        checked++;
        return v.name !== 'taken';
      }, 'is taken'),
    );
    expect((await schema.safeParseAsync({ name: 'free' })).success).toBe(true);
    const taken = await schema.safeParseAsync({ name: 'taken' });
    expect(taken.success).toBe(false);
    expect(taken.error?.issues[0].message).toBe('is taken');
    // The first parse tried the sync walk, which started the check once before giving up.
    expect(checked).toBe(3);
    expect((await schema.safeParseAsync({ name: 'again' })).success).toBe(true);
    expect(checked).toBe(4);
  });

  it('is how the score route parses its body: the same schema (so the same OpenAPI document), the same answers', async () => {
    const original = ApplicantSchema.safeParseAsync;
    const { scoreRoute } = await import('../src/api/routes/score.ts');
    expect(scoreRoute.request.body.content['application/json'].schema).toBe(ApplicantSchema);
    expect(ApplicantSchema.safeParseAsync).not.toBe(original);
    expect((await ApplicantSchema.safeParseAsync(sampleApplicant)).data).toEqual(ApplicantSchema.parse(sampleApplicant));
    const bad = await ApplicantSchema.safeParseAsync({ ...sampleApplicant, loanAmount: 10 });
    expect(bad.error?.issues.map((i) => i.path.join('.'))).toEqual(['loanAmount']);
  });
});
