//! The two losses of the notes, with Keras' semantics: binary cross-entropy
//! (the course's *logistic loss*) and mean squared error.
//!
//! **Reduction.** Keras averages the per-output losses of an example, then
//! averages over the batch (`reduction="sum_over_batch_size"`), so the cost of
//! a batch of `m` examples with `n_out` outputs is
//! `J = (1/m) Σᵢ (1/n_out) Σⱼ ℓ(aᵢⱼ, yᵢⱼ)` and every output gradient carries
//! the factor `1/(m·n_out)`.
//!
//! **The output layer's gradient** `dZ = ∂J/∂Z` is computed here, in
//! [`Loss::output_dz`], and nowhere else: both paths call it, so the two paths
//! differ only in the layers' own arithmetic, where the notes say they differ.

use crate::activation::Activation;
use crate::error::{Error, Result};
use crate::real::Real;
use nalgebra::DMatrix;
use std::fmt;
use std::str::FromStr;

/// Keras' `backend.epsilon()`: probabilities are clipped to `[ε, 1 - ε]`
/// before a logarithm when binary cross-entropy is not computed from `z`.
pub const BCE_EPSILON: f64 = 1e-7;

/// A loss function, as passed to Keras' `model.compile(loss=...)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Loss {
    /// `BinaryCrossentropy()`: `ℓ = -y·ln a - (1 - y)·ln(1 - a)`, labels in `[0, 1]`.
    BinaryCrossEntropy,
    /// `MeanSquaredError()`: `ℓ = (a - y)²` (no ½ factor, as in Keras).
    MeanSquaredError,
}

