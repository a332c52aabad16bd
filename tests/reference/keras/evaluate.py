"""Reference numbers from Keras for `dualpath evaluate` and `dualpath summary`,
in float64 (tests/program/evaluate.rs reads them).

Each evaluate case fixes a network's weights and a data set, writes them as
the crate reads them (a model file and a CSV file under
tests/reference/keras/evaluate/), then records what Keras' `model.evaluate`
returns for them: the loss (with the L2 penalties, as Keras reports it) and
the metric the course compiles with: `metrics=['accuracy']` for the
cross-entropies, `metrics=['mae']` for mean squared error. The batch size
is Keras' default, 32, and the row counts leave a short last batch.

The fit case trains a regression network with `metrics=['mae']`
(SGD, batch 32, no shuffling, `validation_split=0.2`) and records its
history: `loss`, `mae`, `val_loss`, `val_mae` per epoch.

The summary case builds the course's digits network (400 inputs,
Dense 25, 15, 1, all sigmoid) and records `model.summary()`'s text and its
parameter counts.

    python3 -m pip install "keras==3.15.1" "tensorflow-cpu==2.21.0"
    KERAS_BACKEND=tensorflow python3 tests/reference/keras/evaluate.py

writes tests/reference/keras/evaluate.json (which records the versions)
and the files under tests/reference/keras/evaluate/.
"""

import io
import json
import os
from contextlib import redirect_stdout

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

keras.config.set_floatx("float64")
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "evaluate")
os.makedirs(OUT, exist_ok=True)

LOSSES = {
    "scce": keras.losses.SparseCategoricalCrossentropy,
    "cce": keras.losses.CategoricalCrossentropy,
    "bce": keras.losses.BinaryCrossentropy,
    "mse": lambda from_logits: keras.losses.MeanSquaredError(),
}


def case(name, widths, activations, loss, from_logits, m, seed, l2=None, x_scale=1.0):
    l2 = l2 or [0.0] * len(activations)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(m, widths[0])) * x_scale
    k = widths[-1]
    if loss == "scce":
        y = rng.integers(0, k, size=(m, 1)).astype(np.float64)
    elif loss == "cce":
        y = np.eye(k)[rng.integers(0, k, size=m)]
    elif loss == "mse":
        y = rng.uniform(-2.0, 2.0, size=(m, k))
    else:
        y = rng.integers(0, 2, size=(m, k)).astype(np.float64)
    layers = [
        (rng.uniform(-1.5, 1.5, size=(n_in, units)), rng.uniform(-0.5, 0.5, size=units))
        for n_in, units in zip(widths[:-1], widths[1:])
    ]

    inputs = keras.Input((widths[0],), dtype="float64")
    h = inputs
    for (w, _), g, r in zip(layers, activations, l2):
        reg = keras.regularizers.L2(r) if r > 0 else None
        h = keras.layers.Dense(w.shape[1], activation=g, kernel_regularizer=reg)(h)
    model = keras.Model(inputs, h)
    for layer, (w, b) in zip([l for l in model.layers if l.weights], layers):
        layer.set_weights([w, b])
    metric = "mae" if loss == "mse" else "accuracy"
    model.compile(loss=LOSSES[loss](from_logits=from_logits), metrics=[metric])
    result = model.evaluate(x, y, verbose=0, return_dict=True)

    features = [f"x{i + 1}" for i in range(widths[0])]
    if loss == "scce":
        targets = ["label"]
    elif k == 1:
        targets = ["y"]
    else:
        targets = [f"y{j + 1}" for j in range(y.shape[1])]
    with open(os.path.join(OUT, f"{name}.csv"), "w") as f:
        f.write(",".join(features + targets) + "\n")
        for xi, yi in zip(x, y):
            f.write(",".join(repr(float(v)) for v in list(xi) + list(yi)) + "\n")
    model_file = {
        "layers": [
            {
                "units": int(w.shape[1]),
                "activation": g,
                "kernel": w.tolist(),
                "bias": b.tolist(),
                **({"l2": r} if r > 0 else {}),
            }
            for (w, b), g, r in zip(layers, activations, l2)
        ],
        "features": features,
        "targets": targets,
        "loss": loss,
        "from_logits": from_logits,
    }
    with open(os.path.join(OUT, f"{name}.model.json"), "w") as f:
        json.dump(model_file, f, indent=1)
    return {
        "name": name,
        "rows": m,
        "batch_size": 32,
        "metric": metric,
        # Keras' own keys and values, as evaluate(return_dict=True) gives them.
        "keras": {key: float(v) for key, v in result.items()},
    }


