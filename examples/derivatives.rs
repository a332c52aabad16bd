//! The Derivatives lab (Course 2, week 2, optional, `C2_W2_Derivatives`),
//! and the same derivative from the crate's gradient check on both paths.
//!
//! ```sh
//! cargo run --release --example derivatives
//! ```
//!
//! The lab estimates `dJ/dw` by nudging `w` by `ε = 0.001`: `k = (J(w + ε) −
//! J(w)) / ε`, a forward difference, for `J = w²` at `w = 3`, then with
//! `ε = 10⁻⁹`, then for `J = 2w`, `w³`, `1/w` and `1/w²`, each beside the
//! symbolic derivative SymPy gives. This example prints the lab's lines as
//! the lab prints them (Python's `f"{k}"` is the shortest decimal that reads
//! back as the same `f64`, which is what Rust's `{}` prints too), beside the
//! exact derivative.
//!
//! Then the same `J = w²` as a network's cost: one weight, one example,
//! `Dense(1, linear)` with `w`, bias 0, input `x = 1`, target `y = 0`, and
//! mean squared error, so `J = (w·1 + 0 − 0)² = w²`. The backward pass of
//! each path gives `dJ/dw`, and [`dualpath::proof::gradcheck`] estimates it
//! by a *central* difference, `(J(w + h) − J(w − h)) / 2h`, whose error
//! shrinks as `h²` rather than as `h`: the lab's `6.001` (error `ε`) against
//! `6.000000000…` here.

use dualpath::proof::gradcheck::{cost, numerical_gradients};
use dualpath::{Activation, Dense, Loss, Network, Path};
use nalgebra::{dmatrix, dvector};

/// The lab's nudge.
const EPSILON: f64 = 1e-3;

/// One line of the lab: `J`, `J_epsilon` and the estimate `k`, formatted as
/// the lab's f-string does (`J` an integer where the lab's is one).
fn lab_line(j: &str, j_epsilon: f64, k: &str) -> String {
    format!("J = {j}, J_epsilon = {j_epsilon}, dJ_dw ~= k = {k} ")
}

/// The one-weight network whose mean squared error on `x = 1, y = 0` is `w²`.
fn one_weight(w: f64) -> Network<f64> {
    let layer = Dense::new(dmatrix![w], dvector![0.0], Activation::Linear).expect("a 1×1 layer");
    Network::from_layers(vec![layer]).expect("one layer")
}

