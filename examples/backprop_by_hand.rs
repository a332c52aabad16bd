//! Back propagation by hand, following the Course 2, week 2 optional lab on
//! computation graphs (`C2_W2_Backprop`): each derivative twice, by the chain
//! rule and by a numeric nudge (`ε = 0.001`, as the lab does), then the same
//! thing done by the crate's backward pass on both paths. Every line the lab
//! prints with numbers is printed here the same way and checked against the
//! lab's notebook: its nudges of `a` and `w` in the first graph, and of `d`,
//! `a` (through `d = a - y`: `dd_da`, then `dJ_da`) and `w` in the second.
//!
//! ```sh
//! cargo run --example backprop_by_hand
//! ```
//!
//! The lab's arithmetic is Python floats, which are IEEE 754 doubles like
//! Rust's `f64`; done in the same order, every printed digit is the lab's.

use dualpath::proof::gradcheck::{cost, numerical_gradients};
use dualpath::{Activation, Dense, Loss, Network, Path};
use nalgebra::{dmatrix, dvector};

/// The lab's nudge.
const EPSILON: f64 = 0.001;

/// Prints a line and checks it against the line the lab prints.
fn lab_line(ours: String, lab: &str) {
    println!("{ours}");
    assert_eq!(ours, lab, "the lab prints this line differently");
}

