//! The `dualpath` program. Run it with no arguments for the tour; `--help` lists the commands.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
