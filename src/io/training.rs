//! Where training left off, in a model file: the `"training"` part that
//! lets `dualpath train --model` continue a run exactly (see [`Training`]).

use crate::error::{Error, Result};
use crate::io::json::{JsonObject, Object, number_list};
use crate::train::Resume;
use crate::train::optim::{AdamSettings, Optimizer, OptimizerSnapshot};
use serde::Deserialize;
use std::fmt::Write as _;

/// What continuing to train a model needs beyond its weights: Keras keeps
/// the optimizer's variables and its step count with the model. In the
/// file:
///
/// ```json
/// "training": {
///   "epochs": 4,
///   "seed": 0,
///   "optimizer": {
///     "name": "adam", "learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999,
///     "epsilon": 1e-7, "iterations": 28,
///     "m": [...], "v": [...]
///   }
/// }
/// ```
///
/// `m` and `v` are Adam's moments, one per parameter in the order of the
/// parameter view (layer by layer, the kernel column by column, then the
/// bias); gradient descent has neither.
#[derive(Clone, Debug, PartialEq)]
pub struct Training {
    /// Epochs done and the optimizer's state.
    pub resume: Resume,
    /// The seed of the shuffling (and of the first weights).
    pub seed: u64,
}

/// The most epochs done a model file may record. Continuing a run draws
/// the shuffle of every epoch before again (microseconds each for the
/// course's data sets), so a number far beyond any real run, typed by hand,
/// would keep the program busy for hours before its first step.
pub const MAX_EPOCHS_DONE: usize = 1_000_000;

/// Where training left off, as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TrainingFile {
    epochs: usize,
    seed: u64,
    optimizer: Object<OptimizerFile>,
}

/// The optimizer's state, as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OptimizerFile {
    name: String,
    learning_rate: f64,
    beta_1: Option<f64>,
    beta_2: Option<f64>,
    epsilon: Option<f64>,
    iterations: u64,
    m: Option<Vec<f64>>,
    v: Option<Vec<f64>>,
}

impl JsonObject for TrainingFile {
    const EXPECTED: &'static str =
        r#"where training left off, an object {"epochs": ..., "seed": ..., "optimizer": {...}}"#;
}

impl JsonObject for OptimizerFile {
    const EXPECTED: &'static str = r#"an optimizer's state, an object {"name": ..., "learning_rate": ..., "iterations": ..., ...}"#;
}

/// Writes `,"training": {...}` for [`Model::to_json_string`].
pub(super) fn write_training(out: &mut String, t: &Training, params: usize) -> Result<()> {
    let Some(saved) = &t.resume.optimizer else {
        return Ok(());
    };
    let _ = write!(
        out,
        ",\n  \"training\": {{\n    \"epochs\": {},\n    \"seed\": {},\n    \"optimizer\": {{\n      \"name\": \"{}\",\n      \"learning_rate\": {}",
        t.resume.epochs_done,
        t.seed,
        saved.optimizer.name(),
        number_list(std::iter::once(&saved.optimizer.learning_rate())).trim_matches(['[', ']'])
    );
    if let Optimizer::Adam(a) = saved.optimizer {
        if saved.m.len() != params || saved.v.len() != params {
            return Err(Error::InvalidSetting {
                name: "optimizer state".into(),
                detail: format!(
                    "Adam's moments hold {} and {} values but the network has {params} parameters",
                    saved.m.len(),
                    saved.v.len()
                ),
            });
        }
        for (what, values) in [("m", &saved.m), ("v", &saved.v)] {
            if let Some(k) = values.iter().position(|x| !x.is_finite()) {
                return Err(Error::NonFinite {
                    what: format!("Adam's moments {what}"),
                    row: k,
                    col: 0,
                    value: values[k],
                });
            }
        }
        let _ = write!(
            out,
            ",\n      \"beta_1\": {},\n      \"beta_2\": {},\n      \"epsilon\": {}",
            number_list(std::iter::once(&a.beta_1)).trim_matches(['[', ']']),
            number_list(std::iter::once(&a.beta_2)).trim_matches(['[', ']']),
            number_list(std::iter::once(&a.epsilon)).trim_matches(['[', ']'])
        );
        let _ = write!(
            out,
            ",\n      \"iterations\": {},\n      \"m\": {},\n      \"v\": {}",
            saved.iterations,
            number_list(saved.m.iter()),
            number_list(saved.v.iter())
        );
    } else {
        let _ = write!(out, ",\n      \"iterations\": {}", saved.iterations);
    }
    out.push_str("\n    }\n  }");
    Ok(())
}

/// The `"training"` object read back, checked against the network.
pub(super) fn read_training(
    t: TrainingFile,
    params: usize,
    bad: impl Fn(&str, String) -> Error,
) -> Result<Training> {
    if t.epochs > MAX_EPOCHS_DONE {
        return Err(bad(
            "training.epochs",
            format!(
                "is {}; continuing draws every epoch's shuffle again, so at most \
                 {MAX_EPOCHS_DONE} epochs done are taken (is the number right?)",
                t.epochs
            ),
        ));
    }
    let o = t.optimizer.0;
    let optimizer = match o.name.to_ascii_lowercase().as_str() {
        "sgd" => {
            if o.m.is_some() || o.v.is_some() {
                return Err(bad(
                    "training.optimizer",
                    "has moments \"m\" or \"v\", which gradient descent does not keep".into(),
                ));
            }
            Optimizer::sgd(o.learning_rate)
        }
        "adam" => Optimizer::Adam(AdamSettings {
            learning_rate: o.learning_rate,
            beta_1: o.beta_1.unwrap_or(0.9),
            beta_2: o.beta_2.unwrap_or(0.999),
            epsilon: o.epsilon.unwrap_or(1e-7),
        }),
        other => {
            return Err(bad(
                "training.optimizer.name",
                format!("is {other:?}; expected \"sgd\" or \"adam\""),
            ));
        }
    };
    optimizer
        .validate()
        .map_err(|e| bad("training.optimizer", e.to_string()))?;
    let (m, v) = match optimizer {
        Optimizer::Sgd(_) => (Vec::new(), Vec::new()),
        Optimizer::Adam(_) => {
            let (Some(m), Some(v)) = (o.m, o.v) else {
                return Err(bad(
                    "training.optimizer",
                    "is Adam without its moments \"m\" and \"v\"".into(),
                ));
            };
            for (what, values) in [("m", &m), ("v", &v)] {
                if values.len() != params {
                    return Err(bad(
                        &format!("training.optimizer.{what}"),
                        format!(
                            "has {} values but the network has {params} parameters (one moment each)",
                            values.len()
                        ),
                    ));
                }
            }
            if let Some(x) = v.iter().find(|x| **x < 0.0) {
                return Err(bad(
                    "training.optimizer.v",
                    format!("holds {x}; a second moment is a mean of squares, never negative"),
                ));
            }
            (m, v)
        }
    };
    Ok(Training {
        resume: Resume {
            epochs_done: t.epochs,
            optimizer: Some(OptimizerSnapshot {
                optimizer,
                iterations: o.iterations,
                m,
                v,
            }),
        },
        seed: t.seed,
    })
}
