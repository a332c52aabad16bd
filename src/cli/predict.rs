//! `dualpath predict`: a model's outputs for a CSV file, as CSV.

use super::common::{CliResult, load_model, model_input};
use clap::Args;
use dualpath::data::{self, TargetChoice};
use dualpath::{Activation, Path};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct PredictArgs {
    /// Model file (JSON, Keras layout).
    #[arg(long, value_name = "FILE.json")]
    model: PathBuf,
    /// CSV file with a header: one column per feature (target columns named by --target are left out).
    #[arg(long, value_name = "FILE.csv")]
    data: PathBuf,
    /// Column(s) to leave out (e.g. the label), by name.
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    target: Vec<String>,
    /// The path that computes the pass.
    #[arg(long, default_value = "matrix")]
    path: Path,
}

pub fn run(a: PredictArgs) -> CliResult {
    let model = load_model(&a.model)?;
    let choice = if a.target.is_empty() {
        TargetChoice::None
    } else {
        TargetChoice::from_names(&a.target)
    };
    let data = data::read_csv_with(&a.data, &choice)?;
    let x = model_input(&model, &data.x, &data.source)?;
    let fwd = a.path.forward(&model.network, &x)?;
    let out = fwd.output();
    let sigmoid = model.network.output_activation() == Activation::Sigmoid;
    let n_out = out.ncols();
    let name = |j: usize| {
        if n_out == 1 {
            String::new()
        } else {
            format!("_{}", j + 1)
        }
    };
    let mut header = Vec::new();
    for j in 0..n_out {
        header.push(format!(
            "{}{}",
            if sigmoid { "probability" } else { "output" },
            name(j)
        ));
        if sigmoid {
            header.push(format!("decision{}", name(j)));
        }
    }
    let mut text = header.join(",") + "\n";
    for i in 0..out.nrows() {
        let mut row = Vec::new();
        for j in 0..n_out {
            let v = out[(i, j)];
            row.push(format!("{v}")); // shortest form that reads back to the same f64
            if sigmoid {
                row.push(u8::from(v > 0.5).to_string());
            }
        }
        text.push_str(&row.join(","));
        text.push('\n');
    }
    print!("{text}");
    Ok(())
}
