//! Week 3's optional lab on diagnosing bias and variance (Course 2,
//! `C2W3_Lab_02_Diagnosing_Bias_and_Variance`), on both paths.
//!
//! ```sh
//! cargo run --release --example bias_variance_diagnosis [-- DIR]
//! ```
//!
//! `DIR` is the lab's `data` folder, holding `c2w3_lab2_data1.csv` (100 rows
//! of `x, y`), `c2w3_lab2_data2.csv` (100 rows of `x1, x2, y`),
//! `c2w3_lab2_data3.csv` (100 rows of `id, x1, x2, y`, the first column a
//! random number) and `c2w3_lab2_data4.csv` (1000 rows of `x1, x2, y`), as
//! the lab ships them: numbers separated by commas, no header. This crate
//! does not carry those files. Without `DIR` the example runs the same steps
//! on stand-in data made here (a curved trend in `x1` with noise, a second
//! feature that moves the target a little, a random identifier), and says so.
//!
//! The lab's `utils.py` draws its findings as charts; here they are tables.
//! Each of its steps, on the rows of its `prepare_dataset`:
//! `train_test_split(test_size=0.40, random_state=80)` then
//! `train_test_split(test_size=0.50, random_state=80)`, 60 % to train, 20 %
//! to cross-validate (the test rows are not used). Each model is
//! `PolynomialFeatures(degree, include_bias=False)`, `StandardScaler` learned
//! on the training rows, then `LinearRegression` or `Ridge(alpha=λ)`, and
//! each error is `mean_squared_error / 2`, the course's `J = (1/2m)·Σ(ŷ −
//! y)²`. The model is the `polynomial_regression` example's
//! (`examples/shared/lin_model.rs`): the solution held in a one-layer linear
//! network whose predictions both paths make and agree on within their
//! bound; the errors are each path's own `eval_mse`.
//!
//! 1. `train_plot_poly`, degrees 1 to 10 on `data1` (one feature), against
//!    the baselines 400 and then 250;
//! 2. the same, degrees 1 to 6, on `data2` (two features: the polynomial
//!    holds every product of them up to the degree);
//! 3. `train_plot_reg_params`, degree 4 on `data2`, `λ` from 10 down to 0.1,
//!    then from 0.01 up to 1;
//! 4. `train_plot_diff_datasets`, degrees 1 to 4 on `data3` (with the random
//!    identifier) and on `data2`;
//! 5. `train_plot_learning_curve`, degree 4 on `data4`: the first 10 %, 20 %,
//!    … 100 % of the training and of the cross-validation rows.
//!
//! The lab prints shapes and rows of its splits, asserted here given its
//! data; its errors it only draws. `Ridge(alpha=λ)` is solved here with the
//! penalty the network carries, Keras' `L2(λ/m)` rounded to `f32`: `λ` to 8
//! digits, far inside the two decimals printed.

#[path = "shared/lab_data.rs"]
mod lab_data;
#[path = "shared/lin_model.rs"]
mod lin_model;

use dualpath::Path;
use dualpath::io::data::numpy_random::RandomState;
use lab_data::{data_folder, np_e, read_numbers, splits};
use lin_model::LinModel;
use nalgebra::DMatrix;
use std::process::ExitCode;

const USAGE: &str = "usage: cargo run --release --example bias_variance_diagnosis [-- DIR]
  DIR: the lab's data folder, with c2w3_lab2_data1.csv to c2w3_lab2_data4.csv
  (without DIR: the same steps on stand-in data made by the example)";

/// The lab's data files and their numbers of input columns.
const FILES: [(&str, usize); 4] = [
    ("c2w3_lab2_data1.csv", 1),
    ("c2w3_lab2_data2.csv", 2),
    ("c2w3_lab2_data3.csv", 3),
    ("c2w3_lab2_data4.csv", 2),
];

