import { createRng } from '@webtune/core';
import { HarnessError } from './errors.js';

/** A classification dataset held in plain typed arrays (no tensors, so it is backend-independent and never leaks). */
export interface Dataset {
  readonly name: string;
  /** Number of examples n. */
  readonly size: number;
  /** Number of features d per example. */
  readonly numFeatures: number;
  /** Number of classes k; labels are integers in [0, k). */
  readonly numClasses: number;
  /** n×d, row-major. */
  readonly features: Float32Array;
  /** n class indices. */
  readonly labels: Int32Array;
  /** Height × width when each example is an image (d = h·w); needed by the CNN. */
  readonly imageShape?: readonly [number, number];
}

/**
 * A TF.js tensor as the harness reads it: `tf.Tensor2D` and `tf.Tensor1D` are ones. Structural, so
 * that the harness's declarations do not load TF.js's (which fail strict checks with skipLibCheck
 * false).
 */
export interface TensorLike {
  readonly shape: readonly number[];
  readonly dtype: string;
  /** The values, row-major. */
  dataSync(): ArrayLike<number>;
}

/** What {@link createDataset} takes. */
export interface DatasetInput {
  /** n×d: rows of numbers, a flat row-major Float32Array (then `numFeatures` is required), or a 2-D tensor (read, not disposed). */
  features: number[][] | Float32Array | TensorLike;
  /** n class indices 0..k−1, as numbers, an Int32Array or a 1-D tensor (read, not disposed). */
  labels: number[] | Int32Array | TensorLike;
  /** Number of classes k. Default: max label + 1. */
  numClasses?: number;
  /** Features per example; required when `features` is a flat Float32Array. */
  numFeatures?: number;
  /** Height × width when examples are images (h·w must equal the feature count). */
  imageShape?: readonly [number, number];
  /** Default 'dataset'. */
  name?: string;
}

function isTensor(value: unknown): value is TensorLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    'dataSync' in value &&
    'shape' in value &&
    'dtype' in value
  );
}

function readFeatures(input: DatasetInput): { features: Float32Array; n: number; d: number } {
  const f = input.features;
  if (isTensor(f)) {
    if (f.shape.length !== 2) {
      throw new HarnessError(
        `dataset.features: a tensor must be 2-D (n×d), got shape [${f.shape}]`,
      );
    }
    const [n, d] = f.shape as [number, number];
    return { features: Float32Array.from(f.dataSync() as ArrayLike<number>), n, d };
  }
  if (f instanceof Float32Array) {
    const d = input.numFeatures;
    if (d === undefined || !Number.isInteger(d) || d < 1) {
      throw new HarnessError(
        `dataset.numFeatures: must be a positive integer when features is a flat Float32Array, got ${d}`,
      );
    }
    if (f.length % d !== 0) {
      throw new HarnessError(
        `dataset.features: length ${f.length} is not a multiple of numFeatures (${d})`,
      );
    }
    return { features: Float32Array.from(f), n: f.length / d, d };
  }
  if (!Array.isArray(f)) {
    throw new HarnessError(
      'dataset.features: expected number[][], a flat Float32Array or a Tensor2D',
    );
  }
  const n = f.length;
  const d = f[0]?.length ?? 0;
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const row = f[i];
    if (!Array.isArray(row) || row.length !== d) {
      throw new HarnessError(
        `dataset.features[${i}]: expected a row of ${d} numbers, got ${Array.isArray(row) ? `${row.length}` : typeof row}`,
      );
    }
    out.set(row, i * d);
  }
  return { features: out, n, d };
}

/** Labels are stored as Int32: anything past 2³¹ − 1 would wrap to another class silently. */
function checkLabel(i: number, v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new HarnessError(`dataset.labels[${i}]: must be an integer class index, got ${v}`);
  }
  if (v > 2 ** 31 - 1) {
    throw new HarnessError(`dataset.labels[${i}]: must be a class index below 2³¹, got ${v}`);
  }
}

function readLabels(input: DatasetInput): Int32Array {
  const l = input.labels;
  if (isTensor(l)) {
    if (l.shape.length !== 1) {
      throw new HarnessError(`dataset.labels: a tensor must be 1-D, got shape [${l.shape}]`);
    }
    const data = l.dataSync() as ArrayLike<number>;
    const out = new Int32Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      checkLabel(i, v);
      out[i] = v;
    }
    return out;
  }
  if (l instanceof Int32Array) return Int32Array.from(l);
  if (!Array.isArray(l)) {
    throw new HarnessError('dataset.labels: expected number[], an Int32Array or a Tensor1D');
  }
  const out = new Int32Array(l.length);
  for (let i = 0; i < l.length; i++) {
    const v = l[i];
    checkLabel(i, v);
    out[i] = v;
  }
  return out;
}

