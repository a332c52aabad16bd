//! `dualpath speedup`: a quick loop-versus-matrix timing sweep.

use super::common::{CliResult, Failure, Output, check_outputs};
use super::progress::stop_at_once_on_interrupt;
use clap::Args;
use std::io::IsTerminal;
use std::path::PathBuf;

/// The chart's name in the `--plot` folder.
const CHART: &str = "speedup.svg";

#[derive(Args, Debug)]
pub struct SpeedupArgs {
    /// Also draw speedup against problem size as an SVG chart: speedup.svg in this folder
    /// (created if missing), as train's --plot writes its charts into a folder.
    #[arg(long, value_name = "DIR")]
    plot: Option<PathBuf>,
    /// Time only the sizes whose label starts with this, e.g. `2-25-15-1` (the notes' network)
    /// or `1024-1024-1024_m256`.
    #[arg(long, value_name = "PREFIX", allow_hyphen_values = true)]
    only: Option<String>,
    /// Threads to compute on (default: the cores this process may use). Every number is the
    /// same, bit for bit, on any count; 1 computes on one core.
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = super::common::whole::<usize>(1, dualpath::MAX_THREADS as u64))]
    threads: Option<usize>,
}

pub fn run(a: SpeedupArgs) -> CliResult {
    use dualpath::speedup;
    if let Some(path) = &a.plot {
        check_outputs(&[], &[Output::Folder("--plot", path, &[CHART])], &[])?;
        // The sweep has nothing to keep, but its chart must not be left half written.
        stop_at_once_on_interrupt()?;
    }
    let mut sizes = speedup::sweep();
    if let Some(prefix) = &a.only {
        let labels: Vec<String> = sizes.iter().map(speedup::Size::label).collect();
        sizes.retain(|s| s.label().starts_with(prefix.as_str()));
        if sizes.is_empty() {
            return Err(Failure::input(format!(
                "--only {prefix:?}: no size of the sweep starts with it; the sizes are {}",
                labels.join(", ")
            )));
        }
    }
    println!(
        "A quick loop-versus-matrix sweep: a few repetitions per size, timed with the clock.\n\
         This is an estimate on a shared machine; `cargo bench` is the careful measurement."
    );
    // A line rewritten in place is for a terminal; in a file or a pipe it
    // would pile up as one long line of carriage returns.
    let terminal = std::io::stderr().is_terminal();
    let threads = a.threads.unwrap_or_else(dualpath::available_threads);
    if threads > 1 {
        println!("Both paths on {threads} threads (--threads 1 for one core).");
    }
    let rows = speedup::quick_sweep_on(&sizes, threads, |size| {
        if terminal {
            eprint!("\r  timing {:<40}", size.label());
        }
    })?;
    if terminal {
        eprint!("\r{:<50}\r", "");
    }
    print!("{}", speedup::format_table(&rows));
    if let Some(dir) = &a.plot {
        std::fs::create_dir_all(dir).map_err(|e| {
            Failure::input(format!(
                "{}: cannot create the directory: {e}",
                dir.display()
            ))
        })?;
        let path = dir.join(CHART);
        speedup::write_chart(&rows, "dualpath speedup (quick sweep)", &path)?;
        println!("Wrote {}", path.display());
    }
    Ok(())
}
