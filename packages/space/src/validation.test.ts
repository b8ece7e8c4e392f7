import { describe, expect, it } from 'vitest';
import { SpaceError } from './errors.js';
import { createSpace } from './space.js';
import type { SpaceJSON } from './types.js';

function error(json: unknown): SpaceError {
  try {
    createSpace(json as SpaceJSON);
  } catch (e) {
    expect(e).toBeInstanceOf(SpaceError);
    return e as SpaceError;
  }
  throw new Error('expected a SpaceError');
}

const opt = { type: 'categorical', choices: ['adam', 'sgd'] } as const;

describe('validation errors name the parameter and the value', () => {
  const cases: [string, unknown, string, string | undefined, unknown][] = [
    [
      'log float with low 0',
      { lr: { type: 'float', low: 0, high: 1, log: true } },
      'space.lr: low (0) must be > 0 for a log-scaled float',
      'lr',
      0,
    ],
    [
      'log int with low 0',
      { n: { type: 'int', low: 0, high: 8, log: true } },
      'space.n: low (0) must be > 0 for a log-scaled int',
      'n',
      0,
    ],
    [
      'non-finite low',
      { x: { type: 'float', low: Number.NaN, high: 1 } },
      'space.x: low (NaN) must be a finite number',
      'x',
      Number.NaN,
    ],
    [
      'non-finite high',
      { x: { type: 'float', low: 0, high: Number.POSITIVE_INFINITY } },
      'space.x: high (Infinity) must be a finite number',
      'x',
      Number.POSITIVE_INFINITY,
    ],
    [
      'missing high',
      { x: { type: 'int', low: 0 } },
      'space.x: high (undefined) must be a finite number',
      'x',
      undefined,
    ],
    [
      'string bound',
      { x: { type: 'float', low: '0', high: 1 } },
      'space.x: low ("0") must be a finite number',
      'x',
      '0',
    ],
    [
      'low > high',
      { x: { type: 'float', low: 2, high: 1 } },
      'space.x: low (2) must be <= high (1)',
      'x',
      2,
    ],
    [
      'step 0',
      { x: { type: 'float', low: 0, high: 1, step: 0 } },
      'space.x: step (0) must be > 0',
      'x',
      0,
    ],
    [
      'negative step',
      { x: { type: 'int', low: 0, high: 10, step: -2 } },
      'space.x: step (-2) must be > 0',
      'x',
      -2,
    ],
    [
      'step not dividing the range',
      { x: { type: 'float', low: 0, high: 1, step: 0.3 } },
      'space.x: step (0.3) does not divide the range [0, 1]',
      'x',
      0.3,
    ],
    [
      'int step not dividing the range',
      { h: { type: 'int', low: 64, high: 500, step: 64 } },
      'space.h: step (64) does not divide the range [64, 500]',
      'h',
      64,
    ],
    [
      'step with log on a float',
      { x: { type: 'float', low: 0.1, high: 1, step: 0.1, log: true } },
      'space.x: step (0.1) cannot be combined with log for a float',
      'x',
      0.1,
    ],
    [
      'step other than 1 with log on an int',
      { x: { type: 'int', low: 1, high: 9, step: 2, log: true } },
      'space.x: step (2) must be 1 for a log-scaled int',
      'x',
      2,
    ],
    [
      'non-integer int low',
      { x: { type: 'int', low: 0.5, high: 3 } },
      'space.x: low (0.5) must be an integer for an int',
      'x',
      0.5,
    ],
    [
      'non-integer int high',
      { x: { type: 'int', low: 0, high: 3.5 } },
      'space.x: high (3.5) must be an integer for an int',
      'x',
      3.5,
    ],
    [
      'non-integer int step',
      { x: { type: 'int', low: 0, high: 3, step: 1.5 } },
      'space.x: step (1.5) must be an integer for an int',
      'x',
      1.5,
    ],
    [
      'non-boolean log',
      { x: { type: 'float', low: 1, high: 2, log: 'yes' } },
      'space.x: log ("yes") must be a boolean',
      'x',
      'yes',
    ],
    [
      'empty choices',
      { c: { type: 'categorical', choices: [] } },
      'space.c: choices ([]) must be a non-empty array',
      'c',
      [],
    ],
    [
      'missing choices',
      { c: { type: 'categorical' } },
      'space.c: choices (undefined) must be a non-empty array',
      'c',
      undefined,
    ],
    [
      'duplicate choices',
      { batch: { type: 'categorical', choices: [32, 64, 32] } },
      'space.batch: duplicate choice 32',
      'batch',
      32,
    ],
    [
      'choices that read the same: a number and its string',
      { c: { type: 'categorical', choices: [1, '1', true, 'true'] } },
      'space.c: choices 1 and "1" read the same (1) in CSV, the report and on the command line, so results could not tell them apart: make them distinct',
      'c',
      '1',
    ],
    [
      'choices that read the same: a boolean and its string',
      { c: { type: 'categorical', choices: ['x', true, 'true'] } },
      'space.c: choices true and "true" read the same (true) in CSV, the report and on the command line, so results could not tell them apart: make them distinct',
      'c',
      'true',
    ],
    [
      'empty parameter name',
      { '': opt },
      'space: a parameter name must not be empty ("" given)',
      undefined,
      '',
    ],
    [
      'a parameter whose conditions contradict each other',
      {
        optimizer: opt,
        momentum: { type: 'float', low: 0, high: 1, when: { optimizer: ['sgd'] } },
        beta: { type: 'float', low: 0, high: 1, when: { optimizer: ['adam'], momentum: [0.5] } },
      },
      'space.beta: can never be active: no configuration has optimizer ∈ ["adam"] and momentum ∈ [0.5] (each named parameter active, with one of those values)',
      'beta',
      { optimizer: ['adam'], momentum: [0.5] },
    ],
    [
      'a parameter that needs two values of one parent at once',
      {
        optimizer: opt,
        nesterov: { type: 'categorical', choices: [true, false], when: { optimizer: ['sgd'] } },
        beta: { type: 'float', low: 0, high: 1, when: { optimizer: ['adam'], nesterov: [true] } },
      },
      'space.beta: can never be active: no configuration has optimizer ∈ ["adam"] and nesterov ∈ [true] (each named parameter active, with one of those values)',
      'beta',
      { optimizer: ['adam'], nesterov: [true] },
    ],
    [
      'a parameter under a parent that is never active',
      {
        optimizer: opt,
        nesterov: { type: 'categorical', choices: [true, false], when: { optimizer: ['sgd'] } },
        beta: { type: 'float', low: 0, high: 1, when: { optimizer: ['adam'], nesterov: [true] } },
        beta2: { type: 'float', low: 0, high: 1, when: { beta: [0.5] } },
      },
      'space.beta: can never be active: no configuration has optimizer ∈ ["adam"] and nesterov ∈ [true] (each named parameter active, with one of those values)',
      'beta',
      { optimizer: ['adam'], nesterov: [true] },
    ],
    [
      'NaN choice',
      { c: { type: 'categorical', choices: [1, Number.NaN] } },
      'space.c: choice NaN is not allowed: choices are strings, finite numbers or booleans',
      'c',
      Number.NaN,
    ],
    [
      'object choice',
      { c: { type: 'categorical', choices: ['a', null] } },
      'space.c: choice null is not allowed: choices are strings, finite numbers or booleans',
      'c',
      null,
    ],
    [
      'unknown type',
      { x: { type: 'double', low: 0, high: 1 } },
      'space.x: unknown type "double" (expected "float", "int" or "categorical")',
      'x',
      'double',
    ],
    [
      'definition not an object',
      { x: 3 },
      'space.x: definition (3) must be an object with a "type"',
      'x',
      3,
    ],
    [
      'typo in an option key',
      { lr: { type: 'float', low: 1e-4, high: 1, lgo: true } },
      'space.lr: unknown option "lgo" for a float parameter (allowed: low, high, log, step, when)',
      'lr',
      'lgo',
    ],
    [
      'float option on a categorical',
      { c: { type: 'categorical', choices: [1], low: 0 } },
      'space.c: unknown option "low" for a categorical parameter (allowed: choices, when)',
      'c',
      'low',
    ],
    [
      'condition on an unknown parameter',
      {
        optimizer: opt,
        momentum: { type: 'float', low: 0, high: 1, when: { optimiser: ['sgd'] } },
      },
      'space.momentum: condition on unknown parameter "optimiser"',
      'momentum',
      'optimiser',
    ],
    [
      'condition value the parent cannot take',
      {
        optimizer: opt,
        momentum: { type: 'float', low: 0, high: 1, when: { optimizer: ['sgdd'] } },
      },
      'space.momentum: condition value "sgdd" is not a possible value of optimizer',
      'momentum',
      'sgdd',
    ],
    [
      'condition value off an int parent grid',
      {
        layers: { type: 'int', low: 1, high: 4 },
        width2: { type: 'int', low: 8, high: 64, when: { layers: [2, 5] } },
      },
      'space.width2: condition value 5 is not a possible value of layers',
      'width2',
      5,
    ],
    [
      'condition on itself',
      { x: { type: 'int', low: 0, high: 3, when: { x: [1] } } },
      'space.x: condition on itself',
      'x',
      'x',
    ],
    [
      'two-parameter cycle',
      {
        a: { type: 'int', low: 0, high: 1, when: { b: [1] } },
        b: { type: 'int', low: 0, high: 1, when: { a: [1] } },
      },
      'space.a: cyclic condition a → b → a',
      'a',
      ['a', 'b', 'a'],
    ],
    [
      'three-parameter cycle behind a free parameter',
      {
        z: { type: 'int', low: 0, high: 1, when: { a: [0] } },
        a: { type: 'int', low: 0, high: 1, when: { c: [1] } },
        b: { type: 'int', low: 0, high: 1, when: { a: [1] } },
        c: { type: 'int', low: 0, high: 1, when: { b: [0] } },
      },
      'space.a: cyclic condition a → c → b → a',
      'a',
      ['a', 'c', 'b', 'a'],
    ],
    [
      'empty condition',
      { x: { type: 'int', low: 0, high: 3, when: {} } },
      'space.x: when must name at least one parameter',
      'x',
      {},
    ],
    [
      'condition values not a list',
      { optimizer: opt, m: { type: 'int', low: 0, high: 3, when: { optimizer: 'sgd' } } },
      'space.m: when.optimizer ("sgd") must be a non-empty array of values',
      'm',
      'sgd',
    ],
    [
      'space not an object',
      [1, 2],
      'space: definition ([1, 2]) must be an object mapping parameter names to definitions',
      undefined,
      [1, 2],
    ],
    [
      // 2^60 + 1 is not representable: contains({ n: 2 ** 60 }) was false for the space's own bound.
      'int bound beyond the safe integers',
      { n: { type: 'int', low: 0, high: 2 ** 60 } },
      'space.n: high (1152921504606847000) must be a safe integer (|x| <= 2^53 - 1) for an int',
      'n',
      2 ** 60,
    ],
    [
      // high − low = Infinity: encode({ x: 0 }) gave 0 and decode([0.5]) gave 1e308.
      'float range too wide to compute',
      { x: { type: 'float', low: -1e308, high: 1e308 } },
      'space.x: the range [-1e+308, 1e+308] is too wide: high - low overflows to Infinity',
      'x',
      1e308,
    ],
    ['empty space', {}, 'space: a space needs at least one parameter', undefined, undefined],
    [
      '__proto__ as a name',
      JSON.parse('{"__proto__": {"type": "int", "low": 0, "high": 1}}'),
      'space.__proto__: is not allowed as a parameter name',
      '__proto__',
      '__proto__',
    ],
  ];
  for (const [label, json, message, param, value] of cases) {
    it(label, () => {
      const e = error(json);
      expect(e.message).toBe(message);
      expect(e.param).toBe(param);
      expect(e.value).toEqual(value);
    });
  }

  it('tolerates float error when a step divides the range', () => {
    const s = createSpace({ m: { type: 'float', low: 0, high: 0.99, step: 0.11 } });
    expect(s.enumerate().map((c) => c.m)).toEqual([
      0, 0.11, 0.22, 0.33, 0.44, 0.55, 0.66, 0.77, 0.88, 0.99,
    ]);
  });

  it('allows low == high (a fixed value) and mixed choice types that read differently', () => {
    const s = createSpace({
      f: { type: 'float', low: 0.5, high: 0.5 },
      i: { type: 'int', low: 3, high: 3 },
      c: { type: 'categorical', choices: [1, 'one', true, 'x'] },
    });
    expect(s.size()).toBe(4);
    expect(s.enumerate()).toEqual([
      { f: 0.5, i: 3, c: 1 },
      { f: 0.5, i: 3, c: 'one' },
      { f: 0.5, i: 3, c: true },
      { f: 0.5, i: 3, c: 'x' },
    ]);
    expect(s.decode(s.encode({ f: 0.5, i: 3, c: true }))).toEqual({ f: 0.5, i: 3, c: true });
  });

  it('a condition naming a later-declared parent is fine', () => {
    const s = createSpace({
      momentum: { type: 'float', low: 0, high: 1, step: 0.5, when: { optimizer: ['sgd'] } },
      optimizer: opt,
    });
    expect(s.enumerate()).toEqual([
      { optimizer: 'adam' },
      { momentum: 0, optimizer: 'sgd' },
      { momentum: 0.5, optimizer: 'sgd' },
      { momentum: 1, optimizer: 'sgd' },
    ]);
  });
});
