//! `dualpath explore`: the page is one self-contained file, and every number
//! it embeds for the two paths is what the two paths compute, what `trace`
//! prints, and what `train` trains.

use super::helpers::{assert_bad_input, dualpath, scratch, stdout};
use dualpath::proof::bounds::Agreement;
use dualpath::{Activation, Dense, Loss, Network, Path, Workspace};
use nalgebra::{DMatrix, DVector};
use serde_json::Value;
use std::path::Path as FsPath;

/// Small settings, so that the suite stays quick: the coffee data, three epochs.
const QUICK: [&str; 10] = [
    "--data",
    "coffee",
    "--normalize",
    "--repeat",
    "4",
    "--lr",
    "0.01",
    "--epochs",
    "3",
    "--quiet",
];

fn explore(dir: &FsPath, extra: &[&str]) -> (String, Value) {
    let mut args = vec!["explore"];
    args.extend(extra);
    let out = dualpath(dir, &args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let at = args
        .iter()
        .position(|a| *a == "--out")
        .map_or("explore.html", |i| args[i + 1]);
    let html = std::fs::read_to_string(dir.join(at)).expect("the page was written");
    let data = embedded(&html);
    (html, data)
}

/// The JSON inside `<script id="explore-data" type="application/json">`.
fn embedded(html: &str) -> Value {
    let open = r#"<script id="explore-data" type="application/json">"#;
    let start = html.find(open).expect("the page embeds its data") + open.len();
    let end = start
        + html[start..]
            .find("</script>")
            .expect("the data's tag is closed");
    serde_json::from_str(&html[start..end]).expect("the embedded data is JSON")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|x| x.as_f64().expect("a number"))
        .collect()
}

/// The network a snapshot's `params` describe, with the page's `layers`.
fn network_of(data: &Value, snapshot: &Value) -> Network<f64> {
    let layers = data["layers"].as_array().unwrap();
    let dense = layers
        .iter()
        .zip(snapshot["params"].as_array().unwrap())
        .map(|(layer, p)| {
            let rows: Vec<Vec<f64>> = p["w"].as_array().unwrap().iter().map(floats).collect();
            let w = DMatrix::from_fn(rows.len(), rows[0].len(), |k, j| rows[k][j]);
            let b = DVector::from_vec(floats(&p["b"]));
            let g: Activation = layer["activation"].as_str().unwrap().parse().unwrap();
            Dense::new(w, b, g).unwrap()
        })
        .collect();
    Network::from_layers(dense).unwrap()
}

/// Row `r`'s network input and target, as the page's data gives them.
fn example(data: &Value, r: usize) -> (DMatrix<f64>, DMatrix<f64>) {
    let x = floats(&data["x"][r]);
    let x: Vec<f64> = match &data["normalization"] {
        Value::Null => x,
        n => {
            let (mean, std) = (floats(&n["mean"]), floats(&n["std"]));
            x.iter()
                .enumerate()
                .map(|(k, v)| (v - mean[k]) / std[k])
                .collect()
        }
    };
    let y = floats(&data["y"][r]);
    (
        DMatrix::from_row_slice(1, x.len(), &x),
        DMatrix::from_row_slice(1, y.len(), &y),
    )
}

#[test]
fn the_page_is_one_file_that_asks_the_network_for_nothing() {
    let dir = scratch(&[]);
    let (html, data) = explore(dir.path(), &QUICK);
    assert_eq!(data["format"], "dualpath-explore 1");
    let lower = html.to_lowercase();
    // No script, stylesheet, image or frame from elsewhere; no request made by the program.
    for needle in [
        "<script src",
        "<link",
        "<iframe",
        "<img src=\"http",
        "@import",
        "fetch(",
        "xmlhttprequest",
        "import(",
        "new worker(",
        "http://",
        "https://",
    ] {
        assert!(!lower.contains(needle), "the page holds {needle:?}");
    }
    for (i, _) in lower.match_indices("url(") {
        let rest = &lower[i + 4..];
        let target = rest.trim_start_matches(['\'', '"', ' ']);
        assert!(
            target.starts_with("data:") || target.starts_with('#'),
            "the page loads {:?}",
            &rest[..rest.len().min(40)]
        );
    }
    // Every marker of the template was filled.
    for marker in ["{{title}}", "{{style}}", "{{script}}", "{{data}}"] {
        assert!(!html.contains(marker), "{marker} left in the page");
    }
}

