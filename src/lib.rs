//! # dualpath
//!
//! A dense neural network, computed twice: once with per-unit loops
//! ([`sequential`]) and once with matrix products ([`matrix`]), to read beside
//! Course 2 ("Advanced Learning Algorithms") of the Machine Learning
//! Specialization. The tests prove that the two paths agree; the benchmarks
//! measure how much faster the matrix path is, and where it is not.
//!
//! ## Where to start: the notes, section by section
//!
//! Each row is one section of the course notes the crate starts from, with the
//! module and function that implement it, the tests that check it, and the
//! chapter of `docs/` that explains it (`docs/README.md` gives the reading
//! order).
//!
//! | section of the notes | module | function | tests | chapter |
//! | --- | --- | --- | --- | --- |
//! | 1. Model architecture: `Sequential([Dense(25, 'sigmoid'), Dense(15, 'sigmoid'), Dense(1, 'sigmoid')])` | [`nn::network`], [`nn::activation`] | [`Network::new`], [`Dense::new`], [`Activation::g`], [`Activation::g_prime`] | `tests/course/course_checks.rs` | `docs/01-model.md` |
//! | 2. Loss and cost: `BinaryCrossentropy()`, `MeanSquaredError()` | [`nn::loss`] | [`Loss::value`], [`Loss::output_dz`] | `tests/proofs/numerics.rs`, `tests/proofs/gradient_check.rs` | `docs/02-loss-and-cost.md` |
//! | 3. Gradient descent: `model.fit(X, y, epochs=10)` | [`train`] | [`train::fit()`], [`train::optim::Optimizer`] | `tests/training/fit.rs`, `tests/training/agreement.rs` | `docs/03-gradient-descent.md` |
//! | Sequential forward propagation | [`sequential`] | [`sequential::dense_forward`] | `tests/course/course_checks.rs`, `tests/equivalence.rs` | `docs/04-forward-propagation.md` |
//! | Matrix forward propagation | [`matrix`] | [`matrix::dense_forward`] | `tests/course/course_checks.rs`, `tests/equivalence.rs` | `docs/04-forward-propagation.md` |
//! | Sequential backward propagation (corrected) | [`sequential`] | [`sequential::dense_backward`] | `tests/proofs/erratum.rs`, `tests/equivalence.rs` | `docs/05-backward-propagation.md` |
//! | Matrix backward propagation | [`matrix`] | [`matrix::dense_backward`] | `tests/equivalence.rs`, `tests/proofs/gradient_check.rs` | `docs/05-backward-propagation.md` |
//! | The two paths agree: rounding bound, exact arithmetic, finite differences | [`proof`], [`paths`] | [`proof::bounds::network_bound`], [`proof::gradcheck::numerical_gradients`], [`proof::compare::rows`], [`Path::forward`], [`Path::backward`] | `tests/equivalence.rs`, `tests/proofs/bounds/`, `tests/proofs/activation_accuracy.rs`, `tests/proofs/exact_arithmetic.rs`, `tests/proofs/gradient_check.rs`, `tests/proofs/compare.rs` | `docs/06-what-identical-means.md` |
//! | One walk through the layers for both paths; buffers the caller owns | [`paths`] | [`paths::walk`], [`paths::contract`], [`Workspace`], [`Path::forward_into`], [`Pass::backward`] | `tests/training/allocations.rs`, `tests/course/shape_checks.rs` | `docs/04-forward-propagation.md`, `docs/DESIGN.md` |
//! | The optimizers of `model.compile(optimizer=...)` | [`train::optim`] | [`train::optim::Sgd::step`], [`train::optim::Adam::step`], [`Network::parameters_mut`] | `tests/training/optimizers.rs` | `docs/03-gradient-descent.md` |
//! | The matrix path's products | `dualpath_kernels` (`kernels/`) | `dualpath_kernels::gemm::gemm` | `kernels/src/gemm/tests.rs`, `benches/paths.rs`, `kernels/benches/gemm.rs` | `docs/09-performance.md`, `kernels/README.md` |
//! | Week 2: softmax, `SparseCategoricalCrossentropy`, `from_logits` | [`nn::activation`], [`nn::loss`] | [`nn::activation::softmax_row`], [`Activation::activate_row`], [`Loss::output_dz`], [`Loss::check_output`] | `tests/course/multiclass.rs`, `tests/course/keras_reference.rs` | `docs/07-softmax.md` |
//! | Week 3: validation data, L2, the course's error measures; the assignment's data | [`train`], [`nn::network`], [`sequential`], [`matrix`], [`io::data::numpy_random`] | [`train::fit_validated`], [`train::split_validation`], [`Dense::with_l2`], [`sequential::eval_cat_err`], [`matrix::eval_cat_err`], [`io::data::numpy_random::course_gen_data`], [`io::data::numpy_random::make_blobs`] | `tests/course/regularization.rs`, `tests/course/keras_reference.rs` | `docs/08-bias-variance-regularisation.md`, `docs/labs.md` |
//! | How much faster the matrix path is | [`speedup`] | [`speedup::sweep`] | `benches/paths.rs` | `docs/09-performance.md` |
//! | The labs' data: `load_coffee_data()`, `Normalization` | [`io::data`] | [`io::data::coffee`], [`io::data::Normalization::adapt`] | `tests/course/data.rs` | `docs/01-model.md` |
//! | Week 2's data: the Softmax lab's blobs, handwritten digits 0-9 | [`io::data`] | [`io::data::softmax_lab_blobs`], [`io::data::digits8x8`] | `tests/course/data.rs` | `docs/07-softmax.md` |
//! | Keras' habits: `model.evaluate`, `model.summary()`, `metrics=['mae']`, continuing `fit` | [`train`], [`io::summary`], [`io::training`] | [`train::evaluate_batches`], [`train::fit_resumed`], [`io::summary::table`] | `tests/program/evaluate.rs`, `tests/program/resume.rs`, `tests/training/resume.rs` | `docs/DESIGN.md` |
//!
//! ## The house: folders are layers
//!
//! Each folder of `src/` is one layer, and a module uses only the layers
//! above it in this list (`tests/house/module_layers.rs` checks it;
//! `docs/DESIGN.md` says why):
//!
//! | layer | folder | holds |
//! | --- | --- | --- |
//! | 0 | `real.rs`, `error.rs` | the float types and rounding constants; the error type |
//! | 1 | [`nn`] | what a network is: `g` and `g'`, softmax, the losses, `Dense` and `Network` |
//! | 2 | [`paths`] | how it runs: the switch [`Path`], the buffers, the layer walk, [`sequential`] and [`matrix`] |
//! | 3 | [`train`], [`proof`] | learning (optimizers, `fit`); why the paths can be trusted (bounds, finite differences, comparison) |
//! | 4 | [`io`] | data sets, CSV, normalisation, model files, charts, atomic writes |
//! | 5 | [`speedup`], [`explore`] | the sizes the benchmarks time, the quick sweep, its table and chart; the page `dualpath explore` writes |
//!
//! The program (`src/main.rs`, `src/cli/`, one file per command) sits on
//! top and uses the library as any user would. The speed machinery (the
//! packed product kernel, the vectorised `exp`, CPU-feature dispatch) is a
//! crate of its own, `kernels/` (`dualpath_kernels`), so that nothing in this
//! crate is an intrinsic.
//!
//! `docs/numpy-for-rust.md` translates the course's NumPy idioms into this
//! crate's nalgebra. The examples follow the labs and check their own numbers:
//! `cargo run --example neurons_and_layers`, `dense_by_hand`, `coffee_roasting`
//! (both coffee-roasting labs, and the TensorFlow lab's 2-3-1 network trained
//! on both paths), `relu`, `derivatives`, `backprop_by_hand`,
//! `erratum`, `softmax`, `multiclass`, `model_selection` and
//! `bias_variance_diagnosis` (the optional week 3 labs, on the lab's data
//! folder or on stand-in data), `polynomial_regression`, `bias_variance`, and `digits` (the week 2 network on the
//! built-in digits, or on the assignment's data when you supply it).
//!
//! ## Conventions (Keras' and the course's)
//!
//! Examples are rows: `X` is `(m, n_in)`, the kernel `W` is `(n_in, units)`
//! with unit `j`'s weights in column `j`, `Z = X·W + B`, and the loss is a mean
//! over the batch. See [`nn::network`] for the full table of shapes.
//!
//! ## The erratum
//!
//! The notes' loop backward multiplies by `g'(z)` only in `db`. This crate's
//! [`sequential::dense_backward`] applies it to `dW` and `dA_in` as well; the
//! test `tests/proofs/erratum.rs` keeps the notes' version and shows it disagreeing
//! with the matrix path for a sigmoid layer (`cargo test --test proofs erratum`;
//! `cargo run --example erratum` prints the two side by side).
//!
//! ## Errors
//!
//! Kernels (the `dense_*` functions) write into buffers their caller owns
//! and panic on shapes that cannot fit, naming both: that is a bug in the
//! caller. Network-level entry points
//! ([`Path::forward`], [`Path::backward`], [`Network::new`], …) return
//! [`Error`] for anything a user can get wrong.

