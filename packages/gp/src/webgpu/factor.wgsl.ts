import { DF64_WGSL, KERNEL_DF64_WGSL, TILE_WGSL } from './df64.wgsl.js';
import type { ShaderDef } from './layout.js';

/*
 * The factorisation in df64 on packed lower storage (row i at i(i+1)/2, as the CPU's and the
 * resident model's), P.n rows, no padding:
 *   KERNEL_PACKED    K = k(X, X) with P.diag (s² + noise + jitter, df64) on the diagonal;
 *   CHOLESKY_*       right-looking blocked Cholesky in place, 32-wide panels, three dispatches
 *                    per panel (workgroups of one dispatch cannot wait for each other);
 *   FORWARD_SOLVE,   L β = y and Lᵀ α = β, one workgroup each, 32 rows a step.
 *   BACKWARD_SOLVE
 * A pivot p of row i fails, as on the CPU (../linalg.ts), when p ≤ 1e-12·adiag_i (adiag: the
 * diagonal before factorisation, jitter included) or p is not finite: info[0] becomes 1 and
 * the host retries with the next jitter of the CPU's schedule, and reports the one it used.
 */

const PACKED = /* wgsl */ `
fn po(i: u32) -> u32 { return i * (i + 1u) / 2u; }
fn df_finite(v: vec2f) -> bool { return (bitcast<u32>(v.x) & 0x7f800000u) != 0x7f800000u; }
`;

/** a[po(i) + j] = K_ij for j ≤ i < P.n; adiag[i] = P.diag. Dispatch (ceil(n/16), ceil(n/16)). */
export const KERNEL_PACKED: ShaderDef = {
  label: 'webtune-gp/kernel-packed',
  bindings: [
    { name: 'xa', access: 'read', element: 'vec2<f32>' },
    { name: 'xb', access: 'read', element: 'vec2<f32>' },
    { name: 'kw', access: 'read', element: 'vec2<f32>' },
    { name: 'a', access: 'rw', element: 'vec2<f32>' },
    { name: 'adiag', access: 'rw', element: 'vec2<f32>' },
  ],
  includes: [DF64_WGSL, KERNEL_DF64_WGSL, PACKED],
  main: /* wgsl */ `
@compute @workgroup_size(16, 16)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y;
  let j = gid.x;
  if (i >= P.n || j > i) { return; }
  if (i == j) {
    let diag = vec2f(P.diag, P.diagLo);
    a[po(i) + i] = diag;
    adiag[i] = diag;
    return;
  }
  a[po(i) + j] = df_kern(df_sqdist_bb(i * P.d, j * P.d));
}
`,
};

/**
 * Step P.step: factors the 32×32 diagonal block (rows k0 = 32·step …) in workgroup memory and
 * writes it back with dinv[i] = 1/L_ii. One workgroup.
 */
export const CHOLESKY_DIAGONAL_DF64: ShaderDef = {
  label: 'webtune-gp/cholesky-diagonal-df64',
  bindings: [
    { name: 'a', access: 'rw', element: 'vec2<f32>' },
    { name: 'adiag', access: 'read', element: 'vec2<f32>' },
    { name: 'dinv', access: 'rw', element: 'vec2<f32>' },
    { name: 'info', access: 'rw', element: 'u32' },
  ],
  includes: [DF64_WGSL, PACKED],
  main: /* wgsl */ `
var<workgroup> s: array<vec2f, 1056>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) t: u32) {
  let k0 = P.step * 32u;
  let rows = min(32u, P.n - k0);
  for (var e = t; e < 1024u; e += 256u) {
    let r = e / 32u;
    let c = e % 32u;
    let g = min(k0 + r, P.n - 1u);
    s[r * 33u + c] = select(vec2f(0.0), a[po(g) + min(k0 + c, g)], r < rows && c <= r);
  }
  workgroupBarrier();
  for (var j = 0u; j < rows; j++) {
    if (t == 0u) {
      let p = s[j * 33u + j];
      if (!df_finite(p) || !(p.x > 1e-12 * adiag[k0 + j].x)) {
        info[0] = 1u;
        s[j * 33u + j] = vec2f(df_c(1.0), 0.0);
      } else {
        s[j * 33u + j] = df_sqrt(p);
      }
    }
    workgroupBarrier();
    if (t > j && t < rows) { s[t * 33u + j] = df_div(s[t * 33u + j], s[j * 33u + j]); }
    workgroupBarrier();
    for (var e = t; e < 1024u; e += 256u) {
      let r = e / 32u;
      let c = e % 32u;
      if (c > j && c <= r && r < rows) {
        s[r * 33u + c] = df_fms(s[r * 33u + c], s[r * 33u + j], s[c * 33u + j]);
      }
    }
    workgroupBarrier();
  }
  for (var e = t; e < 1024u; e += 256u) {
    let r = e / 32u;
    let c = e % 32u;
    if (c <= r && r < rows) { a[po(k0 + r) + k0 + c] = s[r * 33u + c]; }
  }
  if (t < rows) { dinv[k0 + t] = df_div(vec2f(df_c(1.0), 0.0), s[t * 33u + t]); }
}
`,
};

