//! The tour: the course notes, section by section, computed on both paths.

use super::common::{CliResult, Failure, NOTES_LAYERS, parse_layers};
use super::progress::EpochReporter;
use dualpath::io::data::{self, Normalization};
use dualpath::proof::compare;
use dualpath::proof::gradcheck::{max_relative_error, numerical_gradients};
use dualpath::train::{FitSettings, Optimizer, evaluate, fit_with_progress};
use dualpath::{
    Activation, Dense, DenseGradients, InputGradient, LayerState, Loss, Network, Path, Scratch,
    Workspace, sequential,
};
use nalgebra::DMatrix;
use std::time::Instant;

/// Seed of the tour's initial weights and shuffling.
const SEED: u64 = 0;
/// The tour trains on the coffee data repeated this many times (the lab
/// repeats it 1000 times; 100 keeps the tour to a few seconds).
const TILE: usize = 100;
/// Epochs of the tour's training run (the notes' `epochs=10`).
const EPOCHS: usize = 10;
/// The course lab's Adam step size.
const LEARNING_RATE: f64 = 0.01;

fn heading(n: usize, title: &str) {
    println!();
    println!("{n}. {title}");
    println!("{}", "-".repeat(title.len() + 3));
}

pub fn run() -> CliResult {
    let start = Instant::now();
    println!("dualpath: the course notes, computed twice (per-unit loops and matrices)");

    // 1. Model architecture
    heading(1, "Model architecture");
    let spec = parse_layers(NOTES_LAYERS)?;
    let coffee = data::coffee();
    let mut net = Network::<f64>::new(coffee.x.ncols(), &spec, SEED)?;
    println!(
        "Sequential([Dense(25, 'sigmoid'), Dense(15, 'sigmoid'), Dense(1, 'sigmoid')]) on 2 inputs:"
    );
    for (l, d) in net.layers().iter().enumerate() {
        println!(
            "  layer {}: W{} ({}, {}), b{} ({}), {}  -> A{} is (m, {})",
            l + 1,
            l + 1,
            d.n_in(),
            d.units(),
            l + 1,
            d.units(),
            d.activation(),
            l + 1,
            d.units()
        );
    }
    println!(
        "  {} parameters (2·25+25 + 25·15+15 + 15+1), Glorot-uniform kernels and zero biases from seed {SEED}.",
        net.param_count()
    );
    let positives = coffee.y.iter().filter(|&&v| v > 0.5).count();
    let norm = Normalization::adapt(&coffee.x)?;
    let x = norm.apply(&coffee.x);
    let y = &coffee.y;
    println!(
        "Data: the course's coffee roasts, {} rows of ({}), {} of them good.",
        coffee.x.nrows(),
        coffee.feature_names.join(", "),
        positives
    );
    println!(
        "  Normalised per feature like Keras' Normalization layer: mean ({:.2}, {:.3}), std ({:.2}, {:.3}).",
        norm.mean[0], norm.mean[1], norm.std[0], norm.std[1]
    );

    // 2. Loss and cost
    heading(2, "Loss and cost");
    let loss = Loss::BINARY_CROSSENTROPY;
    for path in Path::BOTH {
        let (j, acc) = evaluate(&net, &x, y, loss, path)?;
        println!(
            "  untrained, {:<10} binary cross-entropy J = {j:.12}, accuracy {:.3}",
            path.name(),
            acc.unwrap_or(0.0)
        );
    }
    println!(
        "  (J is the mean over the batch, as Keras reports it; computed from z, so it is finite for any z.)"
    );

    // 3. Gradient descent
    heading(3, "Gradient descent: model.fit");
    let xt = tile(&x, TILE);
    let yt = tile(y, TILE);
    println!(
        "Adam (lr {LEARNING_RATE}, as the course lab), batch 32, {EPOCHS} epochs over the data repeated {TILE}× ({} rows):",
        xt.nrows()
    );
    let start_net = net.clone();
    let mut trained = Vec::new();
    for path in Path::BOTH {
        let mut n = start_net.clone();
        let settings = FitSettings {
            loss,
            optimizer: Optimizer::adam(LEARNING_RATE),
            epochs: EPOCHS,
            batch_size: 32,
            shuffle: true,
            seed: SEED,
            path,
            threads: 1,
        };
        println!("  {} path:", path.name());
        let mut reporter = EpochReporter::new(EPOCHS, false, "    ");
        let t = Instant::now();
        let history = fit_with_progress(&mut n, &xt, &yt, &settings, |p| reporter.update(p))?;
        let per_epoch = t.elapsed().as_secs_f64() / EPOCHS as f64;
        let (j, acc) = evaluate(&n, &x, y, loss, path)?;
        trained.push((path, n, history, per_epoch, j, acc.unwrap_or(0.0)));
    }
    println!();
    println!(
        "  {:<10} {:>10} {:>10} {:>13}",
        "path", "final J", "accuracy", "time/epoch"
    );
    for (path, _, _, per_epoch, j, acc) in &trained {
        println!(
            "  {:<10} {:>10.6} {:>10.3} {:>10.1} ms",
            path.name(),
            j,
            acc,
            per_epoch * 1e3
        );
    }
    let ratio = trained[0].3 / trained[1].3;
    let diff = max_weight_difference(&trained[0].1, &trained[1].1);
    println!(
        "  The matrix path trained {ratio:.1}× faster here (one run; `cargo bench` measures carefully)."
    );
    println!(
        "  The two trained networks differ by at most {diff:.2e} in any weight: rounding differences,\n  \
         carried through {} steps, never a different computation.",
        EPOCHS * xt.nrows().div_ceil(32)
    );
    net = trained[1].1.clone();
    let probe = DMatrix::from_row_slice(2, 2, &[200.0, 13.9, 200.0, 17.0]);
    let p = Path::Matrix
        .forward(&net, &norm.apply(&probe))?
        .output()
        .clone();
    println!(
        "  The lab's two test roasts: 200 °C for 13.9 min -> {:.3} ({}), 200 °C for 17 min -> {:.3} ({}).",
        p[(0, 0)],
        if p[(0, 0)] > 0.5 { "good" } else { "bad" },
        p[(1, 0)],
        if p[(1, 0)] > 0.5 { "good" } else { "bad" }
    );

    // 4. Forward propagation (on the untrained network, where values are least special)
    heading(4, "Forward propagation: loop and matrix");
    println!(
        "Each layer's Z = A_in·W + B, once unit by unit (z_j = W[:,j]·a_in + b_j) and once as one product.\n\
         Largest difference between the paths on all 200 roasts, beside the rounding bound:"
    );
    let rows = compare::rows(&start_net, &x, y, loss)?;
    print!("{}", compare::table(&rows, &["Z", "A"], "  "));
    println!(
        "  (ulps counts the floating-point numbers between the two results: large only where a value\n  \
         is near 0, where the same tiny absolute difference spans many of the closely spaced numbers.)"
    );

    // 5. Backward propagation
    heading(5, "Backward propagation: loop and matrix");
    println!(
        "dZ = dA ⊙ g'(Z), dW = A_inᵀ·dZ, db = Σ_rows dZ, dA_in = dZ·Wᵀ; the loop adds up one example at a time:"
    );
    print!("{}", compare::table(&rows, &["dW", "db", "J"], "  "));
    let ok = compare::worst(&rows).holds();
    let numeric = numerical_gradients(&start_net, &x, y, loss, 1e-5)?;
    for path in Path::BOTH {
        let (j, g) = path.loss_and_gradients(&start_net, &x, y, loss)?;
        // Gradients below 1e-3·max(1, J) are compared absolutely: there the
        // difference quotient's own rounding (about u·J/h) dominates.
        let floor = 1e-3 * j.max(1.0);
        println!(
            "  Finite differences (h = 1e-5) vs {:<10}: largest relative error {:.1e} over all {} parameters.",
            path.name(),
            max_relative_error(&g, &numeric, floor),
            start_net.param_count()
        );
    }
    erratum(&start_net, &x, y, loss)?;

    println!();
    println!(
        "Done in {:.1} s. `cargo test` proves the agreement on random networks; `dualpath --help` lists the commands.",
        start.elapsed().as_secs_f64()
    );
    if ok {
        Ok(())
    } else {
        Err(Failure::input("a difference exceeded its rounding bound: this is a bug").with_code(1))
    }
}

