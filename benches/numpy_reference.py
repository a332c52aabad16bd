#!/usr/bin/env python3
"""The notes' code in NumPy, timed at the sizes of `cargo bench`, for comparison.

Run it with

    python3 -m pip install numpy
    python3 benches/numpy_reference.py

It times, for the notes' 2-25-15-1 sigmoid network (and, for context, the
course's 400-25-15-1 network and two square networks):

* the notes' *sequential* forward pass: a Python loop over the examples and,
  inside `dense`, over the units, each unit one `np.dot` (the notes' code,
  called once per example);
* the notes' *matrix* forward pass: `Z = np.matmul(A_in, W) + B; A = g(Z)`;
* the matrix backward pass of the notes (given the forward cache) and one
  training step (forward, backward and `W -= lr * dW`).

Both are the notes' code with the crate's choices filled in where the notes
leave them open: the numerically stable sigmoid (`e = exp(-|z|)`, then
`1/(1+e)` or `e/(1+e)`), binary cross-entropy on the sigmoid output (so the
output layer's `dZ = (A - Y) / m`), and the corrected sequential backward is
not timed (the comparison with Rust's loop is about the forward pass).

NumPy's matrix product goes to OpenBLAS. To compare one core with one core,
as `cargo bench` does, the script limits OpenBLAS to one thread unless the
variables below are already set. It is a reference for docs/09-performance.md,
not part of `cargo test`.
"""

import os
import sys

for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import platform  # noqa: E402
import timeit  # noqa: E402

import numpy as np  # noqa: E402

SEED = 2
LEARNING_RATE = 0.01


def sigmoid(z):
    """The crate's sigmoid: no overflow for any z, one exp per element."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0, e) / (1.0 + e)


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1.0 - s)


# ---- The notes' sequential forward: one example, one unit at a time ----

def dense_sequential(a_in, W, b, g):
    units = W.shape[1]
    a_out = np.zeros(units)
    for j in range(units):
        z = np.dot(W[:, j], a_in) + b[j]
        a_out[j] = g(z)
    return a_out


def sigmoid_scalar(z):
    """The same sigmoid for one Python float (what `g(z)` sees in the loop)."""
    e = np.exp(-abs(z))
    return (1.0 if z >= 0 else e) / (1.0 + e)


def forward_sequential(layers, X):
    out = np.zeros((X.shape[0], layers[-1][0].shape[1]))
    for i in range(X.shape[0]):
        a = X[i]
        for W, b in layers:
            a = dense_sequential(a, W, b, sigmoid_scalar)
        out[i] = a
    return out


# ---- The notes' matrix form ----

def dense_matrix(A_in, W, B, g):
    Z = np.matmul(A_in, W) + B
    return Z, g(Z)


def forward_matrix(layers, X):
    cache, A = [], X
    for W, b in layers:
        Z, A = dense_matrix(A, W, b, sigmoid)
        cache.append((Z, A))
    return cache


def backward_matrix(layers, X, cache, Y):
    grads = [None] * len(layers)
    m, n_out = Y.shape
    dZ = (cache[-1][1] - Y) / (m * n_out)  # BCE on a sigmoid output
    for l in range(len(layers) - 1, -1, -1):
        W, _ = layers[l]
        A_in = X if l == 0 else cache[l - 1][1]
        dW = A_in.T @ dZ
        dB = np.sum(dZ, axis=0)
        grads[l] = (dW, dB)
        if l > 0:
            dA_in = dZ @ W.T
            dZ = dA_in * sigmoid_prime(cache[l - 1][0])
    return grads


def train_step(layers, X, Y):
    cache = forward_matrix(layers, X)
    for (W, b), (dW, dB) in zip(layers, backward_matrix(layers, X, cache, Y)):
        W -= LEARNING_RATE * dW
        b -= LEARNING_RATE * dB


# ---- Sizes, as in dualpath::speedup::sweep ----

def network(widths, rng):
    layers = []
    for n_in, units in zip(widths, widths[1:]):
        limit = np.sqrt(6.0 / (n_in + units))  # Keras' Glorot-uniform
        layers.append((rng.uniform(-limit, limit, (n_in, units)), np.zeros(units)))
    return layers


def batch(widths, m, rng):
    X = rng.uniform(-2.0, 2.0, (m, widths[0]))
    n_out = widths[-1]
    Y = (X[:, np.arange(n_out) % widths[0]] > 0).astype(float)
    return X, Y


def median_seconds(fn, budget=0.3):
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()  # enough calls for about 0.2 s
    number = max(1, int(number * budget / 0.2 / 7))
    runs = sorted(t / number for t in timer.repeat(repeat=7, number=number))
    return runs[len(runs) // 2]


def show(seconds):
    for unit, scale in (("ns", 1e9), ("µs", 1e6), ("ms", 1e3), ("s", 1.0)):
        v = seconds * scale
        if v < 1000 or unit == "s":
            return f"{v:.3g} {unit}"


def main():
    sizes = [([2, 25, 15, 1], m) for m in (1, 32, 200, 1000)]
    sizes += [([400, 25, 15, 1], m) for m in (1, 1000)]
    sizes += [([w, w, w], 256) for w in (512, 1024)]
    print(f"NumPy {np.__version__}, Python {platform.python_version()}, "
          f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}")
    print("Medians of 7 runs. 'loop' is the notes' sequential forward (a Python loop over")
    print("examples and units, np.dot per unit); the rest is the notes' matrix code.\n")
    header = f"{'size':<22} {'loop forward':>13} {'forward':>10} {'backward':>10} {'train step':>11}"
    print(header)
    for widths, m in sizes:
        rng = np.random.default_rng(SEED)
        layers = network(widths, rng)
        X, Y = batch(widths, m, rng)
        label = "-".join(map(str, widths)) + f"_m{m}"
        # The two forms compute the same numbers.
        if widths[0] <= 400:
            loop_out = forward_sequential(layers, X)
            assert np.allclose(loop_out, forward_matrix(layers, X)[-1][1], rtol=1e-12, atol=1e-15)
            loop = show(median_seconds(lambda: forward_sequential(layers, X), budget=0.5))
        else:
            loop = "-"
        cache = forward_matrix(layers, X)
        fwd = median_seconds(lambda: forward_matrix(layers, X))
        bwd = median_seconds(lambda: backward_matrix(layers, X, cache, Y))
        step_layers = [(W.copy(), b.copy()) for W, b in layers]
        step = median_seconds(lambda: train_step(step_layers, X, Y))
        print(f"{label:<22} {loop:>13} {show(fwd):>10} {show(bwd):>10} {show(step):>11}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
