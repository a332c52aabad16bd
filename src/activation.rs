//! Activation functions `g(z)` and their derivatives `g'(z)`, each pair side by side.
//!
//! The notes' network uses `sigmoid` everywhere; `relu`, `linear` and `tanh` are
//! the other activations Course 2 introduces. Both paths call exactly these
//! functions (the loop path one example's row at a time with
//! [`Activation::activate_row`], the matrix path over a whole matrix with
//! [`Activation::activate`]), so for the same `z` they return the same bits:
//! the equivalence contract depends on it.

use crate::real::Real;
use nalgebra::{
    DMatrix, Dyn, Matrix, MatrixView1xX, MatrixViewMut1xX, RawStorage, RawStorageMut, U1,
};
use std::fmt;
use std::str::FromStr;

/// `σ(z) = 1 / (1 + e^{-z})`, computed without overflow for every finite `z`.
///
/// For `z ≥ 0` it evaluates `1 / (1 + e^{-z})`, and for `z < 0` the equal
/// `e^{z} / (1 + e^{z})`: the exponent is never positive, so `e^{…}` lies in
/// `(0, 1]` and nothing overflows (the naive form takes `e^{10000}` = ∞ at
/// `z = -10⁴`, and then `1/∞` happens to work but `∞/∞` does not).
///
/// Both cases share `e = e^{-|z|}` and the denominator `1 + e`; only the
/// numerator (`1` or `e`) depends on the sign, so the sign picks a value
/// instead of a branch. `e` comes from [`exp_nonpositive`], which is plain
/// arithmetic rather than a call into the C library: with both, a pass over a
/// whole matrix ([`Activation::apply`]) compiles to vector instructions. In
/// `f32`, `e` is computed in `f64` and rounded.
///
/// ```
/// use dualpath::activation::sigmoid;
/// assert_eq!(sigmoid(0.0_f64), 0.5);
/// assert_eq!(sigmoid(1e4_f64), 1.0);
/// assert_eq!(sigmoid(-1e4_f64), 0.0);
/// ```
#[inline(always)]
pub fn sigmoid<T: Real>(z: T) -> T {
    let one = T::one();
    let e = T::of_f64(exp_nonpositive((-z.abs()).as_f64())); // e^{-z} for z ≥ 0, e^{z} for z < 0
    let numerator = if z >= T::zero() { one } else { e };
    numerator / (one + e)
}

