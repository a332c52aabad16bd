//! Data: the course's coffee-roasting set, CSV files, and Keras-style normalisation.
//!
//! A [`Dataset`] holds the features `X` as an `(m, n_features)` matrix, one
//! example per row as everywhere in this crate, and the targets `Y` as an
//! `(m, n_targets)` matrix (no columns for data that only needs predictions).
//!
//! | course (NumPy / Keras) | here |
//! | --- | --- |
//! | `X, Y = load_coffee_data()` | [`coffee()`] |
//! | `pd.read_csv("data.csv")` | [`read_csv`], [`read_csv_with`], [`read_csv_features`] |
//! | `norm_l = tf.keras.layers.Normalization(axis=-1)` then `norm_l.adapt(X)` | [`Normalization::adapt`] |
//! | `Xn = norm_l(X)` | [`Normalization::apply`] |
//! | week 3's `gen_data(m, seed, scale)`, `train_test_split(…, random_state=1)` | [`numpy_random::course_gen_data`], [`numpy_random::train_test_split`] |

mod csv_file;
pub mod numpy_random;

pub use csv_file::{
    DEFAULT_MAX_FILE_SIZE, TargetChoice, byte_size, read_csv, read_csv_features, read_csv_from,
    read_csv_from_limited, read_csv_limited, read_csv_with,
};

use crate::error::{Error, Result};
use nalgebra::DMatrix;
use rand::RngExt;
use rand_pcg::Pcg64;

/// Examples with their features and (optionally) their targets.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// Features, `(m, n_features)`: one example per row.
    pub x: DMatrix<f64>,
    /// Targets, `(m, n_targets)`; `n_targets` is 0 for data without targets.
    pub y: DMatrix<f64>,
    /// One name per column of `x`.
    pub feature_names: Vec<String>,
    /// One name per column of `y`.
    pub target_names: Vec<String>,
    /// Where the data came from: a file name, or a description such as the
    /// coffee data's.
    pub source: String,
    /// For data read from a file, the line each row came from (1-based, as an
    /// editor counts; blank lines are skipped, so row `i` is not always line
    /// `i + 2`). Empty for built-in data.
    pub lines: Vec<usize>,
}

impl Dataset {
    /// Where row `i` is, for messages: `data.csv, line 7` for a file, `row 5`
    /// (counted from 0, as NumPy) for built-in data.
    pub fn place_of_row(&self, i: usize) -> String {
        match self.lines.get(i) {
            Some(line) => format!("{}, line {line}", self.source),
            None => format!("{}, row {i}", self.source),
        }
    }

    /// Number of examples `m` (rows of `x`).
    pub fn len(&self) -> usize {
        self.x.nrows()
    }

    /// Whether there are no examples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Features per example (columns of `x`).
    pub fn n_features(&self) -> usize {
        self.x.ncols()
    }

    /// Targets per example (columns of `y`); 0 for features-only data.
    pub fn n_targets(&self) -> usize {
        self.y.ncols()
    }

    /// Whether the data has at least one target column.
    pub fn has_targets(&self) -> bool {
        self.n_targets() > 0
    }
}

// ---------------------------------------------------------------------------
// The coffee-roasting data
// ---------------------------------------------------------------------------

/// The 128-bit seed and stream that NumPy's `default_rng(2)` derives from the
/// seed 2 through its `SeedSequence` and hands to PCG64's seeding routine.
/// `Pcg64::new(state, stream)` runs the same routine, so the two generators
/// produce the same 64-bit words from then on.
const COFFEE_PCG_STATE: u128 = 0x8c8e_a222_a8ed_588b_55aa_58f3_6ee1_14ca;
const COFFEE_PCG_STREAM: u128 = 0x2dd7_052b_a1c4_15d2_e8d6_87cf_965c_6df7;
/// Examples in the coffee data: `rng.random(400).reshape(-1, 2)` makes 200 rows.
const COFFEE_ROWS: usize = 200;