fn main() -> Result<(), dualpath::Error> {
    println!("The lab's arithmetic derivatives (the exact one after the arrow):");
    // (the lab's printed line, which this example must reproduce, is in the
    // comment above each; source: C2_W2_Derivatives, the outputs of its cells)
    let mut lines = Vec::new();
    // J = (3)**2; J_epsilon = (3 + 0.001)**2; k = (J_epsilon - J)/0.001, printed with {k:0.6f}
    let (j, je) = (9.0_f64, (3.0_f64 + EPSILON).powi(2));
    let k = (je - j) / EPSILON;
    lines.push((lab_line("9", je, &format!("{k:.6}")), k, 6.0, "w², w = 3"));
    // The same with ε = 10⁻⁹: the estimate is nearer 6, but rounding now shows.
    let tiny = 1e-9;
    let (j, je) = (9.0_f64, (3.0_f64 + tiny).powi(2));
    let k = (je - j) / tiny;
    lines.push((lab_line("9", je, &format!("{k}")), k, 6.0, "w², ε = 1e-9"));
    // J = 2*3; J_epsilon = 2*(3 + 0.001)
    let (j, je) = (6.0_f64, 2.0 * (3.0 + EPSILON));
    let k = (je - j) / EPSILON;
    lines.push((lab_line("6", je, &format!("{k}")), k, 2.0, "2w, w = 3"));
    // J = (2)**3; J_epsilon = (2+0.001)**3
    let (j, je) = (8.0_f64, (2.0_f64 + EPSILON).powi(3));
    let k = (je - j) / EPSILON;
    lines.push((lab_line("8", je, &format!("{k}")), k, 12.0, "w³, w = 2"));
    // J = 1/2; J_epsilon = 1/(2+0.001)
    let (j, je) = (1.0 / 2.0, 1.0 / (2.0 + EPSILON));
    let k = (je - j) / EPSILON;
    lines.push((
        lab_line(&format!("{j}"), je, &format!("{k}")),
        k,
        -0.25,
        "1/w, w = 2",
    ));
    // J = 1/4**2; J_epsilon = 1/(4+0.001)**2
    let (j, je) = (1.0 / 4.0_f64.powi(2), 1.0 / (4.0_f64 + EPSILON).powi(2));
    let k = (je - j) / EPSILON;
    lines.push((
        lab_line(&format!("{j}"), je, &format!("{k}")),
        k,
        -1.0 / 32.0,
        "1/w², w = 4",
    ));

    // What the lab prints, cell by cell (C2_W2_Derivatives, its cells 2, 3,
    // 14, 19, 24 and 30 in the published notebook's execution order).
    const LAB_PRINTS: [&str; 6] = [
        "J = 9, J_epsilon = 9.006001, dJ_dw ~= k = 6.001000 ",
        "J = 9, J_epsilon = 9.000000006, dJ_dw ~= k = 6.000000496442226 ",
        "J = 6, J_epsilon = 6.002, dJ_dw ~= k = 1.9999999999997797 ",
        "J = 8, J_epsilon = 8.012006000999998, dJ_dw ~= k = 12.006000999997823 ",
        "J = 0.5, J_epsilon = 0.49975012493753124, dJ_dw ~= k = -0.2498750624687629 ",
        "J = 0.0625, J_epsilon = 0.06246876171484496, dJ_dw ~= k = -0.031238285155041345 ",
    ];
    for ((line, k, exact, what), lab) in lines.iter().zip(LAB_PRINTS) {
        println!(
            "{line}  → {exact} ({what}; the estimate is off by {:.1e})",
            k - exact
        );
        assert_eq!(line, lab, "the lab's line, character for character");
    }
    // Python's `**` on floats is C's pow, and Rust's powi multiplies: they
    // agree on these few operations, as the comparison above shows.

    println!(
        "\nThe same J = w² as a network's cost: Dense(1, linear), x = 1, y = 0, mean squared error."
    );
    let (x, y) = (dmatrix![1.0], dmatrix![0.0]);
    let loss = Loss::MEAN_SQUARED_ERROR;
    for w in [3.0, 2.0, -3.0] {
        let net = one_weight(w);
        // gradcheck's central difference, its step h·max(1, |w|).
        let numerical = numerical_gradients(&net, &x, &y, loss, 1e-5)?;
        let estimate = numerical.layers[0].dw[(0, 0)];
        for path in Path::BOTH {
            let j = cost(&net, &x, &y, loss, path)?;
            let (_, grads) = path.loss_and_gradients(&net, &x, &y, loss)?;
            let backprop = grads.layers[0].dw[(0, 0)];
            println!(
                "w = {w:>2}  {:<10} J = {j}  backprop dJ/dw = {backprop}  central difference {estimate:.12}  exact {}",
                path.name(),
                2.0 * w
            );
            assert_eq!(j, w * w, "{path}: J is w², exactly, for these w");
            assert_eq!(backprop, 2.0 * w, "{path}: backprop gives 2w, exactly");
            // Truncation is 0 for a quadratic; what is left is rounding,
            // about u·J/h = 1.1e-16 · 9 / 3e-5 ≈ 3e-11.
            assert!(
                (estimate - 2.0 * w).abs() < 1e-9,
                "the central difference {estimate} against 2w = {}",
                2.0 * w
            );
        }
    }
    println!(
        "\nderivatives: the lab's six lines, and dJ/dw = 2w from backprop on both paths and from the gradient check."
    );
    Ok(())
}