/// `e^x` for `x ≤ 0`, written in plain arithmetic so that a loop over many
/// values compiles to vector instructions (the C library's `exp` is a call
/// per value, which no compiler vectorises). The sigmoid's `e^{-|z|}`.
///
/// The textbook method: write `x = k·ln 2 + r` with `k` an integer and
/// `|r| ≤ ln 2 / 2`; then `e^x = 2^k·e^r`. The product `k·ln 2` is taken in
/// two parts (Cody and Waite) so that `r` keeps all its digits; `e^r` is its
/// Taylor series to `r^13/13!` (the next term is below `2^{-57}` of the
/// result); `2^k` is built from its bits, in two factors so that results
/// down to the smallest subnormal come out right. There is no branch, and no
/// fused multiply-add, so every build (vector or not) gives the same bits.
///
/// Accuracy: within 0.96 units in the last place of the exact value on
/// 300 000 arguments in `[-745, 0]` checked against 60-digit decimal
/// arithmetic (the C library's `exp` is within about 0.5); the rounding
/// bounds of [`crate::bounds`] allow 1. `-∞` and anything below `-745.2`
/// give 0; NaN gives NaN.
///
/// ```
/// use dualpath::activation::exp_nonpositive;
/// assert_eq!(exp_nonpositive(0.0), 1.0);
/// assert!((exp_nonpositive(-1.0) - (-1.0_f64).exp()).abs() <= f64::EPSILON / 2.0);
/// assert_eq!(exp_nonpositive(f64::NEG_INFINITY), 0.0);
/// ```
#[inline(always)]
pub fn exp_nonpositive(x: f64) -> f64 {
    /// 1.5·2^52: adding it rounds a smaller number to an integer, left in the low bits.
    const ROUND: f64 = 6_755_399_441_055_744.0;
    /// ln 2 = LN2_HI + LN2_LO, with `k·LN2_HI` exact for `|k| < 2^11` (fdlibm's split).
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000); // 0.693147180369…
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76); // 1.90821492927…e-10
    /// 1/n! for n = 2..=13: the Taylor coefficients after `1 + r`.
    const C: [f64; 12] = [
        1.0 / 2.0,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5_040.0,
        1.0 / 40_320.0,
        1.0 / 362_880.0,
        1.0 / 3_628_800.0,
        1.0 / 39_916_800.0,
        1.0 / 479_001_600.0,
        1.0 / 6_227_020_800.0,
    ];
    debug_assert!(
        x <= 0.0 || x.is_nan(),
        "exp_nonpositive({x}): the argument must not be positive"
    );
    let x = if x < -746.0 { -746.0 } else { x }; // e^x underflows to 0 anyway; NaN stays
    let t = x * std::f64::consts::LOG2_E + ROUND;
    let k = t - ROUND; // k = round(x / ln 2), as a float
    let r = (x - k * LN2_HI) - k * LN2_LO; // |r| ≤ ln 2 / 2
    // e^r = 1 + r + r²·q(r), q(r) = C[0] + C[1]·r + … + C[11]·r¹¹, evaluated
    // in Estrin's scheme (pairs, then pairs of pairs) so that the
    // multiplications do not wait for one another.
    let (r2, r4) = (r * r, r * r * (r * r));
    let pair = |i: usize| C[i] + C[i + 1] * r;
    let quad = |i: usize| pair(i) + pair(i + 2) * r2;
    let q = (quad(0) + quad(4) * r4) + quad(8) * (r4 * r4);
    let e_r = 1.0 + (r + r2 * q);
    // 2^k = 2^k1·2^k2 with k1 = round(k/2): each factor stays a normal number.
    let k_int = t.to_bits().wrapping_sub(ROUND.to_bits()) as i64;
    let k1 = (k * 0.5 + ROUND).to_bits().wrapping_sub(ROUND.to_bits()) as i64;
    let two_to = |k: i64| f64::from_bits((k.wrapping_add(1023) as u64) << 52);
    e_r * two_to(k1) * two_to(k_int.wrapping_sub(k1))
}

/// `σ'(z) = σ(z)·(1 - σ(z))`, at most 1/4 (at `z = 0`).
///
/// ```
/// use dualpath::activation::sigmoid_prime;
/// assert_eq!(sigmoid_prime(0.0_f64), 0.25);
/// ```
#[inline(always)]
pub fn sigmoid_prime<T: Real>(z: T) -> T {
    let s = sigmoid(z);
    s * (T::one() - s)
}

/// `relu(z) = max(0, z)`.
#[inline]
pub fn relu<T: Real>(z: T) -> T {
    if z > T::zero() { z } else { T::zero() }
}

/// `relu'(z)`: 1 for `z > 0`, else 0. At the kink `z = 0` it is 0, as in TensorFlow.
///
/// ```
/// use dualpath::activation::relu_prime;
/// assert_eq!(relu_prime(0.0_f64), 0.0);
/// assert_eq!(relu_prime(2.0_f64), 1.0);
/// ```
#[inline]
pub fn relu_prime<T: Real>(z: T) -> T {
    if z > T::zero() { T::one() } else { T::zero() }
}

/// `tanh(z)`.
#[inline]
pub fn tanh<T: Real>(z: T) -> T {
    z.tanh()
}

/// `tanh'(z) = 1 - tanh²(z)`.
#[inline]
pub fn tanh_prime<T: Real>(z: T) -> T {
    let t = z.tanh();
    T::one() - t * t
}

