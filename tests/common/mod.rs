//! Helpers shared by the integration tests: building matrices and networks
//! from plain `f64` numbers written the way the course writes them (row by
//! row), and comparing two results element by element while remembering the
//! largest difference and where it was.
//!
//! Each test binary compiles this module separately and uses only some of it.
#![allow(dead_code)]

use dualpath::{Activation, Dense, Forward, Gradients, LayerCache, Network, Real};
use nalgebra::{DMatrix, DVector};
use std::fmt;

/// A `(rows, cols)` matrix from values listed row by row (NumPy's order),
/// converted to `T`. `DMatrix::from_vec` would read them column by column.
pub fn mat<T: Real>(rows: usize, cols: usize, row_major: &[f64]) -> DMatrix<T> {
    DMatrix::from_row_slice(rows, cols, row_major).map(T::of_f64)
}

/// A vector of `T` from `f64` values.
pub fn vector<T: Real>(values: &[f64]) -> DVector<T> {
    DVector::from_column_slice(values).map(T::of_f64)
}

/// One dense layer as plain numbers: the kernel `W (n_in, units)` row by row,
/// the bias, and the activation.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerSpec {
    /// Rows of `W`.
    pub n_in: usize,
    /// Columns of `W`.
    pub units: usize,
    /// `W`, row by row: `w[r * units + c]` is `W[r, c]`.
    pub w: Vec<f64>,
    /// `b`, one value per unit.
    pub b: Vec<f64>,
    /// `g`.
    pub activation: Activation,
}

impl LayerSpec {
    /// This layer as a [`Dense`] in type `T`.
    ///
    /// # Panics
    /// If the numbers do not make a valid layer (a bug in the test's strategy).
    pub fn dense<T: Real>(&self) -> Dense<T> {
        Dense::new(
            mat(self.n_in, self.units, &self.w),
            vector(&self.b),
            self.activation,
        )
        .expect("a test's layer spec makes a valid layer")
    }
}

/// The network made of `layers`, in type `T`.
///
/// # Panics
/// If the layers do not chain (a bug in the test's strategy).
pub fn network<T: Real>(layers: &[LayerSpec]) -> Network<T> {
    Network::from_layers(layers.iter().map(LayerSpec::dense).collect())
        .expect("a test's layer specs chain")
}

/// The largest difference seen so far, and where.
#[derive(Clone, Debug)]
struct Worst {
    diff: f64,
    at: String,
    left: f64,
    right: f64,
}

/// Compares two results value by value (both widened to `f64`, which is exact
/// for `f32`), counting values whose bits differ and remembering the largest
/// absolute difference and where it was, for the failure message.
#[derive(Clone, Debug, Default)]
pub struct Diff {
    /// How many values were compared.
    pub compared: usize,
    /// How many of them differ in at least one bit.
    pub unequal: usize,
    /// Shapes that did not match, described.
    pub shape_mismatches: Vec<String>,
    /// Pairs `+0.0` / `-0.0`, counted as equal when `zero_sign_matters` is off.
    pub signed_zeros: usize,
    zero_sign_matters: bool,
    worst: Option<Worst>,
}

impl Diff {
    /// A fresh comparison in which every bit counts, the sign of zero too.
    pub fn new() -> Self {
        Diff {
            zero_sign_matters: true,
            ..Self::default()
        }
    }

    /// A fresh comparison in which `+0.0` and `-0.0` count as the same value
    /// (they are: `+0.0 == -0.0`), and every other value by its bits. Use it
    /// where only the value is determined: the sign of an exact zero depends on
    /// the order of operations (`-0 + -0 = -0`, but `+0 + -0 = +0`).
    pub fn ignoring_sign_of_zero() -> Self {
        Self::default()
    }

    /// Compares two matrices; `name` says what they are, e.g. `"layer 2 dW"`.
    pub fn matrices<A: Real, B: Real>(
        &mut self,
        name: &str,
        left: &DMatrix<A>,
        right: &DMatrix<B>,
    ) {
        if left.shape() != right.shape() {
            self.shape_mismatches.push(format!(
                "{name}: {:?} vs {:?}",
                left.shape(),
                right.shape()
            ));
            return;
        }
        for c in 0..left.ncols() {
            for r in 0..left.nrows() {
                self.value(
                    || format!("{name}[{r}, {c}]"),
                    left[(r, c)].as_f64(),
                    right[(r, c)].as_f64(),
                );
            }
        }
    }

