//! `train --repeat N`: the rows repeated N times in every epoch, as the
//! coffee lab's `np.tile(Xn, (1000, 1))`, with a validation split taken
//! from the rows as read.

use super::helpers::{assert_bad_input, dualpath, scratch, stdout};

/// Ten rows of two features and a label.
fn rows() -> Vec<String> {
    (0..10)
        .map(|i| {
            let t = 180.0 + 7.0 * f64::from(i);
            let d = 12.0 + 0.37 * f64::from(i * 3 % 10);
            format!("{t},{d},{}", i % 3 == 0)
                .replace("true", "1")
                .replace("false", "0")
        })
        .collect()
}

fn csv(rows: &[String]) -> String {
    format!("temperature,duration,good\n{}\n", rows.join("\n"))
}

fn read(dir: &std::path::Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).expect("an output file")
}

const SETTINGS: [&str; 10] = [
    "--layers",
    "3:sigmoid,1:sigmoid",
    "--epochs",
    "3",
    "--batch-size",
    "4",
    "--seed",
    "5",
    "--lr",
    "0.05",
];

#[test]
fn repeat_trains_as_the_rows_tiled_in_a_file_shuffled_together() {
    let r = rows();
    let tiled: Vec<String> = (0..3).flat_map(|_| r.iter().cloned()).collect();
    let dir = scratch(&[("d.csv", &csv(&r)), ("tiled.csv", &csv(&tiled))]);
    let mut repeat = vec![
        "train", "--data", "d.csv", "--repeat", "3", "--save", "a.json",
    ];
    repeat.extend(["--history", "a-h.json"]);
    repeat.extend(SETTINGS);
    let out = dualpath(dir.path(), &repeat);
    assert!(out.status.success(), "{out:?}");
    assert!(
        stdout(&out).contains("(10 rows repeated 3 times;"),
        "{}",
        stdout(&out)
    );
    let mut file = vec!["train", "--data", "tiled.csv", "--save", "b.json"];
    file.extend(["--history", "b-h.json"]);
    file.extend(SETTINGS);
    let out = dualpath(dir.path(), &file);
    assert!(out.status.success(), "{out:?}");
    assert!(stdout(&out).contains("(30 rows;"), "{}", stdout(&out));
    assert_eq!(read(dir.path(), "a-h.json"), read(dir.path(), "b-h.json"));
    assert_eq!(read(dir.path(), "a.json"), read(dir.path(), "b.json"));
}

#[test]
fn a_validation_split_is_taken_before_the_rows_are_repeated() {
    // 10 rows, 0.2: the last 2 rows validate, the first 8 are repeated.
    let r = rows();
    let tiled: Vec<String> = (0..4).flat_map(|_| r[..8].iter().cloned()).collect();
    let dir = scratch(&[
        ("d.csv", &csv(&r)),
        ("tiled.csv", &csv(&tiled)),
        ("held.csv", &csv(&r[8..])),
    ]);
    let mut split = vec!["train", "--data", "d.csv", "--repeat", "4"];
    split.extend(["--validation-split", "0.2", "--history", "a.json"]);
    split.extend(SETTINGS);
    let out = dualpath(dir.path(), &split);
    assert!(out.status.success(), "{out:?}");
    assert!(
        stdout(&out).contains("(8 rows repeated 4 times;"),
        "{}",
        stdout(&out)
    );
    let mut files = vec![
        "train",
        "--data",
        "tiled.csv",
        "--validation-data",
        "held.csv",
    ];
    files.extend(["--history", "b.json"]);
    files.extend(SETTINGS);
    let out = dualpath(dir.path(), &files);
    assert!(out.status.success(), "{out:?}");
    let history = read(dir.path(), "a.json");
    assert!(history.contains("val_loss"), "{history}");
    assert_eq!(history, read(dir.path(), "b.json"));
}

#[test]
fn one_row_is_one_row() {
    let dir = scratch(&[("one.csv", "x,y\n1,1\n")]);
    let out = dualpath(
        dir.path(),
        &[
            "train",
            "--data",
            "one.csv",
            "--layers",
            "1:sigmoid",
            "--epochs",
            "1",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    assert!(stdout(&out).contains("(1 row;"), "{}", stdout(&out));
}

#[test]
fn a_repeat_out_of_range_or_too_large_is_refused() {
    let dir = scratch(&[]);
    for bad in ["0", "-1", "1.5", "x", "1000001"] {
        assert_bad_input(
            dir.path(),
            &["train", "--repeat", bad],
            &["--repeat", "from 1 to 1000000"],
        );
    }
    // digits8x8: 1797 rows of 65 values, a million times, is far beyond the limit.
    assert_bad_input(
        dir.path(),
        &[
            "train",
            "--data",
            "digits8x8",
            "--layers",
            "10:linear",
            "--loss",
            "scce",
            "--from-logits",
            "--repeat",
            "1000000",
        ],
        &["--repeat 1000000", "1797 rows", "repeat fewer times"],
    );
}

#[test]
fn without_repeat_ten_epochs_of_the_coffee_data_call_every_roast_bad() {
    // What the README and chapter 3 say of the command without --repeat:
    // accuracy 0.785 (the share of bad roasts) in every epoch, no roast good.
    let dir = scratch(&[]);
    let out = dualpath(
        dir.path(),
        &[
            "train",
            "--data",
            "coffee",
            "--normalize",
            "--epochs",
            "10",
            "--lr",
            "0.01",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    let accuracies: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("Epoch "))
        .filter_map(|l| l.rsplit(' ').next())
        .collect();
    assert_eq!(accuracies, ["0.7850"; 10], "{text}");
    let out = dualpath(
        dir.path(),
        &[
            "train",
            "--data",
            "coffee",
            "--normalize",
            "--epochs",
            "10",
            "--lr",
            "0.01",
            "--save",
            "m.json",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let out = dualpath(
        dir.path(),
        &["predict", "--model", "m.json", "--data", "coffee"],
    );
    let text = stdout(&out);
    let decisions: Vec<&str> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.rsplit(',').next())
        .collect();
    assert_eq!(decisions.len(), 200);
    assert!(decisions.iter().all(|d| *d == "0"), "{text}");
}