/// The activation of a dense layer, named as in Keras (`Dense(25, activation="sigmoid")`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Activation {
    /// `g(z) = z`: no activation (Keras' default, and the output of a regression network).
    Linear,
    /// `g(z) = max(0, z)`.
    Relu,
    /// `g(z) = 1 / (1 + e^{-z})`: the notes' activation.
    Sigmoid,
    /// `g(z) = tanh(z)`.
    Tanh,
    /// `a_j = e^{z_j} / Σ_k e^{z_k}` over the units of one example: the
    /// output of a multiclass network (week 2). It couples the units of an
    /// example, so it is allowed on the output layer only, and its `dZ`
    /// comes from the categorical cross-entropy ([`crate::Loss`]), never
    /// from a `g'`. See [`softmax_row`].
    Softmax,
}

impl Activation {
    /// The element-wise activations, each a function of one `z`: any layer
    /// may use them. (Softmax is not among them: see [`Activation::EVERY`].)
    pub const ALL: [Activation; 4] = [
        Activation::Linear,
        Activation::Relu,
        Activation::Sigmoid,
        Activation::Tanh,
    ];

    /// Every activation, softmax last: what a name may parse to.
    pub const EVERY: [Activation; 5] = [
        Activation::Linear,
        Activation::Relu,
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Softmax,
    ];

    /// Keras' name for it: `"linear"`, `"relu"`, `"sigmoid"`, `"tanh"` or `"softmax"`.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Linear => "linear",
            Activation::Relu => "relu",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Softmax => "softmax",
        }
    }

    /// Whether each unit's `a_j` depends on its own `z_j` only (every
    /// activation but softmax). Only those may sit on a hidden layer.
    pub fn is_elementwise(self) -> bool {
        self != Activation::Softmax
    }

    /// `g(z)` for one value.
    ///
    /// # Panics
    /// For softmax, which is no function of one value (use [`Activation::activate_row`]).
    #[inline]
    pub fn g<T: Real>(self, z: T) -> T {
        match self {
            Activation::Linear => z,
            Activation::Relu => relu(z),
            Activation::Sigmoid => sigmoid(z),
            Activation::Tanh => tanh(z),
            Activation::Softmax => panic!("{}", SOFTMAX_IS_NOT_ELEMENTWISE),
        }
    }

    /// `g'(z)` for one value.
    ///
    /// # Panics
    /// For softmax, whose derivative couples the units (its `dZ` comes from the loss).
    #[inline]
    pub fn g_prime<T: Real>(self, z: T) -> T {
        match self {
            Activation::Linear => T::one(),
            Activation::Relu => relu_prime(z),
            Activation::Sigmoid => sigmoid_prime(z),
            Activation::Tanh => tanh_prime(z),
            Activation::Softmax => panic!("{}", SOFTMAX_IS_NOT_ELEMENTWISE),
        }
    }

    /// `a = g(z)` for one example's row of `units` values: the loop path's
    /// activation, after it has computed every `z_j` of the example. Each of
    /// Keras' element-wise activations is applied unit by unit,
    /// `a_j = g(z_j)`; an activation that couples the units of an example
    /// would read the whole row here.
    ///
    /// # Panics
    /// If the slices differ in length.
    #[inline]
    pub fn activate_row<T: Real>(self, z: &[T], a: &mut [T]) {
        assert_eq!(
            z.len(),
            a.len(),
            "Activation::activate_row: z and a differ in length"
        );
        if self == Activation::Softmax {
            let n = z.len();
            softmax_row(
                &MatrixView1xX::from_slice(z, n),
                &mut MatrixViewMut1xX::from_slice(a, n),
            );
            return;
        }
        for (a, &z) in a.iter_mut().zip(z) {
            *a = self.g(z); // a_j = g(z_j)
        }
    }

    /// `A = g(Z)` for a whole batch, `(m, units)`: the matrix path's
    /// activation. For the element-wise activations, one pass over every
    /// element ([`Activation::apply`]); for softmax, row by row, each row
    /// through the same [`softmax_row`] the loop path uses, so both paths
    /// get the same bits.
    ///
    /// # Panics
    /// If the shapes differ.
    pub fn activate<T: Real>(self, z: &DMatrix<T>, a: &mut DMatrix<T>) {
        assert_eq!(
            z.shape(),
            a.shape(),
            "Activation::activate: Z and A differ in shape"
        );
        if self == Activation::Softmax {
            for i in 0..z.nrows() {
                softmax_row(&z.row(i), &mut a.row_mut(i)); // one example's row
            }
            return;
        }
        self.apply(z.as_slice(), a.as_mut_slice());
    }

    /// `a[k] = g(z[k])` for every element: the matrix path's `A = g(Z)`.
    ///
    /// The `match` is taken once, outside the loop, so each arm is a plain loop
    /// over two slices with no branch and no bounds check inside, which the
    /// compiler turns into vector instructions (for the sigmoid, AVX-512 or
    /// AVX2 ones when the processor has them). Only tanh calls the C
    /// library, one call per element. Each element goes through the function
    /// [`Activation::g`] calls for that activation, so both paths get the
    /// same bits.
    ///
    /// # Panics
    /// If the slices differ in length.
    pub fn apply<T: Real>(self, z: &[T], a: &mut [T]) {
        assert_eq!(
            z.len(),
            a.len(),
            "Activation::apply: z and a differ in length"
        );
        match self {
            Activation::Softmax => panic!("{}", SOFTMAX_IS_NOT_ELEMENTWISE),
            Activation::Linear => a.copy_from_slice(z),
            Activation::Relu => a.iter_mut().zip(z).for_each(|(a, &z)| *a = relu(z)),
            // A plain `for`, not `for_each` with a closure: the body must be
            // compiled inside the vector function, not called from it.
            Activation::Sigmoid => with_wide_vectors(|| {
                for (a, &z) in a.iter_mut().zip(z) {
                    *a = sigmoid(z);
                }
            }),
            Activation::Tanh => a.iter_mut().zip(z).for_each(|(a, &z)| *a = tanh(z)),
        }
    }

    /// `dz[k] = da[k] · g'(z[k])` for every element: the matrix path's `dZ = dA ⊙ g'(Z)`.
    ///
    /// As in [`Activation::apply`], the `match` is taken once and each arm is
    /// a plain loop over the very function [`Activation::g_prime`] calls for
    /// that activation, so both paths get the same bits.
    ///
    /// # Panics
    /// If the slices differ in length.
    pub fn backprop<T: Real>(self, da: &[T], z: &[T], dz: &mut [T]) {
        assert!(
            da.len() == z.len() && z.len() == dz.len(),
            "Activation::backprop: da ({}), z ({}) and dz ({}) differ in length",
            da.len(),
            z.len(),
            dz.len()
        );
        let pairs = dz.iter_mut().zip(da.iter().zip(z));
        match self {
            Activation::Softmax => panic!("{}", SOFTMAX_IS_NOT_ELEMENTWISE),
            Activation::Linear => dz.copy_from_slice(da),
            Activation::Relu => pairs.for_each(|(dz, (&da, &z))| *dz = da * relu_prime(z)),
            Activation::Sigmoid => with_wide_vectors(|| {
                for (dz, (&da, &z)) in pairs {
                    *dz = da * sigmoid_prime(z);
                }
            }),
            Activation::Tanh => pairs.for_each(|(dz, (&da, &z))| *dz = da * tanh_prime(z)),
        }
    }
}

