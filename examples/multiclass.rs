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

use dualpath::io::data::blobs;
use dualpath::train::{FitSettings, Optimizer, evaluate, fit};
use dualpath::{Activation, Loss, Network, Path};

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
    println!(
        "\nmulticlass: two relu units and four logits separate the four classes on both paths."
    );
}
