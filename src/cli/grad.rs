//! `dualpath grad`: one forward and backward pass, as JSON.

use super::common::{
    CliResult, Failure, FileLimit, check_loss, data_for_model, load_model, loss_for, model_input,
};
use clap::Args;
use dualpath::speedup::Float;
use dualpath::{Loss, Network, Path, Real};
use nalgebra::DMatrix;
use serde_json::{Value, json};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct GradArgs {
    /// Model file (JSON, Keras layout).
    #[arg(long, value_name = "FILE.json")]
    model: PathBuf,
    /// Data: `coffee`, `blobs`, `digits8x8` (built in) or a CSV file with a header.
    #[arg(long, value_name = "coffee|blobs|digits8x8|FILE.csv")]
    data: String,
    /// Target column(s) by name (default: the model's recorded targets, else the last column).
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    target: Vec<String>,
    /// Loss: bce, mse, scce or cce (default: the model's own, else bce).
    #[arg(long)]
    loss: Option<Loss>,
    /// Keras' `from_logits=True`: the last layer is linear and its outputs are logits
    /// (a sigmoid or softmax is applied inside the loss).
    #[arg(long)]
    from_logits: bool,
    /// The path that computes the pass.
    #[arg(long, default_value = "matrix")]
    path: Path,
    /// Threads to compute on (default: the cores this process may use). Every number is the
    /// same, bit for bit, on any count; 1 computes on one core.
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = super::common::whole::<usize>(1, dualpath::MAX_THREADS as u64))]
    threads: Option<usize>,
    /// The precision to compute in: f64, or f32 (Keras' default, float32); printed as f64
    /// text either way (every f32 is exactly an f64).
    #[arg(long, default_value = "f64", value_name = "f64|f32")]
    float: Float,
    /// Print the JSON indented, one value per line, for reading (default: one line, for
    /// piping into other tools).
    #[arg(long)]
    pretty: bool,
    #[command(flatten)]
    limit: FileLimit,
}

fn rows<T: Real>(m: &DMatrix<T>) -> Value {
    Value::Array(
        m.row_iter()
            .map(|r| Value::Array(r.iter().map(|v| json!(v.as_f64())).collect()))
            .collect(),
    )
}

pub fn run(a: GradArgs) -> CliResult {
    let model = load_model(&a.model)?;
    let data = data_for_model(
        &model,
        &a.model,
        &a.data,
        &a.target,
        true,
        a.limit.max_file_size,
    )?;
    let x = model_input(&model, &data.x, &data.source)?;
    let loss_fn = loss_for(a.loss, a.from_logits, Some(&model))?;
    check_loss(&model.network, &data, loss_fn)?;
    let threads = a.threads.unwrap_or_else(dualpath::available_threads);
    let json = match a.float {
        Float::F64 => pass(
            &model.network,
            &x,
            &data.y,
            &data.source,
            a.path,
            loss_fn,
            threads,
        )?,
        Float::F32 => {
            let (x, y) = (x.map(f32::of_f64), data.y.map(f32::of_f64));
            if x.iter().chain(y.iter()).any(|v| !v.is_finite()) {
                return Err(Failure::input(format!(
                    "{}: a value does not fit in f32; compute in f64",
                    data.source
                )));
            }
            pass(
                &model.network.cast::<f32>(),
                &x,
                &y,
                &data.source,
                a.path,
                loss_fn,
                threads,
            )?
        }
    };
    if a.pretty {
        let text = serde_json::to_string_pretty(&json)
            .map_err(|e| Failure::input(format!("the gradients as JSON: {e}")))?;
        println!("{text}");
    } else {
        println!("{json}");
    }
    Ok(())
}

/// One forward and backward pass in `T`, as the JSON `grad` prints.
fn pass<T: Real>(
    net: &Network<T>,
    x: &DMatrix<T>,
    y: &DMatrix<T>,
    source: &str,
    path: Path,
    loss_fn: Loss,
    threads: usize,
) -> CliResult<Value> {
    let fwd = path.forward_on(net, x, threads)?;
    let grads = path.backward_on(net, &fwd, y, loss_fn, threads)?;
    let loss = dualpath::paths::walk::total_loss(net, loss_fn, fwd.output_z(), fwd.output(), y);
    let all_finite = loss.is_finite()
        && fwd
            .layers()
            .iter()
            .all(|c| c.z.iter().chain(c.a.iter()).all(|v| v.is_finite()))
        && grads
            .layers
            .iter()
            .all(|g| g.dw.iter().chain(g.db.iter()).all(|v| v.is_finite()));
    if !all_finite {
        return Err(Failure::input(format!(
            "{source}: the pass overflowed (a value is infinite); the inputs or weights are too large for {} outputs{}",
            net.output_activation(),
            if T::NAME == "f32" { " in f32" } else { "" }
        )));
    }
    Ok(json!({
        "loss": loss.as_f64(),
        "output": rows(fwd.output()),
        "activations": fwd.layers().iter().map(|c| rows(&c.a)).collect::<Vec<_>>(),
        "preactivations": fwd.layers().iter().map(|c| rows(&c.z)).collect::<Vec<_>>(),
        "grads": grads.layers.iter().map(|g| json!({
            "kernel": rows(&g.dw),
            "bias": g.db.iter().map(|v| v.as_f64()).collect::<Vec<f64>>(),
        })).collect::<Vec<_>>(),
        "path": path.name(),
        "loss_function": loss_fn.name(),
    }))
}