/// The course's coffee-roasting data, regenerated bit for bit as the lab's
/// `load_coffee_data()` makes it: 200 roasts, features `temperature` (°C) and
/// `duration` (minutes), target `good_roast` (1 or 0).
///
/// ```python
/// rng = np.random.default_rng(2)
/// X = rng.random(400).reshape(-1,2)
/// X[:,1] = X[:,1] * 4 + 11.5          # 12-15 min is best
/// X[:,0] = X[:,0] * (285-150) + 150  # 175-260 C is best
/// for t,d in X:
///     y = -3/(260-175)*t + 21
///     label = 1 if (t > 175 and t < 260 and d > 12 and d < 15 and d<=y) else 0
/// ```
///
/// NumPy's `default_rng(2)` is PCG64, and a uniform is the top 53 bits of one
/// 64-bit word times 2⁻⁵³, exactly what `rand`'s `random::<f64>()` computes
/// from the same generator. Row `i` takes draws `2i` (temperature) and `2i + 1`
/// (duration), as the `reshape` lays them out, and each value goes through the
/// same floating-point operations in the same order as the NumPy lines above,
/// so every number is the lab's, not just close to it.
///
/// ```
/// let data = dualpath::io::data::coffee();
/// assert_eq!((data.len(), data.n_features(), data.n_targets()), (200, 2, 1));
/// // X[0] and Y[0] as printed by the course lab's load_coffee_data() (NumPy).
/// assert_eq!(data.x[(0, 0)], 185.31763812365773);
/// assert_eq!(data.x[(0, 1)], 12.693964573656494);
/// assert_eq!(data.y[(0, 0)], 1.0);
/// ```
pub fn coffee() -> Dataset {
    let mut rng = Pcg64::new(COFFEE_PCG_STATE, COFFEE_PCG_STREAM);
    let mut x = DMatrix::zeros(COFFEE_ROWS, 2);
    let mut y = DMatrix::zeros(COFFEE_ROWS, 1);
    for i in 0..COFFEE_ROWS {
        let u_t: f64 = rng.random();
        let u_d: f64 = rng.random();
        let t = u_t * (285.0 - 150.0) + 150.0; // X[:,0] * (285-150) + 150
        let d = u_d * 4.0 + 11.5; // X[:,1] * 4 + 11.5
        let line = (-3.0 / (260.0 - 175.0)) * t + 21.0; // -3/(260-175)*t + 21
        let good = t > 175.0 && t < 260.0 && d > 12.0 && d < 15.0 && d <= line;
        x[(i, 0)] = t;
        x[(i, 1)] = d;
        y[(i, 0)] = if good { 1.0 } else { 0.0 };
    }
    Dataset {
        x,
        y,
        feature_names: vec!["temperature".into(), "duration".into()],
        target_names: vec!["good_roast".into()],
        source: "the course's coffee-roasting data (load_coffee_data)".into(),
        lines: Vec::new(),
    }
}

// ---------------------------------------------------------------------------
// Blobs: Gaussian clusters, the multiclass labs' data
// ---------------------------------------------------------------------------

/// The Softmax lab's clusters (`C2_W2_SoftMax`): four centres, standard
/// deviation 1.0, 2000 points.
pub const SOFTMAX_LAB_CENTERS: [[f64; 2]; 4] = [[-5.0, 2.0], [-2.0, -2.0], [1.0, 2.0], [5.0, -2.0]];

/// `n` points in Gaussian clusters around `centers`, each coordinate with
/// standard deviation `std`, labelled with the index of their cluster:
/// scikit-learn's `make_blobs(n_samples=n, centers=centers, cluster_std=std)`,
/// which the course's multiclass labs call. As there, the points are shared
/// out evenly (the first `n mod k` clusters get one more) and then shuffled.
///
/// The draws come from PCG64 seeded with `seed` (normal deviates by the
/// Box-Muller transform, the shuffle by Fisher-Yates): the same seed gives
/// the same data on every platform. scikit-learn draws from NumPy's legacy
/// generator, so the points, not their distribution, differ from the lab's.
///
/// ```
/// use dualpath::io::data::{blobs, SOFTMAX_LAB_CENTERS};
/// let d = blobs(&SOFTMAX_LAB_CENTERS, 1.0, 2000, 0);
/// assert_eq!((d.len(), d.n_features(), d.n_targets()), (2000, 2, 1));
/// let ones = d.y.iter().filter(|&&c| c == 1.0).count();
/// assert_eq!(ones, 500);
/// ```
///
/// # Panics
/// If `centers` is empty or its rows differ in length.
pub fn blobs(centers: &[[f64; 2]], std: f64, n: usize, seed: u64) -> Dataset {
    assert!(!centers.is_empty(), "blobs: no centres");
    let k = centers.len();
    let mut rng = <Pcg64 as rand::SeedableRng>::seed_from_u64(seed);
    let mut normal = || {
        // Box-Muller: two uniforms in (0, 1] and [0, 1) give a standard normal.
        let u1: f64 = 1.0 - rng.random::<f64>();
        let u2: f64 = rng.random();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    };
    let mut rows: Vec<(f64, f64, usize)> = (0..n)
        .map(|i| {
            // Cluster c gets n/k points, and the first n mod k one more, in order.
            let (base, extra) = (n / k, n % k);
            let c = if i < (base + 1) * extra {
                i / (base + 1)
            } else {
                extra + (i - (base + 1) * extra) / base.max(1)
            };
            let [cx, cy] = centers[c];
            (cx + std * normal(), cy + std * normal(), c)
        })
        .collect();
    for i in (1..rows.len()).rev() {
        let j = rng.random_range(0..=i);
        rows.swap(i, j);
    }
    Dataset {
        x: DMatrix::from_fn(n, 2, |i, j| if j == 0 { rows[i].0 } else { rows[i].1 }),
        y: DMatrix::from_fn(n, 1, |i, _| rows[i].2 as f64),
        feature_names: vec!["x1".into(), "x2".into()],
        target_names: vec!["class".into()],
        source: format!("{k} Gaussian blobs (seed {seed})"),
        lines: Vec::new(),
    }
}

