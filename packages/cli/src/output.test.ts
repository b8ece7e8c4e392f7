import type { FrozenTrial } from '@webtune/core';
import { describe, expect, it } from 'vitest';
import { formatTrialLine } from './output.js';

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
