//! The Softmax lab (Course 2, week 2, `C2_W2_SoftMax`), on both paths.
//!
//! ```sh
//! cargo run --release --example softmax
//! ```
//!
//! 1. `my_softmax`, vectorised as the lab and the week 2 assignment
//!    (`C2_W2_Assignment`, exercise 1) write it, `ez = np.exp(z)` then
//!    `ez / np.sum(ez)`, beside the crate's row-wise softmax, on the two
//!    cases of the assignment's public test (`test_my_softmax`): `[1, 2, 3, 4]`,
//!    printed as the assignment prints it, and ten equal logits `ln 0.1`,
//!    each of which must come out 0.1. The lab itself only plots its
//!    `my_softmax`; the test and the printout are the assignment's.
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

/// `my_softmax` as the lab and the assignment write it, vectorised:
/// `ez = np.exp(z)` (every exponential), then `ez / np.sum(ez)` (no maximum
/// subtracted: the course keeps it simple; the crate's version subtracts it,
/// which changes no value here beyond the last bits).
fn my_softmax(z: &[f64]) -> Vec<f64> {
    let ez: Vec<f64> = z.iter().map(|v| v.exp()).collect();
    let sum: f64 = ez.iter().sum();
    ez.iter().map(|e| e / sum).collect()
}

/// A row as NumPy prints it with two decimals (the assignment's setting):
/// `[0.03 0.09 0.24 0.64]`, trailing zeros dropped (`0.1`, not `0.10`).
fn numpy_row(a: &[f64]) -> String {
    let cells: Vec<String> = a
        .iter()
        .map(|v| {
            let s = format!("{v:.2}");
            s.trim_end_matches('0').to_string()
        })
        .collect();
    format!("[{}]", cells.join(" "))
}

/// `softmax_row`, the crate's softmax of one example, as a `Vec`.
fn crate_softmax(z: &[f64]) -> Vec<f64> {
    let mut a = RowDVector::zeros(z.len());
    softmax_row(&RowDVector::from_row_slice(z), &mut a);
    a.as_slice().to_vec()
}

fn main() {
    // The assignment's cell: z = np.array([1., 2., 3., 4.]), then
    // print(f"my_softmax(z):         {a}") and the same for tf.nn.softmax.
    let z = [1.0, 2.0, 3.0, 4.0];
    let (lab, ours) = (my_softmax(&z), crate_softmax(&z));
    println!("z = {z:?}");
    println!("my_softmax(z):         {}", numpy_row(&lab));
    println!("softmax_row(z):        {}", numpy_row(&ours));
    println!("  in full: {ours:.10?}");
    // The assignment's notebook prints `my_softmax(z):         [0.03 0.09 0.24 0.64]`.
    assert_eq!(numpy_row(&lab), "[0.03 0.09 0.24 0.64]");
    assert_eq!(numpy_row(&ours), "[0.03 0.09 0.24 0.64]");
    // test_my_softmax's two cases (the assignment's public_tests.py): each
    // within 1e-10 of TensorFlow's softmax, whose exact values are
    // e^{z_j} / Σ_k e^{z_k}: for [1, 2, 3, 4] these, e^k / (e + e² + e³ + e⁴)
    // computed with Python's math.exp to 16 digits; for ten logits ln 0.1,
    // 0.1 each.
    let ln_tenth = [0.1_f64.ln(); 10];
    for (case, want) in [
        (
            &z[..],
            vec![
                0.0320586032800850,
                0.0871443187420326,
                0.2368828180899101,
                0.6439142598879722,
            ],
        ),
        (&ln_tenth[..], vec![0.1; 10]),
    ] {
        for a in [my_softmax(case), crate_softmax(case)] {
            for (aj, wj) in a.iter().zip(&want) {
                assert!((aj - wj).abs() <= 1e-10, "softmax of {case:?}: {a:?}");
            }
        }
    }
    println!(
        "ten logits of ln 0.1: my_softmax {}, softmax_row {}",
        numpy_row(&my_softmax(&ln_tenth)),
        numpy_row(&crate_softmax(&ln_tenth))
    );
    println!("test_my_softmax's two cases pass for both, within 1e-10.");

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
