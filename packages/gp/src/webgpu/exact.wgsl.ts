import { ACQUISITION_WGSL } from './common.wgsl.js';
import { DF64_WGSL, KERNEL_DF64_WGSL, TILE_WGSL } from './df64.wgsl.js';
import type { BindingDecl, ShaderDef } from './layout.js';

/*
 * Scoring against a factor computed in f64 (on the CPU, or in df64 on the GPU), in two steps:
 *
 * 1. SCREEN, every candidate: μ = Σ k_i α_i in df64 with k generated on the fly (no m×n
 *    buffer), and an upper bound on the acquisition from μ's rounding bound and a rigorous
 *    upper bound on σ²: for any u, σ² = s² − kᵀK⁻¹k ≤ s² − 2uᵀk + uᵀKu (K⁻¹k maximises the
 *    right-hand side's negative), here with u supported on the Q training points of largest
 *    k_i (u = K_QQ⁻¹k_Q by a df64 Cholesky: the variance given those points alone), plus a
 *    bound on the df64 rounding of that expression. No bound rests on the f32 solve whose error
 *    grows with cond(K).
 * 2. EXACT, the candidates the host lists: μ and σ² = s² − ‖L⁻¹k‖² by a df64 forward
 *    substitution, 8 candidates per workgroup, 32-row blocks through workgroup memory.
 *
 * The host exactly scores candidates in decreasing order of their bound until the k-th exact
 * value exceeds every remaining bound (certify.ts), so the top k equals the f64 one up to
 * df64 rounding. Both read the resident model: `xb` the n training points (vec2f, n×d), `kw`
 * the kernel weights, `alpha` α = K⁻¹y (vec2f), and EXACT also `l` (packed lower L,
 * vec2f, row i at i(i+1)/2) and `dinv` (1/L_ii, vec2f).
 */

/** Training points the screen's variance bound conditions on. */
export const SCREEN_POINTS = 8;
/** Candidates per workgroup of the exact pass (32 rows × 8 candidates = 256 threads). */
export const EXACT_CANDIDATES = 8;

const MODEL_BINDINGS: readonly BindingDecl[] = [
  { name: 'xa', access: 'read', element: 'vec2<f32>' },
  { name: 'xb', access: 'read', element: 'vec2<f32>' },
  { name: 'kw', access: 'read', element: 'vec2<f32>' },
  { name: 'alpha', access: 'read', element: 'vec2<f32>' },
];

/**
 * acq[P.offset + c] ≥ the acquisition of candidate c of the chunk (`xa`, P.chunkLen rows), +∞
 * when its μ is not a number. Dispatch ceil(chunkLen/64).
 */
