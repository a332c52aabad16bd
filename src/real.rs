//! The two floating-point types the crate computes in.
//!
//! Everything numeric is generic over [`Real`], which is implemented for
//! `f64` (the default, and what Keras calls `float64`) and `f32` (Keras'
//! default `float32`). The equivalence tests run on both: the rounding bound
//! they check scales with [`Real::UNIT_ROUNDOFF`].

use dualpath_kernels::Element;
use nalgebra::RealField;
use std::fmt::{Debug, Display, LowerExp};

/// A floating-point type both paths can compute in: `f64` or `f32`.
///
/// It extends the kernels' [`Element`], which gives each type its own
/// vectorisable `e^x` ([`Element::exp_nonpositive`]) and lets the matrix
/// path hand its products to `dualpath_kernels::gemm`.
pub trait Real:
    RealField + Element + Copy + Debug + Display + LowerExp + Default + Send + Sync + 'static
{
    /// Unit roundoff `u`: the largest relative error of one correctly rounded
    /// operation (half the machine epsilon), `2⁻⁵³` for `f64` and `2⁻²⁴` for `f32`.
    const UNIT_ROUNDOFF: f64;
    /// Smallest positive subnormal, the absolute error floor of a product that underflows.
    const MIN_SUBNORMAL: f64;
    /// The type's name, for reports: `"f64"` or `"f32"`.
    const NAME: &'static str;

    /// Converts from `f64`, rounding to nearest.
    fn of_f64(x: f64) -> Self;
    /// Converts to `f64` (exact for both types).
    fn as_f64(self) -> f64;
}

impl Real for f64 {
    const UNIT_ROUNDOFF: f64 = f64::EPSILON / 2.0;
    const MIN_SUBNORMAL: f64 = 5e-324;
    const NAME: &'static str = "f64";
    #[inline]
    fn of_f64(x: f64) -> Self {
        x
    }
    #[inline]
    fn as_f64(self) -> f64 {
        self
    }
}

impl Real for f32 {
    const UNIT_ROUNDOFF: f64 = f32::EPSILON as f64 / 2.0;
    const MIN_SUBNORMAL: f64 = 1.401298464324817e-45;
    const NAME: &'static str = "f32";
    #[inline]
    fn of_f64(x: f64) -> Self {
        x as f32
    }
    #[inline]
    fn as_f64(self) -> f64 {
        f64::from(self)
    }
}

/// `γ_n = n·u / (1 - n·u)`: the relative error bound of a sum of `n` terms (or
/// a dot product of length `n`) computed in any order in type `T`
/// (Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., §3.1).
///
/// Returns infinity when `n·u ≥ 1`, where the bound says nothing.
///
/// ```
/// let g = dualpath::gamma::<f64>(2);
/// assert!((g - 2.0 * f64::EPSILON / 2.0).abs() < 1e-30);
/// ```
pub fn gamma<T: Real>(n: usize) -> f64 {
    let nu = n as f64 * T::UNIT_ROUNDOFF;
    if nu >= 1.0 {
        f64::INFINITY
    } else {
        nu / (1.0 - nu)
    }
}

/// Units in the last place between `a` and `b` in type `T`: how many
/// representable numbers lie between them (0 when equal, 1 for neighbours).
///
/// ```
/// use dualpath::real::ulps_between;
/// assert_eq!(ulps_between(1.0_f64, 1.0 + f64::EPSILON), 1);
/// assert_eq!(ulps_between(1.0_f32, 1.0), 0);
/// ```
pub fn ulps_between<T: Real>(a: T, b: T) -> u64 {
    // Maps the bit patterns to integers in the same order as the numbers
    // (negative numbers count down from the sign bit; -0 and +0 meet at 0).
    let (x, y) = if T::NAME == "f32" {
        let f = |v: T| {
            let b = (v.as_f64() as f32).to_bits() as i32;
            i64::from(if b < 0 { i32::MIN - b } else { b })
        };
        (f(a), f(b))
    } else {
        let f = |v: T| {
            let b = v.as_f64().to_bits() as i64;
            if b < 0 { i64::MIN - b } else { b }
        };
        (f(a), f(b))
    };
    x.abs_diff(y)
}
