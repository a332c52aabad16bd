//! Numerical care: the stable sigmoid and binary cross-entropy at extreme
//! inputs, derivatives against finite differences, the matrix path's
//! element-wise helpers against the per-element functions, and the mean
//! squared error worked by hand.

use crate::common::{LayerSpec, mat, network};
use dualpath::nn::activation::{relu_prime, sigmoid, sigmoid_prime, tanh_prime};
use dualpath::{Activation, Loss, Path, Real};
use nalgebra::DMatrix;

/// Large `|z|`, where the naive formulas overflow (`e^{-z}` = ∞ once
/// `-z > 709.8` in `f64`, `> 88.7` in `f32`) or lose everything to rounding.
fn extreme_z<T: Real>() -> Vec<T> {
    let big = T::max_value().expect("a float has a largest value");
    let half = big / T::of_f64(2.0);
    [50.0, 1e4, 1e30]
        .iter()
        .map(|&z| T::of_f64(z))
        .chain([half, big])
        .flat_map(|z| [z, -z])
        .collect()
}

/// `σ(-z) = 1 - σ(z)` holds up to rounding: each side is computed with a
/// relative error of a few `u` (one `exp`, one addition, one division, each
/// within about `u`), and both are at most 1, so the identity holds within
/// `4u` absolutely.
fn sigmoid_is_finite_bounded_and_symmetric<T: Real>() {
    let u = T::UNIT_ROUNDOFF;
    for z in extreme_z::<T>() {
        let (s, s_neg) = (sigmoid(z), sigmoid(-z));
        assert!(s.is_finite(), "{}: σ({z:e}) = {s}", T::NAME);
        assert!(
            s >= T::zero() && s <= T::one(),
            "{}: σ({z:e}) = {s}",
            T::NAME
        );
        let gap = (s_neg.as_f64() - (1.0 - s.as_f64())).abs();
        assert!(
            gap <= 4.0 * u,
            "{}: σ(-z) - (1 - σ(z)) = {gap:e} at z = {z:e}",
            T::NAME
        );
        let d = sigmoid_prime(s);
        assert!(
            d.is_finite() && d >= T::zero(),
            "{}: σ'({z:e}) = {d}",
            T::NAME
        );
    }
}

#[test]
fn sigmoid_is_finite_bounded_and_symmetric_at_extreme_z_f64() {
    sigmoid_is_finite_bounded_and_symmetric::<f64>();
}

#[test]
fn sigmoid_is_finite_bounded_and_symmetric_at_extreme_z_f32() {
    sigmoid_is_finite_bounded_and_symmetric::<f32>();
}

/// Binary cross-entropy on a sigmoid output, computed from `z`: finite, and
/// close to the exact value, where `-ln σ(z)` would be `-ln 0 = ∞` or
/// `-ln(1 - 1) = ∞`.
///
/// Exact values: `ℓ(z, y=0) = ln(1 + e^z) = z + ln(1 + e^{-z})` and
/// `ℓ(z, y=1) = ln(1 + e^{-z})`. At `z = 50`, `y = 0`: `50 + 1.9e-22`, which
/// rounds to 50. At `z = -1e4`, `y = 1`: `1e4` (plus `e^{-1e4}`, far below
/// one ulp). At `z = -50`, `y = 0`: `ln(1 + e^{-50}) ≈ e^{-50} = 1.9287e-22`,
/// which the naive `-ln(1 - σ(-50))` loses entirely (`1 - 1.9e-22` rounds to
/// 1). Each is computed by a few operations (`exp`, `ln_1p`, a subtraction),
/// each within about `u`: within `4u` relative.
fn bce_from_z_is_finite_and_accurate<T: Real>() {
    let u = T::UNIT_ROUNDOFF;
    let bce = |z: f64, y: f64| {
        let z = T::of_f64(z);
        Loss::BINARY_CROSSENTROPY
            .element(Activation::Sigmoid, z, sigmoid(z), T::of_f64(y))
            .as_f64()
    };
    let cases = [
        (50.0, 0.0, 50.0),
        (-1e4, 1.0, 1e4),
        (1e4, 0.0, 1e4),
        // ln(1 + x) = x - x²/2 + …: for x = e^{-50} the x² term is 1e-22 relative.
        (-50.0, 0.0, (-50.0_f64).exp()),
        (50.0, 1.0, (-50.0_f64).exp()),
        (0.0, 1.0, std::f64::consts::LN_2),
    ];
    for (z, y, exact) in cases {
        let got = bce(z, y);
        assert!(got.is_finite(), "{}: BCE(z={z:e}, y={y}) = {got}", T::NAME);
        assert!(
            (got - exact).abs() <= 4.0 * u * exact.abs(),
            "{}: BCE(z={z:e}, y={y}) = {got:e}, exact {exact:e}",
            T::NAME
        );
    }
    // Far out, the loss of a confident right answer underflows to 0 (correctly).
    assert_eq!(bce(1e4, 1.0), 0.0);
    // And at every extreme z, for both labels, the loss and dz are finite.
    for z in extreme_z::<T>() {
        let a = sigmoid(z);
        for y in [T::zero(), T::one()] {
            let loss = Loss::BINARY_CROSSENTROPY.element(Activation::Sigmoid, z, a, y);
            let dz =
                Loss::BINARY_CROSSENTROPY.output_dz_element(Activation::Sigmoid, z, a, y, T::one());
            assert!(
                loss.is_finite(),
                "{}: BCE(z={z:e}, y={y}) = {loss}",
                T::NAME
            );
            assert!(dz.is_finite(), "{}: dz(z={z:e}, y={y}) = {dz}", T::NAME);
            assert!(dz.abs() <= T::one(), "{}: |σ - y| ≤ 1, got {dz}", T::NAME);
        }
    }
}

