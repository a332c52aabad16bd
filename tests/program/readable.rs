//! What `trace`, `compare` and `speedup` print is read by a learner: the
//! columns say what they are, the trace shows the label, the loss and where
//! backward propagation starts, counts take the singular for one, and a
//! progress line rewritten in place goes only to a terminal.

use super::helpers::{dualpath, scratch, stderr, stdout};

/// A 2-3-1 model with names, and a file of two labelled roasts.
const MODEL: &str = r#"{"layers":[
  {"units":3,"activation":"sigmoid","kernel":[[0.5,-1,0.25],[2,0.75,-0.5]],"bias":[0.1,-0.2,0.3]},
  {"units":1,"activation":"sigmoid","kernel":[[1],[-2],[0.5]],"bias":[-0.4]}],
  "loss":"bce","features":["t","d"],"targets":["good"]}"#;
const ROASTS: &str = "t,d,good\n0.5,-1,1\n1.5,0.25,0\n";

#[test]
fn trace_shows_the_label_the_loss_and_the_output_dz() {
    let dir = scratch(&[("m.json", MODEL), ("r.csv", ROASTS)]);
    let out = dualpath(
        dir.path(),
        &[
            "trace", "--model", "m.json", "--data", "r.csv", "--row", "1",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("The label: y = [0] (good)."), "{text}");
    assert!(text.contains("The loss on this example: J = "), "{text}");
    assert!(text.contains("The output layer's dz = ∂J/∂z"), "{text}");
    // 3 → 1 unit, singular; 2 → 3 units, plural.
    assert!(text.contains("(3 → 1 unit, sigmoid)"), "{text}");
    assert!(text.contains("(2 → 3 units, sigmoid)"), "{text}");
}

#[test]
fn trace_with_no_terms_writes_the_sum_by_name() {
    let dir = scratch(&[("m.json", MODEL), ("r.csv", ROASTS)]);
    let out = dualpath(
        dir.path(),
        &[
            "trace", "--model", "m.json", "--data", "r.csv", "--terms", "0",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(!text.contains("z =  +"), "an empty sum: {text}");
    assert!(
        text.contains("z = Σ_k w_kj·a_k (2 terms) + 0.100 ="),
        "{text}"
    );
    assert!(
        text.contains("z = Σ_k w_kj·a_k (3 terms) + (-0.400) ="),
        "{text}"
    );
    let one = dualpath(
        dir.path(),
        &[
            "trace", "--model", "m.json", "--data", "r.csv", "--terms", "1",
        ],
    );
    assert!(
        stdout(&one).contains("+ … (1 more) + 0.100 ="),
        "{}",
        stdout(&one)
    );
}

#[test]
fn compare_says_what_its_columns_are_and_counts_one_row() {
    let dir = scratch(&[("m.json", MODEL), ("one.csv", "t,d,good\n0.5,-1,1\n")]);
    let out = dualpath(
        dir.path(),
        &["compare", "--model", "m.json", "--data", "one.csv"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("(1 row)"), "{text}");
    let header = text
        .lines()
        .find(|l| l.starts_with("layer"))
        .expect("a header");
    for column in ["largest diff", "ulps", "largest bound", "worst diff/bound"] {
        assert!(header.contains(column), "{header}");
    }
}

#[test]
fn speedup_rewrites_no_line_in_place_when_stderr_is_no_terminal() {
    let dir = scratch(&[]);
    // The tests capture stderr through a pipe: no terminal.
    let out = dualpath(dir.path(), &["speedup", "--only", "2-25-15-1_m1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains('\r'), "{:?}", stderr(&out));
    assert!(stdout(&out).contains("2-25-15-1_m1"), "{}", stdout(&out));
}
