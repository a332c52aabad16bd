//! # dualpath
//!
//! A dense neural network, computed twice: once with per-unit loops
//! ([`sequential`]) and once with matrix products ([`matrix`]). The tests prove
//! the two agree; the benchmarks measure how much faster the matrix path is,
//! and where it is not.
//!
//! ## Where to start: the notes, section by section
//!
//! | section of the course notes | module | function | test |
//! | --- | --- | --- | --- |
//! | 1. Model architecture: `Sequential([Dense(25, 'sigmoid'), ...])` | [`network`] | [`Network::new`], [`Dense`] | `tests/course_checks.rs` |
//! | 2. Loss and cost: `BinaryCrossentropy`, `MeanSquaredError` | [`loss`] | [`Loss::value`], [`Loss::output_dz`] | `tests/gradient_check.rs` |
//! | Activations `g` and `g'` | [`activation`] | [`Activation::g`], [`Activation::g_prime`] | `tests/numerics.rs` |
//! | Sequential forward propagation | [`sequential`] | [`sequential::dense_forward`] | `tests/equivalence.rs` |
//! | Matrix forward propagation | [`matrix`] | [`matrix::dense_forward`] | `tests/equivalence.rs` |
//! | Sequential backward propagation (corrected) | [`sequential`] | [`sequential::dense_backward`] | `tests/erratum.rs` |
//! | Matrix backward propagation | [`matrix`] | [`matrix::dense_backward`] | `tests/equivalence.rs` |
//! | Choosing a path | [`path`] | [`Path::forward`], [`Path::backward`] | `tests/exact_arithmetic.rs` |
//!
//! ## Conventions (Keras' and the course's)
//!
//! Examples are rows: `X` is `(m, n_in)`, the kernel `W` is `(n_in, units)`
//! with unit `j`'s weights in column `j`, `Z = X·W + B`, and the loss is a mean
//! over the batch. See [`network`] for the full table of shapes.
//!
//! ## The erratum
//!
//! The notes' loop backward multiplies by `g'(z)` only in `db`. This crate's
//! [`sequential::dense_backward`] applies it to `dW` and `dA_in` as well; the
//! test `tests/erratum.rs` keeps the notes' version and shows it disagreeing
//! with the matrix path for a sigmoid layer.
//!
//! ## Errors
//!
//! Kernels (the `dense_*` functions) panic on shapes that cannot fit, naming
//! both: that is a bug in the caller. Network-level entry points
//! ([`Path::forward`], [`Path::backward`], [`Network::new`], …) return
//! [`Error`] for anything a user can get wrong.

#![warn(missing_docs)]

pub mod activation;
pub mod bounds;
pub mod data;
pub mod error;
pub mod gradcheck;
pub mod loss;
pub mod matrix;
pub mod model;
pub mod network;
pub mod path;
pub mod real;
pub mod sequential;
pub mod speedup;
pub mod train;

pub use activation::Activation;
pub use error::{Error, Result};
pub use loss::Loss;
pub use network::{Dense, DenseBackward, DenseGradients, Forward, Gradients, LayerCache, Network};
pub use path::Path;
pub use real::{Real, gamma};
