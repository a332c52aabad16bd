//! The Course 2, week 1 assignment: handwritten zeros and ones, with the
//! notes' network on 400 inputs (400-25-15-1, sigmoid throughout).
//!
//! ```sh
//! cargo run --release --example digits -- path/to/data   # the folder holding X.npy and y.npy
//! ```
//!
//! The data is the assignment's, not shipped here: `X.npy` holds 1000 images
//! of 20×20 grey values, one per row (shape `(1000, 400)`), and `y.npy` their
//! labels, 0 or 1 (shape `(1000, 1)`). The assignment builds and trains:
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
//! and this example does the same on both paths. Exit codes: 0 after a run
//! (or after printing the usage when no folder is given), 2 when the folder
//! or its files cannot be read.

mod npy;

use dualpath::train::{FitSettings, Optimizer, evaluate, fit};
use dualpath::{Activation, Loss, Network, Path};
use nalgebra::DMatrix;
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo run --release --example digits -- DIR

Trains the notes' 400-25-15-1 sigmoid network on the Course 2 week 1
assignment's handwritten zeros and ones, on both paths. DIR is the folder
holding the assignment's X.npy (shape (m, 400)) and y.npy (shape (m, 1),
labels 0 and 1); the files are not shipped with this crate.";

/// The assignment's `model.fit(X, y, epochs=20)`.
const EPOCHS: usize = 20;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = match args.as_slice() {
        [] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
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
    println!("The shape of X is: {:?}", x.shape());
    println!("The shape of y is: {:?}", y.shape());
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
    if let Some(i) = y.iter().position(|&v| v != 0.0 && v != 1.0) {
        return Err(format!(
            "y.npy row {i} is {}; expected labels 0 and 1",
            y[(i, 0)]
        ));
    }
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
            loss: Loss::BinaryCrossEntropy,
            optimizer: Optimizer::adam(0.001),
            epochs: EPOCHS,
            batch_size: 32,
            shuffle: true,
            seed: 0,
            path,
        };
        println!();
        println!(
            "model.fit(X, y, epochs={EPOCHS}) on the {} path:",
            path.name()
        );
        let t = std::time::Instant::now();
        let history = fit(&mut net, &x, &y, &settings).map_err(|e| e.to_string())?;
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
            evaluate(&net, &x, &y, Loss::BinaryCrossEntropy, path).map_err(|e| e.to_string())?;
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
