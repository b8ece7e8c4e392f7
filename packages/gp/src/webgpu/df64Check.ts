/// <reference types="@webgpu/types" preserve="true" />
import { kernelFromR2 } from '../kernel.js';
import { mulberry32 } from '../random.js';
import { add, type Df, mul, split, twoProd } from './df64.js';
import { DF64_WGSL, KERNEL_DF64_WGSL } from './df64.wgsl.js';
import {
  MAP_MODE_READ,
  PARAMS_SIZE,
  PARAMS_STRIDE,
  packParams,
  type ShaderDef,
  USAGE,
} from './layout.js';
import { getPipeline, setFusedMultiplyAdd } from './pipelines.js';

/** What {@link checkDf64} found on a device. */
export interface Df64Check {
  /** The device's fma is fused (one rounding), so two-product uses it (DF_FMA). */
  fma: boolean;
  /** df64 arithmetic on the device matches the host: exact transforms bit for bit, the rest within 16u. */
  ok: boolean;
  /** The first mismatch, when not ok. */
  failure?: string;
  /** Largest relative errors measured on the device, by operation. */
  errors: Record<string, number>;
}

/**
 * Per input i: (a, b) df64, e an exp argument, (x, y) f32 for the fma probe, r² ≥ 0 for the
 * kernels. The constant-operand add is what the library does with its own constants: a compiler
 * that folds through them fails it.
 */
function checkShader(library: string): ShaderDef {
  return {
    label: 'webtune-gp/df64-check',
    bindings: [
      { name: 'inp', access: 'read', element: 'vec4<f32>' },
      { name: 'outp', access: 'rw', element: 'vec4<f32>' },
      { name: 'xa', access: 'read', element: 'vec2<f32>' },
      { name: 'xb', access: 'read', element: 'vec2<f32>' },
      { name: 'kw', access: 'read', element: 'vec2<f32>' },
    ],
    includes: [library, KERNEL_DF64_WGSL],
    main: /* wgsl */ `
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= P.count) { return; }
  let v = inp[3u * i];
  let w = inp[3u * i + 1u];
  let z = inp[3u * i + 2u];
  let a = v.xy;
  let b = v.zw;
  let e = w.xy;
  let fused = fma(w.z, w.w, -(w.z * w.w));
  let o = 5u * i;
  outp[o] = vec4f(df_add(a, b), df_mul(a, b));
  outp[o + 1u] = vec4f(df_div(a, b), df_sqrt(select(a, -a, a.x < 0.0)));
  outp[o + 2u] = vec4f(df_exp(e), df_two_prod(a.x, b.x));
  outp[o + 3u] = vec4f(df_add(vec2f(df_c(1.0), 0.0), a), df_kern(z.xy));
  outp[o + 4u] = vec4f(fused, 0.0, 0.0, 0.0);
}
`,
  };
}

const CHECK = checkShader(DF64_WGSL);

/** Inputs of the check (12 f32 each, see CHECK): mixed signs and exponents, e ∈ [−87, 0]. */
export function df64CheckInputs(count: number, seed = 1): Float32Array {
  const rand = mulberry32(seed);
  const inp = new Float32Array(count * 12);
  for (let i = 0; i < count; i++) {
    const a = (rand() - 0.5) * 2 ** (rand() * 40 - 20);
    const b = (rand() - 0.5) * 2 ** (rand() * 40 - 20) || 1;
    const e = -87 * rand() ** 2;
    const r2 = 40 * rand() ** 3;
    inp.set(
      [
        ...split(a),
        ...split(b),
        ...split(e),
        Math.fround(1 + rand()),
        Math.fround(1 + rand() / 3),
        ...split(r2),
        0,
        0,
      ],
      12 * i,
    );
  }
  return inp;
}

/**
 * Runs the df64 library on `device` over `count` inputs and compares with the host: add, mul,
 * two-product and an add with a constant operand bit for bit with the emulation in df64.ts (a
 * compiler that reassociates or contracts the error-free transforms fails here); div, sqrt, exp
 * and the Matérn-5/2 and RBF kernels within 32u = 1.1e-13 relative of the f64 values. Also
 * finds whether fma is fused; the check runs with DF_FMA set accordingly.
 */
export async function checkDf64(
  device: GPUDevice,
  count = 512,
  /** The df64 library to check (tests pass broken variants). */
  library = DF64_WGSL,
): Promise<Df64Check> {
  const def = library === DF64_WGSL ? CHECK : checkShader(library);
  const inp = df64CheckInputs(count);
  setFusedMultiplyAdd(device, false);
  const first = await run(device, def, inp);
  const fma = verifyFma(inp, first.matern);
  if (!fma) return { fma, ...compare(inp, first) };
  setFusedMultiplyAdd(device, true);
  return { fma, ...compare(inp, await run(device, def, inp)) };
}

interface Output {
  /** The outputs with P.kind = 0 (Matérn-5/2). */
  matern: Float32Array;
  /** With P.kind = 1 (RBF). */
  rbf: Float32Array;
}

