//! The proofs that the two paths compute what they should, in one test
//! binary (one build of the crate's generic code for all of them, which
//! keeps a fresh clone's first `cargo test` short):
//!
//! - `activation_accuracy`: `σ`, tanh, `e^x` and the derivatives as the
//!   paths evaluate them, against a double-double reference, within the
//!   evaluation errors the rounding bounds assume;
//! - `bounds`: the dense layer's rounding bounds recomputed from their
//!   formulas, each path within its share against exact arithmetic, and
//!   crafted sums that reach a stated fraction of it;
//! - `compare`: the comparison the program prints, row by row against the
//!   paths and the bound, its worst row and its table;
//! - `exact_arithmetic`: bit for bit on inputs where every operation is exact
//!   (docs/DESIGN.md, "What identical means", layer 1);
//! - `gradient_check`: both paths' gradients against central finite
//!   differences (layer 3);
//! - `erratum`: the notes' backward loop as written, and where it goes wrong;
//! - `numerics`: the stable sigmoid and cross-entropy at extreme inputs, the
//!   derivatives, the mean squared error by hand;
//! - `reference_cases`: `grad` and `train` against the numbers frozen in
//!   `tests/reference/`;
//! - `threads`: one thread or many, the same bits on both paths, and the
//!   paths within the bound on any thread count.
//!
//! The rounding bound between the paths (layer 2) has its own binary,
//! `tests/equivalence.rs`, with its own harness.
//!
//! Run one with `cargo test --test proofs erratum` (any part of a test's
//! name filters, as usual). Proptest keeps the failing cases of a module
//! `NAME` here in `tests/proptest-regressions/NAME.txt`.

#[path = "../common/mod.rs"]
mod common;

mod activation_accuracy;
mod bounds;
mod compare;
mod erratum;
mod exact_arithmetic;
mod gradient_check;
mod numerics;
mod reference_cases;
mod threads;