#[test]
fn bce_on_sigmoid_output_is_finite_and_accurate_at_extreme_z_f64() {
    bce_from_z_is_finite_and_accurate::<f64>();
}

#[test]
fn bce_on_sigmoid_output_is_finite_and_accurate_at_extreme_z_f32() {
    bce_from_z_is_finite_and_accurate::<f32>();
}

/// A whole network whose output pre-activation is `±1e4`, with both
/// examples confidently wrong: `x = [1, -1]`, a linear hidden unit with
/// `w = 1`, an output sigmoid with `w = 1e4`, `y = [0, 1]`. Worked by hand
/// (every number is exact in both types):
///
/// - `z₂ = [1e4, -1e4]`, `ℓ = [1e4, 1e4]`, `J = 1e4`;
/// - `dZ₂ = (σ(z₂) - y)/m = [(1 - 0)/2, (0 - 1)/2] = [0.5, -0.5]`;
/// - `dW₂ = a₁ᵀ·dZ₂ = 1·0.5 + (-1)·(-0.5) = 1`, `db₂ = 0`;
/// - `dZ₁ = dA₁ = dZ₂·1e4 = [5000, -5000]`, `dW₁ = 5000 + 5000 = 1e4`, `db₁ = 0`.
fn saturated_network<T: Real>() {
    let layers = [
        LayerSpec {
            n_in: 1,
            units: 1,
            w: vec![1.0],
            b: vec![0.0],
            activation: Activation::Linear,
        },
        LayerSpec {
            n_in: 1,
            units: 1,
            w: vec![1e4],
            b: vec![0.0],
            activation: Activation::Sigmoid,
        },
    ];
    let net = network::<T>(&layers);
    let x = mat::<T>(2, 1, &[1.0, -1.0]);
    let y = mat::<T>(2, 1, &[0.0, 1.0]);
    for path in Path::BOTH {
        let (j, grads) = path
            .loss_and_gradients(&net, &x, &y, Loss::BINARY_CROSSENTROPY)
            .expect("a valid batch");
        assert_eq!(j.as_f64(), 1e4, "{path} {}: J", T::NAME);
        let expected = [(1e4, 0.0), (1.0, 0.0)];
        for (l, (g, (dw, db))) in grads.layers.iter().zip(expected).enumerate() {
            assert_eq!(
                g.dw[(0, 0)].as_f64(),
                dw,
                "{path} {}: layer {} dW",
                T::NAME,
                l + 1
            );
            assert_eq!(
                g.db[0].as_f64(),
                db,
                "{path} {}: layer {} db",
                T::NAME,
                l + 1
            );
        }
        // Mean squared error on the same saturated output: σ'(±1e4) = 0, so no
        // gradient gets through, but nothing is NaN either.
        let (j, grads) = path
            .loss_and_gradients(&net, &x, &y, Loss::MEAN_SQUARED_ERROR)
            .expect("a valid batch");
        assert_eq!(
            j.as_f64(),
            1.0,
            "{path} {}: MSE J = mean of (1-0)², (0-1)²",
            T::NAME
        );
        for g in &grads.layers {
            assert!(
                g.dw.iter().chain(g.db.iter()).all(|v| v.is_finite()),
                "{path} {}: non-finite MSE gradient",
                T::NAME
            );
        }
    }
}