async function run(device: GPUDevice, def: ShaderDef, inp: Float32Array): Promise<Output> {
  const count = inp.length / 12;
  const { pipeline, layout } = getPipeline(device, def);
  const buffers: GPUBuffer[] = [];
  const make = (size: number, usage: number) => {
    const b = device.createBuffer({ size: Math.max(16, size), usage });
    buffers.push(b);
    return b;
  };
  const src = make(inp.byteLength, USAGE.STORAGE | USAGE.COPY_DST);
  device.queue.writeBuffer(src, 0, inp.buffer, inp.byteOffset, inp.byteLength);
  const dummy = make(16, USAGE.STORAGE);
  const bytes = count * 80;
  const uniforms = make(2 * PARAMS_STRIDE, USAGE.UNIFORM | USAGE.COPY_DST);
  const view = new DataView(new ArrayBuffer(2 * PARAMS_STRIDE));
  packParams(view, 0, { count, kind: 0, outputScale: 1 });
  packParams(view, PARAMS_STRIDE, { count, kind: 1, outputScale: 1 });
  device.queue.writeBuffer(uniforms, 0, view.buffer);
  const outs = [0, 1].map(() => make(bytes, USAGE.STORAGE | USAGE.COPY_SRC));
  const read = make(2 * bytes, USAGE.MAP_READ | USAGE.COPY_DST);
  const encoder = device.createCommandEncoder();
  outs.forEach((out, kind) => {
    const group = device.createBindGroup({
      layout,
      entries: [
        { binding: 0, resource: { buffer: uniforms, size: PARAMS_SIZE } },
        ...[src, out, dummy, dummy, dummy].map((buffer, i) => ({
          binding: i + 1,
          resource: { buffer },
        })),
      ],
    });
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group, [kind * PARAMS_STRIDE]);
    pass.dispatchWorkgroups(Math.ceil(count / 64));
    pass.end();
    encoder.copyBufferToBuffer(out, 0, read, kind * bytes, bytes);
  });
  device.queue.submit([encoder.finish()]);
  await read.mapAsync(MAP_MODE_READ);
  const all = read.getMappedRange().slice(0);
  read.unmap();
  for (const b of buffers) b.destroy();
  return {
    matern: new Float32Array(all, 0, count * 20),
    rbf: new Float32Array(all, bytes, count * 20),
  };
}

function verifyFma(inp: Float32Array, out: Float32Array): boolean {
  for (let i = 0; i < inp.length / 12; i++) {
    const x = inp[12 * i + 6]!;
    const y = inp[12 * i + 7]!;
    if (out[20 * i + 16] !== Math.fround(x * y - Math.fround(x * y))) return false;
  }
  return true;
}

function compare(inp: Float32Array, out: Output): Omit<Df64Check, 'fma'> {
  const errors: Record<string, number> = {
    add: 0,
    mul: 0,
    div: 0,
    sqrt: 0,
    exp: 0,
    matern52: 0,
    rbf: 0,
  };
  const u = 2 ** -48;
  let failure: string | undefined;
  const fail = (msg: string) => {
    failure ??= msg;
  };
  /** Relative error, below `tiny` relative to `tiny` (subnormal low parts may be flushed). */
  const rel = (name: string, got: number, want: number, i: number, tol = 32 * u, tiny = 0) => {
    const err = got === want ? 0 : Math.abs(got - want) / Math.max(Math.abs(want), tiny);
    errors[name] = Math.max(errors[name]!, err);
    if (!(err <= tol)) fail(`${name}: relative error ${err} at input ${i} (${got} vs ${want})`);
  };
  const o = out.matern;
  for (let i = 0; i < inp.length / 12; i++) {
    const at = 12 * i;
    const a: Df = [inp[at]!, inp[at + 1]!];
    const b: Df = [inp[at + 2]!, inp[at + 3]!];
    const e = inp[at + 4]! + inp[at + 5]!;
    const r2 = inp[at + 8]! + inp[at + 9]!;
    const q = 20 * i;
    const same = (name: string, got: number[], want: number[]) => {
      if (got[0] !== want[0] || got[1] !== want[1]) {
        fail(`${name}: (${got}) differs bit for bit from the host's (${want}) at input ${i}`);
      }
    };
    same('add', [o[q]!, o[q + 1]!], add(a, b));
    same('mul', [o[q + 2]!, o[q + 3]!], mul(a, b));
    same('two-product', [o[q + 10]!, o[q + 11]!], twoProd(a[0], b[0]));
    same('add of a constant', [o[q + 12]!, o[q + 13]!], add([1, 0], a));
    const av = a[0] + a[1];
    const bv = b[0] + b[1];
    rel('add', o[q]! + o[q + 1]!, av + bv, i);
    rel('mul', o[q + 2]! + o[q + 3]!, av * bv, i);
    rel('div', o[q + 4]! + o[q + 5]!, av / bv, i);
    rel('sqrt', o[q + 6]! + o[q + 7]!, Math.sqrt(Math.abs(av)), i);
    rel('exp', o[q + 8]! + o[q + 9]!, Math.exp(e), i, 32 * u, 1e-35 / (32 * u));
    rel('matern52', o[q + 14]! + o[q + 15]!, kernelFromR2('matern52', 1, r2), i, 32 * u, 1e-30);
    const r = out.rbf;
    rel('rbf', r[q + 14]! + r[q + 15]!, kernelFromR2('rbf', 1, r2), i, 32 * u, 1e-30);
  }
  return failure === undefined ? { ok: true, errors } : { ok: false, failure, errors };
}
