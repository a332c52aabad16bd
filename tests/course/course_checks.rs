//! The course's own checks, on both paths.
//!
//! References, all from Course 2 ("Advanced Learning Algorithms"), week 1, the
//! graded assignment *Neural Networks for Handwritten Digit Recognition,
//! Binary* (`C2_W1_Assignment`):
//!
//! - the sigmoid layer and its expected output `[0.54735762 0.57932425
//!   0.61063923]`: Exercise 2's "Quick Check" of `my_dense`
//!   (`x_tst = 0.1*np.arange(1,3)`, `W_tst = 0.1*np.arange(1,7).reshape(2,3)`,
//!   `b_tst = 0.1*np.arange(1,4)`);
//! - the linear layers and their integer outputs: the assignment's
//!   `public_tests.py`, `test_c2` (one example `[1, 2, 3, 4]`, then a batch
//!   of two);
//! - 10,431 parameters for 400-25-15-1: the assignment's `model.summary()`
//!   (10,025 + 390 + 16).
//!
//! The notes' network on the coffee data's two features, 2-25-15-1, has
//! `2·25 + 25 + 25·15 + 15 + 15·1 + 1 = 481` parameters (Keras counts
//! `n_in·units + units` per `Dense`); the coffee-roasting lab's own 2-3-1
//! model shows "Total params: 13" (`C2_W1_Lab02_CoffeeRoasting_TF`).

use crate::common::kernels::{self, Loops, Matrices};
use crate::common::{mat, vector};
use dualpath::{Activation, Dense, LayerCache, Network, Path, Real};
use nalgebra::DMatrix;

/// A path's layer forward into fresh buffers: `(A_in, layer) → (Z, A)`.
type DenseForward<T> = fn(&DMatrix<T>, &Dense<T>) -> LayerCache<T>;

