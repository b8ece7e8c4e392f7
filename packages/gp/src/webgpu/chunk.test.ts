import { describe, expect, it } from 'vitest';
import { chunkPadFor } from './engine.js';

describe('chunkPadFor', () => {
  const limits = { bindingLimit: 1 << 30, maxWorkgroups: 65535 };
  it('keeps the cross-covariance dispatch (chunk/16 workgroups) within the per-dimension limit', () => {
    // n ≤ 64, d = 1 and chunkSize 2^21: neither memory bound applies below 2^20 candidates.
    const pad = chunkPadFor(1 << 20, 64, 1, 1 << 21, limits);
    expect(pad % 64).toBe(0);
    expect(pad / 16).toBeLessThanOrEqual(65535);
    expect(pad).toBe(1048512);
  });
  it('honours maxChunk, the binding budget and the input size', () => {
    expect(chunkPadFor(1000, 64, 1, 1 << 19, limits)).toBe(1024);
    expect(chunkPadFor(1 << 22, 64, 1, 1000, limits)).toBe(960);
    expect(chunkPadFor(1 << 22, 4096, 1, 1 << 19, limits)).toBe(16384);
    expect(chunkPadFor(10, 64, 1, 1 << 19, limits)).toBe(64);
  });
});
