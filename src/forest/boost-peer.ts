import { Worker } from 'node:worker_threads';
import type { BinnedData } from './binning.ts';
import type { BoostParams } from './boost.ts';
import type { SplitFound } from './hist-kernel.ts';

/**
 * Two threads growing one boosted model, feature-parallel (LightGBM's "feature parallel" on one
 * machine): both run the same grower on the same rows with the same seed, each on its own copy of
 * the row state, but each builds histograms and searches splits over half of the round's features
 * only; at every node they swap their best split and both take the better one. Nothing else is
 * shared, so neither thread waits on the other's cache lines; a swap is a few numbers in a shared
 * block that each side spins on (a node's work takes tens of microseconds, too short to sleep),
 * then sleeps on if the other side is late.
 * Both sides take the first best split as one pass over all features would, so the model is bit for
 * bit the one a single thread grows.
 */

/** Int32 words of the control block. */
const STATE = 0; // 0: job waiting, 1: taken by the peer, -1: given up by the caller
const ABORT = 1; // set by either side that stops early
const SEQ = 2; // SEQ + part: how many swaps that side has published
/** Split slots (8 f64 each) start here; two per side, by swap parity. */
const SLOTS_AT = 64;
const SLOT = 8;
const CONTROL_BYTES = SLOTS_AT + 4 * SLOT * 8;

/** How long the caller waits for the peer thread to take a job before growing alone. */
const START_TIMEOUT_MS = 30_000;
/** Spins (about 20 µs) before a side waiting for a swap sleeps instead. */
const SPIN_BEFORE_SLEEP = 1 << 14;
/** A swap the other side has not answered in this long means it is gone. */
const SILENCE_MS = 60_000;

/** One boosting run as the peer thread gets it. */
export interface PeerJob {
  data: BinnedData;
  params: BoostParams;
  rows: Uint32Array;
  validRows?: Uint32Array;
  control: SharedArrayBuffer;
}

/**
 * One side of a two-thread run: `part` is its half of the features.
 *
 * @example const best = link.exchange(ws.bestSplit(slot, node, rules)); // the same on both sides
 */
export class PeerLink {
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private swaps = 0;
  private sleeps = 0;
  private checked = { swaps: 0, sleeps: 0 };

  constructor(
    control: SharedArrayBuffer,
    readonly part: 0 | 1,
  ) {
    this.i32 = new Int32Array(control);
    this.f64 = new Float64Array(control);
  }

  /** Publishes this side's best split of a node and returns the better of both (the first half's on a tie). */
  exchange(found: SplitFound | null): SplitFound | null {
    const parity = this.swaps & 1;
    this.swaps++;
    this.write(this.part, parity, found);
    Atomics.store(this.i32, SEQ + this.part, this.swaps);
    Atomics.notify(this.i32, SEQ + this.part);
    const other = (1 - this.part) as 0 | 1;
    let deadline = 0;
    for (let spins = 1; ; spins++) {
      const seen = Atomics.load(this.i32, SEQ + other);
      if (seen >= this.swaps) break;
      // Spin first (the other side is usually microseconds away); when it is not (the cores are
      // shared with other work), sleep until it publishes, so as not to take its core.
      if (spins < SPIN_BEFORE_SLEEP) continue;
      if (spins === SPIN_BEFORE_SLEEP) this.sleeps++;
      if (Atomics.load(this.i32, ABORT)) throw new Error('the other boosting thread stopped');
      const now = performance.now();
      if (deadline === 0) deadline = now + SILENCE_MS;
      else if (now > deadline) {
        this.abort();
        throw new Error('the other boosting thread stopped answering');
      }
      Atomics.wait(this.i32, SEQ + other, seen, 1);
    }
    // Slots alternate by parity: the other side cannot publish its next swap into this one before
    // this side has published (and so read) the current one.
    const first = this.read(0, parity);
    const second = this.read(1, parity);
    return second && (!first || second.gain > first.gain) ? second : first;
  }

