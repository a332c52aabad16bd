//! The losses of Course 2, with Keras' semantics: binary cross-entropy (the
//! course's *logistic loss*) and mean squared error (week 1), and the
//! categorical cross-entropies of multiclass classification (week 2), each
//! on probabilities or, `from_logits`, on the last layer's raw outputs.
//!
//! **Reduction.** For the element-wise losses (binary cross-entropy, mean
//! squared error) Keras averages the per-output losses of an example, then
//! averages over the batch (`reduction="sum_over_batch_size"`), so the cost
//! of a batch of `m` examples with `n_out` outputs is
//! `J = (1/m) Σᵢ (1/n_out) Σⱼ ℓ(aᵢⱼ, yᵢⱼ)` and every output gradient carries
//! the factor `1/(m·n_out)`. A categorical cross-entropy is one number per
//! example, so `J = (1/m) Σᵢ ℓᵢ` and the factor is `1/m` ([`Reduction`]).
//!
//! **Logits.** With a softmax output, Keras computes the categorical
//! cross-entropies from the softmax's input `z` (it keeps the
//! pre-activation), exactly as with `from_logits=True` on a linear output:
//! `ℓ = ln Σ_k e^{z_k} - z_y` by log-sum-exp, never a logarithm of a clipped
//! probability, and `dZ = (softmax(Z) − Y)/m`. Binary cross-entropy on a
//! sigmoid output is computed from `z` the same way. [`Loss::check_output`]
//! says which output layers each loss can take.
//!
//! **The output layer's gradient** `dZ = ∂J/∂Z` is computed here, in
//! [`Loss::output_dz`], and nowhere else: both paths call it, so the two paths
//! differ only in the layers' own arithmetic, where the notes say they differ.

use crate::error::{Error, Result};
use crate::nn::activation::{Activation, exp_shifted, sigmoid, softmax_parts};
use crate::real::Real;
use nalgebra::{DMatrix, Dyn, Matrix, RawStorage, U1};
use std::fmt;
use std::str::FromStr;

/// Keras' `backend.epsilon()`: probabilities are clipped to `[ε, 1 - ε]`
/// before a logarithm when binary cross-entropy is not computed from `z`.
pub const BCE_EPSILON: f64 = 1e-7;

/// Rows taken at a time by [`Loss::value`] and [`Loss::row_losses`].
const ROW_BLOCK: usize = 64;

/// Which loss: the four of Course 2, named as Keras names their classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LossKind {
    /// `BinaryCrossentropy`: `ℓ = -y·ln a - (1 - y)·ln(1 - a)`, labels in `[0, 1]`.
    BinaryCrossentropy,
    /// `MeanSquaredError`: `ℓ = (a - y)²` (no ½ factor, as in Keras).
    MeanSquaredError,
    /// `SparseCategoricalCrossentropy`: `ℓ = -ln a_y` for the class id `y`
    /// in `0..K`, on a softmax output.
    SparseCategoricalCrossentropy,
    /// `CategoricalCrossentropy`: `ℓ = -Σ_j y_j ln a_j` for a one-hot (or
    /// probability) row `y`, on a softmax output.
    CategoricalCrossentropy,
}

/// A loss function, as passed to Keras' `model.compile(loss=...)`: a kind,
/// and Keras' `from_logits`, which says the last layer is linear and its
/// outputs are logits, turned into probabilities inside the loss.
///
/// ```
/// use dualpath::Loss;
/// use dualpath::nn::loss::LossKind;
/// // SparseCategoricalCrossentropy(from_logits=True)
/// let loss = Loss::SPARSE_CATEGORICAL_CROSSENTROPY.with_logits();
/// assert_eq!((loss.kind(), loss.from_logits()), (LossKind::SparseCategoricalCrossentropy, true));
/// assert_eq!(loss.keras_name(), "SparseCategoricalCrossentropy(from_logits=True)");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Loss {
    kind: LossKind,
    from_logits: bool,
}

