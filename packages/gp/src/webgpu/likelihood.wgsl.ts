import { KERNEL_WGSL } from './common.wgsl.js';
import type { ShaderDef } from './layout.js';

/**
 * K⁻¹ = XᵀX with X = L⁻¹ (lower): (K⁻¹)[a, b] = Σ_{r ≥ a} X[r, a]·X[r, b] for a ≥ b, written to
 * the lower 64×64 tiles of `kinv` (nPad×nPad). Same tiling as the posterior GEMM.
 * Dispatch (nPad/64, nPad/64); tiles above the diagonal return at once.
 */
export const INVERSE_GRAM: ShaderDef = {
  label: 'webtune-gp/inverse-gram',
  bindings: [
    { name: 'x', access: 'read', element: 'f32' },
    { name: 'x4', access: 'read', element: 'vec4<f32>' },
    { name: 'kinv', access: 'rw', element: 'vec4<f32>' },
  ],
  includes: [],
  main: /* wgsl */ `
var<workgroup> as_: array<f32, 1024>;
var<workgroup> bs: array<vec4f, 256>;

@compute @workgroup_size(16, 16)
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  if (wid.x > wid.y) { return; }
  let t = lid.y * 16u + lid.x;
  let a0 = wid.y * 64u;
  let b4 = wid.x * 16u;
  let q4 = P.nPad / 4u;
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  for (var r0 = a0; r0 < P.nPad; r0 += 16u) {
    // as_[p][i] = X[r0 + p, a0 + i] (16×64); bs[p][j] = X[r0 + p, 4(b4 + j) .. +4] (16×16 vec4)
    for (var e = t; e < 1024u; e += 256u) {
      as_[e] = x[(r0 + e / 64u) * P.nPad + a0 + e % 64u];
    }
    bs[t] = x4[(r0 + t / 16u) * q4 + b4 + t % 16u];
    workgroupBarrier();
    for (var p = 0u; p < 16u; p++) {
      let b = bs[p * 16u + lid.x];
      let ar = p * 64u + lid.y * 4u;
      acc0 += as_[ar] * b;
      acc1 += as_[ar + 1u] * b;
      acc2 += as_[ar + 2u] * b;
      acc3 += as_[ar + 3u] * b;
    }
    workgroupBarrier();
  }
  let row = a0 + lid.y * 4u;
  kinv[row * q4 + b4 + lid.x] = acc0;
  kinv[(row + 1u) * q4 + b4 + lid.x] = acc1;
  kinv[(row + 2u) * q4 + b4 + lid.x] = acc2;
  kinv[(row + 3u) * q4 + b4 + lid.x] = acc3;
}
`,
};

/** Most kernel parameters (lengthscales + 4 sums) one workgroup accumulates. */
export const LIKELIHOOD_SLOTS = 68;

/**
 * Partial sums of the log marginal likelihood and its gradient, per 64×64 tile of pairs (a, b):
 * with W = ααᵀ − K⁻¹ and, for a > b, g = ∂k/∂r², f_c the pair's feature of parameter c
 * ((x_a − x_b)_c² for a continuous dimension, 1 when a categorical group differs):
 *   slot c < e: Σ W·g·f_c;  slot e: Σ W·k;  slot e+1: Σ_a W_aa (tr W);
 *   slot e+2: Σ_a log L_aa;  slot e+3: Σ_a y_a·α_a.
 * `kp` holds, after the weights and groups, each input dimension's parameter index (−1 in a
 * group). Writes P.k = e + 4 slots at partial[(wid.y·T + wid.x)·P.k]; the host sums them in f64.
 * Dispatch (T, T), T = nPad/64.
 */
export const LIKELIHOOD_GRADIENT: ShaderDef = {
  label: 'webtune-gp/likelihood-gradient',
  bindings: [
    { name: 'xa', access: 'read', element: 'f32' },
    { name: 'xb', access: 'read', element: 'f32' },
    { name: 'kp', access: 'read', element: 'f32' },
    { name: 'kinv', access: 'read', element: 'f32' },
    { name: 'alpha', access: 'read', element: 'f32' },
    { name: 'l', access: 'read', element: 'f32' },
    { name: 'y', access: 'read', element: 'f32' },
    { name: 'partial', access: 'rw', element: 'f32' },
  ],
  includes: [KERNEL_WGSL],
  main: /* wgsl */ `
var<workgroup> sh: array<f32, 256>;

fn dk_dr2(r2: f32) -> f32 {
  if (P.kind == 1u) { return -0.5 * P.outputScale * exp(-0.5 * r2); }
  let r = sqrt(r2);
  return (-5.0 / 6.0) * P.outputScale * (1.0 + 2.2360679774997896 * r) * exp(-2.2360679774997896 * r);
}

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) t: u32, @builtin(workgroup_id) wid: vec3u) {
  let tiles = P.nPad / 64u;
  if (wid.x > wid.y) { return; }
  var acc: array<f32, ${LIKELIHOOD_SLOTS}>;
  for (var c = 0u; c < P.k; c++) { acc[c] = 0.0; }
  let e = P.k - 4u;
  let pidx = P.d + 3u * P.groups;
  for (var q = t; q < 4096u; q += 256u) {
    let a = wid.y * 64u + q / 64u;
    let b = wid.x * 64u + q % 64u;
    if (a >= P.n || b > a) { continue; }
    let wab = alpha[a] * alpha[b] - kinv[a * P.nPad + b];
    if (a == b) {
      acc[e + 1u] += wab;
      acc[e + 2u] += log(l[a * P.nPad + a]);
      acc[e + 3u] += y[a] * alpha[a];
      continue;
    }
    let oa = a * P.d;
    let ob = b * P.d;
    let r2 = sqdist(oa, ob);
    acc[e] += wab * kern(r2);
    let wg = wab * dk_dr2(r2);
    for (var j = 0u; j < P.d; j++) {
      let pj = i32(kp[pidx + j]);
      if (pj >= 0) {
        let dt = xa[oa + j] - xb[ob + j];
        acc[u32(pj)] += wg * dt * dt;
      }
    }
    for (var g = 0u; g < P.groups; g++) {
      let base = P.d + 3u * g;
      let s = u32(kp[base]);
      let end = s + u32(kp[base + 1u]);
      var differ = false;
      for (var i = s; i < end; i++) {
        if (xa[oa + i] != xb[ob + i]) { differ = true; }
      }
      if (differ) { acc[e - P.groups + g] += wg; }
    }
  }
  let out = (wid.y * tiles + wid.x) * P.k;
  for (var c = 0u; c < P.k; c++) {
    sh[t] = acc[c];
    workgroupBarrier();
    for (var s = 128u; s > 0u; s >>= 1u) {
      if (t < s) { sh[t] += sh[t + s]; }
      workgroupBarrier();
    }
    if (t == 0u) { partial[out + c] = sh[0]; }
    workgroupBarrier();
  }
}
`,
};
