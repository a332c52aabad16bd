//! Activation functions `g(z)` and their derivatives `g'(z)`, each pair side by side.
//!
//! The notes' network uses `sigmoid` everywhere; `relu`, `linear` and `tanh` are
//! the other activations Course 2 introduces. Both paths call exactly these
//! functions (the loop path one unit at a time, the matrix path over a whole
//! matrix with [`Activation::apply`]), so for the same `z` they return the same
//! bits: the equivalence contract depends on it.

use crate::real::Real;
use std::fmt;
use std::str::FromStr;

/// `σ(z) = 1 / (1 + e^{-z})`, computed without overflow for every finite `z`.
///
/// For `z ≥ 0` it evaluates `1 / (1 + e^{-z})`, and for `z < 0` the equal
/// `e^{z} / (1 + e^{z})`: the exponent is never positive, so `e^{…}` lies in
/// `(0, 1]` and nothing overflows (the naive form takes `e^{10000}` = ∞ at
/// `z = -10⁴`, and then `1/∞` happens to work but `∞/∞` does not).
///
/// ```
/// use dualpath::activation::sigmoid;
/// assert_eq!(sigmoid(0.0_f64), 0.5);
/// assert_eq!(sigmoid(1e4_f64), 1.0);
/// assert_eq!(sigmoid(-1e4_f64), 0.0);
/// ```
#[inline]
pub fn sigmoid<T: Real>(z: T) -> T {
    let one = T::one();
    if z >= T::zero() {
        one / (one + (-z).exp())
    } else {
        let e = z.exp();
        e / (one + e)
    }
}

/// `σ'(z) = σ(z)·(1 - σ(z))`, at most 1/4 (at `z = 0`).
///
/// ```
/// use dualpath::activation::sigmoid_prime;
/// assert_eq!(sigmoid_prime(0.0_f64), 0.25);
/// ```
#[inline]
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
}

impl Activation {
    /// Every activation, for tests and help texts.
    pub const ALL: [Activation; 4] = [
        Activation::Linear,
        Activation::Relu,
        Activation::Sigmoid,
        Activation::Tanh,
    ];

    /// Keras' name for it: `"linear"`, `"relu"`, `"sigmoid"` or `"tanh"`.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Linear => "linear",
            Activation::Relu => "relu",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
        }
    }

    /// `g(z)` for one value.
    #[inline]
    pub fn g<T: Real>(self, z: T) -> T {
        match self {
            Activation::Linear => z,
            Activation::Relu => relu(z),
            Activation::Sigmoid => sigmoid(z),
            Activation::Tanh => tanh(z),
        }
    }

    /// `g'(z)` for one value.
    #[inline]
    pub fn g_prime<T: Real>(self, z: T) -> T {
        match self {
            Activation::Linear => T::one(),
            Activation::Relu => relu_prime(z),
            Activation::Sigmoid => sigmoid_prime(z),
            Activation::Tanh => tanh_prime(z),
        }
    }

    /// `a[k] = g(z[k])` for every element: the matrix path's `A = g(Z)`.
    ///
    /// The `match` is taken once, outside the loop, so each arm is a plain loop
    /// over two slices that the compiler can unroll and vectorise. Each element
    /// goes through the same [`Activation::g`] the loop path calls.
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
            Activation::Linear => a.copy_from_slice(z),
            Activation::Relu => a.iter_mut().zip(z).for_each(|(a, &z)| *a = relu(z)),
            Activation::Sigmoid => a.iter_mut().zip(z).for_each(|(a, &z)| *a = sigmoid(z)),
            Activation::Tanh => a.iter_mut().zip(z).for_each(|(a, &z)| *a = tanh(z)),
        }
    }

    /// `dz[k] = da[k] · g'(z[k])` for every element: the matrix path's `dZ = dA ⊙ g'(Z)`.
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
        match self {
            Activation::Linear => dz.copy_from_slice(da),
            _ => {
                for ((dz, &da), &z) in dz.iter_mut().zip(da).zip(z) {
                    *dz = da * self.g_prime(z);
                }
            }
        }
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
            "unknown activation {:?}: expected one of linear, relu, sigmoid, tanh",
            self.0
        )
    }
}

impl std::error::Error for UnknownActivation {}

impl FromStr for Activation {
    type Err = UnknownActivation;

    /// Parses Keras' names, ignoring ASCII case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Activation::ALL
            .into_iter()
            .find(|g| g.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownActivation(s.to_string()))
    }
}
