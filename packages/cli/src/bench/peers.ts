/**
 * The peers' figures from the benchmark protocol (benchmarks/quality/PROTOCOL.md): median log10 regret
 * at the full budget over seeds 0..9, measured with optuna 3.1.0, scikit-learn 1.2.1,
 * scipy 1.10.1, numpy 1.24.2, cmaes 0.9.1 on a 2-core machine.
 */
export const PEER_NAMES = [
  'random',
  'Optuna TPE',
  'TPE multivariate',
  'Sobol',
  'CMA-ES',
  'sklearn GP-EI',
] as const;

export type PeerName = (typeof PEER_NAMES)[number];

/** problem → peer → median log10 regret at the full budget. */
export const PEER_REGRET: Readonly<Record<string, Readonly<Record<PeerName, number>>>> = {
  branin: {
    random: -0.06,
    'Optuna TPE': -0.74,
    'TPE multivariate': -0.87,
    Sobol: -0.28,
    'CMA-ES': -0.01,
    'sklearn GP-EI': -6.1,
  },
  hartmann6: {
    random: 0.11,
    'Optuna TPE': -0.56,
    'TPE multivariate': -0.75,
    Sobol: 0.12,
    'CMA-ES': -0.61,
    'sklearn GP-EI': -0.91,
  },
  ackley5: {
    random: 0.88,
    'Optuna TPE': 0.51,
    'TPE multivariate': 0.52,
    Sobol: 0.84,
    'CMA-ES': 0.49,
    'sklearn GP-EI': 0.35,
  },
  rosenbrock4: {
    random: 3.08,
    'Optuna TPE': 1.73,
    'TPE multivariate': 1.86,
    Sobol: 3.08,
    'CMA-ES': 1.88,
    'sklearn GP-EI': 1.81,
  },
  levy4: {
    random: 0.5,
    'Optuna TPE': -0.39,
    'TPE multivariate': -0.39,
    Sobol: 0.53,
    'CMA-ES': -0.5,
    'sklearn GP-EI': -0.18,
  },
};

/** seed_grid: median evaluation at which the optimum was first hit (over seeds that hit it within 60), and seeds hit by 30 / 60 where the protocol gives them. */
export const PEER_SEED_GRID: readonly { peer: string; medianHit: number; note: string }[] = [
  { peer: 'sklearn GP-EI', medianHit: 13, note: '10/10 seeds by 30' },
  { peer: 'Sobol', medianHit: 17.5, note: '' },
  { peer: 'TPE multivariate', medianHit: 19.5, note: '8/10 by 30' },
  { peer: 'random', medianHit: 24.5, note: '6/10 by 60' },
  { peer: 'Optuna TPE', medianHit: 28, note: '' },
];

/** Peers' optimiser overhead, seconds per trial. */
export const PEER_OVERHEAD: readonly { peer: string; problem: string; secondsPerTrial: string }[] =
  [
    { peer: 'sklearn GP-EI', problem: 'branin', secondsPerTrial: '0.08' },
    { peer: 'sklearn GP-EI', problem: 'hartmann6', secondsPerTrial: '0.18' },
    { peer: 'Optuna TPE', problem: 'all', secondsPerTrial: '0.003–0.011' },
  ];
