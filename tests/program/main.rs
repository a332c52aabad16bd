//! The `dualpath` program and the errors a user meets, in one test binary:
//!
//! - `commands`: every command's happy path;
//! - `evaluate`: `evaluate` and `summary` beside Keras' own numbers and table;
//! - `explore`: the page is one file, and its numbers are both paths' own;
//! - `mistakes`: every kind of bad input answered with one clear line on
//!   stderr and exit code 2, never a panic;
//! - `weeks`: the program on weeks 2 and 3 (multiclass, validation, L2) and
//!   their mistakes;
//! - `bad_input`: a battery of bad input, command by command;
//! - `errors`: every `Error` the library returns names the thing, the same
//!   on both paths;
//! - `outputs`: no output may name an input or another output, however it
//!   is spelled, and every output is checked before training;
//! - `misread`: nothing in a file is read as something else: columns by
//!   name, a model's own loss, a missing header, another separator, every
//!   form of a negative number, a file that is not data;
//! - `docs_commands`: every `sh` block of the README and of `docs/` runs,
//!   in order, against the built program;
//! - `readable`: what `trace`, `compare` and `speedup` print says what it is;
//! - `repeat`: `train --repeat`, the rows tiled as the coffee lab tiles them;
//! - `resume`: `train --model` continues a run exactly (the optimizer's state);
//! - `threads`: `--threads` on every command that computes: the same bytes
//!   on one thread and on two, and a count out of range refused;
//! - `interrupts`: Ctrl-C and SIGTERM during `train` keep the weights so far;
//! - `helpers`: running the program, shared by the modules above.
//!
//! Run one with `cargo test --test program bad_input` (any part of a test's
//! name filters, as usual).

#[path = "../common/mod.rs"]
mod common;

mod bad_input;
mod commands;
mod docs_commands;
mod errors;
mod evaluate;
mod explore;
mod helpers;
#[cfg(unix)]
mod interrupts;
mod misread;
mod mistakes;
mod outputs;
mod readable;
mod repeat;
mod resume;
mod threads;
mod weeks;
