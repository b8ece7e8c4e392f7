import { createSpace } from './space.js';
import type {
  CategoricalParamJSON,
  Condition,
  Config,
  FloatParamJSON,
  IntParamJSON,
  ParamValue,
  RandomSource,
  Space,
  SpaceJSON,
} from './types.js';

/** Options of {@link float}. */
export interface FloatOptions {
  /** Sample and encode on a log scale (needs low > 0). Default false. */
  log?: boolean;
  /** Restrict values to low + k·step; must divide high − low; not with log. Default: continuous. */
  step?: number;
  /** Active only when the named parameters take one of the listed values. */
  when?: Condition;
}

/** Options of {@link int}. */
export interface IntOptions {
  /** Sample and encode on a log scale (needs low ≥ 1 and step 1). Default false. */
  log?: boolean;
  /** Values are low + k·step; must divide high − low. Default 1. */
  step?: number;
  when?: Condition;
}

/** The config value type of one parameter definition. */
export type ValueOf<P> = P extends { type: 'categorical'; choices: readonly (infer V)[] }
  ? V
  : number;

type ConditionalKeys<D> = {
  [K in keyof D]: D[K] extends { when: Condition } ? K : never;
}[keyof D];

/** The configuration type of a space definition: conditional parameters are optional. */
export type ConfigOf<D extends SpaceJSON> = {
  [K in Exclude<keyof D, ConditionalKeys<D>>]: ValueOf<D[K]>;
} & { [K in ConditionalKeys<D>]?: ValueOf<D[K]> };

/** A `Space` whose configurations have the static type `C` (what {@link space} returns). */
export interface TypedSpace<C extends Config> extends Space {
  decode(point: ArrayLike<number>): C;
  enumerate(): C[];
  grid(options?: { resolution?: number | Record<string, number> }): C[];
  sample(rng: RandomSource): C;
  encode(config: C): Float64Array;
  contains(config: Config): config is C;
  key(config: C): string;
}

/** A float parameter in [low, high] (`low == high` fixes the value). */
export function float(
  low: number,
  high: number,
  options: FloatOptions & { when: Condition },
): FloatParamJSON & { when: Condition };
export function float(low: number, high: number, options?: FloatOptions): FloatParamJSON;
export function float(low: number, high: number, options: FloatOptions = {}): FloatParamJSON {
  return { ...options, type: 'float', low, high };
}

/** An integer parameter in [low, high] (inclusive). */
export function int(
  low: number,
  high: number,
  options: IntOptions & { when: Condition },
): IntParamJSON & { when: Condition };
export function int(low: number, high: number, options?: IntOptions): IntParamJSON;
export function int(low: number, high: number, options: IntOptions = {}): IntParamJSON {
  return { ...options, type: 'int', low, high };
}

/** A categorical parameter over `choices` (strings, finite numbers, booleans; unordered). */
export function categorical<const C extends readonly ParamValue[]>(
  choices: C,
  options: { when: Condition },
): CategoricalParamJSON & { choices: C; when: Condition };
export function categorical<const C extends readonly ParamValue[]>(
  choices: C,
  options?: { when?: Condition },
): CategoricalParamJSON & { choices: C };
export function categorical(
  choices: readonly ParamValue[],
  options: { when?: Condition } = {},
): CategoricalParamJSON {
  return { ...options, type: 'categorical', choices };
}

/**
 * Builds a validated space from parameter definitions, typed:
 * `space({ lr: float(1e-4, 1, { log: true }), batch: categorical([32, 64]) })` decodes to
 * `{ lr: number; batch: 32 | 64 }`. Same validation and semantics as `createSpace`.
 */
export function space<const D extends SpaceJSON>(definitions: D): TypedSpace<ConfigOf<D>> {
  return createSpace(definitions) as TypedSpace<ConfigOf<D>>;
}