cases = [
    case("bce-sigmoid-l2", [3, 4, 1], ["relu", "sigmoid"], "bce", False, 70, 31, l2=[0.01, 0.0]),
    # Keras' binary accuracy thresholds the output as it is: on logits, at 0.5.
    case("bce-logits", [2, 5, 1], ["tanh", "linear"], "bce", True, 45, 32),
    case("scce-softmax", [3, 6, 3], ["relu", "softmax"], "scce", False, 50, 33),
    case("cce-logits-l2", [4, 5, 4], ["sigmoid", "linear"], "cce", True, 33, 34, l2=[0.02, 0.03]),
    case("mse-two-outputs-l2", [3, 6, 2], ["tanh", "linear"], "mse", False, 75, 35, l2=[0.0, 0.05]),
]


def mae_fit(name, seed, epochs=3, lr=0.05, m=90):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(m, 2))
    y = np.sin(2.0 * x[:, :1]) + 0.5 * x[:, 1:] ** 2 + rng.normal(0.0, 0.1, size=(m, 1))
    w1, b1 = rng.uniform(-1.0, 1.0, size=(2, 5)), np.zeros(5)
    w2, b2 = rng.uniform(-1.0, 1.0, size=(5, 1)), np.zeros(1)
    inputs = keras.Input((2,), dtype="float64")
    h = keras.layers.Dense(5, activation="tanh")(inputs)
    out = keras.layers.Dense(1, activation="linear")(h)
    model = keras.Model(inputs, out)
    model.layers[1].set_weights([w1, b1])
    model.layers[2].set_weights([w2, b2])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse", metrics=["mae"])
    history = model.fit(x, y, batch_size=32, epochs=epochs, shuffle=False,
                        validation_split=0.2, verbose=0)
    with open(os.path.join(OUT, f"{name}.csv"), "w") as f:
        f.write("x1,x2,y\n")
        for xi, yi in zip(x, y):
            f.write(",".join(repr(float(v)) for v in list(xi) + list(yi)) + "\n")
    start = {
        "layers": [
            {"units": 5, "activation": "tanh", "kernel": w1.tolist(), "bias": b1.tolist()},
            {"units": 1, "activation": "linear", "kernel": w2.tolist(), "bias": b2.tolist()},
        ],
        "features": ["x1", "x2"],
        "targets": ["y"],
        "loss": "mse",
    }
    with open(os.path.join(OUT, f"{name}.model.json"), "w") as f:
        json.dump(start, f, indent=1)
    return {
        "name": name,
        "optimizer": "sgd",
        "learning_rate": lr,
        "epochs": epochs,
        "batch_size": 32,
        "validation_split": 0.2,
        "history": {k: [float(v) for v in vs] for k, vs in history.history.items()},
    }


fits = [mae_fit("mse-fit-mae", 36)]


def summary_case():
    # A fresh session, so that the layers get Keras' first names: dense, dense_1, ...
    keras.backend.clear_session()
    model = keras.Sequential(
        [
            keras.Input(shape=(400,)),
            keras.layers.Dense(25, activation="sigmoid"),
            keras.layers.Dense(15, activation="sigmoid"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    text = io.StringIO()
    with redirect_stdout(text):
        model.summary(line_length=80)
    return {
        "layers": [
            {
                "name": layer.name,
                "output_shape": str(layer.output.shape),
                "params": int(layer.count_params()),
            }
            for layer in model.layers
        ],
        "total": int(model.count_params()),
        "text": text.getvalue(),
    }


out = {
    "source": "tests/reference/keras/evaluate.py",
    "keras": keras.__version__,
    "backend": keras.backend.backend(),
    "tensorflow": tf.__version__,
    "numpy": np.__version__,
    "floatx": keras.config.floatx(),
    "evaluate": cases,
    "fits": fits,
    "summary": summary_case(),
}
path = os.path.join(HERE, "evaluate.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print(f"wrote {path}: {len(cases)} evaluate cases")
print(out["summary"]["text"])
for c in cases:
    print(c["name"], c["keras"])
for c in fits:
    print(c["name"], c["history"])
