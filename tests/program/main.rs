//! The `dualpath` program and the errors a user meets, in one test binary:
//!
//! - `commands`: every command's happy path, and every kind of bad input
//!   answered with one clear line on stderr and exit code 2;
//! - `bad_input`: a battery of bad input, command by command;
//! - `errors`: every `Error` the library returns names the thing, the same
//!   on both paths.
//!
//! Run one with `cargo test --test program bad_input` (any part of a test's
//! name filters, as usual).

#[path = "../common/mod.rs"]
mod common;

mod bad_input;
mod commands;
mod errors;