/// Why softmax has no `g(z)` or `g'(z)` of one value.
const SOFTMAX_IS_NOT_ELEMENTWISE: &str = "softmax couples the units of an example: it has no g(z) or g'(z) \
     of one value; activate a whole row (Activation::activate_row), and take the output layer's dZ \
     from the loss";

/// The two numbers a softmax row is made of: its largest `z` and
/// `S = Σ_k e^{z_k - max}`, so that `softmax(z)_j = e^{z_j - max} / S` and
/// `ln Σ_k e^{z_k} = max + ln S` (log-sum-exp).
///
/// Subtracting the maximum first (the assignment's `my_softmax` does not;
/// every library does) makes every exponent `≤ 0`, so no `e^{…}` overflows
/// and the largest is exactly 1, whatever the logits: `z = [1000, 999]`
/// gives `[0.731…, 0.268…]`, not `∞/∞`. The exponentials come from
/// [`exp_nonpositive`] (in `f64`, rounded to `T` for `f32`), the sum adds
/// them in unit order: every caller (the loop path, the matrix path, the
/// losses) gets the same bits for the same row.
///
/// ```
/// use dualpath::activation::softmax_parts;
/// use nalgebra::RowDVector;
/// let (max, s) = softmax_parts(&RowDVector::from_row_slice(&[1000.0_f64, 1000.0]));
/// assert_eq!((max, s), (1000.0, 2.0));
/// ```
pub fn softmax_parts<T: Real, S: RawStorage<T, U1, Dyn>>(z: &Matrix<T, U1, Dyn, S>) -> (T, T) {
    let mut max = z[0];
    for &zj in z.iter().skip(1) {
        if zj > max {
            max = zj;
        }
    }
    let mut sum = T::zero();
    for &zj in z.iter() {
        sum += exp_shifted(zj, max);
    }
    (max, sum)
}

