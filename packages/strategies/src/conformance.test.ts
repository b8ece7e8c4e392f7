import { exhaustive } from './exhaustive.js';
import { grid } from './grid.js';
import { random } from './random.js';
import { sobol } from './sobolStrategy.js';
import { describeStrategyConformance } from './testing/conformance.js';

describeStrategyConformance('exhaustive', () => exhaustive(), { finiteOnly: true, seeded: false });
describeStrategyConformance(
  'exhaustive (shuffled)',
  (seed) => exhaustive(seed === undefined ? { shuffle: true } : { shuffle: true, seed }),
  { finiteOnly: true },
);
describeStrategyConformance('grid', () => grid({ resolution: 3 }), { seeded: false });
describeStrategyConformance('grid (shuffled)', (seed) =>
  grid(
    seed === undefined ? { resolution: 3, shuffle: true } : { resolution: 3, shuffle: true, seed },
  ),
);
describeStrategyConformance('random', (seed) => random(seed === undefined ? {} : { seed }));
describeStrategyConformance('sobol', (seed) => sobol(seed === undefined ? {} : { seed }));
describeStrategyConformance(
  'sobol (unscrambled)',
  (seed) => sobol(seed === undefined ? { scramble: false } : { scramble: false, seed }),
  { seeded: false },
);
