import { wgslDf } from './df64.js';
import { DF64_WGSL, KERNEL_DF64_WGSL, TILE_WGSL } from './df64.wgsl.js';
import type { ShaderDef } from './layout.js';

/*
 * The gradient of the log marginal likelihood, ∂LML/∂θ = ½ tr((ααᵀ − K⁻¹) ∂K/∂θ), in df64 from
 * the packed factor (factor.wgsl.ts): X = L⁻¹ by block rows, then per 32×32 tile of pairs
 * (a, b), b ≤ a, the tile of K⁻¹ = XᵀX and at once its share of every gradient sum — K⁻¹ is
 * never stored. The sums cancel terms of size ‖K⁻¹‖ ≈ 1/noise, hence df64 throughout: in f32
 * they lose everything at noise 1e-6.
 */

const PACKED = /* wgsl */ `
fn po(i: u32) -> u32 { return i * (i + 1u) / 2u; }
`;

/**
 * Block row P.step of X = L⁻¹ (packed like L), workgroup ct for column tile ct ≤ step:
 * T = −L[R, C..R)·X[C..R, C] (ct < step; X is lower, so its rows from C on suffice) or I
 * (ct = step), then X[R, C] = L[R, R]⁻¹·T, 32 columns in parallel. Every earlier block row must
 * be finished: one dispatch per block row, P.step + 1 workgroups.
 */
export const TRIANGULAR_INVERSE_DF64: ShaderDef = {
  label: 'webtune-gp/triangular-inverse-df64',
  bindings: [
    { name: 'l', access: 'read', element: 'vec2<f32>' },
    { name: 'dinv', access: 'read', element: 'vec2<f32>' },
    { name: 'x', access: 'rw', element: 'vec2<f32>' },
  ],
  includes: [DF64_WGSL, PACKED, TILE_WGSL],
  main: /* wgsl */ `
var<workgroup> ta: array<vec2f, 1024>;
// tb holds the tiles of X while T is formed, then T itself.
var<workgroup> tb: array<vec2f, 1024>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) t: u32, @builtin(workgroup_id) wid: vec3u) {
  let r0 = P.step * 32u;
  let c0 = wid.x * 32u;
  let rows = min(32u, P.n - r0);
  let c = t % 32u;
  var acc0 = vec2f(0.0);
  var acc1 = vec2f(0.0);
  var acc2 = vec2f(0.0);
  var acc3 = vec2f(0.0);
  for (var j0 = c0; j0 < r0; j0 += 32u) {
    for (var e = t; e < 1024u; e += 256u) {
      let rr = e / 32u;
      let cc = e % 32u;
      let g = min(r0 + rr, P.n - 1u);
      ta[sw(rr, cc)] = l[po(g) + j0 + cc];
      // X[j0 + rr, c0 + cc] is zero above the diagonal.
      let xr = j0 + rr;
      tb[sw(rr, cc)] = select(vec2f(0.0), x[po(xr) + min(c0 + cc, xr)], c0 + cc <= xr);
    }
    workgroupBarrier();
    let r = t / 32u;
    for (var p = 0u; p < 32u; p++) {
      let b = tb[sw(p, c)];
      acc0 = df_add(acc0, df_mul(ta[sw(r, p)], b));
      acc1 = df_add(acc1, df_mul(ta[sw(r + 8u, p)], b));
      acc2 = df_add(acc2, df_mul(ta[sw(r + 16u, p)], b));
      acc3 = df_add(acc3, df_mul(ta[sw(r + 24u, p)], b));
    }
    workgroupBarrier();
  }
  let r = t / 32u;
  let diag = c0 == r0;
  let one = vec2f(df_c(1.0), 0.0);
  tb[sw(r, c)] = select(-acc0, select(vec2f(0.0), one, r == c), diag);
  tb[sw(r + 8u, c)] = select(-acc1, select(vec2f(0.0), one, r + 8u == c), diag);
  tb[sw(r + 16u, c)] = select(-acc2, select(vec2f(0.0), one, r + 16u == c), diag);
  tb[sw(r + 24u, c)] = select(-acc3, select(vec2f(0.0), one, r + 24u == c), diag);
  for (var e = t; e < 1024u; e += 256u) {
    let rr = e / 32u;
    let cc = e % 32u;
    let g = min(r0 + rr, P.n - 1u);
    ta[sw(rr, cc)] = select(vec2f(0.0), l[po(g) + min(r0 + min(cc, rr), g)], cc <= rr && rr < rows);
  }
  workgroupBarrier();
  // Forward substitution down the block's rows, one column per thread (32 columns).
  if (t < 32u) {
    for (var i = 0u; i < rows; i++) {
      var s = tb[sw(i, t)];
      for (var p = 0u; p < i; p++) { s = df_fms(s, ta[sw(i, p)], tb[sw(p, t)]); }
      tb[sw(i, t)] = df_mul(s, dinv[r0 + i]);
    }
  }
  workgroupBarrier();
  for (var e = t; e < 1024u; e += 256u) {
    let rr = e / 32u;
    let cc = e % 32u;
    if (rr < rows && c0 + cc <= r0 + rr) { x[po(r0 + rr) + c0 + cc] = tb[sw(rr, cc)]; }
  }
}
`,
};

