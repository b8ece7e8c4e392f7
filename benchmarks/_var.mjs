import { createSpace } from '@webtune/space';
import { bayesian } from '@webtune/strategies';
const [problemPath, budgetS, seedsS, optsJson, label] = process.argv.slice(2);
const mod = await import(problemPath);
const space = createSpace(mod.space);
const opts = JSON.parse(optsJson);
const out = [];
for (const seed of seedsS.split(',').map(Number)) {
  const strategy = bayesian({ deterministic: true, seed, ...opts });
  const trials = []; let best = Infinity; const t0 = performance.now(); let at150 = NaN;
  for (let i = 0; i < +budgetS; i++) {
    const [c] = await strategy.suggest({ space, direction: 'minimize', trials, count: 1, seed });
    const v = mod.objective(c); best = Math.min(best, v);
    trials.push({ number: i, params: c, state: 'complete', value: v, intermediate: [], userAttrs: {}, startedAt: 0 });
    if (i + 1 === (+budgetS) / 2) at150 = Math.log10(Math.max(best - mod.fStar, 1e-12));
  }
  const r = Math.log10(Math.max(best - mod.fStar, 1e-12));
  out.push(r);
  console.log(`${label} ${mod.name} seed ${seed}: half ${at150.toFixed(2)} full ${r.toFixed(2)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
}