/// Both paths' layer forwards, named.
fn both_kernels<T: Real>() -> [(&'static str, DenseForward<T>); 2] {
    [
        ("sequential", kernels::forward::<T, Loops>),
        ("matrix", kernels::forward::<T, Matrices>),
    ]
}

/// Exercise 2's quick check. The references are rounded to 8 decimals, so the
/// true values lie within `5e-9` of them (they do, by 1.9e-9, 2.1e-9 and
/// 4.0e-9, to 40 digits). In `f64` the computed values are within a few `u`
/// (≈ 1e-15) of the true ones; in `f32` the inputs round by `u₃₂ = 2⁻²⁴`
/// each, `z = x·W + b` errs by at most `(3u₃₂ + γ₃)·0.45 ≈ 3u₃₂` times
/// `σ' ≤ 1/4`, and `σ` itself by about `3u₃₂·0.61`: under `4u₃₂ ≈ 2.4e-7`
/// in all.
fn sigmoid_quick_check<T: Real>(tolerance: f64) {
    let x = mat::<T>(1, 2, &[0.1, 0.2]);
    let w = mat::<T>(2, 3, &[0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
    let b = vector::<T>(&[0.1, 0.2, 0.3]);
    let expected = [0.54735762, 0.57932425, 0.61063923];
    for (path, dense_forward) in both_kernels::<T>() {
        let a = dense_forward(&x, &kernels::layer(&w, &b, Activation::Sigmoid)).a;
        assert_eq!(a.shape(), (1, 3), "{path}");
        for (j, &want) in expected.iter().enumerate() {
            let got = a[(0, j)].as_f64();
            assert!(
                (got - want).abs() < tolerance,
                "{path} {}: unit {j} is {got}, the course expects {want} (±{tolerance:e})",
                T::NAME
            );
        }
    }
}

#[test]
fn sigmoid_layer_matches_the_assignment_quick_check_f64() {
    sigmoid_quick_check::<f64>(5e-9);
}

#[test]
fn sigmoid_layer_matches_the_assignment_quick_check_f32() {
    sigmoid_quick_check::<f32>(5e-9 + 4.0 * f64::from(f32::EPSILON) / 2.0);
}

/// `test_c2`'s linear cases: small integers, so every sum is exact in both
/// types and the outputs must be the integers themselves.
fn linear_public_tests<T: Real>() {
    let x1 = mat::<T>(1, 4, &[1.0, 2.0, 3.0, 4.0]);
    let w1 = mat::<T>(4, 2, &[1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0]);
    let x2 = mat::<T>(2, 4, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]);
    let w2 = mat::<T>(
        4,
        3,
        &[
            1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0,
        ],
    );
    let cases = [
        (
            &x1,
            &w1,
            vector::<T>(&[0.0, 0.0]),
            mat::<T>(1, 2, &[10.0, 20.0]),
        ),
        (
            &x1,
            &w1,
            vector::<T>(&[3.0, 5.0]),
            mat::<T>(1, 2, &[13.0, 25.0]),
        ),
        (
            &x2,
            &w2,
            vector::<T>(&[0.0, 0.0, 0.0]),
            mat::<T>(2, 3, &[70.0, 80.0, 90.0, 158.0, 184.0, 210.0]),
        ),
        (
            &x2,
            &w2,
            vector::<T>(&[3.0, 5.0, 6.0]),
            mat::<T>(2, 3, &[73.0, 85.0, 96.0, 161.0, 189.0, 216.0]),
        ),
    ];
    for (x, w, b, expected) in &cases {
        for (path, dense_forward) in both_kernels::<T>() {
            let out = dense_forward(x, &kernels::layer(w, b, Activation::Linear));
            assert_eq!(out.a, *expected, "{path} {}: A for b = {b}", T::NAME);
            assert_eq!(out.z, *expected, "{path} {}: Z for b = {b}", T::NAME);
        }
    }
    // The same batch through a whole (one-layer) network on each path.
    let net = Network::from_layers(vec![
        dualpath::Dense::new(
            w2.clone(),
            vector::<T>(&[3.0, 5.0, 6.0]),
            Activation::Linear,
        )
        .expect("a valid layer"),
    ])
    .expect("one layer chains");
    for path in Path::BOTH {
        let fwd = path.forward(&net, &x2).expect("a valid batch");
        assert_eq!(
            *fwd.output(),
            cases[3].3,
            "{path} {}: network output",
            T::NAME
        );
    }
}

#[test]
fn linear_layers_match_the_assignment_public_tests_exactly_f64() {
    linear_public_tests::<f64>();
}

#[test]
fn linear_layers_match_the_assignment_public_tests_exactly_f32() {
    linear_public_tests::<f32>();
}

#[test]
fn parameter_counts_match_keras() {
    use Activation::Sigmoid;
    let count = |n_in, layers: &[(usize, Activation)]| {
        Network::<f64>::new(n_in, layers, 0)
            .expect("a valid network")
            .param_count()
    };
    assert_eq!(count(2, &[(25, Sigmoid), (15, Sigmoid), (1, Sigmoid)]), 481);
    assert_eq!(
        count(400, &[(25, Sigmoid), (15, Sigmoid), (1, Sigmoid)]),
        10_431
    );
    assert_eq!(count(2, &[(3, Sigmoid), (1, Sigmoid)]), 13);
}

const DIGITS: [(usize, Activation); 3] = [
    (25, Activation::Sigmoid),
    (15, Activation::Sigmoid),
    (1, Activation::Sigmoid),
];

#[test]
fn same_seed_gives_the_same_network_and_another_seed_a_different_one() {
    let a = Network::<f64>::new(400, &DIGITS, 1234).expect("valid");
    let b = Network::<f64>::new(400, &DIGITS, 1234).expect("valid");
    let c = Network::<f64>::new(400, &DIGITS, 1235).expect("valid");
    assert_eq!(a, b, "same seed, same weights");
    for (l, (la, lc)) in a.layers().iter().zip(c.layers()).enumerate() {
        let same = la
            .w()
            .iter()
            .zip(lc.w().iter())
            .filter(|(x, y)| x == y)
            .count();
        assert_eq!(
            same,
            0,
            "layer {}: {same} weights equal across seeds",
            l + 1
        );
    }
}

#[test]
fn an_f32_network_is_the_f64_network_with_the_same_seed_rounded() {
    let double = Network::<f64>::new(400, &DIGITS, 7).expect("valid");
    let single = Network::<f32>::new(400, &DIGITS, 7).expect("valid");
    assert_eq!(single, double.cast::<f32>());
}

/// Keras' `GlorotUniform`: `W ~ U(-l, l)`, `l = √(6 / (fan_in + fan_out))`;
/// bias zeros. Draws are `(2u - 1)·l` with `2u - 1 ∈ [-1, 1)` exact, so
/// `|w| ≤ l` holds exactly in `f64`, and after rounding to `f32` against `l`
/// rounded the same way (rounding is monotone).
fn glorot_limits<T: Real>() {
    let net = Network::<T>::new(400, &DIGITS, 42).expect("valid");
    for (l, layer) in net.layers().iter().enumerate() {
        let (fan_in, fan_out) = (layer.n_in(), layer.units());
        let limit = T::of_f64((6.0 / (fan_in + fan_out) as f64).sqrt());
        let max = layer.w().amax();
        assert!(
            max <= limit,
            "{} layer {}: |w| reaches {max}, above the Glorot limit {limit}",
            T::NAME,
            l + 1
        );
        assert!(
            layer.b().iter().all(|&b| b == T::zero()),
            "{} layer {}: bias not zero",
            T::NAME,
            l + 1
        );
    }
    // The draws fill the range uniformly: for 10,000 draws of U(-l, l) the
    // largest |w| is above 0.99·l unless all miss the top 1% (probability
    // 0.99^10000 ≈ 2e-44), and the mean square is l²/3 within 5% (its
    // relative standard error is √(0.8/10000) ≈ 0.9%, so 5% is over 5σ).
    let first = &net.layers()[0];
    let limit = (6.0_f64 / (400 + 25) as f64).sqrt();
    let w: Vec<f64> = first.w().iter().map(|v| v.as_f64()).collect();
    let max = w.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    let mean_square = w.iter().map(|v| v * v).sum::<f64>() / w.len() as f64;
    assert!(max > 0.99 * limit, "largest |w| {max}, limit {limit}");
    let ratio = mean_square / (limit * limit / 3.0);
    assert!((ratio - 1.0).abs() < 0.05, "mean square / (l²/3) = {ratio}");
}

#[test]
fn glorot_uniform_weights_stay_within_the_limit_and_biases_are_zero_f64() {
    glorot_limits::<f64>();
}

#[test]
fn glorot_uniform_weights_stay_within_the_limit_and_biases_are_zero_f32() {
    glorot_limits::<f32>();
}
