//! The numbers Keras computes, matched on both paths: week 2's softmax and
//! logits outputs, sparse and one-hot labels, a batch of one, logits of
//! several hundred, and `BinaryCrossentropy(from_logits=True)`.
//!
//! `tests/reference/keras/cases.json` holds, per case, the weights, the batch
//! and what Keras computed in float64: the loss, every layer's output, the
//! gradients, and a three-epoch full-batch `fit` with `SGD` (its per-epoch
//! losses and final weights). `tests/reference/keras/make.py` made it (the
//! JSON records the Keras and backend versions); its docstring says how to
//! run it again.
//!
//! The comparison is relative, `|ours - keras| ≤ 1e-9·|keras|`, with an
//! absolute floor of `1e-12` for values near zero, where a relative
//! difference means nothing (a gradient of 1e-17 is rounding either way).

use dualpath::train::{FitSettings, fit};
use dualpath::{Activation, Dense, Loss, Network, Optimizer, Path};
use nalgebra::{DMatrix, DVector};
use serde_json::Value;

const RELATIVE: f64 = 1e-9;
const FLOOR: f64 = 1e-12;

fn fixture(key: &str) -> Vec<Value> {
    let text = std::fs::read_to_string("tests/reference/keras/cases.json")
        .expect("tests/reference/keras/cases.json");
    let all: Value = serde_json::from_str(&text).expect("valid JSON");
    all[key].as_array().expect("a list of cases").clone()
}

fn cases() -> Vec<Value> {
    fixture("cases")
}

fn matrix(v: &Value) -> DMatrix<f64> {
    let rows: Vec<Vec<f64>> = v
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            r.as_array()
                .expect("a row")
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        })
        .collect();
    DMatrix::from_fn(rows.len(), rows[0].len(), |i, j| rows[i][j])
}

fn vector(v: &Value) -> DVector<f64> {
    DVector::from_iterator(
        v.as_array().expect("values").len(),
        v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()),
    )
}

fn network(c: &Value, layers: &Value) -> Network<f64> {
    let n = layers.as_array().unwrap().len();
    let gs: Vec<Activation> = match c["activations_spec"].as_array() {
        Some(gs) => gs
            .iter()
            .map(|g| g.as_str().unwrap().parse().unwrap())
            .collect(),
        None => vec![Activation::Sigmoid; n], // the coffee lab's network
    };
    let l2: Vec<f64> = match c["l2"].as_array() {
        Some(l2) => l2.iter().map(|v| v.as_f64().unwrap()).collect(),
        None => vec![0.0; n],
    };
    Network::from_layers(
        layers
            .as_array()
            .unwrap()
            .iter()
            .zip(gs)
            .zip(l2)
            .map(|((l, g), l2)| {
                Dense::new(matrix(&l["kernel"]), vector(&l["bias"]), g)
                    .and_then(|d| d.with_l2(l2))
                    .unwrap()
            })
            .collect(),
    )
    .unwrap()
}

fn loss_of(c: &Value) -> Loss {
    let loss: Loss = c["loss"].as_str().unwrap().parse().unwrap();
    loss.with_from_logits(c["from_logits"].as_bool().unwrap())
        .unwrap()
}

/// Remembers the worst relative difference seen, and every one over the tolerance.
#[derive(Default)]
struct Check {
    worst: f64,
    failures: Vec<String>,
}

impl Check {
    fn close(&mut self, what: String, ours: f64, keras: f64) {
        let diff = (ours - keras).abs();
        let ratio = diff / (RELATIVE * keras.abs()).max(FLOOR);
        self.worst = self.worst.max(diff / keras.abs().max(FLOOR / RELATIVE));
        if ratio > 1.0 || !ours.is_finite() {
            self.failures.push(format!(
                "{what}: ours {ours:e}, Keras {keras:e} (difference {diff:e})"
            ));
        }
    }

    fn matrices(&mut self, what: &str, ours: &DMatrix<f64>, keras: &DMatrix<f64>) {
        assert_eq!(ours.shape(), keras.shape(), "{what}: shapes");
        for (k, (&o, &e)) in ours.iter().zip(keras.iter()).enumerate() {
            self.close(format!("{what}[{k}]"), o, e);
        }
    }

    fn finish(self, name: &str) {
        assert!(
            self.failures.is_empty(),
            "{name}: {} values differ from Keras by more than 1e-9 relative:\n  {}",
            self.failures.len(),
            self.failures.join("\n  ")
        );
        println!(
            "{name}: largest relative difference from Keras {:.1e}",
            self.worst
        );
    }
}