/**
 * Step P.step: L[i, k0:k0+32] = A[i, k0:k0+32]·L_blockᵀ⁻¹ for every row i ≥ k0 + 32, one row
 * per thread (forward substitution with the factored diagonal block). Dispatch
 * ceil((n − k0 − 32)/64).
 */
export const CHOLESKY_PANEL_DF64: ShaderDef = {
  label: 'webtune-gp/cholesky-panel-df64',
  bindings: [
    { name: 'a', access: 'rw', element: 'vec2<f32>' },
    { name: 'dinv', access: 'read', element: 'vec2<f32>' },
  ],
  includes: [DF64_WGSL, PACKED],
  main: /* wgsl */ `
var<workgroup> ld: array<vec2f, 1056>;

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) t: u32, @builtin(workgroup_id) wid: vec3u) {
  let k0 = P.step * 32u;
  for (var e = t; e < 1024u; e += 64u) {
    let r = e / 32u;
    let c = e % 32u;
    ld[r * 33u + c] = select(vec2f(0.0), a[po(k0 + r) + k0 + min(c, r)], c <= r);
  }
  workgroupBarrier();
  let i = k0 + 32u + wid.x * 64u + t;
  if (i >= P.n) { return; }
  var x: array<vec2f, 32>;
  let row = po(i) + k0;
  for (var c = 0u; c < 32u; c++) {
    var v = a[row + c];
    for (var q = 0u; q < c; q++) { v = df_fms(v, x[q], ld[c * 33u + q]); }
    x[c] = df_mul(v, dinv[k0 + c]);
  }
  for (var c = 0u; c < 32u; c++) { a[row + c] = x[c]; }
}
`,
};

/**
 * Step P.step: A[I, J] −= L[I, S]·L[J, S]ᵀ for the 32×32 tiles J ≤ I below the panel S, through
 * swizzled workgroup tiles (TILE_WGSL: the reads down a column of a plain 32-wide tile would hit
 * one bank 32 times). Dispatch (T, T), T = ceil((n − k0 − 32)/32); tiles above the diagonal return.
 */
export const CHOLESKY_UPDATE_DF64: ShaderDef = {
  label: 'webtune-gp/cholesky-update-df64',
  bindings: [{ name: 'a', access: 'rw', element: 'vec2<f32>' }],
  includes: [DF64_WGSL, PACKED, TILE_WGSL],
  main: /* wgsl */ `
var<workgroup> li: array<vec2f, 1024>;
var<workgroup> lj: array<vec2f, 1024>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) t: u32, @builtin(workgroup_id) wid: vec3u) {
  if (wid.x > wid.y) { return; }
  let k0 = P.step * 32u;
  let i0 = k0 + 32u + wid.y * 32u;
  let j0 = k0 + 32u + wid.x * 32u;
  for (var e = t; e < 1024u; e += 256u) {
    let r = e / 32u;
    let p = e % 32u;
    let gi = min(i0 + r, P.n - 1u);
    let gj = min(j0 + r, P.n - 1u);
    li[sw(r, p)] = a[po(gi) + k0 + p];
    lj[sw(r, p)] = a[po(gj) + k0 + p];
  }
  workgroupBarrier();
  let c = t % 32u;
  for (var q = 0u; q < 4u; q++) {
    let r = t / 32u + 8u * q;
    if (i0 + r < P.n && j0 + c <= i0 + r) {
      var acc = vec2f(0.0);
      for (var p = 0u; p < 32u; p++) { acc = df_add(acc, df_mul(li[sw(r, p)], lj[sw(c, p)])); }
      let at = po(i0 + r) + j0 + c;
      a[at] = df_sub(a[at], acc);
    }
  }
}
`,
};

const SOLVE_BINDINGS = [
  { name: 'l', access: 'read', element: 'vec2<f32>' },
  { name: 'dinv', access: 'read', element: 'vec2<f32>' },
  { name: 'rhs', access: 'read', element: 'vec2<f32>' },
  { name: 'sol', access: 'rw', element: 'vec2<f32>' },
] as const;