/**
 * Validates user data and copies it into a {@link Dataset}. Throws `HarnessError` naming the field
 * and value for mismatched lengths, non-finite features, negative or out-of-range labels, or a
 * dataset with fewer than two classes present.
 */
export function createDataset(input: DatasetInput): Dataset {
  const { features, n, d } = readFeatures(input);
  const labels = readLabels(input);
  if (n === 0 || d === 0) {
    throw new HarnessError(`dataset.features: empty (${n} examples × ${d} features)`);
  }
  if (labels.length !== n) {
    throw new HarnessError(`dataset.labels: length ${labels.length} ≠ number of examples (${n})`);
  }
  for (let i = 0; i < features.length; i++) {
    if (!Number.isFinite(features[i]!)) {
      throw new HarnessError(
        `dataset.features[${Math.floor(i / d)}][${i % d}]: must be finite, got ${features[i]}`,
      );
    }
  }
  let maxLabel = -1;
  for (let i = 0; i < n; i++) {
    const v = labels[i]!;
    if (v < 0) throw new HarnessError(`dataset.labels[${i}]: must be ≥ 0, got ${v}`);
    if (v > maxLabel) maxLabel = v;
  }
  const numClasses = input.numClasses ?? maxLabel + 1;
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    throw new HarnessError(`dataset.numClasses: must be an integer ≥ 2, got ${numClasses}`);
  }
  if (maxLabel >= numClasses) {
    throw new HarnessError(
      `dataset.labels: label ${maxLabel} is out of range for numClasses (${numClasses})`,
    );
  }
  const present = new Set(labels);
  if (present.size < 2) {
    throw new HarnessError(
      `dataset.labels: only one class (${labels[0]}) is present; classification needs at least 2`,
    );
  }
  if (numClasses > n) {
    throw new HarnessError(
      `dataset.numClasses: ${numClasses} classes${input.numClasses === undefined ? ` (from label ${maxLabel})` : ''} for ${n} examples; labels must be class indices 0..k−1`,
    );
  }
  if (input.imageShape) {
    const [h, w] = input.imageShape;
    if (!Number.isInteger(h) || !Number.isInteger(w) || h * w !== d) {
      throw new HarnessError(
        `dataset.imageShape: [${h}, ${w}] must be integers with h·w = numFeatures (${d})`,
      );
    }
  }
  return {
    name: input.name ?? 'dataset',
    size: n,
    numFeatures: d,
    numClasses,
    features,
    labels,
    ...(input.imageShape
      ? { imageShape: [input.imageShape[0], input.imageShape[1]] as const }
      : {}),
  };
}

/** One part of a split: features m×d row-major, m labels. */
export interface DataPart {
  readonly size: number;
  /** m×d, row-major, scaled. */
  readonly features: Float32Array;
  readonly labels: Int32Array;
  /** Indices of these rows in the original dataset, in this part's order. */
  readonly indices: Int32Array;
}

/** How features are scaled, with statistics taken from the training part only. */
export type Scaling = 'standardize' | 'minmax' | 'none';

/** How {@link splitDataset} divides and scales a dataset. */
export interface SplitOptions {
  /** Seeds the stratified assignment. Default 0. */
  seed?: number;
  /** Fraction of each class held out for validation. Default 0.2. */
  validation?: number;
  /** Fraction of each class held out for testing. Default 0.2. */
  test?: number;
  /**
   * 'standardize' (default): (x − mean) / std per feature, std of a constant feature taken as 1.
   * 'minmax': (x − min) / (max − min) per feature into [0, 1] on the training part.
   * 'none': unchanged.
   */
  scaling?: Scaling;
}

/** A dataset split into train / validation / test parts, features scaled with training statistics. */
export interface SplitDataset {
  readonly name: string;
  readonly numFeatures: number;
  readonly numClasses: number;
  readonly imageShape?: readonly [number, number];
  readonly seed: number;
  readonly scaling: Scaling;
  readonly train: DataPart;
  readonly validation: DataPart;
  readonly test: DataPart;
}

function checkFraction(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0 || value >= 1) {
    throw new HarnessError(`split.${name}: must be in (0, 1), got ${value}`);
  }
}

/** Whether `value` was already split (by {@link splitDataset}) into train, validation and test parts. */
export function isSplitDataset(value: Dataset | SplitDataset): value is SplitDataset {
  return 'train' in value && 'validation' in value && 'test' in value;
}