    /// Compares two vectors.
    pub fn vectors<A: Real, B: Real>(&mut self, name: &str, left: &DVector<A>, right: &DVector<B>) {
        if left.len() != right.len() {
            self.shape_mismatches
                .push(format!("{name}: length {} vs {}", left.len(), right.len()));
            return;
        }
        for (k, (l, r)) in left.iter().zip(right.iter()).enumerate() {
            self.value(|| format!("{name}[{k}]"), l.as_f64(), r.as_f64());
        }
    }

    /// Compares every layer's `Z` and `A` of two forward passes.
    pub fn forwards<A: Real, B: Real>(&mut self, left: &Forward<'_, A>, right: &Forward<'_, B>) {
        self.caches(left.layers(), right.layers());
    }

    /// Compares every layer's `Z` and `A` of two lists of layer caches.
    pub fn caches<A: Real, B: Real>(&mut self, left: &[LayerCache<A>], right: &[LayerCache<B>]) {
        if left.len() != right.len() {
            self.shape_mismatches.push(format!(
                "forward caches: {} vs {} layers",
                left.len(),
                right.len()
            ));
            return;
        }
        for (l, (cl, cr)) in left.iter().zip(right).enumerate() {
            self.matrices(&format!("layer {} Z", l + 1), &cl.z, &cr.z);
            self.matrices(&format!("layer {} A", l + 1), &cl.a, &cr.a);
        }
    }

    /// Compares every layer's `dW` and `db` of two backward passes.
    pub fn gradients<A: Real, B: Real>(&mut self, left: &Gradients<A>, right: &Gradients<B>) {
        if left.layers.len() != right.layers.len() {
            self.shape_mismatches.push(format!(
                "gradients: {} vs {} layers",
                left.layers.len(),
                right.layers.len()
            ));
            return;
        }
        for (l, (gl, gr)) in left.layers.iter().zip(&right.layers).enumerate() {
            self.matrices(&format!("layer {} dW", l + 1), &gl.dw, &gr.dw);
            self.vectors(&format!("layer {} db", l + 1), &gl.db, &gr.db);
        }
    }

    fn value(&mut self, at: impl FnOnce() -> String, left: f64, right: f64) {
        self.compared += 1;
        if left.to_bits() == right.to_bits() {
            return;
        }
        if left == 0.0 && right == 0.0 {
            self.signed_zeros += 1;
            if !self.zero_sign_matters {
                return;
            }
        }
        self.unequal += 1;
        let diff = (left - right).abs();
        // NaN compares false with everything: a NaN on one side is the worst.
        let diff = if diff.is_nan() { f64::INFINITY } else { diff };
        if self.worst.as_ref().is_none_or(|w| diff > w.diff) {
            self.worst = Some(Worst {
                diff,
                at: at(),
                left,
                right,
            });
        }
    }

    /// True when every value compared was bit for bit the same and every shape matched.
    pub fn bit_identical(&self) -> bool {
        self.unequal == 0 && self.shape_mismatches.is_empty() && self.compared > 0
    }

    /// The largest absolute difference seen (0 when none).
    pub fn largest(&self) -> f64 {
        self.worst.as_ref().map_or(0.0, |w| w.diff)
    }
}

impl fmt::Display for Diff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} of {} values differ in their bits",
            self.unequal, self.compared
        )?;
        if let Some(w) = &self.worst {
            write!(
                f,
                "; largest difference {:e} at {} ({:e} vs {:e})",
                w.diff, w.at, w.left, w.right
            )?;
        }
        if self.signed_zeros > 0 {
            write!(
                f,
                "; {} pairs are +0 vs -0 ({})",
                self.signed_zeros,
                if self.zero_sign_matters {
                    "counted as different"
                } else {
                    "counted as equal"
                }
            )?;
        }
        for s in &self.shape_mismatches {
            write!(f, "; shape mismatch {s}")?;
        }
        Ok(())
    }
}

/// One layer's kernels called on fresh buffers, for tests that look at a
/// single layer: the library's kernels write into buffers their caller
/// owns, and these helpers are that caller.
pub mod kernels {
    use dualpath::{
        Activation, Dense, DenseGradients, InputGradient, LayerCache, LayerState, Path, Real,
        Scratch,
    };
    use nalgebra::{DMatrix, DVector};

