//! `dualpath explore`: train (or load) a network, record its weights as it
//! learns, and write one self-contained page to look at and play with.

use super::common::{CliResult, Failure, Output, check_outputs, plural, whole, write_text};
use super::fitting::{Defaults, FitFlags};
use super::progress::EpochReporter;
use clap::Args;
use dualpath::Loss;
use dualpath::explore::{PageData, Recording, Snapshot, page, record};
use dualpath::speedup::Float;
use dualpath::train::History;
use nalgebra::DMatrix;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ExploreArgs {
    /// What to train and how, as `train` takes it (the lab's settings when none is given:
    /// see `lab_settings` below).
    #[command(flatten)]
    fit: FitFlags,
    /// Write the page here [default: explore.html].
    #[arg(long, value_name = "FILE.html")]
    out: Option<PathBuf>,
    /// The examples whose arithmetic the page records unit by unit on both paths, as rows
    /// counted from 0 (comma separated) [default: row 0 and the first row of each other label,
    /// at most 3; for a network of more than 1000 parameters, row 0].
    #[arg(long, value_name = "ROW", value_delimiter = ',', allow_hyphen_values = true, value_parser = whole::<usize>(0, u64::MAX))]
    rows: Vec<usize>,
    /// The most epochs whose weights the page keeps, evenly spread (the last always).
    #[arg(long, default_value_t = 40, value_name = "N", allow_hyphen_values = true, value_parser = whole::<usize>(1, 10_000))]
    snapshots: usize,
    /// No line per epoch.
    #[arg(long)]
    quiet: bool,
}

/// The course lab's settings for a built-in data set, and the sentence that names them.
fn lab_settings(data: &str) -> Option<(Defaults, &'static str)> {
    let mut lab = Defaults::TRAIN;
    let words = match data {
        "coffee" => {
            (lab.learning_rate, lab.repeat, lab.normalize) = (Some(0.01), 1000, true);
            "the notes' network with the TensorFlow coffee lab's settings: --normalize --repeat 1000 --lr 0.01"
        }
        "blobs" => {
            lab.layers = "25:relu,15:relu,4:linear";
            (lab.loss, lab.from_logits) = (Some(Loss::SPARSE_CATEGORICAL_CROSSENTROPY), true);
            "the Softmax lab's: --layers 25:relu,15:relu,4:linear --loss scce --from-logits"
        }
        "digits8x8" => {
            lab.layers = "25:relu,15:relu,10:linear";
            (lab.loss, lab.from_logits, lab.epochs) =
                (Some(Loss::SPARSE_CATEGORICAL_CROSSENTROPY), true, 20);
            "the digits assignment's network: --layers 25:relu,15:relu,10:linear --loss scce --from-logits --epochs 20"
        }
        _ => return None,
    };
    Some((lab, words))
}

