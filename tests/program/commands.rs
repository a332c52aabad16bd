//! The `dualpath` program: every command's happy path, and every kind of bad
//! input answered with one clear line on stderr and exit code 2, never a panic.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn dualpath(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dualpath"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the dualpath binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A scratch directory holding the given files.
fn scratch(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write a fixture");
    }
    dir
}

/// Asserts exit code 2 and a single stderr line containing every `needle`.
fn assert_bad_input(dir: &Path, args: &[&str], needles: &[&str]) {
    let out = dualpath(dir, args);
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?}: exit code; stderr: {err}"
    );
    assert_eq!(
        err.lines().count(),
        1,
        "{args:?}: one line on stderr, got: {err}"
    );
    assert!(!err.contains("panicked"), "{args:?}: panicked: {err}");
    for needle in needles {
        assert!(
            err.contains(needle),
            "{args:?}: stderr should mention {needle:?}: {err}"
        );
    }
}

const MODEL_3_INPUTS: &str =
    r#"{"layers":[{"units":1,"activation":"sigmoid","kernel":[[1],[2],[3]],"bias":[0]}]}"#;

#[test]
fn tour_runs_every_section_and_exits_zero() {
    let dir = scratch(&[]);
    let out = dualpath(dir.path(), &[]);
    let text = stdout(&out);
    assert!(out.status.success(), "tour failed: {}", stderr(&out));
    for section in [
        "1. Model architecture",
        "2. Loss and cost",
        "3. Gradient descent",
        "4. Forward propagation",
        "5. Backward propagation",
    ] {
        assert!(text.contains(section), "missing {section:?} in:\n{text}");
    }
    assert!(text.contains("481 parameters"));
    assert!(
        !text.contains("EXCEEDS"),
        "a difference exceeded its bound:\n{text}"
    );
}

#[test]
fn train_saves_a_model_that_predict_grad_and_compare_read() {
    let dir = scratch(&[("roasts.csv", "temperature,duration\n200,13.9\n200,17\n")]);
    let d = dir.path();
    let out = dualpath(
        d,
        &[
            "train",
            "--epochs",
            "2",
            "--quiet",
            "--normalize",
            "--save",
            "m.json",
            "--history",
            "h.json",
            "--plot",
            "charts",
            "--path",
            "sequential",
            "--optimizer",
            "sgd",
            "--lr",
            "0.5",
        ],
    );
    assert!(out.status.success(), "train failed: {}", stderr(&out));
    assert!(stdout(&out).contains("Epoch 2/2 - loss: "));
    let history: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("h.json")).unwrap()).unwrap();
    assert_eq!(history["loss"].as_array().unwrap().len(), 2);
    assert_eq!(history["accuracy"].as_array().unwrap().len(), 2);
    for chart in ["charts/loss.svg", "charts/decision_boundary.svg"] {
        let svg = std::fs::read_to_string(d.join(chart)).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.contains("</svg>"),
            "{chart} is not an SVG"
        );
    }

    let out = dualpath(d, &["predict", "--model", "m.json", "--data", "roasts.csv"]);
    assert!(out.status.success(), "predict failed: {}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "probability,decision");
    assert_eq!(lines.len(), 3);
    for line in &lines[1..] {
        let (p, decision) = line.split_once(',').unwrap();
        let p: f64 = p.parse().unwrap();
        assert!((0.0..=1.0).contains(&p));
        assert_eq!(decision, if p > 0.5 { "1" } else { "0" });
    }

    std::fs::write(
        d.join("labelled.csv"),
        "temperature,duration,good\n200,13.9,1\n200,17,0\n",
    )
    .unwrap();
    for path in ["sequential", "matrix"] {
        let out = dualpath(
            d,
            &[
                "grad",
                "--model",
                "m.json",
                "--data",
                "labelled.csv",
                "--path",
                path,
            ],
        );
        assert!(out.status.success(), "grad failed: {}", stderr(&out));
        let g: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert!(g["loss"].as_f64().unwrap() > 0.0);
        assert_eq!(g["grads"].as_array().unwrap().len(), 3);
        assert_eq!(g["grads"][0]["kernel"].as_array().unwrap().len(), 2); // n_in rows
        assert_eq!(g["grads"][0]["kernel"][0].as_array().unwrap().len(), 25); // units values
        assert_eq!(g["activations"].as_array().unwrap().len(), 3);
        assert_eq!(g["output"].as_array().unwrap().len(), 2);
    }

    let out = dualpath(
        d,
        &["compare", "--model", "m.json", "--data", "labelled.csv"],
    );
    assert!(out.status.success(), "compare failed: {}", stderr(&out));
    assert!(stdout(&out).contains("diff/bound"));
}

