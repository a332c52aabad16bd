//! `dualpath summary`: Keras' `model.summary()` table for a model file.

use super::common::{CliResult, load_model};
use clap::Args;
use dualpath::io::summary::table;
use dualpath::speedup::Float;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct SummaryArgs {
    /// Model file (JSON, Keras layout).
    #[arg(long, value_name = "FILE.json")]
    model: PathBuf,
    /// The precision whose sizes the totals show: f64 (8 bytes a parameter) or f32 (4,
    /// Keras' default float32).
    #[arg(long, default_value = "f64", value_name = "f64|f32")]
    float: Float,
}

pub fn run(a: SummaryArgs) -> CliResult {
    let model = load_model(&a.model)?;
    let name = a.model.file_name().map_or_else(
        || a.model.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let bytes = match a.float {
        Float::F64 => 8,
        Float::F32 => 4,
    };
    print!("{}", table(&model, &name, bytes));
    Ok(())
}