    /// A path named as a type, so that a test generic over the path reads
    /// `forward::<T, Loops>` beside `forward::<T, Matrices>`.
    pub trait OnPath {
        /// The path whose kernels the helpers call.
        const PATH: Path;
    }

    /// The loop path, [`dualpath::sequential`].
    #[allow(dead_code)] // each test binary uses only some of this module
    pub struct Loops;
    impl OnPath for Loops {
        const PATH: Path = Path::Sequential;
    }

    /// The matrix path, [`dualpath::matrix`].
    #[allow(dead_code)]
    pub struct Matrices;
    impl OnPath for Matrices {
        const PATH: Path = Path::Matrix;
    }

    /// A layer from its parts.
    ///
    /// # Panics
    /// If they do not make a valid layer (a bug in the test).
    pub fn layer<T: Real>(w: &DMatrix<T>, b: &DVector<T>, g: Activation) -> Dense<T> {
        Dense::new(w.clone(), b.clone(), g).expect("a test's layer is valid")
    }

    /// `K`'s `dense_forward` into fresh buffers.
    pub fn forward<T: Real, K: OnPath>(a_in: &DMatrix<T>, layer: &Dense<T>) -> LayerCache<T> {
        let mut out = LayerCache::zeros(a_in.nrows(), layer.units());
        K::PATH.dense_forward(&mut out, &mut Scratch::default(), a_in, layer);
        out
    }

    /// What one layer's backward wrote.
    #[derive(Clone, Debug, PartialEq)]
    pub struct Backward<T: Real> {
        /// `dZ` (for the `dA` form; the given `dZ` for the other).
        pub dz: DMatrix<T>,
        /// `dA_in`, when asked for.
        pub da_in: Option<DMatrix<T>>,
        /// `dW`.
        pub dw: DMatrix<T>,
        /// `db`.
        pub db: DVector<T>,
    }

    /// The cache a forward pass would have left for pre-activation `z`.
    fn cache_of<T: Real>(z: &DMatrix<T>, g: Activation) -> LayerCache<T> {
        let mut a = DMatrix::zeros(z.nrows(), z.ncols());
        g.activate(z, &mut a);
        LayerCache { z: z.clone(), a }
    }

    /// `K`'s `dense_backward` from `dA`, at pre-activation `z`, into fresh buffers.
    pub fn backward<T: Real, K: OnPath>(
        da: &DMatrix<T>,
        z: &DMatrix<T>,
        a_in: &DMatrix<T>,
        layer: &Dense<T>,
        with_da_in: bool,
    ) -> Backward<T> {
        let cache = cache_of(z, layer.activation());
        let at = LayerState {
            a_in,
            cache: &cache,
            layer,
        };
        let mut dz = DMatrix::zeros(da.nrows(), da.ncols());
        let mut grads = DenseGradients::zeros(layer.n_in(), layer.units());
        let mut da_in = with_da_in.then(|| DMatrix::zeros(a_in.nrows(), a_in.ncols()));
        let into = match da_in.as_mut() {
            Some(d) => InputGradient::Into(d),
            None => InputGradient::Skip,
        };
        K::PATH.dense_backward(&mut grads, into, &mut Scratch::default(), &mut dz, da, at);
        Backward {
            dz,
            da_in,
            dw: grads.dw,
            db: grads.db,
        }
    }

    /// `K`'s `dense_backward_dz` from a given `dZ`, into fresh buffers.
    pub fn backward_dz<T: Real, K: OnPath>(
        dz: &DMatrix<T>,
        a_in: &DMatrix<T>,
        layer: &Dense<T>,
        with_da_in: bool,
    ) -> Backward<T> {
        // Z does not enter this form; a zero Z fills the cache's shape.
        let cache = cache_of(&DMatrix::zeros(dz.nrows(), dz.ncols()), layer.activation());
        let at = LayerState {
            a_in,
            cache: &cache,
            layer,
        };
        let mut grads = DenseGradients::zeros(layer.n_in(), layer.units());
        let mut da_in = with_da_in.then(|| DMatrix::zeros(a_in.nrows(), a_in.ncols()));
        let into = match da_in.as_mut() {
            Some(d) => InputGradient::Into(d),
            None => InputGradient::Skip,
        };
        K::PATH.dense_backward_dz(&mut grads, into, &mut Scratch::default(), dz, at);
        Backward {
            dz: dz.clone(),
            da_in,
            dw: grads.dw,
            db: grads.db,
        }
    }
}
