//! Everything a user can get wrong comes back as an `Error` that names the
//! thing, and the same error on both paths.
//!
//! One test (or more) per variant reachable from the public API.
//! `Error::Diverged` comes from training: see `tests/training/errors.rs`.

use crate::common::{mat, vector};
use dualpath::train::optim::Sgd;
use dualpath::{Activation, Dense, Error, Loss, Network, Path};
use nalgebra::{DMatrix, DVector};

use Activation::{Linear, Relu, Sigmoid};

/// A 2-3-1 network.
fn net() -> Network<f64> {
    Network::new(2, &[(3, Relu), (1, Sigmoid)], 5).expect("a valid network")
}

/// Runs `f` on both paths; both must fail, with the same message (compared
/// as text because `NonFinite` may carry a NaN, which is not `==` itself).
fn same_error_on_both_paths<T>(f: impl Fn(Path) -> dualpath::Result<T>) -> Error {
    let errors: Vec<Error> = Path::BOTH
        .iter()
        .map(|&p| match f(p) {
            Ok(_) => panic!("{p}: expected an error, got Ok"),
            Err(e) => e,
        })
        .collect();
    assert_eq!(
        errors[0].to_string(),
        errors[1].to_string(),
        "sequential and matrix report different errors"
    );
    errors[0].clone()
}

/// Asserts the message contains every fragment.
fn assert_names(e: &Error, fragments: &[&str]) {
    let msg = e.to_string();
    for f in fragments {
        assert!(msg.contains(f), "message {msg:?} does not mention {f:?}");
    }
}

// ---- Error::Shape ----

#[test]
fn input_with_wrong_column_count_is_a_shape_error_on_both_paths() {
    let net = net();
    let x = DMatrix::<f64>::zeros(4, 3);
    let e = same_error_on_both_paths(|p| p.forward(&net, &x));
    match &e {
        Error::Shape {
            what,
            expected,
            found,
        } => {
            assert!(what.contains("input X"), "{what}");
            assert_eq!((expected.as_str(), found.as_str()), ("2", "3"));
        }
        other => panic!("expected Error::Shape, got {other:?}"),
    }
    assert_names(&e, &["input X", "expected 2", "found 3"]);
}

#[test]
fn targets_of_wrong_shape_are_a_shape_error_on_both_paths() {
    let net = net();
    let x = DMatrix::<f64>::zeros(4, 2);
    for (rows, cols) in [(4, 2), (3, 1)] {
        let y = DMatrix::<f64>::zeros(rows, cols);
        let e = same_error_on_both_paths(|p| {
            let fwd = p.forward(&net, &x)?;
            p.backward(&net, &fwd, &y, Loss::MEAN_SQUARED_ERROR)
        });
        assert!(matches!(e, Error::Shape { .. }), "{e:?}");
        assert_names(&e, &["targets Y", "(4, 1)", &format!("({rows}, {cols})")]);
    }
}

#[test]
fn layers_that_do_not_chain_are_a_shape_error() {
    let first = Dense::new(DMatrix::<f64>::zeros(2, 3), DVector::zeros(3), Relu).expect("valid");
    let second = Dense::new(DMatrix::<f64>::zeros(4, 1), DVector::zeros(1), Linear).expect("valid");
    let e = Network::from_layers(vec![first, second]).expect_err("2→3 then 4→1 does not chain");
    assert!(matches!(e, Error::Shape { .. }), "{e:?}");
    assert_names(&e, &["layer 2 kernel rows", "expected 3", "found 4"]);
}

#[test]
fn bias_of_wrong_length_is_a_shape_error() {
    let e = Dense::new(DMatrix::<f64>::zeros(2, 3), DVector::zeros(2), Relu)
        .expect_err("3 units need 3 biases");
    assert!(matches!(e, Error::Shape { .. }), "{e:?}");
    assert_names(&e, &["bias b", "expected 3", "found 2"]);
}

#[test]
fn forward_cache_of_another_network_is_a_shape_error_on_both_paths() {
    let a = net();
    let wider = Network::<f64>::new(2, &[(4, Relu), (1, Sigmoid)], 5).expect("valid");
    let deeper = Network::<f64>::new(2, &[(3, Relu), (3, Relu), (1, Sigmoid)], 5).expect("valid");
    // Same widths, other weights: the shapes fit, the gradients would be wrong.
    let twin = Network::<f64>::new(2, &[(3, Relu), (1, Sigmoid)], 6).expect("valid");
    let x = DMatrix::<f64>::zeros(4, 2);
    let y = DMatrix::<f64>::zeros(4, 1);
    for other in [&wider, &deeper, &twin] {
        let e = same_error_on_both_paths(|p| {
            let fwd = p.forward(&a, &x)?;
            p.backward(other, &fwd, &y, Loss::BINARY_CROSSENTROPY)
        });
        assert!(matches!(e, Error::Shape { .. }), "{e:?}");
        assert_names(&e, &["forward cache", "another network"]);
    }
}

