"""scikit-learn's GP at the sizes of benchmarks/ask: fit (Matérn-5/2 ARD, learnt noise, MLE with
2 optimiser restarts as the protocol's sklearn GP-EI peer) and predict mean + std of the
candidates a webtune suggestion scores (max(2048, 256·d) + max(512, 64·d)), on the same kind of
data (Hartmann-6 on the first six of d uniform dims). Debian bookworm's python3-sklearn 1.2.1:

    /usr/bin/python3 benchmarks/ask/sklearn_peer.py 1000,2000 6,20 [--restarts 2]

Prints one JSON line per (d, n) and a Markdown table. numpy's BLAS may use both cores.
"""
import json, os, platform, sys, time
import numpy as np
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

A = np.array([[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]])
P = 1e-4 * np.array([[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991], [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]])
alpha = np.array([1.0, 1.2, 3.0, 3.2])


def hartmann6(x):
    return -np.sum(alpha * np.exp(-np.sum(A * (x[:, None, :6] - P) ** 2, axis=2)), axis=1)


sizes = [int(v) for v in sys.argv[1].split(",")]
dims = [int(v) for v in sys.argv[2].split(",")]
restarts = int(sys.argv[sys.argv.index("--restarts") + 1]) if "--restarts" in sys.argv else 2
rows = []
for d in dims:
    for n in sizes:
        rng = np.random.default_rng(n * 31 + d)
        x = rng.random((n, d))
        y = hartmann6(x)
        m = max(2048, 256 * d) + max(512, 64 * d)
        xc = rng.random((m, d))
        kernel = ConstantKernel(1.0, (1e-3, 1e3)) * Matern(np.ones(d), (1e-3, 1e3), nu=2.5) + WhiteKernel(1e-2, (1e-6, 1))
        gp = GaussianProcessRegressor(kernel, normalize_y=True, n_restarts_optimizer=restarts, random_state=0)
        t0 = time.perf_counter()
        gp.fit(x, y)
        fit = time.perf_counter() - t0
        t0 = time.perf_counter()
        gp.predict(xc, return_std=True)
        predict = time.perf_counter() - t0
        row = {"d": d, "n": n, "m": m, "restarts": restarts, "fit_s": round(fit, 3), "predict_s": round(predict, 3)}
        rows.append(row)
        print(json.dumps(row), flush=True)

print(f"\nscikit-learn {__import__('sklearn').__version__}, numpy {np.__version__}, {platform.processor() or platform.machine()}, {os.cpu_count()} cores\n")
print("| d | n | candidates | sklearn fit (s) | sklearn predict mean+std (s) | fit + predict (s) |")
print("|--:|--:|--:|--:|--:|--:|")
for r in rows:
    print(f"| {r['d']} | {r['n']} | {r['m']} | {r['fit_s']:.2f} | {r['predict_s']:.2f} | {r['fit_s'] + r['predict_s']:.2f} |")
