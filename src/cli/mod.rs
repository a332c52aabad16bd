//! The command line: argument parsing, the subcommands, and their error handling.

//!
//! One file per command (`train`, `predict`, `evaluate`, `summary`, `grad`,
//! `compare`, `speedup`, `trace`, `tour`, `explore`); none imports another. What they share lives below them, in
//! `common`, `fitting`, `names`, `plot` and `progress`.

mod common;
mod compare;
mod evaluate;
mod explore;
mod fitting;
mod grad;
mod names;
mod plot;
mod predict;
mod progress;
mod speedup;
mod summary;
mod tour;
mod trace;
mod train;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// A dense neural network computed twice, with per-unit loops and with matrices.
///
/// With no subcommand, runs the tour: the course notes' 2-25-15-1 network on the
/// coffee-roasting data, section by section, on both paths.
#[derive(Parser, Debug)]
#[command(name = "dualpath", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Walk through the notes on both paths (the default).
    Tour,
    /// Train a network (`model.fit`) and optionally save it.
    Train(Box<train::TrainArgs>),
    /// Print a model's predictions for a CSV file, as CSV.
    Predict(predict::PredictArgs),
    /// A model's loss and metric on data (`model.evaluate`): `loss: … - accuracy: …`.
    Evaluate(evaluate::EvaluateArgs),
    /// A model's layers, output shapes and parameter counts (`model.summary()`).
    Summary(summary::SummaryArgs),
    /// One forward and backward pass, as JSON: loss, activations, gradients.
    Grad(grad::GradArgs),
    /// How far apart the two paths are, per layer and quantity, beside the bound.
    Compare(compare::CompareArgs),
    /// A quick loop-versus-matrix timing sweep (criterion is the careful one).
    Speedup(speedup::SpeedupArgs),
    /// One example unit by unit: every z_j, a_j, dz_j, db_j and dW[:,j], on both paths.
    Trace(trace::TraceArgs),
    /// Write a page to look at and play with: training replayed, each unit's output over the
    /// inputs, any unit's arithmetic on both paths.
    ///
    /// Given no setting of the network or its training (only --data coffee, blobs or
    /// digits8x8, and --out, --seed, --path, --threads or a validation split), it uses the
    /// course lab's own: coffee, the notes' network with --normalize --repeat 1000 --lr 0.01;
    /// blobs, the Softmax lab's 25:relu,15:relu,4:linear with scce from logits; digits8x8, the
    /// digits assignment's 25:relu,15:relu,10:linear with scce from logits, 20 epochs. Any
    /// other setting takes train's defaults for the rest.
    Explore(Box<explore::ExploreArgs>),
}

/// Parses the arguments, runs the command, and turns the outcome into an exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => match common::value_error(&e) {
            Some(line) => {
                eprintln!("dualpath: {line}");
                return ExitCode::from(2);
            }
            None => e.exit(),
        },
    };
    let outcome = match cli.command.unwrap_or(Command::Tour) {
        Command::Tour => tour::run(),
        Command::Train(a) => train::run(*a),
        Command::Predict(a) => predict::run(a),
        Command::Evaluate(a) => evaluate::run(a),
        Command::Summary(a) => summary::run(a),
        Command::Grad(a) => grad::run(a),
        Command::Compare(a) => compare::run(a),
        Command::Speedup(a) => speedup::run(a),
        Command::Trace(a) => trace::run(a),
        Command::Explore(a) => explore::run(*a),
    };
    // Notes (an old model file read by position) follow the work; a run
    // refused for bad input says only what was wrong, in one line.
    if !matches!(&outcome, Err(f) if f.code == 2) {
        for line in common::take_notes() {
            eprintln!("dualpath: note: {line}");
        }
    }
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("dualpath: {f}");
            ExitCode::from(f.code)
        }
    }
}