#![warn(missing_docs)]

pub mod error;
pub mod explore;
pub mod io;
pub mod nn;
pub mod paths;
pub mod proof;
pub mod real;
pub mod speedup;
pub mod train;

pub use paths::{matrix, sequential};

/// The matrix library the crate computes with, re-exported so that a
/// library user's matrices are the crate's own type, whatever version of
/// nalgebra they name themselves: `dualpath::nalgebra::DMatrix`.
pub use nalgebra;

/// The README and the chapters of `docs/`, compiled and run as doctests, so
/// that their Rust blocks cannot drift from the code (`cargo test --doc`).
/// Blocks that show program output are fenced as `text`, commands as `sh`.
/// `docs/09-performance.md` holds no Rust.
#[cfg(doctest)]
mod docs_chapters {
    #[doc = include_str!("../README.md")]
    struct ReadmeOfTheCrate;
    #[doc = include_str!("../docs/01-model.md")]
    struct Chapter01Model;
    #[doc = include_str!("../docs/02-loss-and-cost.md")]
    struct Chapter02LossAndCost;
    #[doc = include_str!("../docs/03-gradient-descent.md")]
    struct Chapter03GradientDescent;
    #[doc = include_str!("../docs/04-forward-propagation.md")]
    struct Chapter04ForwardPropagation;
    #[doc = include_str!("../docs/05-backward-propagation.md")]
    struct Chapter05BackwardPropagation;
    #[doc = include_str!("../docs/06-what-identical-means.md")]
    struct Chapter06WhatIdenticalMeans;
    #[doc = include_str!("../docs/07-softmax.md")]
    struct Chapter07Softmax;
    #[doc = include_str!("../docs/08-bias-variance-regularisation.md")]
    struct Chapter08BiasVarianceRegularisation;
    #[doc = include_str!("../docs/numpy-for-rust.md")]
    struct NumpyForRust;
    #[doc = include_str!("../docs/README.md")]
    struct Readme;
    #[doc = include_str!("../docs/DESIGN.md")]
    struct Design;
}

/// The most threads a [`Workspace`] may run on.
pub use dualpath_kernels::threads::MAX_THREADS;
pub use error::{Error, Result};
pub use nn::activation::Activation;
pub use nn::loss::Loss;
pub use nn::network::{Dense, Network, Param, ParamKind};
pub use paths::Path;
pub use paths::buffers::{
    DenseGradients, Forward, Gradients, InputGradient, LayerCache, LayerState, Scratch, Workspace,
    available_threads,
};
pub use paths::walk::Pass;
pub use real::{Real, gamma};
pub use train::optim::Optimizer;
