import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderReport, type StudyJSON } from './report.js';

/** A study shaped like the CLI's JSON: complete, pruned and failed trials, intermediate values. */
function sampleStudy(): StudyJSON {
  const lrs = [0.001, 0.01, 0.1, 1];
  const trials: StudyJSON['trials'] = Array.from({ length: 12 }, (_, i) => {
    const lr = lrs[i % 4]!;
    const hidden = [64, 128, 256, 512][(i * 3) % 4]!;
    const acc = 0.9 + 0.005 * i - (lr === 1 ? 0.6 : 0);
    const state = i === 5 ? 'pruned' : i === 7 ? 'failed' : 'complete';
    return {
      number: i,
      params: { lr, batch: 32 * 2 ** (i % 3), hidden, optimizer: i % 2 ? 'adam' : 'sgd' },
      state,
      ...(state === 'failed' ? { error: 'lr: boom <b>' } : { value: acc }),
      intermediate:
        state === 'failed' ? [] : [1, 2, 3].map((s) => ({ step: s, value: acc - 0.1 / s })),
      userAttrs: { testAccuracy: acc - 0.01, epochs: 3, backend: 'wasm' },
      startedAt: 1_700_000_000_000 + i * 1000,
      durationMs: 900 + i,
    };
  });
  return {
    direction: 'maximize',
    strategy: 'bayesian',
    seed: 42,
    space: {
      lr: { type: 'float', low: 1e-4, high: 1, log: true },
      batch: { type: 'categorical', choices: [32, 64, 128, 256] },
      hidden: { type: 'int', low: 16, high: 512, log: true },
      optimizer: { type: 'categorical', choices: ['adam', 'sgd', 'rmsprop'] },
    },
    trials,
    best: trials[10],
  };
}