/// What a loss needs of the output layer, from [`Loss::check_output`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reads {
    /// Binary cross-entropy from `z`: `σ(z)` is the probability.
    SigmoidLogits,
    /// Binary cross-entropy on probabilities clipped to `[ε, 1 - ε]`.
    ClippedProbabilities,
    /// Mean squared error on `a`.
    Outputs,
    /// A categorical cross-entropy from `z`: `softmax(z)` are the probabilities.
    SoftmaxLogits,
}

impl Loss {
    /// `BinaryCrossentropy()`, on probabilities (or, with a sigmoid output, its `z`).
    pub const BINARY_CROSSENTROPY: Loss = Loss::new(LossKind::BinaryCrossentropy);
    /// `MeanSquaredError()`.
    pub const MEAN_SQUARED_ERROR: Loss = Loss::new(LossKind::MeanSquaredError);
    /// `SparseCategoricalCrossentropy()`, class ids as targets.
    pub const SPARSE_CATEGORICAL_CROSSENTROPY: Loss =
        Loss::new(LossKind::SparseCategoricalCrossentropy);
    /// `CategoricalCrossentropy()`, one-hot (or probability) rows as targets.
    pub const CATEGORICAL_CROSSENTROPY: Loss = Loss::new(LossKind::CategoricalCrossentropy);

    /// Every loss: each kind, and each cross-entropy with logits.
    pub const ALL: [Loss; 7] = [
        Loss::BINARY_CROSSENTROPY,
        Loss::BINARY_CROSSENTROPY.with_logits(),
        Loss::MEAN_SQUARED_ERROR,
        Loss::SPARSE_CATEGORICAL_CROSSENTROPY,
        Loss::SPARSE_CATEGORICAL_CROSSENTROPY.with_logits(),
        Loss::CATEGORICAL_CROSSENTROPY,
        Loss::CATEGORICAL_CROSSENTROPY.with_logits(),
    ];

    /// The loss of this kind, without logits.
    pub const fn new(kind: LossKind) -> Loss {
        Loss {
            kind,
            from_logits: false,
        }
    }

    /// The same cross-entropy with `from_logits=True`.
    ///
    /// # Panics
    /// For mean squared error, which has no logits (a bug in the caller:
    /// [`Loss::with_from_logits`] is the checked form, for what a user gives).
    pub const fn with_logits(self) -> Loss {
        assert!(
            !matches!(self.kind, LossKind::MeanSquaredError),
            "Loss::with_logits: mean squared error has no logits"
        );
        Loss {
            kind: self.kind,
            from_logits: true,
        }
    }

    /// Which loss.
    pub fn kind(self) -> LossKind {
        self.kind
    }

    /// Keras' `from_logits=True`: the last layer is linear and its outputs
    /// are logits, turned into probabilities inside the loss.
    pub fn from_logits(self) -> bool {
        self.from_logits
    }

