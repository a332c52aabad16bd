//! A battery of bad input for the `dualpath` program, command by command:
//! malformed data files, broken model files, outputs that cannot be written,
//! flags out of range (negative numbers among them), and data that does not
//! suit the model or the loss.
//!
//! Every case must end the same way: exit code 2 (never a signal, never a
//! panic), one line on stderr that names what is wrong (the file, line,
//! column, field or flag) and what was expected, and, when the case names an
//! output file, no such file left behind, whole or partial, and no temporary
//! file beside it. Each table row says which fragments of the message it
//! expects.

use std::path::Path;
use std::process::Command;

/// One bad input: the arguments, the fragments stderr must contain, and the
/// output the command was asked to write, which must not appear.
struct Case {
    args: &'static [&'static str],
    says: &'static [&'static str],
    no_file: Option<&'static str>,
}

const fn case(args: &'static [&'static str], says: &'static [&'static str]) -> Case {
    Case {
        args,
        says,
        no_file: None,
    }
}

const fn writing(
    args: &'static [&'static str],
    says: &'static [&'static str],
    file: &'static str,
) -> Case {
    Case {
        args,
        says,
        no_file: Some(file),
    }
}

/// A model with two inputs and one sigmoid unit.
const MODEL_2: &str =
    r#"{"layers":[{"units":1,"activation":"sigmoid","kernel":[[1],[2]],"bias":[0]}]}"#;

