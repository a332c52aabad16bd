//! The element types of the kernels: `f64` and `f32`, nothing else.

use crate::exp;
use std::fmt::Debug;
use std::ops::{Add, AddAssign, Mul};

mod sealed {
    pub trait Sealed {}
    impl Sealed for f64 {}
    impl Sealed for f32 {}
}

/// A float the kernels compute in: `f64` or `f32`. Sealed: the vector
/// microkernels exist for these two types only.
///
/// The names are the kernels' own (`ZERO`, `fused_mul_add`), so that a type
/// bound by both this trait and a numeric library's (nalgebra's `RealField`
/// has `zero` and `mul_add`) reads without ambiguity.
pub trait Element:
    Copy
    + Debug
    + PartialEq
    + Add<Output = Self>
    + AddAssign
    + Mul<Output = Self>
    + Send
    + Sync
    + 'static
    + sealed::Sealed
{
    /// `0.0`.
    const ZERO: Self;

    /// `self·a + b` with one rounding.
    fn fused_mul_add(self, a: Self, b: Self) -> Self;

    /// `e^self` for `self ≤ 0`, in the type itself: [`exp::exp_nonpositive_f64`]
    /// or [`exp::exp_nonpositive_f32`].
    fn exp_nonpositive(self) -> Self;

    /// `e^self - 1` for `self ≤ 0`, in the type itself:
    /// [`exp::expm1_nonpositive_f64`] or [`exp::expm1_nonpositive_f32`].
    fn expm1_nonpositive(self) -> Self;
}

impl Element for f64 {
    const ZERO: f64 = 0.0;

    #[inline(always)]
    fn fused_mul_add(self, a: f64, b: f64) -> f64 {
        self.mul_add(a, b)
    }

    #[inline(always)]
    fn exp_nonpositive(self) -> f64 {
        exp::exp_nonpositive_f64(self)
    }

    #[inline(always)]
    fn expm1_nonpositive(self) -> f64 {
        exp::expm1_nonpositive_f64(self)
    }
}

impl Element for f32 {
    const ZERO: f32 = 0.0;

    #[inline(always)]
    fn fused_mul_add(self, a: f32, b: f32) -> f32 {
        self.mul_add(a, b)
    }

    #[inline(always)]
    fn exp_nonpositive(self) -> f32 {
        exp::exp_nonpositive_f32(self)
    }

    #[inline(always)]
    fn expm1_nonpositive(self) -> f32 {
        exp::expm1_nonpositive_f32(self)
    }
}
