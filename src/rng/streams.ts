// Seeded random streams: one per block of patients, derived from (seed, block index).
import seedrandom from 'seedrandom';

const TWO_POW_32 = 4294967296;

/**
 * seedrandom's Tyche-i generator with its four-word state in an Int32Array
 * (about twice as fast as seedrandom's closure-held state). Seeding is done
 * by seedrandom itself, and tests check the output is bit-identical to
 * `seedrandom.tychei(key)`.
 */
export class Stream {
  readonly state: Int32Array;
  private hasSpare = false;
  private spare = 0;

  constructor(a: number, b: number, c: number, d: number) {
    this.state = new Int32Array([a, b, c, d]);
  }

  /** Next 32-bit word, as seedrandom's `int32()`. */
  nextInt32(): number {
    const s = this.state;
    let a = s[0], b = s[1], c = s[2], d = s[3];
    b = (b << 25) ^ (b >>> 7) ^ c;
    c = (c - d) | 0;
    d = (d << 24) ^ (d >>> 8) ^ a;
    a = (a - b) | 0;
    b = (b << 20) ^ (b >>> 12) ^ c;
    c = (c - d) | 0;
    d = (d << 16) ^ (c >>> 16) ^ a;
    a = (a - b) | 0;
    s[0] = a; s[1] = b; s[2] = c; s[3] = d;
    return a;
  }

  /** Uniform on [0, 1) with 32-bit resolution (may return 0), as seedrandom's `prng()`. */
  uniform(): number {
    return (this.nextInt32() >>> 0) / TWO_POW_32;
  }

  /** Exponential with the given rate; Infinity for rate 0. 1 - u > 0 always. */
  exponential(rate: number): number {
    return -Math.log1p(-this.uniform()) / rate;
  }

  /** Standard normal by Box-Muller; the second deviate of each pair is kept for the next call. */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    const u1 = 1 - this.uniform(); // in (0, 1]: log is finite
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    const angle = 2 * Math.PI * u2;
    this.spare = r * Math.sin(angle);
    this.hasSpare = true;
    return r * Math.cos(angle);
  }
}

/** The seedrandom key of block `blockIndex` under `seed`. */
export function streamKey(seed: number, blockIndex: number): string {
  return `${seed}/block/${blockIndex}`;
}

/** The independent stream of block `blockIndex` of a run seeded with `seed`. */
export function streamFor(seed: number, blockIndex: number): Stream {
  const st = seedrandom.tychei(streamKey(seed, blockIndex), { state: true }).state() as unknown as {
    a: number; b: number; c: number; d: number;
  };
  return new Stream(st.a, st.b, st.c, st.d);
}