/// The Softmax lab's data: [`blobs`] around [`SOFTMAX_LAB_CENTERS`], standard
/// deviation 1.0, 2000 points, classes 0-3.
pub fn softmax_lab_blobs(seed: u64) -> Dataset {
    let mut d = blobs(&SOFTMAX_LAB_CENTERS, 1.0, 2000, seed);
    d.source = format!("the Softmax lab's four blobs (seed {seed})");
    d
}

// ---------------------------------------------------------------------------
// Splitting: training, cross-validation and test sets (week 3)
// ---------------------------------------------------------------------------

/// The rows of `d` shuffled with PCG64 seeded by `seed`, then cut into
/// consecutive parts of `sizes` rows: the week 3 lab's
/// `train_test_split`, for any number of parts.
///
/// ```
/// use dualpath::io::data::{coffee, split};
/// let parts = split(&coffee(), &[120, 40, 40], 1)?;
/// assert_eq!(parts.iter().map(|p| p.len()).collect::<Vec<_>>(), [120, 40, 40]);
/// # Ok::<(), dualpath::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidSetting`] if the sizes do not add up to the rows of `d`
/// or one of them is 0.
pub fn split(d: &Dataset, sizes: &[usize], seed: u64) -> Result<Vec<Dataset>> {
    let total: usize = sizes.iter().sum();
    if total != d.len() || sizes.contains(&0) {
        return Err(Error::InvalidSetting {
            name: "split".into(),
            detail: format!(
                "parts of {sizes:?} rows: they must each have a row and add up to the data's {}",
                d.len()
            ),
        });
    }
    let mut order: Vec<usize> = (0..d.len()).collect();
    let mut rng = <Pcg64 as rand::SeedableRng>::seed_from_u64(seed);
    rand::seq::SliceRandom::shuffle(order.as_mut_slice(), &mut rng);
    let mut parts = Vec::with_capacity(sizes.len());
    let mut start = 0;
    for &n in sizes {
        let rows = &order[start..start + n];
        let pick = |m: &DMatrix<f64>| DMatrix::from_fn(n, m.ncols(), |i, j| m[(rows[i], j)]);
        parts.push(Dataset {
            x: pick(&d.x),
            y: pick(&d.y),
            feature_names: d.feature_names.clone(),
            target_names: d.target_names.clone(),
            source: d.source.clone(),
            lines: if d.lines.is_empty() {
                Vec::new()
            } else {
                rows.iter().map(|&i| d.lines[i]).collect()
            },
        });
        start += n;
    }
    Ok(parts)
}

/// The week 3 lab's split: 60 % to train, 20 % to cross-validate, 20 % to
/// test, as its two `train_test_split` calls make it (`test_size=0.40`, then
/// half of those): the held-out parts are rounded up, as scikit-learn does.
///
/// ```
/// let [train, cv, test] = dualpath::io::data::train_cv_test(&dualpath::io::data::coffee(), 1)?;
/// assert_eq!((train.len(), cv.len(), test.len()), (120, 40, 40));
/// # Ok::<(), dualpath::Error>(())
/// ```
///
/// # Errors
/// If `d` has fewer than 3 rows.
pub fn train_cv_test(d: &Dataset, seed: u64) -> Result<[Dataset; 3]> {
    let m = d.len();
    let held = (m as f64 * 0.4).ceil() as usize;
    let test = (held as f64 * 0.5).ceil() as usize;
    let parts = split(d, &[m - held, held - test, test], seed)?;
    let [a, b, c]: [Dataset; 3] = parts.try_into().expect("three parts");
    Ok([a, b, c])
}

