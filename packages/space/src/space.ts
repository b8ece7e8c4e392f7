import { SpaceError, show } from './errors.js';
import { copyParamJSON, type ParamModel, parseParam } from './params.js';
import type {
  CategoricalGroup,
  Config,
  EncodedDim,
  ParamJSON,
  ParamValue,
  RandomSource,
  Space,
  SpaceJSON,
} from './types.js';

/** The parameter-activation search of `createSpace` stops (checking nothing) past this many combinations. */
const NEVER_ACTIVE_LEAVES = 100_000;

/** Stands for "any value no condition names" when counting configurations. */
const OTHER = Symbol('other');

/** `enumerate()` and `grid()` refuse to build more configurations than this. */
export const MAX_CONFIGS = 10_000_000;

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Whether `x` is a built search space (structurally: it has the `Space` members, so a space made by
 * another copy of this package counts too).
 */
export function isSpace(x: unknown): x is Space {
  if (typeof x !== 'object' || x === null) return false;
  const s = x as Record<string, unknown>;
  return (
    Array.isArray(s.names) &&
    typeof s.dims === 'number' &&
    Array.isArray(s.layout) &&
    [
      'param',
      'toJSON',
      'encode',
      'decode',
      'size',
      'enumerate',
      'grid',
      'sample',
      'contains',
      'key',
    ]
      .map((k) => typeof s[k])
      .every((t) => t === 'function')
  );
}

/**
 * Builds and validates a search space from its canonical JSON form (or returns `json` itself when
 * it is already a built `Space`). Everything is checked before anything is built; the first
 * problem throws a `SpaceError` naming the parameter and the value.
 *
 * Rules beyond the obvious: `low == high` is allowed and fixes the value (as in Optuna); a float
 * `step` must divide `high − low` (up to 1e-9 relative float error) and cannot be combined with
 * `log`; an int with `log` must have step 1; option keys are checked for typos; a `when` names
 * other parameters (no self-reference, no cycles) and only values those parameters can take.
 *
 * The canonical form drops defaults: `log: false` and an int's `step: 1` are not emitted by
 * `toJSON()`.
 *
 * Unit-cube encoding (`encode` / `decode`, Float64Array of length `dims`, one slot per
 * `layout` entry):
 * - continuous float: `(x − low) / (high − low)`, on `log x` where log; decode clamps to
 *   `[low, high]` exactly (0 → low, 1 → high). A float with `low == high` encodes to 0.5.
 * - int and stepped float: the `n` values each own an equal share of [0, 1] (the range widened by
 *   half a step each side, as Optuna's GP does): value `k` encodes to `(k + 0.5) / n`; decode
 *   takes `floor(u · n)`, clamped, i.e. the nearest step.
 * - log-scaled int: linear in `log x` over `[log(low − 0.5), log(high + 0.5)]`; decode rounds
 *   `exp(·)` to the nearest int and clamps.
 * - categorical: a one-hot block of `choices.length` dims in choice order; decode is the argmax
 *   (ties → lowest index).
 * - inactive parameters: numeric dims encode to 0.5, categorical blocks to all zeros; decode drops
 *   them.
 *
 * decode(encode(c)) equals c exactly for ints, stepped floats and categoricals; a continuous
 * float comes back within float rounding (about 1e-15 relative).
 */
