//! Weeks 2 and 3 of the course on both paths, in one test binary (one build
//! of the crate's generic code for all four, which keeps a fresh clone's
//! first `cargo test` short):
//!
//! - `multiclass`: softmax and the categorical cross-entropies;
//! - `keras_reference`: Keras' own float64 numbers, matched on both paths;
//! - `regularization`: L2 on both paths;
//! - `shape_checks`: every kernel's shape check names both shapes.
//!
//! Run one with `cargo test --test weeks multiclass` (any part of a test's
//! name filters, as usual).

#[path = "../common/mod.rs"]
mod common;

mod keras_reference;
mod multiclass;
mod regularization;
mod shape_checks;
