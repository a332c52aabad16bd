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

#[cfg(test)]
mod tests {
    use super::*;

    /// Each method is the function its documentation names, for both types,
    /// at points across the range the kernels use (`e^x` from 1 down to
    /// underflow): the element-wise passes reach the math only through here.
    #[test]
    fn each_method_is_the_function_it_names() {
        for i in 0..=800 {
            let x = -(i as f64) * 0.93;
            assert_eq!(
                x.exp_nonpositive().to_bits(),
                exp::exp_nonpositive_f64(x).to_bits()
            );
            assert_eq!(
                x.expm1_nonpositive().to_bits(),
                exp::expm1_nonpositive_f64(x).to_bits()
            );
            let y = x as f32;
            assert_eq!(
                y.exp_nonpositive().to_bits(),
                exp::exp_nonpositive_f32(y).to_bits()
            );
            assert_eq!(
                y.expm1_nonpositive().to_bits(),
                exp::expm1_nonpositive_f32(y).to_bits()
            );
        }
        // One rounding: 1 + 2⁻³⁰ squared, less 1, keeps the 2⁻⁶⁰ a separate
        // multiplication and addition would round away.
        let (a, b) = (1.0 + 2f64.powi(-30), -(1.0 + 2f64.powi(-29)));
        assert_eq!(a.fused_mul_add(a, b), 2f64.powi(-60));
        let (a, b) = (1.0 + 2f32.powi(-12), -(1.0 + 2f32.powi(-11)));
        assert_eq!(a.fused_mul_add(a, b), 2f32.powi(-24));
        assert_eq!((f64::ZERO, f32::ZERO), (0.0, 0.0));
    }
}
