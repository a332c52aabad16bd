//! The `dualpath` program. Run it with no arguments for the tour; `--help` lists the commands.

mod cli;

fn main() -> std::process::ExitCode {
    restore_default_sigpipe();
    cli::main()
}

/// A closed pipe (`dualpath predict ... | head`) ends the program quietly,
/// as it ends `cat` or `grep`, instead of making `println!` panic: Rust
/// programs start with SIGPIPE ignored, so a write to a closed pipe fails,
/// and `println!` panics on a failed write.
fn restore_default_sigpipe() {
    #[cfg(unix)]
    {
        const SIGPIPE: std::ffi::c_int = 13;
        const SIG_DFL: usize = 0;
        unsafe extern "C" {
            fn signal(signum: std::ffi::c_int, handler: usize) -> usize;
        }
        // SAFETY: signal(2) with SIG_DFL only restores the default action,
        // before any thread or pipe exists.
        unsafe {
            signal(SIGPIPE, SIG_DFL);
        }
    }
}