// ---------------------------------------------------------------------------
// The handwritten digits
// ---------------------------------------------------------------------------

/// The UCI optical handwritten digits, one byte per value: 1797 rows of 64
/// pixels and the digit (`data/README.md` says where they come from).
const DIGITS: &[u8] = include_bytes!("../../../data/digits8x8.bin");
/// Images in [`DIGITS`].
const DIGIT_IMAGES: usize = 1797;

/// A real multiclass data set, built in: the UCI optical handwritten digits
/// (Alpaydin and Kaynak, 1998; CC BY 4.0), 1797 images of the digits 0-9,
/// each 8 × 8 pixels from 0 to 16, as scikit-learn's `load_digits()` returns
/// them. Features `p0` … `p63` (row by row), target `digit`.
///
/// The course's own digit assignment uses 20 × 20 images in `X.npy` and
/// `y.npy`, which it does not license for redistribution; these are the
/// closest open equivalent, so that a 0-9 classifier trains with nothing to
/// download.
///
/// ```
/// let d = dualpath::io::data::digits8x8();
/// assert_eq!((d.len(), d.n_features(), d.n_targets()), (1797, 64, 1));
/// // The first image is a 0; its top row of pixels is 0 0 5 13 9 1 0 0.
/// assert_eq!(d.y[(0, 0)], 0.0);
/// assert_eq!(d.x.row(0).iter().take(8).copied().collect::<Vec<_>>(), [0.0, 0.0, 5.0, 13.0, 9.0, 1.0, 0.0, 0.0]);
/// ```
pub fn digits8x8() -> Dataset {
    const WIDTH: usize = 65;
    assert_eq!(
        DIGITS.len(),
        DIGIT_IMAGES * WIDTH,
        "the embedded digits are whole"
    );
    let x = DMatrix::from_fn(DIGIT_IMAGES, 64, |i, j| f64::from(DIGITS[i * WIDTH + j]));
    let y = DMatrix::from_fn(DIGIT_IMAGES, 1, |i, _| f64::from(DIGITS[i * WIDTH + 64]));
    Dataset {
        x,
        y,
        feature_names: (0..64).map(|j| format!("p{j}")).collect(),
        target_names: vec!["digit".into()],
        source: "the UCI handwritten digits, 8x8 (CC BY 4.0)".into(),
        lines: Vec::new(),
    }
}

// ---------------------------------------------------------------------------
// Normalisation
// ---------------------------------------------------------------------------

/// Per-feature standardisation, as Keras' `Normalization` layer does it:
/// `x̂_ij = (x_ij - mean_j) / max(std_j, ε)` with `ε = 10⁻⁷`.
///
/// `mean` and `std` are learned from data by [`Normalization::adapt`]; `std` is
/// the *population* standard deviation (divided by `m`, NumPy's default
/// `ddof=0`), the square root of the variance Keras stores. Keras 3 divides by
/// `maximum(sqrt(variance), epsilon())`, so a constant feature (`std = 0`)
/// becomes all zeros instead of NaN; [`Normalization::apply`] does the same.
///
/// ```
/// use dualpath::io::data::Normalization;
/// use nalgebra::dmatrix;
/// let x = dmatrix![1.0, 10.0; 3.0, 10.0];
/// let norm = Normalization::adapt(&x)?;
/// assert_eq!((norm.mean.clone(), norm.std.clone()), (vec![2.0, 10.0], vec![1.0, 0.0]));
/// assert_eq!(norm.apply(&x), dmatrix![-1.0, 0.0; 1.0, 0.0]);
/// # Ok::<(), dualpath::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Normalization {
    /// Per-feature mean, one per column of `X`.
    pub mean: Vec<f64>,
    /// Per-feature population standard deviation, one per column of `X`.
    pub std: Vec<f64>,
}

impl Normalization {
    /// Keras' `backend.epsilon()`: the smallest divisor [`Normalization::apply`] uses.
    pub const EPSILON: f64 = 1e-7;

