//! Week 3's assignment, its first half (Course 2, `C2_W3_Assignment`,
//! sections 2 and 3): polynomial regression evaluated on held-back data, on
//! both paths.
//!
//! ```sh
//! cargo run --release --example polynomial_regression [-- CHART.svg]
//! ```
//!
//! **The data** is the assignment's own: its `gen_data(m, seed, scale)`
//! (`assigment_utils.py`), `y = x² + 0.7·x²·(u − 0.5)` at `m` points evenly
//! spaced on `[0, 49]`, `u` from NumPy's `np.random.seed(seed)`, and its
//! splits by scikit-learn's `train_test_split(…, random_state=1)`.
//! [`dualpath::io::data::numpy_random`] reproduces both number for number.
//!
//! **The model** is the assignment's `lin_model`: `PolynomialFeatures(degree,
//! include_bias=False)` (the columns `x, x², …, x^degree`), `StandardScaler`
//! (learned on the training rows), then `LinearRegression`, or `Ridge(alpha=λ)`
//! for the λ sweep. A linear regression on those features is a one-layer
//! network, `Dense(1, activation='linear')` with `degree` inputs: the kernel is
//! the coefficients, the bias the intercept. scikit-learn does not train it
//! by gradient descent, it solves for the minimum directly (least squares by
//! SVD; ridge by Cholesky on the normal equations); this example does the
//! same, puts the solution into a [`Network`], and runs it on both paths.
//! The network's own backward pass then shows that those weights are the
//! minimum of its cost: the gradient there is zero up to rounding, on both
//! paths. Gradient descent is shown beside it: Adam, on the same network
//! from zero weights, reaches that minimum for degrees 1 to 3 and stops above
//! it for higher degrees, whose standardised powers of `x` are nearly
//! parallel (and whose cross-validation error is then the lower for it).
//!
//! **The cost.** The course evaluates with `eval_mse`, `(1/2m)·Σ(ŷ − y)²`
//! (`lin_model.mse` is scikit-learn's `mean_squared_error` halved); Keras'
//! `MeanSquaredError`, the crate's [`Loss::MEAN_SQUARED_ERROR`], has no ½,
//! so the network's cost is twice the course's error, same minimum. And the
//! regularised cost the course writes, `(1/2m)·Σ(ŷ − y)² + (λ/2m)·Σw²`, is
//! `Ridge(alpha=λ)`'s `Σ(ŷ − y)² + λ·Σw²` divided by `2m`, so it is Keras'
//! MSE plus `L2(l2 = λ/m)` halved: the same minimum again.
//!
//! It prints the assignment's one printed line (`training err 58.01, test err
//! 171215.01`), the degree sweep, the λ sweep and the learning curve (error
//! against the number of examples) as tables, and draws the three charts the
//! assignment draws, training against cross-validation error, into one SVG
//! (by default `target/polynomial_regression.svg`).

#[path = "shared/lin_model.rs"]
mod lin_model;

use dualpath::io::data::numpy_random::{course_gen_data, train_test_split};
use dualpath::train::{FitSettings, Optimizer, fit};
use dualpath::{Loss, Path};
use lin_model::{LinModel, pick};
use nalgebra::DMatrix;
use plotters::prelude::*;

/// Gradient descent on the same network: Adam's learning rate and epochs.
const ADAM_RATE: f64 = 20.0;
const ADAM_EPOCHS: usize = 5000;

/// The λ sweep's values, the assignment's `lambda_range`.
const LAMBDAS: [f64; 10] = [0.0, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0];

/// Splits of the assignment's section 3: 60 % to train, 20 % to
/// cross-validate, 20 % to test, by two `train_test_split` calls.
struct Split {
    train: (Vec<f64>, Vec<f64>),
    cv: (Vec<f64>, Vec<f64>),
}

fn three_way(x: &[f64], y: &[f64]) -> Split {
    let (train, rest) = train_test_split(x.len(), 0.40, 1);
    let (xr, yr) = (pick(x, &rest), pick(y, &rest));
    let (cv, _test) = train_test_split(rest.len(), 0.50, 1);
    Split {
        train: (pick(x, &train), pick(y, &train)),
        cv: (pick(&xr, &cv), pick(&yr, &cv)),
    }
}

