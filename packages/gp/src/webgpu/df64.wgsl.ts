import { wgslDf, wgslF32 } from './df64.js';

/** Rounds v to `bits` significant bits. */
function roundBits(v: number, bits: number): number {
  const scale = 2 ** (bits - 1 - Math.floor(Math.log2(Math.abs(v))));
  return Math.round(v * scale) / scale;
}

/** ln 2 = LN2_PARTS[0] + [1] + [2] (+ < 2^-70): two parts of 16 bits, the rest in f32. */
const LN2_PARTS = (() => {
  const c1 = roundBits(Math.LN2, 16);
  const c2 = roundBits(Math.LN2 - c1, 16);
  return [c1, c2, Math.fround(Math.LN2 - c1 - c2)] as const;
})();

/*
 * Double-f32 ("df64") arithmetic in WGSL, which has no f64: a value is vec2f(hi, lo) standing
 * for hi + lo, 48 significant bits. Built on the error-free transforms two-sum (Knuth) and
 * two-product — by fma when the device fuses it (the override DF_FMA, set from a probe at
 * backend creation: SwiftShader's fma is not fused), else by Dekker's splitting. They are exact
 * only if the compiler neither reassociates nor contracts them; the backend checks this on its
 * device at creation (df64Check.ts; df64.test.ts compares them bit for bit with the emulation in
 * df64.ts) and does not use the GPU's exact path when the check fails. Compilers do reassociate
 * when an operand is a constant: SwiftShader turns two-sum(1, x) into (1 + x, 0) by folding
 * (x + 1) − 1 into x. So every constant that enters an operation goes through df_c / df_cv,
 * which add the uniform P.zero (always 0, unknown to the compiler). Shaders including this
 * library declare the `Params` uniform `P`.
 *
 * Accuracy (relative, u = 2^-48 ≈ 3.6e-15): df_add, df_mul ≤ 4u; df_div, df_sqrt ≤ 4u;
 * df_exp ≤ 8u for arguments in [−87, 0] (it returns 0 below −87: f32 cannot hold the result).
 */
export const DF64_WGSL = /* wgsl */ `
override DF_FMA: bool = false;

/** A constant the compiler cannot see through (see above). */
fn df_c(v: f32) -> f32 { return v + P.zero; }
fn df_cv(v: vec2f) -> vec2f { return v + vec2f(P.zero); }

fn df_two_sum(a: f32, b: f32) -> vec2f {
  let s = a + b;
  let bb = s - a;
  return vec2f(s, (a - (s - bb)) + (b - bb));
}

fn df_quick_two_sum(a: f32, b: f32) -> vec2f {
  let s = a + b;
  return vec2f(s, b - (s - a));
}

fn df_split(a: f32) -> vec2f {
  let t = 4097.0 * a;
  let hi = t - (t - a);
  return vec2f(hi, a - hi);
}

fn df_two_prod(a: f32, b: f32) -> vec2f {
  let p = a * b;
  if (DF_FMA) { return vec2f(p, fma(a, b, -p)); }
  let x = df_split(a);
  let y = df_split(b);
  return vec2f(p, (((x.x * y.x - p) + x.x * y.y) + x.y * y.x) + x.y * y.y);
}

fn df_add(a: vec2f, b: vec2f) -> vec2f {
  var s = df_two_sum(a.x, b.x);
  let t = df_two_sum(a.y, b.y);
  s = df_quick_two_sum(s.x, s.y + t.x);
  return df_quick_two_sum(s.x, s.y + t.y);
}

fn df_sub(a: vec2f, b: vec2f) -> vec2f { return df_add(a, -b); }

fn df_mul(a: vec2f, b: vec2f) -> vec2f {
  let p = df_two_prod(a.x, b.x);
  return df_quick_two_sum(p.x, p.y + (a.x * b.y + a.y * b.x));
}

fn df_mul_f(a: vec2f, b: f32) -> vec2f {
  let p = df_two_prod(a.x, b);
  return df_quick_two_sum(p.x, p.y + a.y * b);
}

fn df_sqr(a: vec2f) -> vec2f {
  let p = df_two_prod(a.x, a.x);
  return df_quick_two_sum(p.x, p.y + 2.0 * a.x * a.y);
}

/** a − b·c, the multiply-add of every dot product here. */
fn df_fms(a: vec2f, b: vec2f, c: vec2f) -> vec2f { return df_sub(a, df_mul(b, c)); }

fn df_div(a: vec2f, b: vec2f) -> vec2f {
  let q1 = a.x / b.x;
  let r = df_sub(a, df_mul_f(b, q1));
  let q2 = r.x / b.x;
  let r2 = df_sub(r, df_mul_f(b, q2));
  return df_add(df_quick_two_sum(q1, q2), vec2f(r2.x / b.x, 0.0));
}

/** √a for a ≥ 0 (0 for a ≤ 0), by one Newton step from the f32 root (Karp and Markstein). */
fn df_sqrt(a: vec2f) -> vec2f {
  if (!(a.x > 0.0)) { return vec2f(0.0); }
  let x = inverseSqrt(a.x);
  let y = a.x * x;
  let d = df_sub(a, df_two_prod(y, y));
  let s = df_two_sum(y, d.x * x * 0.5);
  let t = df_sub(a, df_sqr(s));
  return df_add(s, vec2f(t.x * x * 0.5, 0.0));
}

const LN2_1 = ${wgslF32(LN2_PARTS[0])};
const LN2_2 = ${wgslF32(LN2_PARTS[1])};
const LN2_3 = ${wgslF32(LN2_PARTS[2])};
const DF_INV6 = ${wgslDf(1 / 6)};
const DF_INV24 = ${wgslDf(1 / 24)};

/**
 * e^a: a = k·ln 2 + t (|t| ≤ ln2/2; ln 2 in three parts, the first two of 16 bits so k·part is
 * exact for |k| ≤ 127: Cody and Waite), expm1(t/256) by its Taylor series to degree 6, eight
 * doublings e ← 2e + e² (relative error stays ~u: no 1 + e is formed until the end), then 2^k.
 */
fn df_exp(a: vec2f) -> vec2f {
  if (a.x < -87.0) { return vec2f(0.0); }
  let one = vec2f(df_c(1.0), 0.0);
  let k = round(a.x * ${wgslF32(1 / Math.LN2)});
  let t = df_sub(
    df_sub(df_sub(a, vec2f(k * df_c(LN2_1), 0.0)), vec2f(k * df_c(LN2_2), 0.0)),
    df_two_prod(k, df_c(LN2_3)),
  );
  let r = t * 0.00390625;
  // expm1(r) = r + r²/2 + r³/6 + r⁴/24 + r⁵/120 + r⁶/720
  var p = df_mul_f(r, df_c(${wgslF32(1 / 720)}));
  p = df_add(p, vec2f(df_c(${wgslF32(1 / 120)}), 0.0));
  p = df_mul(p, r);
  p = df_add(p, df_cv(DF_INV24));
  p = df_mul(p, r);
  p = df_add(p, df_cv(DF_INV6));
  p = df_mul(p, r);
  p = df_add(p, vec2f(df_c(0.5), 0.0));
  p = df_mul(p, r);
  p = df_add(p, one);
  var e = df_mul(p, r);
  for (var i = 0; i < 8; i++) { e = df_add(2.0 * e, df_sqr(e)); }
  let s = df_add(e, one);
  let ki = i32(k);
  return vec2f(ldexp(s.x, ki), ldexp(s.y, ki));
}
`;

