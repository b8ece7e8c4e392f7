import type { Strategy } from '@webtune/core';
import { bayesian, gradient } from '@webtune/strategies';
import { createStrategy } from '../strategies.js';

/**
 * The quality benchmark's strategy by name: the command's own table (`webtune run --strategy`)
 * with default options, except bayesian and gradient, built here with their defaults plus
 * `deterministic` when the problem module declares its objective noise-free.
 */
export function createBenchStrategy(name: string, problem: { deterministic: boolean }): Strategy {
  const model = problem.deterministic ? { deterministic: true } : {};
  if (name === 'bayesian') return bayesian(model);
  if (name === 'gradient') return gradient(model);
  return createStrategy(name, {});
}
