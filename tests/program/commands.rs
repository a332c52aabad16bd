//! The `dualpath` program: every command's happy path (the tour, `train`,
//! `predict`, `grad`, `compare`, `speedup`, `trace`), in `f64` and `f32`.

use crate::helpers::{MODEL_3_INPUTS, assert_bad_input, dualpath, scratch, stderr, stdout};

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

    // The model reads its columns by name: the coffee data's label is good_roast.
    std::fs::write(
        d.join("labelled.csv"),
        "temperature,duration,good_roast\n200,13.9,1\n200,17,0\n",
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
fn speedup_prints_the_table_and_draws_the_chart() {
    let dir = scratch(&[]);
    // The notes' network only: the whole sweep takes seconds more and runs
    // the same code.
    let out = dualpath(
        dir.path(),
        &["speedup", "--only", "2-25-15-1", "--plot", "charts"],
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
    assert!(text.contains("Wrote charts/speedup.svg"), "{text}");
    let svg = std::fs::read_to_string(dir.path().join("charts/speedup.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("</svg>"));
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

#[test]
fn trace_path_names_the_path_whose_numbers_lead() {
    let dir = scratch(&[]);
    let loops = dualpath(dir.path(), &["trace"]);
    let matrix = dualpath(dir.path(), &["trace", "--path", "matrix"]);
    assert_eq!(loops.status.code(), Some(0), "{}", stderr(&loops));
    assert_eq!(matrix.status.code(), Some(0), "{}", stderr(&matrix));
    let (loops, matrix) = (stdout(&loops), stdout(&matrix));
    assert!(
        loops
            .lines()
            .next()
            .unwrap_or("")
            .contains("on the loop path; the matrix path's value beside each"),
        "{loops}"
    );
    assert!(
        matrix
            .lines()
            .next()
            .unwrap_or("")
            .contains("on the matrix path; the loop path's value beside each"),
        "{matrix}"
    );
    let unit = |text: &str, beside: &str| {
        text.lines()
            .find(|l| l.contains("unit  1: z = "))
            .map(|l| l.contains(&format!("   {beside} ")))
            .unwrap_or(false)
    };
    assert!(unit(&loops, "matrix") && unit(&matrix, "loop"));
    assert_bad_input(
        dir.path(),
        &["trace", "--path", "loops"],
        &["--path loops", "expected sequential or matrix"],
    );
}

/// What a page of the docs shows between `<!-- NAME:begin -->` and
/// `<!-- NAME:end -->`, without the fences, the command lines (`$ …`) and
/// blank lines: the program's output, pasted in.
fn marked_block(page: &str, name: &str) -> Vec<String> {
    let doc = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(page))
        .unwrap();
    let block = doc
        .split(&format!("<!-- {name}:begin -->"))
        .nth(1)
        .and_then(|rest| rest.split(&format!("<!-- {name}:end -->")).next())
        .unwrap_or_else(|| panic!("{page} marks its {name} block"));
    block
        .lines()
        .filter(|l| !l.starts_with("```") && !l.starts_with('$') && !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Holds what `page` shows in its `name` block to `printed`, lines the program
/// wrote in the same order. The matrix path's last bits depend on whether the
/// processor has fused multiply-adds (AVX2 and FMA on x86-64, as its product
/// kernel picks them), so on one without them the lines are checked for their
/// first two words and agreement instead, and the test says so.
fn assert_block_is_printed(page: &str, name: &str, shown: &[String], printed: &[String]) {
    let fused = dualpath_kernels::gemm::Variant::detect()
        != dualpath_kernels::gemm::Variant::Portable { fused: false };
    if fused {
        assert_eq!(
            shown, printed,
            "{page}'s {name} block differs from the program's output: paste the new one in"
        );
    } else {
        println!("no fused multiply-add here: comparing {page}'s {name} block's shape only");
        assert_eq!(shown.len(), printed.len());
        for (d, p) in shown.iter().zip(printed).skip(2) {
            assert_eq!(
                d.split_whitespace().take(2).collect::<Vec<_>>(),
                p.split_whitespace().take(2).collect::<Vec<_>>()
            );
            assert!(!p.contains("EXCEEDS"));
        }
    }
}

/// `docs/06-what-identical-means.md` shows `dualpath compare`'s output
/// between `compare:begin` and `compare:end`: it must be what the program
/// prints.
#[test]
fn the_compare_table_in_chapter_6_is_what_the_program_prints() {
    let page = "docs/06-what-identical-means.md";
    let shown = marked_block(page, "compare");
    let dir = scratch(&[]);
    let out = dualpath(dir.path(), &["compare"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let printed: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    assert_block_is_printed(page, "compare", &shown, &printed);
}

/// The words of a line of the tour, one space apart, its times replaced by
/// `…`: each number before `ms`, `µs` or `s`, and each speed-up ending in
/// `×`, since they change from run to run (and with them the columns'
/// widths). Everything else the tour prints is the same on every run.
fn without_times(line: &str) -> String {
    let words: Vec<&str> = line.split_whitespace().collect();
    let mut out = Vec::with_capacity(words.len());
    for (i, w) in words.iter().enumerate() {
        let timed = matches!(words.get(i + 1), Some(&("ms" | "µs" | "s" | "s.")));
        out.push(if timed || (w.ends_with('×') && w.len() > 2) {
            "…"
        } else {
            w
        });
    }
    out.join(" ")
}

/// The README's excerpt of the tour, between `tour:begin` and `tour:end`, is
/// what the tour prints, its times aside (those are one run's, and the README
/// says which run). The excerpt leaves lines out, so each of its lines is
/// matched, in order, with the next line of the tour that starts with the
/// same two words, and the lines so found must be the excerpt's.
#[test]
fn the_tour_excerpt_in_the_readme_is_what_the_tour_prints() {
    assert_eq!(
        without_times("  matrix       0.005801      1.000        9.9 ms"),
        "matrix 0.005801 1.000 … ms"
    );
    assert_eq!(
        without_times("The matrix path trained 3.0× faster here"),
        "The matrix path trained … faster here"
    );
    let shown: Vec<String> = marked_block("README.md", "tour")
        .iter()
        .map(|l| without_times(l))
        .collect();
    assert!(shown.len() >= 10, "the README's tour excerpt is too short");
    let dir = scratch(&[]);
    let out = dualpath(dir.path(), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let start = |l: &str| l.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
    let mut tour = text.lines();
    let printed: Vec<String> = shown
        .iter()
        .map(|want| {
            let line = tour
                .find(|l| start(l) == start(want))
                .unwrap_or_else(|| panic!("the tour no longer prints a line like {want:?}"));
            without_times(line)
        })
        .collect();
    assert_block_is_printed("README.md", "tour", &shown, &printed);
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
        loss: Loss::BINARY_CROSSENTROPY,
        optimizer: Optimizer::adam(0.001),
        epochs: 3,
        batch_size: 32,
        shuffle: true,
        seed: 0,
        path: P::Matrix,
        threads: 1,
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
            "column \"a\"",
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

#[test]
fn grad_pretty_prints_the_same_json_indented() {
    let dir = scratch(&[]);
    let out = dualpath(
        dir.path(),
        &["train", "--epochs", "1", "--quiet", "--save", "m.json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let args = ["grad", "--model", "m.json", "--data", "coffee"];
    let plain = dualpath(dir.path(), &args);
    let pretty = dualpath(dir.path(), &[&args[..], &["--pretty"]].concat());
    assert_eq!(plain.status.code(), Some(0), "{}", stderr(&plain));
    assert_eq!(pretty.status.code(), Some(0), "{}", stderr(&pretty));
    let (plain, pretty) = (stdout(&plain), stdout(&pretty));
    assert_eq!(plain.lines().count(), 1, "{plain}");
    assert!(pretty.starts_with("{\n  \""), "{pretty}");
    assert!(pretty.lines().count() > 10, "{pretty}");
    let read = |t: &str| serde_json::from_str::<serde_json::Value>(t).expect("JSON");
    assert_eq!(read(&plain), read(&pretty));
}

/// The labels of a chart's horizontal axis: the centred texts that are numbers.
fn x_tick_labels(svg: &str) -> Vec<String> {
    svg.split("</text>")
        .filter_map(|part| {
            let start = part.rfind("<text ")?;
            let (attributes, text) = part[start..].split_once('>')?;
            let text = text.trim();
            (attributes.contains("text-anchor=\"middle\"") && text.parse::<f64>().is_ok())
                .then(|| text.to_string())
        })
        .collect()
}

#[test]
fn the_loss_chart_labels_whole_epochs_once_each() {
    let dir = scratch(&[]);
    for epochs in [2usize, 3, 7, 23] {
        let folder = format!("charts{epochs}");
        let out = dualpath(
            dir.path(),
            &[
                "train",
                "--epochs",
                &epochs.to_string(),
                "--quiet",
                "--plot",
                &folder,
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let svg = std::fs::read_to_string(dir.path().join(&folder).join("loss.svg")).unwrap();
        let labels = x_tick_labels(&svg);
        let whole: Vec<usize> = labels.iter().filter_map(|l| l.parse().ok()).collect();
        assert_eq!(whole.len(), labels.len(), "{epochs} epochs: {labels:?}");
        assert!(whole.len() >= 2, "{epochs} epochs: {labels:?}");
        assert!(
            whole.windows(2).all(|w| w[0] < w[1])
                && whole.iter().all(|&e| (1..=epochs).contains(&e)),
            "{epochs} epochs: {labels:?}"
        );
    }
}