    /// Short name: `"bce"`, `"mse"`, `"scce"` or `"cce"` (the `from_logits`
    /// forms have the same name: see [`Loss::from_logits`]).
    pub fn name(self) -> &'static str {
        match self.kind {
            LossKind::BinaryCrossentropy => "bce",
            LossKind::MeanSquaredError => "mse",
            LossKind::SparseCategoricalCrossentropy => "scce",
            LossKind::CategoricalCrossentropy => "cce",
        }
    }

    /// Keras' name, e.g. `SparseCategoricalCrossentropy(from_logits=True)`.
    pub fn keras_name(self) -> String {
        let base = match self.kind {
            LossKind::BinaryCrossentropy => "BinaryCrossentropy",
            LossKind::MeanSquaredError => "MeanSquaredError",
            LossKind::SparseCategoricalCrossentropy => "SparseCategoricalCrossentropy",
            LossKind::CategoricalCrossentropy => "CategoricalCrossentropy",
        };
        if self.from_logits {
            format!("{base}(from_logits=True)")
        } else {
            format!("{base}()")
        }
    }

    /// The same loss with `from_logits=True` (`true`) or without.
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] for mean squared error, which has no logits.
    pub fn with_from_logits(self, from_logits: bool) -> Result<Loss> {
        if from_logits && self.kind == LossKind::MeanSquaredError {
            return Err(Error::InvalidSetting {
                name: "--from-logits".into(),
                detail: "mean squared error has no logits: from_logits applies to the \
                         cross-entropies (bce, scce, cce)"
                    .into(),
            });
        }
        Ok(Loss {
            kind: self.kind,
            from_logits,
        })
    }

    /// Whether the loss compares each output with its own target (binary
    /// cross-entropy, mean squared error) rather than a whole row of class
    /// probabilities (the categorical cross-entropies).
    pub fn is_elementwise(self) -> bool {
        matches!(
            self.kind,
            LossKind::BinaryCrossentropy | LossKind::MeanSquaredError
        )
    }

    /// Whether the targets are class ids, one per example (the sparse
    /// categorical cross-entropy), rather than one value per output.
    pub fn takes_class_ids(self) -> bool {
        self.kind == LossKind::SparseCategoricalCrossentropy
    }

    /// Columns of the targets for a network of `n_out` outputs: one class id
    /// per example for the sparse categorical cross-entropy, else `n_out`.
    pub fn target_columns(self, n_out: usize) -> usize {
        if self.takes_class_ids() { 1 } else { n_out }
    }

    /// Checks that this loss can take an output layer with activation `g`,
    /// as Keras would compute it:
    ///
    /// | loss | `sigmoid` | `relu`, `tanh` | `linear` | `softmax` |
    /// | --- | --- | --- | --- | --- |
    /// | `bce` | from `z` | clipped `a` | refused | refused |
    /// | `bce`, from logits | refused | refused | from `z` | refused |
    /// | `mse` | `a` | `a` | `a` | refused |
    /// | `scce`, `cce` | refused | refused | refused | from `z` |
    /// | `scce`, `cce`, from logits | refused | refused | from `z` | refused |
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] saying why, and what to use instead.
    pub fn check_output(self, g: Activation) -> Result<()> {
        self.reads(g).map(drop)
    }

    fn reads(self, g: Activation) -> Result<Reads> {
        use Activation::*;
        let refuse = |detail: String| {
            Err(Error::InvalidSetting {
                name: "loss".into(),
                detail,
            })
        };
        use LossKind::*;
        match (self.kind, self.from_logits, g) {
            (MeanSquaredError, _, Softmax) => refuse(
                "mean squared error on a softmax output is not supported: a softmax output goes \
                 with a categorical cross-entropy (--loss scce or cce)"
                    .into(),
            ),
            (MeanSquaredError, _, _) => Ok(Reads::Outputs),
            (BinaryCrossentropy, false, Sigmoid) => Ok(Reads::SigmoidLogits),
            (BinaryCrossentropy, false, Relu | Tanh) => Ok(Reads::ClippedProbabilities),
            (BinaryCrossentropy, false, Linear) => refuse(
                "binary cross-entropy on a linear last layer: Keras would treat its outputs as \
                 probabilities, and they are not; give --from-logits \
                 (BinaryCrossentropy(from_logits=True)) or make the last layer sigmoid"
                    .into(),
            ),
            (BinaryCrossentropy, false, Softmax) => refuse(
                "binary cross-entropy on a softmax output: use a categorical cross-entropy \
                 (--loss scce for class ids, cce for one-hot rows)"
                    .into(),
            ),
            (BinaryCrossentropy, true, Linear) => Ok(Reads::SigmoidLogits),
            (_, true, Linear) => Ok(Reads::SoftmaxLogits),
            (_, true, other) => refuse(format!(
                "--from-logits needs a linear last layer, whose outputs are the logits; this one \
                 is {other}: drop --from-logits (Keras computes {} from the {other} layer's z \
                 itself when it can) or make the last layer linear",
                self.name()
            )),
            (_, false, Softmax) => Ok(Reads::SoftmaxLogits),
            (_, false, Linear) => refuse(format!(
                "{} on a linear last layer: Keras would treat its outputs as probabilities, and \
                 they are not; give --from-logits ({}) or make the last layer softmax",
                self.name(),
                self.with_logits().keras_name()
            )),
            (_, false, other) => refuse(format!(
                "{} needs a softmax output (or a linear one with --from-logits), not {other}",
                self.name()
            )),
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
    /// let bce = Loss::BINARY_CROSSENTROPY.element(Activation::Sigmoid, 0.0_f64, 0.5, 1.0);
    /// assert!((bce - std::f64::consts::LN_2).abs() < 1e-15); // -ln(1/2)
    /// let mse = Loss::MEAN_SQUARED_ERROR.element(Activation::Linear, 3.0_f64, 3.0, 1.0);
    /// assert_eq!(mse, 4.0);
    /// ```
    #[inline]
    pub fn element<T: Real>(self, g: Activation, z: T, a: T, y: T) -> T {
        let one = T::one();
        match (self.kind, self.from_logits, g) {
            (LossKind::MeanSquaredError, _, _) => (a - y) * (a - y),
            (LossKind::BinaryCrossentropy, false, Activation::Sigmoid)
            | (LossKind::BinaryCrossentropy, true, _) => {
                z.max(T::zero()) - z * y + (-z.abs()).exp().ln_1p()
            }
            _ => {
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
    /// let dz = Loss::BINARY_CROSSENTROPY.output_dz_element(Activation::Sigmoid, 40.0_f64, 1.0, 0.0, 1.0);
    /// assert_eq!(dz, 1.0); // a - y, where a(1-a) would have been 0
    /// ```
    #[inline]
    pub fn output_dz_element<T: Real>(self, g: Activation, z: T, a: T, y: T, scale: T) -> T {
        let one = T::one();
        match (self.kind, self.from_logits, g) {
            (LossKind::MeanSquaredError, _, _) => {
                (a - y) * T::of_f64(2.0) * scale * g.g_prime(z, a)
            }
            (LossKind::BinaryCrossentropy, false, Activation::Sigmoid) => (a - y) * scale,
            // a = z on the linear layer: σ(z) is the probability.
            (LossKind::BinaryCrossentropy, true, _) => (sigmoid(z) - y) * scale,
            _ => {
                let eps = T::of_f64(BCE_EPSILON);
                if a < eps || a > one - eps {
                    T::zero()
                } else {
                    (a - y) / (a * (one - a)) * scale * g.g_prime(z, a)
                }
            }
        }
    }

    /// The cost `J` of a batch (Keras' reduction, [`Loss::reduction`]). `z`
    /// and `a` are the output layer's `(m, n_out)`, `g` its activation, and
    /// `y` the targets, `(m, n_out)`, or `(m, 1)` class ids for the sparse
    /// categorical cross-entropy.
    ///
    /// ```
    /// use dualpath::{Activation, Loss};
    /// use nalgebra::dmatrix;
    /// // Logits [0, ln 3]: softmax [1/4, 3/4]; class 1 costs -ln(3/4).
    /// let z = dmatrix![0.0_f64, 3.0_f64.ln()];
    /// let j = Loss::SPARSE_CATEGORICAL_CROSSENTROPY.with_logits().value(Activation::Linear, &z, &z, &dmatrix![1.0]);
    /// assert!((j - (4.0_f64 / 3.0).ln()).abs() < 1e-15);
    /// ```
    ///
    /// # Panics
    /// If the shapes do not fit, or the loss cannot take `g` (network-level
    /// callers check both first: [`Loss::check_output`]).
    pub fn value<T: Real>(
        self,
        g: Activation,
        z: &DMatrix<T>,
        a: &DMatrix<T>,
        y: &DMatrix<T>,
    ) -> T {
        self.check_shapes("Loss::value", z, a, y);
        let m = z.nrows();
        let mut total = T::zero();
        let mut rows = [T::zero(); ROW_BLOCK];
        for start in (0..m).step_by(ROW_BLOCK) {
            let block = start..m.min(start + ROW_BLOCK);
            let n = block.len();
            self.row_losses(g, z, a, y, block, &mut rows[..n]);
            for &row in &rows[..n] {
                total += row;
            }
        }
        total / T::of_f64(m as f64)
    }

    /// Each example's loss for the rows `rows` of `(z, a, y)`, into `out`:
    /// the mean over its outputs of the element-wise loss (its elements added
    /// in column order), or a softmax's categorical cross-entropy from its
    /// logits. [`Loss::value`] is the mean of these in row order, so a caller
    /// that computes parts of them elsewhere (another thread) and adds them
    /// in row order gets the same bits.
    ///
    /// # Panics
    /// As [`Loss::value`], or if `out` is not `rows.len()` long.
    pub fn row_losses<T: Real>(
        self,
        g: Activation,
        z: &DMatrix<T>,
        a: &DMatrix<T>,
        y: &DMatrix<T>,
        rows: std::ops::Range<usize>,
        out: &mut [T],
    ) {
        self.check_shapes("Loss::row_losses", z, a, y);
        assert!(
            out.len() == rows.len() && rows.end <= z.nrows(),
            "Loss::row_losses: rows {rows:?} of {} into {} values",
            z.nrows(),
            out.len()
        );
        let reads = self
            .reads(g)
            .unwrap_or_else(|e| panic!("Loss::row_losses: {e}"));
        if reads == Reads::SoftmaxLogits {
            for (o, i) in out.iter_mut().zip(rows) {
                *o = self.row_loss(&z.row(i), y, i);
            }
            return;
        }
        // Each row's sum adds its elements in column order. The matrices are
        // stored column by column, so the rows are taken in blocks: for each
        // column, the block's values are contiguous, where one row at a time
        // would read each value from a different page once the outputs are wide.
        let (m, n_out) = z.shape();
        let (z, a, y) = (z.as_slice(), a.as_slice(), y.as_slice());
        for (first, out) in rows
            .clone()
            .step_by(ROW_BLOCK)
            .zip(out.chunks_mut(ROW_BLOCK))
        {
            let n = out.len();
            out.fill(T::zero());
            for j in 0..n_out {
                let at = j * m + first;
                let column = z[at..at + n].iter().zip(&a[at..at + n]);
                for ((sum, (&z, &a)), &y) in out.iter_mut().zip(column).zip(&y[at..at + n]) {
                    *sum += self.element(g, z, a, y);
                }
            }
            for sum in out.iter_mut() {
                *sum /= T::of_f64(n_out as f64);
            }
        }
    }

    /// One example's categorical cross-entropy from its logits `z`, Keras'
    /// `-Σ_j y_j·log_softmax(z)_j` with `log_softmax(z)_j = (z_j - max) - ln S`
    /// ([`softmax_parts`]): for a class id `y`, `ln S - (z_y - max)`.
    fn row_loss<T: Real, S: RawStorage<T, U1, Dyn>>(
        self,
        z: &Matrix<T, U1, Dyn, S>,
        y: &DMatrix<T>,
        i: usize,
    ) -> T {
        let (max, s) = softmax_parts(z);
        let ln_s = s.ln();
        if self.takes_class_ids() {
            let class = y[(i, 0)].as_f64() as usize;
            return -((z[class] - max) - ln_s);
        }
        let mut sum = T::zero();
        for (j, &zj) in z.iter().enumerate() {
            sum += y[(i, j)] * ((zj - max) - ln_s);
        }
        -sum
    }

    /// The output layer's `dZ = ∂J/∂Z`, shape `(m, n_out)`, written into
    /// `dz`: the one place both paths get it from, for the whole batch at
    /// once. For the element-wise losses see [`Loss::output_dz_element`];
    /// for the categorical cross-entropies it is
    /// `dZ_ij = (softmax(z_i)_j·Σ_k y_ik - y_ij)/m`, which for one-hot rows
    /// (and class ids) is the course's `(A - Y)/m`. The softmax's Jacobian is
    /// never formed: the chain rule through softmax and cross-entropy
    /// together leaves just this.
    ///
    /// ```
    /// use dualpath::{Activation, Loss};
    /// use nalgebra::{dmatrix, DMatrix};
    /// // Two examples, one sigmoid output: dZ = (A - Y)/m.
    /// let (z, a, y) = (dmatrix![0.0; 0.0], dmatrix![0.5; 0.5], dmatrix![1.0; 0.0]);
    /// let mut dz = DMatrix::zeros(2, 1);
    /// Loss::BINARY_CROSSENTROPY.output_dz(&mut dz, Activation::Sigmoid, &z, &a, &y);
    /// assert_eq!(dz, dmatrix![-0.25; 0.25]);
    /// ```
    ///
    /// # Panics
    /// As [`Loss::value`], and if `dz` is not `(m, n_out)`.
    pub fn output_dz<T: Real>(
        self,
        dz: &mut DMatrix<T>,
        g: Activation,
        z: &DMatrix<T>,
        a: &DMatrix<T>,
        y: &DMatrix<T>,
    ) {
        self.check_shapes("Loss::output_dz", z, a, y);
        assert!(
            dz.shape() == z.shape(),
            "Loss::output_dz: dz is {:?} but z is {:?}",
            dz.shape(),
            z.shape()
        );
        let reads = self
            .reads(g)
            .unwrap_or_else(|e| panic!("Loss::output_dz: {e}"));
        let (m, n_out) = z.shape();
        let scale = self.reduction().scale::<T>(m, n_out);
        if reads == Reads::SoftmaxLogits {
            let sparse = self.takes_class_ids();
            for i in 0..m {
                let (max, s) = softmax_parts(&z.row(i));
                let class = sparse.then(|| y[(i, 0)].as_f64() as usize);
                let sum_y = match class {
                    Some(_) => T::one(),
                    None => y.row(i).iter().fold(T::zero(), |acc, &v| acc + v),
                };
                for j in 0..n_out {
                    let p = exp_shifted(z[(i, j)], max) / s; // softmax(z_i)_j, as the forward computes it
                    let yj = match class {
                        Some(c) => T::of_f64(f64::from(u8::from(j == c))),
                        None => y[(i, j)],
                    };
                    dz[(i, j)] = (p * sum_y - yj) * scale;
                }
            }
            return;
        }
        for (k, dz) in dz.as_mut_slice().iter_mut().enumerate() {
            let (zk, ak, yk) = (z.as_slice()[k], a.as_slice()[k], y.as_slice()[k]);
            *dz = self.output_dz_element(g, zk, ak, yk, scale);
        }
    }

    /// Panics unless `z` and `a` share a shape and `y` has its rows and this loss's columns.
    fn check_shapes<T: Real>(self, who: &str, z: &DMatrix<T>, a: &DMatrix<T>, y: &DMatrix<T>) {
        let want_y = (z.nrows(), self.target_columns(z.ncols()));
        assert!(
            z.shape() == a.shape() && y.shape() == want_y,
            "{who}: z {:?} and a {:?} must have one shape, and y {:?} must be {want_y:?}",
            z.shape(),
            a.shape(),
            y.shape()
        );
    }

    /// How Keras reduces this loss over a batch.
    pub fn reduction(self) -> Reduction {
        if self.is_elementwise() {
            // Keras averages the outputs of an example too.
            Reduction::MeanOverOutputsAndBatch
        } else {
            Reduction::MeanOverBatch
        }
    }

    /// The metric Keras' `metrics=["accuracy"]` picks for this loss, if any.
    pub fn metric(self) -> Option<Metric> {
        match self.kind {
            LossKind::BinaryCrossentropy => Some(Metric::BinaryAccuracy),
            LossKind::SparseCategoricalCrossentropy => Some(Metric::SparseCategoricalAccuracy),
            LossKind::CategoricalCrossentropy => Some(Metric::CategoricalAccuracy),
            LossKind::MeanSquaredError => None,
        }
    }

    /// Checks targets this loss can take, for a network of `n_out` outputs:
    /// for binary cross-entropy every label lies in `[0, 1]` (soft labels are
    /// allowed, as in Keras); for the sparse categorical cross-entropy each
    /// is a class id, a whole number in `0..n_out`; for the categorical
    /// cross-entropy each value is a probability in `[0, 1]`.
    ///
    /// # Errors
    /// [`Error::LabelOutOfRange`], [`Error::ClassOutOfRange`] or
    /// [`Error::ProbabilityOutOfRange`] naming the first target at fault.
    pub fn check_targets<T: Real>(self, y: &DMatrix<T>, n_out: usize) -> Result<()> {
        for i in 0..y.nrows() {
            for j in 0..y.ncols() {
                let v = y[(i, j)].as_f64();
                let in_unit = (0.0..=1.0).contains(&v);
                match self.kind {
                    LossKind::BinaryCrossentropy if !in_unit => {
                        return Err(Error::LabelOutOfRange {
                            row: i,
                            col: j,
                            value: v,
                        });
                    }
                    LossKind::SparseCategoricalCrossentropy
                        if !(v.fract() == 0.0 && v >= 0.0 && v < n_out as f64) =>
                    {
                        return Err(Error::ClassOutOfRange {
                            row: i,
                            value: v,
                            classes: n_out,
                        });
                    }
                    LossKind::CategoricalCrossentropy if !in_unit => {
                        return Err(Error::ProbabilityOutOfRange {
                            row: i,
                            col: j,
                            value: v,
                        });
                    }
                    _ => {}
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
    /// The mean over the examples of one number each: the categorical
    /// cross-entropies. Every output gradient carries `1/m`.
    MeanOverBatch,
}

impl Reduction {
    /// The factor each output's gradient carries for a batch of `m` examples
    /// with `n_out` outputs: `1/(m·n_out)` or `1/m`.
    pub fn scale<T: Real>(self, m: usize, n_out: usize) -> T {
        match self {
            Reduction::MeanOverOutputsAndBatch => T::one() / T::of_f64((m * n_out) as f64),
            Reduction::MeanOverBatch => T::one() / T::of_f64(m as f64),
        }
    }
}

/// A metric reported beside the loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Metric {
    /// Keras' `binary_accuracy`: the fraction of outputs whose decision
    /// `a > 0.5` equals the label. As in Keras, the threshold is applied to
    /// the output as it is, so with `from_logits` it is 0.5 on the logits
    /// (a probability of 0.62), not 0: Keras' own quirk, followed here.
    BinaryAccuracy,
    /// Keras' `sparse_categorical_accuracy`: the fraction of examples whose
    /// largest output (the first, on a tie) is at their class id.
    SparseCategoricalAccuracy,
    /// Keras' `categorical_accuracy`: the fraction of examples whose largest
    /// output is where their target row is largest.
    CategoricalAccuracy,
}

/// The column of the largest value of row `i` (the first of equals, as `np.argmax`).
pub fn argmax_row<T: Real>(m: &DMatrix<T>, i: usize) -> usize {
    let mut best = 0;
    for j in 1..m.ncols() {
        if m[(i, j)] > m[(i, best)] {
            best = j;
        }
    }
    best
}

impl Metric {
    /// Keras' name for it (`metrics=["accuracy"]` picks it from the loss).
    pub fn name(self) -> &'static str {
        match self {
            Metric::BinaryAccuracy => "accuracy",
            Metric::SparseCategoricalAccuracy => "sparse_categorical_accuracy",
            Metric::CategoricalAccuracy => "categorical_accuracy",
        }
    }

    /// How many outputs are right, and of how many: the accuracy is their ratio.
    ///
    /// ```
    /// use dualpath::nn::loss::Metric;
    /// use nalgebra::dmatrix;
    /// let (a, y) = (dmatrix![0.9; 0.2; 0.6], dmatrix![1.0; 1.0; 1.0]);
    /// assert_eq!(Metric::BinaryAccuracy.correct(&a, &y), (2, 3));
    /// ```
    ///
    /// # Panics
    /// If the shapes differ.
    pub fn correct<T: Real>(self, a: &DMatrix<T>, y: &DMatrix<T>) -> (usize, usize) {
        assert_eq!(
            a.nrows(),
            y.nrows(),
            "Metric::correct: A and Y differ in rows"
        );
        let m = a.nrows();
        match self {
            Metric::SparseCategoricalAccuracy => {
                let right = (0..m)
                    .filter(|&i| argmax_row(a, i) as f64 == y[(i, 0)].as_f64())
                    .count();
                (right, m)
            }
            Metric::CategoricalAccuracy => {
                let right = (0..m)
                    .filter(|&i| argmax_row(a, i) == argmax_row(y, i))
                    .count();
                (right, m)
            }
            Metric::BinaryAccuracy => {
                assert_eq!(
                    a.shape(),
                    y.shape(),
                    "Metric::correct: A and Y differ in shape"
                );
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

/// Keras' `mean_absolute_error` (`metrics=["mae"]`) summed over the rows of
/// a batch: each row's mean over its outputs of `|y - a|`, added up. Divide
/// by the number of rows for the batch's MAE; [`crate::train::fit()`] and
/// [`crate::train::evaluate_batches`] add the sums of their batches, then
/// divide by all the rows, as Keras' metric accumulates.
///
/// ```
/// use dualpath::nn::loss::absolute_error_sum;
/// use nalgebra::dmatrix;
/// let (a, y) = (dmatrix![1.0, 2.0; 0.5, 0.5], dmatrix![0.0, 2.0; 1.0, 1.5]);
/// assert_eq!(absolute_error_sum(&a, &y), 0.5 + 0.75);
/// ```
///
/// # Panics
/// If the shapes differ.
pub fn absolute_error_sum<T: Real>(a: &DMatrix<T>, y: &DMatrix<T>) -> f64 {
    assert_eq!(
        a.shape(),
        y.shape(),
        "absolute_error_sum: A and Y differ in shape"
    );
    let n = a.ncols() as f64;
    (0..a.nrows())
        .map(|i| {
            let row: f64 = (0..a.ncols())
                .map(|j| (y[(i, j)].as_f64() - a[(i, j)].as_f64()).abs())
                .sum();
            row / n
        })
        .sum()
}

impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Loss {
    type Err = Error;

    /// Parses Keras' names and the short ones: `bce` / `binary_crossentropy`,
    /// `mse` / `mean_squared_error`, `scce` / `sparse_categorical_crossentropy`,
    /// `cce` / `categorical_crossentropy` (any case). Each parses to the form
    /// without logits; [`Loss::with_from_logits`] gives the other.
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().replace('_', "").as_str() {
            "bce" | "binarycrossentropy" => Ok(Loss::BINARY_CROSSENTROPY),
            "mse" | "meansquarederror" => Ok(Loss::MEAN_SQUARED_ERROR),
            "scce" | "sparsecategoricalcrossentropy" => Ok(Loss::SPARSE_CATEGORICAL_CROSSENTROPY),
            "cce" | "categoricalcrossentropy" => Ok(Loss::CATEGORICAL_CROSSENTROPY),
            _ => Err(Error::InvalidSetting {
                name: "loss".into(),
                detail: format!(
                    "{s:?} is not a loss: expected bce, mse, scce or cce (or Keras' names, \
                     e.g. sparse_categorical_crossentropy)"
                ),
            }),
        }
    }
}
