import type { ShaderDef } from './layout.js';

/*
 * Right-looking blocked Cholesky, in place on A (nPad×nPad, row-major, lower triangle used),
 * 32-wide panels. Step s (P.step) runs three dispatches in order, because workgroups of one
 * dispatch cannot wait for each other:
 *   1. CHOLESKY_DIAGONAL: factor the 32×32 diagonal block in one workgroup (shared memory);
 *   2. CHOLESKY_PANEL:    L[i, S] = A[i, S]·L[S,S]⁻ᵀ for every row i below the block;
 *   3. CHOLESKY_UPDATE:   A[I, J] −= L[I, S]·L[J, S]ᵀ for the 32×32 tiles with J ≤ I below.
 * A pivot that is not positive sets info[0] = 1 (the host retries with more jitter). The upper
 * triangle is left as garbage: readers use the lower triangle only.
 */

export const CHOLESKY_BLOCK = 32;

export const CHOLESKY_DIAGONAL: ShaderDef = {
  label: 'webtune-gp/cholesky-diagonal',
  bindings: [
    { name: 'a', access: 'rw', element: 'f32' },
    { name: 'info', access: 'rw', element: 'u32' },
  ],
  includes: [],
  main: /* wgsl */ `
var<workgroup> s: array<f32, 1024>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) t: u32) {
  let k0 = P.step * 32u;
  for (var e = t; e < 1024u; e += 256u) {
    s[e] = a[(k0 + e / 32u) * P.nPad + k0 + e % 32u];
  }
  workgroupBarrier();
  for (var j = 0u; j < 32u; j++) {
    let piv = s[j * 33u];
    let ljj = sqrt(max(piv, 1e-30));
    workgroupBarrier();
    if (t == 0u) {
      s[j * 33u] = ljj;
      if (!(piv > 0.0)) { info[0] = 1u; }
    }
    if (t > j && t < 32u) { s[t * 32u + j] = s[t * 32u + j] / ljj; }
    workgroupBarrier();
    for (var e = t; e < 1024u; e += 256u) {
      let r = e / 32u;
      let c = e % 32u;
      if (c > j && c <= r) { s[e] -= s[r * 32u + j] * s[c * 32u + j]; }
    }
    workgroupBarrier();
  }
  for (var e = t; e < 1024u; e += 256u) {
    let r = e / 32u;
    let c = e % 32u;
    a[(k0 + r) * P.nPad + k0 + c] = select(0.0, s[e], c <= r);
  }
}
`,
};

/** Dispatch ceil((nPad − 32(step+1)) / 64) workgroups. */
export const CHOLESKY_PANEL: ShaderDef = {
  label: 'webtune-gp/cholesky-panel',
  bindings: [{ name: 'a', access: 'rw', element: 'f32' }],
  includes: [],
  main: /* wgsl */ `
var<workgroup> ld: array<f32, 1024>;

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) t: u32, @builtin(workgroup_id) wid: vec3u) {
  let k0 = P.step * 32u;
  for (var e = t; e < 1024u; e += 64u) {
    ld[e] = a[(k0 + e / 32u) * P.nPad + k0 + e % 32u];
  }
  workgroupBarrier();
  let i = k0 + 32u + wid.x * 64u + t;
  if (i >= P.nPad) { return; }
  var x: array<f32, 32>;
  let row = i * P.nPad + k0;
  for (var c = 0u; c < 32u; c++) {
    var v = a[row + c];
    for (var q = 0u; q < c; q++) { v -= x[q] * ld[c * 32u + q]; }
    x[c] = v / ld[c * 33u];
  }
  for (var c = 0u; c < 32u; c++) { a[row + c] = x[c]; }
}
`,
};

/** Dispatch (T, T) with T = nPad/32 − step − 1; workgroups above the diagonal return at once. */
export const CHOLESKY_UPDATE: ShaderDef = {
  label: 'webtune-gp/cholesky-update',
  bindings: [{ name: 'a', access: 'rw', element: 'f32' }],
  includes: [],
  main: /* wgsl */ `
var<workgroup> li: array<f32, 1024>;
var<workgroup> lj: array<f32, 1024>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) t: u32, @builtin(workgroup_id) wid: vec3u) {
  if (wid.x > wid.y) { return; }
  let k0 = P.step * 32u;
  let i0 = k0 + 32u + wid.y * 32u;
  let j0 = k0 + 32u + wid.x * 32u;
  for (var e = t; e < 1024u; e += 256u) {
    li[e] = a[(i0 + e / 32u) * P.nPad + k0 + e % 32u];
    lj[e] = a[(j0 + e / 32u) * P.nPad + k0 + e % 32u];
  }
  workgroupBarrier();
  let c = t % 32u;
  for (var q = 0u; q < 4u; q++) {
    let r = t / 32u + 8u * q;
    var acc = 0.0;
    for (var p = 0u; p < 32u; p++) { acc += li[r * 32u + p] * lj[c * 32u + p]; }
    a[(i0 + r) * P.nPad + j0 + c] -= acc;
  }
}
`,
};