  /**
   * Whether the other side kept this one waiting (asleep, past a spin) on more than a quarter of the
   * swaps since the last call: the cores are busy with other work, and one thread alone is faster.
   */
  lagging(): boolean {
    const swaps = this.swaps - this.checked.swaps;
    const sleeps = this.sleeps - this.checked.sleeps;
    this.checked = { swaps: this.swaps, sleeps: this.sleeps };
    return swaps > 0 && sleeps > swaps / 4;
  }

  /** Tells the other side to stop (this side failed or gave up). */
  abort(): void {
    Atomics.store(this.i32, ABORT, 1);
    Atomics.notify(this.i32, SEQ);
    Atomics.notify(this.i32, SEQ + 1);
  }

  private at(part: 0 | 1, parity: number) {
    return SLOTS_AT / 8 + (2 * part + parity) * SLOT;
  }

  private write(part: 0 | 1, parity: number, s: SplitFound | null) {
    const o = this.at(part, parity);
    const f = this.f64;
    f[o] = s ? 1 : 0;
    if (!s) return;
    f[o + 1] = s.k;
    f[o + 2] = s.bin;
    f[o + 3] = s.gain;
    f[o + 4] = s.GL;
    f[o + 5] = s.HL;
    f[o + 6] = s.wL;
    f[o + 7] = s.wR;
  }

  private read(part: 0 | 1, parity: number): SplitFound | null {
    const o = this.at(part, parity);
    const f = this.f64;
    if (f[o] !== 1) return null;
    return { k: f[o + 1], bin: f[o + 2], gain: f[o + 3], GL: f[o + 4], HL: f[o + 5], wL: f[o + 6], wR: f[o + 7] };
  }
}

/** The peer's side of taking a job: false when the caller already gave up on it. */
export function takeJob(control: SharedArrayBuffer): boolean {
  const i32 = new Int32Array(control);
  const taken = Atomics.compareExchange(i32, STATE, 0, 1) === 0;
  Atomics.notify(i32, STATE);
  return taken;
}

/**
 * The peer thread of this thread: started on first use (its loader takes a moment once), then kept
 * for every later model; it does not keep the process alive.
 *
 * @example const link = BoostPeer.shared().start({ data, params, rows, validRows }); // undefined: grow alone
 */
export class BoostPeer {
  private static instance: BoostPeer | undefined;
  private broken = false;

  private constructor(private readonly worker: Worker) {}

  static shared(): BoostPeer {
    if (!BoostPeer.instance || BoostPeer.instance.broken) {
      const worker = new Worker(new URL('./worker-boot.mjs', import.meta.url), { workerData: { entry: 'boost-peer' } });
      worker.unref();
      const peer = new BoostPeer(worker);
      const lost = () => {
        peer.broken = true;
      };
      worker.on('error', lost);
      worker.on('exit', lost);
      BoostPeer.instance = peer;
    }
    return BoostPeer.instance;
  }

  /**
   * Hands the peer the other half of this run and waits until it has taken it. Returns this side's
   * link, or undefined when the peer did not take the job in time (the caller then grows alone,
   * and the peer will skip the job).
   */
  start(job: Omit<PeerJob, 'control'>): PeerLink | undefined {
    if (this.broken) return undefined;
    const control = new SharedArrayBuffer(CONTROL_BYTES);
    const i32 = new Int32Array(control);
    this.worker.postMessage({ ...job, control } satisfies PeerJob);
    const deadline = performance.now() + START_TIMEOUT_MS;
    while (Atomics.load(i32, STATE) === 0) {
      const left = deadline - performance.now();
      if (left <= 0 && Atomics.compareExchange(i32, STATE, 0, -1) === 0) {
        this.broken = true;
        return undefined;
      }
      Atomics.wait(i32, STATE, 0, Math.max(1, left));
    }
    return new PeerLink(control, 0);
  }
}
