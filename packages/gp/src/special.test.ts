import { describe, expect, it } from 'vitest';
import { dLogH, erf, erfc, erfcx, h, logH, logNormCdf, normCdf, normPdf } from './special.js';

// Reference values from mpmath at 50 digits (mp.erfc, mp.exp(z²)·mp.erfc, mp.ncdf, log(φ + zΦ)).
const ERFC: [number, number, number][] = [
  [-3, 1.9999779095030015, 16205.988853999586],
  [-1, 1.842700792949715, 5.008980080762283],
  [-0.5, 1.5204998778130465, 1.952360489182557],
  [0, 1, 1],
  [0.5, 0.4795001221869535, 0.6156903441929259],
  [1, 0.15729920705028513, 0.427583576155807],
  [3, 2.209049699858544e-5, 0.17900115118138996],
  [10, 2.088487583762545e-45, 0.05614099274382259],
  [26, 5.663192408856143e-296, 0.021683584850562907],
];
const NCDF: [number, number, number][] = [
  [-10, 7.619853024160525e-24, -53.23128515051247],
  [-5, 2.866515718791939e-7, -15.064998393988725],
  [-1, 0.15865525393145705, -1.8410216450092636],
  [0, 0.5, -Math.LN2],
  [2, 0.9772498680518208, -0.023012909328963486],
  [8, 0.9999999999999993, -6.220960574271786e-16],
];
const LOGH: [number, number, number][] = [
  [-1e6, -500000000028.55, 1000000.000002],
  [-1000, -500014.73445209116, 1000.001999994],
  [-100, -5010.12957880025, 100.01999400419587],
  [-40, -808.29856835662, 40.04990665764852],
  [-38.5, -749.3472742078229, 38.55184340493951],
  [-20, -206.9178385094251, 20.099262811101283],
  [-5, -16.74430116266099, 5.361816241288088],
  [-1, -2.4851210257126413, 1.9042712333296918],
  [0, -0.9189385332046728, 1.2533141373155003],
  [1, 0.08002621884930694, 0.7766387252017393],
  [5, 1.6094379231264313, 0.19999994053122006],
];

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

describe('erfc / erfcx', () => {
  it.each(ERFC)('z = %d matches mpmath to 1e-14 relative', (z, e, ex) => {
    expect(rel(erfc(z), e)).toBeLessThan(1e-14);
    expect(rel(erfcx(z), ex)).toBeLessThan(1e-14);
  });
  it('erfcx stays finite and ~1/(z√π) where erfc underflows', () => {
    expect(erfc(30)).toBe(0);
    expect(rel(erfcx(1e4), 1 / (1e4 * Math.sqrt(Math.PI)))).toBeLessThan(1e-8);
  });
  it('erf is odd and 1 − erfc', () => {
    expect(erf(0.5)).toBeCloseTo(1 - 0.4795001221869535, 15);
    expect(erf(-0.5)).toBe(-erf(0.5));
  });
});

describe('normal distribution', () => {
  it.each(NCDF)('Φ(%d) and log Φ match mpmath', (z, p, lp) => {
    expect(rel(normCdf(z), p)).toBeLessThan(1e-13);
    expect(rel(logNormCdf(z), lp)).toBeLessThan(1e-13);
  });
  it('log Φ is finite far in both tails', () => {
    expect(logNormCdf(-40)).toBeCloseTo(-804.6084420137538, 9);
    expect(rel(logNormCdf(-1e5), -5e9 - Math.log(1e5) - 0.9189385332046728)).toBeLessThan(1e-12);
    expect(rel(logNormCdf(30), -4.906713927148187e-198)).toBeLessThan(1e-6);
  });
  it('φ integrates Φ: central difference of Φ equals φ', () => {
    for (const z of [-3, -0.3, 0, 1.7]) {
      const fd = (normCdf(z + 1e-6) - normCdf(z - 1e-6)) / 2e-6;
      expect(rel(fd, normPdf(z))).toBeLessThan(1e-8);
    }
  });
});

describe('log h (log-EI core)', () => {
  it.each(LOGH)('log h(%d) and its derivative match mpmath', (z, lh, dlh) => {
    expect(rel(logH(z), lh)).toBeLessThan(1e-14);
    expect(rel(dLogH(z), dlh)).toBeLessThan(1e-10);
  });
  it('equals log(h) to 1e-9 relative wherever h is representable', () => {
    for (let z = -37; z <= 6; z += 0.173) {
      const direct = h(z);
      expect(direct).toBeGreaterThan(0);
      expect(rel(logH(z), Math.log(direct))).toBeLessThan(1e-9);
    }
  });
  it('is finite and increasing where h underflows to 0', () => {
    expect(h(-40)).toBe(0);
    expect(h(-100)).toBe(0);
    let prev = Number.NEGATIVE_INFINITY;
    for (const z of [-1e8, -1e5, -1e3, -300, -200.0001, -199.9999, -100, -40, -38, -20]) {
      const v = logH(z);
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeGreaterThan(prev);
      prev = v;
    }
  });
  it('dLogH is the derivative of logH (central differences) across every branch', () => {
    for (const z of [-5000, -250, -150, -40, -5, -1.5, -0.5, 0.7, 4]) {
      const step = 1e-6 * Math.max(1, Math.abs(z));
      const fd = (logH(z + step) - logH(z - step)) / (2 * step);
      expect(rel(fd, dLogH(z))).toBeLessThan(1e-5);
    }
  });
});
