"""Reference numbers from Keras for tests/course/keras_reference.rs, in float64.

Each case fixes a network's weights and a batch, then records what Keras
computes: the loss, every layer's output, the gradients of the loss, and a
three-epoch full-batch SGD fit (the per-epoch losses and the final weights).

    python3 -m pip install "keras==3.15.1" "tensorflow-cpu==2.21.0"
    KERAS_BACKEND=tensorflow python3 tests/reference/keras/make.py

writes tests/reference/keras/cases.json; the JSON records the versions.

The TensorFlow backend is the course's, and the one whose semantics the
crate follows: a softmax output keeps its pre-activation, which the
categorical cross-entropies then use (keras/src/backend/tensorflow/nn.py,
`_keras_logits`). Keras' JAX backend has no such attribute and computes
them from the clipped probabilities instead.
"""

import json
import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

keras.config.set_floatx("float64")

LOSSES = {
    "scce": keras.losses.SparseCategoricalCrossentropy,
    "cce": keras.losses.CategoricalCrossentropy,
    "bce": keras.losses.BinaryCrossentropy,
    "mse": lambda from_logits: keras.losses.MeanSquaredError(),
}


def case(name, widths, activations, loss, from_logits, m, seed, x_scale=1.0, lr=0.1, l2=None):
    l2 = l2 or [0.0] * len(activations)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(m, widths[0])) * x_scale
    k = widths[-1]
    if loss == "scce":
        y = rng.integers(0, k, size=(m, 1)).astype(np.float64)
    elif loss == "cce":
        y = np.eye(k)[rng.integers(0, k, size=m)]
    elif loss == "mse":
        y = rng.uniform(-1.0, 1.0, size=(m, k))
    else:
        y = rng.integers(0, 2, size=(m, k)).astype(np.float64)
    layers = []
    for n_in, units in zip(widths[:-1], widths[1:]):
        layers.append(
            (rng.uniform(-1.0, 1.0, size=(n_in, units)), rng.uniform(-0.5, 0.5, size=units))
        )

    def build():
        inputs = keras.Input((widths[0],), dtype="float64")
        h = inputs
        outs = []
        for (w, b), g, r in zip(layers, activations, l2):
            reg = keras.regularizers.L2(r) if r > 0 else None
            h = keras.layers.Dense(w.shape[1], activation=g, kernel_regularizer=reg)(h)
            outs.append(h)
        model = keras.Model(inputs, outs[-1])
        probe = keras.Model(inputs, outs)
        for layer, (w, b) in zip([l for l in model.layers if l.weights], layers):
            layer.set_weights([w, b])
        return model, probe

    loss_fn = LOSSES[loss](from_logits=from_logits)
    model, probe = build()
    activations_out = [np.asarray(a) for a in probe(x)]
    # The loss Keras reports and minimises: the data loss plus the penalties.
    value = float(loss_fn(y, model(x)) + sum(model.losses))

    with tf.GradientTape() as tape:
        loss_value = loss_fn(y, model(x)) + sum(model.losses)
    grads = tape.gradient(loss_value, model.trainable_variables)

    fitted, _ = build()
    fitted.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss=loss_fn)
    history = fitted.fit(x, y, batch_size=m, epochs=3, shuffle=False, verbose=0)
    weights = [np.asarray(v.value) for v in fitted.trainable_variables]

    return {
        "name": name,
        "loss": loss,
        "from_logits": from_logits,
        "activations_spec": activations,
        "l2": l2,
        "x": x.tolist(),
        "y": y.tolist(),
        "layers": [{"kernel": w.tolist(), "bias": b.tolist()} for w, b in layers],
        "value": value,
        "activations": [a.tolist() for a in activations_out],
        "grads": [
            {"kernel": np.asarray(grads[2 * l]).tolist(), "bias": np.asarray(grads[2 * l + 1]).tolist()}
            for l in range(len(layers))
        ],
        "sgd": {
            "learning_rate": lr,
            "epochs": 3,
            "loss": [float(v) for v in history.history["loss"]],
            "layers": [
                {"kernel": weights[2 * l].tolist(), "bias": weights[2 * l + 1].tolist()}
                for l in range(len(layers))
            ],
        },
    }


