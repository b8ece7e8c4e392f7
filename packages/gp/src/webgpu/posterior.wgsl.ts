import { ACQUISITION_WGSL } from './common.wgsl.js';
import type { ShaderDef } from './layout.js';

/**
 * The variance's heavy part as a tiled GEMM with the precomputed X = L⁻¹:
 *   partial[rb, c] = Σ_{r in row block rb} (Σ_{i ≤ r} X[r, i]·KsT[i, c])²
 * so that ‖L⁻¹k_c‖² = Σ_rb partial[rb, c]. One workgroup per 64×64 output tile (16×16 threads,
 * 4 rows × one vec4 of columns each), K-steps of 16 through shared memory, stopping at the tile's diagonal because X is
 * lower-triangular. Accumulators are vec4 registers (no dynamically indexed private arrays,
 * which SwiftShader and some drivers spill to memory). The squares are summed inside the tile, so V = L⁻¹K*ᵀ (n×m) is never
 * written. Dispatch (chunkPad/64, nPad/64); partial is (nPad/64)×chunkPad.
 */
export const POSTERIOR_GEMM: ShaderDef = {
  label: 'webtune-gp/posterior-gemm',
  bindings: [
    { name: 'x', access: 'read', element: 'f32' },
    { name: 'kst', access: 'read', element: 'vec4<f32>' },
    { name: 'partial', access: 'rw', element: 'vec4<f32>' },
  ],
  includes: [],
  main: /* wgsl */ `
var<workgroup> as_: array<f32, 1024>;
var<workgroup> bs: array<vec4f, 256>;
var<workgroup> red: array<vec4f, 256>;

@compute @workgroup_size(16, 16)
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let t = lid.y * 16u + lid.x;
  let r0 = wid.y * 64u;
  let c4 = wid.x * 16u;
  let q4 = P.chunkPad / 4u;
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  let ar = lid.y * 64u;
  for (var k0 = 0u; k0 < r0 + 64u; k0 += 16u) {
    // as_[r][p] = X[r0 + r, k0 + p] (64×16); bs[p][j] = KsT[k0 + p, 4(c4 + j) .. +4] (16×16 vec4)
    for (var e = t; e < 1024u; e += 256u) {
      as_[e] = x[(r0 + e / 16u) * P.nPad + k0 + e % 16u];
    }
    bs[t] = kst[(k0 + t / 16u) * q4 + c4 + t % 16u];
    workgroupBarrier();
    for (var p = 0u; p < 16u; p++) {
      let b = bs[p * 16u + lid.x];
      acc0 += as_[ar + p] * b;
      acc1 += as_[ar + 16u + p] * b;
      acc2 += as_[ar + 32u + p] * b;
      acc3 += as_[ar + 48u + p] * b;
    }
    workgroupBarrier();
  }
  red[t] = acc0 * acc0 + acc1 * acc1 + acc2 * acc2 + acc3 * acc3;
  workgroupBarrier();
  if (t < 16u) {
    var s = vec4f(0.0);
    for (var y = 0u; y < 16u; y++) { s += red[y * 16u + t]; }
    partial[wid.y * q4 + c4 + t] = s;
  }
}
`,
};

/**
 * Per candidate c of the chunk: μ = Σ_i KsT[i, c]·α_i, σ² = max(s² − Σ_rb partial[rb, c],
 * floor·s²), and the acquisition; written at offset + c of mean, variance, acq (m each).
 * Dispatch ceil(chunkLen/256).
 */
export const POSTERIOR_REDUCE: ShaderDef = {
  label: 'webtune-gp/posterior-reduce',
  bindings: [
    { name: 'kst', access: 'read', element: 'f32' },
    { name: 'partial', access: 'read', element: 'f32' },
    { name: 'alpha', access: 'read', element: 'f32' },
    { name: 'mean', access: 'rw', element: 'f32' },
    { name: 'variance', access: 'rw', element: 'f32' },
    { name: 'acq', access: 'rw', element: 'f32' },
  ],
  includes: [ACQUISITION_WGSL],
  main: /* wgsl */ `
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let c = gid.x;
  if (c >= P.chunkLen) { return; }
  var mu = 0.0;
  for (var i = 0u; i < P.n; i++) { mu += kst[i * P.chunkPad + c] * alpha[i]; }
  var q = 0.0;
  let blocks = P.nPad / 64u;
  for (var b = 0u; b < blocks; b++) { q += partial[b * P.chunkPad + c]; }
  let v = max(P.outputScale - q, P.varianceFloor * P.outputScale);
  mean[P.offset + c] = mu;
  variance[P.offset + c] = v;
  acq[P.offset + c] = acquisition(mu, v);
}
`,
};
