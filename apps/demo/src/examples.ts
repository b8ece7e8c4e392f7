import type { SpaceJSON } from '@webtune/core';
import type { ModelConfig } from '@webtune/harness';
import type { Config } from '@webtune/space';

/** A search the demo can run: a space over an MLP's settings and how a configuration maps to it. */
export interface Example {
  readonly id: string;
  readonly title: string;
  readonly space: SpaceJSON;
  /** Maps a trial's params to the harness's model configuration. */
  readonly model: 'mlp' | ((params: Config) => Partial<ModelConfig>);
}

/** The examples, as in examples/seed-mlp-digits.mjs and examples/mlp-digits.mjs at the repo root. */
export const EXAMPLES: readonly Example[] = [
  {
    id: 'seed-grid',
    title: 'Seed grid: lr × batch × hidden (4 × 4 × 4 categorical)',
    space: {
      lr: { type: 'categorical', choices: [0.001, 0.01, 0.1, 1] },
      batch: { type: 'categorical', choices: [32, 64, 128, 256] },
      hidden: { type: 'categorical', choices: [64, 128, 256, 512] },
    },
    model: 'mlp',
  },
  {
    id: 'mlp-continuous',
    title: 'Continuous MLP: log lr, log hidden, dropout, optimizer (+ momentum for sgd)',
    space: {
      lr: { type: 'float', low: 1e-4, high: 1, log: true },
      hidden: { type: 'int', low: 16, high: 512, log: true },
      dropout: { type: 'float', low: 0, high: 0.5 },
      optimizer: { type: 'categorical', choices: ['adam', 'sgd', 'rmsprop'] },
      momentum: { type: 'float', low: 0, high: 0.99, when: { optimizer: ['sgd'] } },
    },
    model: (p) => ({
      learningRate: p.lr as number,
      units: p.hidden as number,
      dropout: p.dropout as number,
      optimizer: p.optimizer as ModelConfig['optimizer'],
      momentum: (p.momentum as number | undefined) ?? 0,
      batchSize: 64,
    }),
  },
];

/** The example with this id; throws naming the id when there is none. */
export function findExample(id: string): Example {
  const example = EXAMPLES.find((e) => e.id === id);
  if (!example) {
    throw new Error(`example: '${id}' is not one of ${EXAMPLES.map((e) => e.id).join(', ')}`);
  }
  return example;
}
