//! `dualpath evaluate` and `dualpath summary` beside Keras' own numbers.
//!
//! `tests/reference/keras/evaluate.py` fixed five networks' weights and data
//! sets, wrote them as the program reads them (the files under
//! `tests/reference/keras/evaluate/`), and recorded in
//! `tests/reference/keras/evaluate.json` what Keras 3.15.1 (TensorFlow
//! 2.21.0 backend, float64; the JSON records the versions) returned from
//! `model.evaluate(x, y, return_dict=True)` at its default batch size of 32
//! with `metrics=['accuracy']` (the cross-entropies) or `metrics=['mae']`
//! (mean squared error), and the text of `model.summary()` for the course's
//! 400-25-15-1 digits network. Its docstring says how to run it again.
//!
//! The loss and the metric must match within `1e-9` relative, on both paths.
//! (Measured: within one unit in the last place.)

use super::helpers::{assert_bad_input, dualpath, scratch, stderr, stdout};
use serde_json::Value;
use std::path::{Path, PathBuf};

const RELATIVE: f64 = 1e-9;

fn reference() -> Value {
    let text = std::fs::read_to_string("tests/reference/keras/evaluate.json")
        .expect("tests/reference/keras/evaluate.json");
    serde_json::from_str(&text).expect("valid JSON")
}

fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/keras/evaluate")
}

fn close(ours: f64, keras: f64) -> bool {
    (ours - keras).abs() <= RELATIVE * keras.abs().max(1e-12)
}

#[test]
fn evaluate_matches_keras_on_both_paths() {
    let r = reference();
    let cases = r["evaluate"].as_array().expect("cases");
    assert_eq!(cases.len(), 5);
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let keras = c["keras"].as_object().unwrap();
        for path in ["sequential", "matrix"] {
            let model = format!("{name}.model.json");
            let data = format!("{name}.csv");
            let args = [
                "evaluate", "--model", &model, "--data", &data, "--path", path, "--json",
            ];
            let out = dualpath(&folder(), &args);
            assert!(out.status.success(), "{name} {path}: {}", stderr(&out));
            let ours: Value = serde_json::from_str(stdout(&out).trim()).expect("one JSON object");
            let ours = ours.as_object().unwrap();
            let mut keys: Vec<&String> = ours.keys().collect();
            let mut want: Vec<&String> = keras.keys().collect();
            keys.sort();
            want.sort();
            assert_eq!(keys, want, "{name} {path}: the same keys as Keras");
            for (key, k) in keras {
                let (o, k) = (ours[key].as_f64().unwrap(), k.as_f64().unwrap());
                assert!(close(o, k), "{name} {path} {key}: ours {o}, Keras {k}");
            }
        }
    }
}