impl Loss {
    /// Short name: `"bce"` or `"mse"`.
    pub fn name(self) -> &'static str {
        match self {
            Loss::BinaryCrossEntropy => "bce",
            Loss::MeanSquaredError => "mse",
        }
    }

    /// The loss `ℓ` of one output: prediction `a = g(z)`, target `y`.
    ///
    /// Binary cross-entropy on a **sigmoid** output is computed from `z`, in the
    /// form TensorFlow's `sigmoid_cross_entropy_with_logits` uses (and Keras
    /// uses when it sees a sigmoid output):
    /// `ℓ = max(z, 0) - z·y + ln(1 + e^{-|z|})`. It equals
    /// `-y·ln σ(z) - (1-y)·ln(1-σ(z))` and stays finite for every finite `z`,
    /// where `ln(1 - σ(z))` would be `ln 0` once `σ(z)` rounds to 1 (`z ≳ 37` in `f64`).
    /// On any other output activation the prediction is clipped to
    /// `[ε, 1 - ε]` ([`BCE_EPSILON`]) first, like Keras.
    ///
    /// ```
    /// use dualpath::{Activation, Loss};
    /// let bce = Loss::BinaryCrossEntropy.element(Activation::Sigmoid, 0.0_f64, 0.5, 1.0);
    /// assert!((bce - std::f64::consts::LN_2).abs() < 1e-15); // -ln(1/2)
    /// let mse = Loss::MeanSquaredError.element(Activation::Linear, 3.0_f64, 3.0, 1.0);
    /// assert_eq!(mse, 4.0);
    /// ```
    #[inline]
    pub fn element<T: Real>(self, g: Activation, z: T, a: T, y: T) -> T {
        let one = T::one();
        match (self, g) {
            (Loss::MeanSquaredError, _) => (a - y) * (a - y),
            (Loss::BinaryCrossEntropy, Activation::Sigmoid) => {
                z.max(T::zero()) - z * y + (-z.abs()).exp().ln_1p()
            }
            (Loss::BinaryCrossEntropy, _) => {
                let eps = T::of_f64(BCE_EPSILON);
                let p = a.clamp(eps, one - eps);
                -(y * p.ln() + (one - y) * (one - p).ln())
            }
        }
    }

    /// `∂J/∂z` of one output, given `scale = 1/(m·n_out)` from the reduction.
    ///
    /// - Mean squared error: `dA = 2(a - y)·scale`, then `dz = dA·g'(z)`.
    /// - Binary cross-entropy on a sigmoid output: `dz = (a - y)·scale`.
    ///   The chain rule would give `dA·σ'(z)` with
    ///   `dA = (a - y) / (a(1 - a))` and `σ'(z) = a(1 - a)`; the two `a(1 - a)`
    ///   cancel, leaving the course's logistic-regression gradient `a - y`.
    ///   The unsimplified product is not used: once `σ(z)` rounds to 1 (or
    ///   underflows to 0) it is `0/0 = NaN`, while `a - y` is always finite.
    /// - Binary cross-entropy on any other output: `dA = (p - y)/(p(1 - p))·scale`
    ///   on the clipped `p`, zero where `a` was clipped (Keras' clip passes no
    ///   gradient), then `dz = dA·g'(z)`.
    ///
    /// ```
    /// use dualpath::{Activation, Loss};
    /// // One example, one output: scale = 1. A confident wrong answer.
    /// let dz = Loss::BinaryCrossEntropy.output_dz_element(Activation::Sigmoid, 40.0_f64, 1.0, 0.0, 1.0);
    /// assert_eq!(dz, 1.0); // a - y, where a(1-a) would have been 0
    /// ```
    #[inline]
    pub fn output_dz_element<T: Real>(self, g: Activation, z: T, a: T, y: T, scale: T) -> T {
        let one = T::one();
        match (self, g) {
            (Loss::MeanSquaredError, _) => (a - y) * T::of_f64(2.0) * scale * g.g_prime(z),
            (Loss::BinaryCrossEntropy, Activation::Sigmoid) => (a - y) * scale,
            (Loss::BinaryCrossEntropy, _) => {
                let eps = T::of_f64(BCE_EPSILON);
                if a < eps || a > one - eps {
                    T::zero()
                } else {
                    (a - y) / (a * (one - a)) * scale * g.g_prime(z)
                }
            }
        }
    }

    /// The cost `J` of a batch: the mean over each example's outputs, then over
    /// the examples (Keras' reduction). `z`, `a`, `y` are `(m, n_out)`; `g` is
    /// the output layer's activation.
    ///
    /// # Panics
    /// If the three shapes differ (network-level callers check them first).
    pub fn value<T: Real>(
        self,
        g: Activation,
        z: &DMatrix<T>,
        a: &DMatrix<T>,
        y: &DMatrix<T>,
    ) -> T {
        assert!(
            z.shape() == a.shape() && a.shape() == y.shape(),
            "Loss::value: z {:?}, a {:?} and y {:?} must have one shape",
            z.shape(),
            a.shape(),
            y.shape()
        );
        let (m, n_out) = z.shape();
        let mut total = T::zero();
        for i in 0..m {
            let mut row = T::zero();
            for j in 0..n_out {
                row += self.element(g, z[(i, j)], a[(i, j)], y[(i, j)]);
            }
            total += row / T::of_f64(n_out as f64);
        }
        total / T::of_f64(m as f64)
    }

    /// The output layer's `dZ = ∂J/∂Z`, shape `(m, n_out)`, written into
    /// `dz`: the one place both paths get it from, for the whole batch at
    /// once. See [`Loss::output_dz_element`] for the formulas.
    ///
    /// ```
    /// use dualpath::{Activation, Loss};
    /// use nalgebra::{dmatrix, DMatrix};
    /// // Two examples, one sigmoid output: dZ = (A - Y)/m.
    /// let (z, a, y) = (dmatrix![0.0; 0.0], dmatrix![0.5; 0.5], dmatrix![1.0; 0.0]);
    /// let mut dz = DMatrix::zeros(2, 1);
    /// Loss::BinaryCrossEntropy.output_dz(&mut dz, Activation::Sigmoid, &z, &a, &y);
    /// assert_eq!(dz, dmatrix![-0.25; 0.25]);
    /// ```
    ///
    /// # Panics
    /// If the four shapes differ.
    pub fn output_dz<T: Real>(
        self,
        dz: &mut DMatrix<T>,
        g: Activation,
        z: &DMatrix<T>,
        a: &DMatrix<T>,
        y: &DMatrix<T>,
    ) {
        assert!(
            dz.shape() == z.shape() && z.shape() == a.shape() && a.shape() == y.shape(),
            "Loss::output_dz: dz {:?}, z {:?}, a {:?} and y {:?} must have one shape",
            dz.shape(),
            z.shape(),
            a.shape(),
            y.shape()
        );
        let scale = self.reduction().scale::<T>(z.nrows(), z.ncols());
        for (k, dz) in dz.as_mut_slice().iter_mut().enumerate() {
            let (zk, ak, yk) = (z.as_slice()[k], a.as_slice()[k], y.as_slice()[k]);
            *dz = self.output_dz_element(g, zk, ak, yk, scale);
        }
    }

    /// How Keras reduces this loss over a batch.
    pub fn reduction(self) -> Reduction {
        match self {
            // Both are element-wise: Keras averages the outputs of an example too.
            Loss::BinaryCrossEntropy | Loss::MeanSquaredError => Reduction::MeanOverOutputsAndBatch,
        }
    }

    /// The metric Keras' `metrics=["accuracy"]` picks for this loss, if any.
    pub fn metric(self) -> Option<Metric> {
        match self {
            Loss::BinaryCrossEntropy => Some(Metric::BinaryAccuracy),
            Loss::MeanSquaredError => None,
        }
    }

    /// Checks targets this loss can take: for binary cross-entropy every label
    /// lies in `[0, 1]` (soft labels are allowed, as in Keras).
    ///
    /// # Errors
    /// [`Error::LabelOutOfRange`] naming the first label outside `[0, 1]`.
    pub fn check_targets<T: Real>(self, y: &DMatrix<T>) -> Result<()> {
        if self == Loss::BinaryCrossEntropy {
            for i in 0..y.nrows() {
                for j in 0..y.ncols() {
                    let v = y[(i, j)];
                    if !(v >= T::zero() && v <= T::one()) {
                        return Err(Error::LabelOutOfRange {
                            row: i,
                            col: j,
                            value: v.as_f64(),
                        });
                    }
                }
            }
        }
        Ok(())
    }
}

