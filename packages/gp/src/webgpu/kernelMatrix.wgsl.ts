import { KERNEL_WGSL } from './common.wgsl.js';
import type { ShaderDef } from './layout.js';

/**
 * K (nPad×nPad, row-major) of the n training points with noise + jitter on the diagonal; the
 * padding rows/columns n..nPad are the identity so the padded matrix stays positive definite
 * and its factor's padding is the identity too. Dispatch (nPad/16, nPad/16).
 */
export const KERNEL_MATRIX: ShaderDef = {
  label: 'webtune-gp/kernel-matrix',
  bindings: [
    { name: 'xa', access: 'read', element: 'f32' },
    { name: 'xb', access: 'read', element: 'f32' },
    { name: 'kp', access: 'read', element: 'f32' },
    { name: 'outm', access: 'rw', element: 'f32' },
  ],
  includes: [KERNEL_WGSL],
  main: /* wgsl */ `
@compute @workgroup_size(16, 16)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y;
  let j = gid.x;
  if (i >= P.nPad || j >= P.nPad) { return; }
  var v = 0.0;
  if (i < P.n && j < P.n) {
    if (i == j) {
      v = P.outputScale + P.noise + P.jitter;
    } else {
      v = kern(sqdist(i * P.d, j * P.d));
    }
  } else if (i == j) {
    v = 1.0;
  }
  outm[i * P.nPad + j] = v;
}
`,
};

/**
 * Transposed cross-covariance KsT (nPad×chunkPad, row-major): KsT[i, c] = k(x_i, xc_c) for the
 * chunkLen candidates of this chunk (xa = the chunk's candidates, xb = training points), zero in
 * the padding. Transposed so the posterior GEMM and the mean read it coalesced along c.
 * Dispatch (chunkPad/16, nPad/16).
 */
export const CROSS_COVARIANCE: ShaderDef = {
  label: 'webtune-gp/cross-covariance',
  bindings: [
    { name: 'xa', access: 'read', element: 'f32' },
    { name: 'xb', access: 'read', element: 'f32' },
    { name: 'kp', access: 'read', element: 'f32' },
    { name: 'kst', access: 'rw', element: 'f32' },
  ],
  includes: [KERNEL_WGSL],
  main: /* wgsl */ `
@compute @workgroup_size(16, 16)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let c = gid.x;
  let i = gid.y;
  if (c >= P.chunkPad || i >= P.nPad) { return; }
  var v = 0.0;
  if (c < P.chunkLen && i < P.n) { v = kern(sqdist(c * P.d, i * P.d)); }
  kst[i * P.chunkPad + c] = v;
}
`,
};
