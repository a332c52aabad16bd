//! The course's `lin_model` (`C2_W3_Assignment`'s `assigment_utils.py`, and
//! the same steps in `C2W3_Lab_01_Model_Evaluation_and_Selection`):
//! `PolynomialFeatures(degree, include_bias=False)`, `StandardScaler` learned
//! on the training rows, then `LinearRegression` (or `Ridge`), solved as
//! scikit-learn solves it and held in a one-layer linear [`Network`] that runs
//! on both paths. Shared by the `polynomial_regression`, `model_selection` and
//! `bias_variance_diagnosis` examples (each includes this file as a module).
//! The input is one feature (a slice of `x`) or several (a matrix, one row
//! per example); see [`Inputs`].

// Each example uses the part it needs.
#![allow(dead_code)]

use dualpath::proof::bounds::{Agreement, network_bound};
use dualpath::{Activation, Dense, Loss, Network, Path, matrix, sequential};
use nalgebra::{DMatrix, DVector};

/// Rows of `x` and `y` picked by `idx`.
pub fn pick(v: &[f64], idx: &[usize]) -> Vec<f64> {
    idx.iter().map(|&i| v[i]).collect()
}

/// `PolynomialFeatures(degree, include_bias=False)` of one feature: `x, x²,
/// …`, each power the previous one times `x`, as scikit-learn builds them.
pub fn powers(x: &[f64], degree: usize) -> DMatrix<f64> {
    features(&DMatrix::from_column_slice(x.len(), 1, x), degree)
}

/// `PolynomialFeatures(degree, include_bias=False)` of the columns of `x`:
/// every product of at most `degree` columns, in scikit-learn's order and
/// built as it builds them (its dense `transform`): the terms of degree
/// `d` are those of degree `d − 1` from the first one holding column `j`
/// on, each times column `j`, for `j` in turn. For one column, `x, x², …`.
pub fn features(x: &DMatrix<f64>, degree: usize) -> DMatrix<f64> {
    let (m, n) = x.shape();
    let mut cols: Vec<Vec<f64>> = x
        .column_iter()
        .map(|c| c.iter().copied().collect())
        .collect();
    // start[j]: the first term of the last degree built that holds column j;
    // its last entry, one past that degree's last term.
    let mut start: Vec<usize> = (0..=n).collect();
    for _ in 1..degree {
        let end = cols.len();
        let mut next = Vec::with_capacity(n + 1);
        for (j, &first) in start.iter().take(n).enumerate() {
            next.push(cols.len());
            for t in first..end {
                let term: Vec<f64> = cols[t]
                    .iter()
                    .zip(x.column(j).iter())
                    .map(|(a, b)| a * b)
                    .collect();
                cols.push(term);
            }
        }
        next.push(cols.len());
        start = next;
    }
    DMatrix::from_fn(m, cols.len(), |i, k| cols[k][i])
}

/// The examples' inputs: one feature as a slice or a `Vec` of `x`, or
/// several as a matrix with one row per example.
pub trait Inputs {
    fn rows(&self) -> DMatrix<f64>;
}

impl Inputs for [f64] {
    fn rows(&self) -> DMatrix<f64> {
        DMatrix::from_column_slice(self.len(), 1, self)
    }
}

impl Inputs for Vec<f64> {
    fn rows(&self) -> DMatrix<f64> {
        self.as_slice().rows()
    }
}

impl Inputs for DMatrix<f64> {
    fn rows(&self) -> DMatrix<f64> {
        self.clone()
    }
}

/// The assignment's `lin_model`: the scaler learned on the training rows and
/// the one-layer linear network holding the solution.
pub struct LinModel {
    /// The polynomial's degree.
    pub degree: usize,
    pub mean: Vec<f64>,
    pub std: Vec<f64>,
    pub net: Network<f64>,
}