/// `e^{z - max}` for `z ≤ max`, in `f64` and rounded to `T`.
#[inline(always)]
pub fn exp_shifted<T: Real>(z: T, max: T) -> T {
    T::of_f64(exp_nonpositive((z - max).as_f64()))
}

/// `a = softmax(z)` for one example's row: `a_j = e^{z_j - max} / Σ_k e^{z_k - max}`.
///
/// The course's `my_softmax` (week 2 assignment), with the maximum
/// subtracted first for stability:
/// ```python
/// ez = np.exp(z - np.max(z))
/// a = ez / np.sum(ez)
/// ```
///
/// ```
/// use dualpath::activation::softmax_row;
/// use nalgebra::RowDVector;
/// let z = RowDVector::from_row_slice(&[1.0_f64, 2.0, 3.0, 4.0]);
/// let mut a = RowDVector::zeros(4);
/// softmax_row(&z, &mut a);
/// // The assignment's public test: [0.0320586, 0.0871443, 0.2368828, 0.6439143].
/// assert!((a[3] - 0.6439143).abs() < 5e-8 && (a.sum() - 1.0).abs() < 1e-15);
/// ```
///
/// # Panics
/// If the rows differ in length or are empty.
pub fn softmax_row<T: Real, S1, S2>(z: &Matrix<T, U1, Dyn, S1>, a: &mut Matrix<T, U1, Dyn, S2>)
where
    S1: RawStorage<T, U1, Dyn>,
    S2: RawStorageMut<T, U1, Dyn>,
{
    assert!(
        z.ncols() == a.ncols() && z.ncols() > 0,
        "softmax_row: z has {} values and a has {}; they must be the same, and not none",
        z.ncols(),
        a.ncols()
    );
    let (max, sum) = softmax_parts(z);
    for (aj, &zj) in a.iter_mut().zip(z.iter()) {
        *aj = exp_shifted(zj, max) / sum;
    }
}

/// Runs `pass` compiled for the widest vectors the processor has: AVX-512
/// (eight `f64` at a time) or AVX2 (four), else as the crate is compiled
/// (baseline x86-64: SSE2, two). The matrix kernel makes the same choice at
/// run time. The results are the same bits either way: vector instructions
/// round each addition, multiplication and division exactly as the scalar
/// ones do, and the code has no fused multiply-add for a compiler to use.
#[inline(always)]
fn with_wide_vectors(pass: impl FnOnce()) {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx512f")]
        fn avx512(pass: impl FnOnce()) {
            pass();
        }
        #[target_feature(enable = "avx2")]
        fn avx2(pass: impl FnOnce()) {
            pass();
        }
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the processor has AVX-512F, checked just above.
            return unsafe { avx512(pass) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has AVX2, checked just above.
            return unsafe { avx2(pass) };
        }
    }
    pass();
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error of parsing an activation name that is not one of Keras' four.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownActivation(pub String);

impl fmt::Display for UnknownActivation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown activation {:?}: expected one of linear, relu, sigmoid, tanh, softmax",
            self.0
        )
    }
}

impl std::error::Error for UnknownActivation {}

impl FromStr for Activation {
    type Err = UnknownActivation;