/// What the lab's notebook printed, for its data: the saved outputs of
/// `C2W3_Lab_02_Diagnosing_Bias_and_Variance.ipynb` in a public copy of the
/// course's lab (github.com/Mellbourn/advanced-learning-algorithms-w3-model-evaluation).
mod lab {
    /// "the shape of the training set (input) is: (60, 1)", "… cross
    /// validation set (input) is: (20, 1)" (cell 3); the same with 2
    /// features (cell 5); "the shape of the entire training set (input) is:
    /// (600, 2)", "… cross validation set …: (200, 2)" (cell 11).
    pub const SHAPES: [(usize, usize); 3] = [(60, 20), (60, 20), (600, 200)];
    /// "first 5 rows of the training inputs (1 feature)" (cell 3, NumPy's
    /// default eight decimals).
    pub const ROWS_1: [&str; 5] = [
        "3757.57575758",
        "2878.78787879",
        "3545.45454545",
        "1575.75757576",
        "1666.66666667",
    ];
    /// "first 5 rows of the training inputs (2 features)" (cells 5 and 9).
    pub const ROWS_2: [[&str; 2]; 5] = [
        ["3.75757576e+03", "5.49494949e+00"],
        ["2.87878788e+03", "6.70707071e+00"],
        ["3.54545455e+03", "3.71717172e+00"],
        ["1.57575758e+03", "5.97979798e+00"],
        ["1.66666667e+03", "1.61616162e+00"],
    ];
    /// "first 5 rows of the training set with 3 features (1st column is a
    /// random ID)" (cell 9).
    pub const ROWS_3: [[&str; 3]; 5] = [
        ["1.41929130e+07", "3.75757576e+03", "5.49494949e+00"],
        ["1.51868310e+07", "2.87878788e+03", "6.70707071e+00"],
        ["1.92662630e+07", "3.54545455e+03", "3.71717172e+00"],
        ["1.25222490e+07", "1.57575758e+03", "5.97979798e+00"],
        ["1.76537960e+07", "1.66666667e+03", "1.61616162e+00"],
    ];
}

/// One data file: inputs (a row per example) and targets.
struct Set {
    x: DMatrix<f64>,
    y: Vec<f64>,
}

/// The split the lab's `prepare_dataset` makes: training and
/// cross-validation rows.
struct Split {
    train: (DMatrix<f64>, Vec<f64>),
    cv: (DMatrix<f64>, Vec<f64>),
}

impl Set {
    fn rows(&self, idx: &[usize]) -> (DMatrix<f64>, Vec<f64>) {
        (
            DMatrix::from_fn(idx.len(), self.x.ncols(), |i, j| self.x[(idx[i], j)]),
            idx.iter().map(|&i| self.y[i]).collect(),
        )
    }

    fn split(&self) -> Split {
        let [train, cv, _test] = splits(self.x.nrows(), 80);
        Split {
            train: self.rows(&train),
            cv: self.rows(&cv),
        }
    }
}

fn main() -> ExitCode {
    let folder = match data_folder("bias_variance_diagnosis", USAGE) {
        Ok(folder) => folder,
        Err(code) => return code,
    };
    let (sets, lab) = match folder {
        None => {
            println!(
                "No data folder given: STAND-IN DATA made by this example, not the lab's \
                 (give the folder with c2w3_lab2_data1.csv to c2w3_lab2_data4.csv to run on \
                 the lab's own)."
            );
            (stand_in(), false)
        }
        Some(dir) => match read_lab(&dir) {
            Ok(sets) => (sets, true),
            Err(message) => {
                eprintln!("bias_variance_diagnosis: {message}");
                return ExitCode::from(2);
            }
        },
    };
    let splits: Vec<Split> = sets.iter().map(Set::split).collect();
    shapes(&splits, lab);
    by_degree(&splits);
    by_lambda(&splits[1]);
    learning_curve(&splits[3]);
    println!(
        "\nbias_variance_diagnosis: the lab's splits, its errors by degree, by λ, with a \
         random feature and by the number of examples, on both paths{}.",
        if lab {
            ", the splits' shapes and rows equal to the lab's"
        } else {
            " (stand-in data)"
        }
    );
    ExitCode::SUCCESS
}

/// Stand-in data shaped as the lab's: `x1` evenly spaced on [1000, 4000],
/// `x2` on [0, 8] at random, `y` a curve flattening as `x1` grows plus a
/// little of `x2` plus noise. As in the lab, the first set is the second
/// without `x2`, and the third is the second with a random identifier in
/// front. Drawn by NumPy's legacy generator so that anyone can redraw them.
fn stand_in() -> Vec<Set> {
    let mut rng = RandomState::new(3);
    let mut make = |n: usize| {
        let mut x = DMatrix::zeros(n, 2);
        let mut y = Vec::with_capacity(n);
        for i in 0..n {
            let x1 = 1000.0 + 3000.0 * i as f64 / (n - 1) as f64;
            let x2 = (80.0 * rng.random_sample()).round() / 10.0;
            (x[(i, 0)], x[(i, 1)]) = (x1, x2);
            y.push(160.0 * (x1 / 1000.0).ln() + 150.0 + 3.0 * x2 + rng.normal(0.0, 20.0));
        }
        Set { x, y }
    };
    let two = make(100);
    let four = make(1000);
    let one = Set {
        x: two.x.columns(0, 1).into_owned(),
        y: two.y.clone(),
    };
    let ids: Vec<f64> = (0..100)
        .map(|_| (1.0e7 + 1.0e7 * rng.random_sample()).round())
        .collect();
    let three = Set {
        x: DMatrix::from_fn(
            100,
            3,
            |i, j| if j == 0 { ids[i] } else { two.x[(i, j - 1)] },
        ),
        y: two.y.clone(),
    };
    vec![one, two, three, four]
}

