//! The `dualpath` program on weeks 2 and 3 of the course: multiclass data
//! and softmax models, a validation split and L2, and the mistakes each
//! allows, named and explained.

use crate::helpers::{assert_bad_input, dualpath, scratch, stderr, stdout};

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
