//! `dualpath train`: `model.fit` on either path, then save the model, the history and charts.

use super::common::{CliResult, Failure, Output, check_outputs, write_text};
use super::fitting::{Defaults, FitFlags};
use super::plot;
use super::progress::{EpochReporter, catch_interrupts, go_on, interrupted};
use clap::Args;
use dualpath::io::model::Training;
use serde_json::json;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct TrainArgs {
    #[command(flatten)]
    fit: FitFlags,
    /// Save the trained model here (JSON).
    #[arg(long, value_name = "FILE.json")]
    save: Option<PathBuf>,
    /// Save the history here: {"loss": [...], "accuracy": [...], "val_loss": [...], ...}.
    #[arg(long, value_name = "FILE.json")]
    history: Option<PathBuf>,
    /// Write SVG charts here: the loss curve, and the decision boundary for two-feature data.
    #[arg(long, value_name = "DIR")]
    plot: Option<PathBuf>,
    /// One plain line per epoch, no progress bar.
    #[arg(long)]
    quiet: bool,
}

pub fn run(a: TrainArgs) -> CliResult {
    let plan = a.fit.plan(Defaults::TRAIN)?;
    check_paths(&a)?;
    // From here on, Ctrl-C stops training and keeps what it has learned.
    catch_interrupts()?;
    let mut p = plan.prepare(&a.fit)?;
    println!("{}", p.describe(a.fit.float));
    // Keras' model.summary(), in one line.
    println!("  {}", dualpath::io::summary::brief(&p.model));
    if interrupted() {
        return Err(
            Failure::input("interrupted before training began; nothing was written").with_code(130),
        );
    }
    let mut reporter = EpochReporter::new(p.settings.epochs, a.quiet, "");
    let history = p.fit(a.fit.float, |e| {
        reporter.update(e);
        go_on()
    })?;
    reporter.clear();
    let model = &mut p.model;
    model.loss = Some(p.settings.loss); // what the outputs mean, for predict
    // The columns it learned from, so that data is read by name from now on.
    model.feature_names = Some(p.data.feature_names.clone());
    model.target_names = Some(p.data.target_names.clone());
    model.training = Some(Training {
        resume: p.resume.clone(),
        seed: p.seed,
    });
    let mut saved = Vec::new();
    if let Some(path) = &a.save {
        model.save(path)?;
        println!("Saved the model to {}", path.display());
        let what = if history.stopped.is_some() {
            "the weights so far"
        } else {
            "the model"
        };
        saved.push(format!("{what} to {}", path.display()));
    }
    if let Some(path) = &a.history {
        let mut json = json!({"loss": history.loss, "accuracy": history.accuracy});
        if let Some(s) = history.stopped {
            json["stopped"] = json!({
                "epoch": s.epoch, "of": p.settings.epochs, "step": s.step, "steps": s.steps
            });
        }
        if !history.mae.is_empty() {
            json["mae"] = json!(history.mae);
        }
        if p.validation.is_some() {
            json["val_loss"] = json!(history.val_loss);
            if !history.val_accuracy.is_empty() {
                json["val_accuracy"] = json!(history.val_accuracy);
            }
            if !history.val_mae.is_empty() {
                json["val_mae"] = json!(history.val_mae);
            }
        }
        write_text(path, &format!("{json:#}\n"))?;
        println!("Saved the history to {}", path.display());
        saved.push(format!("the history to {}", path.display()));
    }
    if let Some(dir) = &a.plot {
        let files = plot::training_charts(dir, &history, model, &p.data)?;
        for f in files {
            println!("Wrote {}", f.display());
        }
        saved.push(format!("the charts to {}", dir.display()));
    }
    let saved = match saved.as_slice() {
        [] => "nothing was saved (no --save, --history or --plot)".to_string(),
        [one] => format!("saved {one}"),
        [first @ .., last] => format!("saved {} and {last}", first.join(", ")),
    };
    match history.stopped {
        Some(s) => Err(Failure::input(format!(
            "interrupted at epoch {} of {}, step {} of {}: {saved}",
            s.epoch, p.settings.epochs, s.step, s.steps
        ))
        .with_code(130)),
        // A Ctrl-C after the last step, while saving: everything is written.
        None if interrupted() => {
            Err(Failure::input(format!("interrupted after the last epoch: {saved}")).with_code(130))
        }
        None => Ok(()),
    }
}

/// Refuses, before any work, outputs that name an input or each other, and
/// outputs that cannot be written (see [`check_outputs`]). `--save` may name
/// the `--model` file: that continues a model in place.
fn check_paths(a: &TrainArgs) -> CliResult {
    let inputs = a.fit.inputs();
    let mut outputs = Vec::new();
    if let Some(path) = &a.save {
        outputs.push(Output::File("--save", path));
    }
    if let Some(path) = &a.history {
        outputs.push(Output::File("--history", path));
    }
    if let Some(dir) = &a.plot {
        outputs.push(Output::Folder("--plot", dir, &plot::TRAINING_CHARTS));
    }
    check_outputs(&inputs, &outputs, &[("--save", "--model")])
}
