import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileHistKernel } from '../scripts/build-wasm.ts';
import { HIST_WASM_BASE64 } from '../src/forest/hist-wasm.ts';
import { histWorkspace, type NodeSums, type SplitFound, type SplitRules } from '../src/forest/hist-kernel.ts';
import { mulberry32 } from '../src/forest/rng.ts';

/**
 * The WebAssembly kernels of gradient boosting against plain JavaScript written from their
 * definitions, on random inputs: the grower must get the same numbers to the last bit as it did
 * before the loops moved to WebAssembly.
 */

const gainAt = (G: number, H: number, w: number, lambda: number) => -(2 * G * w + (H + lambda) * w * w);
const clamp = (v: number, lo: number, hi: number) => (v < lo ? lo : Math.min(v, hi));

/** The split search as the grower did it in JavaScript. */
function referenceSplit(
  hist: Float64Array,
  offsets: number[],
  splits: number[],
  dirs: number[],
  stride: 2 | 3,
  node: NodeSums,
  rules: SplitRules,
): SplitFound | null {
  let best: SplitFound | null = null;
  for (let k = 0; k < offsets.length; k++) {
    let GL = 0;
    let HL = 0;
    let CL = 0;
    for (let b = 0; b < splits[k]; b++) {
      const o = offsets[k] + b * stride;
      if (hist[o + 1] === 0) continue;
      GL += hist[o];
      HL += hist[o + 1];
      if (stride === 3) {
        CL += hist[o + 2];
        if (CL < rules.minSamplesLeaf) continue;
        if (node.count - CL < rules.minSamplesLeaf) break;
      }
      if (HL < rules.minChildWeight) continue;
      const HR = node.H - HL;
      if (HR < rules.minChildWeight) continue;
      const GR = node.G - GL;
      const wL = clamp(-GL / (HL + rules.lambda), node.lo, node.hi);
      const wR = clamp(-GR / (HR + rules.lambda), node.lo, node.hi);
      if ((dirs[k] > 0 && wL > wR) || (dirs[k] < 0 && wL < wR)) continue;
      const gain = gainAt(GL, HL, wL, rules.lambda) + gainAt(GR, HR, wR, rules.lambda) - node.parentGain;
      if (gain > rules.gamma && gain > 1e-12 && (!best || gain > best.gain)) best = { k, bin: b, gain, GL, HL, wL, wR };
    }
  }
  return best;
}

/** A random data set and a workspace over it. */
function setup(seed: number, nRows: number, nFeatures: number, stride: 2 | 3) {
  const rng = mulberry32(seed);
  const splits = Array.from({ length: nFeatures }, () => Math.floor(rng() * 12));
  const bins = Uint8Array.from({ length: nRows * nFeatures }, (_, i) => Math.floor(rng() * (splits[i % nFeatures] + 1)));
  const y = Uint8Array.from({ length: nRows }, () => (rng() < 0.3 ? 1 : 0));
  const train = Uint32Array.from({ length: nRows }, (_, i) => i).filter(() => rng() < 0.9);
  const directions = splits.map(() => Math.floor(rng() * 3) - 1);
  const ws = histWorkspace({ bins, nRows, nFeatures, train, y, base: -0.8, splits, directions, stride, slots: 3, maxNodes: 15 });
  return { rng, splits, bins, y, train, directions, ws };
}