#[test]
fn forward_cache_from_before_a_step_is_refused_and_a_clones_is_accepted() {
    let mut a = net();
    let x = mat(2, 2, &[0.5, -1.0, 1.5, 2.0]);
    let y = mat(2, 1, &[1.0, 0.0]);
    for p in Path::BOTH {
        let before = a.clone();
        let fwd = p.forward(&before, &x).expect("forward");
        // A clone has the same weights, so its cache serves the original.
        let grads = p
            .backward(&a, &fwd, &y, Loss::BINARY_CROSSENTROPY)
            .expect("a clone's cache fits");
        Sgd { learning_rate: 0.1 }.step(&mut a, &grads);
        let e = p
            .backward(&a, &fwd, &y, Loss::BINARY_CROSSENTROPY)
            .expect_err("the weights changed since that forward pass");
        assert_names(&e, &["forward cache", "before these weights changed"]);
    }
}

// ---- Error::Empty ----

#[test]
fn input_with_no_examples_is_an_empty_error_on_both_paths() {
    let net = net();
    let x = DMatrix::<f64>::zeros(0, 2);
    let e = same_error_on_both_paths(|p| p.forward(&net, &x));
    assert!(matches!(e, Error::Empty(_)), "{e:?}");
    assert_names(&e, &["input X", "no examples", "is empty"]);
}

#[test]
fn network_without_inputs_layers_or_units_is_an_empty_error() {
    let cases: [(dualpath::Result<Network<f64>>, &str); 4] = [
        (Network::new(0, &[(3, Relu)], 1), "n_in = 0"),
        (Network::new(2, &[], 1), "the list of layers"),
        (
            Network::new(2, &[(3, Relu), (0, Linear)], 1),
            "layer 2 (0 units)",
        ),
        (Network::from_layers(vec![]), "the list of layers"),
    ];
    for (result, names) in cases {
        let e = result.expect_err(names);
        assert!(matches!(e, Error::Empty(_)), "{e:?}");
        assert_names(&e, &[names, "is empty"]);
    }
}

#[test]
fn layer_with_an_empty_kernel_is_an_empty_error() {
    for (rows, cols) in [(0, 3), (2, 0)] {
        let e = Dense::new(
            DMatrix::<f64>::zeros(rows, cols),
            DVector::zeros(cols),
            Relu,
        )
        .expect_err("an empty kernel");
        assert!(matches!(e, Error::Empty(_)), "{e:?}");
        assert_names(&e, &["kernel W", &format!("({rows}, {cols})"), "is empty"]);
    }
}

// ---- Error::NonFinite ----

#[test]
fn nan_in_the_input_is_a_non_finite_error_naming_its_place_on_both_paths() {
    let net = net();
    let mut x = DMatrix::<f64>::zeros(3, 2);
    x[(1, 0)] = f64::NAN;
    let e = same_error_on_both_paths(|p| p.forward(&net, &x));
    match &e {
        Error::NonFinite {
            what,
            row,
            col,
            value,
        } => {
            assert_eq!((what.as_str(), *row, *col), ("input X", 1, 0));
            assert!(value.is_nan());
        }
        other => panic!("expected Error::NonFinite, got {other:?}"),
    }
    assert_names(&e, &["input X", "NaN", "row 1", "column 0"]);
}

/// `forward_into` looks for a bad input in the first layer's `Z` when that
/// is smaller than `X` (here 6 inputs, 2 units): every kind of non-finite
/// value, wherever it sits, must still be found and placed, on both paths,
/// and leave the workspace unusable for a backward pass.
#[test]
fn a_non_finite_input_to_a_wide_first_layer_is_found_through_its_z_on_both_paths() {
    let net = Network::<f64>::new(6, &[(2, Relu), (1, Sigmoid)], 1).unwrap();
    // Zero weights in one column too: 0·∞ must still give a non-finite z.
    let mut w = net.layers()[0].w().clone();
    w.column_mut(1).fill(0.0);
    let net = Network::from_layers(vec![
        Dense::new(w, net.layers()[0].b().clone(), Relu).unwrap(),
        net.layers()[1].clone(),
    ])
    .unwrap();
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        for (row, col) in [(0, 0), (3, 5), (2, 3)] {
            let mut x = DMatrix::<f64>::from_fn(4, 6, |i, j| (i + j) as f64 / 10.0);
            x[(row, col)] = bad;
            for path in Path::BOTH {
                let mut ws = dualpath::Workspace::new(&net, 4);
                let e = path.forward_into(&mut ws, &net, &x).unwrap_err();
                // (A failed forward pass hands back no `Pass`, so there is
                // no backward pass to run on what it left in the workspace.)
                assert!(
                    matches!(e, Error::NonFinite { row: r, col: c, .. } if (r, c) == (row, col)),
                    "{path}, {bad} at ({row}, {col}): {e}"
                );
            }
        }
    }
}

