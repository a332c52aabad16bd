//! The command line: argument parsing, the subcommands, and their error handling.

mod commands;
mod plot;
mod progress;
mod tour;

use clap::{Args, Parser, Subcommand};
use std::fmt;
use std::path::PathBuf;
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
    Train(commands::TrainArgs),
    /// Print a model's predictions for a CSV file, as CSV.
    Predict(commands::PredictArgs),
    /// One forward and backward pass, as JSON: loss, activations, gradients.
    Grad(commands::GradArgs),
    /// How far apart the two paths are, per layer and quantity, beside the bound.
    Compare(commands::CompareArgs),
    /// A quick loop-versus-matrix timing sweep (criterion is the careful one).
    Speedup(commands::SpeedupArgs),
}

/// Options shared by the commands that read a model and data.
#[derive(Args, Debug, Clone)]
pub struct ModelData {
    /// Model file (JSON, Keras layout).
    #[arg(long, value_name = "FILE.json")]
    model: Option<PathBuf>,
    /// Data: `coffee` (the course's built-in set) or a CSV file with a header.
    #[arg(long, value_name = "coffee|FILE.csv")]
    data: Option<String>,
    /// Target column(s) by name (repeatable or comma separated; default: the last column).
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    target: Vec<String>,
}

/// A failure the program reports in one line, with its exit code.
#[derive(Debug)]
pub struct Failure {
    message: String,
    code: u8,
}

impl Failure {
    /// Bad input: exit code 2.
    pub fn input(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            code: 2,
        }
    }

    /// The same failure with another exit code.
    pub fn with_code(mut self, code: u8) -> Self {
        self.code = code;
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<dualpath::Error> for Failure {
    fn from(e: dualpath::Error) -> Self {
        Failure::input(e.to_string())
    }
}

/// What every command returns.
pub type CliResult<T = ()> = Result<T, Failure>;

/// Parses the arguments, runs the command, and turns the outcome into an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command.unwrap_or(Command::Tour) {
        Command::Tour => tour::run(),
        Command::Train(a) => commands::train(a),
        Command::Predict(a) => commands::predict(a),
        Command::Grad(a) => commands::grad(a),
        Command::Compare(a) => commands::compare(a),
        Command::Speedup(a) => commands::speedup(a),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("dualpath: {f}");
            ExitCode::from(f.code)
        }
    }
}
