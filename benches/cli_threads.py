#!/usr/bin/env python3
"""`dualpath train` on 1 and 2 threads, whole process against whole process,
beside the same full-batch training in NumPy on 1 and 2 threads.

For each size of the peer table's command-line form (2-25-15-1, 400-25-15-1
and 784-256-128-10 on 1000 rows, 1024-1024-1024 on 256), in float64 and
float32, the script writes a CSV of that many rows (features uniform in
[-2, 2), 0/1 targets), then times

    dualpath train --data D.csv --target y0,... --layers U:sigmoid,...
        --batch-size M --optimizer sgd --lr 0.01 --no-shuffle --quiet
        --float F --threads T --epochs E

as a whole process at two epoch counts, three times each, and reports the
time per epoch as the slope between the medians (so reading the CSV and
starting the process drop out), with the spread of the run-by-run slopes. NumPy runs the same steps (forward, the loss of that forward pass as
Keras reports it, backward, SGD), reading the same CSV, in a process of its
own with OPENBLAS_NUM_THREADS (and OMP_NUM_THREADS) set to T.

It also checks that the model files `--threads 1` and `--threads 2` save
are the same bytes, on both paths (the loop path at one epoch count).

    cargo build --release
    python3 benches/cli_threads.py target/release/dualpath

It is a measurement for docs/performance.md, not part of `cargo test`.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SIZES = [((2, 25, 15, 1), 1000), ((400, 25, 15, 1), 1000),
         ((784, 256, 128, 10), 1000), ((1024, 1024, 1024), 256)]
FLOATS = ["f64", "f32"]

NUMPY_TRAIN = r"""
import sys, time
import numpy as np
path, n_in, widths, epochs, dtype = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
widths = [int(w) for w in widths.split("-")]
data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64)
X, Y = data[:, :n_in].astype(dtype), data[:, n_in:].astype(dtype)
rng = np.random.default_rng(0)
Ws, bs = [], []
for a, b in zip(widths[:-1], widths[1:]):
    lim = (6.0 / (a + b)) ** 0.5
    Ws.append(rng.uniform(-lim, lim, (a, b)).astype(dtype)); bs.append(np.zeros(b, dtype))
lr, scale = np.asarray(0.01, dtype), np.asarray(1.0 / Y.size, dtype)
def sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0, e).astype(z.dtype) / (1 + e)
for epoch in range(epochs):
    A = [X]
    for W, b in zip(Ws, bs):
        Z = A[-1] @ W + b
        A.append(sigmoid(Z))
    loss = np.mean(np.maximum(Z, 0) - Z * Y + np.log1p(np.exp(-np.abs(Z))))
    dZ = (A[-1] - Y) * scale
    for l in reversed(range(len(Ws))):
        dW, db = A[l].T @ dZ, dZ.sum(axis=0)
        if l > 0:
            a = A[l]
            dZ = (dZ @ Ws[l].T) * (a * (1 - a))
        Ws[l] -= lr * dW; bs[l] -= lr * db
print(float(loss))
"""


def write_csv(path, widths, m, rng_seed=1):
    import numpy as np

    rng = np.random.default_rng(rng_seed)
    n_in, n_out = widths[0], widths[-1]
    X = rng.uniform(-2.0, 2.0, (m, n_in))
    Y = (X[:, [j % n_in for j in range(n_out)]] > 0).astype(float)
    head = [f"x{j}" for j in range(n_in)] + [f"y{j}" for j in range(n_out)]
    np.savetxt(path, np.hstack([X, Y]), delimiter=",", header=",".join(head),
               comments="", fmt="%.6f")


def wall(cmd, env=None):
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def per_epoch(run, e1, e2, repeats=3):
    """The slope (t(e2) - t(e1)) / (e2 - e1) between the medians of `repeats`
    runs at each epoch count, and the smallest and largest of the slopes
    of the runs taken in pairs (the spread)."""
    import statistics

    pairs = [(run(e1), run(e2)) for _ in range(repeats)]
    slope = (statistics.median(b for _, b in pairs) - statistics.median(a for a, _ in pairs)) / (e2 - e1)
    each = [(b - a) / (e2 - e1) for a, b in pairs]
    return slope, min(each), max(each)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    binary = str(Path(sys.argv[1]).resolve())
    only = sys.argv[2] if len(sys.argv) > 2 else ""
    work = Path(tempfile.mkdtemp(prefix="cli_threads"))
    print(f"{'size':<22} {'float':<5} {'dualpath 1t':>12} {'dualpath 2t':>12} {'2t speedup':>10} "
          f"{'NumPy 1t':>10} {'NumPy 2t':>10} {'NumPy2/dp2':>10}  model files 1t = 2t")
    for widths, m in SIZES:
        label = "-".join(map(str, widths)) + f"_m{m}"
        if not label.startswith(only):
            continue
        csv = work / f"{label}.csv"
        write_csv(csv, widths, m)
        targets = ",".join(f"y{j}" for j in range(widths[-1]))
        layers = ",".join(f"{u}:sigmoid" for u in widths[1:])
        big = widths[0] >= 784
        e1, e2 = (2, 12) if big else (20, 100)
        for float_ in FLOATS:
            def train(epochs, threads, path="matrix", save=None):
                cmd = [binary, "train", "--data", str(csv), "--target", targets, "--layers", layers,
                       "--batch-size", str(m), "--optimizer", "sgd", "--lr", "0.01", "--no-shuffle",
                       "--quiet", "--float", float_, "--threads", str(threads), "--epochs",
                       str(epochs), "--path", path]
                if save:
                    cmd += ["--save", str(save)]
                return wall(cmd)

            def numpy(epochs, threads):
                env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
                dtype = "float64" if float_ == "f64" else "float32"
                return wall([sys.executable, "-c", NUMPY_TRAIN, str(csv), str(widths[0]),
                             "-".join(map(str, widths)), str(epochs), dtype], env=env)

            d1 = per_epoch(lambda e: train(e, 1), e1, e2)
            d2 = per_epoch(lambda e: train(e, 2), e1, e2)
            n1 = per_epoch(lambda e: numpy(e, 1), e1, e2)
            n2 = per_epoch(lambda e: numpy(e, 2), e1, e2)
            same = []
            for path in ("matrix", "sequential"):
                files = [work / f"{label}-{float_}-{path}-{t}.json" for t in (1, 2)]
                for t, f in zip((1, 2), files):
                    train(1 if path == "sequential" else e1, t, path, f)
                same.append(f"{path} {'yes' if files[0].read_bytes() == files[1].read_bytes() else 'NO'}")
            ms = lambda r: f"{r[0] * 1e3:.2f}"
            print(f"{label:<22} {float_:<5} {ms(d1):>12} {ms(d2):>12} {d1[0] / d2[0]:>10.2f} "
                  f"{ms(n1):>10} {ms(n2):>10} {n2[0] / d2[0]:>10.2f}  {', '.join(same)}", flush=True)
            spread = lambda r: f"{r[1] * 1e3:.2f}-{r[2] * 1e3:.2f}"
            print(f"{'':<22} {'':<5} spreads (ms/epoch, run by run): dualpath 1t {spread(d1)}, "
                  f"2t {spread(d2)}; NumPy 1t {spread(n1)}, 2t {spread(n2)}", flush=True)


if __name__ == "__main__":
    main()
