import { SOBOL_M, SOBOL_MAX_DIMS, SOBOL_POLY } from './sobolDirections.js';

const BITS = 32;
const SCALE = 2 ** -32;
const MAX_POINTS = 2 ** 32;

/** Options of {@link createSobol}. */
export interface SobolOptions {
  /**
   * Owen-scramble the sequence (nested uniform scrambling, hash-based as in Burley 2020 with
   * Vegdahl's improved permutation), which randomises it while keeping its net structure.
   * Default true. Unscrambled, the sequence starts at the origin; scrambled, no point is special.
   */
  scramble?: boolean;
  /** Seed of the scramble; same seed → same points. Default 0. Ignored when unscrambled. */
  seed?: number;
}

/** A stream of Sobol points in the unit cube [0, 1)^dims. */
export interface SobolGenerator {
  readonly dims: number;
  /** How many points have been drawn so far (the index of the next point). */
  readonly index: number;
  /** The next point: a new Float64Array of length `dims`. */
  next(): Float64Array;
  /** The next `count` points: count×dims, row-major. */
  nextBatch(count: number): Float64Array;
}

/**
 * A Sobol low-discrepancy sequence over [0, 1)^dims with Joe & Kuo direction numbers (up to 1024
 * dimensions), generated in Gray-code order with 32-bit digits. The first 2^m points of every
 * prefix form a (t, m, dims)-net, scrambled or not, so batches of powers of two are best balanced.
 *
 * @param dims number of dimensions, an integer in [1, 1024].
 */
export function createSobol(dims: number, options: SobolOptions = {}): SobolGenerator {
  if (!Number.isInteger(dims) || dims < 1 || dims > SOBOL_MAX_DIMS) {
    throw new RangeError(`sobol: dims (${dims}) must be an integer in [1, ${SOBOL_MAX_DIMS}]`);
  }
  const scramble = options.scramble ?? true;
  const seed = options.seed ?? 0;
  if (!Number.isFinite(seed)) throw new RangeError(`sobol: seed (${seed}) must be a finite number`);

  const directions = directionNumbers(dims);
  const seeds = new Uint32Array(dims);
  if (scramble) {
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 2 ** 32) >>> 0;
    for (let d = 0; d < dims; d++) seeds[d] = mix32(mix32(lo ^ 0x9e3779b9) ^ hi ^ mix32(d + 1));
  }
  const state = new Uint32Array(dims);
  let index = 0;

  const write = (out: Float64Array, offset: number): void => {
    if (index >= MAX_POINTS) throw new RangeError('sobol: the sequence is exhausted (2^32 points)');
    if (index > 0) {
      const c = trailingZeros(index);
      for (let d = 0; d < dims; d++) state[d] = (state[d]! ^ directions[d * BITS + c]!) >>> 0;
    }
    index++;
    for (let d = 0; d < dims; d++) {
      const x = state[d]!;
      out[offset + d] = (scramble ? owenScramble(x, seeds[d]!) : x) * SCALE;
    }
  };

  if (!scramble) {
    // The unscrambled first point is the origin: a corner, not a useful sample.
    write(new Float64Array(dims), 0);
  }

  return {
    dims,
    get index() {
      return index;
    },
    next() {
      const out = new Float64Array(dims);
      write(out, 0);
      return out;
    },
    nextBatch(count: number) {
      if (!Number.isInteger(count) || count < 0) {
        throw new RangeError(`sobol: count (${count}) must be a non-negative integer`);
      }
      const out = new Float64Array(count * dims);
      for (let i = 0; i < count; i++) write(out, i * dims);
      return out;
    },
  };
}

/** dims×32, row-major: v[d][k] = m_k · 2^(31−k), the k-th direction number of dimension d. */
function directionNumbers(dims: number): Uint32Array {
  const v = new Uint32Array(dims * BITS);
  const m = new Uint32Array(BITS);
  let offset = 0;
  for (let d = 0; d < dims; d++) {
    if (d === 0) {
      m.fill(1);
    } else {
      const poly = SOBOL_POLY[d]!;
      const s = 31 - Math.clz32(poly);
      for (let k = 0; k < s; k++) m[k] = SOBOL_M[offset + k]!;
      offset += s;
      for (let k = s; k < BITS; k++) {
        let next = m[k - s]! ^ (m[k - s]! << s);
        for (let j = 1; j < s; j++) {
          if ((poly >>> (s - j)) & 1) next ^= m[k - j]! << j;
        }
        m[k] = next >>> 0;
      }
    }
    for (let k = 0; k < BITS; k++) v[d * BITS + k] = (m[k]! << (BITS - 1 - k)) >>> 0;
  }
  return v;
}

function trailingZeros(n: number): number {
  // n < 2^32 and > 0; the low 32 bits are nonzero except at n = 2^32, excluded by MAX_POINTS.
  const low = n >>> 0;
  return 31 - Math.clz32(low & -low);
}

/**
 * Nested uniform (Owen) scramble of a 32-bit fixed-point coordinate: reversing the bits turns
 * "each digit flipped depending only on the digits before it" into a hash whose bit k depends
 * only on bits below k, which additions and multiplications have.
 */
function owenScramble(x: number, seed: number): number {
  return reverseBits(permute(reverseBits(x), seed));
}

function permute(x: number, seed: number): number {
  x ^= Math.imul(x, 0x3d20adea);
  x = (x + seed) | 0;
  x = Math.imul(x, (seed >>> 16) | 1);
  x ^= Math.imul(x, 0x05526c56);
  x ^= Math.imul(x, 0x53a22864);
  return x >>> 0;
}

function reverseBits(x: number): number {
  x = ((x >>> 1) & 0x55555555) | ((x & 0x55555555) << 1);
  x = ((x >>> 2) & 0x33333333) | ((x & 0x33333333) << 2);
  x = ((x >>> 4) & 0x0f0f0f0f) | ((x & 0x0f0f0f0f) << 4);
  x = ((x >>> 8) & 0x00ff00ff) | ((x & 0x00ff00ff) << 8);
  return ((x >>> 16) | (x << 16)) >>> 0;
}

/** A 32-bit finaliser (murmur3 fmix32): decorrelates nearby seeds. */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}
