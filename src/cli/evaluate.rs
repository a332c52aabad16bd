//! `dualpath evaluate`: a model's loss and metric on data (`model.evaluate`).

use super::common::{
    CliResult, Failure, FileLimit, check_forward_finite, check_loss, data_for_model, load_model,
    loss_for, model_input,
};
use super::names::column_name;
use clap::Args;
use dualpath::nn::loss::LossKind;
use dualpath::speedup::Float;
use dualpath::train::{Evaluation, evaluate_batches_on};
use dualpath::{Loss, Network, Path, Real, matrix, sequential};
use nalgebra::DMatrix;
use serde_json::json;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct EvaluateArgs {
    /// Model file (JSON, Keras layout).
    #[arg(long, value_name = "FILE.json")]
    model: PathBuf,
    /// Data: `coffee`, `blobs`, `digits8x8` (built in) or a CSV file with a header. The
    /// model's features are taken by name, in any order.
    #[arg(long, value_name = "coffee|blobs|digits8x8|FILE.csv")]
    data: String,
    /// Target column(s) by name (repeatable or comma separated; default: the model's
    /// recorded targets, else the last column).
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    target: Vec<String>,
    /// Loss: bce, mse, scce or cce (default: the loss the model was saved with, else bce).
    #[arg(long)]
    loss: Option<Loss>,
    /// Keras' `from_logits=True`: the last layer's outputs are logits.
    #[arg(long)]
    from_logits: bool,
    /// Examples per forward pass (Keras' evaluate default, 32). The loss is the mean of
    /// the batches' losses weighted by their sizes, as Keras reports it.
    #[arg(long, default_value_t = 32, allow_hyphen_values = true, value_parser = super::common::whole::<usize>(1, u64::MAX))]
    batch_size: usize,
    /// The path that computes the passes: sequential (loops) or matrix.
    #[arg(long, default_value = "matrix")]
    path: Path,
    /// Threads to compute on (default: the cores this process may use). Every number is the
    /// same, bit for bit, on any count; 1 computes on one core.
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = super::common::whole::<usize>(1, dualpath::MAX_THREADS as u64))]
    threads: Option<usize>,
    /// The precision to compute in: f64, or f32 (Keras' default, float32).
    #[arg(long, default_value = "f64", value_name = "f64|f32")]
    float: Float,
    /// One JSON object with every number in full: {"loss": …, "accuracy": …}.
    #[arg(long)]
    json: bool,
    /// Also the course's week 3 error on the data: `eval_mse`, half the mean squared
    /// error (for mse), or `eval_cat_err`, the fraction misclassified (for the
    /// cross-entropies: the largest output's class, or a probability of 0.5 and above
    /// for bce), computed by the --path's version of the course's function.
    #[arg(long)]
    course_error: bool,
    #[command(flatten)]
    limit: FileLimit,
}

pub fn run(a: EvaluateArgs) -> CliResult {
    let model = load_model(&a.model)?;
    let loss = loss_for(a.loss, a.from_logits, Some(&model))?;
    let data = data_for_model(
        &model,
        &a.model,
        &a.data,
        &a.target,
        true,
        a.limit.max_file_size,
    )?;
    if data.y.ncols() == 0 {
        return Err(Failure::input(format!(
            "{}: no target column to evaluate against",
            data.source
        )));
    }
    check_loss(&model.network, &data, loss)?;
    let x = model_input(&model, &data.x, &data.source)?;
    let threads = a.threads.unwrap_or_else(dualpath::available_threads);
    let (e, outputs) = match a.float {
        Float::F64 => {
            check_forward_finite(&model.network, &x, &data.source)?;
            (
                evaluate_batches_on(
                    &model.network,
                    &x,
                    &data.y,
                    loss,
                    a.path,
                    a.batch_size,
                    threads,
                )?,
                outputs_if(a.course_error, &model.network, &x, a.path)?,
            )
        }
        Float::F32 => {
            let net = model.network.cast::<f32>();
            let x = rounded::<f32>(&x, &data.source, &data.feature_names)?;
            let y = rounded::<f32>(&data.y, &data.source, &data.target_names)?;
            check_forward_finite(&net, &x, &data.source)?;
            (
                evaluate_batches_on(&net, &x, &y, loss, a.path, a.batch_size, threads)?,
                outputs_if(a.course_error, &net, &x, a.path)?,
            )
        }
    };
    if !e.loss.is_finite() {
        return Err(Failure::input(format!(
            "{}: the loss is {} (the outputs are too extreme for {}); evaluate in f64",
            data.source,
            e.loss,
            a.float.name()
        )));
    }
    let course = match outputs {
        Some(out) => Some(course_error(&out, &data.y, loss, a.path, &data.source)?),
        None => None,
    };
    println!(
        "{}",
        if a.json {
            as_json(&e, course)
        } else {
            keras_line(&e, course)
        }
    );
    Ok(())
}

