//! The Multiclass lab (Course 2, week 2, `C2_W2_Multiclass_TF`), on both paths.
//!
//! ```sh
//! cargo run --release --example multiclass
//! ```
//!
//! Four clusters (centres (−5, 2), (−1, −2), (1, 2), (5, −2) in the lab,
//! standard deviation 1.0, 100 points), and the smallest network that
//! separates them: `Dense(2, relu)` then `Dense(4, linear)`, trained with
//! `SparseCategoricalCrossentropy(from_logits=True)` and `Adam(0.01)` for
//! 200 epochs. The lab's lesson is how two relu units carve the plane: each
//! unit is a line, zero on one side, and the four output units combine the
//! two. This example prints each relu unit's line, where it is zero, and the
//! accuracy on both paths.
//!
//! Then the Softmax lab's (`C2_W2_SoftMax`) point, "preferred" against
//! "obvious": a softmax output with `SparseCategoricalCrossentropy()`, or a
//! linear output with `from_logits=True`. The lab says the second is more
//! stable; in this crate, as in Keras on TensorFlow, the two give the same
//! loss, because both start from the same logits and the loss of a softmax
//! output is computed from its logits anyway (Keras 3's `softmax` leaves
//! them on its output as `_keras_logits`, and the TensorFlow backend's
//! cross-entropies take them: `keras/src/backend/tensorflow/nn.py`,
//! `_get_logits`). What the lab warns against is the loss taken from the
//! probabilities themselves, as a hand-written model or Keras' JAX backend
//! does; in `f32` with large logits that form loses the loss entirely. This
//! example shows both, in `f32`, on both paths.

use dualpath::io::data::blobs;
use dualpath::nn::activation::softmax_row;
use dualpath::train::{FitSettings, Optimizer, evaluate, fit};
use dualpath::{Activation, Dense, Loss, Network, Path};
use nalgebra::{DMatrix, RowDVector, dmatrix, dvector};

/// The lab's `centers`.
const CENTERS: [[f64; 2]; 4] = [[-5.0, 2.0], [-1.0, -2.0], [1.0, 2.0], [5.0, -2.0]];

fn main() {
    let data = blobs(&CENTERS, 1.0, 100, 30);
    let loss = Loss::SPARSE_CATEGORICAL_CROSSENTROPY.with_logits();
    let layers = [(2, Activation::Relu), (4, Activation::Linear)];
    println!(
        "{} points in four blobs; Dense(2, relu), Dense(4, linear), {}, Adam(0.01), 200 epochs",
        data.len(),
        loss.keras_name()
    );
    for path in Path::BOTH {
        let mut net = Network::<f64>::new(2, &layers, 2).expect("the lab's model");
        let settings = FitSettings {
            loss,
            optimizer: Optimizer::adam(0.01),
            epochs: 200,
            batch_size: 32,
            shuffle: true,
            seed: 2,
            path,
            threads: 1,
        };
        fit(&mut net, &data.x, &data.y, &settings).expect("training");
        let (j, acc) = evaluate(&net, &data.x, &data.y, loss, path).expect("evaluation");
        let acc = acc.expect("sparse categorical accuracy");
        println!("\n{} path: loss {j:.4}, accuracy {acc:.3}", path.name());
        let hidden = &net.layers()[0];
        for u in 0..2 {
            let (w0, w1, b) = (hidden.w()[(0, u)], hidden.w()[(1, u)], hidden.b()[u]);
            println!(
                "  relu unit {u}: a = max(0, {w0:.2}·x1 + {w1:.2}·x2 + {b:.2}), zero where that line's \
                 value is negative"
            );
        }
        assert!(
            acc >= 0.9,
            "{path}: two relu units separate the four blobs (accuracy {acc})"
        );
    }
    obvious_and_preferred();
    println!(
        "\nmulticlass: two relu units and four logits separate the four classes on both paths; \
         the obvious and the preferred loss agree, and the loss from probabilities does not."
    );
}

