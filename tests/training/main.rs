//! Training (`dualpath::train`): `fit` checked against arithmetic done by
//! hand, against itself, and across the two paths, in one test binary:
//!
//! - `optimizers`: a few steps of gradient descent and of Adam on a one-unit
//!   network, recomputed in plain `f64` from the formulas (the course's
//!   logistic-regression gradient, Keras' Adam), never from the crate;
//! - `fit`: each epoch's loss is the batch-size-weighted mean of the losses
//!   its batches had *before* their updates, as Keras reports it; shuffling
//!   is reproducible and row order kept without it; the loss goes down;
//! - `agreement`: training on the loop path and on the matrix path from the
//!   same start ends with weights that differ by no more than the per-step
//!   rounding bound (`dualpath::proof::bounds`), carried through the
//!   training; `f32` follows `f64`;
//! - `errors`: settings and data `fit` refuses, divergence and overflow;
//! - `resume`: 4 epochs, then 4 more from where they left off (the
//!   optimizer's state, the shuffling), equal 8 epochs in one run, bit for bit;
//! - `stopping`: a progress callback that stops `fit` early, and what the
//!   weights and the history then hold;
//! - `record`: the training `explore` replays holds the weights `fit`
//!   reaches at each snapshot;
//! - `allocations`: after the first step, a training step allocates nothing;
//! - `helpers`: what the modules above share.
//!
//! `allocations` installs a counting global allocator, which every test of
//! this binary then runs on; it counts per thread, so tests running beside
//! it on other threads do not disturb its counts.
//!
//! Run one with `cargo test --test training optimizers` (any part of a
//! test's name filters, as usual).

#[path = "../common/mod.rs"]
mod common;

mod agreement;
mod allocations;
mod errors;
mod fit;
mod helpers;
mod optimizers;
mod record;
mod resume;
mod stopping;
