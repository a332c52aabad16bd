//! Training (`dualpath::train`), in one test binary:
//!
//! - `fit`: `fit` against arithmetic done by hand, against itself, and
//!   across the two paths;
//! - `allocations`: after the first step, a training step allocates nothing.
//!
//! `allocations` installs a counting global allocator, which every test of
//! this binary then runs on; it counts per thread, so tests running beside
//! it on other threads do not disturb its counts.
//!
//! Run one with `cargo test --test training allocations` (any part of a
//! test's name filters, as usual).

#[path = "../common/mod.rs"]
mod common;

mod allocations;
mod fit;