describe('boosting kernels (WebAssembly)', () => {
  it('are the bytes that src/forest/hist.wat compiles to', async () => {
    expect(Buffer.from(await compileHistKernel()).toString('base64')).toBe(HIST_WASM_BASE64);
  });

  it('build histograms, subtract them, partition rows and move leaves as the JavaScript loops do', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 }), fc.constantFrom<2 | 3>(2, 3), (seed, stride) => {
        const { rng, splits, bins, train, ws } = setup(seed, 200, 6, stride);
        const F = splits.length;
        ws.idx.set(train);
        for (let r = 0; r < 200; r++) {
          ws.gh[2 * r] = rng() - 0.5;
          ws.gh[2 * r + 1] = rng() * 0.25 + 1e-16;
        }
        const feats = [0, 2, 3, 5].filter((f) => splits[f] > 0);
        const offsets: number[] = [];
        let size = 0;
        for (const f of feats) {
          offsets.push(size);
          size += (splits[f] + 1) * stride;
        }
        ws.useFeatures(feats, offsets, feats.length, size);
        const n = train.length;
        const cut = Math.floor(n / 3);
        ws.build(0, 0, n);
        ws.build(1, 0, cut);
        const expected = (from: number, to: number) => {
          const h = new Float64Array(size);
          for (let i = from; i < to; i++) {
            const r = ws.idx[i];
            feats.forEach((f, k) => {
              const o = offsets[k] + bins[r * F + f] * stride;
              h[o] += ws.gh[2 * r];
              h[o + 1] += ws.gh[2 * r + 1];
              if (stride === 3) h[o + 2] += 1;
            });
          }
          return h;
        };
        expect(Array.from(ws.hists[0].subarray(0, size))).toEqual(Array.from(expected(0, n)));
        const rest = expected(0, n);
        const first = expected(0, cut);
        ws.subtract(0, 1);
        expect(Array.from(ws.hists[0].subarray(0, size))).toEqual(Array.from(rest.map((v, q) => v - first[q])));

        // Partition on a feature: the two sides are what a filter gives, in the same order.
        if (feats.length > 0) {
          const f = feats[0];
          const bin = Math.floor(splits[f] / 2);
          const before = Array.from(ws.idx.subarray(0, n));
          const mid = ws.partition(0, n, f, bin);
          const left = before.filter((r) => bins[r * F + f] <= bin);
          const right = before.filter((r) => bins[r * F + f] > bin);
          expect(mid).toBe(left.length);
          expect(Array.from(ws.idx.subarray(0, n))).toEqual([...left, ...right]);
        }

        // Leaf moves: margin += v and exp(-margin) by the leaf's factor.
        const margin = Array.from(ws.margin);
        const expNeg = Array.from(ws.expNeg);
        ws.moveLeaf(0, cut, 0.125);
        for (let i = 0; i < cut; i++) {
          const r = ws.idx[i];
          expect(ws.margin[r]).toBe(margin[r] + 0.125);
          expect(ws.expNeg[r]).toBe(expNeg[r] * Math.exp(-0.125));
        }
      }),
      { numRuns: 40 },
    );
  });

  it('draw the rows of a round as mulberry32 does, and compute gradients as the log-loss defines them', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.double({ min: 0.05, max: 0.95, noNaN: true }), (state, fraction) => {
        const { train, y, ws } = setup(state % 1000, 300, 3, 3);
        const { kept, state: next } = ws.sample(state, fraction);
        const draws = mulberry32(state);
        const keep: number[] = [];
        const leave: number[] = [];
        for (const r of train) (draws() < fraction ? keep : leave).push(r);
        expect(kept).toBe(keep.length);
        expect(Array.from(ws.idx.subarray(0, kept))).toEqual(keep);
        expect(Array.from(ws.out.subarray(0, train.length - kept))).toEqual(leave);
        // The stream goes on from where the rows left it.
        expect(mulberry32(next)()).toBe(draws());

        // A row whose running exp(-margin) overflowed is recomputed from its margin.
        const odd = ws.idx[0];
        ws.margin[odd] = -800;
        ws.expNeg[odd] = Infinity;
        const sums = ws.gradients(kept);
        let G = 0;
        let H = 0;
        for (let i = 0; i < kept; i++) {
          const r = ws.idx[i];
          const p = 1 / (1 + (r === odd ? Math.exp(800) : ws.expNeg[r]));
          const g = p - y[r];
          const h = Math.max(p * (1 - p), 1e-16);
          expect(ws.gh[2 * r]).toBe(g);
          expect(ws.gh[2 * r + 1]).toBe(h);
          G += g;
          H += h;
        }
        expect(sums).toEqual({ G, H });
        expect(ws.gh[2 * odd]).toBe(0 - y[odd]);
      }),
      { numRuns: 60 },
    );
  });

  it('find the split the JavaScript search finds, with monotone bounds, row and weight limits', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.constantFrom<2 | 3>(2, 3),
        fc.record({
          lambda: fc.double({ min: 0, max: 5, noNaN: true }),
          minChildWeight: fc.double({ min: 0, max: 3, noNaN: true }),
          minSamplesLeaf: fc.integer({ min: 1, max: 8 }),
          gamma: fc.double({ min: 0, max: 0.5, noNaN: true }),
        }),
        fc.boolean(),
        (seed, stride, rules, bounded) => {
          const { rng, splits, directions, ws } = setup(seed, 10, 8, stride);
          const feats = splits.map((_, f) => f).filter((f) => splits[f] > 0);
          const offsets: number[] = [];
          let size = 0;
          for (const f of feats) {
            offsets.push(size);
            size += (splits[f] + 1) * stride;
          }
          ws.useFeatures(feats, offsets, feats.length, size);
          const hist = ws.hists[2];
          let G = 0;
          let H = 0;
          let count = 0;
          // Every feature's bins hold the same rows: draw them once, then spread per feature.
          const rows = Array.from({ length: 40 }, () => ({ g: rng() - 0.4, h: rng() * 0.25 + 1e-9 }));
          for (const row of rows) {
            G += row.g;
            H += row.h;
            count++;
          }
          hist.fill(0);
          feats.forEach((f, k) => {
            for (const row of rows) {
              const o = offsets[k] + Math.floor(rng() * (splits[f] + 1)) * stride;
              hist[o] += row.g;
              hist[o + 1] += row.h;
              if (stride === 3) hist[o + 2] += 1;
            }
          });
          const lo = bounded ? -0.3 : -Infinity;
          const hi = bounded ? 0.4 : Infinity;
          const w = clamp(-G / (H + rules.lambda), lo, hi);
          const node: NodeSums = { count, G, H, lo, hi, parentGain: gainAt(G, H, w, rules.lambda) };
          const expected = referenceSplit(
            hist,
            offsets,
            feats.map((f) => splits[f]),
            feats.map((f) => directions[f]),
            stride,
            node,
            rules,
          );
          expect(ws.bestSplit(2, node, rules)).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
