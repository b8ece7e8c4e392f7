/** A value a parameter can take in a configuration. */
export type ParamValue = number | string | boolean;

/** A configuration: parameter name → value. Only the parameters active under the configuration are present. */
export type Config = Record<string, ParamValue>;

/**
 * A condition on other parameters: the parameter carrying it is active only when every named
 * parent is itself active and takes one of the listed values (AND across keys, OR within a list).
 */
export type Condition = Record<string, readonly ParamValue[]>;

/** A float parameter in [low, high] (canonical JSON form; built by `float()`). */
export interface FloatParamJSON {
  type: 'float';
  low: number;
  high: number;
  /** Sample and encode on a log scale; needs low > 0. */
  log?: boolean;
  /** Values are low + k·step; (high − low) must be a multiple of step. Not with log. */
  step?: number;
  when?: Condition;
}

/** An integer parameter in [low, high], inclusive (canonical JSON form; built by `int()`). */
export interface IntParamJSON {
  type: 'int';
  low: number;
  high: number;
  log?: boolean;
  /** Default 1. */
  step?: number;
  when?: Condition;
}

/** A categorical parameter over unordered `choices` (canonical JSON form; built by `categorical()`). */
export interface CategoricalParamJSON {
  type: 'categorical';
  choices: readonly ParamValue[];
  when?: Condition;
}

/** One parameter's definition in a {@link SpaceJSON}. */
export type ParamJSON = FloatParamJSON | IntParamJSON | CategoricalParamJSON;

/** The canonical JSON form of a search space: parameter name → definition, in declaration order. */
export type SpaceJSON = Record<string, ParamJSON>;

/** The random source every sampling function takes: uniform in [0, 1). */
export interface RandomSource {
  /** A uniform draw in [0, 1). */
  random(): number;
}

/**
 * How one dimension of the unit-cube encoding maps back to a parameter.
 * - `continuous`: a float without step (log-warped where the parameter is log).
 * - `discrete`: an int, or a float with step; the cube value is snapped on decode.
 * - `categorical`: one dimension of a one-hot block.
 */
export interface EncodedDim {
  /** The parameter this dimension belongs to. */
  param: string;
  kind: 'continuous' | 'discrete' | 'categorical';
  /** For `categorical`: the index of the choice this dimension stands for. */
  choice?: number;
}

/** A contiguous block of one-hot dimensions for one categorical parameter. */
export interface CategoricalGroup {
  param: string;
  /** First dimension of the block. */
  start: number;
  /** Number of choices (dimensions in the block). */
  size: number;
}

/**
 * A validated search space. Build one with `createSpace(json)` / `fromJSON(json)` or the builder
 * (`space({ lr: float(1e-4, 1, { log: true }) })`); both validate before returning and throw
 * `SpaceError` naming the parameter and value.
 *
 * Encoding: every configuration maps to a point of the unit cube [0, 1]^dims (Float64Array of
 * length `dims`). Numeric parameters take one dimension each (log-warped where `log`);
 * categoricals take a one-hot block. Inactive parameters encode to a documented constant: 0.5 for
 * a numeric dimension, all zeros for a categorical block (see `createSpace` for every formula).
 */
export interface Space {
  /** Parameter names in declaration order. */
  readonly names: readonly string[];
  /** Length of the unit-cube encoding. */
  readonly dims: number;
  /** One entry per encoded dimension. */
  readonly layout: readonly EncodedDim[];
  /** The one-hot blocks of categorical parameters. */
  readonly categoricalGroups: readonly CategoricalGroup[];
  /** Whether any parameter carries a `when` condition. */
  readonly conditional: boolean;
  /** The definition of one parameter (canonical JSON form). Throws for an unknown name. */
  param(name: string): ParamJSON;
  /** The canonical JSON form: only the options that are set, parameters in declaration order. */
  toJSON(): SpaceJSON;
  /** Configuration → unit-cube point (length `dims`). Throws SpaceError if the config is not in the space. */
  encode(config: Config): Float64Array;
  /** Unit-cube point → configuration: snaps steps and ints, argmax of one-hot blocks, clamps, drops inactive parameters. */
  decode(point: ArrayLike<number>): Config;
  /** Number of distinct configurations, or Infinity when any active-able parameter is continuous. */
  size(): number;
  /** Every configuration of a finite space, in a deterministic order. Throws SpaceError for continuous spaces. */
  enumerate(): Config[];
  /** Every configuration with continuous parameters discretised to `resolution` evenly spaced values (log-spaced where log). */
  grid(options?: { resolution?: number | Record<string, number> }): Config[];
  /** One configuration drawn uniformly (log-uniform where log) from the space. */
  sample(rng: RandomSource): Config;
  /** Whether the configuration is exactly a member: active parameters present, valid values, no extras. */
  contains(config: Config): boolean;
  /** A canonical string key for a configuration (equal configurations give equal keys). */
  key(config: Config): string;
}
