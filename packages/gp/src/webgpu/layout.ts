/// <reference types="@webgpu/types" preserve="true" />

/*
 * The one uniform struct every GP shader reads, and the binding declarations that generate both
 * the WGSL `var` lines and the GPUBindGroupLayout entries, so a layout is written once.
 * Usage flags are numeric here because Node's `webgpu` package does not install the
 * GPUBufferUsage / GPUShaderStage / GPUMapMode globals unless asked to (a global side effect).
 */

export const USAGE = {
  MAP_READ: 0x0001,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
} as const;
export const SHADER_STAGE_COMPUTE = 0x4;
export const MAP_MODE_READ = 0x0001;

type Scalar = 'u32' | 'f32';

/** Fields of `Params`, in declaration order; every field is 4 bytes. */
const PARAM_FIELDS = {
  n: 'u32',
  nPad: 'u32',
  d: 'u32',
  groups: 'u32',
  kind: 'u32',
  step: 'u32',
  count: 'u32',
  k: 'u32',
  hasIndex: 'u32',
  chunkLen: 'u32',
  chunkPad: 'u32',
  offset: 'u32',
  acq: 'u32',
  outputScale: 'f32',
  noise: 'f32',
  jitter: 'f32',
  incumbent: 'f32',
  sqrtBeta: 'f32',
  varianceFloor: 'f32',
  outputScaleLo: 'f32',
  diag: 'f32',
  diagLo: 'f32',
  incumbentLo: 'f32',
  /** Always 0: df64 code adds it to its constants so compilers cannot fold them (df64.wgsl.ts). */
  zero: 'f32',
} as const satisfies Record<string, Scalar>;

export type ParamName = keyof typeof PARAM_FIELDS;
export type ParamValues = Partial<Record<ParamName, number>>;

const PARAM_NAMES = Object.keys(PARAM_FIELDS) as ParamName[];
/** Byte size of `Params` (WGSL rounds a uniform struct up to 16 bytes). */
export const PARAMS_SIZE = Math.ceil((PARAM_NAMES.length * 4) / 16) * 16;
/** Stride between `Params` slots in the uniform ring (minUniformBufferOffsetAlignment ≤ 256). */
export const PARAMS_STRIDE = 256;

export const PARAMS_WGSL = `struct Params {\n${PARAM_NAMES.map((f) => `  ${f}: ${PARAM_FIELDS[f]},`).join('\n')}\n}`;

/** Writes one `Params` slot at byte `offset` of `view`; absent fields are 0. */
export function packParams(view: DataView, offset: number, values: ParamValues): void {
  PARAM_NAMES.forEach((name, i) => {
    const v = values[name] ?? 0;
    if (PARAM_FIELDS[name] === 'u32') view.setUint32(offset + 4 * i, v, true);
    else view.setFloat32(offset + 4 * i, v, true);
  });
}

/** `read`: read-only storage, `rw`: read-write storage. */
export interface BindingDecl {
  readonly name: string;
  readonly access: 'read' | 'rw';
  /** WGSL element type of the runtime-sized array. */
  readonly element: 'f32' | 'u32' | 'vec2<f32>' | 'vec4<f32>';
}

/**
 * Binding 0 is always `P: Params` (uniform, dynamic offset); the storage bindings follow in
 * list order, numbered from 1.
 */
export function bindingsWgsl(list: readonly BindingDecl[]): string {
  const lines = ['@group(0) @binding(0) var<uniform> P: Params;'];
  list.forEach((b, i) => {
    const space = b.access === 'read' ? 'storage, read' : 'storage, read_write';
    lines.push(`@group(0) @binding(${i + 1}) var<${space}> ${b.name}: array<${b.element}>;`);
  });
  return lines.join('\n');
}

export function bindGroupLayoutEntries(list: readonly BindingDecl[]): GPUBindGroupLayoutEntry[] {
  const entries: GPUBindGroupLayoutEntry[] = [
    {
      binding: 0,
      visibility: SHADER_STAGE_COMPUTE,
      buffer: { type: 'uniform', hasDynamicOffset: true, minBindingSize: PARAMS_SIZE },
    },
  ];
  list.forEach((b, i) => {
    entries.push({
      binding: i + 1,
      visibility: SHADER_STAGE_COMPUTE,
      buffer: { type: b.access === 'read' ? 'read-only-storage' : 'storage' },
    });
  });
  return entries;
}

/** A compute shader: its storage bindings and its WGSL, composed from explicit parts. */
export interface ShaderDef {
  readonly label: string;
  readonly bindings: readonly BindingDecl[];
  /** WGSL function libraries this shader uses, in order (see common.wgsl.ts). */
  readonly includes: readonly string[];
  /** WGSL: workgroup variables and the `main` entry point. */
  readonly main: string;
}

export function shaderSource(def: ShaderDef): string {
  return [PARAMS_WGSL, bindingsWgsl(def.bindings), ...def.includes, def.main].join('\n\n');
}