fn main() -> Result<(), dualpath::Error> {
    // ---- 1. J = (2 + 3w)², at w = 3 ---------------------------------------
    // The graph: w → a = 2 + 3w → J = a².
    println!("1. J = (2 + 3w)^2 at w = 3");
    let w = 3.0_f64;
    let a = 2.0 + 3.0 * w;
    let j = a.powi(2);
    lab_line(format!("a = {a}, J = {j}"), "a = 11, J = 121");

    // dJ/da: nudge a, see how far J moves.
    let a_epsilon = a + EPSILON;
    let j_epsilon = a_epsilon.powi(2);
    let k = (j_epsilon - j) / EPSILON;
    lab_line(
        format!("J = {j}, J_epsilon = {j_epsilon}, dJ_da ~= k = {k} "),
        "J = 121, J_epsilon = 121.02200099999999, dJ_da ~= k = 22.000999999988835 ",
    );
    let dj_da = 2.0 * a; // d(a²)/da
    println!("   chain rule: dJ/da = 2a = {dj_da}");
    assert!(
        (k - dj_da).abs() < 2.0 * EPSILON,
        "the nudge estimates dJ/da"
    );

    // da/dw.
    let w_epsilon = w + EPSILON;
    let a_epsilon = 2.0 + 3.0 * w_epsilon;
    let k = (a_epsilon - a) / EPSILON;
    lab_line(
        format!("a = {a}, a_epsilon = {a_epsilon}, da_dw ~= k = {k} "),
        "a = 11, a_epsilon = 11.003, da_dw ~= k = 3.0000000000001137 ",
    );
    let da_dw = 3.0; // d(2 + 3w)/dw
    println!("   chain rule: da/dw = {da_dw}");

    // dJ/dw = dJ/da · da/dw: the chain rule, one link at a time.
    let j_epsilon = a_epsilon.powi(2);
    let k = (j_epsilon - j) / EPSILON;
    lab_line(
        format!("J = {j}, J_epsilon = {j_epsilon}, dJ_dw ~= k = {k} "),
        "J = 121, J_epsilon = 121.06600900000001, dJ_dw ~= k = 66.0090000000082 ",
    );
    let dj_dw = dj_da * da_dw;
    println!("   chain rule: dJ/dw = dJ/da · da/dw = {dj_da} · {da_dw} = {dj_dw}");
    assert_eq!(dj_dw, 66.0, "2·(2 + 3w)·3 at w = 3");
    // A one-sided nudge is off by about ε·J''/2 = 0.001·18/2 = 0.009: the
    // lab's 66.009.
    assert!((k - dj_dw - 0.009).abs() < 1e-9, "one-sided error ε·J''/2");

    // ---- 2. The lab's one-unit network --------------------------------------
    // c = w·x, a = c + b, d = a - y, J = d²/2.
    println!();
    println!("2. A one-unit network: c = w·x, a = c + b, d = a - y, J = d^2/2");
    let (x, w, b, y) = (2.0_f64, -2.0_f64, 8.0_f64, 1.0_f64);
    let c = w * x;
    let a = c + b;
    let d = a - y;
    let j = d.powi(2) / 2.0;
    lab_line(
        format!("J={j}, d={d}, a={a}, c={c}"),
        "J=4.5, d=3, a=4, c=-4",
    );

    // Backward, right to left, each step one local derivative times the one before.
    let dj_dd = d; // d(d²/2)/dd
    let dj_da = dj_dd * 1.0; // dd/da = 1
    let dj_dc = dj_da * 1.0; // da/dc = 1
    let dj_db = dj_da * 1.0; // da/db = 1
    let dj_dw = dj_dc * x; // dc/dw = x
    println!(
        "   backward: dJ/dd = {dj_dd}, dJ/da = {dj_da}, dJ/dc = {dj_dc}, dJ/db = {dj_db}, dJ/dw = dJ/dc · x = {dj_dw}"
    );
    assert_eq!((dj_dw, dj_db), (6.0, 3.0), "the lab's dJ/dw and dJ/db");

    // The lab's nudges, right to left as it takes them. First d: J = d²/2
    // is quadratic in d with second derivative 1, so the one-sided nudge is
    // off by ε/2 (the lab's 3.0005), plus the rounding of J_epsilon and J (at
    // most u·|J| each), which the division by ε magnifies.
    let rounding = |j_epsilon: f64| 4.0 * f64::EPSILON * j_epsilon.max(j) / EPSILON;
    let d_epsilon = d + EPSILON;
    let j_epsilon = d_epsilon.powi(2) / 2.0;
    let k = (j_epsilon - j) / EPSILON;
    lab_line(
        format!("J = {j}, J_epsilon = {j_epsilon}, dJ_dd ~= k = {k} "),
        "J = 4.5, J_epsilon = 4.5030005, dJ_dd ~= k = 3.0004999999997395 ",
    );
    println!("   chain rule: dJ/dd = d = {dj_dd}");
    assert!((k - (dj_dd + EPSILON / 2.0)).abs() <= rounding(j_epsilon));

    // Then a, one link: d = a - y moves exactly as a does.
    let a_epsilon = a + EPSILON;
    let d_epsilon = a_epsilon - y;
    let k = (d_epsilon - d) / EPSILON;
    lab_line(
        format!("d = {d}, d_epsilon = {d_epsilon}, dd_da ~= k = {k} "),
        "d = 3, d_epsilon = 3.0010000000000003, dd_da ~= k = 1.000000000000334 ",
    );
    println!("   chain rule: dd/da = 1");
    assert!(
        (k - 1.0).abs() < 1e-12,
        "d = a - y: dd/da = 1, up to rounding"
    );

    // And through both links: dJ/da = dd/da · dJ/dd.
    let j_epsilon = d_epsilon.powi(2) / 2.0;
    let k = (j_epsilon - j) / EPSILON;
    lab_line(
        format!("J = {j}, J_epsilon = {j_epsilon}, dJ_da ~= k = {k} "),
        "J = 4.5, J_epsilon = 4.503000500000001, dJ_da ~= k = 3.0005000000006277 ",
    );
    println!("   chain rule: dJ/da = dd/da · dJ/dd = 1 · {dj_dd} = {dj_da}");
    assert!((k - (dj_da + EPSILON / 2.0)).abs() <= rounding(j_epsilon));

    // Last, w, through the whole graph (dJ/db = d, the lab derives by the
    // chain rule alone and nudges nothing for it).
    let j_epsilon = ((w + EPSILON) * x + b - y).powi(2) / 2.0;
    let k = (j_epsilon - j) / EPSILON;
    lab_line(
        format!("J = {j}, J_epsilon = {j_epsilon}, dJ_dw ~= k = {k} "),
        "J = 4.5, J_epsilon = 4.506002, dJ_dw ~= k = 6.001999999999619 ",
    );
    println!("   chain rule: dJ/dw = dc/dw · dJ/dc = x · d = {dj_dw}");
    // J is quadratic in w with second derivative x² = 4: off by ε·4/2.
    assert!((k - (dj_dw + 2.0 * EPSILON)).abs() <= rounding(j_epsilon));

    // ---- 3. Two layers, by the crate ----------------------------------------
    // The lecture's "larger network": x = 1, y = 5, one relu unit per layer,
    // w1 = 2, b1 = 0, w2 = 3, b2 = 1. Forward: a1 = relu(2·1 + 0) = 2,
    // a2 = relu(3·2 + 1) = 7, and with the lecture's J = ½(a2 - y)² = 2.
    println!();
    println!("3. Two relu layers (x = 1, y = 5, w1 = 2, b1 = 0, w2 = 3, b2 = 1), by the crate");
    let net = Network::from_layers(vec![
        Dense::new(dmatrix![2.0], dvector![0.0], Activation::Relu)?,
        Dense::new(dmatrix![3.0], dvector![1.0], Activation::Relu)?,
    ])?;
    let (xs, ys) = (dmatrix![1.0], dmatrix![5.0]);
    // By hand, right to left, with the lecture's ½:
    //   dJ/da2 = a2 - y = 2; relu'(7) = 1, so dJ/dz2 = 2;
    //   dJ/dw2 = dJ/dz2 · a1 = 4, dJ/db2 = 2;
    //   dJ/da1 = dJ/dz2 · w2 = 6; relu'(2) = 1, so dJ/dz1 = 6;
    //   dJ/dw1 = dJ/dz1 · x = 6, dJ/db1 = 6.
    let lecture = [(6.0, 6.0), (4.0, 2.0)]; // (dJ/dw, dJ/db) per layer
    // Keras' MeanSquaredError has no ½: J = (a2 - y)² = 4, so every gradient
    // the crate returns is twice the lecture's.
    let loss = Loss::MEAN_SQUARED_ERROR;
    for path in Path::BOTH {
        let (j, grads) = path.loss_and_gradients(&net, &xs, &ys, loss)?;
        println!(
            "   {:<10} J = {j}   dW1 = {}, db1 = {}, dW2 = {}, db2 = {}",
            path.name(),
            grads.layers[0].dw[(0, 0)],
            grads.layers[0].db[0],
            grads.layers[1].dw[(0, 0)],
            grads.layers[1].db[0]
        );
        assert_eq!(j, 4.0, "(7 - 5)²");
        for (l, &(dw, db)) in lecture.iter().enumerate() {
            // Small integers: every step is exact, so equality is the right test.
            assert_eq!(
                (grads.layers[l].dw[(0, 0)], grads.layers[l].db[0]),
                (2.0 * dw, 2.0 * db),
                "{path}: layer {} is twice the lecture's (no ½ in Keras' MSE)",
                l + 1
            );
        }
    }
    println!("   the lecture (with ½): dJ/dw1 = 6, dJ/db1 = 6, dJ/dw2 = 4, dJ/db2 = 2");

    // The lab's nudge, on the crate's forward pass: w1 → w1 + ε.
    let j0 = cost(&net, &xs, &ys, loss, Path::Sequential)?;
    let nudged = Network::from_layers(vec![
        Dense::new(dmatrix![2.0 + EPSILON], dvector![0.0], Activation::Relu)?,
        net.layers()[1].clone(),
    ])?;
    let j1 = cost(&nudged, &xs, &ys, loss, Path::Sequential)?;
    let k = (j1 - j0) / EPSILON;
    println!("   nudge w1 by {EPSILON}: J {j0} → {j1}, dJ/dw1 ~= {k:.6}");
    assert!((k - 12.0).abs() < 0.02, "one-sided nudge near 12: {k}");

    // A central difference, (J(w+h) - J(w-h)) / 2h, cancels the ε·J''/2 error
    // of the one-sided nudge: this is what the crate's tests use.
    let numeric = numerical_gradients(&net, &xs, &ys, loss, 1e-5)?;
    let analytic = Path::Matrix.loss_and_gradients(&net, &xs, &ys, loss)?.1;
    for (l, (n, g)) in numeric.layers.iter().zip(&analytic.layers).enumerate() {
        println!(
            "   layer {}: central difference dW = {:.9}, db = {:.9}; backward dW = {}, db = {}",
            l + 1,
            n.dw[(0, 0)],
            n.db[0],
            g.dw[(0, 0)],
            g.db[0]
        );
        let gap = (&n.dw - &g.dw).amax().max((&n.db - &g.db).amax());
        assert!(
            gap < 1e-6,
            "layer {}: finite difference off by {gap:e}",
            l + 1
        );
    }
    println!();
    println!("backprop_by_hand: the lab's numbers, and the crate's backward pass agrees.");
    Ok(())
}