#[test]
fn every_number_of_both_paths_is_what_the_paths_compute() {
    let dir = scratch(&[]);
    let (_, data) = explore(dir.path(), &QUICK);
    let loss = Loss::BINARY_CROSSENTROPY;
    let snapshots = data["snapshots"].as_array().unwrap();
    // The start, the first epoch's steps, the three epochs.
    assert!(snapshots.len() >= 4, "{} snapshots", snapshots.len());
    let mut compared = 0;
    for s in snapshots {
        let net = network_of(&data, s);
        for (t, r) in data["trace_rows"].as_array().unwrap().iter().enumerate() {
            let (x, y) = example(&data, r.as_u64().unwrap() as usize);
            let recorded = &s["trace"][t];
            for (p, path) in [(0, "loop"), (1, "matrix")] {
                let mut ws = Workspace::new(&net, 1);
                let mut pass = Path::BOTH[p].forward_into(&mut ws, &net, &x).unwrap();
                let j = pass.loss(&y, loss).unwrap();
                pass.backward(&y, loss).unwrap();
                assert_eq!(
                    recorded["loss"][path].as_f64(),
                    Some(j),
                    "J on the {path} path"
                );
                for l in 0..net.layers().len() {
                    let at = &recorded["layers"][l];
                    let g = &ws.gradients().layers[l];
                    let row_major = |m: &DMatrix<f64>| m.transpose().as_slice().to_vec();
                    for (name, ours) in [
                        ("z", row_major(&ws.layers()[l].z)),
                        ("a", row_major(&ws.layers()[l].a)),
                        ("dz", row_major(ws.dz(l))),
                        ("db", g.db.as_slice().to_vec()),
                        ("dw", row_major(&g.dw)),
                    ] {
                        assert_eq!(
                            floats(&at[name][path]),
                            ours,
                            "{name} of layer {l} on the {path} path"
                        );
                        compared += ours.len();
                    }
                }
            }
            // The bound holds between the two recorded paths.
            for l in 0..net.layers().len() {
                for name in ["z", "a", "dz", "db", "dw"] {
                    let q = &s["trace"][t]["layers"][l][name];
                    for ((u, v), b) in floats(&q["loop"])
                        .iter()
                        .zip(floats(&q["matrix"]))
                        .zip(floats(&q["bound"]))
                    {
                        assert!((u - v).abs() <= b, "{name}: |{u} - {v}| over {b}");
                    }
                }
            }
        }
    }
    assert!(compared > 1000, "{compared} values compared");
}

