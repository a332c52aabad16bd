//! `dualpath predict`: a model's outputs for a CSV file, as CSV.

use super::common::{
    CliResult, Failure, FileLimit, check_forward_finite, data_for_model, load_model, model_input,
};
use clap::Args;
use dualpath::nn::loss::argmax_row;
use dualpath::speedup::Float;
use dualpath::{Activation, Path, Real};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct PredictArgs {
    /// Model file (JSON, Keras layout).
    #[arg(long, value_name = "FILE.json")]
    model: PathBuf,
    /// Data: `coffee`, `blobs`, `digits8x8` (built in; their targets are left out) or a CSV file with a
    /// header. The model's features are taken by name, in any order; other columns are left out.
    /// (A model file without names takes every column but --target's, by position.)
    #[arg(long, value_name = "coffee|blobs|digits8x8|FILE.csv")]
    data: String,
    /// Column(s) to leave out (e.g. the label), by name.
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    target: Vec<String>,
    /// The path that computes the pass.
    #[arg(long, default_value = "matrix")]
    path: Path,
    /// Threads to compute on (default: the cores this process may use). Every number is the
    /// same, bit for bit, on any count; 1 computes on one core.
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = super::common::whole::<usize>(1, dualpath::MAX_THREADS as u64))]
    threads: Option<usize>,
    /// The precision of the forward pass: f64, or f32 (Keras' default, float32). The outputs
    /// are printed in full either way (every f32 is exactly an f64).
    #[arg(long, default_value = "f64", value_name = "f64|f32")]
    float: Float,
    #[command(flatten)]
    limit: FileLimit,
}

pub fn run(a: PredictArgs) -> CliResult {
    let model = load_model(&a.model)?;
    let data = data_for_model(
        &model,
        &a.model,
        &a.data,
        &a.target,
        false,
        a.limit.max_file_size,
    )?;
    let x = model_input(&model, &data.x, &data.source)?;
    let threads = a.threads.unwrap_or_else(dualpath::available_threads);
    let out = match a.float {
        Float::F64 => {
            check_forward_finite(&model.network, &x, &data.source)?;
            a.path
                .forward_on(&model.network, &x, threads)?
                .output()
                .clone()
        }
        Float::F32 => {
            let net = model.network.cast::<f32>();
            let x = x.map(f32::of_f64);
            if x.iter().any(|v| !v.is_finite()) {
                return Err(Failure::input(format!(
                    "{}: a value does not fit in f32; predict in f64",
                    data.source
                )));
            }
            check_forward_finite(&net, &x, &data.source)?;
            a.path
                .forward_on(&net, &x, threads)?
                .output()
                .map(|v| v.as_f64())
        }
    };
    let out = &out;
    let g = model.network.output_activation();
    let loss = model.loss;
    // What the outputs are: class probabilities (a softmax, or logits of a
    // categorical loss), independent probabilities (a sigmoid, or logits of
    // binary cross-entropy), or plain values.
    let classes = g == Activation::Softmax || loss.is_some_and(|l| !l.is_elementwise());
    let binary =
        g == Activation::Sigmoid || loss.is_some_and(|l| l.from_logits() && l.is_elementwise());
    let p = model.probabilities(out);
    let n_out = out.ncols();
    let mut text = String::new();
    if classes {
        let mut header: Vec<String> = (0..n_out).map(|j| format!("probability_{j}")).collect();
        header.push("class".into());
        text.push_str(&(header.join(",") + "\n"));
        for i in 0..p.nrows() {
            let mut row: Vec<String> = p.row(i).iter().map(|&v| shortest(v)).collect();
            row.push(argmax_row(&p, i).to_string());
            text.push_str(&(row.join(",") + "\n"));
        }
    } else {
        let name = |j: usize| {
            if n_out == 1 {
                String::new()
            } else {
                format!("_{}", j + 1)
            }
        };
        let mut header = Vec::new();
        for j in 0..n_out {
            let what = if binary { "probability" } else { "output" };
            header.push(format!("{what}{}", name(j)));
            if binary {
                header.push(format!("decision{}", name(j)));
            }
        }
        text.push_str(&(header.join(",") + "\n"));
        for i in 0..p.nrows() {
            let mut row = Vec::new();
            for j in 0..n_out {
                let v = p[(i, j)];
                row.push(shortest(v));
                if binary {
                    row.push(u8::from(v > 0.5).to_string());
                }
            }
            text.push_str(&(row.join(",") + "\n"));
        }
    }
    print!("{text}");
    Ok(())
}

/// `v` in the fewest digits that read back as the same `f64`, as Python's
/// `repr` and Keras print it: `0.25`, and `3.031601279899916e-8` rather than
/// `0.00000003031601279899916` for the very small (and the very large).
fn shortest(v: f64) -> String {
    let a = v.abs();
    if a != 0.0 && !(1e-4..1e16).contains(&a) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}