/** Workgroup memory of both solves: partial products, the block's right-hand sides, its diagonal block. */
const SOLVE_WORKGROUP = /* wgsl */ `var<workgroup> part: array<vec2f, 256>;
var<workgroup> tt: array<vec2f, 32>;
var<workgroup> ld: array<vec2f, 1056>;
`;

/**
 * Both solves: the block's diagonal block of L (rows r0…r0+rows) into `ld`, 33 apart so threads
 * reading a column hit distinct banks; zero above the diagonal and past the last row.
 */
const LOAD_DIAGONAL_BLOCK = /* wgsl */ `    for (var e = t; e < 1024u; e += 256u) {
      let rr = e / 32u;
      let cc = e % 32u;
      let g = min(r0 + rr, P.n - 1u);
      ld[rr * 33u + cc] = select(vec2f(0.0), l[po(g) + min(r0 + min(cc, rr), g)], cc <= rr && rr < rows);
    }
`;

/**
 * sol = L⁻¹·rhs by blocks of 32 rows: the products with the rows solved so far split over 8
 * threads per row (8 consecutive entries per row read together), then the block's 32 rows one
 * step each. One workgroup.
 */
export const FORWARD_SOLVE: ShaderDef = {
  label: 'webtune-gp/forward-solve',
  bindings: SOLVE_BINDINGS,
  includes: [DF64_WGSL, PACKED],
  main: /* wgsl */ `
${SOLVE_WORKGROUP}
@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) t: u32) {
  let blocks = (P.n + 31u) / 32u;
  for (var b = 0u; b < blocks; b++) {
    let r0 = b * 32u;
    let rows = min(32u, P.n - r0);
    let r = t / 8u;
    var acc = vec2f(0.0);
    if (r < rows) {
      let row = po(r0 + r);
      for (var j = t % 8u; j < r0; j += 8u) { acc = df_add(acc, df_mul(l[row + j], sol[j])); }
    }
    part[t] = acc;
${LOAD_DIAGONAL_BLOCK}    workgroupBarrier();
    if (t < rows) {
      var s = rhs[r0 + t];
      for (var q = 0u; q < 8u; q++) { s = df_sub(s, part[t * 8u + q]); }
      tt[t] = s;
    }
    workgroupBarrier();
    for (var i = 0u; i < rows; i++) {
      let vi = df_mul(tt[i], dinv[r0 + i]);
      if (t > i && t < rows) { tt[t] = df_fms(tt[t], ld[t * 33u + i], vi); }
      if (t == i) { sol[r0 + i] = vi; }
      workgroupBarrier();
    }
    storageBarrier();
  }
}
`,
};

/**
 * sol = L⁻ᵀ·rhs by blocks of 32 rows from the bottom: for block rows R, the products with the
 * rows below split over 8 slices of them, thread c of a slice reading entry c of each row
 * (32 consecutive entries together), then the block's rows one step each. One workgroup.
 */
export const BACKWARD_SOLVE: ShaderDef = {
  label: 'webtune-gp/backward-solve',
  bindings: SOLVE_BINDINGS,
  includes: [DF64_WGSL, PACKED],
  main: /* wgsl */ `
${SOLVE_WORKGROUP}
@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) t: u32) {
  let blocks = (P.n + 31u) / 32u;
  for (var bb = 0u; bb < blocks; bb++) {
    let b = blocks - 1u - bb;
    let r0 = b * 32u;
    let rows = min(32u, P.n - r0);
    let c = t % 32u;
    var acc = vec2f(0.0);
    if (c < rows) {
      for (var j = r0 + 32u + t / 32u; j < P.n; j += 8u) {
        acc = df_add(acc, df_mul(l[po(j) + r0 + c], sol[j]));
      }
    }
    part[t] = acc;
${LOAD_DIAGONAL_BLOCK}    workgroupBarrier();
    if (t < rows) {
      var s = rhs[r0 + t];
      for (var q = 0u; q < 8u; q++) { s = df_sub(s, part[q * 32u + t]); }
      tt[t] = s;
    }
    workgroupBarrier();
    for (var ii = 0u; ii < rows; ii++) {
      let i = rows - 1u - ii;
      let vi = df_mul(tt[i], dinv[r0 + i]);
      if (t < i) { tt[t] = df_fms(tt[t], ld[i * 33u + t], vi); }
      if (t == i) { sol[r0 + i] = vi; }
      workgroupBarrier();
    }
    storageBarrier();
  }
}
`,
};
