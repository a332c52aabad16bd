#!/usr/bin/env python3
"""One training step in NumPy, JAX and Keras, beside `cargo bench`'s peers group.

The step is the one `dualpath::speedup::train_step` takes: an all-sigmoid
dense network, mean binary cross-entropy on the sigmoid output (so the output
layer's dZ = (A - Y) / (m * n_out)), backward propagation with
sigma'(z) = a (1 - a) from the cached activations, and one SGD update
W -= 0.01 * dW, b -= 0.01 * db. Weights are Glorot-uniform, X uniform in
[-2, 2), Y[i, j] = 1 where X[i, j mod n_in] > 0, as in `Size::batch` (the
numbers differ, the shapes and the work do not).

Sizes: `dualpath::speedup::peer_sizes()`, each in float64 and float32.

Run, on one core for every contender (this machine is shared and noisy, so
compare ratios taken in one window):

    taskset -c 1 cargo bench --bench paths -- 'peers/|train_step/'
    python3 benches/peers.py --core 1

The script pins itself to that core and limits every library to one thread
before importing it. With --all-cores it does neither: each peer runs as it
comes (OpenBLAS and XLA on every core), beside the matrix path on one thread
and on the machine's count, from cargo bench's `threads` group:

    cargo bench --bench paths -- 'threads/'
    python3 benches/peers.py --all-cores
 It prints, per precision, a table of medians in
microseconds per step: criterion's estimates for the matrix and loop paths
(read from target/criterion/peers/ and train_step/, or the same folders of
$CRITERION_HOME, when present)
beside NumPy's, JAX's (jitted) and Keras' (`train_on_batch`), each peer
skipped with a note when it is not installed:

    python3 -m pip install numpy jax keras tensorflow-cpu

It is a measurement for docs/09-performance.md, not part of `cargo test`.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

SIZES = [
    ((2, 25, 15, 1), 32),
    ((2, 25, 15, 1), 1000),
    ((400, 25, 15, 1), 32),
    ((400, 25, 15, 1), 1000),
    ((784, 256, 128, 10), 32),
    ((784, 256, 128, 10), 1000),
    ((1024, 1024, 1024), 256),
]
FLOATS = ["float64", "float32"]
LEARNING_RATE = 0.01
SEED = 2


def label(widths, m, dtype):
    """`Size::label`: 2-25-15-1_m32, with _f32 for float32."""
    return "-".join(map(str, widths)) + f"_m{m}" + ("_f32" if dtype == "float32" else "")


def one_core(core):
    """Pins this process to one core and every math library to one thread."""
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    os.environ["XLA_FLAGS"] = (
        os.environ.get("XLA_FLAGS", "")
        + " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    ).strip()
    os.environ["TF_NUM_INTRAOP_THREADS"] = "1"
    os.environ["TF_NUM_INTEROP_THREADS"] = "1"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {core})


def problem(np, widths, m, dtype):
    """Glorot-uniform weights, zero biases, and a batch, in `dtype`."""
    rng = np.random.default_rng(SEED)
    Ws, bs = [], []
    for n_in, units in zip(widths[:-1], widths[1:]):
        limit = (6.0 / (n_in + units)) ** 0.5
        Ws.append(rng.uniform(-limit, limit, (n_in, units)).astype(dtype))
        bs.append(np.zeros(units, dtype))
    X = rng.uniform(-2.0, 2.0, (m, widths[0])).astype(dtype)
    cols = [j % widths[0] for j in range(widths[-1])]
    Y = (X[:, cols] > 0).astype(dtype)
    return Ws, bs, X, Y


def time_steps(step, block=lambda: None, runs=7, target=0.05):
    """Median seconds per step over `runs` runs of n steps each, n chosen so
    that a run takes about `target` seconds (after a warm-up)."""
    step()
    block()
    n, t = 1, 0.0
    while True:
        start = time.perf_counter()
        for _ in range(n):
            step()
        block()
        t = time.perf_counter() - start
        if t >= target or n >= 1 << 20:
            break
        n *= 2
    per_step = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(n):
            step()
        block()
        per_step.append((time.perf_counter() - start) / n)
    return statistics.median(per_step)


def numpy_peer():
    import numpy as np

    def sigmoid(z):
        # The stable form the crate uses: one exp of -|z| per element.
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1.0, e).astype(z.dtype) / (1 + e)

    def run(widths, m, dtype):
        Ws, bs, X, Y = problem(np, widths, m, dtype)
        lr = np.asarray(LEARNING_RATE, dtype)
        scale = np.asarray(1.0 / Y.size, dtype)

        def step():
            A = [X]
            for W, b in zip(Ws, bs):
                A.append(sigmoid(A[-1] @ W + b))
            dZ = (A[-1] - Y) * scale
            for layer in reversed(range(len(Ws))):
                dW = A[layer].T @ dZ
                db = dZ.sum(axis=0)
                if layer > 0:
                    a = A[layer]
                    dZ = (dZ @ Ws[layer].T) * (a * (1 - a))
                Ws[layer] -= lr * dW
                bs[layer] -= lr * db

        return time_steps(step)

    return "NumPy " + np.__version__, run


def jax_peer():
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    def loss(params, X, Y):
        a = X
        for W, b in params[:-1]:
            a = jax.nn.sigmoid(a @ W + b)
        W, b = params[-1]
        z = a @ W + b
        # Binary cross-entropy from z, as Keras computes it on a sigmoid output.
        return jnp.mean(jnp.maximum(z, 0) - z * Y + jnp.log1p(jnp.exp(-jnp.abs(z))))

    @jax.jit
    def update(params, X, Y):
        grads = jax.grad(loss)(params, X, Y)
        return [(W - LEARNING_RATE * dW, b - LEARNING_RATE * db)
                for (W, b), (dW, db) in zip(params, grads)]

    def run(widths, m, dtype):
        import numpy as np

        Ws, bs, X, Y = problem(np, widths, m, dtype)
        state = {"p": [(jnp.asarray(W), jnp.asarray(b)) for W, b in zip(Ws, bs)]}
        X, Y = jnp.asarray(X), jnp.asarray(Y)

        def step():
            state["p"] = update(state["p"], X, Y)

        return time_steps(step, block=lambda: jax.block_until_ready(state["p"]))

    return "JAX " + jax.__version__, run


def keras_peer():
    import keras
    import numpy as np

    try:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except (ImportError, RuntimeError):
        pass

    def run(widths, m, dtype):
        keras.backend.set_floatx(dtype)
        Ws, bs, X, Y = problem(np, widths, m, dtype)
        model = keras.Sequential(
            [keras.Input((widths[0],))]
            + [keras.layers.Dense(u, activation="sigmoid") for u in widths[1:]]
        )
        for layer, W, b in zip(model.layers, Ws, bs):
            layer.set_weights([W, b])
        model.compile(optimizer=keras.optimizers.SGD(LEARNING_RATE),
                      loss=keras.losses.BinaryCrossentropy())
        return time_steps(lambda: model.train_on_batch(X, Y), runs=5)

    return "Keras " + keras.__version__ + " (train_on_batch)", run


def criterion_estimates(repo):
    """`peers/<path>/<label>` medians in seconds, from criterion's files."""
    home = os.environ.get("CRITERION_HOME")
    if home:
        root = Path(home)
    else:
        target = os.environ.get("CARGO_TARGET_DIR") or str(repo / "target")
        root = Path(target) / "criterion"
    found, when = {}, {}
    # The threads group: the step on 1, 2, ... threads, as ("matrix_2t", label).
    threads = root / "threads"
    if threads.is_dir():
        for folder in threads.iterdir():
            for sub in folder.iterdir() if folder.is_dir() else []:
                est = sub / "new" / "estimates.json"
                if est.is_file():
                    median = json.loads(est.read_text())["median"]["point_estimate"]
                    found[(folder.name, sub.name)] = median * 1e-9
    # The peers group times the sizes the train_step group does not; where
    # both hold a size (from an older run), the newer estimate counts.
    for group in ("train_step", "peers"):
        for path in ("matrix", "sequential"):
            folder = root / group / path
            if not folder.is_dir():
                continue
            for sub in folder.iterdir():
                est = sub / "new" / "estimates.json"
                if est.is_file() and est.stat().st_mtime > when.get((path, sub.name), 0):
                    median = json.loads(est.read_text())["median"]["point_estimate"]
                    found[(path, sub.name)] = median * 1e-9
                    when[(path, sub.name)] = est.stat().st_mtime
    return found, root / "peers"


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--core", type=int, default=1, help="the core to run on (default 1)")
    parser.add_argument("--all-cores", action="store_true",
                        help="run the peers as they come, on every core, beside the matrix "
                             "path on 1 and N threads (cargo bench's threads group)")
    parser.add_argument("--only", default="numpy,jax,keras",
                        help="peers to time, comma-separated (default numpy,jax,keras)")
    args = parser.parse_args()
    available = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else {args.core}
    if args.core not in available:
        sys.exit(f"peers.py: --core {args.core} is not one of this machine's cores {sorted(available)}")
    cores = len(available)
    if not args.all_cores:
        one_core(args.core)
    repo = Path(__file__).resolve().parent.parent
    ours, where = criterion_estimates(repo)

    makers = {"numpy": numpy_peer, "jax": jax_peer, "keras": keras_peer}
    peers = []
    for name in args.only.split(","):
        name = name.strip().lower()
        if name not in makers:
            sys.exit(f"peers.py: unknown peer {name!r}: expected numpy, jax or keras")
        try:
            peers.append(makers[name]())
        except ImportError as e:
            print(f"({name} is not installed, skipped: {e})")

    if args.all_cores:
        print(f"One training step, median microseconds per step; the peers at their defaults "
              f"on {cores} cores, the matrix path on 1 and {cores} threads.")
    else:
        print(f"One training step, median microseconds per step, one core (core {args.core}).")
    print(f"Machine: {cpu_model()}; Python {platform.python_version()}; "
          f"{time.strftime('%Y-%m-%d %H:%M %Z')}.")
    print(", ".join(name for name, _ in peers) or "no peer installed")
    if not ours:
        print(f"(no criterion estimates in {where}: run "
              "`taskset -c 1 cargo bench --bench paths -- 'peers/|train_step/'` first)")
    for dtype in FLOATS:
        many = f"matrix_{cores}t"
        head = ["size", "matrix", "loop"]
        if args.all_cores:
            head = ["size", "matrix 1t", f"matrix {cores}t"]
        head += [name.split()[0] for name, _ in peers]
        head += [f"{name.split()[0]}/matrix" for name, _ in peers]
        rows = []
        for widths, m in SIZES:
            if args.all_cores and m < 256:
                continue  # the threads group times the command-line form's sizes
            lab = label(widths, m, dtype)
            mat = ours.get(("matrix", lab))
            loop = ours.get(("sequential", lab))
            if args.all_cores:
                # Against the matrix path on every core; one thread beside it.
                mat, loop = ours.get((many, lab)), ours.get(("matrix_1t", lab))
            times = []
            for name, run in peers:
                try:
                    times.append(run(widths, m, dtype))
                except Exception as e:  # a peer failing on one size should not stop the table
                    print(f"({name} failed at {lab}: {e})")
                    times.append(None)
            fmt = lambda t: "-" if t is None else f"{t * 1e6:.1f}"
            ratio = lambda t: "-" if t is None or mat is None else f"{t / mat:.2f}"
            first = [fmt(loop), fmt(mat)] if args.all_cores else [fmt(mat), fmt(loop)]
            rows.append([lab] + first + [fmt(t) for t in times]
                        + [ratio(t) for t in times])
        widths_col = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
        print(f"\n{dtype}:")
        print("  " + "  ".join(h.rjust(w) if i else h.ljust(w)
                               for i, (h, w) in enumerate(zip(head, widths_col))))
        for r in rows:
            print("  " + "  ".join(c.rjust(w) if i else c.ljust(w)
                                   for i, (c, w) in enumerate(zip(r, widths_col))))
    print("\npeer/matrix above 1: the matrix path is faster by that factor.")


if __name__ == "__main__":
    main()