    /// Parses Keras' names, ignoring ASCII case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Activation::EVERY
            .into_iter()
            .find(|g| g.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownActivation(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in representable numbers between two non-negative doubles.
    fn ulps(a: f64, b: f64) -> u64 {
        a.to_bits().abs_diff(b.to_bits())
    }

    #[test]
    fn exp_nonpositive_is_within_two_ulps_of_the_c_library() {
        // The C library's exp is itself within about half an ulp here, so two
        // ulps between them leaves room for a library elsewhere that is less exact.
        let mut worst = (0, 0.0);
        for i in 0..=200_000 {
            for scale in [745.0, 40.0, 1.0, 1e-6] {
                let x = -(i as f64) / 200_000.0 * scale;
                let d = ulps(exp_nonpositive(x), x.exp());
                if d > worst.0 {
                    worst = (d, x);
                }
            }
        }
        assert!(worst.0 <= 2, "{} ulps at x = {:e}", worst.0, worst.1);
    }

    #[test]
    fn exp_nonpositive_at_the_edges() {
        assert_eq!(exp_nonpositive(0.0), 1.0);
        assert_eq!(exp_nonpositive(-0.0), 1.0);
        assert_eq!(exp_nonpositive(-1e-300), 1.0);
        assert_eq!(exp_nonpositive(-745.0), 5e-324); // the smallest subnormal
        assert_eq!(exp_nonpositive(-745.2), 0.0);
        assert_eq!(exp_nonpositive(-1e300), 0.0);
        assert_eq!(exp_nonpositive(f64::NEG_INFINITY), 0.0);
        assert!(exp_nonpositive(f64::NAN).is_nan());
        // Subnormal results, where 2^k needs its two factors.
        for x in [-708.5, -720.0, -740.0] {
            assert!(ulps(exp_nonpositive(x), x.exp()) <= 1, "x = {x}");
        }
    }

    /// Values across every regime of the sigmoid, and the special ones.
    fn zs() -> Vec<f64> {
        let mut v: Vec<f64> = (-4000..=4000).map(|k| f64::from(k) / 100.0).collect();
        v.extend([
            0.0, -0.0, 1e-300, -1e-300, 700.0, -700.0, 745.5, -745.5, 1e300, -1e300,
        ]);
        v.extend([
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
            f64::MIN,
            f64::NAN,
        ]);
        v
    }

    fn same_bits<T: Real>(a: T, b: T) -> bool {
        a.as_f64().to_bits() == b.as_f64().to_bits()
    }

    /// The matrix path's vector pass must give the loop path's bits.
    fn apply_and_backprop_give_the_per_element_bits<T: Real>() {
        let z: Vec<T> = zs().into_iter().map(T::of_f64).collect();
        let da: Vec<T> = (0..z.len())
            .map(|k| T::of_f64(k as f64 / 7.0 - 3.0))
            .collect();
        for g in Activation::ALL {
            let mut a = vec![T::zero(); z.len()];
            g.apply(&z, &mut a);
            let mut dz = vec![T::zero(); z.len()];
            g.backprop(&da, &z, &mut dz);
            for k in 0..z.len() {
                assert!(same_bits(a[k], g.g(z[k])), "{g} at {}: {}", z[k], a[k]);
                let want = da[k] * g.g_prime(z[k]);
                assert!(same_bits(dz[k], want), "{g}' at {}: {}", z[k], dz[k]);
            }
        }
    }

    #[test]
    fn apply_and_backprop_give_the_per_element_bits_f64() {
        apply_and_backprop_give_the_per_element_bits::<f64>();
    }

    #[test]
    fn apply_and_backprop_give_the_per_element_bits_f32() {
        apply_and_backprop_give_the_per_element_bits::<f32>();
    }

    #[test]
    fn sigmoid_is_close_to_the_c_library_form() {
        for z in zs().into_iter().filter(|z| z.is_finite()) {
            let libm = if z >= 0.0 {
                1.0 / (1.0 + (-z).exp())
            } else {
                z.exp() / (1.0 + z.exp())
            };
            let s = sigmoid(z);
            assert!(
                (s - libm).abs() <= 4.0 * f64::EPSILON * libm,
                "σ({z}) = {s}, {libm}"
            );
        }
    }
}