/// The files every case may read, written into a fresh directory.
fn fixtures(dir: &Path) {
    let text: &[(&str, &[u8])] = &[
        // Data files.
        ("ragged.csv", b"a,b,y\n1,2,1\n3,4\n"),
        ("long.csv", b"a,b,y\n1,2,1\n3,4,0,5\n"),
        ("blank_then_ragged.csv", b"a,b,y\n1,2,1\n\n3,4\n"),
        ("text.csv", b"a,b,y\n1,abc,1\n"),
        ("blank_cell.csv", b"a,b,y\n1,,1\n"),
        ("empty.csv", b""),
        ("header.csv", b"a,b,y\n"),
        ("nan.csv", b"a,b,y\n1,NaN,1\n"),
        ("inf.csv", b"a,b,y\n1,2,1\n1,-inf,0\n"),
        ("overflow.csv", b"a,b,y\n1,2,1\n1,1e999,0\n"),
        ("bom_ragged.csv", b"\xef\xbb\xbfa,b,y\n1,2\n"),
        ("crlf_text.csv", b"a,b,y\r\n1,2,1\r\n3,x,0\r\n"),
        ("binary.csv", b"a,b\n\x00\x9f\x92\x96\xff\xfe,1\n"),
        ("dup.csv", b"a,a,y\n1,2,1\n"),
        ("only_target.csv", b"y\n1\n0\n"),
        ("label2.csv", b"a,b,y\n1,2,1\n3,4,2\n"),
        ("label_neg.csv", b"a,b,y\n1,2,-1\n"),
        ("class_half.csv", b"a,b,y\n1,2,0.5\n"),
        ("class_5.csv", b"a,b,y\n1,2,0\n1,2,5\n"),
        ("huge.csv", b"a,v,y\n1,1e308,1\n2,-1e308,0\n3,1e308,1\n"),
        ("big.csv", b"x,y\n1e150,1e150\n-1e150,-1e150\n"),
        ("three.csv", b"a,b,c,y\n1,2,3,1\n"),
        ("other_columns.csv", b"temperature,minutes,good_roast\n200,13,1\n"),
        ("tiny.csv", b"a,b,y\n1,2,1\n3,4,0\n"),
        // Model files.
        ("ok.json", MODEL_2.as_bytes()),
        (
            "truncated.json",
            br#"{"layers":[{"units":1,"activation":"sigmoid","kernel":[[1],[2]],"bias":[0"#,
        ),
        (
            "version.json",
            br#"{"version":99,"layers":[{"units":1,"activation":"sigmoid","kernel":[[1],[2]],"bias":[0]}]}"#,
        ),
        (
            "nan.json",
            br#"{"layers":[{"units":1,"activation":"sigmoid","kernel":[[NaN],[2]],"bias":[0]}]}"#,
        ),
        (
            "minus_inf.json",
            br#"{"layers":[{"units":1,"activation":"sigmoid","kernel":[[-Infinity],[2]],"bias":[0]}]}"#,
        ),
        (
            "overflow.json",
            br#"{"layers":[{"units":1,"activation":"sigmoid","kernel":[[1e999],[2]],"bias":[0]}]}"#,
        ),
        (
            "string.json",
            br#"{"layers":[{"units":1,"activation":"sigmoid","kernel":[["x"],[2]],"bias":[0]}]}"#,
        ),
        ("no_layers.json", br#"{"layers":[]}"#),
        (
            "units.json",
            br#"{"layers":[{"units":2,"activation":"sigmoid","kernel":[[1],[2]],"bias":[0]}]}"#,
        ),
        (
            "chain.json",
            br#"{"layers":[{"units":2,"activation":"sigmoid","kernel":[[1,2],[3,4]],"bias":[0,0]},{"units":1,"activation":"sigmoid","kernel":[[1],[2],[3]],"bias":[0]}]}"#,
        ),
        (
            "bias.json",
            br#"{"layers":[{"units":2,"activation":"sigmoid","kernel":[[1,2],[3,4]],"bias":[0]}]}"#,
        ),
        (
            "activation.json",
            br#"{"layers":[{"units":1,"activation":"softmaxx","kernel":[[1],[2]],"bias":[0]}]}"#,
        ),
        (
            "hidden_softmax.json",
            br#"{"layers":[{"units":2,"activation":"softmax","kernel":[[1,1],[2,2]],"bias":[0,0]},{"units":1,"activation":"sigmoid","kernel":[[1],[2]],"bias":[0]}]}"#,
        ),
        (
            "std_negative.json",
            br#"{"layers":[{"units":1,"activation":"sigmoid","kernel":[[1],[2]],"bias":[0]}],"normalization":{"mean":[1,2],"std":[-1,1]}}"#,
        ),
        (
            "norm_width.json",
            br#"{"layers":[{"units":1,"activation":"sigmoid","kernel":[[1],[2]],"bias":[0]}],"normalization":{"mean":[1],"std":[1]}}"#,
        ),
        (
            "loss.json",
            br#"{"layers":[{"units":1,"activation":"sigmoid","kernel":[[1],[2]],"bias":[0]}],"loss":"hinge"}"#,
        ),
        ("array.json", b"[]"),
        ("empty.json", b""),
        ("binary.json", b"{\"layers\":\xff\xfe\x00\x01}"),
        (
            "huge_weights.json",
            br#"{"layers":[{"units":1,"activation":"linear","kernel":[[1e308],[1e308]],"bias":[0]}]}"#,
        ),
        (
            "three_inputs.json",
            br#"{"layers":[{"units":1,"activation":"sigmoid","kernel":[[1],[2],[3]],"bias":[0]}]}"#,
        ),
        // Not data at all: an existing file where a directory is expected.
        ("a_file", b"not a directory"),
    ];
    for (name, bytes) in text {
        std::fs::write(dir.join(name), bytes).expect("write a fixture");
    }
    std::fs::create_dir(dir.join("a_dir")).expect("make a directory");
}

/// Runs every case in a fresh directory of fixtures; fails listing every case
/// that did not end as it must.
fn run(cases: &[Case]) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    fixtures(dir.path());
    let mut failures = Vec::new();
    for c in cases {
        let out = Command::new(env!("CARGO_BIN_EXE_dualpath"))
            .args(c.args)
            .current_dir(dir.path())
            .env("RUST_BACKTRACE", "0")
            .output()
            .expect("the dualpath binary runs");
        let err = String::from_utf8_lossy(&out.stderr);
        let mut wrong = Vec::new();
        match out.status.code() {
            Some(2) => {}
            Some(code) => wrong.push(format!("exit code {code}, expected 2")),
            None => wrong.push(format!("ended by a signal: {:?}", out.status)),
        }
        for bad in [
            "panicked",
            "RUST_BACKTRACE",
            "stack backtrace",
            "memory allocation",
        ] {
            if err.contains(bad) {
                wrong.push(format!("stderr contains {bad:?}"));
            }
        }
        if !err.starts_with("dualpath: ") || err.trim_end().lines().count() != 1 {
            wrong.push("expected one line starting with \"dualpath: \"".into());
        }
        for fragment in c.says {
            if !err.contains(fragment) {
                wrong.push(format!("stderr does not say {fragment:?}"));
            }
        }
        if let Some(file) = c.no_file {
            let path = dir.path().join(file);
            if path.is_file() {
                wrong.push(format!("{file} was written"));
            }
            let folder = path.parent().filter(|p| p.is_dir());
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            if let (Some(folder), Some(name)) = (folder, name) {
                let leftovers: Vec<String> = std::fs::read_dir(folder)
                    .expect("read the folder")
                    .filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.starts_with(&format!(".{name}.")) && n.ends_with(".tmp"))
                    .collect();
                if !leftovers.is_empty() {
                    wrong.push(format!("temporary files left: {leftovers:?}"));
                }
            }
        }
        if !wrong.is_empty() {
            failures.push(format!(
                "{:?}\n    {}\n    stderr: {err}",
                c.args,
                wrong.join("\n    ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} bad inputs were not answered as they must be:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    println!(
        "{} bad inputs, each answered with exit code 2 and its own message",
        cases.len()
    );
}

#[test]
fn malformed_data_files_are_named_by_line_and_column() {
    run(&[
        case(
            &["train", "--data", "ragged.csv"],
            &["ragged.csv", "line 3", "2 cells", "3 columns"],
        ),
        case(
            &["train", "--data", "long.csv"],
            &["long.csv", "line 3", "4 cells", "3 columns"],
        ),
        // A blank line is skipped, and the lines after it keep their numbers.
        case(
            &["train", "--data", "blank_then_ragged.csv"],
            &["blank_then_ragged.csv", "line 4", "2 cells"],
        ),
        case(
            &["train", "--data", "text.csv"],
            &["text.csv", "line 2", "column \"b\"", "abc"],
        ),
        case(
            &["train", "--data", "blank_cell.csv"],
            &[
                "blank_cell.csv",
                "line 2",
                "column \"b\"",
                "empty",
                "expected a number",
            ],
        ),
        case(
            &["train", "--data", "empty.csv"],
            &["empty.csv", "empty", "expected a header"],
        ),
        case(
            &["train", "--data", "header.csv"],
            &["header.csv", "no data"],
        ),
        case(
            &["train", "--data", "nan.csv"],
            &["nan.csv", "line 2", "column \"b\"", "finite"],
        ),
        case(
            &["train", "--data", "inf.csv"],
            &["inf.csv", "line 3", "column \"b\"", "finite"],
        ),
        case(
            &["train", "--data", "overflow.csv"],
            &["overflow.csv", "line 3", "1e999", "too large"],
        ),
        // A byte-order mark is not part of the first column's name, nor a line.
        case(
            &["train", "--data", "bom_ragged.csv"],
            &[
                "bom_ragged.csv",
                "line 2",
                "2 cells",
                "(\"a\", \"b\", \"y\")",
            ],
        ),
        // Windows line ends count lines as Unix ones do.
        case(
            &["train", "--data", "crlf_text.csv"],
            &["crlf_text.csv", "line 3", "column \"b\"", "\"x\""],
        ),
        case(
            &["train", "--data", "binary.csv"],
            &["binary.csv", "line 2", "UTF-8"],
        ),
        case(
            &["train", "--data", "dup.csv"],
            &["dup.csv", "column \"a\"", "columns 1 and 2"],
        ),
        case(
            &["train", "--data", "only_target.csv"],
            &["only_target.csv", "no feature"],
        ),
        case(
            &["train", "--data", "missing.csv"],
            &["missing.csv", "not found"],
        ),
        case(&["train", "--data", "a_dir"], &["a_dir", "directory"]),
        case(
            &["train", "--data", "tiny.csv", "--target", "zz"],
            &["zz", "\"y\""],
        ),
        case(
            &["predict", "--model", "ok.json", "--data", "ragged.csv"],
            &["ragged.csv", "line 3", "2 cells"],
        ),
        case(
            &["predict", "--model", "ok.json", "--data", "header.csv"],
            &["header.csv", "no data"],
        ),
        case(
            &["grad", "--model", "ok.json", "--data", "nan.csv"],
            &["nan.csv", "line 2", "column \"b\""],
        ),
        case(
            &["trace", "--model", "ok.json", "--data", "empty.csv"],
            &["empty.csv", "empty"],
        ),
        case(
            &["compare", "--model", "ok.json", "--data", "text.csv"],
            &["text.csv", "line 2", "abc"],
        ),
        case(
            &["train", "--validation-data", "missing.csv"],
            &["missing.csv", "not found"],
        ),
        case(
            &["train", "--validation-data", "other_columns.csv"],
            &["--validation-data", "minutes", "duration"],
        ),
    ]);
}

#[test]
fn broken_model_files_are_named_by_place_layer_and_field() {
    run(&[
        case(
            &["predict", "--model", "truncated.json", "--data", "coffee"],
            &["truncated.json", "line 1, column", "EOF"],
        ),
        case(
            &["predict", "--model", "version.json", "--data", "coffee"],
            &[
                "version.json",
                "unknown field `version`",
                "expected one of `layers`",
            ],
        ),
        case(
            &["predict", "--model", "nan.json", "--data", "coffee"],
            &["nan.json", "line 1, column 57", "NaN", "finite number"],
        ),
        case(
            &["predict", "--model", "minus_inf.json", "--data", "coffee"],
            &[
                "minus_inf.json",
                "line 1, column",
                "infinities",
                "finite number",
            ],
        ),
        case(
            &["predict", "--model", "overflow.json", "--data", "coffee"],
            &["overflow.json", "number out of range", "64-bit float"],
        ),
        case(
            &["predict", "--model", "string.json", "--data", "coffee"],
            &[
                "string.json",
                "line 1, column",
                "string \"x\"",
                "expected f64",
            ],
        ),
        case(
            &["predict", "--model", "no_layers.json", "--data", "coffee"],
            &[
                "no_layers.json",
                "\"layers\" is empty",
                "at least one layer",
            ],
        ),
        case(
            &["predict", "--model", "units.json", "--data", "coffee"],
            &[
                "units.json",
                "layer 1",
                "\"kernel\" row 1",
                "\"units\" is 2",
            ],
        ),
        case(
            &["predict", "--model", "chain.json", "--data", "coffee"],
            &["chain.json", "layer 2", "kernel", "3 rows"],
        ),
        case(
            &["predict", "--model", "bias.json", "--data", "coffee"],
            &["bias.json", "layer 1", "bias"],
        ),
        case(
            &["predict", "--model", "activation.json", "--data", "coffee"],
            &["activation.json", "softmaxx"],
        ),
        case(
            &[
                "predict",
                "--model",
                "hidden_softmax.json",
                "--data",
                "coffee",
            ],
            &[
                "hidden_softmax.json",
                "layer 1",
                "softmax",
                "output layer only",
            ],
        ),
        case(
            &[
                "predict",
                "--model",
                "std_negative.json",
                "--data",
                "coffee",
            ],
            &[
                "std_negative.json",
                "normalization.std",
                "-1",
                "not negative",
            ],
        ),
        case(
            &["predict", "--model", "norm_width.json", "--data", "coffee"],
            &[
                "norm_width.json",
                "normalization.mean",
                "1 value",
                "2 inputs",
            ],
        ),
        case(
            &["predict", "--model", "loss.json", "--data", "coffee"],
            &["loss.json", "\"loss\"", "hinge", "bce, mse, scce or cce"],
        ),
        case(
            &["predict", "--model", "array.json", "--data", "coffee"],
            &["array.json", "line 1, column 1", "expected a model"],
        ),
        case(
            &["predict", "--model", "empty.json", "--data", "coffee"],
            &["empty.json", "line 1, column 1", "EOF"],
        ),
        case(
            &["predict", "--model", "binary.json", "--data", "coffee"],
            &["binary.json", "not UTF-8"],
        ),
        case(
            &["predict", "--model", "a_dir", "--data", "coffee"],
            &["a_dir", "directory"],
        ),
        case(
            &["predict", "--model", "missing.json", "--data", "coffee"],
            &["missing.json", "not found"],
        ),
        // The model and the data disagree on the number of inputs.
        case(
            &[
                "predict",
                "--model",
                "three_inputs.json",
                "--data",
                "tiny.csv",
                "--target",
                "y",
            ],
            &["tiny.csv", "2 feature columns", "3 inputs"],
        ),
        case(
            &["grad", "--model", "three_inputs.json", "--data", "tiny.csv"],
            &["tiny.csv", "3 inputs"],
        ),
        case(
            &[
                "train",
                "--model",
                "three_inputs.json",
                "--data",
                "tiny.csv",
            ],
            &["tiny.csv", "3 inputs"],
        ),
        case(
            &["trace", "--model", "three_inputs.json"],
            &["2 feature columns", "3 inputs"],
        ),
        case(
            &[
                "compare",
                "--model",
                "three_inputs.json",
                "--data",
                "tiny.csv",
                "--float",
                "f32",
            ],
            &["tiny.csv", "3 inputs"],
        ),
        // Weights too large for f64: the pass overflows, and that is said
        // instead of printing or comparing infinities.
        case(
            &[
                "predict",
                "--model",
                "huge_weights.json",
                "--data",
                "coffee",
            ],
            &["overflowed", "layer 1", "inf", "too large for f64"],
        ),
        case(
            &["compare", "--model", "huge_weights.json", "--loss", "mse"],
            &["overflowed", "too large for f64"],
        ),
        case(
            &[
                "compare",
                "--model",
                "huge_weights.json",
                "--loss",
                "mse",
                "--float",
                "f32",
            ],
            &["overflowed", "too large for f32"],
        ),
        case(
            &["trace", "--model", "huge_weights.json", "--loss", "mse"],
            &["overflowed", "too large for f64"],
        ),
        case(
            &[
                "grad",
                "--model",
                "huge_weights.json",
                "--data",
                "coffee",
                "--loss",
                "mse",
            ],
            &["overflowed", "infinite"],
        ),
    ]);
}

#[test]
fn outputs_that_cannot_be_written_are_refused_before_any_work_and_leave_nothing() {
    run(&[
        writing(
            &[
                "train",
                "--epochs",
                "1",
                "--quiet",
                "--save",
                "missing/m.json",
            ],
            &["m.json", "missing", "does not exist"],
            "missing/m.json",
        ),
        writing(
            &[
                "train",
                "--epochs",
                "1",
                "--quiet",
                "--save",
                "a_file/m.json",
            ],
            &["a_file/m.json", "a_file is a file"],
            "a_file/m.json",
        ),
        case(
            &["train", "--epochs", "1", "--quiet", "--save", "a_dir"],
            &["a_dir", "names a directory", "expected a file name"],
        ),
        writing(
            &["train", "--epochs", "1", "--quiet", "--history", "h/"],
            &["h/", "names a directory"],
            "h",
        ),
        writing(
            &[
                "train",
                "--epochs",
                "1",
                "--quiet",
                "--history",
                "missing/h.json",
            ],
            &["h.json", "does not exist"],
            "missing/h.json",
        ),
        case(
            &["train", "--epochs", "1", "--quiet", "--plot", "a_file"],
            &["a_file", "is a file", "expected a directory"],
        ),
        writing(
            &[
                "train",
                "--epochs",
                "1",
                "--quiet",
                "--save",
                "/proc/dualpath-m.json",
            ],
            &["/proc/dualpath-m.json", "cannot"],
            "/proc/dualpath-m.json",
        ),
        // Refused before timing anything: the whole sweep takes seconds.
        case(
            &["speedup", "--plot", "a_file"],
            &["--plot a_file", "it is a file; expected a directory"],
        ),
        writing(
            &["speedup", "--plot", "s.svg"],
            &["--plot names a folder for the charts; s.svg looks like a file name"],
            "s.svg",
        ),
        // Training that diverges saves nothing.
        writing(
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
                "3",
                "--quiet",
                "--save",
                "diverged.json",
                "--history",
                "diverged_h.json",
            ],
            &["diverged in epoch", "smaller learning rate"],
            "diverged.json",
        ),
        writing(
            &[
                "train",
                "--data",
                "label2.csv",
                "--epochs",
                "1",
                "--quiet",
                "--save",
                "labels.json",
            ],
            &["label2.csv", "line 3", "[0, 1]"],
            "labels.json",
        ),
    ]);
}

#[test]
fn flags_out_of_range_negative_numbers_among_them_are_answered_with_the_range() {
    run(&[
        case(
            &["train", "--epochs", "-1"],
            &["--epochs -1", "out of range", "whole number from 1"],
        ),
        case(&["train", "--epochs=-1"], &["--epochs -1", "from 1"]),
        case(&["train", "--epochs", "0"], &["--epochs 0", "from 1"]),
        case(
            &["train", "--epochs", "2.5"],
            &["--epochs 2.5", "not a whole number", "from 1"],
        ),
        case(
            &["train", "--epochs", "1e3"],
            &["--epochs 1e3", "not a whole number"],
        ),
        case(
            &["train", "--epochs", "100000000000000000000000000000"],
            &[
                "--epochs 100000000000000000000000000000",
                "out of range",
                "18446744073709551615",
            ],
        ),
        case(
            &["train", "--batch-size", "-5"],
            &["--batch-size -5", "from 1"],
        ),
        case(
            &["train", "--batch-size", "0"],
            &["--batch-size 0", "from 1"],
        ),
        case(
            &["train", "--seed", "-1"],
            &["--seed -1", "from 0 to 18446744073709551615"],
        ),
        case(
            &["train", "--seed", "18446744073709551616"],
            &["--seed 18446744073709551616", "out of range"],
        ),
        case(
            &["train", "--lr", "-1"],
            &["learning rate", "-1", "positive"],
        ),
        case(&["train", "--lr", "0"], &["learning rate", "0"]),
        case(&["train", "--lr", "nan"], &["learning rate", "NaN"]),
        case(&["train", "--lr", "abc"], &["--lr abc", "not a number"]),
        case(
            &["train", "--validation-split", "-0.1"],
            &["validation split", "-0.1"],
        ),
        case(
            &["train", "--validation-split", "1.5"],
            &["validation split", "between 0 and 1"],
        ),
        case(
            &["train", "--validation-split", "half"],
            &["--validation-split half", "not a number"],
        ),
        case(
            &["train", "--layers", "-3:relu"],
            &["--layers", "\"-3\"", "number of units"],
        ),
        case(&["train", "--layers", "0:relu"], &["--layers", "0 units"]),
        case(&["train", "--layers", "25:sigmod"], &["--layers", "sigmod"]),
        case(&["train", "--layers", "25"], &["--layers", "no ':'"]),
        case(
            &["train", "--layers", "3:relu:l2=-1,1:sigmoid"],
            &["--layers", "l2=-1", "≥ 0"],
        ),
        case(
            &["train", "--layers", "3000000000:relu,1:sigmoid"],
            &["12000000001 parameters", "GiB", "at most"],
        ),
        case(
            &["train", "--loss", "hinge"],
            &["--loss hinge", "bce, mse, scce or cce"],
        ),
        case(
            &["train", "--optimizer", "rmsprop"],
            &["--optimizer rmsprop", "sgd or adam"],
        ),
        case(
            &["train", "--path", "gpu"],
            &["--path gpu", "sequential or matrix"],
        ),
        case(&["trace", "--row", "-3"], &["--row -3", "from 0"]),
        case(&["trace", "--row", "200"], &["--row 200", "rows 0 to 199"]),
        case(&["trace", "--terms", "-2"], &["--terms -2", "from 0"]),
        case(&["trace", "--data", "coffee"], &["--data needs --model"]),
        case(&["compare", "--data", "coffee"], &["--data needs --model"]),
        case(
            &["speedup", "--only", "-1"],
            &["--only \"-1\"", "2-25-15-1_m1"],
        ),
        case(
            &["speedup", "--only", "3-3"],
            &["--only \"3-3\"", "the sizes are"],
        ),
        // The built-in data sets have fixed targets: another name is refused, not ignored.
        case(
            &["train", "--data", "coffee", "--target", "temperature"],
            &["--target temperature", "good_roast"],
        ),
        case(
            &[
                "predict", "--model", "ok.json", "--data", "coffee", "--target", "nope",
            ],
            &["--target nope", "good_roast"],
        ),
        case(
            &["compare", "--target", "nope"],
            &["--target nope", "good_roast"],
        ),
        // More epochs than can be stored up front: training starts (and here
        // diverges) instead of aborting on a huge allocation.
        case(
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
                "18446744073709551615",
                "--quiet",
            ],
            &["diverged in epoch", "smaller learning rate"],
        ),
    ]);
}

#[test]
fn labels_the_loss_cannot_take_are_named_by_line_and_column() {
    run(&[
        case(
            &["train", "--data", "label2.csv"],
            &[
                "label2.csv",
                "line 3",
                "column \"y\"",
                "the label 2",
                "[0, 1]",
            ],
        ),
        case(
            &["train", "--data", "label_neg.csv"],
            &["label_neg.csv", "line 2", "the label -1"],
        ),
        case(
            &[
                "train",
                "--data",
                "class_half.csv",
                "--loss",
                "scce",
                "--layers",
                "2:softmax",
            ],
            &[
                "class_half.csv",
                "line 2",
                "0.5",
                "not a class id",
                "0 to 1",
            ],
        ),
        case(
            &[
                "train",
                "--data",
                "class_5.csv",
                "--loss",
                "scce",
                "--layers",
                "3:softmax",
            ],
            &["class_5.csv", "line 3", "5", "0 to 2"],
        ),
        case(
            &[
                "train",
                "--data",
                "tiny.csv",
                "--loss",
                "cce",
                "--layers",
                "2:softmax",
            ],
            &["2 outputs", "cce", "2 target columns", "has 1"],
        ),
        case(
            &[
                "train",
                "--data",
                "tiny.csv",
                "--loss",
                "scce",
                "--layers",
                "2:sigmoid",
            ],
            &["scce", "softmax output", "sigmoid"],
        ),
        case(
            &[
                "train",
                "--data",
                "tiny.csv",
                "--from-logits",
                "--layers",
                "1:sigmoid",
            ],
            &["--from-logits", "linear last layer", "sigmoid"],
        ),
        case(
            &["grad", "--model", "ok.json", "--data", "label2.csv"],
            &["label2.csv", "line 3", "[0, 1]"],
        ),
        case(
            &[
                "grad", "--model", "ok.json", "--data", "coffee", "--loss", "scce",
            ],
            &["scce", "softmax", "sigmoid"],
        ),
        case(
            &["trace", "--model", "ok.json", "--data", "label_neg.csv"],
            &["label_neg.csv", "line 2", "-1"],
        ),
        case(
            &["compare", "--model", "ok.json", "--data", "label2.csv"],
            &["label2.csv", "line 3"],
        ),
        case(
            &["train", "--data", "digits8x8", "--layers", "1:sigmoid"],
            &["digits", "column \"digit\"", "[0, 1]"],
        ),
        case(
            &[
                "train",
                "--data",
                "huge.csv",
                "--layers",
                "1:sigmoid",
                "--normalize",
            ],
            &["too large to standardise", "feature"],
        ),
    ]);
}