/// The lab's four files from `dir`.
fn read_lab(dir: &std::path::Path) -> Result<Vec<Set>, String> {
    if !dir.is_dir() {
        return Err(format!(
            "{}: not a folder; give the lab's data folder, with c2w3_lab2_data1.csv to \
             c2w3_lab2_data4.csv",
            dir.display()
        ));
    }
    FILES
        .iter()
        .map(|&(name, cols)| {
            let rows = read_numbers(&dir.join(name), cols + 1)?;
            Ok(Set {
                x: DMatrix::from_fn(rows.len(), cols, |i, j| rows[i][j]),
                y: rows.iter().map(|r| r[cols]).collect(),
            })
        })
        .collect()
}

fn shapes(s: &[Split], lab: bool) {
    println!("\n== The splits (prepare_dataset: 60 % train, 20 % cv, random_state=80)");
    for (k, &(file, _)) in FILES.iter().enumerate() {
        let name = if lab {
            file.to_string()
        } else {
            format!("stand-in for {file}")
        };
        let (t, c) = (&s[k].train.0, &s[k].cv.0);
        println!(
            "{name}: training set (input) ({}, {}), target ({},); cross validation set (input) ({}, {}), target ({},)",
            t.nrows(),
            t.ncols(),
            s[k].train.1.len(),
            c.nrows(),
            c.ncols(),
            s[k].cv.1.len()
        );
    }
    if lab {
        for (k, &shape) in [0, 1, 3].iter().zip(&lab::SHAPES) {
            assert_eq!(
                (s[*k].train.0.nrows(), s[*k].cv.0.nrows()),
                shape,
                "{}: the lab's shapes",
                FILES[*k].0
            );
        }
    }
    println!("first 5 rows of the training inputs, 1, 2 and 3 features:");
    for i in 0..5 {
        let one = format!("{:.8}", s[0].train.0[(i, 0)]);
        let two: Vec<String> = (0..2).map(|j| np_e(s[1].train.0[(i, j)], 8)).collect();
        let three: Vec<String> = (0..3).map(|j| np_e(s[2].train.0[(i, j)], 8)).collect();
        println!("  [{one}]   [{}]   [{}]", two.join(" "), three.join(" "));
        if lab {
            assert_eq!(one, lab::ROWS_1[i], "data1, training row {i}");
            assert_eq!(two, lab::ROWS_2[i], "data2, training row {i}");
            assert_eq!(three, lab::ROWS_3[i], "data3, training row {i}");
        }
    }
}

/// A model's training and cross-validation errors on both paths: (the
/// matrix path's pair, the largest relative gap to the sequential path's).
fn errors(model: &LinModel, s: &Split) -> ((f64, f64), f64) {
    // `errors` checks that the two paths' predictions agree within their
    // bound, and returns the matrix path's eval_mse.
    let m = (
        model.errors(&s.train.0, &s.train.1),
        model.errors(&s.cv.0, &s.cv.1),
    );
    let q = (
        model.mse(&s.train.0, &s.train.1, Path::Sequential),
        model.mse(&s.cv.0, &s.cv.1, Path::Sequential),
    );
    let gap = ((m.0 - q.0) / m.0).abs().max(((m.1 - q.1) / m.1).abs());
    // The predictions agree within the paths' bound (checked by `errors`);
    // their errors are then summed by a loop and by a vector sum. Where the
    // polynomial's coefficients are large and cancel (degree 10) the two
    // sums part by more than their own rounding: measured about 2e-9
    // relative at degree 10 of data1 (on the lab's data and on the
    // stand-in), 1e-10 or less below it; each table prints its largest gap.
    // The claim is the digits the tables print.
    assert!(gap < 1e-6, "the paths' errors: {m:?} and {q:?}");
    (m, gap)
}

/// One sweep's rows: the parameter, its training and cv errors.
type Rows = Vec<(String, f64, f64)>;

fn table(head: &str, rows: &Rows, baseline: &str, gap: f64) {
    println!("{head:>8} {:>12} {:>12}", "train MSE", "cv MSE");
    for (p, t, c) in rows {
        println!("{p:>8} {t:>12.2} {c:>12.2}");
    }
    println!("baseline {baseline}; the paths' errors at most {gap:.0e} relative apart");
}

