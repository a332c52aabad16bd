//! The `dualpath` program: the notes' network computed on both paths, side by side.

use dualpath::bounds::{Agreement, network_bound};
use dualpath::{Activation, Loss, Network, Path, Real};
use nalgebra::DMatrix;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;
use std::process::ExitCode;

/// The seed of the network's weights and of the batch.
const SEED: u64 = 2;
/// Examples in the batch.
const M: usize = 200;

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!(
                "dualpath: a difference exceeded its rounding bound (a bug: please report it)"
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("dualpath: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> dualpath::Result<bool> {
    use Activation::Sigmoid;
    let spec = [(25, Sigmoid), (15, Sigmoid), (1, Sigmoid)];
    let net64 = Network::<f64>::new(2, &spec, SEED)?;
    println!("dualpath: the notes' network, computed twice");
    println!();
    println!(
        "Network {:?} (sigmoid everywhere), {} parameters, Glorot-uniform weights from seed {SEED}.",
        net64.widths(),
        net64.param_count()
    );
    println!(
        "A batch of {M} examples: two features drawn uniformly from [-2, 2) (seed {SEED}), label 1 when x1 + x2 > 0."
    );
    let (x, y) = batch(M, SEED);
    let mut all_hold = true;
    for loss in [Loss::BinaryCrossEntropy, Loss::MeanSquaredError] {
        all_hold &= report::<f64>(&net64, &x, &y, loss)?;
    }
    all_hold &= report::<f32>(
        &net64.cast(),
        &x.map(|v| v as f32),
        &y.map(|v| v as f32),
        Loss::BinaryCrossEntropy,
    )?;
    println!();
    println!(
        "Every difference is the two paths adding the same products in a different order; the bound is\n\
         the most that reordering can change a result (2·γ_n·Σ|terms|, carried through the layers).\n\
         `cargo test` checks this on thousands of random networks, and bit for bit on exact inputs."
    );
    Ok(all_hold)
}

/// A seeded batch: `x` uniform in [-2, 2), `y = 1` when the features sum to more than 0.
fn batch(m: usize, seed: u64) -> (DMatrix<f64>, DMatrix<f64>) {
    let mut rng = Pcg64::seed_from_u64(seed.wrapping_add(1));
    let x = DMatrix::from_fn(m, 2, |_, _| 4.0 * rng.random::<f64>() - 2.0);
    let y = DMatrix::from_fn(m, 1, |i, _| {
        f64::from(u8::from(x[(i, 0)] + x[(i, 1)] > 0.0))
    });
    (x, y)
}

/// Runs both paths, prints the largest difference per layer and quantity beside its bound.
fn report<T: Real>(
    net: &Network<T>,
    x: &DMatrix<T>,
    y: &DMatrix<T>,
    loss: Loss,
) -> dualpath::Result<bool> {
    let seq = Path::Sequential.forward(net, x)?;
    let mat = Path::Matrix.forward(net, x)?;
    let g_seq = Path::Sequential.backward(net, &seq, y, loss)?;
    let g_mat = Path::Matrix.backward(net, &mat, y, loss)?;
    let bound = network_bound(net, x, y, loss)?;
    let g = net.output_activation();
    let j_seq = loss.value(g, seq.output_z(), seq.output(), y);
    let j_mat = loss.value(g, mat.output_z(), mat.output(), y);

    println!();
    println!(
        "{} loss, {}: J = {:.10} (sequential), {:.10} (matrix)",
        loss.name().to_uppercase(),
        T::NAME,
        j_seq,
        j_mat
    );
    println!(
        "  {:<7} {:<4} {:>13} {:>13} {:>9}",
        "layer", "", "largest diff", "largest bound", "diff/bound"
    );
    let mut all = Vec::new();
    for (l, b) in bound.layers.iter().enumerate() {
        let rows = [
            (
                "Z",
                Agreement::of(&seq.layers()[l].z, &mat.layers()[l].z, &b.z),
            ),
            (
                "A",
                Agreement::of(&seq.layers()[l].a, &mat.layers()[l].a, &b.a),
            ),
            (
                "dW",
                Agreement::of(&g_seq.layers[l].dw, &g_mat.layers[l].dw, &b.dw),
            ),
            (
                "db",
                Agreement::of(&g_seq.layers[l].db, &g_mat.layers[l].db, &b.db),
            ),
        ];
        for (name, agr) in rows {
            print_row(&format!("{}", l + 1), name, &agr);
            all.push(agr);
        }
    }
    let agr = Agreement::of_scalar(j_seq, j_mat, bound.loss);
    print_row("", "J", &agr);
    all.push(agr);
    Ok(all.iter().all(Agreement::holds))
}

fn print_row(layer: &str, name: &str, a: &Agreement) {
    println!(
        "  {:<7} {:<4} {:>13.3e} {:>13.3e} {:>9.3}{}",
        layer,
        name,
        a.max_diff,
        a.max_bound,
        a.worst_ratio,
        if a.holds() { "" } else { "  EXCEEDS THE BOUND" }
    );
}
