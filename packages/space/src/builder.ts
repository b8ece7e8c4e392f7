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

/**
 * A conditional float parameter in [low, high]: active only when `options.when` holds, so it is
 * optional in the configuration type of a {@link space} (`number | undefined`).
 */
export function float(
  low: number,
  high: number,
  options: FloatOptions & { when: Condition },
): FloatParamJSON & { when: Condition };
/**
 * A float parameter in [low, high] (`low == high` fixes the value); `log` samples and encodes on a
 * log scale, `step` restricts it to low + k·step. A `number` in the configuration type.
 */
export function float(low: number, high: number, options?: FloatOptions): FloatParamJSON;
export function float(low: number, high: number, options: FloatOptions = {}): FloatParamJSON {
  return { ...options, type: 'float', low, high };
}

/**
 * A conditional integer parameter in [low, high] (inclusive): active only when `options.when`
 * holds, so it is optional in the configuration type of a {@link space}.
 */
export function int(
  low: number,
  high: number,
  options: IntOptions & { when: Condition },
): IntParamJSON & { when: Condition };
/** An integer parameter in [low, high] (inclusive); a `number` in the configuration type. */
export function int(low: number, high: number, options?: IntOptions): IntParamJSON;
export function int(low: number, high: number, options: IntOptions = {}): IntParamJSON {
  return { ...options, type: 'int', low, high };
}

/**
 * A conditional categorical parameter: active only when `options.when` holds, so it is optional in
 * the configuration type of a {@link space}; its type is the union of `choices`.
 */
export function categorical<const C extends readonly ParamValue[]>(
  choices: C,
  options: { when: Condition },
): CategoricalParamJSON & { choices: C; when: Condition };
/**
 * A categorical parameter over `choices` (strings, finite numbers, booleans; unordered); in the
 * configuration type, the union of the choices (`categorical(['adam', 'sgd'])`: `'adam' | 'sgd'`).
 */
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
