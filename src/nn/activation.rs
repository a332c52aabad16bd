//! Activation functions `g(z)` and their derivatives `g'(z)`, each pair side by side.
//!
//! The notes' network uses `sigmoid` everywhere; `relu`, `linear` and `tanh` are
//! the other activations Course 2 introduces. Both paths call exactly these
//! functions (the loop path one example's row at a time with
//! [`Activation::activate_row`], the matrix path over a whole matrix with
//! [`Activation::activate`]), so for the same `z` they return the same bits:
//! the equivalence contract depends on it.

use crate::real::Real;
use dualpath_kernels::vectors::Vectors;
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
/// whole matrix ([`Activation::apply`]) compiles to vector instructions.
/// Everything is computed in `T` itself, so an `f32` pass handles twice as
/// many values per instruction as an `f64` one.
///
/// ```
/// use dualpath::nn::activation::sigmoid;
/// assert_eq!(sigmoid(0.0_f64), 0.5);
/// assert_eq!(sigmoid(1e4_f64), 1.0);
/// assert_eq!(sigmoid(-1e4_f64), 0.0);
/// assert_eq!(sigmoid(-1e4_f32), 0.0);
/// ```
#[inline(always)]
pub fn sigmoid<T: Real>(z: T) -> T {
    let one = T::one();
    let e = exp_nonpositive(-z.abs()); // e^{-z} for z ≥ 0, e^{z} for z < 0
    let numerator = if z >= T::zero() { one } else { e };
    numerator / (one + e)
}

/// `σ'(z) = a·(1 - a)`, from the layer's output `a = σ(z)`: at most 1/4 (at `z = 0`).
///
/// Backward propagation takes the derivative from the activation the forward
/// pass cached, as TensorFlow's `SigmoidGrad` does (`dy·y·(1 - y)`), so it
/// computes no exponential of its own. [`Activation::g_prime`] calls it.
///
/// ```
/// use dualpath::nn::activation::{sigmoid, sigmoid_prime};
/// assert_eq!(sigmoid_prime(sigmoid(0.0_f64)), 0.25);
/// ```
#[inline(always)]
pub fn sigmoid_prime<T: Real>(a: T) -> T {
    a * (T::one() - a)
}

/// `e^x` for `x ≤ 0`, computed in `T` itself: the sigmoid's `e^{-|z|}` and
/// softmax's `e^{z_j - max}`. The arithmetic is the kernels crate's
/// ([`dualpath_kernels::exp`]): plain operations with no call into the C
/// library, so that a pass over a whole matrix vectorises.
///
/// ```
/// use dualpath::nn::activation::exp_nonpositive;
/// assert_eq!(exp_nonpositive(0.0_f32), 1.0);
/// assert!((exp_nonpositive(-1.0_f64) - (-1.0_f64).exp()).abs() <= f64::EPSILON / 2.0);
/// ```
#[inline(always)]
pub fn exp_nonpositive<T: Real>(x: T) -> T {
    x.exp_nonpositive()
}

/// `e^x - 1` for `x ≤ 0`, computed in `T` itself, as [`exp_nonpositive`] is.
///
/// ```
/// use dualpath::nn::activation::expm1_nonpositive;
/// assert_eq!(expm1_nonpositive(-1e-30_f32), -1e-30);
/// ```
#[inline(always)]
pub fn expm1_nonpositive<T: Real>(x: T) -> T {
    x.expm1_nonpositive()
}

/// `relu(z) = max(0, z)`.
#[inline]
pub fn relu<T: Real>(z: T) -> T {
    if z > T::zero() { z } else { T::zero() }
}

/// `relu'(z)`: 1 for `z > 0`, else 0. At the kink `z = 0` it is 0, as in TensorFlow.
///
/// ```
/// use dualpath::nn::activation::relu_prime;
/// assert_eq!(relu_prime(0.0_f64), 0.0);
/// assert_eq!(relu_prime(2.0_f64), 1.0);
/// ```
#[inline]
pub fn relu_prime<T: Real>(z: T) -> T {
    if z > T::zero() { T::one() } else { T::zero() }
}