export function createSpace(json: SpaceJSON | Space): Space {
  if (isSpace(json)) return json;
  if (!isPlainObject(json)) {
    throw new SpaceError(
      undefined,
      `definition (${show(json)}) must be an object mapping parameter names to definitions`,
      json,
    );
  }
  const names = Object.keys(json);
  if (names.length === 0) throw new SpaceError(undefined, 'a space needs at least one parameter');
  for (const name of names) {
    if (name === '') {
      throw new SpaceError(undefined, 'a parameter name must not be empty ("" given)', name);
    }
    // Assigning "__proto__" on a plain object changes its prototype instead of adding a key.
    if (name === '__proto__')
      throw new SpaceError(name, 'is not allowed as a parameter name', name);
  }
  const models = names.map((name) => parseParam(name, json[name]));
  const byName = new Map(models.map((m) => [m.name, m]));

  for (const m of models) {
    for (const [parent, values] of m.when) {
      if (parent === m.name) throw new SpaceError(m.name, 'condition on itself', parent);
      const pm = byName.get(parent);
      if (!pm)
        throw new SpaceError(m.name, `condition on unknown parameter ${show(parent)}`, parent);
      for (const v of values) {
        if (pm.check(v) !== undefined) {
          throw new SpaceError(
            m.name,
            `condition value ${show(v)} is not a possible value of ${parent}`,
            v,
          );
        }
      }
    }
  }
  const topo = topologicalOrder(models, byName);
  return buildSpace(names, models, byName, topo);
}

/** Alias of {@link createSpace}. */
export const fromJSON: (json: SpaceJSON | Space) => Space = createSpace;

/** Parents before children, otherwise declaration order. Throws on a cycle, naming it. */
function topologicalOrder(models: ParamModel[], byName: Map<string, ParamModel>): ParamModel[] {
  const order: ParamModel[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (m: ParamModel) => {
    const s = state.get(m.name);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...path.slice(path.indexOf(m.name)), m.name];
      throw new SpaceError(m.name, `cyclic condition ${cycle.join(' → ')}`, cycle);
    }
    state.set(m.name, 'visiting');
    path.push(m.name);
    for (const [parent] of m.when) visit(byName.get(parent)!);
    path.pop();
    state.set(m.name, 'done');
    order.push(m);
  };
  for (const m of models) visit(m);
  return order;
}

function conditionText(m: ParamModel): string {
  return m.when.map(([p, vs]) => `${p} ∈ ${show(vs)}`).join(' and ');
}

