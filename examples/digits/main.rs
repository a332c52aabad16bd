//! The Course 2 digit assignments, on both paths.
//!
//! ```sh
//! cargo run --release --example digits                  # digits 0-9, on the built-in UCI images
//! cargo run --release --example digits -- path/to/data  # the assignment's own X.npy and y.npy
//! ```
//!
//! **Week 2, digits 0-9** (`C2_W2_Assignment`): 25 relu, 15 relu, 10 linear
//! units, `SparseCategoricalCrossentropy(from_logits=True)`, `Adam(0.001)`,
//! 40 epochs:
//!
//! ```python
//! model = Sequential([
//!     tf.keras.Input(shape=(400,)),
//!     Dense(25, activation="relu"),
//!     Dense(15, activation="relu"),
//!     Dense(10, activation="linear"),
//! ])
//! model.compile(loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
//!               optimizer=tf.keras.optimizers.Adam(0.001))
//! model.fit(X, y, epochs=40)
//! ```
//!
//! With no folder it trains that network on the built-in UCI handwritten
//! digits (`dualpath::io::data::digits8x8`: 1797 images of 8 × 8 pixels, so 64
//! inputs, CC BY 4.0), standardised as Keras' `Normalization` would, since
//! their pixels run from 0 to 16. Given the assignments' folder, on all its
//! 400-pixel images, whose grey values (about 0 to 1) it feeds as they are,
//! as the assignment does.
//!
//! **Week 1, zeros and ones** (`C2_W1_Assignment`): the notes' network on 400
//! inputs (400-25-15-1, sigmoid throughout), on the zeros and ones.
//!
//! The data is the assignments', not shipped here: `X.npy` holds 5000 images
//! of 20×20 grey values, one per row (shape `(5000, 400)`), 500 of each digit
//! in order, and `y.npy` their labels 0-9 (shape `(5000, 1)`). The week 2
//! assignment's `load_data` reads them all; the week 1 assignment's keeps the
//! first 1000 rows (`X = X[0:1000]`, `y = y[0:1000]`), the zeros and the ones,
//! and this example does the same: given the folder, it runs week 1 on the
//! first 1000 rows, then week 2 on all of them. (A folder whose labels are
//! only 0 and 1 gets week 1 alone.) The week 1 assignment builds and trains:
//!
//! ```python
//! model = Sequential([
//!     tf.keras.Input(shape=(400,)),
//!     Dense(25, activation="sigmoid"),
//!     Dense(15, activation="sigmoid"),
//!     Dense(1,  activation="sigmoid"),
//! ])
//! model.compile(loss=tf.keras.losses.BinaryCrossentropy(),
//!               optimizer=tf.keras.optimizers.Adam(0.001))
//! model.fit(X, y, epochs=20)
//! ```
//!
//! and this example does the same on both paths. Exit codes: 0 after a run,
//! 2 when the folder or its files cannot be read.

mod npy;

use dualpath::io::data::{Normalization, digits8x8};
use dualpath::train::{FitSettings, Optimizer, evaluate, fit};
use dualpath::{Activation, Loss, Network, Path};
use nalgebra::DMatrix;
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo run --release --example digits [-- DIR]

With no DIR: the week 2 digit network (25 relu, 15 relu, 10 logits) on the
built-in UCI handwritten digits 0-9, on both paths. DIR is the folder
holding the Course 2 assignments' X.npy (shape (m, 400)) and y.npy (shape
(m, 1)): the week 1 network (400-25-15-1, sigmoid) trains on the first 1000
rows, as the week 1 assignment's load_data keeps them, and, when the labels
run 0-9, the week 2 network on all rows. The files are not shipped with this
crate.";

/// The week 1 assignment's `load_data`: `X = X[0:1000]`, `y = y[0:1000]`.
const WEEK1_ROWS: usize = 1000;

/// The week 2 assignment's `model.fit(X, y, epochs=40)`.
const MULTICLASS_EPOCHS: usize = 40;

