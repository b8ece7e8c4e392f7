/*
 * Projected L-BFGS for box-constrained minimisation (an L-BFGS-B-style method without the
 * generalised Cauchy point): variables at a bound whose gradient pushes outward are held fixed,
 * the two-loop recursion runs on the free ones, and a projected backtracking (Armijo) line
 * search keeps every iterate inside the box.
 */

/** f(x) and ∂f/∂x written into `grad`. May return a non-finite value to mean "infeasible". */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

export interface MinimizeBoundedOptions {
  /** k, lower bounds. */
  lower: Float64Array;
  /** k, upper bounds (≥ lower). */
  upper: Float64Array;
  /** Iteration limit (default 200). */
  maxIterations?: number;
  /** Pairs kept for the inverse-Hessian approximation (default 10). */
  memory?: number;
  /** Stop when the ∞-norm of the projected gradient P(x − g) − x is below this (default 1e-5). */
  pgtol?: number;
  /** Stop when (f_old − f_new) ≤ ftol·max(|f_old|, |f_new|, 1) (default 1e-10). */
  ftol?: number;
  /** Largest ∞-norm of the first trial step of a line search (default 1). */
  maxStep?: number;
  /** Asked before each iteration: true stops the search there (a time budget), keeping the best point so far. */
  shouldStop?: () => boolean;
}

export interface MinimizeBoundedResult {
  /** k, the best point found (inside the box). */
  x: Float64Array;
  f: number;
  iterations: number;
  evaluations: number;
  /** true when a tolerance was met, false when the iteration limit or a line-search failure stopped it. */
  converged: boolean;
  message: string;
}

function project(x: Float64Array, lo: Float64Array, hi: Float64Array): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    x[i] = v < lo[i]! ? lo[i]! : Math.min(v, hi[i]!);
  }
}

/**
 * Minimises `f` over the box [lower, upper] from `x0` (projected into the box first).
 * Returns the best finite point seen; when f(x0) is not finite, returns x0 with f = +∞.
 */