export const SCREEN: ShaderDef = {
  label: 'webtune-gp/screen',
  bindings: [...MODEL_BINDINGS, { name: 'acq', access: 'rw', element: 'f32' }],
  includes: [DF64_WGSL, KERNEL_DF64_WGSL, ACQUISITION_WGSL],
  main: /* wgsl */ `
const Q = ${SCREEN_POINTS}u;
const U_DF = 3.552713678800501e-15;

/** The acquisition at μ = target − diff, σ = s (both already rounded towards larger values). */
fn acquisition_bound(diff: f32, s: f32, neg_mu: f32) -> f32 {
  if (P.acq == 3u) {
    let u = P.sqrtBeta * s + neg_mu;
    return u + 1e-5 * (P.sqrtBeta * s + abs(neg_mu));
  }
  if (P.acq == 2u && diff >= 0.0) { return 1.0; }
  let z = max(diff / s, -1e18);
  var a = 0.0;
  if (P.acq == 2u) { a = norm_cdf(z); }
  else if (P.acq == 1u) { a = log(s) + log_h(z); }
  else if (z > -1.0) { a = s * (norm_pdf(z) + z * norm_cdf(z)); }
  else { a = s * exp(log_h(z)); }
  return a + 1e-4 * abs(a) + select(1e-30, 1e-4, P.acq == 1u);
}

fn is_nan(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let c = gid.x;
  if (c >= P.chunkLen) { return; }
  let oc = c * P.d;
  var mu = vec2f(0.0);
  var term_sum = 0.0;
  var partial_sum = 0.0;
  var topv: array<f32, Q>;
  var topi: array<u32, Q>;
  var topk: array<vec2f, Q>;
  for (var t = 0u; t < Q; t++) { topv[t] = -1.0; }
  for (var i = 0u; i < P.n; i++) {
    let k = df_kern(df_sqdist(oc, i * P.d));
    let term = df_mul(k, alpha[i]);
    mu = df_add(mu, term);
    term_sum += abs(term.x);
    partial_sum += abs(mu.x);
    if (k.x > topv[Q - 1u]) {
      var p = Q - 1u;
      while (p > 0u && topv[p - 1u] < k.x) {
        topv[p] = topv[p - 1u];
        topi[p] = topi[p - 1u];
        topk[p] = topk[p - 1u];
        p--;
      }
      topv[p] = k.x;
      topi[p] = i;
      topk[p] = k;
    }
  }

  // K_QQ (noise and jitter on the diagonal) and its Cholesky, both packed; stop at the first
  // pivot the CPU would reject (≤ 1e-12 of the diagonal): u lives on the rows before it.
  let s2 = vec2f(P.outputScale, P.outputScaleLo);
  let diag = vec2f(P.diag, P.diagLo);
  let q = min(Q, P.n);
  var kq: array<vec2f, ${(SCREEN_POINTS * (SCREEN_POINTS + 1)) / 2}>;
  var lq: array<vec2f, ${(SCREEN_POINTS * (SCREEN_POINTS + 1)) / 2}>;
  var rows = 0u;
  for (var a = 0u; a < q; a++) {
    let ra = a * (a + 1u) / 2u;
    for (var b = 0u; b < a; b++) {
      kq[ra + b] = df_kern(df_sqdist_bb(topi[a] * P.d, topi[b] * P.d));
    }
    kq[ra + a] = diag;
  }
  for (var a = 0u; a < q; a++) {
    let ra = a * (a + 1u) / 2u;
    for (var b = 0u; b < a; b++) {
      let rb = b * (b + 1u) / 2u;
      var s = kq[ra + b];
      for (var t = 0u; t < b; t++) { s = df_fms(s, lq[ra + t], lq[rb + t]); }
      lq[ra + b] = df_div(s, lq[rb + b]);
    }
    var s = kq[ra + a];
    for (var t = 0u; t < a; t++) { s = df_sub(s, df_sqr(lq[ra + t])); }
    if (!(s.x > 1e-12 * diag.x)) { break; }
    lq[ra + a] = df_sqrt(s);
    rows = a + 1u;
  }
  // u = L⁻ᵀL⁻¹k_Q on those rows, then s² − 2uᵀk + uᵀKu and a bound on its rounding.
  var u: array<vec2f, Q>;
  for (var a = 0u; a < rows; a++) {
    let ra = a * (a + 1u) / 2u;
    var s = topk[a];
    for (var b = 0u; b < a; b++) { s = df_fms(s, lq[ra + b], u[b]); }
    u[a] = df_div(s, lq[ra + a]);
  }
  for (var a = i32(rows) - 1; a >= 0; a--) {
    let ua = u32(a);
    var s = u[ua];
    for (var b = ua + 1u; b < rows; b++) { s = df_fms(s, lq[b * (b + 1u) / 2u + ua], u[b]); }
    u[ua] = df_div(s, lq[ua * (ua + 1u) / 2u + ua]);
  }
  var lin = vec2f(0.0);
  var quad = vec2f(0.0);
  var size = 0.0;
  for (var a = 0u; a < rows; a++) {
    let ra = a * (a + 1u) / 2u;
    let t = df_mul(u[a], topk[a]);
    lin = df_add(lin, t);
    var row = df_mul(kq[ra + a], u[a]);
    var row_abs = abs(row.x);
    for (var b = 0u; b < a; b++) {
      let kb = df_mul(2.0 * kq[ra + b], u[b]);
      row = df_add(row, kb);
      row_abs += abs(kb.x);
    }
    let qa = df_mul(u[a], row);
    quad = df_add(quad, qa);
    size += 2.0 * abs(t.x) + abs(u[a].x) * row_abs;
  }
  let bound = df_add(df_sub(s2, 2.0 * lin), quad);
  var vb = bound.x + abs(bound.y) + 64.0 * U_DF * (size + s2.x);
  vb = min(vb, s2.x * 1.0000003);
  vb = max(vb * 1.0000003, P.varianceFloor * s2.x);

  let diff = df_sub(vec2f(P.incumbent, P.incumbentLo), mu);
  let emu = U_DF * (2.0 * partial_sum + 24.0 * term_sum);
  var diff_up = diff.x + abs(diff.y) + emu;
  diff_up += abs(diff_up) * 2.4e-7;
  var neg_mu = -mu.x + abs(mu.y) + emu;
  neg_mu += abs(neg_mu) * 2.4e-7;
  var bound_acq = acquisition_bound(diff_up, sqrt(vb) * 1.0000003, neg_mu);
  // +∞ by its bits, from a runtime value: a constant expression may not be infinite.
  if (is_nan(mu.x) || is_nan(bound_acq)) { bound_acq = bitcast<f32>(0x7f800000u | (P.n & 0u)); }
  acq[P.offset + c] = bound_acq;
}
`,
};

