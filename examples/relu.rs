//! The ReLU lab (Course 2, week 2, optional, `C2_W2_Relu`), on both paths.
//!
//! ```sh
//! cargo run --release --example relu
//! ```
//!
//! The lab's exercise is a piecewise-linear target on `0 ≤ x ≤ 3`, built in
//! its `lab_utils_relu.py` as `np.r_[-2*X[0:100]+2, 1*X[100:200]-3+2,
//! 3*X[200:300]-7+2]` over `X = np.linspace(0, 3, 300)`: slope −2, then 1,
//! then 3, with corners at `x = 1` and `x = 2`. A network of three ReLU units
//! and one linear output unit whose weights are all 1 matches it: unit 0 is
//! fixed by the lab (`w = −2, b = 2`), and the learner moves sliders until
//! units 1 and 2 switch on at the corners (`w = 1, b = −1` and `w = 2,
//! b = −4`, the values noted in the lab's `plt_base`). Each unit is zero until
//! its line crosses zero, then adds its slope to the sum: that is the ReLU's
//! point, a unit that stays off until it is needed.
//!
//! This example builds that network, runs the lab's 300 points through it on
//! both paths, prints each unit's contribution at a few points and the sum
//! after each unit is added, and checks that the sum is the target.

use dualpath::{Activation, Dense, Network, Path};
use nalgebra::{DMatrix, dmatrix, dvector};

/// The lab's three units, `(w, b)`: unit 0 fixed, units 1 and 2 the
/// sliders' answers.
const UNITS: [(f64, f64); 3] = [(-2.0, 2.0), (1.0, -1.0), (2.0, -4.0)];

/// `np.linspace(0, 3, 300)`: NumPy computes `start + i·step` with
/// `step = 3/299`, and sets the last point to `stop`.
fn linspace_0_3() -> Vec<f64> {
    let step = 3.0 / 299.0;
    (0..300)
        .map(|i| if i == 299 { 3.0 } else { f64::from(i) * step })
        .collect()
}

/// The lab's target, piece by piece as `plt_base` writes it.
fn target(i: usize, x: f64) -> f64 {
    match i {
        0..100 => -2.0 * x + 2.0,
        100..200 => 1.0 * x - 3.0 + 2.0,
        _ => 3.0 * x - 7.0 + 2.0,
    }
}

fn main() -> Result<(), dualpath::Error> {
    let xs = linspace_0_3();
    let x = DMatrix::from_column_slice(xs.len(), 1, &xs);
    let hidden = Dense::new(
        dmatrix![UNITS[0].0, UNITS[1].0, UNITS[2].0], // (1, 3): one input, three units
        dvector![UNITS[0].1, UNITS[1].1, UNITS[2].1],
        Activation::Relu,
    )?;
    // a2 = a[0] + a[1] + a[2]: the lab's plt_yhat sums the units directly,
    // which is a linear unit with weights 1 and bias 0.
    let output = Dense::new(dmatrix![1.0; 1.0; 1.0], dvector![0.0], Activation::Linear)?;
    let net = Network::from_layers(vec![hidden, output])?;
    println!(
        "Dense(3, relu) → Dense(1, linear): units (w, b) = {UNITS:?}, output weights 1, bias 0"
    );

    let mut outputs = Vec::new();
    for path in Path::BOTH {
        let fwd = path.forward(&net, &x)?;
        let a1 = fwd.layers()[0].a.clone();
        let yhat = fwd.output().clone();
        println!("\n{} path:", path.name());
        println!(
            "{:>6} {:>8} {:>8} {:>8}   {:>8} {:>8} {:>8}   {:>8}",
            "x", "unit 0", "unit 1", "unit 2", "0", "0+1", "0+1+2", "target"
        );
        for i in [0, 50, 99, 100, 150, 199, 200, 250, 299] {
            let (u0, u1, u2) = (a1[(i, 0)], a1[(i, 1)], a1[(i, 2)]);
            println!(
                "{:>6.3} {u0:>8.4} {u1:>8.4} {u2:>8.4}   {:>8.4} {:>8.4} {:>8.4}   {:>8.4}",
                xs[i],
                u0,
                u0 + u1,
                yhat[(i, 0)],
                target(i, xs[i])
            );
        }
        // Which unit is on where: unit 0 until x = 1, unit 1 from x = 1,
        // unit 2 from x = 2.
        let corners: [fn(f64) -> bool; 3] = [|x| x < 1.0, |x| x > 1.0, |x| x > 2.0];
        for (u, on) in corners.iter().enumerate() {
            for (i, &xi) in xs.iter().enumerate() {
                assert_eq!(a1[(i, u)] > 0.0, on(xi), "{path}: unit {u} at x = {xi}");
            }
        }
        // Each output is at most three additions of numbers of size ≤ 4, and
        // each unit's z one multiply-add: a few roundings of 4·2⁻⁵³ each,
        // against a target computed in another order. 1e-14 is about twenty
        // such roundings.
        let worst = (0..xs.len())
            .map(|i| (yhat[(i, 0)] - target(i, xs[i])).abs())
            .fold(0.0, f64::max);
        println!("largest |a2 − target| over the 300 points: {worst:.1e}");
        assert!(worst < 1e-14, "{path}: the three units make the target");
        outputs.push(yhat);
    }
    // The two paths add the same three numbers for a one-input layer: one
    // product and one addition per unit, in the same order.
    assert_eq!(
        outputs[0], outputs[1],
        "one input: each unit's z is one product and one sum on both paths"
    );
    println!(
        "\nrelu: three relu units, each off until its corner, sum to the lab's target on both paths."
    );
    Ok(())
}
