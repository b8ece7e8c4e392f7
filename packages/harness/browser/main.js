// Browser fixture for src/browser.test.ts: the main entry as a bundler sees it.
// TF.js's core only: the harness must bring the backends it is asked for by itself.
import * as tf from '@tensorflow/tfjs-core';
import {
  chooseBackend,
  getWebGPUDevice,
  loadDigits,
  resolveModelConfig,
  splitDataset,
  trainModel,
  useBackend,
} from '@webtune/harness';

window.runHarness = async (backend) => {
  const used = await useBackend(backend);
  const dataset = await loadDigits();
  const data = splitDataset(dataset, { seed: 0 });
  const before = tf.memory().numTensors;
  const config = resolveModelConfig(
    { units: 16, batchSize: 128, learningRate: 0.01 },
    { trainSize: data.train.size },
  );
  const result = await trainModel(data, config, { epochs: 2, seed: 0 });
  const device = getWebGPUDevice();
  return {
    used,
    size: dataset.size,
    firstLabels: Array.from(dataset.labels.slice(0, 5)),
    valAccuracy: result.best.valAccuracy,
    leaked: tf.memory().numTensors - before,
    hasDevice: typeof device?.createBuffer === 'function',
  };
};
window.chooseAuto = async () => {
  const adapter = await navigator.gpu?.requestAdapter();
  return { fallback: adapter?.info.isFallbackAdapter ?? null, ...(await chooseBackend('auto')) };
};
window.harnessReady = true;
