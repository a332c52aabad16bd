//! What the training modules share: the unit roundoff and Keras' Adam
//! constants, settings with rows in order, a network's parameters as one
//! list, comparisons of two networks, separable data, the notes' network.

use crate::common::{Diff, mat};
use dualpath::Activation::Sigmoid;
use dualpath::train::{FitSettings, Optimizer};
use dualpath::{Dense, Gradients, Loss, Network, Path};
use nalgebra::{DMatrix, DVector};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;

/// Unit roundoff of `f64`, `u = 2⁻⁵³`.
pub const U: f64 = f64::EPSILON / 2.0;

/// Keras' Adam constants, written out here rather than read from the crate.
pub const BETA_1: f64 = 0.9;
pub const BETA_2: f64 = 0.999;
pub const EPSILON: f64 = 1e-7;

/// Settings for a run whose batches the test can follow: rows in order.
pub fn in_order(
    loss: Loss,
    optimizer: Optimizer,
    epochs: usize,
    batch_size: usize,
    path: Path,
) -> FitSettings {
    FitSettings {
        loss,
        optimizer,
        epochs,
        batch_size,
        shuffle: false,
        seed: 0,
        path,
        threads: 1,
    }
}

/// Every parameter of a network in one list: per layer, `W` in nalgebra's
/// storage order (column by column), then `b`.
pub fn params(net: &Network<f64>) -> Vec<f64> {
    net.layers()
        .iter()
        .flat_map(|d| d.w().iter().chain(d.b().iter()).copied())
        .collect()
}

/// Gradients listed in the order of [`params`].
pub fn gradient_list(g: &Gradients<f64>) -> Vec<f64> {
    g.layers
        .iter()
        .flat_map(|l| l.dw.iter().chain(l.db.iter()).copied())
        .collect()
}

/// A network shaped like `like` holding the parameters `p` (in the order of [`params`]).
pub fn with_params(like: &Network<f64>, p: &[f64]) -> Network<f64> {
    let mut k = 0;
    let mut take = |n: usize| {
        k += n;
        &p[k - n..k]
    };
    let layers = like
        .layers()
        .iter()
        .map(|d| {
            let w = DMatrix::from_column_slice(d.n_in(), d.units(), take(d.n_in() * d.units()));
            let b = DVector::from_column_slice(take(d.units()));
            Dense::new(w, b, d.activation()).expect("finite parameters")
        })
        .collect();
    assert_eq!(k, p.len(), "with_params: parameter count");
    Network::from_layers(layers).expect("the same shapes chain")
}

/// Compares two networks' parameters bit for bit, remembering the largest difference.
pub fn compare(left: &Network<f64>, right: &Network<f64>) -> Diff {
    let mut diff = Diff::new();
    for (l, (a, b)) in left.layers().iter().zip(right.layers()).enumerate() {
        diff.matrices(&format!("layer {} W", l + 1), a.w(), b.w());
        diff.vectors(&format!("layer {} b", l + 1), a.b(), b.b());
    }
    diff
}

/// Largest `|p - q|` over the parameters of two networks of one shape.
pub fn max_param_diff(left: &Network<f64>, right: &Network<f64>) -> f64 {
    params(left)
        .iter()
        .zip(params(right))
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max)
}

/// `m` points drawn uniformly from the square `[-2, 2]²` by a seeded PCG64,
/// labelled 1 above the line `x₂ = x₁/2` and 0 below it, keeping only points
/// at least 0.2 (vertically) from the line: linearly separable with a margin.
pub fn separable_data(m: usize, seed: u64) -> (DMatrix<f64>, DMatrix<f64>) {
    let mut rng = Pcg64::seed_from_u64(seed);
    let (mut x, mut y) = (DMatrix::zeros(m, 2), DMatrix::zeros(m, 1));
    let mut i = 0;
    while i < m {
        let x1 = 4.0 * rng.random::<f64>() - 2.0;
        let x2 = 4.0 * rng.random::<f64>() - 2.0;
        let above = x2 - 0.5 * x1;
        if above.abs() < 0.2 {
            continue;
        }
        x[(i, 0)] = x1;
        x[(i, 1)] = x2;
        y[(i, 0)] = if above > 0.0 { 1.0 } else { 0.0 };
        i += 1;
    }
    (x, y)
}

/// The notes' network, `Sequential([Dense(25, sigmoid), Dense(15, sigmoid),
/// Dense(1, sigmoid)])` on two features, Glorot-initialised from `seed`.
pub fn notes_network(seed: u64) -> Network<f64> {
    Network::new(2, &[(25, Sigmoid), (15, Sigmoid), (1, Sigmoid)], seed).unwrap()
}

/// Five examples, two features, with labels (1 where `x₁ > 0`) for binary
/// cross-entropy or real targets for mean squared error.
pub fn five_examples(labels: bool) -> (DMatrix<f64>, DMatrix<f64>) {
    let x = mat(
        5,
        2,
        &[0.3, -1.2, 1.5, 0.4, -0.7, 0.9, 0.1, 0.2, -1.1, -0.5],
    );
    let y = if labels {
        mat(5, 1, &[1.0, 1.0, 0.0, 1.0, 0.0])
    } else {
        mat(5, 1, &[0.7, -0.4, 1.3, 0.2, -0.9])
    };
    (x, y)
}