/**
 * Per 32×32 tile (A, B), B ≤ A, of pairs (a, b) with b ≤ a: K⁻¹_ab = Σ_{r ≥ a} X_ra X_rb
 * through 32-row tiles of X, W_ab = α_a α_b − K⁻¹_ab, and the tile's sums (df64): for each
 * lengthscale c, Σ_{a>b} W_ab·∂k/∂r²·f_c(a, b) (f_c the squared difference in its dimension,
 * or 1 where a categorical group differs); Σ_{a>b} W_ab·k_ab; and Σ_a W_aa (tr W). Written to
 * partial[(tile)·P.k + slot], P.k = e + 2 slots; the host adds the tiles in f64. Dispatch
 * (T, T), T = ceil(n/32); tiles above the diagonal return.
 */
export const LIKELIHOOD_GRADIENT_DF64: ShaderDef = {
  label: 'webtune-gp/likelihood-gradient-df64',
  bindings: [
    { name: 'xa', access: 'read', element: 'vec2<f32>' },
    { name: 'xb', access: 'read', element: 'vec2<f32>' },
    { name: 'kw', access: 'read', element: 'vec2<f32>' },
    { name: 'x', access: 'read', element: 'vec2<f32>' },
    { name: 'alpha', access: 'read', element: 'vec2<f32>' },
    { name: 'partial', access: 'rw', element: 'vec2<f32>' },
  ],
  includes: [DF64_WGSL, KERNEL_DF64_WGSL, PACKED, TILE_WGSL],
  main: /* wgsl */ `
var<workgroup> ta: array<vec2f, 1024>;
var<workgroup> tb: array<vec2f, 1024>;

const DF_FIVE_SIXTHS = ${wgslDf(5 / 6)};

/** ∂k/∂r²: RBF −½s²e^{−r²/2}, Matérn-5/2 −(5/6)s²(1 + √5 r)e^{−√5 r}. */
fn df_dkern(r2: vec2f) -> vec2f {
  let s2 = vec2f(P.outputScale, P.outputScaleLo);
  if (P.kind == 1u) { return -0.5 * df_mul(s2, df_exp(-0.5 * r2)); }
  let s5r = df_mul(df_cv(DF_SQRT5), df_sqrt(r2));
  let f = df_mul(df_cv(DF_FIVE_SIXTHS), df_add(vec2f(df_c(1.0), 0.0), s5r));
  return -df_mul(s2, df_mul(f, df_exp(-s5r)));
}

/** Sum of v over the workgroup, through ta (free once K⁻¹'s tile is done); has barriers. */
fn reduce(t: u32, v: vec2f) -> vec2f {
  ta[t] = v;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (t < s) { ta[t] = df_add(ta[t], ta[t + s]); }
    workgroupBarrier();
  }
  let total = ta[0];
  workgroupBarrier();
  return total;
}

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) t: u32, @builtin(workgroup_id) wid: vec3u) {
  let tiles = (P.n + 31u) / 32u;
  if (wid.x > wid.y) { return; }
  let a0 = wid.y * 32u;
  let b0 = wid.x * 32u;
  let c = t % 32u;
  let r = t / 32u;
  var kinv: array<vec2f, 4>;
  for (var q = 0u; q < 4u; q++) { kinv[q] = vec2f(0.0); }
  for (var r0 = a0; r0 < P.n; r0 += 32u) {
    for (var e = t; e < 1024u; e += 256u) {
      let rr = e / 32u;
      let cc = e % 32u;
      let xr = min(r0 + rr, P.n - 1u);
      let valid = r0 + rr < P.n;
      ta[sw(rr, cc)] = select(vec2f(0.0), x[po(xr) + min(a0 + cc, xr)], valid && a0 + cc <= xr);
      tb[sw(rr, cc)] = select(vec2f(0.0), x[po(xr) + min(b0 + cc, xr)], valid && b0 + cc <= xr);
    }
    workgroupBarrier();
    for (var q = 0u; q < 4u; q++) {
      let ar = r + 8u * q;
      var acc = kinv[q];
      for (var p = 0u; p < 32u; p++) { acc = df_add(acc, df_mul(ta[sw(p, ar)], tb[sw(p, c)])); }
      kinv[q] = acc;
    }
    workgroupBarrier();
  }
  // This thread's pairs: a = a0 + r + 8q, b = b0 + c.
  var wg: array<vec2f, 4>;
  var wk = vec2f(0.0);
  var trace = vec2f(0.0);
  let b = b0 + c;
  for (var q = 0u; q < 4u; q++) {
    let a = a0 + r + 8u * q;
    wg[q] = vec2f(0.0);
    if (a >= P.n || b > a) { continue; }
    let w = df_sub(df_mul(alpha[a], alpha[b]), kinv[q]);
    if (a == b) {
      trace = df_add(trace, w);
      continue;
    }
    let r2 = df_sqdist(a * P.d, b * P.d);
    wk = df_add(wk, df_mul(w, df_kern(r2)));
    wg[q] = df_mul(w, df_dkern(r2));
  }
  let out = (wid.y * tiles + wid.x) * P.k;
  let e = P.k - 2u;
  let pidx = P.d + 2u * P.groups;
  for (var j = 0u; j < P.d; j++) {
    let pj = i32(kw[pidx + j].x);
    var v = vec2f(0.0);
    if (pj >= 0) {
      for (var q = 0u; q < 4u; q++) {
        let a = min(a0 + r + 8u * q, P.n - 1u);
        v = df_add(v, df_mul(wg[q], df_sqr(df_sub(xa[a * P.d + j], xb[min(b, P.n - 1u) * P.d + j]))));
      }
    }
    let total = reduce(t, v);
    if (t == 0u && pj >= 0) { partial[out + u32(pj)] = total; }
  }
  for (var g = 0u; g < P.groups; g++) {
    let span = kw[P.d + P.groups + g];
    let s = u32(span.x);
    let end = s + u32(span.y);
    var v = vec2f(0.0);
    for (var q = 0u; q < 4u; q++) {
      let a = min(a0 + r + 8u * q, P.n - 1u);
      var differ = false;
      for (var i = s; i < end; i++) {
        if (xa[a * P.d + i].x != xb[min(b, P.n - 1u) * P.d + i].x) { differ = true; }
      }
      if (differ) { v = df_add(v, wg[q]); }
    }
    let total = reduce(t, v);
    if (t == 0u) { partial[out + e - P.groups + g] = total; }
  }
  let sk = reduce(t, wk);
  let tr = reduce(t, trace);
  if (t == 0u) {
    partial[out + e] = sk;
    partial[out + e + 1u] = tr;
  }
}
`,
};