    /// A normalisation from given means and standard deviations.
    ///
    /// # Errors
    /// [`Error::Empty`] for no features, [`Error::Shape`] if the lengths
    /// differ, [`Error::NonFinite`] for a NaN or infinity, and
    /// [`Error::InvalidSetting`] for a negative standard deviation.
    pub fn new(mean: Vec<f64>, std: Vec<f64>) -> Result<Self> {
        if mean.is_empty() {
            return Err(Error::Empty(
                "the normalisation's mean (no features)".into(),
            ));
        }
        if std.len() != mean.len() {
            return Err(Error::shape(
                "normalisation std length (one per feature, as the mean)",
                mean.len(),
                std.len(),
            ));
        }
        for (what, values) in [("normalisation mean", &mean), ("normalisation std", &std)] {
            if let Some((j, &v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(Error::NonFinite {
                    what: what.into(),
                    row: 0,
                    col: j,
                    value: v,
                });
            }
        }
        if let Some((j, s)) = std.iter().enumerate().find(|(_, s)| **s < 0.0) {
            return Err(Error::InvalidSetting {
                name: "normalisation std".into(),
                detail: format!("feature {j} has a negative standard deviation {s}"),
            });
        }
        Ok(Normalization { mean, std })
    }

    /// Learns each feature's mean and population standard deviation from `x`,
    /// `(m, n_features)`:
    /// `mean_j = Σ_i x_ij / m`, `std_j = √(Σ_i (x_ij - mean_j)² / m)`.
    ///
    /// Keras: `norm_l.adapt(X)`.
    ///
    /// # Errors
    /// [`Error::Empty`] if `x` has no rows or no columns, [`Error::NonFinite`]
    /// for a NaN or infinity in `x`.
    pub fn adapt(x: &DMatrix<f64>) -> Result<Self> {
        if x.nrows() == 0 || x.ncols() == 0 {
            return Err(Error::Empty(format!(
                "the data to adapt the normalisation to, of shape ({}, {})",
                x.nrows(),
                x.ncols()
            )));
        }
        crate::nn::network::check_finite("the data to adapt the normalisation to", x)?;
        let m = x.nrows() as f64;
        let mut mean = Vec::with_capacity(x.ncols());
        let mut std = Vec::with_capacity(x.ncols());
        for (j, col) in x.column_iter().enumerate() {
            let mu = col.iter().sum::<f64>() / m;
            let var = col.iter().map(|v| (v - mu) * (v - mu)).sum::<f64>() / m;
            if !(mu.is_finite() && var.is_finite()) {
                // Values near ±1e308 overflow the sum or the squares: the
                // normalised data would be zeros or NaN, so refuse it here.
                return Err(Error::InvalidSetting {
                    name: "normalisation".into(),
                    detail: format!(
                        "column {j} of the features (counted from 0) has values too large to standardise: \
                         its mean or variance overflows (mean {mu}, variance {var}); rescale the column first"
                    ),
                });
            }
            mean.push(mu);
            std.push(var.sqrt());
        }
        Ok(Normalization { mean, std })
    }

    /// Number of features this normalisation is for.
    pub fn n_features(&self) -> usize {
        self.mean.len()
    }

    /// Checks that data with `n_features` columns can be normalised by this.
    ///
    /// # Errors
    /// [`Error::Shape`] if the counts differ.
    pub fn check_features(&self, n_features: usize) -> Result<()> {
        if n_features == self.n_features() && self.std.len() == self.mean.len() {
            Ok(())
        } else {
            Err(Error::shape(
                "features per example for the normalisation (one mean and std each)",
                format!("{} (means) and {} (stds)", self.mean.len(), self.std.len()),
                n_features,
            ))
        }
    }

    /// `x̂_ij = (x_ij - mean_j) / max(std_j, 10⁻⁷)`, for `x` of shape
    /// `(m, n_features)` → `(m, n_features)`.
    ///
    /// Keras: `Xn = norm_l(X)`.
    ///
    /// # Panics
    /// If `x` does not have [`Normalization::n_features`] columns (check data
    /// from outside first with [`Normalization::check_features`]).
    pub fn apply(&self, x: &DMatrix<f64>) -> DMatrix<f64> {
        assert!(
            x.ncols() == self.mean.len() && self.std.len() == self.mean.len(),
            "Normalization::apply: x has {} columns, the normalisation has {} means and {} stds",
            x.ncols(),
            self.mean.len(),
            self.std.len()
        );
        let mut out = x.clone();
        for (j, mut col) in out.column_iter_mut().enumerate() {
            let (mu, sd) = (self.mean[j], self.std[j].max(Self::EPSILON));
            col.apply(|v| *v = (*v - mu) / sd);
        }
        out
    }
}
