//! Keras-like progress while training: a bar per epoch on a terminal, plain
//! lines otherwise; and Ctrl-C, which asks training to stop.

use super::common::{CliResult, Failure};
use dualpath::train::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How many times Ctrl-C (SIGINT), SIGTERM or SIGHUP has arrived.
static SIGNALS: AtomicUsize = AtomicUsize::new(0);

/// From now on, the first Ctrl-C (or SIGTERM, or SIGHUP) only asks to stop:
/// [`interrupted`] turns true, and the command stops when it next looks.
/// A second one ends the program at once with exit code 130, after removing
/// the temporary file of any write in progress (the file keeps its old
/// contents) and holding back any other write.
pub fn catch_interrupts() -> CliResult {
    ctrlc::set_handler(|| {
        if SIGNALS.fetch_add(1, Ordering::SeqCst) > 0 {
            // Kept until the process ends: no write starts or finishes.
            let _writes = dualpath::io::files::stop_writes();
            eprintln!("dualpath: interrupted again: stopped at once, nothing more written");
            std::process::exit(130);
        }
    })
    .map_err(|e| Failure::input(format!("cannot catch Ctrl-C: {e}")).with_code(1))
}

/// For a command with nothing to keep when stopped part way: from now on,
/// Ctrl-C (or SIGTERM, or SIGHUP) ends the program at once with exit code
/// 130, after removing the temporary file of any write in progress.
pub fn stop_at_once_on_interrupt() -> CliResult {
    ctrlc::set_handler(|| {
        let _writes = dualpath::io::files::stop_writes();
        // After the sweep's `\r` status line.
        eprintln!("\ndualpath: interrupted: stopped at once, nothing more written");
        std::process::exit(130);
    })
    .map_err(|e| Failure::input(format!("cannot catch Ctrl-C: {e}")).with_code(1))
}

/// Whether a Ctrl-C (or SIGTERM) has asked the command to stop.
pub fn interrupted() -> bool {
    SIGNALS.load(Ordering::SeqCst) > 0
}

/// What a training loop's progress callback answers: stop after this step
/// once Ctrl-C has been pressed.
pub fn go_on() -> ControlFlow<()> {
    if interrupted() {
        ControlFlow::Break(())
    } else {
        ControlFlow::Continue(())
    }
}

/// Shows one epoch at a time, like Keras' `fit(verbose=1)`.
pub struct EpochReporter {
    epochs: usize,
    bar: Option<ProgressBar>,
    plain: bool,
    indent: &'static str,
}

impl EpochReporter {
    /// A bar on stderr when it is a terminal and `quiet` is off; otherwise one
    /// plain line per epoch on stdout.
    pub fn new(epochs: usize, quiet: bool, indent: &'static str) -> Self {
        let plain = quiet || !std::io::stderr().is_terminal();
        EpochReporter {
            epochs,
            bar: None,
            plain,
            indent,
        }
    }

    /// Takes the bar off the terminal, for a run stopped part way.
    pub fn clear(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }

    /// Feeds one progress event from `fit_with_progress`.
    pub fn update(&mut self, p: Progress) {
        match p {
            Progress::Batch {
                epoch,
                done,
                of,
                loss,
                accuracy,
                mae,
            } => {
                if self.plain {
                    return;
                }
                let bar = self.bar.get_or_insert_with(|| {
                    let bar = ProgressBar::with_draw_target(
                        Some(of as u64),
                        ProgressDrawTarget::stderr_with_hz(15),
                    );
                    bar.set_style(
                        ProgressStyle::with_template("{prefix} {pos:>5}/{len:5} [{bar:30}] {msg}")
                            .expect("a valid template")
                            .progress_chars("=> "),
                    );
                    bar
                });
                bar.set_prefix(format!("{}Epoch {epoch}/{}", self.indent, self.epochs));
                bar.set_position(done as u64);
                bar.set_message(metrics(loss, accuracy, mae));
            }
            Progress::Epoch {
                epoch,
                loss,
                accuracy,
                val_loss,
                val_accuracy,
                mae,
                val_mae,
            } => {
                if let Some(bar) = self.bar.take() {
                    bar.finish_and_clear();
                }
                let mut line = metrics(loss, accuracy, mae);
                if let Some(v) = val_loss {
                    line.push_str(&format!(" - val_loss: {v:.4}"));
                }
                if let Some(v) = val_accuracy {
                    line.push_str(&format!(" - val_accuracy: {v:.4}"));
                }
                if let Some(v) = val_mae {
                    line.push_str(&format!(" - val_mae: {v:.4}"));
                }
                println!(
                    "{}Epoch {epoch:>w$}/{} - {line}",
                    self.indent,
                    self.epochs,
                    w = self.epochs.to_string().len()
                );
            }
        }
    }
}

/// `loss: 0.2140 - accuracy: 0.9500`, or `loss: … - mae: …` for mean squared error.
fn metrics(loss: f64, accuracy: Option<f64>, mae: Option<f64>) -> String {
    let mut line = format!("loss: {loss:.4}");
    if let Some(a) = accuracy {
        line.push_str(&format!(" - accuracy: {a:.4}"));
    }
    if let Some(m) = mae {
        line.push_str(&format!(" - mae: {m:.4}"));
    }
    line
}