/// `tanh(z) = (1 - e^{-2|z|}) / (1 + e^{-2|z|})`, with the sign of `z`.
///
/// With `m = e^{-2|z|} - 1` from [`expm1_nonpositive`], `tanh|z| = -m / (2 + m)`: the exponent is never positive, nothing
/// overflows, and near 0, where `1 - e^{-2|z|}` would cancel, `m` keeps
/// every digit. Plain arithmetic in `T` itself, like the [`sigmoid`], so a
/// pass over a matrix compiles to vector instructions (the C library's
/// `tanh` is a call per value).
///
/// Accuracy: in `f64`, within 2.5 units in the last place of the exact
/// value on 170 000 arguments in `[0, 20]` checked at 200-bit precision
/// (the C library's `tanh` is within about 2 there), and within 3 of the C
/// library's on every value the unit tests try; in `f32`, within 2 of the
/// correctly rounded value there.
///
/// ```
/// use dualpath::nn::activation::tanh;
/// assert_eq!(tanh(0.0_f64), 0.0);
/// assert_eq!(tanh(1e4_f64), 1.0);
/// assert_eq!(tanh(-1e4_f32), -1.0);
/// assert!((tanh(0.5_f64) - 0.5_f64.tanh()).abs() <= f64::EPSILON);
/// ```
#[inline(always)]
pub fn tanh<T: Real>(z: T) -> T {
    let m = expm1_nonpositive(-(z.abs() + z.abs())); // e^{-2|z|} - 1; -2|z| is exact
    let t = -m / (T::of_f64(2.0) + m);
    t.copysign(z)
}

