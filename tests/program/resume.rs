//! `dualpath train --model M` continues where M's run stopped: 4 epochs,
//! saved, then 4 more equal 8 epochs in one run, bit for bit, on both
//! paths, shuffled or not; a model file without the optimizer's state still
//! trains, with fresh moments and a one-line note.

use super::helpers::{dualpath, scratch, stderr};
use serde_json::Value;

fn read(dir: &std::path::Path, name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap()
}

#[test]
fn four_epochs_saved_and_four_more_are_eight() {
    let dir = scratch(&[]);
    let d = dir.path();
    for path in ["sequential", "matrix"] {
        for shuffle in [None, Some("--no-shuffle")] {
            let run = |extra: &[&str]| {
                let mut args = vec![
                    "train", "--quiet", "--path", path, "--seed", "7", "--lr", "0.01",
                ];
                args.extend(shuffle);
                args.extend_from_slice(extra);
                let out = dualpath(d, &args);
                assert!(out.status.success(), "{args:?}: {}", stderr(&out));
                out
            };
            run(&["--epochs", "8", "--save", "eight.json"]);
            run(&["--epochs", "4", "--save", "half.json"]);
            // No --seed, --lr or --optimizer: the model's own continue.
            let args = [
                "train",
                "--quiet",
                "--path",
                path,
                "--model",
                "half.json",
                "--epochs",
                "4",
                "--save",
                "half.json",
            ];
            let mut args = args.to_vec();
            args.extend(shuffle);
            let out = dualpath(d, &args);
            assert!(out.status.success(), "{}", stderr(&out));
            assert_eq!(stderr(&out), "", "no note when the state is there");
            let (eight, resumed) = (read(d, "eight.json"), read(d, "half.json"));
            // serde_json reads each number back to the same f64, so equal
            // values are equal bits.
            assert_eq!(eight, resumed, "{path} {shuffle:?}");
            assert_eq!(resumed["training"]["epochs"], 8);
            assert_eq!(resumed["training"]["seed"], 7);
            assert_eq!(resumed["training"]["optimizer"]["iterations"], 8 * 7);
        }
    }
}

#[test]
fn a_model_without_the_state_trains_with_a_note() {
    let dir = scratch(&[]);
    let d = dir.path();
    let out = dualpath(
        d,
        &["train", "--quiet", "--epochs", "1", "--save", "m.json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let mut m = read(d, "m.json");
    m.as_object_mut().unwrap().remove("training");
    std::fs::write(d.join("old.json"), m.to_string()).unwrap();
    let out = dualpath(
        d,
        &["train", "--quiet", "--epochs", "1", "--model", "old.json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("holds no optimizer state") && err.contains("afresh"),
        "{err}"
    );
}

#[test]
fn a_broken_state_is_refused_in_one_line() {
    let dir = scratch(&[]);
    let d = dir.path();
    let out = dualpath(
        d,
        &["train", "--quiet", "--epochs", "1", "--save", "m.json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let mut m = read(d, "m.json");
    m["training"]["optimizer"]["m"]
        .as_array_mut()
        .unwrap()
        .pop();
    std::fs::write(d.join("short.json"), m.to_string()).unwrap();
    super::helpers::assert_bad_input(
        d,
        &["train", "--quiet", "--epochs", "1", "--model", "short.json"],
        &["short.json", "training.optimizer.m", "parameters"],
    );
    let mut m = read(d, "m.json");
    m["training"]["epochs"] = serde_json::json!(1u64 << 60);
    std::fs::write(d.join("endless.json"), m.to_string()).unwrap();
    super::helpers::assert_bad_input(
        d,
        &[
            "train",
            "--quiet",
            "--epochs",
            "1",
            "--model",
            "endless.json",
        ],
        &["endless.json", "training.epochs", "1000000"],
    );
}

#[test]
fn another_optimizer_starts_its_state_afresh_with_a_note() {
    let dir = scratch(&[]);
    let d = dir.path();
    let out = dualpath(
        d,
        &["train", "--quiet", "--epochs", "2", "--save", "m.json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = dualpath(
        d,
        &[
            "train",
            "--quiet",
            "--epochs",
            "1",
            "--model",
            "m.json",
            "--optimizer",
            "sgd",
            "--save",
            "m.json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("was trained with adam; training with sgd starts its state afresh"),
        "{err}"
    );
    let m = read(d, "m.json");
    // The epochs go on counting; gradient descent keeps no moments.
    assert_eq!(m["training"]["epochs"], 3);
    assert_eq!(m["training"]["optimizer"]["name"], "sgd");
    assert!(m["training"]["optimizer"].get("m").is_none());
}
