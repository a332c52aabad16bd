//! The dense layer's rounding bounds (`dense_forward_bound`, `dense_backward_dz_bound`,
//! `softmax_bound` in `dualpath::proof::bounds`) pinned three ways, since the
//! equivalence suite only checks `difference ≤ bound` on random data, where a
//! bound ten times too small or a thousand times too large goes unnoticed:
//!
//! 1. **Definition.** Each bound recomputed element by element, with plain
//!    loops, from its formula as `docs/06-what-identical-means.md` and the
//!    comments of `bounds.rs` state it, with `u`, `η` and `OWN_ROUNDING`
//!    restated here rather than read from the crate.
//! 2. **Soundness.** Each path's own error against the exact result is within
//!    its share of the bound, half of the two-path bound (each path is within
//!    `γ_k·Σ|terms|` of the exact value, so the two within twice that), on
//!    cancelling, long, underflowing and crafted sums and on saturated and
//!    steep activations.
//! 3. **Tightness.** Sums built so that every addition of a path rounds the
//!    same way by nearly half an ulp reach a stated fraction of that share,
//!    so a bound ten times too large fails as surely as one too small.
//!
//! The model is the docs' one: `fl(a ∘ b) = (a ∘ b)(1 + θ)`, `|θ| ≤ u`,
//! `γ_n = n·u/(1 - n·u)` (Higham, *Accuracy and Stability of Numerical
//! Algorithms*, 2nd ed., §3.1).

//! | module | checks |
//! | --- | --- |
//! | `definitions` | each bound against its formula, element by element |
//! | `exact` | each path's error against exact (compensated) sums |
//! | `tightness` | crafted sums that reach a stated fraction of the bound |
//! | `softmax` | softmax and the categorical `J` and `dZ`: definitions, each path against double-double arithmetic, crafted rows |
//! | `losses` | the output `dZ`, the loss and `dA ⊙ g'`: definition, each end of the deviation, crafted slopes |
//! | `carried` | deviations carried into a layer, and `network_bound` as the composition of the layers' bounds |

mod carried;
mod definitions;
mod exact;
mod losses;
mod softmax;
mod tightness;

use crate::common::kernels::{self, Loops, Matrices, OnPath};
use dualpath::proof::bounds::{dense_backward_dz_bound, dense_forward_bound, softmax_bound};
use dualpath::{Activation, Real};
use nalgebra::{DMatrix, DVector};

// ---------------------------------------------------------------------------
// The constants, restated from the docs rather than read from the crate.

/// `u`: `2⁻²⁴` for `f32`, `2⁻⁵³` for `f64` (docs chapter 6).
pub(super) fn unit_roundoff<T: Real>() -> f64 {
    if T::NAME == "f32" {
        2f64.powi(-24)
    } else {
        2f64.powi(-53)
    }
}

/// `η`, the type's smallest subnormal (`2⁻¹⁴⁹`, `2⁻¹⁰⁷⁴`): the absolute
/// error floor of a product that underflows is `η/2`.
pub(super) fn eta<T: Real>() -> f64 {
    if T::NAME == "f32" {
        f64::from(f32::from_bits(1))
    } else {
        f64::from_bits(1)
    }
}

/// `γ_n` of type `T`, `n·u/(1 - n·u)`.
pub(super) fn gamma_of<T: Real>(n: usize) -> f64 {
    let nu = n as f64 * unit_roundoff::<T>();
    nu / (1.0 - nu)
}

/// `γ_n` of `f64`, for the error of the tests' own `f64` arithmetic.
pub(super) fn gamma64(n: usize) -> f64 {
    gamma_of::<f64>(n)
}

/// The enlargement every bound gets for its own `f64` rounding, `1 + 10⁻⁹`
/// (docs chapter 6, "Carried through the layers").
pub(super) const OWN: f64 = 1.0 + 1e-9;

/// `(lip, err)` of an element-wise activation, from the comments of
/// `bounds.rs`'s `constants`: linear and relu are exact with slope at most
/// 1; sigmoid has slope at most ¼ and is evaluated within `6u` relative;
/// tanh slope 1, `6u`.
pub(super) fn lip_err(g: Activation) -> (f64, f64) {
    match g {
        Activation::Linear | Activation::Relu => (1.0, 0.0),
        Activation::Sigmoid => (0.25, 6.0),
        Activation::Tanh => (1.0, 6.0),
        Activation::Softmax => unreachable!("softmax has its own bound"),
    }
}

// ---------------------------------------------------------------------------
// Data.

/// A small deterministic generator (SplitMix64), so that every case is the
/// same on every run.
pub(super) struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * ((self.next() >> 11) as f64 / (1u64 << 53) as f64)
    }

    fn matrix<T: Real>(&mut self, rows: usize, cols: usize, lo: f64, hi: f64) -> DMatrix<T> {
        DMatrix::from_fn(rows, cols, |_, _| T::of_f64(self.uniform(lo, hi)))
    }
}

pub(super) fn abs_f64<T: Real>(x: T) -> f64 {
    x.as_f64().abs()
}

/// Deviations: zero, or a random fraction of `scale` times each value's size
/// plus a small floor (so that zeros get deviations too).
pub(super) fn deviations<T: Real>(rng: &mut Rng, x: &DMatrix<T>, scale: f64) -> DMatrix<f64> {
    x.map(|v| scale * rng.uniform(0.0, 1.0) * (abs_f64(v) + 1e-3))
}