fn main() {
    let chart = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/polynomial_regression.svg".into());

    // ---- 2.1-2.3: degree 10 on 18 points, 12 to train and 6 to test -------
    // X,y,x_ideal,y_ideal = gen_data(18, 2, 0.7)
    // X_train, X_test, y_train, y_test = train_test_split(X,y,test_size=0.33, random_state=1)
    let (x, y, _) = course_gen_data(18, 2, 0.7);
    let (train, test) = train_test_split(18, 0.33, 1);
    let (xt, yt) = (pick(&x, &train), pick(&y, &train));
    let (xs, ys) = (pick(&x, &test), pick(&y, &test));
    println!(
        "X.shape ({},) → X_train.shape ({},), X_test.shape ({},)",
        x.len(),
        xt.len(),
        xs.len()
    );
    let model = LinModel::fit(&xt, &yt, 10, None);
    let (err_train, _) = (model.errors(&xt, &yt), model.errors(&xs, &ys));
    for path in Path::BOTH {
        let line = format!(
            "training err {:0.2}, test err {:0.2}",
            model.mse(&xt, &yt, path),
            model.mse(&xs, &ys, path)
        );
        println!("{:<10} {line}", path.name());
        // C2_W3_Assignment, section 2.3, prints this line.
        assert_eq!(line, "training err 58.01, test err 171215.01", "{path}");
    }
    // The network's cost (Keras' MSE, no ½) is twice the course's error.
    let j = dualpath::proof::gradcheck::cost(
        &model.net,
        &model.input(&xt),
        &DMatrix::from_column_slice(yt.len(), 1, &yt),
        Loss::MEAN_SQUARED_ERROR,
        Path::Matrix,
    )
    .expect("a cost");
    println!(
        "the network's cost, Keras' MSE: {j:.4} = 2 × {err_train:.4} (the course's eval_mse has a ½)"
    );
    // The same predictions (the matrix path's) summed in two orders: twelve
    // additions, each within 2⁻⁵³ relative, well inside 1e-12.
    assert!((j - 2.0 * err_train).abs() <= 1e-12 * j, "MSE = 2·eval_mse");

    // ---- 3: 40 points, 24 / 8 / 8 -------------------------------------------
    // X,y,x_ideal,y_ideal = gen_data(40, 5, 0.7), then two train_test_splits
    let (x, y, _) = course_gen_data(40, 5, 0.7);
    let s = three_way(&x, &y);
    println!(
        "\n40 points: X_train ({},), X_cv ({},), X_test (8,)",
        s.train.0.len(),
        s.cv.0.len()
    );
    assert_eq!(
        (s.train.0.len(), s.cv.0.len()),
        (24, 8),
        "the assignment's shapes"
    );

    println!(
        "\nThe degree sweep (section 3.2), eval_mse on both paths; then Adam on the same network:"
    );
    println!(
        "{:>6} {:>12} {:>12} {:>10}   {:>12} {:>12}",
        "degree", "train err", "cv err", "|∇J| ratio", "Adam train", "Adam cv"
    );
    let mut by_degree = Vec::new();
    for degree in 1..=9 {
        let model = LinModel::fit(&s.train.0, &s.train.1, degree, None);
        let (t, c) = (
            model.errors(&s.train.0, &s.train.1),
            model.errors(&s.cv.0, &s.cv.1),
        );
        let ratio = model.gradient_ratio(&s.train.0, &s.train.1);
        let (at, ac) = adam(&model, &s.train, &s.cv);
        println!("{degree:>6} {t:>12.2} {c:>12.2} {ratio:>10.1e}   {at:>12.2} {ac:>12.2}");
        // A minimum: the gradient there is rounding next to the one at w = 0.
        assert!(
            ratio < 1e-6,
            "degree {degree}: ∇J at the solution / at 0 = {ratio}"
        );
        // Gradient descent can only come down to the minimum, not below it.
        assert!(
            at >= t * (1.0 - 1e-9),
            "degree {degree}: Adam {at} below the minimum {t}"
        );
        by_degree.push((degree as f64, t, c));
    }
    let best = by_degree
        .iter()
        .min_by(|a, b| a.2.total_cmp(&b.2))
        .unwrap()
        .0;
    println!("optimal degree (least cv error): {best}");
    // The data is a quadratic with noise: the cross-validation error picks 2.
    assert_eq!(best, 2.0);
    // Training error only falls with the degree: each model contains the last.
    assert!(
        by_degree
            .windows(2)
            .all(|p| p[1].1 <= p[0].1 * (1.0 + 1e-9))
    );

    println!("\nThe λ sweep (section 3.3), degree 10, Ridge(alpha=λ) = the network with L2(λ/m):");
    println!(
        "{:>8} {:>12} {:>12} {:>10}",
        "lambda", "train err", "cv err", "|∇J| ratio"
    );
    let mut by_lambda = Vec::new();
    for lambda in LAMBDAS {
        let model = LinModel::fit(&s.train.0, &s.train.1, 10, Some(lambda));
        let (t, c) = (
            model.errors(&s.train.0, &s.train.1),
            model.errors(&s.cv.0, &s.cv.1),
        );
        let ratio = model.gradient_ratio(&s.train.0, &s.train.1);
        println!("{lambda:>8} {t:>12.2} {c:>12.2} {ratio:>10.1e}");
        assert!(
            ratio < 1e-6,
            "λ = {lambda}: ∇J at the solution / at 0 = {ratio}"
        );
        by_lambda.push((lambda, t, c));
    }
    let best = by_lambda
        .iter()
        .min_by(|a, b| a.2.total_cmp(&b.2))
        .unwrap()
        .0;
    println!("optimal lambda (least cv error): {best}");
    // More λ, more bias: the training error rises along the sweep.
    assert!(
        by_lambda
            .windows(2)
            .all(|p| p[1].1 >= p[0].1 * (1.0 - 1e-9))
    );
    // Neither end is best: too little λ overfits, too much underfits.
    assert!(best > LAMBDAS[0] && best < LAMBDAS[9]);

    println!(
        "\nThe learning curve (section 3.4, the assignment's tune_m): degree 16, no regularisation:"
    );
    println!("{:>6} {:>12} {:>12}", "m", "train err", "cv err");
    let mut by_m = Vec::new();
    for k in 1..=15 {
        let m = 50 * k;
        // X, y, y_ideal, x_ideal = gen_data(m_range[i],5,0.7), then the same splits
        let (x, y, _) = course_gen_data(m, 5, 0.7);
        let s = three_way(&x, &y);
        let model = LinModel::fit(&s.train.0, &s.train.1, 16, None);
        let (t, c) = (
            model.errors(&s.train.0, &s.train.1),
            model.errors(&s.cv.0, &s.cv.1),
        );
        println!("{m:>6} {t:>12.2} {c:>12.2}");
        by_m.push((m as f64, t, c));
    }
    // With more examples the gap between cv and training error closes.
    let gap = |p: &(f64, f64, f64)| (p.2 - p.1) / p.1;
    println!(
        "(cv − train)/train: {:.2} at m = 50, {:.2} at m = 750",
        gap(&by_m[0]),
        gap(&by_m[14])
    );
    assert!(gap(&by_m[14]) < gap(&by_m[0]), "more data, less variance");

    write_chart(&chart, &by_degree, &by_lambda, &by_m);
    println!("\nWrote {chart}");
    println!("polynomial_regression: the assignment's line, and its three sweeps, on both paths.");
}

