/*
 * Double-f32 ("df64") numbers on the host: a value v is the unevaluated sum hi + lo of two f32,
 * |lo| ≤ ulp(hi)/2, which carries 48 significant bits (unit roundoff 2^-48 ≈ 3.6e-15 per
 * operation, against f64's 2^-53). This file splits f64 values for upload, joins them on
 * readback, and emulates the WGSL operations of df64.wgsl.ts step by step with Math.fround, so
 * the tests can check the GPU's arithmetic bit for bit (a compiler that reassociated or
 * contracted the error-free transforms would differ).
 */

const f = Math.fround;

/** The df64 nearest to v: hi = f32(v), lo = f32(v − hi). */
export function split(v: number): [number, number] {
  const hi = f(v);
  // v − hi is exact in f64 for |v| within f32's range; a non-finite v gives a NaN lo.
  return [hi, f(v - hi)];
}

/** Writes the df64 splits of v[0…len) into out[2i], out[2i+1]. */
export function splitInto(v: ArrayLike<number>, len: number, out: Float32Array, at = 0): void {
  for (let i = 0; i < len; i++) {
    const x = v[i]!;
    const hi = f(x);
    out[at + 2 * i] = hi;
    out[at + 2 * i + 1] = f(x - hi);
  }
}

/** A WGSL literal for the f32 value v (shortest decimal that rounds back to it). */
export function wgslF32(v: number): string {
  const x = f(v);
  if (!Number.isFinite(x)) throw new Error(`wgslF32: ${v} is not a finite f32`);
  const s = String(x);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/** `vec2f(hi, lo)`, the WGSL literal of the df64 nearest to v. */
export function wgslDf(v: number): string {
  const [hi, lo] = split(v);
  return `vec2f(${wgslF32(hi)}, ${wgslF32(lo)})`;
}

export type Df = [number, number];

export function twoSum(a: number, b: number): Df {
  const s = f(a + b);
  const bb = f(s - a);
  const e = f(f(a - f(s - bb)) + f(b - bb));
  return [s, e];
}

export function quickTwoSum(a: number, b: number): Df {
  const s = f(a + b);
  return [s, f(b - f(s - a))];
}

function splitF(a: number): Df {
  const t = f(4097 * a);
  const hi = f(t - f(t - a));
  return [hi, f(a - hi)];
}

/** Dekker's exact product (the variant used when the device's fma is not fused). */
export function twoProd(a: number, b: number): Df {
  const p = f(a * b);
  const [ah, al] = splitF(a);
  const [bh, bl] = splitF(b);
  const e = f(f(f(f(f(ah * bh) - p) + f(ah * bl)) + f(al * bh)) + f(al * bl));
  return [p, e];
}

export function add(a: Df, b: Df): Df {
  let [s, e] = twoSum(a[0], b[0]);
  const [t, u] = twoSum(a[1], b[1]);
  e = f(e + t);
  [s, e] = quickTwoSum(s, e);
  e = f(e + u);
  return quickTwoSum(s, e);
}

export function mul(a: Df, b: Df): Df {
  const [p, e] = twoProd(a[0], b[0]);
  const c = f(e + f(f(a[0] * b[1]) + f(a[1] * b[0])));
  return quickTwoSum(p, c);
}

/** hi + lo as an f64. */
export function join(a: ArrayLike<number>, i = 0): number {
  return a[2 * i]! + a[2 * i + 1]!;
}
