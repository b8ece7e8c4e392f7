import type { ShaderDef } from './layout.js';

/*
 * X = L⁻¹ (nPad×nPad, row-major, lower) by block rows of 32, one dispatch per block row b
 * (P.step), workgroup ct for column tile ct ≤ b:
 *   T = I            (ct = b)
 *   T = −L[R, c0:r0]·X[c0:r0, C]   (ct < b; X is lower, so rows below c0 suffice)
 *   X[R, C] = L[R,R]⁻¹ T          (forward substitution in shared memory)
 * Block row b needs every earlier block row finished, hence one dispatch each. The caller
 * clears X first so the tiles above the diagonal read as zero.
 */
export const TRIANGULAR_INVERSE: ShaderDef = {
  label: 'webtune-gp/triangular-inverse',
  bindings: [
    { name: 'l', access: 'read', element: 'f32' },
    { name: 'x', access: 'rw', element: 'f32' },
  ],
  includes: [],
  main: /* wgsl */ `
var<workgroup> ta: array<f32, 1024>;
var<workgroup> tb: array<f32, 1024>;
var<workgroup> tt: array<f32, 1024>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) t: u32, @builtin(workgroup_id) wid: vec3u) {
  let r0 = P.step * 32u;
  let c0 = wid.x * 32u;
  let c = t % 32u;
  let r = t / 32u;
  var acc = vec4f(0.0);
  for (var j0 = c0; j0 < r0; j0 += 32u) {
    for (var e = t; e < 1024u; e += 256u) {
      ta[e] = l[(r0 + e / 32u) * P.nPad + j0 + e % 32u];
      tb[e] = x[(j0 + e / 32u) * P.nPad + c0 + e % 32u];
    }
    workgroupBarrier();
    // rows r, r + 8, r + 16, r + 24 of the tile, column c
    for (var p = 0u; p < 32u; p++) {
      let b = tb[p * 32u + c];
      acc += vec4f(ta[r * 32u + p], ta[(r + 8u) * 32u + p], ta[(r + 16u) * 32u + p], ta[(r + 24u) * 32u + p]) * b;
    }
    workgroupBarrier();
  }
  let diag = c0 == r0;
  tt[r * 32u + c] = select(-acc.x, select(0.0, 1.0, r == c), diag);
  tt[(r + 8u) * 32u + c] = select(-acc.y, select(0.0, 1.0, r + 8u == c), diag);
  tt[(r + 16u) * 32u + c] = select(-acc.z, select(0.0, 1.0, r + 16u == c), diag);
  tt[(r + 24u) * 32u + c] = select(-acc.w, select(0.0, 1.0, r + 24u == c), diag);
  for (var e = t; e < 1024u; e += 256u) {
    ta[e] = l[(r0 + e / 32u) * P.nPad + r0 + e % 32u];
  }
  workgroupBarrier();
  if (t < 32u) {
    for (var i = 0u; i < 32u; i++) {
      var s = tt[i * 32u + t];
      for (var p = 0u; p < i; p++) { s -= ta[i * 32u + p] * tt[p * 32u + t]; }
      tt[i * 32u + t] = s / ta[i * 33u];
    }
  }
  workgroupBarrier();
  for (var e = t; e < 1024u; e += 256u) {
    x[(r0 + e / 32u) * P.nPad + c0 + e % 32u] = tt[e];
  }
}
`,
};

/**
 * out = X·v (P.step = 0) or Xᵀ·v (P.step = 1) for the lower-triangular X = L⁻¹; with both in turn
 * α = L⁻ᵀL⁻¹y = K⁻¹y. Dispatch nPad/64.
 */
export const TRIANGULAR_MATVEC: ShaderDef = {
  label: 'webtune-gp/triangular-matvec',
  bindings: [
    { name: 'x', access: 'read', element: 'f32' },
    { name: 'v', access: 'read', element: 'f32' },
    { name: 'outv', access: 'rw', element: 'f32' },
  ],
  includes: [],
  main: /* wgsl */ `
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= P.nPad) { return; }
  var s = 0.0;
  if (P.step == 0u) {
    for (var j = 0u; j <= i; j++) { s += x[i * P.nPad + j] * v[j]; }
  } else {
    for (var j = i; j < P.nPad; j++) { s += x[j * P.nPad + i] * v[j]; }
  }
  outv[i] = s;
}
`,
};