export function minimizeBounded(
  f: Objective,
  x0: Float64Array,
  options: MinimizeBoundedOptions,
): MinimizeBoundedResult {
  const { lower: lo, upper: hi } = options;
  const k = x0.length;
  if (lo.length !== k || hi.length !== k) {
    throw new Error(`minimizeBounded: bounds have lengths ${lo.length}, ${hi.length}; x0 has ${k}`);
  }
  for (let i = 0; i < k; i++) {
    if (!(lo[i]! <= hi[i]!)) throw new Error(`minimizeBounded: lower[${i}] > upper[${i}]`);
  }
  const maxIterations = options.maxIterations ?? 200;
  const mem = options.memory ?? 10;
  const pgtol = options.pgtol ?? 1e-5;
  const ftol = options.ftol ?? 1e-10;
  const maxStep = options.maxStep ?? 1;

  const x = Float64Array.from(x0);
  project(x, lo, hi);
  const g = new Float64Array(k);
  let fx = f(x, g);
  let evaluations = 1;
  if (!Number.isFinite(fx)) {
    return {
      x,
      f: Number.POSITIVE_INFINITY,
      iterations: 0,
      evaluations,
      converged: false,
      message: 'f(x0) is not finite',
    };
  }
  const sMem = new Float64Array(mem * k);
  const yMem = new Float64Array(mem * k);
  const rho = new Float64Array(mem);
  const alphaBuf = new Float64Array(mem);
  let stored = 0;
  let head = 0; // index of the next slot to write
  const dir = new Float64Array(k);
  const free = new Uint8Array(k);
  const xn = new Float64Array(k);
  const gn = new Float64Array(k);
  let iterations = 0;
  let message = 'iteration limit';
  let converged = false;

  for (; iterations < maxIterations; iterations++) {
    if (options.shouldStop?.()) {
      message = 'stopped';
      break;
    }
    let pgNorm = 0;
    for (let i = 0; i < k; i++) {
      const xi = x[i]!;
      let t = xi - g[i]!;
      t = t < lo[i]! ? lo[i]! : Math.min(t, hi[i]!);
      const a = Math.abs(t - xi);
      if (a > pgNorm) pgNorm = a;
      free[i] = (xi <= lo[i]! && g[i]! > 0) || (xi >= hi[i]! && g[i]! < 0) ? 0 : 1;
    }
    if (pgNorm <= pgtol) {
      converged = true;
      message = 'projected gradient below pgtol';
      break;
    }
    // Two-loop recursion on the free variables.
    for (let i = 0; i < k; i++) dir[i] = free[i] ? -g[i]! : 0;
    for (let c = 0; c < stored; c++) {
      const slot = (head - 1 - c + mem) % mem;
      const o = slot * k;
      let a = 0;
      for (let i = 0; i < k; i++) if (free[i]) a += sMem[o + i]! * dir[i]!;
      a *= rho[slot]!;
      alphaBuf[slot] = a;
      for (let i = 0; i < k; i++) if (free[i]) dir[i] = dir[i]! - a * yMem[o + i]!;
    }
    if (stored > 0) {
      const last = ((head - 1 + mem) % mem) * k;
      let sy = 0;
      let yy = 0;
      for (let i = 0; i < k; i++) {
        sy += sMem[last + i]! * yMem[last + i]!;
        yy += yMem[last + i]! * yMem[last + i]!;
      }
      const gamma = sy / yy;
      for (let i = 0; i < k; i++) dir[i] = dir[i]! * gamma;
    }
    for (let c = stored - 1; c >= 0; c--) {
      const slot = (head - 1 - c + mem) % mem;
      const o = slot * k;
      let b = 0;
      for (let i = 0; i < k; i++) if (free[i]) b += yMem[o + i]! * dir[i]!;
      b *= rho[slot]!;
      const a = alphaBuf[slot]!;
      for (let i = 0; i < k; i++) if (free[i]) dir[i] = dir[i]! + (a - b) * sMem[o + i]!;
    }
    let gd = 0;
    let dNorm = 0;
    for (let i = 0; i < k; i++) {
      if (!free[i]) dir[i] = 0;
      gd += g[i]! * dir[i]!;
      dNorm = Math.max(dNorm, Math.abs(dir[i]!));
    }
    if (!(gd < 0)) {
      // Not a descent direction: drop the memory and use steepest descent.
      stored = 0;
      gd = 0;
      dNorm = 0;
      for (let i = 0; i < k; i++) {
        dir[i] = free[i] ? -g[i]! : 0;
        gd += g[i]! * dir[i]!;
        dNorm = Math.max(dNorm, Math.abs(dir[i]!));
      }
    }
    let step = dNorm > maxStep ? maxStep / dNorm : 1;
    let fn = Number.NaN;
    let accepted = false;
    for (let ls = 0; ls < 30; ls++) {
      let dec = 0;
      for (let i = 0; i < k; i++) {
        let t = x[i]! + step * dir[i]!;
        t = t < lo[i]! ? lo[i]! : Math.min(t, hi[i]!);
        xn[i] = t;
        dec += g[i]! * (t - x[i]!);
      }
      fn = f(xn, gn);
      evaluations++;
      if (Number.isFinite(fn) && fn <= fx + 1e-4 * dec) {
        accepted = true;
        break;
      }
      if (Number.isFinite(fn) && dec < 0) {
        // Minimiser of the quadratic through f(0), f'(0) = dec/step and f(step), kept in [0.1, 0.5].
        const q = (-dec * step) / (2 * (fn - fx - dec));
        step = Math.min(0.5 * step, Math.max(0.1 * step, q));
      } else {
        step *= 0.25;
      }
    }
    if (!accepted) {
      if (stored > 0) {
        stored = 0;
        continue;
      }
      message = 'line search failed';
      break;
    }
    // Store the curvature pair when it keeps the approximation positive definite. The slot at
    // `head` holds the oldest stored pair once the memory is full: write it only on acceptance.
    const o = head * k;
    let sy = 0;
    let yy = 0;
    for (let i = 0; i < k; i++) {
      const s = xn[i]! - x[i]!;
      const yv = gn[i]! - g[i]!;
      sy += s * yv;
      yy += yv * yv;
    }
    if (sy > 1e-10 * yy && sy > 0) {
      for (let i = 0; i < k; i++) {
        sMem[o + i] = xn[i]! - x[i]!;
        yMem[o + i] = gn[i]! - g[i]!;
      }
      rho[head] = 1 / sy;
      head = (head + 1) % mem;
      if (stored < mem) stored++;
    }
    const fOld = fx;
    x.set(xn);
    g.set(gn);
    fx = fn;
    if (fOld - fx <= ftol * Math.max(Math.abs(fOld), Math.abs(fx), 1)) {
      converged = true;
      message = 'relative reduction of f below ftol';
      iterations++;
      break;
    }
  }
  return { x, f: fx, iterations, evaluations, converged, message };
}