/// The page's own forward pass in the browser is a third path; here, the
/// same sums in plain order, as the page's JavaScript writes them, must stay
/// within the recorded bound of both Rust paths' activations.
#[test]
fn a_third_evaluation_order_stays_within_the_recorded_bounds() {
    let dir = scratch(&[]);
    let (_, data) = explore(dir.path(), &QUICK);
    let rows: Vec<usize> = data["check_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_u64().unwrap() as usize)
        .collect();
    let mut worst = Agreement::default();
    for s in data["snapshots"].as_array().unwrap() {
        let net = network_of(&data, s);
        for (i, &r) in rows.iter().enumerate() {
            let (mut a, _) = example(&data, r);
            for (l, d) in net.layers().iter().enumerate() {
                let z: Vec<f64> = (0..d.units())
                    .map(|j| {
                        (0..d.n_in()).fold(0.0, |acc, k| acc + a[(0, k)] * d.w()[(k, j)]) + d.b()[j]
                    })
                    .collect();
                let g: Vec<f64> = z.iter().map(|&z| 1.0 / (1.0 + (-z).exp())).collect();
                let check = &s["check"][l];
                let (lp, mp, bound) = (
                    floats(&check["loop"]),
                    floats(&check["matrix"]),
                    floats(&check["bound"]),
                );
                for (j, &ours) in g.iter().enumerate() {
                    let k = i * d.units() + j;
                    for theirs in [lp[k], mp[k]] {
                        let one = Agreement::of_scalar(ours, theirs, bound[k]);
                        if one.worst_ratio >= worst.worst_ratio {
                            worst = one;
                        }
                    }
                }
                a = DMatrix::from_row_slice(1, g.len(), &g);
            }
        }
    }
    assert!(worst.holds(), "the third path against the bound: {worst:?}");
}

#[test]
fn the_last_snapshot_is_what_train_trains_and_a_model_is_shown_as_it_is() {
    let dir = scratch(&[]);
    let (_, data) = explore(dir.path(), &QUICK);
    let mut args = vec!["train"];
    args.extend(QUICK);
    args.extend(["--save", "m.json"]);
    assert!(dualpath(dir.path(), &args).status.success());
    let model = dualpath::io::model::Model::load(&dir.path().join("m.json")).unwrap();
    let last = data["snapshots"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    let trained = network_of(&data, &last);
    for (ours, theirs) in trained.parameters().zip(model.network.parameters()) {
        assert_eq!(
            ours, theirs,
            "the page's last weights are train's, bit for bit"
        );
    }
    assert_eq!(last["label"], "epoch 3");
    // The model file alone: one snapshot, its weights, no history.
    let (_, shown) = explore(
        dir.path(),
        &[
            "--model", "m.json", "--data", "coffee", "--out", "m.html", "--quiet",
        ],
    );
    let only = shown["snapshots"].as_array().unwrap();
    assert_eq!((only.len(), shown["epochs"].as_u64()), (1, Some(0)));
    let net = network_of(&shown, &only[0]);
    for (ours, theirs) in net.parameters().zip(model.network.parameters()) {
        assert_eq!(ours, theirs);
    }
}

/// What the page shows for a unit is what `dualpath trace` prints for it.
#[test]
fn a_units_numbers_are_the_ones_trace_prints() {
    let dir = scratch(&[]);
    let mut args = vec!["train"];
    args.extend(QUICK);
    args.extend(["--save", "m.json"]);
    assert!(dualpath(dir.path(), &args).status.success());
    let (_, data) = explore(
        dir.path(),
        &[
            "--model", "m.json", "--data", "coffee", "--rows", "7", "--quiet",
        ],
    );
    let printed = stdout(&dualpath(
        dir.path(),
        &[
            "trace", "--model", "m.json", "--data", "coffee", "--row", "7",
        ],
    ));
    let layer = &data["snapshots"][0]["trace"][0]["layers"][0];
    for j in 0..3 {
        let z = floats(&layer["z"]["loop"])[j];
        let a = floats(&layer["a"]["loop"])[j];
        let line = printed
            .lines()
            .find(|l| {
                l.trim_start()
                    .starts_with(&format!("unit {:>2}: z =", j + 1))
            })
            .expect("trace prints the unit");
        assert!(
            line.contains(&format!("= {z:>12.6e}")),
            "z of unit {}: {z:.6e} in {line}",
            j + 1
        );
        assert!(
            printed.contains(&format!("a = {a:>12.6e}")),
            "a of unit {}: {a:.6e}",
            j + 1
        );
    }
}

#[test]
fn explore_alone_writes_explore_html_and_says_how_to_open_it() {
    let dir = scratch(&[]);
    let out = dualpath(dir.path(), &["explore", "--epochs", "1", "--quiet"]);
    assert!(out.status.success());
    assert!(dir.path().join("explore.html").is_file());
    let said = stdout(&out);
    assert!(
        said.contains("explore.html") && said.contains("file://"),
        "{said}"
    );
}

#[test]
fn what_explore_cannot_do_is_refused_with_a_reason() {
    let dir = scratch(&[("d.csv", "a,b,y\n1,2,0\n3,4,1\n")]);
    let d = dir.path();
    assert_bad_input(d, &["explore", "--float", "f32"], &["--float f32", "f64"]);
    assert_bad_input(
        d,
        &["explore", "--data", "d.csv", "--rows", "2"],
        &["--rows 2", "rows 0 to 1"],
    );
    assert_bad_input(
        d,
        &["explore", "--data", "d.csv", "--out", "d.csv"],
        &["--out", "d.csv"],
    );
    assert_bad_input(d, &["explore", "--snapshots", "0"], &["--snapshots"]);
    assert!(!d.join("explore.html").exists(), "nothing written");
}
