//! The course's own numbers on both paths, in one test binary (one build of
//! the crate's generic code for all of them, which keeps a fresh clone's
//! first `cargo test` short):
//!
//! - `course_checks`: week 1's assignment checks, parameter counts and
//!   initialisation;
//! - `data`: the labs' data sets (coffee, the softmax blobs, the digits),
//!   normalisation, the error measures and the week 3 split;
//! - `multiclass`: softmax and the categorical cross-entropies (week 2);
//! - `keras_reference`: Keras' own float64 numbers, matched on both paths;
//! - `regularization`: L2 on both paths (week 3);
//! - `shape_checks`: every kernel's shape check names both shapes.
//!
//! Run one with `cargo test --test course multiclass` (any part of a test's
//! name filters, as usual). Proptest keeps the failing cases of a module
//! `NAME` here in `tests/proptest-regressions/NAME.txt`.

#[path = "../common/mod.rs"]
mod common;

mod course_checks;
mod data;
mod keras_reference;
mod multiclass;
mod regularization;
mod shape_checks;