/// What the notes' loop backward gets wrong, shown on layer 2 of the network.
fn erratum(net: &Network<f64>, x: &DMatrix<f64>, y: &DMatrix<f64>, loss: Loss) -> CliResult {
    let mut ws = Workspace::new(net, x.nrows());
    Path::Matrix
        .forward_into(&mut ws, net, x)?
        .backward(y, loss)?;
    let l = net.layers().len() - 2;
    let layer = &net.layers()[l];
    let da = ws.da(l).expect("a layer below the last is handed dA");
    let at = LayerState {
        a_in: if l == 0 { x } else { &ws.layers()[l - 1].a },
        cache: &ws.layers()[l],
        layer,
    };
    // The loop backward of this one layer, into fresh buffers.
    let loop_dw = |at: LayerState<'_, f64>| {
        let mut dz = DMatrix::zeros(da.nrows(), da.ncols());
        let mut grads = DenseGradients::zeros(layer.n_in(), layer.units());
        let mut scratch = Scratch::default();
        sequential::dense_backward(
            &mut grads,
            InputGradient::Skip,
            &mut scratch,
            &mut dz,
            da,
            at,
        );
        grads.dw
    };
    let right = loop_dw(at);
    // The notes' loop uses dA[j] where dW[:,j] needs dz_j = dA[j]·g'(z_j):
    // for dW and dA_in that is the same as treating the layer as linear.
    let linear = Dense::new(layer.w().clone(), layer.b().clone(), Activation::Linear)?;
    let notes = loop_dw(LayerState {
        layer: &linear,
        ..at
    });
    let off = right
        .iter()
        .zip(notes.iter())
        .map(|(r, n)| (r - n).abs())
        .fold(0.0, f64::max);
    println!(
        "  The notes' loop backward applies g'(z) only to db. On layer {} its dW is off by up to {:.2e},\n  \
         where the right dW's largest entry is {:.2e} and the rounding bound is near 1e-15:\n  \
         `cargo test --test proofs erratum` keeps the notes' version and catches it.",
        l + 1,
        off,
        right.amax()
    );
    Ok(())
}

/// `np.tile(a, (times, 1))`: the rows of `a` repeated `times` times.
fn tile(a: &DMatrix<f64>, times: usize) -> DMatrix<f64> {
    let m = a.nrows();
    DMatrix::from_fn(m * times, a.ncols(), |i, j| a[(i % m, j)])
}

/// The largest difference between two networks' parameters, over the parameter view.
fn max_weight_difference(a: &Network<f64>, b: &Network<f64>) -> f64 {
    a.parameters()
        .zip(b.parameters())
        .flat_map(|(p, q)| p.iter().zip(q))
        .map(|(p, q)| (p - q).abs())
        .fold(0.0, f64::max)
}
