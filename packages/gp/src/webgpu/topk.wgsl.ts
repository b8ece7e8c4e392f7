import type { ShaderDef } from './layout.js';

/** Items each of the 256 threads holds: a workgroup reduces a segment of 4096 values. */
export const TOPK_SEGMENT = 256 * 16;

/**
 * One pass of the top-k reduction: workgroup w takes values [w·4096, (w+1)·4096) of `vin` (their
 * indices from `iin` when P.hasIndex, else their positions) and writes its k best, best first, to
 * vout/iout[w·k ..]. k rounds of a shared-memory argmax; ties go to the smaller index, so the
 * result equals a stable sort's. NaN and −∞ count as the lowest
 * f32, which the host reads back as −∞. The host repeats passes until one workgroup remains.
 */
export const TOPK: ShaderDef = {
  label: 'webtune-gp/top-k',
  bindings: [
    { name: 'vin', access: 'read', element: 'f32' },
    { name: 'iin', access: 'read', element: 'u32' },
    { name: 'vout', access: 'rw', element: 'f32' },
    { name: 'iout', access: 'rw', element: 'u32' },
  ],
  includes: [],
  main: /* wgsl */ `
const NONE = 0xffffffffu;
const LOWEST = -3.4028234e38;
var<workgroup> sv: array<f32, 256>;
var<workgroup> si: array<u32, 256>;

fn better(a: f32, ia: u32, b: f32, ib: u32) -> bool {
  return a > b || (a == b && ia < ib);
}

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) t: u32, @builtin(workgroup_id) wid: vec3u) {
  let base = wid.x * 4096u;
  var v: array<f32, 16>;
  var id: array<u32, 16>;
  for (var q = 0u; q < 16u; q++) {
    let p = base + q * 256u + t;
    if (p < P.count) {
      // NaN and −∞ (by bit pattern: the compiler may assume floats are finite) rank as LOWEST,
      // so they stay selectable with their own index, as the CPU ranks NaN as −∞.
      let bits = bitcast<u32>(vin[p]);
      let bad = (bits & 0x7fffffffu) > 0x7f800000u || bits == 0xff800000u;
      v[q] = select(vin[p], LOWEST, bad);
      id[q] = select(p, iin[p], P.hasIndex == 1u);
    } else {
      v[q] = LOWEST;
      id[q] = NONE;
    }
  }
  for (var r = 0u; r < P.k; r++) {
    var bv = LOWEST;
    var bi = NONE;
    var bq = 0u;
    for (var q = 0u; q < 16u; q++) {
      if (better(v[q], id[q], bv, bi)) { bv = v[q]; bi = id[q]; bq = q; }
    }
    sv[t] = bv;
    si[t] = bi;
    workgroupBarrier();
    for (var s = 128u; s > 0u; s >>= 1u) {
      if (t < s && better(sv[t + s], si[t + s], sv[t], si[t])) {
        sv[t] = sv[t + s];
        si[t] = si[t + s];
      }
      workgroupBarrier();
    }
    let winner = si[0];
    if (t == 0u) {
      vout[wid.x * P.k + r] = sv[0];
      iout[wid.x * P.k + r] = winner;
    }
    if (bi == winner && winner != NONE) {
      v[bq] = LOWEST;
      id[bq] = NONE;
    }
    workgroupBarrier();
  }
}
`,
};
