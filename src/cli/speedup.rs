//! `dualpath speedup`: a quick loop-versus-matrix timing sweep.

use super::common::{CliResult, check_writable_dir};
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct SpeedupArgs {
    /// Also draw speedup against problem size as an SVG chart.
    #[arg(long, value_name = "FILE.svg")]
    plot: Option<PathBuf>,
}

pub fn run(a: SpeedupArgs) -> CliResult {
    use dualpath::speedup;
    if let Some(path) = &a.plot {
        check_writable_dir(path)?;
    }
    println!(
        "A quick loop-versus-matrix sweep: a few repetitions per size, timed with the clock.\n\
         This is an estimate on a shared machine; `cargo bench` is the careful measurement."
    );
    let rows = speedup::quick_sweep(&speedup::sweep(), |size| {
        eprint!("\r  timing {:<40}", size.label());
    })?;
    eprintln!("\r{:<50}", "");
    print!("{}", speedup::format_table(&rows));
    if let Some(path) = &a.plot {
        speedup::write_chart(&rows, "dualpath speedup (quick sweep)", path)?;
        println!("Wrote {}", path.display());
    }
    Ok(())
}