/**
 * 32×32 tiles in workgroup memory, row r at r·32 with its entries rotated by r: reading down a
 * column (32 rows, one per thread) touches 32 different banks where the plain layout hits one
 * bank 32 times — the padding-to-33 fix without the padding, so that two df64 tiles fit the
 * 16 KiB every WebGPU device has.
 */
export const TILE_WGSL = /* wgsl */ `
fn sw(r: u32, c: u32) -> u32 { return r * 32u + ((c + r) & 31u); }
`;

/**
 * The layout of the `kw` buffer (vec2f): [0, d) the weights 1/ℓ² of the dimensions (df64; 0 on
 * categorical dimensions); [d, d+g) one per categorical group; [d+g, d+2g) each group's
 * (start, size); [d+2g, 2d+2g) each dimension's lengthscale index in x (−1 inside a group).
 */
export const KERNEL_WEIGHTS = 'kw';

/** r² between row oa of `a` and row ob of `b` (vec2f arrays, P.d wide), as `name`. */
function sqdistDf64(name: string, a: string, b: string): string {
  return /* wgsl */ `
fn ${name}(oa: u32, ob: u32) -> vec2f {
  var r2 = vec2f(0.0);
  for (var j = 0u; j < P.d; j++) {
    let w = kw[j];
    if (w.x == 0.0) { continue; }
    r2 = df_add(r2, df_mul(df_sqr(df_sub(${a}[oa + j], ${b}[ob + j])), w));
  }
  for (var g = 0u; g < P.groups; g++) {
    let span = kw[P.d + P.groups + g];
    let s = u32(span.x);
    let e = s + u32(span.y);
    var differ = false;
    for (var i = s; i < e; i++) {
      if (${a}[oa + i].x != ${b}[ob + i].x) { differ = true; }
    }
    if (differ) { r2 = df_add(r2, kw[P.d + g]); }
  }
  return r2;
}
`;
}

/**
 * The GP kernel in df64, the same definitions as ../kernel.ts:
 * df_sqdist(oa, ob) between rows of `xa` and `xb`, df_sqdist_bb between two rows of `xb`
 * (vec2f, row-major, P.d wide), with `kw` (vec2f, see KERNEL_WEIGHTS); df_kern(r²) = s²·base(r²) with s² = (P.outputScale, P.outputScaleLo).
 */
export const KERNEL_DF64_WGSL = /* wgsl */ `
const DF_SQRT5 = ${wgslDf(Math.sqrt(5))};
const DF_FIVE_THIRDS = ${wgslDf(5 / 3)};
${sqdistDf64('df_sqdist', 'xa', 'xb')}
${sqdistDf64('df_sqdist_bb', 'xb', 'xb')}
fn df_kern(r2: vec2f) -> vec2f {
  let s2 = vec2f(P.outputScale, P.outputScaleLo);
  if (P.kind == 1u) { return df_mul(s2, df_exp(-0.5 * r2)); }
  let s5r = df_mul(df_cv(DF_SQRT5), df_sqrt(r2));
  let poly = df_add(df_add(vec2f(df_c(1.0), 0.0), s5r), df_mul(df_cv(DF_FIVE_THIRDS), r2));
  return df_mul(s2, df_mul(poly, df_exp(-s5r)));
}
`;
