"""Optuna 3.1.0 (Debian bookworm python3-optuna) TPESampler, on the protocol's continuous problems."""
import sys
import numpy as np, optuna
from optuna.samplers._tpe import parzen_estimator as pe
optuna.logging.set_verbosity(optuna.logging.WARNING)

A = np.array([[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]])
P = 1e-4 * np.array([[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991], [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]])
alpha = np.array([1.0, 1.2, 3.0, 3.2])
def hart(x): return -np.sum(alpha * np.exp(-np.sum(A * (x - P) ** 2, axis=1)))
def rosen(x): return np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
def branin(x1, x2): return (x2 - 5.1 / (4 * np.pi ** 2) * x1 ** 2 + 5 / np.pi * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * np.pi)) * np.cos(x1) + 10
def levy(x):
    w = 1 + (x - 1) / 4
    return np.sin(np.pi * w[0]) ** 2 + np.sum((w[:-1] - 1) ** 2 * (1 + 10 * np.sin(np.pi * w[:-1] + 1) ** 2)) + (w[-1] - 1) ** 2 * (1 + np.sin(2 * np.pi * w[-1]) ** 2)
def ackley(x):
    d = len(x)
    return -20 * np.exp(-0.2 * np.sqrt((x ** 2).sum() / d)) - np.exp(np.cos(2 * np.pi * x).sum() / d) + 20 + np.e
vec = lambda t, n, lo, hi: np.array([t.suggest_float(f"x{i}", lo, hi) for i in range(n)])
probs = {
    "branin": (lambda t: branin(t.suggest_float("x1", -5, 10), t.suggest_float("x2", 0, 15)), 50, 0.39788735772973816),
    "hartmann6": (lambda t: hart(vec(t, 6, 0, 1)), 100, -3.322368011415515),
    "ackley5": (lambda t: ackley(vec(t, 5, -5, 10)), 100, 0.0),
    "rosenbrock4": (lambda t: rosen(vec(t, 4, -5, 10)), 80, 0.0),
    "levy4": (lambda t: levy(vec(t, 4, -10, 10)), 80, 0.0),
}
variant, n = sys.argv[1], int(sys.argv[2])
assert optuna.__version__ == "3.1.0"
for name, (f, budget, fs) in probs.items():
    r = []
    for s in range(n):
        sampler = optuna.samplers.TPESampler(seed=s) if variant == "default" else optuna.samplers.TPESampler(seed=s, multivariate=True)
        st = optuna.create_study(sampler=sampler)
        st.optimize(f, n_trials=budget)
        r.append(max(-12, np.log10(st.best_value - fs)))
    q1, m, q3 = np.percentile(r, [25, 50, 75])
    print(name, "optuna-3.1.0", variant, n, f"{m:.2f} [{q1:.2f}, {q3:.2f}]", f"seeds0-9: {np.median(r[:10]):.2f}", flush=True)