#[test]
fn infinity_in_the_targets_is_a_non_finite_error_on_both_paths() {
    let net = net();
    let x = DMatrix::<f64>::zeros(3, 2);
    let mut y = DMatrix::<f64>::zeros(3, 1);
    y[(2, 0)] = f64::INFINITY;
    for loss in [Loss::MEAN_SQUARED_ERROR, Loss::BINARY_CROSSENTROPY] {
        let e = same_error_on_both_paths(|p| {
            let fwd = p.forward(&net, &x)?;
            p.backward(&net, &fwd, &y, loss)
        });
        assert_eq!(
            e,
            Error::NonFinite {
                what: "targets Y".into(),
                row: 2,
                col: 0,
                value: f64::INFINITY
            }
        );
        assert_names(&e, &["targets Y", "inf", "row 2"]);
    }
}

#[test]
fn nan_weight_or_infinite_bias_is_a_non_finite_error() {
    let mut w = mat::<f64>(2, 3, &[0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
    w[(1, 2)] = f64::NAN;
    let e = Dense::new(w, vector(&[0.0; 3]), Relu).expect_err("NaN weight");
    assert!(
        matches!(&e, Error::NonFinite { what, row: 1, col: 2, value } if what == "kernel W" && value.is_nan()),
        "{e:?}"
    );
    assert_names(&e, &["kernel W", "row 1", "column 2"]);

    let e = Dense::new(
        mat::<f64>(1, 2, &[1.0, 2.0]),
        vector(&[0.0, f64::NEG_INFINITY]),
        Relu,
    )
    .expect_err("infinite bias");
    assert!(
        matches!(&e, Error::NonFinite { what, row: 1, col: 0, .. } if what == "bias b"),
        "{e:?}"
    );
    assert_names(&e, &["bias b", "-inf"]);
}

// ---- Error::LabelOutOfRange ----

#[test]
fn bce_label_outside_zero_one_is_rejected_on_both_paths() {
    let net = net();
    let x = DMatrix::<f64>::zeros(3, 2);
    for bad in [1.5, -0.1] {
        let y = mat::<f64>(3, 1, &[0.0, 1.0, bad]);
        let e = same_error_on_both_paths(|p| {
            let fwd = p.forward(&net, &x)?;
            p.backward(&net, &fwd, &y, Loss::BINARY_CROSSENTROPY)
        });
        assert_eq!(
            e,
            Error::LabelOutOfRange {
                row: 2,
                col: 0,
                value: bad
            }
        );
        assert_names(&e, &["row 2", &bad.to_string(), "[0, 1]"]);
    }
}

#[test]
fn mse_accepts_targets_outside_zero_one_and_bce_accepts_soft_labels() {
    let net = net();
    let x = DMatrix::<f64>::zeros(3, 2);
    for path in Path::BOTH {
        let fwd = path.forward(&net, &x).expect("valid");
        let y = mat::<f64>(3, 1, &[-2.0, 1.5, 40.0]);
        path.backward(&net, &fwd, &y, Loss::MEAN_SQUARED_ERROR)
            .expect("regression targets are any finite numbers");
        let soft = mat::<f64>(3, 1, &[0.0, 0.25, 1.0]);
        path.backward(&net, &fwd, &soft, Loss::BINARY_CROSSENTROPY)
            .expect("soft labels in [0, 1] are allowed, as in Keras");
    }
}

// ---- Error::InvalidSetting and parse errors ----

#[test]
fn unknown_loss_or_path_name_is_an_invalid_setting() {
    let e = "foo".parse::<Loss>().expect_err("not a loss");
    assert!(
        matches!(&e, Error::InvalidSetting { name, .. } if name == "loss"),
        "{e:?}"
    );
    assert_names(&e, &["loss", "\"foo\"", "bce", "mse"]);

    let e = "foo".parse::<Path>().expect_err("not a path");
    assert!(
        matches!(&e, Error::InvalidSetting { name, .. } if name == "path"),
        "{e:?}"
    );
    assert_names(&e, &["path", "\"foo\"", "sequential", "matrix"]);

    // The names that are accepted.
    assert_eq!("BCE".parse::<Loss>(), Ok(Loss::BINARY_CROSSENTROPY));
    assert_eq!(
        "mean_squared_error".parse::<Loss>(),
        Ok(Loss::MEAN_SQUARED_ERROR)
    );
    assert_eq!("loop".parse::<Path>(), Ok(Path::Sequential));
    assert_eq!(" Matrix ".parse::<Path>(), Ok(Path::Matrix));
}

#[test]
fn unknown_activation_name_is_an_error_listing_the_choices() {
    let e = "foo".parse::<Activation>().expect_err("not an activation");
    let msg = e.to_string();
    for f in ["\"foo\"", "linear", "relu", "sigmoid", "tanh"] {
        assert!(msg.contains(f), "message {msg:?} does not mention {f:?}");
    }
    for g in Activation::ALL {
        assert_eq!(g.name().to_uppercase().parse::<Activation>(), Ok(g));
    }
}
