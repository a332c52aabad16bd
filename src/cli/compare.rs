//! `dualpath compare`: how far apart the two paths are, per layer and quantity, beside the bound.

use super::common::{
    CliResult, Failure, ModelData, check_forward_finite, check_loss, loss_for, model_input,
};
use clap::Args;
use dualpath::proof::compare::{self, QUANTITIES};
use dualpath::{Loss, Network, Real};
use nalgebra::DMatrix;

#[derive(Args, Debug)]
pub struct CompareArgs {
    #[command(flatten)]
    input: ModelData,
    /// Loss: bce, mse, scce or cce (default: the model's own, else bce).
    #[arg(long)]
    loss: Option<Loss>,
    /// Keras' `from_logits=True`: the last layer is linear and its outputs are logits.
    #[arg(long)]
    from_logits: bool,
    /// Float type to compute in: f64 or f32.
    #[arg(long, default_value = "f64", value_parser = ["f64", "f32"])]
    float: String,
}

pub fn run(a: CompareArgs) -> CliResult {
    let (model, data) = a.input.load()?;
    let x = model_input(&model, &data.x, &data.source)?;
    let loss = loss_for(a.loss, a.from_logits, Some(&model))?;
    check_loss(&model.network, &data, loss)?;
    println!(
        "Comparing the paths on {:?} with {} loss over {} ({} rows), in {}.",
        model.network.widths(),
        loss,
        data.source,
        x.nrows(),
        a.float
    );
    let ok = if a.float == "f32" {
        comparison_table::<f32>(
            &model.network.cast(),
            &x.map(|v| v as f32),
            &data.y.map(|v| v as f32),
            loss,
            &data.source,
        )?
    } else {
        comparison_table(&model.network, &x, &data.y, loss, &data.source)?
    };
    if ok {
        Ok(())
    } else {
        Err(Failure {
            message: "a difference exceeded its rounding bound: this is a bug".into(),
            code: 1,
        })
    }
}

/// Prints the full comparison (every quantity of every layer, and `J`);
/// returns whether every difference is within its bound.
fn comparison_table<T: Real>(
    net: &Network<T>,
    x: &DMatrix<T>,
    y: &DMatrix<T>,
    loss: Loss,
    source: &str,
) -> CliResult<bool> {
    check_forward_finite(net, x, source)?;
    let rows = compare::rows(net, x, y, loss)?;
    print!("{}", compare::table(&rows, &QUANTITIES, ""));
    Ok(compare::worst(&rows).holds())
}