#[test]
fn evaluate_prints_keras_line() {
    let out = dualpath(
        &folder(),
        &[
            "evaluate",
            "--model",
            "scce-softmax.model.json",
            "--data",
            "scce-softmax.csv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "loss: 1.3325 - accuracy: 0.3000\n");
    let out = dualpath(
        &folder(),
        &[
            "evaluate",
            "--model",
            "mse-two-outputs-l2.model.json",
            "--data",
            "mse-two-outputs-l2.csv",
        ],
    );
    assert_eq!(stdout(&out), "loss: 2.8880 - mae: 1.3263\n");
}

#[test]
fn evaluate_batch_size_changes_only_rounding_and_f32_is_close() {
    // A mean loss weighted by batch size is the whole data's mean: one batch
    // of everything gives the same number up to rounding.
    let run = |extra: &[&str]| -> f64 {
        let mut args = vec![
            "evaluate",
            "--model",
            "bce-sigmoid-l2.model.json",
            "--data",
            "bce-sigmoid-l2.csv",
            "--json",
        ];
        args.extend_from_slice(extra);
        let out = dualpath(&folder(), &args);
        assert!(out.status.success(), "{extra:?}: {}", stderr(&out));
        let v: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
        v["loss"].as_f64().unwrap()
    };
    let whole = run(&["--batch-size", "1000"]);
    let batched = run(&[]);
    assert!(close(whole, batched), "{whole} vs {batched}");
    let f32 = run(&["--float", "f32"]);
    assert!((f32 - batched).abs() < 1e-5 * batched, "{f32} vs {batched}");
}

#[test]
fn evaluate_refuses_bad_input_in_one_line() {
    let dir = scratch(&[
        (
            "m.json",
            r#"{"layers":[{"units":1,"activation":"sigmoid","kernel":[[1],[2]],"bias":[0]}],"features":["a","b"],"targets":["y"],"loss":"bce"}"#,
        ),
        ("d.csv", "a,b,y\n1,2,1\n3,4,0\n"),
        ("label.csv", "a,b,y\n1,2,3\n"),
        ("nocol.csv", "a,c,y\n1,2,1\n"),
    ]);
    let d = dir.path();
    let ok = dualpath(d, &["evaluate", "--model", "m.json", "--data", "d.csv"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert_bad_input(
        d,
        &["evaluate", "--model", "m.json", "--data", "label.csv"],
        &["label.csv", "[0, 1]"],
    );
    assert_bad_input(
        d,
        &["evaluate", "--model", "m.json", "--data", "nocol.csv"],
        &["\"b\""],
    );
    assert_bad_input(
        d,
        &["evaluate", "--model", "none.json", "--data", "d.csv"],
        &["none.json"],
    );
    assert_bad_input(
        d,
        &[
            "evaluate",
            "--model",
            "m.json",
            "--data",
            "d.csv",
            "--batch-size",
            "0",
        ],
        &["--batch-size"],
    );
    assert_bad_input(
        d,
        &[
            "evaluate", "--model", "m.json", "--data", "d.csv", "--target", "zz",
        ],
        &["zz"],
    );
    assert_bad_input(
        d,
        &[
            "evaluate", "--model", "m.json", "--data", "d.csv", "--loss", "scce",
        ],
        &["scce"],
    );
}

#[test]
fn summary_is_keras_table_for_the_digits_network() {
    let r = reference();
    let s = &r["summary"];
    let keras_counts: Vec<u64> = s["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["params"].as_u64().unwrap())
        .collect();
    // The course's digits assignment: 400 inputs, Dense 25, 15, 1.
    assert_eq!(keras_counts, [10_025, 390, 16]);
    assert_eq!(s["total"].as_u64(), Some(10_431));
    let kernel = format!(
        "[{}]",
        vec!["[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]"; 400].join(",")
    );
    let zeros = |n: usize| format!("[{}]", vec!["0"; n].join(","));
    let hidden = format!("[{}]", vec![zeros(15); 25].join(","));
    let last = format!("[{}]", vec!["[0]"; 15].join(","));
    let model = format!(
        r#"{{"layers":[{{"units":25,"activation":"sigmoid","kernel":{kernel},"bias":{}}},
            {{"units":15,"activation":"sigmoid","kernel":{hidden},"bias":{}}},
            {{"units":1,"activation":"sigmoid","kernel":{last},"bias":[0]}}]}}"#,
        zeros(25),
        zeros(15),
    );
    let dir = scratch(&[("digits.json", &model)]);
    let out = dualpath(dir.path(), &["summary", "--model", "digits.json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ours = stdout(&out);
    let keras = s["text"].as_str().unwrap();
    // Every line but the first, which names the model: Keras' "sequential", ours the file.
    let tail = |t: &str| {
        t.lines()
            .skip(1)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert_eq!(tail(&ours), tail(keras));
    assert_eq!(ours.lines().next(), Some("Model: \"digits.json\""));
    // f32 halves the sizes, as Keras' float32 weights would.
    let out = dualpath(
        dir.path(),
        &["summary", "--model", "digits.json", "--float", "f32"],
    );
    assert!(
        stdout(&out).contains(" Total params: 10,431 (40.75 KB)\n"),
        "{}",
        stdout(&out)
    );
    assert_bad_input(
        dir.path(),
        &["summary", "--model", "missing.json"],
        &["missing.json"],
    );
}

#[test]
fn train_prints_the_summary_in_one_line() {
    let dir = scratch(&[]);
    let out = dualpath(dir.path(), &["train", "--epochs", "1", "--quiet"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(
            "dense (None, 25) 75 · dense_1 (None, 15) 390 · dense_2 (None, 1) 16 · total 481 params"
        ),
        "{}",
        stdout(&out)
    );
}

#[test]
fn train_reports_mae_as_keras_does() {
    // Keras: Dense(5, tanh), Dense(1), SGD(0.05), loss "mse", metrics=["mae"],
    // batch 32, shuffle=False, validation_split=0.2, 3 epochs, from the same
    // starting weights (mse-fit-mae.model.json).
    let r = reference();
    let fit = &r["fits"][0];
    assert_eq!(fit["name"], "mse-fit-mae");
    let keras = fit["history"].as_object().unwrap();
    let dir = scratch(&[]);
    for path in ["sequential", "matrix"] {
        let history = dir.path().join(format!("{path}.json"));
        let out = dualpath(
            &folder(),
            &[
                "train",
                "--model",
                "mse-fit-mae.model.json",
                "--data",
                "mse-fit-mae.csv",
                "--optimizer",
                "sgd",
                "--lr",
                "0.05",
                "--epochs",
                "3",
                "--no-shuffle",
                "--validation-split",
                "0.2",
                "--quiet",
                "--path",
                path,
                "--history",
                history.to_str().unwrap(),
            ],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            stdout(&out).contains(
                "Epoch 1/3 - loss: 0.5476 - mae: 0.6084 - val_loss: 0.3744 - val_mae: 0.4964"
            ),
            "{}",
            stdout(&out)
        );
        let ours: Value =
            serde_json::from_str(&std::fs::read_to_string(&history).unwrap()).unwrap();
        for key in ["loss", "mae", "val_loss", "val_mae"] {
            let (o, k) = (
                ours[key].as_array().unwrap(),
                keras[key].as_array().unwrap(),
            );
            assert_eq!(o.len(), 3, "{path} {key}");
            for (o, k) in o.iter().zip(k) {
                let (o, k) = (o.as_f64().unwrap(), k.as_f64().unwrap());
                assert!(close(o, k), "{path} {key}: ours {o}, Keras {k}");
            }
        }
    }
}

#[test]
fn float_and_path_mean_one_thing_on_every_command_that_computes() {
    // predict, grad and evaluate in f32 on both paths: close to f64 (within
    // what f32's rounding of a few layers allows), and the flags refused alike.
    let m = "scce-softmax.model.json";
    let d = "scce-softmax.csv";
    let numbers = |args: &[&str]| -> Vec<f64> {
        let out = dualpath(&folder(), args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        stdout(&out)
            .split(|c: char| !(c.is_ascii_digit() || "+-.e".contains(c)))
            .filter_map(|t| t.parse::<f64>().ok())
            .collect()
    };
    for command in ["predict", "grad", "evaluate"] {
        for path in ["sequential", "matrix"] {
            let base = [command, "--model", m, "--data", d, "--path", path];
            let f64s = numbers(&base);
            let f32s = numbers(&[&base[..], &["--float", "f32"]].concat());
            assert_eq!(f64s.len(), f32s.len(), "{command} {path}");
            assert!(!f64s.is_empty());
            for (a, b) in f64s.iter().zip(&f32s) {
                assert!(
                    (a - b).abs() <= 1e-5 * a.abs().max(1e-3),
                    "{command} {path}: {a} vs {b}"
                );
            }
        }
        assert_bad_input(
            &folder(),
            &[command, "--model", m, "--data", d, "--float", "f16"],
            &["f16"],
        );
        assert_bad_input(
            &folder(),
            &[command, "--model", m, "--data", d, "--path", "loops"],
            &["loops"],
        );
    }
}

/// `evaluate --course-error` adds the week 3 assignment's measure to Keras'
/// numbers, by the course function of each path. For the cross-entropies,
/// `eval_cat_err` is the fraction misclassified, so it is 1 minus Keras'
/// accuracy (recorded in `evaluate.json`) wherever Keras' accuracy decides
/// as the course does (not for bce from logits, where Keras compares the
/// logits with 0.5); for mean squared error without L2, `eval_mse` is half
/// Keras' loss. A model with two outputs has no single `eval_mse`: refused.
#[test]
fn evaluate_course_error_is_the_assignments_measure_on_both_paths() {
    let r = reference();
    let keras = |name: &str, key: &str| {
        r["evaluate"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .and_then(|c| c["keras"][key].as_f64())
            .unwrap_or_else(|| panic!("{name}'s {key} in evaluate.json"))
    };
    let run = |name: &str, path: &str| -> Value {
        let (model, data) = (format!("{name}.model.json"), format!("{name}.csv"));
        let args = [
            "evaluate",
            "--model",
            &model,
            "--data",
            &data,
            "--path",
            path,
            "--json",
            "--course-error",
        ];
        let out = dualpath(&folder(), &args);
        assert!(out.status.success(), "{name} {path}: {}", stderr(&out));
        serde_json::from_str(stdout(&out).trim()).expect("one JSON object")
    };
    for path in ["sequential", "matrix"] {
        for name in ["bce-sigmoid-l2", "scce-softmax", "cce-logits-l2"] {
            let ours = run(name, path);
            let err = ours["eval_cat_err"].as_f64().expect("eval_cat_err");
            let want = 1.0 - keras(name, "accuracy");
            assert!(
                (err - want).abs() <= 1e-12,
                "{name} {path}: {err}, 1 - accuracy {want}"
            );
        }
        let ours = run("mse-fit-mae", path);
        let (err, loss) = (
            ours["eval_mse"].as_f64().unwrap(),
            ours["loss"].as_f64().unwrap(),
        );
        assert!(
            close(err, loss / 2.0),
            "mse-fit-mae {path}: eval_mse {err}, loss {loss}"
        );
    }
    let out = dualpath(
        &folder(),
        &[
            "evaluate",
            "--model",
            "mse-two-outputs-l2.model.json",
            "--data",
            "mse-two-outputs-l2.csv",
            "--course-error",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("eval_mse compares one output with one target"));
    let line = dualpath(
        &folder(),
        &[
            "evaluate",
            "--model",
            "scce-softmax.model.json",
            "--data",
            "scce-softmax.csv",
            "--course-error",
        ],
    );
    assert_eq!(
        stdout(&line),
        "loss: 1.3325 - accuracy: 0.3000 - eval_cat_err: 0.7000\n"
    );
}