/// How a loss of per-output terms becomes one number for a batch
/// (Keras' `reduction="sum_over_batch_size"` applied to what the loss returns
/// per example).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reduction {
    /// The mean over each example's outputs, then over the examples: Keras'
    /// element-wise losses (`BinaryCrossentropy`, `MeanSquaredError`), whose
    /// per-example value is already a mean over the last axis. Every output
    /// gradient carries `1/(m·n_out)`.
    MeanOverOutputsAndBatch,
}

impl Reduction {
    /// The factor each output's gradient carries for a batch of `m` examples
    /// with `n_out` outputs: `1/(m·n_out)`.
    pub fn scale<T: Real>(self, m: usize, n_out: usize) -> T {
        match self {
            Reduction::MeanOverOutputsAndBatch => T::one() / T::of_f64((m * n_out) as f64),
        }
    }
}

/// A metric reported beside the loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Metric {
    /// Keras' `binary_accuracy`: the fraction of outputs whose decision
    /// `a > 0.5` equals the label.
    BinaryAccuracy,
}

impl Metric {
    /// Keras' name for it.
    pub fn name(self) -> &'static str {
        match self {
            Metric::BinaryAccuracy => "accuracy",
        }
    }

    /// How many outputs are right, and of how many: the accuracy is their ratio.
    ///
    /// ```
    /// use dualpath::loss::Metric;
    /// use nalgebra::dmatrix;
    /// let (a, y) = (dmatrix![0.9; 0.2; 0.6], dmatrix![1.0; 1.0; 1.0]);
    /// assert_eq!(Metric::BinaryAccuracy.correct(&a, &y), (2, 3));
    /// ```
    ///
    /// # Panics
    /// If the shapes differ.
    pub fn correct<T: Real>(self, a: &DMatrix<T>, y: &DMatrix<T>) -> (usize, usize) {
        assert_eq!(
            a.shape(),
            y.shape(),
            "Metric::correct: A and Y differ in shape"
        );
        match self {
            Metric::BinaryAccuracy => {
                let half = T::of_f64(0.5);
                let right = a
                    .iter()
                    .zip(y.iter())
                    .filter(|&(&a, &y)| (if a > half { T::one() } else { T::zero() }) == y)
                    .count();
                (right, a.len())
            }
        }
    }
}

impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Loss {
    type Err = Error;

    /// Parses `bce` / `binary_crossentropy` and `mse` / `mean_squared_error`.
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "bce" | "binary_crossentropy" | "binarycrossentropy" => Ok(Loss::BinaryCrossEntropy),
            "mse" | "mean_squared_error" | "meansquarederror" => Ok(Loss::MeanSquaredError),
            _ => Err(Error::InvalidSetting {
                name: "loss".into(),
                detail: format!("{s:?} is not a loss: expected bce or mse"),
            }),
        }
    }
}
