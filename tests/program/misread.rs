//! Nothing a file holds is read as something else: a model reads its
//! columns by name and keeps its loss, a file without a header or with
//! another separator is named as such, every numeric flag reads every form
//! of a negative number, and a file that is not data is refused at once.

use crate::helpers::{MODEL_3_INPUTS, assert_bad_input, dualpath, scratch, stderr, stdout};
use std::path::Path;

/// Roasts in the coffee data's column order, and the same roasts with the
/// columns the other way round (and the label in the middle).
const IN_ORDER: &str = "temperature,duration,good_roast\n200,13.5,1\n150,11.5,0\n250,15,0\n";
const SWAPPED: &str = "duration,good_roast,temperature\n13.5,1,200\n11.5,0,150\n15,0,250\n";

/// A one-layer model for two inputs, as files were written before they
/// recorded column names.
const OLD_MODEL: &str = r#"{"layers":[{"units":1,"activation":"sigmoid","kernel":[[0.02],[-0.3]],"bias":[0.5]}],"loss":"bce"}"#;

/// Trains a small model on the coffee data and saves it as `coffee.json`.
fn train_coffee(d: &Path) {
    let out = dualpath(
        d,
        &[
            "train",
            "--layers",
            "3:sigmoid,1:sigmoid",
            "--epochs",
            "2",
            "--normalize",
            "--quiet",
            "--save",
            "coffee.json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_saved_model_records_its_column_names() {
    let dir = scratch(&[]);
    let d = dir.path();
    train_coffee(d);
    let text = std::fs::read_to_string(d.join("coffee.json")).unwrap();
    assert!(
        text.contains(r#""features": ["temperature", "duration"]"#),
        "{text}"
    );
    assert!(text.contains(r#""targets": ["good_roast"]"#), "{text}");
}

#[test]
fn predict_reads_the_columns_by_name_in_any_order() {
    let dir = scratch(&[("in_order.csv", IN_ORDER), ("swapped.csv", SWAPPED)]);
    let d = dir.path();
    train_coffee(d);
    let a = dualpath(
        d,
        &[
            "predict",
            "--model",
            "coffee.json",
            "--data",
            "in_order.csv",
        ],
    );
    let b = dualpath(
        d,
        &["predict", "--model", "coffee.json", "--data", "swapped.csv"],
    );
    assert_eq!(a.status.code(), Some(0), "{}", stderr(&a));
    assert_eq!(b.status.code(), Some(0), "{}", stderr(&b));
    assert_eq!(stdout(&a).lines().count(), 4, "{}", stdout(&a));
    assert_eq!(stdout(&a), stdout(&b));
    assert_eq!(stderr(&b), "", "nothing to note for a model with names");
}

#[test]
fn every_command_reads_a_models_columns_by_name() {
    let dir = scratch(&[("in_order.csv", IN_ORDER), ("swapped.csv", SWAPPED)]);
    let d = dir.path();
    train_coffee(d);
    for command in [vec!["grad"], vec!["trace", "--row", "2"], vec!["compare"]] {
        let run = |file: &str| {
            let mut args = command.clone();
            args.extend(["--model", "coffee.json", "--data", file]);
            let out = dualpath(d, &args);
            assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
            stdout(&out).replace(file, "DATA")
        };
        assert_eq!(run("in_order.csv"), run("swapped.csv"), "{command:?}");
    }
    // train --model too: the same columns, whatever their order.
    let out = dualpath(
        d,
        &[
            "train",
            "--model",
            "coffee.json",
            "--data",
            "swapped.csv",
            "--epochs",
            "1",
            "--quiet",
            "--save",
            "again.json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("features: temperature, duration; target: good_roast"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_file_without_a_models_column_is_refused_naming_it() {
    let dir = scratch(&[
        ("blobs.csv", "x1,x2,class\n1,2,0\n"),
        ("no_label.csv", "duration,temperature\n13.5,200\n"),
    ]);
    let d = dir.path();
    train_coffee(d);
    assert_bad_input(
        d,
        &["predict", "--model", "coffee.json", "--data", "blobs.csv"],
        &[
            r#"blobs.csv has no column "temperature""#,
            "coffee.json",
            r#"its columns are "x1", "x2", "class""#,
        ],
    );
    assert_bad_input(
        d,
        &["predict", "--model", "coffee.json", "--data", "blobs"],
        &[r#"no column "temperature""#, r#""x1", "x2", "class""#],
    );
    // predict needs no label; grad does, and names the one it was trained on.
    let out = dualpath(
        d,
        &[
            "predict",
            "--model",
            "coffee.json",
            "--data",
            "no_label.csv",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_bad_input(
        d,
        &["grad", "--model", "coffee.json", "--data", "no_label.csv"],
        &[r#"no column "good_roast""#, "trained on", "--target"],
    );
}

#[test]
fn predict_target_and_validation_data_are_checked_by_name() {
    let dir = scratch(&[
        ("swapped.csv", SWAPPED),
        ("blobs.csv", "x1,x2,class\n1,2,0\n"),
    ]);
    let d = dir.path();
    train_coffee(d);
    let predict = |target: &str| {
        vec![
            "predict",
            "--model",
            "coffee.json",
            "--data",
            "swapped.csv",
            "--target",
            target,
        ]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>()
    };
    let out = dualpath(
        d,
        &predict("good_roast")
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let bad = predict("good");
    assert_bad_input(
        d,
        &bad.iter().map(String::as_str).collect::<Vec<_>>(),
        &["--target good: swapped.csv has no such column"],
    );
    let input = predict("duration");
    assert_bad_input(
        d,
        &input.iter().map(String::as_str).collect::<Vec<_>>(),
        &["--target duration: the model coffee.json takes \"duration\" as an input"],
    );
    // Validation data is read by the training data's column names.
    let train = |validation| {
        dualpath(
            d,
            &[
                "train",
                "--epochs",
                "1",
                "--quiet",
                "--layers",
                "2:sigmoid,1:sigmoid",
                "--validation-data",
                validation,
            ],
        )
    };
    let out = train("swapped.csv");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("val_loss"), "{}", stdout(&out));
    assert_bad_input(
        d,
        &["train", "--epochs", "1", "--validation-data", "blobs.csv"],
        &[r#"--validation-data: blobs.csv: there is no column named "temperature""#],
    );
}

#[test]
fn an_old_model_file_without_names_reads_by_position_with_a_note() {
    let named = OLD_MODEL.replace(
        r#""loss":"bce""#,
        r#""features":["temperature","duration"],"loss":"bce""#,
    );
    let dir = scratch(&[
        ("old.json", OLD_MODEL),
        ("named.json", &named),
        ("in_order.csv", "temperature,duration\n200,13.5\n150,11.5\n"),
        ("swapped.csv", "duration,temperature\n13.5,200\n11.5,150\n"),
    ]);
    let d = dir.path();
    let old = dualpath(
        d,
        &["predict", "--model", "old.json", "--data", "in_order.csv"],
    );
    assert_eq!(old.status.code(), Some(0), "{}", stderr(&old));
    let note = stderr(&old);
    assert_eq!(note.lines().count(), 1, "{note}");
    assert!(
        note.starts_with("dualpath: note: old.json records no column names")
            && note.contains("by position"),
        "{note}"
    );
    // The same weights with names give the same predictions from either order.
    let new = dualpath(
        d,
        &["predict", "--model", "named.json", "--data", "swapped.csv"],
    );
    assert_eq!(new.status.code(), Some(0), "{}", stderr(&new));
    assert_eq!(stdout(&old), stdout(&new));
    // A refusal stays one line: the note is left out.
    assert_bad_input(
        d,
        &["predict", "--model", "old.json", "--data", "nope.csv"],
        &["nope.csv"],
    );
}

#[test]
fn every_command_uses_the_loss_saved_in_the_model() {
    let dir = scratch(&[]);
    let d = dir.path();
    let out = dualpath(
        d,
        &[
            "train",
            "--data",
            "blobs",
            "--layers",
            "6:relu,4:linear",
            "--loss",
            "scce",
            "--from-logits",
            "--epochs",
            "1",
            "--quiet",
            "--save",
            "logits.json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let model = ["--model", "logits.json", "--data", "blobs"];
    for command in ["grad", "trace", "compare"] {
        let mut args = vec![command];
        args.extend(model);
        let saved = dualpath(d, &args);
        assert_eq!(saved.status.code(), Some(0), "{args:?}: {}", stderr(&saved));
        // The same as naming the loss on the command line.
        args.extend(["--loss", "scce", "--from-logits"]);
        let given = dualpath(d, &args);
        assert_eq!(stdout(&saved), stdout(&given), "{args:?}");
    }
    let trace = dualpath(d, &["trace", "--model", "logits.json", "--data", "blobs"]);
    assert!(
        stdout(&trace).contains("SparseCategoricalCrossentropy(from_logits=True)"),
        "{}",
        stdout(&trace)
    );
    // Told otherwise on the command line, the command line wins.
    assert_bad_input(
        d,
        &[
            "grad",
            "--model",
            "logits.json",
            "--data",
            "blobs",
            "--loss",
            "mse",
        ],
        &["mse"],
    );
    // train --model continues with the model's loss.
    let out = dualpath(
        d,
        &[
            "train",
            "--model",
            "logits.json",
            "--data",
            "blobs",
            "--epochs",
            "1",
            "--quiet",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("scce loss"), "{}", stdout(&out));
}

#[test]
fn a_file_without_a_header_is_refused() {
    let dir = scratch(&[("no_header.csv", "200,13.5,1\n150,11.5,0\n")]);
    assert_bad_input(
        dir.path(),
        &["train", "--data", "no_header.csv"],
        &[
            "no_header.csv, line 1",
            "no header",
            "add a first line naming the columns, e.g. x1,x2,y",
        ],
    );
}

#[test]
fn categorical_targets_must_be_rows_that_sum_to_one() {
    let dir = scratch(&[
        ("two_hot.csv", "a,b,c1,c2,c3\n1,2,0,0,1\n\n1,2,0,1,1\n"),
        (
            "probabilities.csv",
            "a,b,c1,c2,c3\n1,2,0.2,0.3,0.5\n3,4,0,1,0\n",
        ),
    ]);
    let d = dir.path();
    let args = |file| {
        vec![
            "train",
            "--data",
            file,
            "--target",
            "c1,c2,c3",
            "--layers",
            "3:softmax",
            "--loss",
            "cce",
            "--epochs",
            "1",
            "--quiet",
        ]
    };
    // Line 4 as an editor counts it (the header is line 1; the blank line 3 counts).
    assert_bad_input(
        d,
        &args("two_hot.csv"),
        &[
            "two_hot.csv, line 4",
            "[0, 1, 1] sum to 2",
            "sum to 1 (within 1e-6)",
        ],
    );
    let out = dualpath(d, &args("probabilities.csv"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn every_numeric_flag_reads_every_form_of_a_negative_number() {
    let dir = scratch(&[]);
    let d = dir.path();
    for value in ["-1e-3", "-.5", "-inf", "-0.5", "-1"] {
        for (command, flag, needle) in [
            ("train", "--lr", "learning rate must be a positive"),
            ("train", "--validation-split", "fraction between 0 and 1"),
            ("train", "--epochs", "from 1 to"),
            ("train", "--batch-size", "from 1 to"),
            ("train", "--seed", "from 0 to"),
            ("train", "--max-file-size", "at least 1 byte"),
            ("trace", "--row", "from 0 to"),
            ("trace", "--terms", "from 0 to"),
            ("predict", "--max-file-size", "at least 1 byte"),
        ] {
            assert_bad_input(
                d,
                &[command, flag, value],
                &[&format!("dualpath: {flag} {value}: "), needle],
            );
        }
        let layers = format!("3:relu:l2={value},1:sigmoid");
        assert_bad_input(
            d,
            &["train", "--layers", &layers],
            &["--layers", "l2=", "finite number ≥ 0"],
        );
    }
}

#[test]
fn a_file_with_another_separator_is_named_as_such() {
    let dir = scratch(&[
        ("semicolons.csv", "a;b;y\n1;2;0\n"),
        ("tabs.tsv", "a\tb\ty\n1\t2\t0\n"),
        ("bars.csv", "a|b|y\n1|2|0\n"),
    ]);
    let d = dir.path();
    for (file, shown) in [
        ("semicolons.csv", "';'"),
        ("tabs.tsv", "tabs"),
        ("bars.csv", "'|'"),
    ] {
        assert_bad_input(
            d,
            &["train", "--data", file],
            &[
                &format!("{file}, line 1"),
                &format!("looks separated by {shown}"),
                "reads comma-separated files",
            ],
        );
    }
}

#[test]
fn a_misspelled_built_in_set_is_answered_with_the_built_in_sets() {
    let dir = scratch(&[]);
    let d = dir.path();
    for (given, meant) in [
        ("digits", "digits8x8"),
        ("cofee", "coffee"),
        ("blob", "blobs"),
    ] {
        assert_bad_input(
            d,
            &["train", "--data", given],
            &[
                &format!("dualpath: {given}: there is no such file"),
                &format!("did you mean {meant}?"),
                "coffee, blobs, digits8x8",
            ],
        );
    }
    // Nothing close: the list alone.
    assert_bad_input(
        d,
        &["train", "--data", "roasts"],
        &[
            "roasts: there is no such file",
            "; the built-in sets are coffee, blobs, digits8x8",
        ],
    );
    // A path is still a path.
    assert_bad_input(
        d,
        &["train", "--data", "digits.csv"],
        &["digits.csv", "not found"],
    );
}

#[cfg(unix)]
#[test]
fn a_device_or_binary_file_is_refused_at_once() {
    let dir = scratch(&[]);
    let d = dir.path();
    std::fs::write(d.join("image.csv"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    // Answered from its first bytes (the NUL at byte 0), not after reading
    // gigabytes: an unbounded read of /dev/zero would never end.
    assert_bad_input(
        d,
        &["train", "--data", "/dev/zero"],
        &["/dev/zero", "not a text file", "NUL"],
    );
    assert_bad_input(
        d,
        &["train", "--data", "image.csv"],
        &["image.csv", "not valid UTF-8"],
    );
}

#[test]
fn a_file_over_the_size_limit_is_refused_and_the_limit_can_be_raised() {
    let dir = scratch(&[("roasts.csv", IN_ORDER)]);
    let d = dir.path();
    assert_bad_input(
        d,
        &["train", "--data", "roasts.csv", "--max-file-size", "20"],
        &[
            "roasts.csv",
            "larger than the 20 bytes limit",
            "--max-file-size",
        ],
    );
    let out = dualpath(
        d,
        &[
            "train",
            "--data",
            "roasts.csv",
            "--max-file-size",
            "1K",
            "--epochs",
            "1",
            "--quiet",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_bad_input(
        d,
        &["train", "--max-file-size", "1Q"],
        &["--max-file-size 1Q: not a size"],
    );
}

#[test]
fn a_file_of_many_columns_is_named_in_one_short_line() {
    let header: Vec<String> = (0..50).map(|j| format!("c{j}")).collect();
    let row = vec!["1"; 50].join(",");
    let text = format!("{}\n{row}\n", header.join(","));
    let dir = scratch(&[("wide.csv", &text)]);
    let out = dualpath(
        dir.path(),
        &[
            "train",
            "--data",
            "wide.csv",
            "--layers",
            "1:sigmoid",
            "--epochs",
            "1",
            "--quiet",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("features: c0, c1, c2, c3, c4, c5, c6, c7, … (41 more); target: c49"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_model_file_with_a_byte_order_mark_is_read_and_a_csv_model_is_named() {
    let bom = format!("\u{feff}{MODEL_3_INPUTS}");
    let dir = scratch(&[("bom.json", &bom), ("data.csv", "a,b,c\n1,2,3\n0,0,0\n")]);
    let d = dir.path();
    let out = dualpath(d, &["predict", "--model", "bom.json", "--data", "data.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_bad_input(
        d,
        &["predict", "--model", "data.csv", "--data", "data.csv"],
        &[
            "data.csv: this looks like a CSV data file, not a model file",
            "a model file is JSON written by train --save",
        ],
    );
}

#[test]
fn a_model_without_a_recorded_target_says_which_column_it_took() {
    let named = r#"{"features":["a","b","c"],"layers":[{"units":1,"activation":"sigmoid","kernel":[[1],[2],[3]],"bias":[0]}]}"#;
    let dir = scratch(&[
        ("named.json", named),
        ("old.json", MODEL_3_INPUTS),
        ("data.csv", "a,b,c,y\n1,2,3,1\n0,0,0,0\n"),
    ]);
    let d = dir.path();
    for command in ["grad", "compare", "trace"] {
        for model in ["named.json", "old.json"] {
            let out = dualpath(d, &[command, "--model", model, "--data", "data.csv"]);
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(0), "{command} {model}: {err}");
            let note = format!(
                "dualpath: note: {model} records no target, so the last column of data.csv, \"y\", \
                 is taken as the target; name the target column with --target if it is another"
            );
            assert!(
                err.lines().filter(|l| *l == note).count() == 1,
                "{command} {model}: {err}"
            );
        }
        let out = dualpath(
            d,
            &[
                command,
                "--model",
                "named.json",
                "--data",
                "data.csv",
                "--target",
                "y",
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    }
}
