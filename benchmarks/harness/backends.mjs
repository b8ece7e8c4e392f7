// Milliseconds per training epoch of digits MLPs on each TF.js backend available in Node.
//   node benchmarks/harness/backends.mjs [--backends cpu,wasm] [--epochs 2] [--repeats 3]
// Writes results/backends.json; the table lands in RESULTS.md via run.mjs --table.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { resolveModelConfig, splitDataset, trainModel, useBackend } from '@webtune/harness';
import { loadDigitsSync } from '@webtune/harness/node';

const { values } = parseArgs({
  options: {
    backends: { type: 'string', default: 'cpu,wasm' },
    epochs: { type: 'string', default: '2' },
    repeats: { type: 'string', default: '3' },
  },
});
const epochs = Number(values.epochs);
const data = splitDataset(loadDigitsSync(), { seed: 0 });
const configs = [
  { units: 64, batchSize: 32 },
  { units: 64, batchSize: 256 },
  { units: 512, batchSize: 32 },
  { units: 512, batchSize: 256 },
];
const backends = values.backends.split(',');
const repeats = Number(values.repeats);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
// Backends alternate within each repeat so load from other processes hits them alike; the median
// of the repeats is reported.
for (const c of configs) {
  const config = resolveModelConfig(c, { trainSize: data.train.size });
  const samples = Object.fromEntries(backends.map((b) => [b, []]));
  const accuracy = {};
  for (let rep = 0; rep <= repeats; rep++) {
    for (const backend of backends) {
      await useBackend(backend);
      const t0 = performance.now();
      const r = await trainModel(data, config, { epochs, seed: 0 });
      // Repeat 0 is a warm-up (kernel compilation, caches).
      if (rep > 0) samples[backend].push((performance.now() - t0) / epochs);
      accuracy[backend] = r.best.valAccuracy;
    }
  }
  for (const backend of backends) {
    const msPerEpoch = Math.round(median(samples[backend]));
    rows.push({
      backend,
      ...c,
      msPerEpoch,
      samples: samples[backend].map(Math.round),
      valAccuracy: accuracy[backend],
    });
    console.log(
      `${backend} hidden ${c.units} batch ${c.batchSize}: ${msPerEpoch} ms/epoch (${samples[backend].map(Math.round).join(', ')})`,
    );
  }
}
const here = dirname(fileURLToPath(import.meta.url));
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(
  join(here, 'results', 'backends.json'),
  `${JSON.stringify({ machine: `${cpus()[0]?.model} × ${cpus().length}, Node ${process.version}`, loadavg: loadavg(), date: new Date().toISOString(), epochs, repeats, rows }, null, 2)}\n`,
);