/**
 * For candidate c < P.count of `xa`: outp[c] = (μ, s² − ‖L⁻¹k‖²) in df64 (the host floors the
 * variance). Workgroup w takes candidates 8w…8w+7, thread t row t % 32 of each 32-row block and
 * candidate t / 32: per block, T = k_B − L[B, 0:r0]·v[0:r0] through 32×32 tiles of L in
 * workgroup memory (rows padded to 33 entries: no bank conflicts on the row-wise reads), then
 * the block's forward substitution, one row per step, 32 threads per candidate. v is kept in
 * `v` (nPad per candidate, P.nPad a multiple of 32). Dispatch ceil(count/8).
 */
export const EXACT: ShaderDef = {
  label: 'webtune-gp/exact',
  bindings: [
    ...MODEL_BINDINGS,
    { name: 'l', access: 'read', element: 'vec2<f32>' },
    { name: 'dinv', access: 'read', element: 'vec2<f32>' },
    { name: 'v', access: 'rw', element: 'vec2<f32>' },
    { name: 'outp', access: 'rw', element: 'vec4<f32>' },
  ],
  includes: [DF64_WGSL, KERNEL_DF64_WGSL, TILE_WGSL],
  main: /* wgsl */ `
const C = ${EXACT_CANDIDATES}u;
var<workgroup> lt: array<vec2f, 1024>;
var<workgroup> vt: array<vec2f, ${EXACT_CANDIDATES * 33}>;
var<workgroup> tt: array<vec2f, ${EXACT_CANDIDATES * 33}>;

/** Σ over the 32 threads of this thread's candidate, through lt (free once the blocks are done). */
fn reduce32(t: u32, r: u32, v: vec2f) -> vec2f {
  lt[t] = v;
  workgroupBarrier();
  for (var s = 16u; s > 0u; s >>= 1u) {
    if (r < s) { lt[t] = df_add(lt[t], lt[t + s]); }
    workgroupBarrier();
  }
  let total = lt[t - r];
  workgroupBarrier();
  return total;
}

fn row_offset(i: u32) -> u32 { return i * (i + 1u) / 2u; }

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) t: u32, @builtin(workgroup_id) wid: vec3u) {
  let r = t % 32u;
  let c = t / 32u;
  let cand = wid.x * C + c;
  let valid = cand < P.count;
  let oc = min(cand, P.count - 1u) * P.d;
  let vbase = cand * P.nPad;
  var mu = vec2f(0.0);
  var q = vec2f(0.0);
  let blocks = (P.n + 31u) / 32u;
  for (var b = 0u; b < blocks; b++) {
    let r0 = b * 32u;
    let row = r0 + r;
    var k = vec2f(0.0);
    if (row < P.n && valid) {
      k = df_kern(df_sqdist(oc, row * P.d));
      mu = df_add(mu, df_mul(k, alpha[row]));
    }
    var acc = vec2f(0.0);
    for (var j0 = 0u; j0 < r0; j0 += 32u) {
      for (var e = t; e < 1024u; e += 256u) {
        let rr = e / 32u;
        let g = min(r0 + rr, P.n - 1u);
        lt[sw(rr, e % 32u)] = l[row_offset(g) + j0 + e % 32u];
      }
      vt[c * 33u + r] = v[vbase + j0 + r];
      workgroupBarrier();
      for (var p = 0u; p < 32u; p++) { acc = df_add(acc, df_mul(lt[sw(r, p)], vt[c * 33u + p])); }
      workgroupBarrier();
    }
    tt[c * 33u + r] = df_sub(k, acc);
    for (var e = t; e < 1024u; e += 256u) {
      let rr = e / 32u;
      let cc = e % 32u;
      let g = min(r0 + rr, P.n - 1u);
      lt[sw(rr, cc)] = select(vec2f(0.0), l[row_offset(g) + min(r0 + min(cc, rr), g)], cc <= rr && r0 + rr < P.n);
    }
    workgroupBarrier();
    for (var i = 0u; i < 32u; i++) {
      let vi = select(vec2f(0.0), df_mul(tt[c * 33u + i], dinv[min(r0 + i, P.n - 1u)]), r0 + i < P.n);
      if (r > i) { tt[c * 33u + r] = df_fms(tt[c * 33u + r], lt[sw(r, i)], vi); }
      if (r == i) {
        v[vbase + row] = vi;
        q = df_add(q, df_sqr(vi));
      }
      workgroupBarrier();
    }
    storageBarrier();
  }
  let mu_all = reduce32(t, r, mu);
  let q_all = reduce32(t, r, q);
  if (r == 0u && valid) {
    outp[cand] = vec4f(mu_all, df_sub(vec2f(P.outputScale, P.outputScaleLo), q_all));
  }
}
`,
};