/// The network's outputs on `x` as `f64`, when the course's error is asked for.
fn outputs_if<T: Real>(
    wanted: bool,
    net: &Network<T>,
    x: &DMatrix<T>,
    path: Path,
) -> CliResult<Option<DMatrix<f64>>> {
    if !wanted {
        return Ok(None);
    }
    Ok(Some(path.forward(net, x)?.output().map(Real::as_f64)))
}

/// The course's week 3 error of `outputs` against the targets `y`, by the
/// course function of `path` (the loop or the vectorised one): its name and
/// value. `eval_mse` for mean squared error, `eval_cat_err` for the
/// cross-entropies, each on one output column (bce, mse) or one class per row.
fn course_error(
    outputs: &DMatrix<f64>,
    y: &DMatrix<f64>,
    loss: Loss,
    path: Path,
    source: &str,
) -> CliResult<(&'static str, f64)> {
    let one_column = |name: &str| {
        if outputs.ncols() == 1 && y.ncols() == 1 {
            Ok(())
        } else {
            Err(Failure::input(format!(
                "{source}: {name} compares one output with one target; the model has {} outputs \
                 and the data {} targets",
                outputs.ncols(),
                y.ncols()
            )))
        }
    };
    // The class a row of numbers names: its largest entry, the first on a tie
    // (NumPy's argmax, the assignment's model_predict).
    let argmax = |m: &DMatrix<f64>, i: usize| {
        (0..m.ncols()).fold(0, |b, j| if m[(i, j)] > m[(i, b)] { j } else { b })
    };
    let m = outputs.nrows();
    let (yhat, classes): (Vec<usize>, Vec<usize>) = match loss.kind() {
        LossKind::MeanSquaredError => {
            one_column("eval_mse")?;
            let (t, p) = (y.as_slice(), outputs.as_slice());
            let err = match path {
                Path::Sequential => sequential::eval_mse(t, p),
                Path::Matrix => matrix::eval_mse(t, p),
            };
            return Ok(("eval_mse", err));
        }
        LossKind::BinaryCrossentropy => {
            one_column("eval_cat_err")?;
            // A probability of 0.5 or more is a 1, as the labs decide; on
            // logits that is z ≥ 0.
            let cut = if loss.from_logits() { 0.0 } else { 0.5 };
            let yhat = outputs.iter().map(|&a| usize::from(a >= cut)).collect();
            let classes = y.iter().map(|&v| usize::from(v >= 0.5)).collect();
            (yhat, classes)
        }
        LossKind::SparseCategoricalCrossentropy => (
            (0..m).map(|i| argmax(outputs, i)).collect(),
            // Class ids were checked to be whole numbers in range with the loss.
            y.iter().map(|&v| v as usize).collect(),
        ),
        LossKind::CategoricalCrossentropy => (
            (0..m).map(|i| argmax(outputs, i)).collect(),
            (0..m).map(|i| argmax(y, i)).collect(),
        ),
    };
    let err = match path {
        Path::Sequential => sequential::eval_cat_err(&classes, &yhat),
        Path::Matrix => matrix::eval_cat_err(&classes, &yhat),
    };
    Ok(("eval_cat_err", err))
}

/// Keras' progress-bar line: `loss: 0.2140 - accuracy: 0.9500`, four decimals,
/// and the course's error after it when asked for (`- eval_cat_err: 0.2500`).
fn keras_line(e: &Evaluation, course: Option<(&str, f64)>) -> String {
    let mut line = format!("loss: {:.4}", e.loss);
    if let Some(v) = e.accuracy {
        line.push_str(&format!(" - accuracy: {v:.4}"));
    }
    if let Some(v) = e.mae {
        line.push_str(&format!(" - mae: {v:.4}"));
    }
    if let Some((name, v)) = course {
        line.push_str(&format!(" - {name}: {v:.4}"));
    }
    line
}

/// `evaluate(return_dict=True)`: every number in full (the shortest text
/// that reads back as the same `f64`).
fn as_json(e: &Evaluation, course: Option<(&str, f64)>) -> String {
    let mut j = json!({"loss": e.loss});
    if let Some(v) = e.accuracy {
        j["accuracy"] = json!(v);
    }
    if let Some(v) = e.mae {
        j["mae"] = json!(v);
    }
    if let Some((name, v)) = course {
        j[name] = json!(v);
    }
    j.to_string()
}

/// `m` rounded to `T`, refused when a value does not fit in it.
fn rounded<T: Real>(m: &DMatrix<f64>, source: &str, names: &[String]) -> CliResult<DMatrix<T>> {
    let t = m.map(T::of_f64);
    match t.iter().position(|v| !v.is_finite()) {
        None => Ok(t),
        Some(k) => Err(Failure::input(format!(
            "{source}: row {}, {}: {} does not fit in {}; evaluate in f64",
            k % m.nrows() + 1,
            column_name(names, k / m.nrows()),
            m[(k % m.nrows(), k / m.nrows())],
            T::NAME
        ))),
    }
}
