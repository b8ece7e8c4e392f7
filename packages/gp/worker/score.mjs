// A Node worker thread of @webtune/gp's CPU backend (see src/cpuThreads.ts): scores one slice of
// the candidates with the same exact code as the main thread. Plain JS, loaded from both src/ and
// dist/ as ../worker/score.mjs; it imports the built package by its own name.
import { parentPort } from 'node:worker_threads';
import { scoreTopKSync } from '@webtune/gp';

parentPort.on('message', (job) => {
  try {
    const { gp, xc, m, acquisition, k } = job;
    const top = scoreTopKSync(
      { ...gp, yMean: 0, yStd: 1, logMarginalLikelihood: 0 },
      xc,
      m,
      acquisition,
      k,
    );
    parentPort.postMessage({ id: job.id, index: top.index, value: top.value }, [
      top.index.buffer,
      top.value.buffer,
    ]);
  } catch (e) {
    parentPort.postMessage({ id: job.id, error: e instanceof Error ? e.message : String(e) });
  }
});
