//! `dualpath grad`: one forward and backward pass, as JSON.

use super::common::{
    CliResult, Failure, FileLimit, check_loss, data_for_model, load_model, loss_for, model_input,
};
use clap::Args;
use dualpath::{Loss, Path};
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
    #[command(flatten)]
    limit: FileLimit,
}

fn rows(m: &DMatrix<f64>) -> Value {
    Value::Array(
        m.row_iter()
            .map(|r| Value::Array(r.iter().map(|&v| json!(v)).collect()))
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
    let net = &model.network;
    let loss_fn = loss_for(a.loss, a.from_logits, Some(&model))?;
    check_loss(net, &data, loss_fn)?;
    let fwd = a.path.forward(net, &x)?;
    let grads = a.path.backward(net, &fwd, &data.y, loss_fn)?;
    let loss =
        dualpath::paths::walk::total_loss(net, loss_fn, fwd.output_z(), fwd.output(), &data.y);
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
            "{}: the pass overflowed (a value is infinite); the inputs or weights are too large for {} outputs",
            data.source,
            net.output_activation()
        )));
    }
    let json = json!({
        "loss": loss,
        "output": rows(fwd.output()),
        "activations": fwd.layers().iter().map(|c| rows(&c.a)).collect::<Vec<_>>(),
        "preactivations": fwd.layers().iter().map(|c| rows(&c.z)).collect::<Vec<_>>(),
        "grads": grads.layers.iter().map(|g| json!({
            "kernel": rows(&g.dw),
            "bias": g.db.iter().copied().collect::<Vec<f64>>(),
        })).collect::<Vec<_>>(),
        "path": a.path.name(),
        "loss_function": loss_fn.name(),
    });
    println!("{json}");
    Ok(())
}