#[test]
fn loss_outputs_and_gradients_match_keras_on_both_paths() {
    let cases = cases();
    assert!(cases.len() >= 8, "the fixture has {} cases", cases.len());
    for c in &cases {
        let name = c["name"].as_str().unwrap();
        let net = network(c, &c["layers"]);
        let (x, y) = (matrix(&c["x"]), matrix(&c["y"]));
        let loss = loss_of(c);
        for path in Path::BOTH {
            let mut check = Check::default();
            let fwd = path.forward(&net, &x).unwrap();
            let grads = path.backward(&net, &fwd, &y, loss).unwrap();
            let j = dualpath::paths::walk::total_loss(&net, loss, fwd.output_z(), fwd.output(), &y);
            check.close("loss".into(), j, c["value"].as_f64().unwrap());
            for (l, a) in c["activations"].as_array().unwrap().iter().enumerate() {
                check.matrices(
                    &format!("layer {} output", l + 1),
                    &fwd.layers()[l].a,
                    &matrix(a),
                );
            }
            for (l, g) in c["grads"].as_array().unwrap().iter().enumerate() {
                check.matrices(
                    &format!("layer {} dW", l + 1),
                    &grads.layers[l].dw,
                    &matrix(&g["kernel"]),
                );
                let db = DMatrix::from_column_slice(
                    grads.layers[l].db.len(),
                    1,
                    grads.layers[l].db.as_slice(),
                );
                let want = vector(&g["bias"]);
                check.matrices(
                    &format!("layer {} db", l + 1),
                    &db,
                    &DMatrix::from_column_slice(want.len(), 1, want.as_slice()),
                );
            }
            check.finish(&format!("{name} ({path})"));
        }
    }
}

#[test]
fn three_sgd_epochs_match_keras_fit_on_both_paths() {
    for c in &cases() {
        let name = c["name"].as_str().unwrap();
        let sgd = &c["sgd"];
        let (x, y) = (matrix(&c["x"]), matrix(&c["y"]));
        for path in Path::BOTH {
            let mut net = network(c, &c["layers"]);
            let settings = FitSettings {
                loss: loss_of(c),
                optimizer: Optimizer::sgd(sgd["learning_rate"].as_f64().unwrap()),
                epochs: sgd["epochs"].as_u64().unwrap() as usize,
                batch_size: x.nrows(),
                shuffle: false,
                seed: 0,
                path,
                threads: 1,
            };
            let history = fit(&mut net, &x, &y, &settings).unwrap();
            let mut check = Check::default();
            for (e, want) in sgd["loss"].as_array().unwrap().iter().enumerate() {
                check.close(
                    format!("epoch {} loss", e + 1),
                    history.loss[e],
                    want.as_f64().unwrap(),
                );
            }
            let keras = network(c, &sgd["layers"]);
            for (l, (ours, theirs)) in net.layers().iter().zip(keras.layers()).enumerate() {
                check.matrices(&format!("layer {} W after", l + 1), ours.w(), theirs.w());
                let (b1, b2) = (ours.b(), theirs.b());
                check.matrices(
                    &format!("layer {} b after", l + 1),
                    &DMatrix::from_column_slice(b1.len(), 1, b1.as_slice()),
                    &DMatrix::from_column_slice(b2.len(), 1, b2.as_slice()),
                );
            }
            check.finish(&format!("{name} ({path}), fit"));
        }
    }
}

/// Two of Keras' own `model.fit(..., validation_split=0.2, shuffle=False)`
/// runs of the coffee lab's 2-3-1 network, one with L2 on both kernels:
/// every epoch's `loss` and `val_loss`, and the final weights.
#[test]
fn validation_split_fits_match_keras_on_both_paths() {
    let fits = fixture("validation_fits");
    assert_eq!(fits.len(), 2);
    for c in &fits {
        let name = c["name"].as_str().unwrap();
        let (x, y) = (matrix(&c["x"]), matrix(&c["y"]));
        let split = c["validation_split"].as_f64().unwrap();
        let (xt, yt, xv, yv) = dualpath::train::split_validation(&x, &y, split).unwrap();
        for path in Path::BOTH {
            let mut net = network(c, &c["layers"]);
            let settings = FitSettings {
                loss: Loss::BINARY_CROSSENTROPY,
                optimizer: Optimizer::sgd(c["learning_rate"].as_f64().unwrap()),
                epochs: c["epochs"].as_u64().unwrap() as usize,
                batch_size: c["batch_size"].as_u64().unwrap() as usize,
                shuffle: false,
                seed: 0,
                path,
                threads: 1,
            };
            let history = dualpath::train::fit_validated(
                &mut net,
                &xt,
                &yt,
                Some((&xv, &yv)),
                &settings,
                |_| {},
            )
            .unwrap();
            let mut check = Check::default();
            for (key, ours) in [("loss", &history.loss), ("val_loss", &history.val_loss)] {
                let want = c[key].as_array().unwrap();
                assert_eq!(ours.len(), want.len(), "{name}: {key} per epoch");
                for (e, w) in want.iter().enumerate() {
                    check.close(
                        format!("epoch {} {key}", e + 1),
                        ours[e],
                        w.as_f64().unwrap(),
                    );
                }
            }
            let keras = network(c, &c["final"]);
            for (l, (ours, theirs)) in net.layers().iter().zip(keras.layers()).enumerate() {
                check.matrices(&format!("layer {} W after", l + 1), ours.w(), theirs.w());
            }
            check.finish(&format!("{name} ({path})"));
        }
    }
}