describe('renderReport', () => {
  const html = renderReport(sampleStudy());

  it('is one self-contained document: no external resources', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script[^>]*\ssrc=|<link[^>]*href=|@import|url\(http/);
  });

  it('holds the history chart (a point per valued trial, best-so-far line)', () => {
    const history = html.match(/<section class="chart" id="history">[\s\S]*?<\/section>/)![0];
    expect(history.match(/<circle class="trial (complete|pruned)" data-trial=/g)).toHaveLength(11);
    expect(history).toContain('trial 7 (failed): lr: boom &lt;b&gt;');
    expect(history).toMatch(/<polyline class="best" points="[\d., ]+"/);
    expect(history).toContain('trial 10 (complete): 0.95<');
  });

  it('holds the parallel coordinates (a line per valued trial, an axis per parameter + objective)', () => {
    const pc = html.match(/<section class="chart" id="parallel">[\s\S]*?<\/section>/)![0];
    const lines = pc.match(/<polyline class="pc" data-trial="\d+" points="([^"]*)"/g)!;
    expect(lines).toHaveLength(11);
    for (const line of lines) expect(line.split(' ').length - 3).toBe(5);
    for (const axis of ['lr (log)', 'batch', 'hidden (log)', 'optimizer', 'objective']) {
      expect(pc).toContain(`>${axis}</text>`);
    }
    expect(pc).toContain('stroke-dasharray');
  });

  it('plots a parameter whose own name ends in " (log)"', () => {
    const out = renderReport({
      direction: 'minimize',
      space: { 'depth (log)': { type: 'int', low: 1, high: 9 } },
      trials: [1, 5, 9].map((d, i) => ({
        number: i,
        params: { 'depth (log)': d },
        value: d,
        state: 'complete',
      })),
    });
    const lines = out.match(/<polyline class="pc" data-trial="\d+" points="([^"]*)"/g)!;
    expect(lines).toHaveLength(3);
    // One point on the parameter's axis and one on the objective's.
    for (const line of lines) expect(line.split(' ').length - 3).toBe(2);
  });

  it('holds the intermediate curves and the trial table, escaping user text', () => {
    expect(html.match(/<polyline class="curve/g)).toHaveLength(11);
    expect(html).toContain('error: lr: boom &lt;b&gt;');
    expect(html).not.toContain('boom <b>');
    expect(html.match(/<tr class="[^"]*" data-trial=/g)).toHaveLength(12);
    expect(html).toContain('<tr class="complete best" data-trial="10">');
    expect(html).toContain('<th>testAccuracy</th>');
    expect(html).toContain('<b>0.94</b><span>test accuracy of the best trial</span>');
    const data = JSON.parse(
      html.match(/<script type="application\/json" id="study-data">(.*)<\/script>/)![1]!,
    );
    expect(data.trials).toHaveLength(12);
  });

  it('ranks the parameters in an importance bar chart (lr decides whether a trial collapses)', () => {
    const imp = html.match(/<section class="chart" id="importance"[^>]*>[\s\S]*?<\/section>/)![0];
    const bars = [
      ...imp.matchAll(
        /<g class="imp" data-param="([^"]+)">[\s\S]*?width="([\d.]+)"[\s\S]*?>([\d.]+)<\/text><\/g>/g,
      ),
    ];
    expect(bars.map((b) => b[1]).sort()).toEqual(['batch', 'hidden', 'lr', 'optimizer']);
    expect(bars[0]![1]).toBe('lr');
    const shares = bars.map((b) => Number(b[3]));
    expect(shares[0]).toBeGreaterThan(0.5);
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
    const widths = bars.map((b) => Number(b[2]));
    expect(widths).toEqual([...widths].sort((a, b) => b - a));
    expect(imp).toContain('GP fitted to the 10 complete trials');
    expect(imp).toMatch(
      /<title>lr: importance [\d.]+, first-order [\d.e-]+, total [\d.e-]+<\/title>/,
    );
  });

  it('fits the importance on at most 300 complete trials, spread evenly over the study by number', () => {
    // Listed out of order: the thinning goes by trial number, not by position.
    const trials = Array.from({ length: 450 }, (_, i) => {
      const x = (i * 0.618034) % 1;
      const y = (i * 0.414214) % 1;
      return { number: i, params: { x, y }, value: Math.sin(6 * x) + 0.1 * y, state: 'complete' };
    }).reverse();
    const out = renderReport({
      direction: 'minimize',
      space: { x: { type: 'float', low: 0, high: 1 }, y: { type: 'float', low: 0, high: 1 } },
      trials,
    });
    const imp = out.match(/<section class="chart" id="importance"[^>]*>[\s\S]*?<\/section>/)![0];
    expect(imp).toContain('GP fitted to 300 of the 450 complete trials (evenly by number)');
    const used = imp
      .match(/data-trials="([\d ]*)"/)![1]!
      .split(' ')
      .map(Number);
    expect(used).toHaveLength(300);
    // ⌊1.5·i⌋: 0, 1, 3, 4, 6, … 448 — every third trial left out, none of the later ones favoured.
    expect(used).toEqual(Array.from({ length: 300 }, (_, i) => Math.floor(1.5 * i)));
    expect(used.filter((n) => n < 225)).toHaveLength(150);
    expect(imp.indexOf('data-param="x"')).toBeLessThan(imp.indexOf('data-param="y"'));
    expect(imp).not.toContain('class="warn"');
  });

  it('says so above the bars when interactions dominate (f = a·b) or the fit is poor (noise)', () => {
    const space = {
      a: { type: 'float', low: -1, high: 1 },
      b: { type: 'float', low: -1, high: 1 },
    };
    const point = (i: number) => ({
      a: ((i * 0.618034) % 1) * 2 - 1,
      b: ((i * 0.414214) % 1) * 2 - 1,
    });
    const product = renderReport({
      direction: 'minimize',
      space,
      trials: Array.from({ length: 30 }, (_, i) => {
        const params = point(i);
        return { number: i, params, value: params.a * params.b, state: 'complete' };
      }),
    });
    const imp = product.match(
      /<section class="chart" id="importance"[^>]*>[\s\S]*?<\/section>/,
    )![0];
    expect(imp).toMatch(
      /<p class="warn">Ranked by total index: single parameters explain only \d% of the model&#39;s variance, interactions the rest\.<\/p>/,
    );
    expect(imp).toContain("each parameter's total Sobol index (with its interactions), normalised");
    expect(imp).toContain('importance (total index, with interactions, normalised to sum 1)');
    const shares = [...imp.matchAll(/>(0\.\d+)<\/text><\/g>/g)].map((m) => Number(m[1]));
    expect(shares).toHaveLength(2);
    for (const share of shares) expect(share).toBeCloseTo(0.5, 1);

    let s = 7;
    const noise = renderReport({
      direction: 'minimize',
      space,
      trials: Array.from({ length: 30 }, (_, i) => {
        s = (s * 1103515245 + 12345) % 2147483648;
        return { number: i, params: point(i), value: s / 2147483648, state: 'complete' };
      }),
    });
    expect(noise).toMatch(
      /<p class="warn">Uncertain: the model predicts a left-out trial with R² -?0\.\d\d \(1 = exactly, 0 = no better than the mean\), so the values may be mostly noise\.<\/p>/,
    );
  });

  it('skips the importance chart with one line when it cannot be computed', () => {
    const section = (out: string) =>
      out.match(/<section class="chart" id="importance"[^>]*>[\s\S]*?<\/section>/)![0];
    const one = sampleStudy();
    one.trials = one.trials.slice(0, 1);
    expect(section(renderReport(one))).toBe(
      '<section class="chart" id="importance"><h2>Importance</h2><p class="note">Needs at least 2 complete trials (this study has 1).</p></section>',
    );
    const noSpace = { ...sampleStudy(), space: undefined };
    expect(section(renderReport(noSpace))).toContain('The study JSON holds no space to sample.');
    const flat = sampleStudy();
    flat.trials = flat.trials.map((t) => ({ ...t, value: t.state === 'failed' ? undefined : 0.5 }));
    expect(section(renderReport(flat))).toContain(
      'Not computed: paramImportances: all 10 complete trials have the target 0.5',
    );
  });

  it('copes with a study where nothing completed', () => {
    const out = renderReport({
      direction: 'minimize',
      trials: [{ number: 0, params: { x: 1 }, state: 'failed', error: 'nope' }],
    });
    expect(out).toContain('No trial completed.');
    expect(out).toContain('no trial reported a value');
  });

  it('finishes when the values differ only by rounding (0.3 and 0.1 + 0.2), with ticks on the axis', () => {
    // The tick step was below half an ulp of the values, so `v += step` never moved: a hang.
    const out = renderReport({
      direction: 'minimize',
      trials: [
        { number: 0, params: { x: 1 }, value: 0.3, state: 'complete' },
        { number: 1, params: { x: 2 }, value: 0.1 + 0.2, state: 'complete' },
        { number: 2, params: { x: 3 }, state: 'failed', error: 'x' },
      ],
    });
    expect(out).toContain('<section class="chart" id="history">');
    expect(out).toContain('text-anchor="end">0.3</text>');
    expect(out.length).toBeLessThan(100_000);
    const big = renderReport({
      direction: 'minimize',
      trials: [
        { number: 0, params: { x: 1 }, value: 1e16, state: 'complete' },
        { number: 1, params: { x: 2 }, value: 1e16 + 2, state: 'complete' },
      ],
    });
    expect(big.length).toBeLessThan(100_000);
  });

  it.skipIf(!existsSync('/usr/bin/chromium'))(
    'renders in Chromium: every chart has a drawn size, nothing is requested',
    async () => {
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({
        executablePath: '/usr/bin/chromium',
        args: [
          '--headless=new',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      try {
        const page = await browser.newPage();
        const requests: string[] = [];
        page.on('request', (r) => requests.push(r.url()));
        await page.setContent(html);
        const sizes = await page.$$eval('section.chart svg', (svgs) =>
          svgs.map((s) => {
            const box = (s as SVGGraphicsElement).getBBox();
            return [box.width, box.height];
          }),
        );
        // history, parallel coordinates, intermediate values, importance (4 bars: shorter).
        expect(sizes).toHaveLength(4);
        for (const [w, h] of sizes) {
          expect(w).toBeGreaterThan(500);
          expect(h).toBeGreaterThan(100);
        }
        expect(requests).toEqual([]);
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});