impl LinModel {
    /// `StandardScaler().fit_transform` then the least-squares (`lambda =
    /// None`) or ridge solution, as `Dense(1, linear)`. With a λ, the
    /// network carries Keras' `L2(λ/m)` on its kernel, and the ridge solved
    /// is the one with the penalty the network actually applies.
    pub fn fit<X: Inputs + ?Sized>(
        x: &X,
        y: &[f64],
        degree: usize,
        lambda: Option<f64>,
    ) -> LinModel {
        let f = features(&x.rows(), degree);
        let m = f.nrows();
        // The number of features: the degree for one input column.
        let k = f.ncols();
        let mean: Vec<f64> = f.column_iter().map(|c| c.mean()).collect();
        let std: Vec<f64> = f
            .column_iter()
            .zip(&mean)
            .map(|(c, mu)| (c.iter().map(|v| (v - mu) * (v - mu)).sum::<f64>() / m as f64).sqrt())
            .collect();
        let a = Self::scale(&f, &mean, &std);
        // Centre the features and the targets: the intercept is then the
        // targets' mean less the features' means times the coefficients.
        let a_mean: Vec<f64> = a.column_iter().map(|c| c.mean()).collect();
        let y_mean = y.iter().sum::<f64>() / m as f64;
        let ac = DMatrix::from_fn(m, k, |i, j| a[(i, j)] - a_mean[j]);
        let yc = DVector::from_iterator(m, y.iter().map(|v| v - y_mean));
        let probe = Dense::<f64>::new(DMatrix::zeros(k, 1), DVector::zeros(1), Activation::Linear)
            .expect("a linear layer");
        let (w, layer_l2) = match lambda {
            None => {
                // LinearRegression: least squares by SVD, small singular
                // values cut as LAPACK's gelsd cuts them.
                let svd = ac.clone().svd(true, true);
                let cut = svd.singular_values.max() * f64::EPSILON * m.max(k) as f64;
                (svd.solve(&yc, cut).expect("U and V were computed"), None)
            }
            Some(lambda) => {
                // Ridge(alpha) solves (AᵀA + alpha·I)·w = Aᵀy. The network's
                // L2(l2) with l2 = λ/m is that with alpha = l2·m; Keras (and
                // the crate) round l2 to f32 first, so alpha is λ to 8 digits.
                let layer = probe.with_l2(lambda / m as f64).expect("a valid l2");
                let alpha = layer.l2_factor() * m as f64;
                let lhs: DMatrix<f64> =
                    ac.transpose() * &ac + DMatrix::<f64>::identity(k, k) * alpha;
                let rhs = ac.transpose() * &yc;
                let w = lhs.clone().cholesky().map_or_else(
                    || lhs.lu().solve(&rhs).expect("a solvable system"),
                    |c| c.solve(&rhs),
                );
                (w, Some(lambda / m as f64))
            }
        };
        let b = y_mean - a_mean.iter().zip(w.iter()).map(|(p, q)| p * q).sum::<f64>();
        let mut layer = Dense::new(
            DMatrix::from_column_slice(k, 1, w.as_slice()),
            DVector::from_element(1, b),
            Activation::Linear,
        )
        .expect("a linear layer");
        if let Some(l2) = layer_l2 {
            layer = layer.with_l2(l2).expect("a valid l2");
        }
        let net = Network::from_layers(vec![layer]).expect("one layer");
        LinModel {
            degree,
            mean,
            std,
            net,
        }
    }

    fn scale(f: &DMatrix<f64>, mean: &[f64], std: &[f64]) -> DMatrix<f64> {
        DMatrix::from_fn(f.nrows(), f.ncols(), |i, j| (f[(i, j)] - mean[j]) / std[j])
    }

    /// The network's input for `x`: the powers, scaled as the training rows were.
    pub fn input<X: Inputs + ?Sized>(&self, x: &X) -> DMatrix<f64> {
        Self::scale(&features(&x.rows(), self.degree), &self.mean, &self.std)
    }

    /// The course's `eval_mse` of the predictions on `path`, by that path's
    /// own `eval_mse` (the loop's, or the vector one).
    pub fn mse<X: Inputs + ?Sized>(&self, x: &X, y: &[f64], path: Path) -> f64 {
        let input = self.input(x);
        let out = path.forward(&self.net, &input).expect("forward");
        let yhat = out.output().as_slice();
        match path {
            Path::Sequential => sequential::eval_mse(y, yhat),
            Path::Matrix => matrix::eval_mse(y, yhat),
        }
    }

    /// The matrix path's `eval_mse`, after checking that the two paths'
    /// predictions agree within their rounding bound (chapter 6's).
    pub fn errors<X: Inputs + ?Sized>(&self, x: &X, y: &[f64]) -> f64 {
        let input = self.input(x);
        let target = DMatrix::from_column_slice(y.len(), 1, y);
        let bound =
            network_bound(&self.net, &input, &target, Loss::MEAN_SQUARED_ERROR).expect("a bound");
        let p: Vec<DMatrix<f64>> = Path::BOTH
            .iter()
            .map(|path| {
                path.forward(&self.net, &input)
                    .expect("forward")
                    .output()
                    .clone()
            })
            .collect();
        let agree = Agreement::of(&p[0], &p[1], &bound.layers[0].a);
        assert!(agree.holds(), "the paths' predictions: {agree:?}");
        self.mse(x, y, Path::Matrix)
    }

    /// `|∇J|` at the solution over `|∇J|` at zero weights, largest over the
    /// two paths, for the network's own cost (MSE, with its L2).
    pub fn gradient_ratio<X: Inputs + ?Sized>(&self, x: &X, y: &[f64]) -> f64 {
        let input = self.input(x);
        let target = DMatrix::from_column_slice(y.len(), 1, y);
        let mut zero = self.net.clone();
        for p in zero.parameters_mut() {
            p.fill(0.0);
        }
        let norm = |net: &Network<f64>, path: Path| {
            let (_, g) = path
                .loss_and_gradients(net, &input, &target, Loss::MEAN_SQUARED_ERROR)
                .expect("gradients");
            g.slices().flatten().map(|v| v * v).sum::<f64>().sqrt()
        };
        Path::BOTH
            .iter()
            .map(|&path| norm(&self.net, path) / norm(&zero, path))
            .fold(0.0, f64::max)
    }
}
