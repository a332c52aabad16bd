//! What `fit` refuses, naming the setting or the data, and what stops it:
//! a diverging loss, a weight that overflows.

use crate::common::mat;
use crate::helpers::{BETA_1, BETA_2, EPSILON, five_examples, in_order};
use dualpath::Activation::{Linear, Sigmoid};
use dualpath::train::optim::AdamSettings;
use dualpath::train::{FitSettings, Optimizer, fit};
use dualpath::{Dense, Error, Loss, Network, Path};
use nalgebra::{DMatrix, dmatrix, dvector};

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// A linear unit `a = w·x + b` with `w = 0.5`, `b = 0`, on `x = 1, 2, 3`
/// with targets `y = x`, for mean squared error.
fn line_problem() -> (Network<f64>, DMatrix<f64>, DMatrix<f64>) {
    let net = Network::from_layers(vec![
        Dense::new(dmatrix![0.5], dvector![0.0], Linear).unwrap(),
    ])
    .unwrap();
    (
        net,
        mat(3, 1, &[1.0, 2.0, 3.0]),
        mat(3, 1, &[1.0, 2.0, 3.0]),
    )
}

#[test]
fn a_huge_learning_rate_stops_with_diverged_naming_the_epoch() {
    let (start, x, y) = line_problem();
    // Epoch 1: J = ((0.5 - 1)² + (1 - 2)² + (1.5 - 3)²)/3 = 3.5/3, finite; the
    // gradient dw = (2/3)·Σ x(a - y) = (2/3)·(-0.5 - 2 - 4.5) = -14/3 and
    // db = (2/3)·(-3) = -2, so the step makes w ≈ 4.7·10³⁰⁰ and b = 2·10³⁰⁰,
    // still finite. Epoch 2: a ≈ 1.6·10³⁰¹ at x = 3, and (a - y)² overflows
    // to ∞.
    for path in Path::BOTH {
        let mut net = start.clone();
        let settings = in_order(Loss::MEAN_SQUARED_ERROR, Optimizer::sgd(1e300), 5, 32, path);
        let err = fit(&mut net, &x, &y, &settings).unwrap_err();
        match err {
            Error::Diverged {
                epoch,
                ref what,
                value,
                learning_rate,
            } => {
                assert_eq!(epoch, 2, "{path}: {err}");
                assert_eq!(what, "the loss");
                assert!(!value.is_finite(), "{path}: {err}");
                assert_eq!(learning_rate, 1e300);
            }
            _ => panic!("{path}: expected Error::Diverged, got {err:?}"),
        }
        let message = err.to_string();
        assert!(
            message.contains("epoch 2") && message.contains("smaller learning rate"),
            "{path}: message {message:?}"
        );
    }
}

#[test]
fn invalid_settings_are_refused_naming_the_setting() {
    let (start, x, y) = line_problem();
    let base = in_order(
        Loss::MEAN_SQUARED_ERROR,
        Optimizer::sgd(0.1),
        1,
        32,
        Path::Matrix,
    );
    let sgd = |learning_rate| FitSettings {
        optimizer: Optimizer::sgd(learning_rate),
        ..base
    };
    let adam = |beta_1, epsilon| FitSettings {
        optimizer: Optimizer::Adam(AdamSettings {
            learning_rate: 0.01,
            beta_1,
            beta_2: BETA_2,
            epsilon,
        }),
        ..base
    };
    let cases = [
        ("learning rate", sgd(0.0)),
        ("learning rate", sgd(-0.1)),
        ("learning rate", sgd(f64::NAN)),
        ("learning rate", sgd(f64::INFINITY)),
        (
            "learning rate",
            FitSettings {
                optimizer: Optimizer::adam(0.0),
                ..base
            },
        ),
        ("epochs", FitSettings { epochs: 0, ..base }),
        (
            "batch size",
            FitSettings {
                batch_size: 0,
                ..base
            },
        ),
        ("beta_1", adam(1.0, EPSILON)),
        ("epsilon", adam(BETA_1, -1e-7)),
    ];
    for (setting, settings) in cases {
        let mut net = start.clone();
        let err = fit(&mut net, &x, &y, &settings).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidSetting { name, .. } if name == setting),
            "{settings:?}: expected an invalid {setting}, got {err:?}"
        );
        assert!(err.to_string().contains(setting), "message {err}");
        assert_eq!(net, start, "a refused fit must leave the network as it was");
    }
}