/// Two examples with large logits, in `f32`: `z = [20, 0, 0]` of class 0
/// (right, by a wide margin) and `z = [0, 100, 0]` of class 0 (wrong, by
/// far). Their exact losses are `ln(1 + 2e⁻²⁰) = 4.1e-9` and
/// `100 + ln(1 + 2e⁻¹⁰⁰) = 100`.
fn obvious_and_preferred() {
    let z: DMatrix<f32> = dmatrix![20.0, 0.0, 0.0; 0.0, 100.0, 0.0];
    let y: DMatrix<f32> = dmatrix![0.0; 0.0];
    // One layer whose z is its input: W = I, b = 0.
    let layer = |g| {
        let w = DMatrix::<f32>::identity(3, 3);
        Network::from_layers(vec![Dense::new(w, dvector![0.0, 0.0, 0.0], g).unwrap()]).unwrap()
    };
    let obvious = (
        layer(Activation::Softmax),
        Loss::SPARSE_CATEGORICAL_CROSSENTROPY,
    );
    let preferred = (
        layer(Activation::Linear),
        Loss::SPARSE_CATEGORICAL_CROSSENTROPY.with_logits(),
    );
    println!(
        "\nThe Softmax lab's two models in f32, logits [20, 0, 0] and [0, 100, 0], both of class 0:"
    );
    let mut losses = Vec::new();
    for (name, (net, loss)) in [("obvious", &obvious), ("preferred", &preferred)] {
        for path in Path::BOTH {
            let (j, grads) = path.loss_and_gradients(net, &z, &y, *loss).unwrap();
            let slope = grads.layers[0].db[1];
            println!(
                "{name:<10} {:<10} {}: mean loss {j}, dJ/db₁ {slope:.3}",
                path.name(),
                loss.keras_name()
            );
            losses.push((j, slope));
        }
    }
    // Keras 3.15.1 on TensorFlow 2.21, float32: a softmax model's evaluate on
    // these two rows gives 50.0, as does SparseCategoricalCrossentropy(
    // from_logits=True) of the logits ([0.0, 100.0] per example).
    assert!(losses.iter().all(|&l| l == losses[0]), "{losses:?}");
    assert_eq!(losses[0].0, 50.0);

    // The loss from the probabilities, as Keras' TensorFlow backend takes it
    // from a tensor that carries no logits: softmax in f32, clipped to
    // [1e-7, 1 − 1e-7], logged, and those logs' log-softmax at the class
    // (`sparse_softmax_cross_entropy_with_logits` of `log(clip(a))`), so
    // the clipped row is renormalised too.
    let from_probabilities: Vec<f32> = (0..2)
        .map(|i| {
            let mut a = RowDVector::<f32>::zeros(3);
            softmax_row(&z.row(i), &mut a);
            let logs = a.map(|v| v.clamp(1e-7, 1.0 - 1e-7).ln());
            let max = logs.max();
            let lse = max + logs.map(|l| (l - max).exp()).sum().ln();
            lse - logs[0]
        })
        .collect();
    println!(
        "from the probabilities (softmax, clipped, logged, renormalised): {from_probabilities:?}; exact: [4.1e-9, 100]"
    );
    // Keras 3.15.1 on TensorFlow 2.21, float32, SparseCategoricalCrossentropy()
    // of tf.nn.softmax(z), a tensor that carries no logits:
    // [2.3841855e-07, 16.118095].
    assert_eq!(from_probabilities, [2.384_185_5e-7, 16.118_095]);
    println!(
        "  the first is 58 times the exact loss (a₀ rounds to 1 in f32, the clip makes it 1 − 1e-7);\n  \
         the second is capped at −ln 1e-7 = 16.1, and the clip passes no gradient: training could not\n  \
         see how wrong this example is. From the logits, the loss is 0 and 100, and dJ/dz = a − y."
    );
}