#[test]
fn saturated_sigmoid_network_gives_finite_loss_and_gradients_f64() {
    saturated_network::<f64>();
}

#[test]
fn saturated_sigmoid_network_gives_finite_loss_and_gradients_f32() {
    saturated_network::<f32>();
}

#[test]
fn relu_prime_at_the_kink_is_zero() {
    assert_eq!(relu_prime(0.0_f64), 0.0);
    assert_eq!(relu_prime(-0.0_f64), 0.0);
    assert_eq!(relu_prime(0.0_f32), 0.0);
    assert_eq!(Activation::Relu.g_prime(0.0_f64, 0.0), 0.0);
    assert_eq!(Activation::Relu.g_prime(1e-300_f64, 1e-300), 1.0);
    assert_eq!(Activation::Relu.g_prime(-1e-300_f64, 0.0), 0.0);
}

/// `g'` against the central difference `(g(z+h) - g(z-h)) / ((z+h) - (z-h))`,
/// `h = 1e-5`. Truncation: `h²/6·|g'''|` with `|σ'''| ≤ 1/8` and
/// `|tanh'''| ≤ 2`: at most `3.4e-11`. Rounding: `g` is within about `2u` of
/// its value (and `|g| ≤ 1`), so the difference quotient within
/// `2·2u/(2h) = 2u/h ≈ 2.3e-11`. relu is linear on each side of its kink,
/// so only rounding applies there (the kink itself is not a point where a
/// central difference means anything). Tolerance: `1e-10`, above the sum.
#[test]
fn derivatives_match_central_differences() {
    let h = 1e-5_f64;
    let points = [-3.0_f64, -0.5, 0.0, 0.7, 2.5];
    for g in [Activation::Sigmoid, Activation::Tanh, Activation::Linear] {
        for z in points {
            let (up, down) = (z + h, z - h);
            let fd = (g.g(up) - g.g(down)) / (up - down);
            let d = g.g_prime(z, g.g(z));
            assert!(
                (fd - d).abs() <= 1e-10,
                "{g}'({z}) = {d}, finite difference {fd}"
            );
        }
    }
    for z in [-2.0_f64, -0.5, 0.5, 2.0] {
        let (up, down) = (z + h, z - h);
        let fd = (Activation::Relu.g(up) - Activation::Relu.g(down)) / (up - down);
        assert!(
            (fd - Activation::Relu.g_prime(z, Activation::Relu.g(z))).abs() <= 1e-10,
            "relu'({z})"
        );
    }
    // The two helper functions the activations use, from the cached output.
    for z in points {
        let (s, t) = (sigmoid(z), Activation::Tanh.g(z));
        assert_eq!(sigmoid_prime(s), Activation::Sigmoid.g_prime(z, s));
        assert_eq!(tanh_prime(t), Activation::Tanh.g_prime(z, t));
    }
}

/// The matrix path's `A = g(Z)` and `dZ = dA ⊙ g'(Z)` go through
/// `Activation::apply` and `Activation::backprop`; the loop path calls `g`
/// and `g'` per element (with `g'` read from the cached `a`). They must be
/// the same bits.
fn apply_and_backprop_are_elementwise<T: Real>() {
    let zs: Vec<T> = [
        -1e4, -50.0, -3.0, -0.5, -0.0, 0.0, 1e-300, 0.7, 2.5, 50.0, 1e4,
    ]
    .iter()
    .map(|&z| T::of_f64(z))
    .chain(extreme_z::<T>())
    .collect();
    let da: Vec<T> = (0..zs.len()).map(|k| T::of_f64(k as f64 - 3.5)).collect();
    for g in Activation::ALL {
        let mut a = vec![T::zero(); zs.len()];
        g.apply(&zs, &mut a);
        let mut dz = vec![T::zero(); zs.len()];
        g.backprop(&da, &zs, &a, &mut dz);
        for k in 0..zs.len() {
            let z = zs[k];
            assert_eq!(
                a[k].as_f64().to_bits(),
                g.g(z).as_f64().to_bits(),
                "{} {g}: apply at z = {z:e}",
                T::NAME
            );
            assert_eq!(
                dz[k].as_f64().to_bits(),
                (da[k] * g.g_prime(z, g.g(z))).as_f64().to_bits(),
                "{} {g}: backprop at z = {z:e}",
                T::NAME
            );
        }
    }
}

