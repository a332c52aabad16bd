//! # dualpath-kernels
//!
//! The speed machinery under `dualpath`'s matrix path, kept apart from the
//! lesson so that the teaching crate never sees an intrinsic:
//!
//! | module | holds |
//! | --- | --- |
//! | [`gemm`] | `C = op(A)·op(B)`, blocked and packed, into the caller's buffers |
//! | [`exp`] | `e^x` and `e^x - 1` for `x ≤ 0` as plain arithmetic that vectorises |
//! | [`threads`] | a pool of threads started once, and even splits of work |
//! | [`vectors`] | the vector instruction sets an element-wise pass may run with |
//! | [`cpu`] | which vector instructions this processor has, asked once |
//! | [`Element`] | the two float types the kernels compute in |
//!
//! How the product kernel and `exp` work, and why the crate has its own
//! product kernel, is told in the crate's `README.md`.

pub mod cpu;
pub mod exp;
pub mod gemm;
pub mod threads;
pub mod vectors;

mod element;
pub use element::Element;

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
