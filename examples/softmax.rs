//! The Softmax lab (Course 2, week 2, `C2_W2_SoftMax`), on both paths.
//!
//! ```sh
//! cargo run --release --example softmax
//! ```
//!
//! 1. `my_softmax` as the lab writes it, a loop over the units of one
//!    example, beside the crate's row-wise softmax, on the lab's `[1, 2, 3, 4]`.
//! 2. The lab's two models on its four blobs (centres (−5, 2), (−2, −2),
//!    (1, 2), (5, −2), standard deviation 1.0, 2000 points): the "obvious"
//!    one with a softmax output, and the "preferred" one with a linear output
//!    and `SparseCategoricalCrossentropy(from_logits=True)`. Both are
//!    `Dense(25, relu)`, `Dense(15, relu)`, `Dense(4)`, `Adam(0.001)`, 10
//!    epochs. As the lab prints, the preferred model's outputs are logits,
//!    not probabilities: their range goes well beyond [0, 1], and a softmax
//!    of them gives the probabilities; the largest logit is the class.
//!
//! Every claim printed is also asserted.

use dualpath::io::data::softmax_lab_blobs;
use dualpath::nn::activation::softmax_row;
use dualpath::train::{FitSettings, Optimizer, evaluate, fit};
use dualpath::{Activation, Loss, Network, Path};
use nalgebra::RowDVector;

/// The lab's `my_softmax`, as it writes it: every exponential first, then
/// their sum, then each divided by it (no maximum subtracted: the lab keeps
/// it simple; the crate's version subtracts it, which changes no value here).
fn my_softmax(z: &[f64]) -> Vec<f64> {
    let ez: Vec<f64> = z.iter().map(|v| v.exp()).collect();
    let sum: f64 = ez.iter().sum();
    ez.iter().map(|e| e / sum).collect()
}

fn main() {
    let z = [1.0, 2.0, 3.0, 4.0];
    let lab = my_softmax(&z);
    let mut ours = RowDVector::zeros(4);
    softmax_row(&RowDVector::from_row_slice(&z), &mut ours);
    println!("z = {z:?}");
    println!("my_softmax (the lab's loop): {lab:.7?}");
    println!("softmax_row (the crate's):   {:.7?}", ours.as_slice());
    println!("the lab's public test:       [0.0320586, 0.0871443, 0.2368828, 0.6439143]");
    for (j, want) in [0.0320586, 0.0871443, 0.2368828, 0.6439143]
        .iter()
        .enumerate()
    {
        assert!((ours[j] - want).abs() < 5e-8 && (lab[j] - want).abs() < 5e-8);
    }

    let data = softmax_lab_blobs(0);
    println!("\n{}: {} points", data.source, data.len());
    let mut losses = Vec::new();
    for (name, output, loss) in [
        (
            "obvious (softmax output)",
            Activation::Softmax,
            Loss::SPARSE_CATEGORICAL_CROSSENTROPY,
        ),
        (
            "preferred (linear output, from_logits=True)",
            Activation::Linear,
            Loss::SPARSE_CATEGORICAL_CROSSENTROPY.with_logits(),
        ),
    ] {
        let layers = [(25, Activation::Relu), (15, Activation::Relu), (4, output)];
        println!("\nThe {name} model, {}:", loss.keras_name());
        for path in Path::BOTH {
            let mut net = Network::<f64>::new(2, &layers, 1).expect("the lab's model");
            let settings = FitSettings {
                loss,
                optimizer: Optimizer::adam(0.001),
                epochs: 10,
                batch_size: 32,
                shuffle: true,
                seed: 1,
                path,
                threads: 1,
            };
            let history = fit(&mut net, &data.x, &data.y, &settings).expect("training");
            let (j, acc) = evaluate(&net, &data.x, &data.y, loss, path).expect("evaluation");
            let acc = acc.expect("sparse categorical accuracy");
            let out = path
                .forward(&net, &data.x)
                .expect("forward")
                .output()
                .clone();
            println!(
                "  {:<10} loss {:.4} (last epoch {:.4}), accuracy {acc:.3}; outputs from {:.2} to {:.2}",
                path.name(),
                j,
                history.loss[9],
                out.min(),
                out.max()
            );
            assert!(acc > 0.9, "{name} on the {path} path: accuracy {acc}");
            losses.push(j);
            if output == Activation::Softmax {
                assert!(
                    out.min() >= 0.0 && out.max() <= 1.0,
                    "softmax outputs are probabilities"
                );
            } else {
                assert!(
                    out.max() > 1.0 && out.min() < 0.0,
                    "logits are not probabilities"
                );
            }
        }
    }
    // Keras (TensorFlow) computes the obvious model's loss from the softmax's
    // own input, z, exactly as the preferred model's: the two train alike,
    // to the last digit, and differ only in what they output.
    // (Per path: the two paths round differently, in the last bits.)
    assert!(
        losses[0] == losses[2] && losses[1] == losses[3],
        "{losses:?}"
    );
    println!(
        "\nOn each path the two models' losses are the same number: Keras computes the obvious model's loss \
         from the softmax's input z, as from_logits=True does (docs/07-softmax.md)."
    );
    println!("softmax: both models learn the four blobs; the preferred one's outputs are logits.");
}
