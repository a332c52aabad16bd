//! The `dualpath` program: every kind of bad input answered with one clear
//! line on stderr and exit code 2, never a panic.

use crate::helpers::{MODEL_3_INPUTS, assert_bad_input, dualpath, scratch, stderr, stdout};
use std::path::PathBuf;

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
fn speedup_names_the_sizes_when_only_matches_none() {
    let dir = scratch(&[]);
    assert_bad_input(
        dir.path(),
        &["speedup", "--only", "3-3"],
        &["--only \"3-3\"", "2-25-15-1_m1"],
    );
}

#[test]
fn plot_names_a_folder_in_every_command_and_a_file_name_is_refused() {
    let dir = scratch(&[("taken", "a file")]);
    let d = dir.path();
    for command in [&["speedup"][..], &["train", "--epochs", "1", "--quiet"][..]] {
        for name in ["x.svg", "charts/loss.PNG"] {
            assert_bad_input(
                d,
                &[command, &["--plot", name]].concat(),
                &[&format!(
                    "--plot names a folder for the charts; {name} looks like a file name"
                )],
            );
            assert!(!d.join(name).exists(), "{command:?} {name}");
        }
        assert_bad_input(
            d,
            &[command, &["--plot", "taken"]].concat(),
            &["--plot taken", "it is a file; expected a directory"],
        );
    }
    // A folder that exists keeps its name, whatever it ends with.
    std::fs::create_dir(d.join("old.svg")).unwrap();
    let out = dualpath(
        d,
        &["train", "--epochs", "1", "--quiet", "--plot", "old.svg"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(d.join("old.svg/loss.svg").is_file());
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
fn a_diverged_run_names_unnormalised_features_and_a_large_l2() {
    let dir = scratch(&[
        (
            "houses.csv",
            "size,rooms,price\n2100,3,400\n1500,2,300\n3000,4,560\n900,1,190\n",
        ),
        ("small.csv", "x,y\n0.1,0\n0.5,1\n0.9,1\n0.2,0\n"),
    ]);
    let d = dir.path();
    let houses = [
        "train",
        "--data",
        "houses.csv",
        "--layers",
        "1:linear",
        "--loss",
        "mse",
        "--epochs",
        "50",
        "--optimizer",
        "sgd",
        "--quiet",
    ];
    assert_bad_input(
        d,
        &houses,
        &[
            "diverged in epoch",
            "smaller learning rate",
            "not normalised and column \"size\" reaches 3e3",
            "--normalize",
        ],
    );
    // The same data, normalised, trains: the note was about the cause.
    let out = dualpath(d, &[&houses[..], &["--normalize"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_bad_input(
        d,
        &[
            "train",
            "--data",
            "small.csv",
            "--layers",
            "4:tanh:l2=5000,1:sigmoid",
            "--epochs",
            "200",
            "--lr",
            "0.1",
            "--optimizer",
            "sgd",
            "--quiet",
        ],
        &["diverged in epoch", "layer 1 l2=5000, a large penalty"],
    );
}

#[test]
fn normalize_with_a_model_keeps_its_normalisation_or_says_what_changes() {
    let dir = scratch(&[
        (
            "houses.csv",
            "size,rooms,price\n2100,3,400\n1500,2,300\n3000,4,560\n900,1,190\n",
        ),
        (
            "other.csv",
            "size,rooms,price\n2000,3,400\n1000,2,300\n2500,4,560\n",
        ),
    ]);
    let d = dir.path();
    let first = [
        "train",
        "--data",
        "houses.csv",
        "--layers",
        "1:linear",
        "--loss",
        "mse",
        "--epochs",
        "2",
        "--quiet",
    ];
    let out = dualpath(
        d,
        &[&first[..], &["--normalize", "--save", "n.json"]].concat(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = dualpath(d, &[&first[..], &["--save", "raw.json"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let again = |model: &str, data: &str| {
        dualpath(
            d,
            &[
                "train",
                "--model",
                model,
                "--data",
                data,
                "--epochs",
                "1",
                "--quiet",
                "--normalize",
            ],
        )
    };
    // The same data gives the same normalisation: nothing to say.
    let out = again("n.json", "houses.csv");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    assert_bad_input(
        d,
        &[
            "train",
            "--model",
            "n.json",
            "--data",
            "other.csv",
            "--epochs",
            "1",
            "--normalize",
        ],
        &[
            "--normalize: n.json keeps the normalisation learned from the data it was trained on",
            "other.csv gives another one",
            "Leave out --normalize",
        ],
    );
    let out = again("raw.json", "houses.csv");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("note: --normalize: raw.json's weights were learned on unnormalised inputs"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn evaluate_names_a_value_out_of_f32_by_its_column_name() {
    let model = r#"{"features":["a"],"targets":["y"],"layers":[{"units":1,"activation":"sigmoid","kernel":[[1e-40]],"bias":[0]}]}"#;
    let dir = scratch(&[("m.json", model), ("big.csv", "a,y\n1,0\n1e39,1\n")]);
    assert_bad_input(
        dir.path(),
        &[
            "evaluate", "--model", "m.json", "--data", "big.csv", "--float", "f32",
        ],
        &[
            "big.csv: row 2, column \"a\":",
            "does not fit in f32; evaluate in f64",
        ],
    );
}