/// The assignment's `model.fit(X, y, epochs=20)`.
const EPOCHS: usize = 20;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = match args.as_slice() {
        [] => {
            let d = digits8x8();
            println!(
                "The built-in UCI digits: {} images of 8×8 pixels, digits 0-9.",
                d.len()
            );
            return match multiclass(&d.x, &d.y, true, 0.9) {
                Ok(()) => ExitCode::SUCCESS,
                Err(message) => {
                    eprintln!("digits: {message}");
                    ExitCode::from(2)
                }
            };
        }
        [flag] if flag == "-h" || flag == "--help" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        [dir] => PathBuf::from(dir),
        _ => {
            eprintln!(
                "digits: expected one folder, got {} arguments\n\n{USAGE}",
                args.len()
            );
            return ExitCode::from(2);
        }
    };
    match run(&dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("digits: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(dir: &std::path::Path) -> Result<(), String> {
    if !dir.is_dir() {
        return Err(format!(
            "{}: not a folder; give the folder that holds the assignment's X.npy and y.npy",
            dir.display()
        ));
    }
    let x = npy::read_matrix(&dir.join("X.npy"))?;
    let y = npy::read_matrix(&dir.join("y.npy"))?;
    println!("X.npy: {:?}, y.npy: {:?}", x.shape(), y.shape());
    let m = x.nrows();
    if x.ncols() != 400 {
        return Err(format!(
            "X.npy has {} values per row; the assignment's images have 400 (20×20)",
            x.ncols()
        ));
    }
    if y.shape() != (m, 1) {
        return Err(format!(
            "y.npy has shape {:?}; expected ({m}, 1), one label per row of X",
            y.shape()
        ));
    }
    if let Some(i) = y
        .iter()
        .position(|&v| !(v.fract() == 0.0 && (0.0..=9.0).contains(&v)))
    {
        return Err(format!(
            "y.npy row {i} is {}; expected labels 0-9 (or 0 and 1)",
            y[(i, 0)]
        ));
    }
    // The week 1 assignment's load_data: the first 1000 rows, zeros and ones.
    let rows = m.min(WEEK1_ROWS);
    let (x1, y1) = (x.rows(0, rows).into_owned(), y.rows(0, rows).into_owned());
    println!();
    println!("Week 1 (C2_W1_Assignment), load_data's X[0:1000] and y[0:1000]:");
    println!("The shape of X is: {:?}", x1.shape());
    println!("The shape of y is: {:?}", y1.shape());
    if let Some(i) = y1.iter().position(|&v| v > 1.0) {
        return Err(format!(
            "y.npy row {i} is {}; the week 1 assignment's first {WEEK1_ROWS} rows are zeros and ones",
            y1[(i, 0)]
        ));
    }
    week1(&x1, &y1)?;
    if y.iter().any(|&v| v > 1.0) {
        // The week 2 assignment's load_data: all the images, digits 0-9.
        println!();
        println!("Week 2 (C2_W2_Assignment), all {m} images, the grey values as they are:");
        multiclass(&x, &y, false, 0.9)?;
    }
    Ok(())
}

/// The week 1 assignment's network on its zeros and ones: both paths from the
/// same start, the parameter counts of its `model.summary()`, and its two
/// predictions.
fn week1(x: &DMatrix<f64>, y: &DMatrix<f64>) -> Result<(), String> {
    let m = x.nrows();
    let ones = y.iter().filter(|&&v| v == 1.0).count();
    println!("{ones} ones and {} zeros", m - ones);

    let layers = [
        (25, Activation::Sigmoid),
        (15, Activation::Sigmoid),
        (1, Activation::Sigmoid),
    ];
    let start = Network::<f64>::new(400, &layers, 0).map_err(|e| e.to_string())?;
    println!();
    println!("Layer     W shape      b shape   Param #");
    for (l, d) in start.layers().iter().enumerate() {
        println!(
            "dense_{l}   {:<12} {:<9} {}",
            format!("({}, {})", d.n_in(), d.units()),
            format!("({},)", d.units()),
            d.param_count()
        );
    }
    println!("Total params: {}", start.param_count());
    let counts: Vec<usize> = start.layers().iter().map(|d| d.param_count()).collect();
    assert_eq!(
        counts,
        [10_025, 390, 16],
        "the assignment's model.summary()"
    );
    assert_eq!(start.param_count(), 10_431, "the assignment's total");

    let mut trained = Vec::new();
    for path in Path::BOTH {
        let mut net = start.clone();
        let settings = FitSettings {
            loss: Loss::BINARY_CROSSENTROPY,
            optimizer: Optimizer::adam(0.001),
            epochs: EPOCHS,
            batch_size: 32,
            shuffle: true,
            seed: 0,
            path,
            threads: 1,
        };
        println!();
        println!(
            "model.fit(X, y, epochs={EPOCHS}) on the {} path:",
            path.name()
        );
        let t = std::time::Instant::now();
        let history = fit(&mut net, x, y, &settings).map_err(|e| e.to_string())?;
        for (e, (loss, acc)) in history.loss.iter().zip(&history.accuracy).enumerate() {
            if e == 0 || (e + 1) % 5 == 0 {
                println!(
                    "Epoch {:>2}/{EPOCHS}  loss: {loss:.4}  accuracy: {acc:.4}",
                    e + 1
                );
            }
        }
        println!("  {:.2} s", t.elapsed().as_secs_f64());
        let (j, acc) =
            evaluate(&net, x, y, Loss::BINARY_CROSSENTROPY, path).map_err(|e| e.to_string())?;
        let acc = acc.expect("binary cross-entropy reports accuracy");
        println!("  on all {m} images: loss {j:.4}, accuracy {acc:.4}");
        assert!(
            acc >= 0.95,
            "{path}: the assignment's network separates zeros from ones (accuracy {acc})"
        );
        trained.push(net);
    }

    // prediction = model.predict(X[0].reshape(1,400))    # a zero
    // prediction = model.predict(X[500].reshape(1,400))  # a one
    let net = &trained[1];
    for i in [0, 500].into_iter().filter(|&i| i < m) {
        let row = DMatrix::from_fn(1, 400, |_, k| x[(i, k)]);
        let p = Path::Matrix
            .forward(net, &row)
            .map_err(|e| e.to_string())?
            .output()[(0, 0)];
        let yhat = u8::from(p >= 0.5);
        println!(
            "X[{i}] (label {}): prediction {p:.6e}, after threshold {yhat}",
            y[(i, 0)]
        );
        assert_eq!(
            f64::from(yhat),
            y[(i, 0)],
            "the trained network should recognise image {i}"
        );
    }

    // The two paths trained from the same start with the same batches; they
    // differ only by rounding, which training carries along and may grow.
    let gap = trained[0]
        .layers()
        .iter()
        .zip(trained[1].layers())
        .map(|(s, t)| (s.w() - t.w()).amax().max((s.b() - t.b()).amax()))
        .fold(0.0, f64::max);
    println!("largest difference between the two trained networks' weights: {gap:.3e}");
    Ok(())
}

/// The week 2 network on `(x, y)`, labels 0-9: both paths from the same
/// start, each reaching `min_accuracy` on the training images. `standardise`
/// for the UCI pixels, which run 0-16: they are standardised first, as
/// Keras' `Normalization` would. The course feeds its grey values (about
/// 0 to 1) as they are, and so does this with `standardise` false.
fn multiclass(
    x: &DMatrix<f64>,
    y: &DMatrix<f64>,
    standardise: bool,
    min_accuracy: f64,
) -> Result<(), String> {
    let standardised;
    let x = if standardise {
        let norm = Normalization::adapt(x).map_err(|e| e.to_string())?;
        standardised = norm.apply(x);
        &standardised
    } else {
        x
    };
    let layers = [
        (25, Activation::Relu),
        (15, Activation::Relu),
        (10, Activation::Linear),
    ];
    let start = Network::<f64>::new(x.ncols(), &layers, 0).map_err(|e| e.to_string())?;
    let loss = Loss::SPARSE_CATEGORICAL_CROSSENTROPY.with_logits();
    println!(
        "{:?}, {} parameters, {}, Adam(0.001), {MULTICLASS_EPOCHS} epochs:",
        start.widths(),
        start.param_count(),
        loss.keras_name()
    );
    for path in Path::BOTH {
        let mut net = start.clone();
        let settings = FitSettings {
            loss,
            optimizer: Optimizer::adam(0.001),
            epochs: MULTICLASS_EPOCHS,
            batch_size: 32,
            shuffle: true,
            seed: 0,
            path,
            threads: 1,
        };
        let history = fit(&mut net, x, y, &settings).map_err(|e| e.to_string())?;
        let last = history.loss.len() - 1;
        println!(
            "  {:<10} epoch {MULTICLASS_EPOCHS}: loss {:.4}, accuracy {:.4}",
            path.name(),
            history.loss[last],
            history.accuracy[last]
        );
        let (_, acc) = evaluate(&net, x, y, loss, path).map_err(|e| e.to_string())?;
        let acc = acc.expect("sparse categorical accuracy");
        assert!(
            acc >= min_accuracy,
            "{path}: the week 2 network should tell the digits apart (accuracy {acc})"
        );
        // The assignment's check: the logits' largest entry names the digit
        // (its image_of_two = X[1015], "Largest Prediction index: 2", where
        // the folder has that many images).
        for i in [0, 1015].into_iter().filter(|&i| i < x.nrows()) {
            let row = DMatrix::from_fn(1, x.ncols(), |_, k| x[(i, k)]);
            let logits = Path::Matrix
                .forward(&net, &row)
                .map_err(|e| e.to_string())?
                .output()
                .clone();
            let best = (0..10).fold(0, |b, j| {
                if logits[(0, j)] > logits[(0, b)] {
                    j
                } else {
                    b
                }
            });
            println!(
                "    image {i} (a {}): Largest Prediction index: {best}",
                y[(i, 0)]
            );
        }
    }
    Ok(())
}