cases = [
    case("softmax-sparse", [3, 4, 3], ["relu", "softmax"], "scce", False, 5, 1),
    case("logits-sparse", [3, 4, 3], ["relu", "linear"], "scce", True, 5, 2),
    case("softmax-one-hot", [2, 5, 4], ["tanh", "softmax"], "cce", False, 6, 3),
    case("logits-one-hot", [2, 5, 4], ["sigmoid", "linear"], "cce", True, 6, 4),
    case("logits-sparse-batch-of-one", [4, 3, 5], ["relu", "linear"], "scce", True, 1, 5),
    case("softmax-sparse-batch-of-one", [4, 3, 5], ["tanh", "softmax"], "scce", False, 1, 6),
    # Inputs in the hundreds make logits of several hundred: a naive softmax overflows.
    case("logits-of-hundreds", [3, 6, 4], ["linear", "linear"], "scce", True, 4, 7, x_scale=300.0, lr=1e-6),
    case("softmax-of-hundreds", [3, 6, 4], ["linear", "softmax"], "cce", False, 4, 8, x_scale=300.0, lr=1e-6),
    case("binary-logits", [3, 4, 1], ["tanh", "linear"], "bce", True, 6, 9),
    # Week 3: L2 on some or all kernels.
    case("l2-binary-first-kernel", [3, 4, 1], ["relu", "sigmoid"], "bce", False, 6, 10, l2=[0.1, 0.0]),
    case("l2-sparse-logits-all", [2, 6, 4, 3], ["relu", "relu", "linear"], "scce", True, 8, 11, l2=[0.1, 0.05, 0.01]),
    case("l2-mse", [2, 5, 1], ["tanh", "linear"], "mse", False, 7, 12, l2=[0.2, 0.3]),
]


def coffee():
    """The coffee-roasting lab's load_coffee_data(), as the lab writes it."""
    rng = np.random.default_rng(2)
    X = rng.random(400).reshape(-1, 2)
    X[:, 1] = X[:, 1] * 4 + 11.5
    X[:, 0] = X[:, 0] * (285 - 150) + 150
    Y = np.zeros(len(X))
    for i, (t, d) in enumerate(X):
        y = -3 / (260 - 175) * t + 21
        Y[i] = 1 if (t > 175 and t < 260 and d > 12 and d < 15 and d <= y) else 0
    return X, Y.reshape(-1, 1)


def validation_fit(name, l2, seed, epochs=5, lr=0.5):
    """The lab's 2-3-1 sigmoid network on the normalised coffee data,
    model.fit(validation_split=0.2, shuffle=False), batch 32, SGD."""
    X, Y = coffee()
    norm = keras.layers.Normalization(axis=-1)
    norm.adapt(X)
    Xn = np.asarray(norm(X))
    rng = np.random.default_rng(seed)
    layers = [
        (rng.uniform(-1.0, 1.0, size=(2, 3)), np.zeros(3)),
        (rng.uniform(-1.0, 1.0, size=(3, 1)), np.zeros(1)),
    ]
    inputs = keras.Input((2,), dtype="float64")
    h = inputs
    for (w, _), r in zip(layers, l2):
        reg = keras.regularizers.L2(r) if r > 0 else None
        h = keras.layers.Dense(w.shape[1], activation="sigmoid", kernel_regularizer=reg)(h)
    model = keras.Model(inputs, h)
    for layer, (w, b) in zip([l for l in model.layers if l.weights], layers):
        layer.set_weights([w, b])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr),
                  loss=keras.losses.BinaryCrossentropy())
    history = model.fit(Xn, Y, validation_split=0.2, shuffle=False, batch_size=32,
                        epochs=epochs, verbose=0)
    weights = [np.asarray(v.value) for v in model.trainable_variables]
    return {
        "name": name,
        "l2": l2,
        "x": Xn.tolist(),
        "y": Y.tolist(),
        "learning_rate": lr,
        "epochs": epochs,
        "batch_size": 32,
        "validation_split": 0.2,
        "layers": [{"kernel": w.tolist(), "bias": b.tolist()} for w, b in layers],
        "loss": [float(v) for v in history.history["loss"]],
        "val_loss": [float(v) for v in history.history["val_loss"]],
        "final": [
            {"kernel": weights[2 * l].tolist(), "bias": weights[2 * l + 1].tolist()}
            for l in range(len(layers))
        ],
    }


validation_fits = [
    validation_fit("coffee-validation-split", [0.0, 0.0], 20),
    validation_fit("coffee-validation-split-l2", [0.01, 0.05], 21),
]

out = {
    "source": "tests/reference/keras/make.py",
    "keras": keras.__version__,
    "backend": keras.backend.backend(),
    "tensorflow": tf.__version__,
    "floatx": keras.config.floatx(),
    "cases": cases,
    "validation_fits": validation_fits,
}
path = os.path.join(os.path.dirname(__file__), "cases.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print(f"wrote {path}: {len(cases)} cases")