#[test]
fn labels_outside_zero_to_one_are_refused_for_binary_cross_entropy() {
    let (x, _) = five_examples(true);
    let start = Network::new(2, &[(3, Sigmoid), (1, Sigmoid)], 3).unwrap();
    let settings = in_order(
        Loss::BINARY_CROSSENTROPY,
        Optimizer::sgd(0.1),
        1,
        32,
        Path::Matrix,
    );
    for (row, bad) in [(3, 2.0), (0, -0.5)] {
        let mut y = mat(5, 1, &[1.0, 0.0, 1.0, 1.0, 0.0]);
        y[(row, 0)] = bad;
        let mut net = start.clone();
        let err = fit(&mut net, &x, &y, &settings).unwrap_err();
        assert_eq!(
            err,
            Error::LabelOutOfRange {
                row,
                col: 0,
                value: bad
            }
        );
        assert_eq!(net, start);
    }
    // The same targets are fine for mean squared error.
    let mut net = Network::new(2, &[(3, Sigmoid), (1, Linear)], 3).unwrap();
    let y = mat(5, 1, &[2.0, 0.0, 1.0, -0.5, 0.0]);
    let mse = FitSettings {
        loss: Loss::MEAN_SQUARED_ERROR,
        ..settings
    };
    fit(&mut net, &x, &y, &mse).unwrap();
}

#[test]
fn data_of_the_wrong_shape_is_refused() {
    let (x, y) = five_examples(true);
    let start = Network::new(2, &[(3, Sigmoid), (1, Sigmoid)], 3).unwrap();
    let settings = in_order(
        Loss::BINARY_CROSSENTROPY,
        Optimizer::sgd(0.1),
        1,
        32,
        Path::Matrix,
    );
    let bad_y = [
        ("two outputs per example", DMatrix::from_element(5, 2, 1.0)),
        ("four examples", y.rows(0, 4).into_owned()),
    ];
    for (case, y) in bad_y {
        let mut net = start.clone();
        let err = fit(&mut net, &x, &y, &settings).unwrap_err();
        assert!(
            matches!(&err, Error::Shape { what, expected, .. } if what.contains("targets") && expected == "(5, 1)"),
            "{case}: {err:?}"
        );
        assert_eq!(net, start);
    }
    let mut net = start.clone();
    let three_features = DMatrix::from_element(5, 3, 0.5);
    let err = fit(&mut net, &three_features, &y, &settings).unwrap_err();
    assert!(
        matches!(&err, Error::Shape { what, .. } if what.contains("input X")),
        "{err:?}"
    );
}

#[test]
fn a_weight_that_overflows_stops_training_naming_its_layer() {
    let (start, x, y) = line_problem();
    // Epoch 1's loss is finite (3.5/3, as above), but the one step of
    // -1e308·(-14/3) takes w past the largest f64 (about 1.8e308).
    for path in Path::BOTH {
        let mut net = start.clone();
        let settings = in_order(Loss::MEAN_SQUARED_ERROR, Optimizer::sgd(1e308), 5, 32, path);
        let err = fit(&mut net, &x, &y, &settings).unwrap_err();
        let message = err.to_string();
        match err {
            Error::Diverged {
                epoch,
                ref what,
                value,
                ..
            } => {
                assert_eq!(
                    (epoch, what.as_str()),
                    (1, "a weight of layer 1"),
                    "{message}"
                );
                assert!(!value.is_finite(), "{message}");
            }
            _ => panic!("{path}: expected Error::Diverged, got {err:?}"),
        }
        assert!(
            message.contains("1e308"),
            "the rate prints short: {message}"
        );
    }
}