#[test]
fn apply_and_backprop_equal_elementwise_g_and_g_prime_f64() {
    apply_and_backprop_are_elementwise::<f64>();
}

#[test]
fn apply_and_backprop_equal_elementwise_g_and_g_prime_f32() {
    apply_and_backprop_are_elementwise::<f32>();
}

/// Mean squared error by hand (Keras: `ℓ = (a - y)²`, no ½; mean over the
/// outputs, then over the batch; `dz = 2(a - y)/(m·n_out)·g'(z)`).
#[test]
fn mean_squared_error_matches_hand_computation() {
    let mse = Loss::MEAN_SQUARED_ERROR;
    let lin = Activation::Linear;
    // One example, one output: a = 3, y = 1 → loss (3-1)² = 4, dz = 2·(3-1)/1 = 4.
    let (a, y) = (mat::<f64>(1, 1, &[3.0]), mat::<f64>(1, 1, &[1.0]));
    assert_eq!(mse.value(lin, &a, &a, &y), 4.0);
    assert_eq!(output_dz(mse, lin, &a, &a, &y), mat::<f64>(1, 1, &[4.0]));
    // Two examples, two outputs, y = 0: rows (1 + 4)/2 = 2.5 and (9 + 16)/2 = 12.5,
    // J = (2.5 + 12.5)/2 = 7.5; dz = 2a/4 = a/2.
    let a = mat::<f64>(2, 2, &[1.0, 2.0, 3.0, 4.0]);
    let y = mat::<f64>(2, 2, &[0.0; 4]);
    assert_eq!(mse.value(lin, &a, &a, &y), 7.5);
    assert_eq!(
        output_dz(mse, lin, &a, &a, &y),
        mat::<f64>(2, 2, &[0.5, 1.0, 1.5, 2.0])
    );
    // Through relu, dz is zero where z ≤ 0 (relu'(0) = 0) even though a - y is not.
    let z = mat::<f64>(1, 2, &[0.0, 2.0]);
    let a = mat::<f64>(1, 2, &[0.0, 2.0]);
    let y = mat::<f64>(1, 2, &[1.0, 1.0]);
    assert_eq!(
        output_dz(mse, Activation::Relu, &z, &a, &y),
        mat::<f64>(1, 2, &[0.0, 1.0]) // [2·(0-1)/2·0, 2·(2-1)/2·1]
    );
    // Binary cross-entropy on a sigmoid at z = 0, y = 1: ln 2, dz = σ(0) - 1 = -1/2.
    let (z, a, y) = (
        mat::<f64>(1, 1, &[0.0]),
        mat::<f64>(1, 1, &[0.5]),
        mat::<f64>(1, 1, &[1.0]),
    );
    let bce = Loss::BINARY_CROSSENTROPY;
    assert!((bce.value(Activation::Sigmoid, &z, &a, &y) - std::f64::consts::LN_2).abs() <= 1e-16);
    assert_eq!(
        output_dz(bce, Activation::Sigmoid, &z, &a, &y),
        mat::<f64>(1, 1, &[-0.5])
    );
}

/// [`Loss::output_dz`] into a fresh matrix.
fn output_dz(
    loss: Loss,
    g: Activation,
    z: &DMatrix<f64>,
    a: &DMatrix<f64>,
    y: &DMatrix<f64>,
) -> DMatrix<f64> {
    let mut dz = DMatrix::zeros(z.nrows(), z.ncols());
    loss.output_dz(&mut dz, g, z, a, y);
    dz
}
