import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createDataset, splitDataset } from './dataset.js';
import { DIGITS_URL, loadDigits, parseDigitsCsv } from './digits.js';
import { digitsPath, loadDigitsSync } from './node.js';

const digits = loadDigitsSync();

describe('digits', () => {
  it('loads the shipped file: 1797 × 64, 10 classes, pixels 0..16', () => {
    expect(digits.size).toBe(1797);
    expect(digits.numFeatures).toBe(64);
    expect(digits.numClasses).toBe(10);
    expect(digits.imageShape).toEqual([8, 8]);
    expect(Math.max(...digits.features)).toBe(16);
    expect(Math.min(...digits.features)).toBe(0);
    expect(new Set(digits.labels).size).toBe(10);
  });

  it('loads the same data through the browser path (bytes or URL, DecompressionStream)', async () => {
    const { readFileSync } = await import('node:fs');
    const fromBytes = await loadDigits(new Uint8Array(readFileSync(digitsPath)));
    const fromUrl = await loadDigits(DIGITS_URL);
    for (const other of [fromBytes, fromUrl]) {
      expect(other.features).toEqual(digits.features);
      expect(other.labels).toEqual(digits.labels);
    }
  });

  it('rejects a row whose class is not an integer instead of reading it as class 0 or truncating it', () => {
    const pixels = Array<number>(64).fill(1).join(',');
    for (const bad of ['x', '', '3.5']) {
      expect(() => parseDigitsCsv(`${pixels},1\n${pixels},${bad}\n`), JSON.stringify(bad)).toThrow(
        /digits: row 1: the class .* must be an integer/,
      );
    }
  });
});

describe('splitDataset', () => {
  it('is deterministic per seed, disjoint, complete and stratified', () => {
    const a = splitDataset(digits, { seed: 7 });
    const b = splitDataset(digits, { seed: 7 });
    const c = splitDataset(digits, { seed: 8 });
    expect(a.train.indices).toEqual(b.train.indices);
    expect(a.validation.indices).toEqual(b.validation.indices);
    expect(a.test.features).toEqual(b.test.features);
    expect(a.train.indices).not.toEqual(c.train.indices);
    const all = [...a.train.indices, ...a.validation.indices, ...a.test.indices];
    expect(all.length).toBe(1797);
    expect(new Set(all).size).toBe(1797);
    for (let k = 0; k < 10; k++) {
      const total = digits.labels.filter((l) => l === k).length;
      const val = a.validation.labels.filter((l) => l === k).length;
      const test = a.test.labels.filter((l) => l === k).length;
      expect(val).toBe(Math.round(total * 0.2));
      expect(test).toBe(Math.round(total * 0.2));
    }
    expect(a.train.size).toBeGreaterThan(1070);
  });

  it('standardises with training statistics; min-max maps training features into [0, 1]', () => {
    const s = splitDataset(digits, { seed: 1 });
    const d = 64;
    for (const j of [10, 20, 36]) {
      let sum = 0;
      let sq = 0;
      for (let i = 0; i < s.train.size; i++) {
        const v = s.train.features[i * d + j]!;
        sum += v;
        sq += v * v;
      }
      const mean = sum / s.train.size;
      expect(mean).toBeCloseTo(0, 4);
      expect(sq / s.train.size - mean * mean).toBeCloseTo(1, 3);
    }
    const m = splitDataset(digits, { seed: 1, scaling: 'minmax' });
    expect(Math.min(...m.train.features)).toBe(0);
    expect(Math.max(...m.train.features)).toBe(1);
  });

  it('keeps at least one training example of every class, even with large held-out fractions', () => {
    // Classes of 10 with 0.45 / 0.45: round(4.5) = 5 each would leave nothing of them to train on.
    const labels = [...Array<number>(10).fill(0), ...Array<number>(10).fill(1), 2, 2];
    const ds = createDataset({ features: labels.map((l, i) => [i, l]), labels });
    for (const [validation, test] of [
      [0.45, 0.45],
      [0.3, 0.3],
    ] as const) {
      const s = splitDataset(ds, { validation, test });
      for (const k of [0, 1, 2]) {
        expect(
          s.train.labels.filter((l) => l === k).length,
          `class ${k} at ${validation}/${test}`,
        ).toBeGreaterThanOrEqual(1);
      }
      expect(s.train.size + s.validation.size + s.test.size).toBe(22);
    }
  });

  it('rejects bad fractions', () => {
    expect(() => splitDataset(digits, { validation: 0 })).toThrow(/split.validation.*got 0/);
    expect(() => splitDataset(digits, { validation: 0.5, test: 0.5 })).toThrow(/leave data/);
  });
});

