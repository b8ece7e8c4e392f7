/**
 * A seeded pseudo-random stream (sfc32, 128-bit state, seeded through splitmix32). Every random
 * choice in webtune flows from one of these: same seed → same numbers, on every platform.
 */
export interface Rng {
  /** Uniform in [0, 1), 53 random bits (satisfies `@webtune/space`'s `RandomSource`). */
  random(): number;
  /** Uniform integer in [0, n), unbiased; `n` a positive safe integer. */
  int(n: number): number;
  /** Standard normal N(0, 1) (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number;
  /** Shuffles `array` in place (Fisher–Yates) and returns it. */
  shuffle<T>(array: T[]): T[];
  /**
   * An independent child stream named by `label`. It depends only on this stream's seed and the
   * label (not on how many numbers were drawn), so `createRng(s).fork('random')` is always the same
   * stream; different labels give unrelated streams, and `fork('a').fork('b')` ≠ `fork('b')`.
   */
  fork(label: string | number): Rng;
}

const TWO_32 = 4294967296;

/** splitmix32: turns any 32-bit word into a well-mixed sequence of words. */
function splitmix32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x9e3779b9) | 0;
    let t = a ^ (a >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t ^= t >>> 15;
    t = Math.imul(t, 0x735a2d97);
    return (t ^ (t >>> 15)) >>> 0;
  };
}

/** 32-bit FNV-1a of a label, with its type so fork(1) and fork('1') differ. */
function hashLabel(label: string | number): number {
  const text = `${typeof label}:${String(label)}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function fromKey(key: readonly [number, number, number, number]): Rng {
  let a = key[0] >>> 0;
  let b = key[1] >>> 0;
  let c = key[2] >>> 0;
  let d = key[3] >>> 0;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 15; i++) next();
  let spare: number | undefined;

  const random = (): number => ((next() >>> 11) * TWO_32 + next()) / 9007199254740992;
  const int = (n: number): number => {
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new RangeError(`rng.int: n (${String(n)}) must be a positive safe integer`);
    }
    if (n <= TWO_32) {
      const limit = TWO_32 - (TWO_32 % n);
      for (;;) {
        const x = next();
        if (x < limit) return x % n;
      }
    }
    return Math.floor(random() * n);
  };

  return {
    random,
    int,
    normal(): number {
      if (spare !== undefined) {
        const s = spare;
        spare = undefined;
        return s;
      }
      const u = 1 - random();
      const v = random();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    shuffle<T>(array: T[]): T[] {
      for (let i = array.length - 1; i > 0; i--) {
        const j = int(i + 1);
        const t = array[i]!;
        array[i] = array[j]!;
        array[j] = t;
      }
      return array;
    },
    fork(label: string | number): Rng {
      if (typeof label !== 'string' && !(typeof label === 'number' && Number.isFinite(label))) {
        throw new TypeError(
          `rng.fork: label (${String(label)}) must be a string or a finite number`,
        );
      }
      const mix = splitmix32(hashLabel(label));
      return fromKey([
        splitmix32(key[0] ^ mix())(),
        splitmix32(key[1] ^ mix())(),
        splitmix32(key[2] ^ mix())(),
        splitmix32(key[3] ^ mix())(),
      ]);
    },
  };
}

/**
 * A seeded random stream. `seed` is any safe integer (negative ones and 53-bit ones included: both
 * 32-bit halves enter the state).
 */
export function createRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`createRng: seed (${String(seed)}) must be a safe integer`);
  }
  const hi = Math.floor(seed / TWO_32);
  const lo = seed - hi * TWO_32;
  const low = splitmix32(lo);
  const high = splitmix32(hi ^ 0x5bd1e995);
  return fromKey([low() ^ high(), low() ^ high(), low() ^ high(), low() ^ high()]);
}