/// The network trained by gradient descent instead: Adam(20), the 24 rows
/// as one batch, 5000 epochs from zero weights; its `eval_mse` on the
/// training and cross-validation rows (both paths train; their errors
/// agree to the digits shown).
fn adam(model: &LinModel, train: &(Vec<f64>, Vec<f64>), cv: &(Vec<f64>, Vec<f64>)) -> (f64, f64) {
    let input = model.input(&train.0);
    let target = DMatrix::from_column_slice(train.1.len(), 1, &train.1);
    let mut results = Vec::new();
    for path in Path::BOTH {
        let mut net = model.net.clone();
        for p in net.parameters_mut() {
            p.fill(0.0);
        }
        let settings = FitSettings {
            loss: Loss::MEAN_SQUARED_ERROR,
            optimizer: Optimizer::adam(ADAM_RATE),
            epochs: ADAM_EPOCHS,
            batch_size: train.0.len(),
            shuffle: false,
            seed: 0,
            path,
            threads: 1,
        };
        fit(&mut net, &input, &target, &settings).expect("training");
        let trained = LinModel {
            degree: model.degree,
            mean: model.mean.clone(),
            std: model.std.clone(),
            net,
        };
        results.push((
            trained.mse(&train.0, &train.1, path),
            trained.mse(&cv.0, &cv.1, path),
        ));
    }
    // No bound holds the two paths together over a whole training run (a
    // bound holds per pass, docs/06): 5000 steps carry their last-bit
    // differences along, most where the features are nearly parallel.
    // Measured: at most 3e-6 relative, degree 9. The claim here is the
    // digits the table shows, four significant ones.
    let (s, m) = (results[0], results[1]);
    let gap = ((s.0 - m.0) / m.0).abs().max(((s.1 - m.1) / m.1).abs());
    assert!(gap < 1e-4, "the two paths' Adam runs: {s:?} and {m:?}");
    m
}