describe('createDataset', () => {
  it('accepts rows, flat Float32Array and tensors alike', () => {
    const rows = [
      [1, 2],
      [3, 4],
      [5, 6],
    ];
    const a = createDataset({ features: rows, labels: [0, 1, 0] });
    const b = createDataset({
      features: new Float32Array([1, 2, 3, 4, 5, 6]),
      numFeatures: 2,
      labels: new Int32Array([0, 1, 0]),
    });
    const x = tf.tensor2d(rows);
    const y = tf.tensor1d([0, 1, 0], 'int32');
    const c = createDataset({ features: x, labels: y, numClasses: 3 });
    tf.dispose([x, y]);
    for (const ds of [a, b, c]) {
      expect(ds.size).toBe(3);
      expect(ds.numFeatures).toBe(2);
      expect(Array.from(ds.features)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(Array.from(ds.labels)).toEqual([0, 1, 0]);
    }
    expect(c.numClasses).toBe(3);
  });

  it('throws before any work for bad data, naming the field and value', () => {
    expect(() => createDataset({ features: [[1], [2]], labels: [4, 4] })).toThrow(
      /dataset.labels: only one class \(4\)/,
    );
    expect(() => createDataset({ features: [[1], [2]], labels: [0] })).toThrow(
      /dataset.labels: length 1 ≠ number of examples \(2\)/,
    );
    expect(() => createDataset({ features: [[1], [Number.NaN]], labels: [0, 1] })).toThrow(
      /dataset.features\[1\]\[0\]: must be finite, got NaN/,
    );
    expect(() => createDataset({ features: [[1], [2]], labels: [0, 1.5] })).toThrow(
      /dataset.labels\[1\].*1.5/,
    );
    // 2^32 + 512 (exact in float32) used to wrap to class 512 in the Int32Array without a word.
    for (const labels of [[0, 1, 2 ** 32 + 512], tf.tensor1d([0, 1, 2 ** 32 + 512])]) {
      expect(() => createDataset({ features: [[1], [2], [3]], labels })).toThrow(
        /dataset.labels\[2\]: .*got 4294967808/,
      );
      if (!Array.isArray(labels)) labels.dispose();
    }
    expect(() => createDataset({ features: [[1], [2]], labels: [0, 3], numClasses: 2 })).toThrow(
      /label 3 is out of range for numClasses \(2\)/,
    );
    // Labels that are not class indices (1e9) used to build a 10⁹-way split and hang.
    expect(() => createDataset({ features: [[1], [2], [3]], labels: [0, 1, 1e9] })).toThrow(
      'dataset.numClasses: 1000000001 classes (from label 1000000000) for 3 examples; labels must be class indices 0..k−1',
    );
    expect(() => createDataset({ features: [[1], [2]], labels: [0, 1], numClasses: 50 })).toThrow(
      'dataset.numClasses: 50 classes for 2 examples',
    );
    expect(() => createDataset({ features: new Float32Array(4), labels: [0, 1] })).toThrow(
      /dataset.numFeatures/,
    );
    expect(() =>
      createDataset({ features: [[1, 2, 3]], labels: [0], numClasses: 2, imageShape: [2, 2] }),
    ).toThrow(/only one class|imageShape/);
  });
});