/// `tanh'(z) = 1 - a²`, from the layer's output `a = tanh(z)`, as
/// TensorFlow's `TanhGrad` takes it (`dy·(1 - y²)`).
///
/// ```
/// use dualpath::nn::activation::tanh_prime;
/// assert_eq!(tanh_prime(0.0_f64), 1.0);
/// ```
#[inline(always)]
pub fn tanh_prime<T: Real>(a: T) -> T {
    T::one() - a * a
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

    /// `g'(z)` for one value, given also `a = g(z)`, the value the forward
    /// pass cached: the sigmoid's and tanh's derivatives are functions of `a`
    /// (`a(1 - a)` and `1 - a²`), as TensorFlow computes them, so backward
    /// propagation needs no exponential; relu's and linear's read `z`.
    /// Both paths call this for every unit, so they get the same bits.
    ///
    /// ```
    /// use dualpath::Activation;
    /// let g = Activation::Sigmoid;
    /// assert_eq!(g.g_prime(0.0_f64, g.g(0.0)), 0.25);
    /// ```
    ///
    /// # Panics
    /// For softmax, whose derivative couples the units (its `dZ` comes from the loss).
    #[inline]
    pub fn g_prime<T: Real>(self, z: T, a: T) -> T {
        match self {
            Activation::Linear => T::one(),
            Activation::Relu => relu_prime(z),
            Activation::Sigmoid => sigmoid_prime(a),
            Activation::Tanh => tanh_prime(a),
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
    /// compiler turns into vector instructions: AVX-512 or AVX2 ones when the
    /// processor has them ([`Vectors::detected`]). Each element goes through
    /// the function [`Activation::g`] calls for that activation, so both paths
    /// get the same bits.
    ///
    /// # Panics
    /// If the slices differ in length.
    pub fn apply<T: Real>(self, z: &[T], a: &mut [T]) {
        self.apply_with(Vectors::detected(), z, a);
    }

    /// [`Activation::apply`] compiled for the given instruction set (which
    /// the processor must have: see [`Vectors::available`]).
    fn apply_with<T: Real>(self, vectors: Vectors, z: &[T], a: &mut [T]) {
        assert_eq!(
            z.len(),
            a.len(),
            "Activation::apply: z and a differ in length"
        );
        // Plain `for` loops, not `for_each` with a closure: the body must be
        // compiled inside the vector function, not called from it.
        match self {
            Activation::Softmax => panic!("{}", SOFTMAX_IS_NOT_ELEMENTWISE),
            Activation::Linear => a.copy_from_slice(z),
            Activation::Relu => vectors.run(|| {
                for (a, &z) in a.iter_mut().zip(z) {
                    *a = relu(z);
                }
            }),
            Activation::Sigmoid => vectors.run(|| {
                for (a, &z) in a.iter_mut().zip(z) {
                    *a = sigmoid(z);
                }
            }),
            Activation::Tanh => vectors.run(|| {
                for (a, &z) in a.iter_mut().zip(z) {
                    *a = tanh(z);
                }
            }),
        }
    }

    /// `dz[k] = da[k] · g'(z[k])` for every element, with `g'` read from the
    /// cached `a[k] = g(z[k])`: the matrix path's `dZ = dA ⊙ g'(Z)`.
    ///
    /// As in [`Activation::apply`], the `match` is taken once and each arm is
    /// a plain loop over the very function [`Activation::g_prime`] calls for
    /// that activation, so both paths get the same bits.
    ///
    /// # Panics
    /// If the slices differ in length.
    pub fn backprop<T: Real>(self, da: &[T], z: &[T], a: &[T], dz: &mut [T]) {
        self.backprop_with(Vectors::detected(), da, z, a, dz);
    }

    /// [`Activation::backprop`] compiled for the given instruction set.
    fn backprop_with<T: Real>(self, vectors: Vectors, da: &[T], z: &[T], a: &[T], dz: &mut [T]) {
        assert!(
            da.len() == z.len() && z.len() == a.len() && a.len() == dz.len(),
            "Activation::backprop: da ({}), z ({}), a ({}) and dz ({}) differ in length",
            da.len(),
            z.len(),
            a.len(),
            dz.len()
        );
        match self {
            Activation::Softmax => panic!("{}", SOFTMAX_IS_NOT_ELEMENTWISE),
            Activation::Linear => dz.copy_from_slice(da),
            Activation::Relu => vectors.run(|| {
                for (dz, (&da, &z)) in dz.iter_mut().zip(da.iter().zip(z)) {
                    *dz = da * relu_prime(z);
                }
            }),
            Activation::Sigmoid => vectors.run(|| {
                for (dz, (&da, &a)) in dz.iter_mut().zip(da.iter().zip(a)) {
                    *dz = da * sigmoid_prime(a);
                }
            }),
            Activation::Tanh => vectors.run(|| {
                for (dz, (&da, &a)) in dz.iter_mut().zip(da.iter().zip(a)) {
                    *dz = da * tanh_prime(a);
                }
            }),
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
/// [`exp_nonpositive`] (in `T` itself), the sum adds
/// them in unit order: every caller (the loop path, the matrix path, the
/// losses) gets the same bits for the same row.
///
/// ```
/// use dualpath::nn::activation::softmax_parts;
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

/// `e^{z - max}` for `z ≤ max`, in `T`.
#[inline(always)]
pub fn exp_shifted<T: Real>(z: T, max: T) -> T {
    exp_nonpositive(z - max)
}

/// `a = softmax(z)` for one example's row: `a_j = e^{z_j - max} / Σ_k e^{z_k - max}`.
///
/// The course's `my_softmax` (the Softmax lab and the week 2 assignment
/// write it `ez = np.exp(z); a = ez / np.sum(ez)`), with the maximum
/// subtracted first for stability:
/// ```python
/// ez = np.exp(z - np.max(z))
/// a = ez / np.sum(ez)
/// ```
///
/// ```
/// use dualpath::nn::activation::softmax_row;
/// use nalgebra::RowDVector;
/// let z = RowDVector::from_row_slice(&[1.0_f64, 2.0, 3.0, 4.0]);
/// let mut a = RowDVector::zeros(4);
/// softmax_row(&z, &mut a);
/// // The week 2 assignment's public test asks for TensorFlow's softmax within 1e-10;
/// // e⁴ / (e + e² + e³ + e⁴) = 0.6439142598879722 (Python's math.exp).
/// assert!((a[3] - 0.6439142598879722).abs() < 1e-10 && (a.sum() - 1.0).abs() < 1e-15);
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
    use crate::real::ulps_between;

    /// The largest distance in ulps between `ours` and `reference` over `xs`,
    /// with the argument where it occurs.
    fn worst<T: Real>(
        xs: impl Iterator<Item = T>,
        ours: impl Fn(T) -> T,
        reference: impl Fn(T) -> T,
    ) -> (u64, T) {
        xs.map(|x| (ulps_between(ours(x), reference(x)), x))
            .fold((0, T::zero()), |w, d| if d.0 > w.0 { d } else { w })
    }

    /// `x ≤ 0` in `f64` at four scales, 200 001 values each.
    fn nonpositive_f64() -> impl Iterator<Item = f64> {
        [745.0, 40.0, 1.0, 1e-6]
            .into_iter()
            .flat_map(|scale| (0..=200_000).map(move |i| -(i as f64) / 200_000.0 * scale))
    }

    /// About a million `f32` in `[lo, 0]`, evenly spaced in their bit
    /// patterns (so as many near 0 as near `lo`), with both ends.
    fn nonpositive_f32(lo: f32) -> impl Iterator<Item = f32> {
        let (from, to) = ((-0.0_f32).to_bits(), lo.to_bits());
        let step = ((to - from) / 1_000_000).max(1) as usize;
        (from..=to).step_by(step).chain([to]).map(f32::from_bits)
    }

    /// `e^x` and friends in `f32`, correctly rounded (nearly always) from the
    /// C library's `f64`.
    fn via_f64(f: fn(f64) -> f64) -> impl Fn(f32) -> f32 {
        move |x| f(f64::from(x)) as f32
    }

    #[test]
    fn tanh_is_within_three_ulps_of_the_c_library() {
        // Both signs, and past where tanh rounds to ±1.
        let zs = nonpositive_f64().flat_map(|x| [x / 10.0, -x / 10.0]);
        let (d, z) = worst(zs, tanh, f64::tanh);
        println!("tanh, f64: at most {d} ulps from the C library's (at {z:e})");
        assert!(d <= 3, "f64: {d} ulps at z = {z:e}");
        let zs = nonpositive_f32(-20.0).flat_map(|x| [x, -x]);
        let (d, z) = worst(zs, tanh, via_f64(f64::tanh));
        println!("tanh, f32: at most {d} ulps from the rounded value (at {z:e})");
        assert!(d <= 3, "f32: {d} ulps at z = {z:e}");
    }

    #[test]
    fn tanh_at_the_edges() {
        for (z, t) in [
            (0.0_f64, 0.0_f64),
            (1e-300, 1e-300),
            (5e-324, 5e-324),
            (30.0, 1.0),
            (1e300, 1.0),
            (f64::INFINITY, 1.0),
        ] {
            assert_eq!(tanh(z).to_bits(), t.to_bits(), "tanh({z})");
            assert_eq!(tanh(-z).to_bits(), (-t).to_bits(), "tanh({})", -z);
        }
        assert_eq!(tanh(-0.0_f64).to_bits(), (-0.0_f64).to_bits());
        assert_eq!(tanh(f32::MAX), 1.0);
        assert_eq!(tanh(f32::NEG_INFINITY), -1.0);
        assert!(tanh(f64::NAN).is_nan() && tanh(f32::NAN).is_nan());
    }

    /// Values across every regime of the activations, and the special ones.
    fn zs() -> Vec<f64> {
        let mut v: Vec<f64> = (-4000..=4000).map(|k| f64::from(k) / 100.0).collect();
        v.extend([
            0.0, -0.0, 1e-300, -1e-300, 700.0, -700.0, 745.5, -745.5, 1e300, -1e300, 0.125,
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

    /// Every vector variant of the matrix path's pass must give the loop
    /// path's per-element bits: the variant this processor picks and each
    /// narrower one, run directly. (An odd length leaves a tail after the
    /// last full vector.)
    fn every_variant_gives_the_per_element_bits<T: Real>() {
        let z: Vec<T> = zs().into_iter().map(T::of_f64).collect();
        assert!(z.len() % 2 == 1);
        let da: Vec<T> = (0..z.len())
            .map(|k| T::of_f64(k as f64 / 7.0 - 3.0))
            .collect();
        let variants = Vectors::available();
        assert!(variants.contains(&Vectors::Baseline) && variants.contains(&Vectors::detected()));
        for g in Activation::ALL {
            let a_want: Vec<T> = z.iter().map(|&z| g.g(z)).collect();
            let dz_want: Vec<T> = (0..z.len())
                .map(|k| da[k] * g.g_prime(z[k], a_want[k]))
                .collect();
            for &v in &variants {
                let mut a = vec![T::of_f64(7.0); z.len()];
                g.apply_with(v, &z, &mut a);
                let mut dz = vec![T::of_f64(7.0); z.len()];
                g.backprop_with(v, &da, &z, &a_want, &mut dz);
                for k in 0..z.len() {
                    assert!(
                        same_bits(a[k], a_want[k]),
                        "{g}, {v:?}, at {}: {}",
                        z[k],
                        a[k]
                    );
                    assert!(
                        same_bits(dz[k], dz_want[k]),
                        "{g}', {v:?}, at {}: {}",
                        z[k],
                        dz[k]
                    );
                }
            }
            // And the public entry points, which pick the detected variant.
            let mut a = vec![T::zero(); z.len()];
            g.apply(&z, &mut a);
            let mut dz = vec![T::zero(); z.len()];
            g.backprop(&da, &z, &a_want, &mut dz);
            assert!(
                (0..z.len()).all(|k| same_bits(a[k], a_want[k]) && same_bits(dz[k], dz_want[k]))
            );
        }
    }

    #[test]
    fn every_variant_gives_the_per_element_bits_f64() {
        every_variant_gives_the_per_element_bits::<f64>();
    }

    #[test]
    fn every_variant_gives_the_per_element_bits_f32() {
        every_variant_gives_the_per_element_bits::<f32>();
    }

    #[test]
    fn sigmoid_is_close_to_the_c_library_form() {
        let libm = |z: f64| {
            if z >= 0.0 {
                1.0 / (1.0 + (-z).exp())
            } else {
                z.exp() / (1.0 + z.exp())
            }
        };
        for z in zs().into_iter().filter(|z| z.is_finite()) {
            let s = sigmoid(z);
            let want = libm(z);
            assert!(
                (s - want).abs() <= 4.0 * f64::EPSILON * want,
                "σ({z}) = {s}, {want}"
            );
            // f32: within 2 ulps of the f64 value rounded (exp within 1, then an add and a divide).
            let z32 = z as f32;
            let (s32, want32) = (sigmoid(z32), libm(f64::from(z32)) as f32);
            assert!(ulps_between(s32, want32) <= 2, "σ({z32}) = {s32}, {want32}");
        }
    }

    #[test]
    fn derivatives_from_the_cached_output_match_the_formulas() {
        for z in zs().into_iter().filter(|z| z.is_finite()) {
            let s = sigmoid(z);
            assert_eq!(Activation::Sigmoid.g_prime(z, s), s * (1.0 - s));
            let t = tanh(z);
            assert_eq!(Activation::Tanh.g_prime(z, t), 1.0 - t * t);
            assert_eq!(
                Activation::Relu.g_prime(z, relu(z)),
                if z > 0.0 { 1.0 } else { 0.0 }
            );
            assert_eq!(Activation::Linear.g_prime(z, z), 1.0);
        }
    }
}