/// The numbers `predict` prints read back to the very values the library computes.
#[test]
fn predict_prints_numbers_that_read_back_exactly() {
    let dir = scratch(&[
        ("m.json", MODEL_3_INPUTS),
        ("x.csv", "a,b,c\n0.1,0.2,0.3\n-1,0.5,2\n"),
    ]);
    let out = dualpath(
        dir.path(),
        &["predict", "--model", "m.json", "--data", "x.csv"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let rows: Vec<[f64; 3]> = vec![[0.1, 0.2, 0.3], [-1.0, 0.5, 2.0]];
    for (line, x) in text.lines().skip(1).zip(rows) {
        let printed: f64 = line.split(',').next().unwrap().parse().unwrap();
        let z = 0.1f64.mul_add(0.0, 0.0) + x[0] * 1.0 + x[1] * 2.0 + x[2] * 3.0;
        let expected = dualpath::nn::activation::sigmoid(z);
        // Same dot product order as the matrix path's small-matrix product
        // is not guaranteed, so compare within a few ulps of the value.
        assert!(
            (printed - expected).abs() <= 4.0 * f64::EPSILON,
            "{printed} vs {expected}"
        );
    }
}

#[test]
fn compare_without_files_uses_the_notes_network_in_both_float_types() {
    let dir = scratch(&[]);
    for float in ["f64", "f32"] {
        let out = dualpath(dir.path(), &["compare", "--float", float]);
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        assert!(text.contains("[2, 25, 15, 1]") && text.contains(float));
        assert_eq!(text.lines().filter(|l| l.contains(" dW ")).count(), 3);
    }
}

#[test]
fn missing_unreadable_and_empty_files_are_named() {
    let dir = scratch(&[("empty.csv", ""), ("header.csv", "a,b,y\n")]);
    let d = dir.path();
    assert_bad_input(d, &["train", "--data", "nope.csv"], &["nope.csv"]);
    assert_bad_input(d, &["train", "--data", "."], &["directory"]);
    assert_bad_input(
        d,
        &["train", "--data", "empty.csv"],
        &["empty.csv", "empty"],
    );
    assert_bad_input(
        d,
        &["train", "--data", "header.csv"],
        &["header.csv", "no data"],
    );
    assert_bad_input(
        d,
        &["predict", "--model", "nope.json", "--data", "header.csv"],
        &["nope.json"],
    );
}

#[test]
fn bad_cells_are_named_by_line_and_column() {
    let dir = scratch(&[
        ("cols.csv", "a,b,y\n1,2,1\n3,4\n"),
        ("text.csv", "a,b,y\n1,abc,1\n"),
        ("nan.csv", "a,b,y\n1,NaN,1\n"),
        ("inf.csv", "a,b,y\n1,2,1\n1,-inf,0\n"),
    ]);
    let d = dir.path();
    assert_bad_input(
        d,
        &["train", "--data", "cols.csv"],
        &["cols.csv", "line 3", "2 cells"],
    );
    assert_bad_input(
        d,
        &["train", "--data", "text.csv"],
        &["text.csv", "line 2", "\"b\"", "abc"],
    );
    assert_bad_input(
        d,
        &["train", "--data", "nan.csv"],
        &["nan.csv", "line 2", "\"b\""],
    );
    assert_bad_input(
        d,
        &["train", "--data", "inf.csv"],
        &["inf.csv", "line 3", "\"b\""],
    );
}

#[test]
fn targets_must_exist_and_suit_the_loss() {
    let dir = scratch(&[("data.csv", "a,b,y\n1,2,1\n3,4,1.5\n")]);
    let d = dir.path();
    assert_bad_input(
        d,
        &["train", "--data", "data.csv", "--target", "zz"],
        &["zz", "\"y\""],
    );
    assert_bad_input(
        d,
        &["train", "--data", "data.csv"],
        &["data.csv", "1.5", "[0, 1]", "y"],
    );
}

#[test]
fn broken_models_are_named_by_layer_and_field() {
    let dir = scratch(&[
        (
            "chain.json",
            r#"{"layers":[{"units":2,"activation":"sigmoid","kernel":[[1,2],[3,4]],"bias":[0,0]},{"units":1,"activation":"sigmoid","kernel":[[1],[2],[3]],"bias":[0]}]}"#,
        ),
        (
            "bias.json",
            r#"{"layers":[{"units":2,"activation":"sigmoid","kernel":[[1,2],[3,4]],"bias":[0]}]}"#,
        ),
        (
            "act.json",
            r#"{"layers":[{"units":1,"activation":"softmaxx","kernel":[[1],[2]],"bias":[0]}]}"#,
        ),
        ("m3.json", MODEL_3_INPUTS),
        ("two.csv", "a,b\n1,2\n"),
        ("two_y.csv", "a,b,y\n1,2,1\n"),
    ]);
    let d = dir.path();
    assert_bad_input(
        d,
        &["predict", "--model", "chain.json", "--data", "two.csv"],
        &["chain.json", "layer 2", "kernel"],
    );
    assert_bad_input(
        d,
        &["predict", "--model", "bias.json", "--data", "two.csv"],
        &["bias.json", "layer 1", "bias"],
    );
    assert_bad_input(
        d,
        &["predict", "--model", "act.json", "--data", "two.csv"],
        &["act.json", "softmaxx"],
    );
    assert_bad_input(
        d,
        &["predict", "--model", "m3.json", "--data", "two.csv"],
        &["two.csv", "2 feature", "3 inputs"],
    );
    assert_bad_input(
        d,
        &["grad", "--model", "m3.json", "--data", "two_y.csv"],
        &["two_y.csv", "3 inputs"],
    );
    assert_bad_input(
        d,
        &["train", "--model", "m3.json", "--data", "two_y.csv"],
        &["two_y.csv", "3 inputs"],
    );
}

#[test]
fn bad_settings_are_refused_before_any_work() {
    let dir = scratch(&[]);
    let d = dir.path();
    for lr in ["--lr=0", "--lr=-1", "--lr=nan", "--lr=inf"] {
        assert_bad_input(d, &["train", lr], &["learning rate"]);
    }
    assert_bad_input(d, &["train", "--epochs", "0"], &["epochs"]);
    assert_bad_input(
        d,
        &["train", "--batch-size", "0"],
        &["--batch-size 0", "from 1"],
    );
    for layers in ["25:sigmoid,x", "25:sigmod", "0:relu", "25", "a:relu"] {
        assert_bad_input(d, &["train", "--layers", layers], &["--layers"]);
    }
}

#[test]
fn a_diverging_run_names_the_epoch_and_suggests_a_smaller_rate() {
    let dir = scratch(&[("big.csv", "x,y\n1e150,1e150\n-1e150,-1e150\n")]);
    let out = dualpath(
        dir.path(),
        &[
            "train",
            "--data",
            "big.csv",
            "--layers",
            "1:linear",
            "--loss",
            "mse",
            "--optimizer",
            "sgd",
            "--lr",
            "10",
            "--epochs",
            "5",
            "--quiet",
        ],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("epoch") && err.contains("smaller learning rate"),
        "{err}"
    );
}

#[test]
fn a_failed_save_leaves_no_file_behind() {
    let dir = scratch(&[]);
    let target: PathBuf = dir.path().join("missing").join("m.json");
    let out = dualpath(
        dir.path(),
        &[
            "train",
            "--epochs",
            "1",
            "--quiet",
            "--save",
            target.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("m.json"));
    assert!(!dir.path().join("missing").exists());
}

#[test]
fn speedup_prints_the_table_and_draws_the_chart() {
    let dir = scratch(&[]);
    // The notes' network only: the whole sweep takes seconds more and runs
    // the same code.
    let out = dualpath(
        dir.path(),
        &["speedup", "--only", "2-25-15-1", "--plot", "speedup.svg"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("cargo bench"),
        "the quick sweep names the careful one:\n{text}"
    );
    for pass in ["forward", "backward", "train_step"] {
        assert!(
            text.lines()
                .any(|l| l.starts_with(pass) && l.contains("2-25-15-1_m1 ")),
            "no {pass} row for the notes' network at batch 1:\n{text}"
        );
    }
    let svg = std::fs::read_to_string(dir.path().join("speedup.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("</svg>"));
}

#[test]
fn speedup_names_the_sizes_when_only_matches_none() {
    let dir = scratch(&[]);
    assert_bad_input(
        dir.path(),
        &["speedup", "--only", "3-3"],
        &["--only \"3-3\"", "2-25-15-1_m1"],
    );
}

#[test]
fn speedup_refuses_a_chart_in_a_missing_folder_before_timing() {
    let dir = scratch(&[]);
    assert_bad_input(
        dir.path(),
        &["speedup", "--plot", "missing/speedup.svg"],
        &["speedup.svg", "does not exist"],
    );
}

// ---- Week 2: multiclass ----

/// The issue's own check of the Softmax lab: 25 relu, 15 relu, 4 logits,
/// sparse categorical cross-entropy from logits, 10 epochs of Adam.
#[test]
fn train_on_blobs_from_logits_reaches_ninety_percent_and_predict_names_the_class() {
    let dir = scratch(&[]);
    let out = dualpath(
        dir.path(),
        &[
            "train",
            "--data",
            "blobs",
            "--layers",
            "25:relu,15:relu,4:linear",
            "--loss",
            "scce",
            "--from-logits",
            "--epochs",
            "10",
            "--quiet",
            "--save",
            "blobs.json",
            "--history",
            "history.json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let history: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("history.json")).unwrap())
            .unwrap();
    let accuracy = history["accuracy"].as_array().unwrap();
    let last = accuracy.last().unwrap().as_f64().unwrap();
    assert!(last >= 0.9, "accuracy after 10 epochs: {last}");
    let model = std::fs::read_to_string(dir.path().join("blobs.json")).unwrap();
    assert!(model.contains(r#""loss": "scce""#) && model.contains(r#""from_logits": true"#));

    let out = dualpath(
        dir.path(),
        &["predict", "--model", "blobs.json", "--data", "blobs"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("probability_0,probability_1,probability_2,probability_3,class")
    );
    for line in lines.take(50) {
        let cells: Vec<f64> = line.split(',').map(|c| c.parse().unwrap()).collect();
        let p = &cells[..4];
        // Probabilities from the logits' softmax, and the class is their argmax.
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12, "{line}");
        let best = (0..4).fold(0, |b, j| if p[j] > p[b] { j } else { b });
        assert_eq!(cells[4], best as f64, "{line}");
    }
}

#[test]
fn grad_on_a_softmax_model_prints_probabilities_as_its_output() {
    let model = r#"{"layers":[{"units":3,"activation":"softmax","kernel":[[1,0,-1],[0,2,0]],"bias":[0,0,0]}]}"#;
    let dir = scratch(&[("m.json", model), ("d.csv", "a,b,label\n1,0,2\n0,1,1\n")]);
    let out = dualpath(
        dir.path(),
        &[
            "grad", "--model", "m.json", "--data", "d.csv", "--loss", "scce",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let row: Vec<f64> = json["output"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    // z = [1, 0, -1]: softmax.
    let e: Vec<f64> = [1.0f64, 0.0, -1.0].iter().map(|z| z.exp()).collect();
    let s: f64 = e.iter().sum();
    for j in 0..3 {
        assert!((row[j] - e[j] / s).abs() < 1e-15, "{row:?}");
    }
    assert_eq!(json["loss_function"], "scce");
}

#[test]
fn multiclass_mistakes_are_named_and_explained() {
    let softmax_model = r#"{"layers":[{"units":3,"activation":"softmax","kernel":[[1,0,-1],[0,2,0]],"bias":[0,0,0]}]}"#;
    let linear_model = r#"{"layers":[{"units":3,"activation":"linear","kernel":[[1,0,-1],[0,2,0]],"bias":[0,0,0]}]}"#;
    let hidden_softmax = r#"{"layers":[{"units":2,"activation":"softmax","kernel":[[1,0],[0,1]],"bias":[0,0]},{"units":1,"activation":"sigmoid","kernel":[[1],[1]],"bias":[0]}]}"#;
    let dir = scratch(&[
        ("s.json", softmax_model),
        ("l.json", linear_model),
        ("h.json", hidden_softmax),
        ("ids.csv", "a,b,label\n1,0,2\n0,1,3\n"),
        ("frac.csv", "a,b,label\n1,0,2\n0,1,0.5\n"),
        ("onehot.csv", "a,b,c0,c1,c2\n1,0,0,0,1\n0,1,0,1.5,0\n"),
    ]);
    // A class id the output layer does not have, by file and line.
    assert_bad_input(
        dir.path(),
        &[
            "grad", "--model", "s.json", "--data", "ids.csv", "--loss", "scce",
        ],
        &["ids.csv, line 3", "\"label\"", "3", "from 0 to 2"],
    );
    assert_bad_input(
        dir.path(),
        &[
            "grad", "--model", "s.json", "--data", "frac.csv", "--loss", "scce",
        ],
        &["frac.csv, line 3", "0.5", "not a class id"],
    );
    assert_bad_input(
        dir.path(),
        &[
            "grad",
            "--model",
            "s.json",
            "--data",
            "onehot.csv",
            "--target",
            "c0,c1,c2",
            "--loss",
            "cce",
        ],
        &["onehot.csv, line 3", "\"c1\"", "1.5", "one-hot"],
    );
    // Logits without --from-logits: Keras would read them as probabilities.
    assert_bad_input(
        dir.path(),
        &[
            "grad", "--model", "l.json", "--data", "ids.csv", "--loss", "scce",
        ],
        &["linear last layer", "--from-logits"],
    );
    // --from-logits on a softmax output.
    assert_bad_input(
        dir.path(),
        &[
            "grad",
            "--model",
            "s.json",
            "--data",
            "ids.csv",
            "--loss",
            "scce",
            "--from-logits",
        ],
        &["--from-logits needs a linear last layer"],
    );
    // --from-logits with mean squared error.
    assert_bad_input(
        dir.path(),
        &[
            "train",
            "--data",
            "blobs",
            "--loss",
            "mse",
            "--from-logits",
            "--epochs",
            "1",
        ],
        &["--from-logits", "mean squared error has no logits"],
    );
    // Softmax on a hidden layer, from --layers and from a model file.
    assert_bad_input(
        dir.path(),
        &[
            "train",
            "--data",
            "blobs",
            "--layers",
            "4:softmax,4:softmax",
            "--loss",
            "scce",
        ],
        &["layer 1", "softmax", "output layer only"],
    );
    assert_bad_input(
        dir.path(),
        &["grad", "--model", "h.json", "--data", "coffee"],
        &["h.json", "softmax", "output layer only"],
    );
    // Binary cross-entropy on the four-class blobs.
    assert_bad_input(
        dir.path(),
        &[
            "train",
            "--data",
            "blobs",
            "--layers",
            "1:sigmoid",
            "--epochs",
            "1",
        ],
        &["blobs", "row", "outside [0, 1]", "--loss mse"],
    );
    assert_bad_input(
        dir.path(),
        &[
            "train",
            "--data",
            "blobs",
            "--layers",
            "4:sigmoid",
            "--epochs",
            "1",
        ],
        &["4 outputs", "bce needs 4 target columns", "has 1 (class)"],
    );
}

#[test]
fn train_on_two_feature_multiclass_data_draws_the_decision_regions() {
    let dir = scratch(&[]);
    let out = dualpath(
        dir.path(),
        &[
            "train",
            "--data",
            "blobs",
            "--layers",
            "6:relu,4:softmax",
            "--loss",
            "scce",
            "--epochs",
            "1",
            "--quiet",
            "--plot",
            "charts",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let svg = std::fs::read_to_string(dir.path().join("charts/decision_regions.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("class 3") && svg.contains("Decision regions"));
    assert!(!dir.path().join("charts/decision_boundary.svg").exists());
}

// ---- Week 3: validation data and L2 ----

#[test]
fn train_with_a_validation_split_and_l2_records_val_loss() {
    let dir = scratch(&[]);
    let out = dualpath(
        dir.path(),
        &[
            "train",
            "--layers",
            "3:sigmoid:l2=0.01,1:sigmoid",
            "--normalize",
            "--epochs",
            "3",
            "--validation-split",
            "0.2",
            "--no-shuffle",
            "--quiet",
            "--history",
            "h.json",
            "--save",
            "m.json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("val_loss:"), "{}", stdout(&out));
    let h: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("h.json")).unwrap()).unwrap();
    assert_eq!(h["val_loss"].as_array().unwrap().len(), 3);
    assert_eq!(h["val_accuracy"].as_array().unwrap().len(), 3);
    let model = std::fs::read_to_string(dir.path().join("m.json")).unwrap();
    assert!(model.contains(r#""l2": 0.01"#), "{model}");
    // grad's loss includes the penalty: 0.01·ΣW² more than without it.
    let with = dualpath(
        dir.path(),
        &["grad", "--model", "m.json", "--data", "coffee"],
    );
    let j: serde_json::Value = serde_json::from_str(&stdout(&with)).unwrap();
    let without_l2 = model.replace(",\n      \"l2\": 0.01", "");
    std::fs::write(dir.path().join("plain.json"), &without_l2).unwrap();
    let plain = dualpath(
        dir.path(),
        &["grad", "--model", "plain.json", "--data", "coffee"],
    );
    let jp: serde_json::Value = serde_json::from_str(&stdout(&plain)).unwrap();
    assert!(j["loss"].as_f64().unwrap() > jp["loss"].as_f64().unwrap());
}

#[test]
fn week_three_mistakes_are_named() {
    let dir = scratch(&[("other.csv", "temperature,minutes,good_roast\n200,13,1\n")]);
    for (args, needles) in [
        (
            vec!["train", "--validation-split", "1.5"],
            vec!["validation split", "1.5", "between 0 and 1"],
        ),
        (
            vec!["train", "--validation-split", "-0.1"],
            vec!["validation split", "-0.1"],
        ),
        (
            vec!["train", "--validation-split", "1e-20"],
            vec!["validation split", "0 to validate on"],
        ),
        (
            vec!["train", "--validation-split", "0.999"],
            vec!["validation split", "leaves 0 to train on"],
        ),
        (
            vec!["train", "--validation-data", "other.csv"],
            vec!["--validation-data", "minutes", "duration"],
        ),
        (
            vec!["train", "--layers", "3:relu:l2=-1,1:sigmoid"],
            vec!["--layers", "l2=-1", "≥ 0"],
        ),
        (
            vec!["train", "--layers", "3:relu:l2=x,1:sigmoid"],
            vec!["--layers", "not a number"],
        ),
        (
            vec!["train", "--layers", "3:relu:0.1,1:sigmoid"],
            vec!["--layers", "l2=NUMBER"],
        ),
    ] {
        assert_bad_input(dir.path(), &args, &needles);
    }
    assert!(!dir.path().join("model.json").exists());
}

// ---- Rough edges a newcomer meets ----

#[test]
fn rough_edges_get_the_programs_own_answers() {
    let dir = scratch(&[("huge.csv", "a,v,label\n1,1e308,1\n2,-1e308,0\n3,1e308,1\n")]);
    // A negative number after a flag is read as a number and answered with the range.
    assert_bad_input(
        dir.path(),
        &["train", "--lr", "-1"],
        &["learning rate", "-1", "positive"],
    );
    // A size that cannot be allocated is refused before anything is allocated.
    assert_bad_input(
        dir.path(),
        &["train", "--layers", "3000000000:relu,1:sigmoid"],
        &["12000000001 parameters", "GiB", "at most"],
    );
    // Statistics that overflow are refused when adapting, not trained on as zeros.
    assert_bad_input(
        dir.path(),
        &[
            "train",
            "--data",
            "huge.csv",
            "--layers",
            "1:sigmoid",
            "--normalize",
        ],
        &["too large to standardise", "feature"],
    );
    // Built-in data works for predict too.
    let out = dualpath(
        dir.path(),
        &["train", "--epochs", "1", "--quiet", "--save", "m.json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = dualpath(
        dir.path(),
        &["predict", "--model", "m.json", "--data", "coffee"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 201);
}

/// `dualpath predict ... | head -1` ends quietly when head closes the pipe.
#[cfg(unix)]
#[test]
fn a_closed_pipe_ends_the_program_without_a_panic() {
    let dir = scratch(&[]);
    let out = dualpath(
        dir.path(),
        &["train", "--epochs", "1", "--quiet", "--save", "m.json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let script = format!(
        "{} predict --model m.json --data coffee | head -1",
        env!("CARGO_BIN_EXE_dualpath")
    );
    let out = std::process::Command::new("sh")
        .args(["-c", &script])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 1);
}

#[test]
fn trace_prints_every_unit_of_the_notes_network_on_both_paths() {
    let dir = scratch(&[]);
    let out = dualpath(dir.path(), &["trace"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    // 25 + 15 + 1 units, each once forward (z) and once backward (dz).
    let forward = text
        .lines()
        .filter(|l| l.trim_start().starts_with("unit") && l.contains(" z = "))
        .count();
    let backward = text
        .lines()
        .filter(|l| l.trim_start().starts_with("unit") && l.contains(" dz = "))
        .count();
    assert_eq!((forward, backward), (41, 41), "{text}");
    assert!(text.contains("matrix") && text.contains("diff"));
    assert_bad_input(
        dir.path(),
        &["trace", "--row", "200"],
        &["--row 200", "rows 0 to 199"],
    );
}

/// `docs/06-what-identical-means.md` shows `dualpath compare`'s output
/// between `compare:begin` and `compare:end`: it must be what the program
/// prints. The matrix path's last bits depend on whether the processor has
/// fused multiply-adds (AVX2 and FMA on x86-64, as its product kernel picks
/// them), so on one without them the rows are checked for their layers,
/// quantities and agreement instead, and the test says so.
#[test]
fn the_compare_table_in_chapter_6_is_what_the_program_prints() {
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/06-what-identical-means.md"),
    )
    .unwrap();
    let block = doc
        .split("<!-- compare:begin -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- compare:end -->").next())
        .expect("the chapter marks the table");
    let shown: Vec<&str> = block
        .lines()
        .filter(|l| !l.starts_with("```") && !l.starts_with('$') && !l.is_empty())
        .collect();
    let dir = scratch(&[]);
    let out = dualpath(dir.path(), &["compare"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let printed: Vec<&str> = text.lines().collect();
    let fused = dualpath_kernels::gemm::Variant::detect()
        != dualpath_kernels::gemm::Variant::Portable { fused: false };
    if fused {
        assert_eq!(
            shown, printed,
            "docs/06's compare table differs from the program's output: paste the new one in"
        );
    } else {
        println!("no fused multiply-add here: comparing the table's shape only");
        assert_eq!(shown.len(), printed.len());
        for (d, p) in shown.iter().zip(&printed).skip(2) {
            assert_eq!(
                d.split_whitespace().take(2).collect::<Vec<_>>(),
                p.split_whitespace().take(2).collect::<Vec<_>>()
            );
            assert!(!p.contains("EXCEEDS"));
        }
    }
}

/// `train --float f32` trains in `f32`: its history is, bit for bit, what
/// `fit` gives on the same network and data rounded to `f32` (computed here
/// through the library), and the saved weights are `f32` values written as
/// `f64` text, so each reads back as an `f64` that `f32` holds exactly.
#[test]
fn train_in_f32_is_fit_in_f32_and_saves_f32_weights() {
    use dualpath::train::{FitSettings, Optimizer, fit};
    use dualpath::{Loss, Network, Path as P};
    let dir = scratch(&[]);
    let out = dualpath(
        dir.path(),
        &[
            "train",
            "--float",
            "f32",
            "--epochs",
            "3",
            "--quiet",
            "--save",
            "m.json",
            "--history",
            "h.json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("matrix path, f32"),
        "{}",
        stdout(&out)
    );
    let read = |f: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.path().join(f)).unwrap()).unwrap()
    };
    let (model, history) = (read("m.json"), read("h.json"));

    // The same run through the library: the program's defaults (the notes'
    // layers, seed 0, Adam at 0.001, batch 32, shuffled, BCE).
    let data = dualpath::io::data::coffee();
    let layers = [
        (25, dualpath::Activation::Sigmoid),
        (15, dualpath::Activation::Sigmoid),
        (1, dualpath::Activation::Sigmoid),
    ];
    let mut net = Network::<f64>::new(2, &layers, 0).unwrap().cast::<f32>();
    let settings = FitSettings {
        loss: Loss::BinaryCrossEntropy,
        optimizer: Optimizer::adam(0.001),
        epochs: 3,
        batch_size: 32,
        shuffle: true,
        seed: 0,
        path: P::Matrix,
    };
    let want = fit(
        &mut net,
        &data.x.map(|v| v as f32),
        &data.y.map(|v| v as f32),
        &settings,
    )
    .unwrap();
    let got: Vec<f64> = history["loss"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(got, want.loss, "the program's f32 history is fit's in f32");

    let mut weights = 0;
    for layer in model["layers"].as_array().unwrap() {
        for v in layer["kernel"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r.as_array().unwrap())
        {
            let w = v.as_f64().unwrap();
            assert_eq!(f64::from(w as f32), w, "{w} is not an f32 value");
            weights += 1;
        }
    }
    assert_eq!(weights, 2 * 25 + 25 * 15 + 15);
    let first = net.layers()[0].w()[(0, 0)];
    let saved = model["layers"][0]["kernel"][0][0].as_f64().unwrap();
    assert_eq!(
        saved,
        f64::from(first),
        "the saved weights are the trained ones"
    );

    // A value f32 cannot hold is named, before anything is trained.
    let dir = scratch(&[("big.csv", "a,y\n1,0\n1e39,1\n")]);
    assert_bad_input(
        dir.path(),
        &[
            "train", "--data", "big.csv", "--float", "f32", "--epochs", "1",
        ],
        &[
            "big.csv",
            "line 3",
            "column 1",
            "does not fit in f32",
            "train in f64",
        ],
    );
    let out = dualpath(dir.path(), &["train", "--float", "f16"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("\"f16\" is not one: expected f64 or f32"),
        "{}",
        stderr(&out)
    );
}