/**
 * Deterministic stratified split: within each class the examples are shuffled with a seeded
 * generator, then round(validation·n_c) go to validation, round(test·n_c) to test and the rest to
 * train (held-out counts are capped so every class keeps at least one training example); each
 * part is then shuffled. Same dataset + same seed → same parts, on any machine.
 * Features are scaled with statistics of the training part (see {@link SplitOptions.scaling}).
 */
export function splitDataset(dataset: Dataset, options: SplitOptions = {}): SplitDataset {
  const seed = options.seed ?? 0;
  const valFrac = options.validation ?? 0.2;
  const testFrac = options.test ?? 0.2;
  const scaling = options.scaling ?? 'standardize';
  if (!Number.isInteger(seed))
    throw new HarnessError(`split.seed: must be an integer, got ${seed}`);
  checkFraction('validation', valFrac);
  checkFraction('test', testFrac);
  if (valFrac + testFrac >= 1) {
    throw new HarnessError(
      `split: validation (${valFrac}) + test (${testFrac}) must leave data for training`,
    );
  }
  if (scaling !== 'standardize' && scaling !== 'minmax' && scaling !== 'none') {
    throw new HarnessError(`split.scaling: unknown scaling '${scaling}'`);
  }
  const rng = createRng(seed).fork('split');
  const byClass: number[][] = Array.from({ length: dataset.numClasses }, () => []);
  for (let i = 0; i < dataset.size; i++) byClass[dataset.labels[i]!]!.push(i);
  const train: number[] = [];
  const validation: number[] = [];
  const test: number[] = [];
  for (const members of byClass) {
    rng.shuffle(members);
    // Rounding each fraction up can take a whole class (10 × 0.45 → 5 + 5); train keeps one.
    const nVal = Math.min(Math.round(members.length * valFrac), Math.max(0, members.length - 1));
    const nTest = Math.min(
      Math.round(members.length * testFrac),
      Math.max(0, members.length - 1 - nVal),
    );
    validation.push(...members.slice(0, nVal));
    test.push(...members.slice(nVal, nVal + nTest));
    train.push(...members.slice(nVal + nTest));
  }
  for (const part of [train, validation, test]) rng.shuffle(part);
  if (validation.length === 0 || test.length === 0) {
    throw new HarnessError(
      `split: dataset '${dataset.name}' (${dataset.size} examples) is too small for validation ${valFrac} / test ${testFrac}`,
    );
  }

  const d = dataset.numFeatures;
  const offset = new Float64Array(d);
  const scale = new Float64Array(d).fill(1);
  if (scaling === 'standardize') {
    const sum = new Float64Array(d);
    const sq = new Float64Array(d);
    for (const i of train) {
      for (let j = 0; j < d; j++) {
        const v = dataset.features[i * d + j]!;
        sum[j]! += v;
        sq[j]! += v * v;
      }
    }
    for (let j = 0; j < d; j++) {
      const mean = sum[j]! / train.length;
      const variance = Math.max(0, sq[j]! / train.length - mean * mean);
      offset[j] = mean;
      scale[j] = variance > 1e-12 ? Math.sqrt(variance) : 1;
    }
  } else if (scaling === 'minmax') {
    const lo = new Float64Array(d).fill(Number.POSITIVE_INFINITY);
    const hi = new Float64Array(d).fill(Number.NEGATIVE_INFINITY);
    for (const i of train) {
      for (let j = 0; j < d; j++) {
        const v = dataset.features[i * d + j]!;
        if (v < lo[j]!) lo[j] = v;
        if (v > hi[j]!) hi[j] = v;
      }
    }
    for (let j = 0; j < d; j++) {
      offset[j] = lo[j]!;
      const range = hi[j]! - lo[j]!;
      scale[j] = range > 1e-12 ? range : 1;
    }
  }
  const take = (rows: number[]): DataPart => {
    const features = new Float32Array(rows.length * d);
    const labels = new Int32Array(rows.length);
    rows.forEach((row, k) => {
      for (let j = 0; j < d; j++) {
        features[k * d + j] = (dataset.features[row * d + j]! - offset[j]!) / scale[j]!;
      }
      labels[k] = dataset.labels[row]!;
    });
    return { size: rows.length, features, labels, indices: Int32Array.from(rows) };
  };
  return {
    name: dataset.name,
    numFeatures: d,
    numClasses: dataset.numClasses,
    ...(dataset.imageShape ? { imageShape: dataset.imageShape } : {}),
    seed,
    scaling,
    train: take(train),
    validation: take(validation),
    test: take(test),
  };
}