pub fn run(a: ExploreArgs) -> CliResult {
    if a.fit.float != Float::F64 {
        return Err(Failure::input(
            "--float f32: explore computes in f64, as the page's JavaScript does (float64); leave out --float",
        ));
    }
    let lab = (!a.fit.any_setting())
        .then(|| lab_settings(&a.fit.data))
        .flatten();
    let plan = a.fit.plan(lab.map_or(Defaults::TRAIN, |l| l.0))?;
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("explore.html"));
    check_outputs(&a.fit.inputs(), &[Output::File("--out", &out)], &[])?;
    // A model given without --epochs is shown as it is, not trained further.
    let train = a.fit.model.is_none() || a.fit.epochs.is_some();
    let p = plan.prepare(&a.fit)?;
    if let Some((_, words)) = lab {
        println!("Settings: {words} (give any setting to choose your own).");
    }
    let lead = p.settings.path;
    let run = if train {
        println!("{}", p.describe(Float::F64));
        let mut reporter = EpochReporter::new(p.settings.epochs, true, "");
        let validation = p.validation.as_ref().map(|(x, y)| (x, y));
        let run = record(
            &p.model.network,
            (&p.x, &p.fit_data.y, validation),
            &p.settings,
            &p.resume,
            a.snapshots,
            |e| {
                if !a.quiet {
                    reporter.update(*e);
                }
            },
        )?;
        reporter.clear();
        run
    } else {
        let model_file = a.fit.model.as_deref().map(|p| p.display().to_string());
        println!(
            "Showing {} as it is (give --epochs to train it further).",
            model_file.as_deref().unwrap_or("the model")
        );
        as_it_is(&p.model.network, model_file.unwrap_or_default())
    };
    // Every row the page draws: the training rows, then the validation rows.
    let (x, y) = match &p.validation_data {
        Some(val) => (stack(&p.data.x, &val.x), stack(&p.data.y, &val.y)),
        None => (p.data.x.clone(), p.data.y.clone()),
    };
    let m = x.nrows();
    let trace_rows = if a.rows.is_empty() {
        // A large network's every weight gradient, at every snapshot, on
        // both paths, is most of the page: one example is enough there.
        let most = if p.model.network.param_count() > LARGE_NETWORK {
            1
        } else {
            3
        };
        first_of_each_label(&y, most)
    } else {
        if let Some(bad) = a.rows.iter().find(|&&r| r >= m) {
            return Err(Failure::input(format!(
                "--rows {bad}: {} has rows 0 to {} (training and validation rows together)",
                p.data.source,
                m - 1
            )));
        }
        a.rows.clone()
    };
    let check_rows: Vec<usize> = (0..CHECK_ROWS.min(m))
        .map(|i| i * m / CHECK_ROWS.min(m))
        .collect();
    let widths: Vec<String> = p
        .model
        .network
        .widths()
        .iter()
        .map(|w| w.to_string())
        .collect();
    let image = (a.fit.data == "digits8x8" && x.ncols() == 64).then_some((8, 8));
    let data = PageData {
        title: format!(
            "{} · {} · {}",
            short_name(&a.fit.data),
            widths.join("-"),
            p.settings.loss.keras_name()
        ),
        command: std::iter::once("dualpath".to_string())
            .chain(std::env::args().skip(1))
            .map(|s| if s.contains(' ') { format!("'{s}'") } else { s })
            .collect::<Vec<_>>()
            .join(" "),
        source: p.data.source.clone(),
        features: &p.data.feature_names,
        targets: &p.data.target_names,
        loss: p.settings.loss,
        normalization: p.model.normalization.as_ref(),
        image,
        x: &x,
        y: &y,
        train_rows: p.data.x.nrows(),
        repeat: p.repeat,
        check_rows,
        trace_rows,
    };
    let html = page(&data, &run, lead)?;
    write_text(&out, &html)?;
    let shown = std::fs::canonicalize(&out).unwrap_or(out.clone());
    println!(
        "Wrote {} ({:.1} MB, {}; {}): open it in a web browser, e.g. file://{}",
        out.display(),
        html.len() as f64 / 1e6,
        plural(run.snapshots.len(), "snapshot"),
        match run.thinned {
            Some((epochs, kept)) => format!("{kept} of {epochs} epochs kept"),
            None => "every epoch kept".to_string(),
        },
        shown.display()
    );
    Ok(())
}

/// Above this many parameters, the page records one example's arithmetic, not three.
const LARGE_NETWORK: usize = 1000;

/// How many rows the page's own forward pass is checked on at every snapshot.
const CHECK_ROWS: usize = 8;

/// A model shown as it is: one snapshot, no history.
fn as_it_is(net: &dualpath::Network<f64>, file: String) -> Recording {
    Recording {
        snapshots: vec![Snapshot {
            label: if file.is_empty() {
                "the model".into()
            } else {
                format!("the model in {file}")
            },
            at: 0.0,
            epoch: 0,
            network: net.clone(),
            gap: 0.0,
        }],
        history: History::default(),
        network: net.clone(),
        resume: Default::default(),
        thinned: None,
    }
}

/// `a` above `b`.
fn stack(a: &DMatrix<f64>, b: &DMatrix<f64>) -> DMatrix<f64> {
    DMatrix::from_fn(a.nrows() + b.nrows(), a.ncols(), |i, j| {
        if i < a.nrows() {
            a[(i, j)]
        } else {
            b[(i - a.nrows(), j)]
        }
    })
}

/// Row 0, then the first row of each label not seen yet, up to `most` rows.
fn first_of_each_label(y: &DMatrix<f64>, most: usize) -> Vec<usize> {
    let mut rows: Vec<usize> = Vec::new();
    for i in 0..y.nrows() {
        if rows.len() == most {
            break;
        }
        if rows.iter().all(|&r| y.row(r) != y.row(i)) {
            rows.push(i);
        }
    }
    rows
}

/// The data's name for a title: a built-in set's, or a file's name.
fn short_name(data: &str) -> String {
    std::path::Path::new(data)
        .file_name()
        .map_or(data.to_string(), |n| n.to_string_lossy().into_owned())
}