/// `train_plot_poly` for `degrees` on a split: (rows, largest paths' gap).
fn poly(s: &Split, degrees: std::ops::RangeInclusive<usize>) -> (Rows, f64) {
    let mut rows = Vec::new();
    let mut gap: f64 = 0.0;
    for degree in degrees {
        let model = LinModel::fit(&s.train.0, &s.train.1, degree, None);
        let ((t, c), g) = errors(&model, s);
        rows.push((degree.to_string(), t, c));
        gap = gap.max(g);
    }
    // Each polynomial contains the one of lower degree: its training error
    // can only be as low or lower (up to the solve's rounding).
    assert!(
        rows.windows(2).all(|p| p[1].1 <= p[0].1 * (1.0 + 1e-9)),
        "training error against degree: {rows:?}"
    );
    (rows, gap)
}

fn by_degree(s: &[Split]) {
    println!("\n== Error against the degree of the polynomial (train_plot_poly), data1, 1 feature");
    let (rows, gap) = poly(&s[0], 1..=10);
    table("degree", &rows, "400, then 250 (the lab's two charts)", gap);

    println!("\n== The same with 2 features, data2, degrees 1 to 6");
    let (rows2, gap) = poly(&s[1], 1..=6);
    table("degree", &rows2, "250", gap);

    println!(
        "\n== A random identifier as a third feature (train_plot_diff_datasets), degrees 1 to 4"
    );
    let (with_id, g3) = poly(&s[2], 1..=4);
    let (without, g2) = poly(&s[1], 1..=4);
    println!(
        "{:>8} {:>12} {:>12} {:>12} {:>12}",
        "degree", "3f train", "3f cv", "2f train", "2f cv"
    );
    for (a, b) in with_id.iter().zip(&without) {
        println!(
            "{:>8} {:>12.2} {:>12.2} {:>12.2} {:>12.2}",
            a.0, a.1, a.2, b.1, b.2
        );
        // The three-feature polynomial holds every term of the two-feature
        // one, on the same rows: it fits its training rows as well or
        // better. (The lab: "the training error… lower… with the random ID".)
        assert!(
            a.1 <= b.1 * (1.0 + 1e-9),
            "degree {}: 3 features {} against 2 features {}",
            a.0,
            a.1,
            b.1
        );
    }
    println!(
        "baseline 250; the paths' errors at most {:.0e} relative apart",
        g3.max(g2)
    );
}

fn by_lambda(s: &Split) {
    for (label, lambdas) in [
        (
            "from 10 down to 0.1",
            &[10.0, 5.0, 2.0, 1.0, 0.5, 0.2, 0.1][..],
        ),
        (
            "from 0.01 up to 1",
            &[0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0][..],
        ),
    ] {
        println!(
            "\n== Error against λ (train_plot_reg_params), data2, degree 4, Ridge(alpha=λ), λ {label}"
        );
        let mut rows = Vec::new();
        let mut gap: f64 = 0.0;
        for &lambda in lambdas {
            let model = LinModel::fit(&s.train.0, &s.train.1, 4, Some(lambda));
            let ((t, c), g) = errors(&model, s);
            rows.push((lambda.to_string(), t, c));
            gap = gap.max(g);
        }
        table("λ", &rows, "250", gap);
        // A larger penalty holds the weights closer to zero: the training
        // error can only be as high or higher.
        let mut by_size = rows.clone();
        by_size.sort_by(|a, b| {
            let (p, q): (f64, f64) = (a.0.parse().expect("λ"), b.0.parse().expect("λ"));
            p.total_cmp(&q)
        });
        assert!(
            by_size.windows(2).all(|p| p[1].1 >= p[0].1 * (1.0 - 1e-9)),
            "training error against λ: {rows:?}"
        );
    }
}

fn learning_curve(s: &Split) {
    println!(
        "\n== Error against the number of examples (train_plot_learning_curve), data4, degree 4"
    );
    let mut rows = Vec::new();
    let mut gap: f64 = 0.0;
    for percent in (10..=100).step_by(10) {
        // Python's round(len · percent/100.0): halves to even.
        let take = |n: usize| (n as f64 * (percent as f64 / 100.0)).round_ties_even() as usize;
        let (nt, nc) = (take(s.train.1.len()), take(s.cv.1.len()));
        let sub = Split {
            train: (s.train.0.rows(0, nt).into_owned(), s.train.1[..nt].to_vec()),
            cv: (s.cv.0.rows(0, nc).into_owned(), s.cv.1[..nc].to_vec()),
        };
        let model = LinModel::fit(&sub.train.0, &sub.train.1, 4, None);
        let ((t, c), g) = errors(&model, &sub);
        rows.push(((nt + nc).to_string(), t, c));
        gap = gap.max(g);
    }
    table("m + m_cv", &rows, "250", gap);
    // With ten times the examples the model generalises better: the gap
    // between cv and training error narrows.
    let (first, last) = (&rows[0], &rows[rows.len() - 1]);
    assert!(
        last.2 - last.1 < first.2 - first.1,
        "the learning curve: {rows:?}"
    );
}
