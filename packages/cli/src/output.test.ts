import type { FrozenTrial } from '@webtune/core';
import { describe, expect, it } from 'vitest';
import { formatRetries, formatTrialLine } from './output.js';

const failed = (error: string): FrozenTrial => ({
  number: 3,
  params: { x: 0.5 },
  state: 'failed',
  error,
  intermediate: [],
  userAttrs: {},
  startedAt: 0,
  durationMs: 1,
});

describe('formatTrialLine', () => {
  it('is one line even when the error message has several (a stack, a TF.js dump)', () => {
    const line = formatTrialLine(failed('shape mismatch\n  at conv2d\n  at train'));
    expect(line).toBe('trial 3 failed: shape mismatch | x=0.5\n');
  });
});

describe('formatRetries', () => {
  const trial = (number: number, x: number, state: FrozenTrial['state']): FrozenTrial => ({
    ...failed('boom'),
    number,
    params: { x },
    state,
  });

  it('names each configuration run again after a failure, its trials in order, five at most', () => {
    expect(formatRetries([trial(0, 1, 'complete'), trial(1, 1, 'complete')])).toBe('');
    const trials = [0, 1, 2, 3, 4, 5, 6].flatMap((x) => [
      trial(x, x, 'failed'),
      trial(10 + x, x, x === 2 ? 'failed' : 'complete'),
    ]);
    trials.push(trial(20, 2, 'pruned'));
    expect(formatRetries(trials)).toBe(
      'retried 7 failed configurations: trial 0 → 10 complete; trial 1 → 11 complete; trial 2 → 12 → 20 pruned; trial 3 → 13 complete; trial 4 → 14 complete; … 2 more\n',
    );
  });
});