/// The assignment's three charts, training against cross-validation error:
/// against the degree, against λ (log axis, λ = 0 left out as on a log
/// axis it must be), against the number of examples.
fn write_chart(
    path: &str,
    by_degree: &[(f64, f64, f64)],
    by_lambda: &[(f64, f64, f64)],
    by_m: &[(f64, f64, f64)],
) {
    dualpath::io::chart::register_font();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1200, 420)).into_drawing_area();
        root.fill(&WHITE).unwrap();
        let panels = root.split_evenly((1, 3));
        let top = |s: &[(f64, f64, f64)]| s.iter().map(|p| p.1.max(p.2)).fold(0.0, f64::max) * 1.1;
        let series = |s: &[(f64, f64, f64)], pick: usize| -> Vec<(f64, f64)> {
            s.iter()
                .map(|p| (p.0, if pick == 1 { p.1 } else { p.2 }))
                .collect()
        };
        macro_rules! panel {
            ($area:expr, $title:expr, $xdesc:expr, $x:expr, $corner:expr, $xfmt:expr, $data:expr) => {{
                let mut chart = ChartBuilder::on($area)
                    .caption($title, ("sans-serif", 18))
                    .margin(10)
                    .x_label_area_size(36)
                    .y_label_area_size(64)
                    .build_cartesian_2d($x, 0f64..top($data))
                    .unwrap();
                chart
                    .configure_mesh()
                    .x_desc($xdesc)
                    .x_label_formatter($xfmt)
                    .y_desc("error (eval_mse)")
                    .y_label_formatter(&|v| format!("{:.0}k", v / 1000.0))
                    .draw()
                    .unwrap();
                for (name, pick, color) in [
                    ("train error", 1usize, dualpath::io::chart::SERIES[0]),
                    ("cv error", 2, dualpath::io::chart::SERIES[1]),
                ] {
                    let points = series($data, pick);
                    chart
                        .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
                        .unwrap()
                        .label(name)
                        .legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
                        });
                    chart
                        .draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled())))
                        .unwrap();
                }
                chart
                    .configure_series_labels()
                    .position($corner)
                    .background_style(WHITE.mix(0.8))
                    .border_style(BLACK)
                    .draw()
                    .unwrap();
            }};
        }
        let plain = |v: &f64| format!("{v}");
        let log = |v: &f64| format!("{:e}", 10f64.powf(v.log10().round()));
        panel!(
            &panels[0],
            "error vs degree",
            "degree",
            0.5f64..9.5,
            SeriesLabelPosition::UpperLeft,
            &plain,
            by_degree
        );
        let positive: Vec<(f64, f64, f64)> =
            by_lambda.iter().copied().filter(|p| p.0 > 0.0).collect();
        panel!(
            &panels[1],
            "error vs regularization (degree 10)",
            "lambda",
            (5e-7f64..200.0).log_scale(),
            SeriesLabelPosition::UpperMiddle,
            &log,
            &positive
        );
        panel!(
            &panels[2],
            "error vs number of examples (degree 16)",
            "m",
            0f64..800.0,
            SeriesLabelPosition::UpperRight,
            &plain,
            by_m
        );
        root.present().unwrap();
    }
    let path = std::path::Path::new(path);
    if let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).expect("the chart's folder can be made");
    }
    dualpath::io::files::write_atomically(path, svg.as_bytes()).expect("the chart is written");
}
