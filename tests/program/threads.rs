//! `--threads`: every command that computes takes it, the files and the
//! numbers they print are the same bytes on one thread and on two, and a
//! count that is not one is refused with exit code 2.

use super::helpers::{assert_bad_input, dualpath, scratch, stderr, stdout};

/// 256 rows of 64 features and a 0/1 target: with a layer of 128 units and
/// batches of 128, the first layer's products are 128·64·128 = 2^20
/// multiply-adds, the size from which the product kernel splits its work
/// (`PARALLEL_MIN_WORK`), and the loop path splits from the same size.
fn wide_csv() -> String {
    let mut text = (0..64)
        .map(|j| format!("x{j}"))
        .collect::<Vec<_>>()
        .join(",");
    text.push_str(",y\n");
    for i in 0..256 {
        let row: Vec<String> = (0..64)
            .map(|j| format!("{}", (((i * 13 + j * 7) % 19) as f64 / 9.5 - 1.0)))
            .collect();
        text.push_str(&row.join(","));
        text.push_str(&format!(",{}\n", (i * 7 / 3) % 2));
    }
    text
}

fn run_ok(dir: &std::path::Path, args: &[&str]) -> String {
    let out = dualpath(dir, args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

#[test]
fn model_files_are_the_same_bytes_on_one_thread_and_on_two() {
    let dir = scratch(&[("wide.csv", &wide_csv())]);
    let d = dir.path();
    for path in ["matrix", "sequential"] {
        for float in ["f64", "f32"] {
            let mut saved = Vec::new();
            for threads in ["1", "2"] {
                let name = format!("m-{path}-{float}-{threads}.json");
                let train = [
                    "train",
                    "--data",
                    "wide.csv",
                    "--layers",
                    "128:relu,1:sigmoid",
                    "--epochs",
                    "2",
                    "--batch-size",
                    "128",
                    "--optimizer",
                    "sgd",
                    "--path",
                    path,
                    "--float",
                    float,
                    "--threads",
                    threads,
                    "--quiet",
                    "--save",
                    &name,
                ];
                run_ok(d, &train);
                saved.push(std::fs::read(d.join(&name)).expect("the model file"));
            }
            assert!(
                saved[0] == saved[1],
                "{path} {float}: the model files differ between 1 and 2 threads"
            );
        }
    }
}

#[test]
fn what_the_commands_print_is_the_same_on_one_thread_and_on_two() {
    let dir = scratch(&[("wide.csv", &wide_csv())]);
    let d = dir.path();
    run_ok(
        d,
        &[
            "train",
            "--data",
            "wide.csv",
            "--layers",
            "128:tanh,1:sigmoid",
            "--epochs",
            "1",
            "--quiet",
            "--threads",
            "1",
            "--save",
            "m.json",
        ],
    );
    let commands: [&[&str]; 5] = [
        &[
            "predict", "--model", "m.json", "--data", "wide.csv", "--target", "y",
        ],
        &[
            "evaluate",
            "--model",
            "m.json",
            "--data",
            "wide.csv",
            "--batch-size",
            "256",
        ],
        &[
            "grad",
            "--model",
            "m.json",
            "--data",
            "wide.csv",
            "--path",
            "sequential",
        ],
        &[
            "grad", "--model", "m.json", "--data", "wide.csv", "--float", "f32",
        ],
        &["compare", "--model", "m.json", "--data", "wide.csv"],
    ];
    for command in commands {
        let printed: Vec<String> = ["1", "2"]
            .iter()
            .map(|t| run_ok(d, &[command, &["--threads", t]].concat()))
            .collect();
        assert_eq!(printed[0], printed[1], "{command:?}");
    }
}

#[test]
fn a_thread_count_out_of_range_is_refused_by_every_command() {
    let dir = scratch(&[("wide.csv", &wide_csv())]);
    let d = dir.path();
    run_ok(
        d,
        &[
            "train", "--data", "wide.csv", "--epochs", "1", "--quiet", "--save", "m.json",
        ],
    );
    let commands: [&[&str]; 6] = [
        &["train", "--data", "wide.csv"],
        &["predict", "--model", "m.json", "--data", "wide.csv"],
        &["evaluate", "--model", "m.json", "--data", "wide.csv"],
        &["grad", "--model", "m.json", "--data", "wide.csv"],
        &["compare", "--model", "m.json", "--data", "wide.csv"],
        &["speedup", "--only", "2-25-15-1_m1"],
    ];
    for command in commands {
        for (bad, why) in [
            ("0", "out of range"),
            ("1025", "out of range"),
            ("-2", "out of range"),
            ("two", "not a whole number"),
        ] {
            let args = [command, &["--threads", bad]].concat();
            assert_bad_input(d, &args, &["--threads", why, "1 to 1024"]);
        }
    }
}