function buildSpace(
  names: string[],
  models: ParamModel[],
  byName: Map<string, ParamModel>,
  topo: ParamModel[],
): Space {
  const layout: EncodedDim[] = [];
  const categoricalGroups: CategoricalGroup[] = [];
  const offsets = new Map<string, number>();
  for (const m of models) {
    offsets.set(m.name, layout.length);
    if (m.kind === 'categorical') {
      categoricalGroups.push({ param: m.name, start: layout.length, size: m.width });
      for (let i = 0; i < m.width; i++)
        layout.push({ param: m.name, kind: 'categorical', choice: i });
    } else {
      layout.push({ param: m.name, kind: m.kind });
    }
  }
  const dims = layout.length;
  const conditional = models.some((m) => m.when.length > 0);
  const parents = new Set(models.flatMap((m) => m.when.map(([p]) => p)));
  const topoIsDeclared = topo.every((m, i) => m === models[i]);

  const isActive = (m: ParamModel, values: Record<string, unknown>, active: Set<string>) =>
    m.when.every(([p, vs]) => active.has(p) && vs.includes(values[p] as ParamValue));

  const inOrder = (values: Record<string, ParamValue>): Config => {
    const out: Config = {};
    for (const name of names) if (Object.hasOwn(values, name)) out[name] = values[name]!;
    return out;
  };

  /** The first reason `config` is not a member, or the set of its active parameters. */
  const check = (config: unknown): SpaceError | Set<string> => {
    if (!isPlainObject(config)) {
      return new SpaceError(undefined, `configuration (${show(config)}) must be an object`, config);
    }
    for (const key of Object.keys(config)) {
      if (!byName.has(key)) {
        return new SpaceError(
          key,
          `not a parameter of this space (value ${show(config[key])})`,
          config[key],
        );
      }
    }
    const active = new Set<string>();
    for (const m of topo) {
      const has = Object.hasOwn(config, m.name);
      const v = config[m.name];
      if (isActive(m, config, active)) {
        if (!has) return new SpaceError(m.name, 'missing from the configuration', undefined);
        const why = m.check(v);
        if (why !== undefined) return new SpaceError(m.name, why, v);
        active.add(m.name);
      } else if (has) {
        return new SpaceError(
          m.name,
          `present (value ${show(v)}) but inactive: it needs ${conditionText(m)}`,
          v,
        );
      }
    }
    return active;
  };

  const finiteModel = (what: string) => {
    const m = models.find((x) => x.count === Number.POSITIVE_INFINITY);
    if (m) {
      throw new SpaceError(
        m.name,
        `cannot ${what} a continuous float (low < high, no step); use grid({ resolution }) to discretise it`,
      );
    }
  };

  const count = (): number => {
    if (models.some((m) => m.count === Number.POSITIVE_INFINITY)) return Number.POSITIVE_INFINITY;
    // Every value a condition names is a possible value of its parent (checked in createSpace), so
    // the counts suffice: no parameter's list of values is built (a wide int has billions).
    return countWith(
      (name) => byName.get(name)!.count,
      (_, named) => [...named],
    );
  };

  /** Every configuration over the given per-parameter value lists, lexicographic in declaration order. */
  const product = (lists: Map<string, ParamValue[]>): Config[] => {
    const out: Config[] = [];
    const assign: Record<string, ParamValue> = {};
    const active = new Set<string>();
    const rec = (i: number) => {
      const m = topo[i];
      if (!m) {
        out.push(inOrder(assign));
        return;
      }
      if (!isActive(m, assign, active)) {
        rec(i + 1);
        return;
      }
      active.add(m.name);
      for (const v of lists.get(m.name)!) {
        assign[m.name] = v;
        rec(i + 1);
      }
      active.delete(m.name);
      delete assign[m.name];
    };
    rec(0);
    if (!topoIsDeclared) {
      const rank = (c: Config) =>
        names.map((n) => (Object.hasOwn(c, n) ? lists.get(n)!.indexOf(c[n]!) : -1));
      const ranks = new Map(out.map((c) => [c, rank(c)]));
      out.sort((a, b) => {
        const ra = ranks.get(a)!;
        const rb = ranks.get(b)!;
        for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i]! - rb[i]!;
        return 0;
      });
    }
    return out;
  };

  const guardSize = (lists: Map<string, ParamValue[]>, what: string) => {
    let total = 1;
    for (const l of lists.values()) total *= l.length;
    if (total > MAX_CONFIGS) {
      // The product ignores conditions, so it is an upper bound: count exactly before refusing.
      const exact = countLists(lists);
      if (exact > MAX_CONFIGS) {
        throw new SpaceError(
          undefined,
          `${what} would give ${exact} configurations, more than the limit of ${MAX_CONFIGS}`,
          exact,
        );
      }
    }
  };

  /**
   * The number of configurations over per-parameter value lists, respecting conditions. A parent's
   * values are grouped into the values some condition names (one branch each) and all the others
   * (one branch, weighted by their number), so the cost does not grow with a parent's range.
   */
  const countLists = (lists: Map<string, ParamValue[]>): number =>
    countWith(
      (name) => lists.get(name)!.length,
      (p, named) => lists.get(p)!.filter((v) => named.has(v)),
    );

  /**
   * {@link countLists} over the number of values of each parameter (`sizeOf`) and, for a parent,
   * which of the values some condition names are among its values (`hitsOf`).
   */
  const countWith = (
    sizeOf: (name: string) => number,
    hitsOf: (parent: string, named: Set<unknown>) => unknown[],
  ): number => {
    const branches = new Map<string, [unknown, number][]>();
    for (const p of parents) {
      const named = new Set<unknown>();
      for (const m of models) {
        for (const [q, vs] of m.when) if (q === p) for (const v of vs) named.add(v);
      }
      const hits = hitsOf(p, named);
      const rest = sizeOf(p) - hits.length;
      const list: [unknown, number][] = hits.map((v) => [v, 1]);
      if (rest > 0) list.push([OTHER, rest]);
      branches.set(p, list);
    }
    const assign: Record<string, unknown> = {};
    const active = new Set<string>();
    const rec = (i: number): number => {
      const m = topo[i];
      if (!m) return 1;
      if (!isActive(m, assign, active)) return rec(i + 1);
      if (!parents.has(m.name)) return sizeOf(m.name) * rec(i + 1);
      let total = 0;
      active.add(m.name);
      for (const [v, weight] of branches.get(m.name)!) {
        assign[m.name] = v;
        total += weight * rec(i + 1);
      }
      active.delete(m.name);
      delete assign[m.name];
      return total;
    };
    return rec(0);
  };

  /**
   * The first parameter no configuration activates (its conditions contradict each other or
   * need a parent that is never active), or undefined. Walks the parents' values a condition
   * names (plus one "any other value"), as `countWith` does; gives up (undefined) past
   * `NEVER_ACTIVE_LEAVES` combinations.
   */
  const neverActive = (): ParamModel | undefined => {
    if (!conditional) return undefined;
    const branches = new Map<string, unknown[]>();
    for (const p of parents) {
      const named = new Set<unknown>();
      for (const m of models) {
        for (const [q, vs] of m.when) if (q === p) for (const v of vs) named.add(v);
      }
      const values: unknown[] = [...named];
      if (byName.get(p)!.count > named.size) values.push(OTHER);
      branches.set(p, values);
    }
    const ever = new Set<string>();
    let leaves = NEVER_ACTIVE_LEAVES;
    const assign: Record<string, unknown> = {};
    const active = new Set<string>();
    const rec = (i: number): void => {
      if (ever.size === models.length || leaves <= 0) return;
      const m = topo[i];
      if (!m) {
        leaves--;
        return;
      }
      if (!isActive(m, assign, active)) {
        rec(i + 1);
        return;
      }
      ever.add(m.name);
      if (!parents.has(m.name)) {
        rec(i + 1);
        return;
      }
      active.add(m.name);
      for (const v of branches.get(m.name)!) {
        assign[m.name] = v;
        rec(i + 1);
      }
      active.delete(m.name);
      delete assign[m.name];
    };
    rec(0);
    return leaves <= 0 ? undefined : models.find((m) => !ever.has(m.name));
  };
  const dead = neverActive();
  if (dead) {
    throw new SpaceError(
      dead.name,
      `can never be active: no configuration has ${conditionText(dead)} (each named parameter active, with one of those values)`,
      dead.json.when,
    );
  }

  const space: Space = {
    names: Object.freeze([...names]),
    dims,
    layout: Object.freeze(layout.map((d) => Object.freeze(d))),
    categoricalGroups: Object.freeze(categoricalGroups.map((g) => Object.freeze(g))),
    conditional,

    param(name: string): ParamJSON {
      const m = byName.get(name);
      if (!m) throw new SpaceError(name, 'not a parameter of this space', name);
      return copyParamJSON(m.json);
    },

    toJSON(): SpaceJSON {
      const out: SpaceJSON = {};
      for (const m of models) out[m.name] = copyParamJSON(m.json);
      return out;
    },

    encode(config: Config): Float64Array {
      const active = check(config);
      if (active instanceof SpaceError) throw active;
      const out = new Float64Array(dims);
      for (const m of models) {
        const offset = offsets.get(m.name)!;
        if (active.has(m.name)) m.encode(config[m.name]!, out, offset);
        else m.encodeInactive(out, offset);
      }
      return out;
    },

    decode(point: ArrayLike<number>): Config {
      if (point === null || typeof point !== 'object' || typeof point.length !== 'number') {
        throw new SpaceError(
          undefined,
          `decode: point (${show(point)}) must be an array of numbers`,
        );
      }
      if (point.length !== dims) {
        throw new SpaceError(
          undefined,
          `decode: point has length ${point.length}, expected ${dims}`,
          point.length,
        );
      }
      for (let i = 0; i < dims; i++) {
        const x = point[i];
        if (typeof x !== 'number' || Number.isNaN(x)) {
          throw new SpaceError(layout[i]!.param, `decode: point[${i}] is ${show(x)}`, x);
        }
      }
      const values: Record<string, ParamValue> = {};
      const active = new Set<string>();
      for (const m of topo) {
        if (!isActive(m, values, active)) continue;
        values[m.name] = m.decode(point, offsets.get(m.name)!);
        active.add(m.name);
      }
      return inOrder(values);
    },

    size: count,

    enumerate(): Config[] {
      finiteModel('enumerate');
      const exact = count();
      if (exact > MAX_CONFIGS) {
        throw new SpaceError(
          undefined,
          `enumerate would give ${exact} configurations, more than the limit of ${MAX_CONFIGS}`,
          exact,
        );
      }
      const lists = new Map(models.map((m) => [m.name, m.values()]));
      guardSize(lists, 'enumerate');
      return product(lists);
    },

    grid(options?: { resolution?: number | Record<string, number> }): Config[] {
      const res = options?.resolution ?? 5;
      const checkRes = (name: string | undefined, r: unknown): number => {
        if (typeof r !== 'number' || !Number.isInteger(r) || r < 2) {
          throw new SpaceError(name, `grid resolution (${show(r)}) must be an integer >= 2`, r);
        }
        return r;
      };
      let per: (name: string) => number;
      if (typeof res === 'number') {
        const r = checkRes(undefined, res);
        per = () => r;
      } else if (isPlainObject(res)) {
        for (const [k, r] of Object.entries(res)) {
          if (!byName.has(k)) {
            throw new SpaceError(k, 'grid resolution given for a parameter not in this space', r);
          }
          checkRes(k, r);
        }
        per = (name) => (res[name] as number | undefined) ?? 5;
      } else {
        throw new SpaceError(
          undefined,
          `grid resolution (${show(res)}) must be a number or a record of numbers`,
          res,
        );
      }
      const lists = new Map(models.map((m) => [m.name, m.gridValues(per(m.name))]));
      // Thinning a parent must not drop a conditional branch: keep every value a condition names.
      for (const m of models) {
        for (const [parent, values] of m.when) {
          const list = lists.get(parent)!;
          const missing = values.filter((v) => !list.includes(v));
          if (missing.length === 0) continue;
          list.push(...missing);
          if (list.every((v) => typeof v === 'number')) (list as number[]).sort((a, b) => a - b);
        }
      }
      guardSize(lists, 'grid');
      return product(lists);
    },

    sample(rng: RandomSource): Config {
      const values: Record<string, ParamValue> = {};
      const active = new Set<string>();
      for (const m of topo) {
        if (!isActive(m, values, active)) continue;
        values[m.name] = m.sample(rng);
        active.add(m.name);
      }
      return inOrder(values);
    },

    contains(config: Config): boolean {
      return !(check(config) instanceof SpaceError);
    },

    key(config: Config): string {
      const values: Record<string, ParamValue> = {};
      const active = new Set<string>();
      for (const m of topo) {
        if (!Object.hasOwn(config, m.name) || !isActive(m, config, active)) continue;
        values[m.name] = config[m.name]!;
        active.add(m.name);
      }
      return JSON.stringify(inOrder(values));
    },
  };
  return Object.freeze(space);
}

/**
 * Why `config` is not a member of `space` (a SpaceError naming the parameter and value), or
 * undefined when it is. Works for any `Space`; for spaces built here the message is precise.
 */
export function explainNonMember(space: Space, config: Config): SpaceError | undefined {
  if (space.contains(config)) return undefined;
  try {
    space.encode(config);
  } catch (e) {
    if (e instanceof SpaceError) return e;
  }
  return new SpaceError(undefined, `configuration ${show(config)} is not a member of the space`);
}
