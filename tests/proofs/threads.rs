//! One thread or many, the same bits: on both paths, in `f64` and `f32`,
//! a workspace on 1, 2, 3 and 7 threads gives bit-identical outputs, `Z`,
//! `dZ`, gradients and, after a few optimizer steps, weights; and on any of
//! them the two paths still agree within the rounding bound.
//!
//! The workspaces split every product and every layer they can
//! (`Workspace::splitting_from(1)`), so that small shapes, cheap to test,
//! run the split code that only large ones run by default. Why the bits
//! cannot change: the product kernel gives each thread whole elements of
//! `C` (`gemm_on`), and the loop path each thread whole units, with `dA_in`
//! summed by examples, each in the one-thread order (`docs/performance.md`,
//! "Parallel").

use dualpath::proof::compare;
use dualpath::train::optim::Optimizer;
use dualpath::{Activation, Loss, Network, Path, Real, Workspace};
use nalgebra::DMatrix;
use proptest::prelude::*;

const THREADS: [usize; 4] = [1, 2, 3, 7];

/// A network's widths and activations, a batch size and a seed for its values.
#[derive(Clone, Debug)]
struct Case {
    n_in: usize,
    layers: Vec<(usize, Activation)>,
    m: usize,
    seed: u64,
}

fn case() -> impl Strategy<Value = Case> {
    let activation = prop_oneof![
        Just(Activation::Relu),
        Just(Activation::Sigmoid),
        Just(Activation::Tanh),
        Just(Activation::Linear),
    ];
    (
        1..=20usize,
        prop::collection::vec((1..=40usize, activation), 1..=2),
        1..=40usize,
        any::<u64>(),
    )
        .prop_map(|(n_in, mut layers, m, seed)| {
            layers.push((2, Activation::Sigmoid)); // binary cross-entropy's output
            Case {
                n_in,
                layers,
                m,
                seed,
            }
        })
}

/// Every bit of every number a workspace holds after a step, and the
/// network's weights: what must not depend on the thread count.
fn bits<T: Real>(ws: &Workspace<T>, net: &Network<T>) -> Vec<u64> {
    let mut all = Vec::new();
    let mut put = |v: &[T]| all.extend(v.iter().map(|x| x.as_f64().to_bits()));
    for (l, cache) in ws.layers().iter().enumerate() {
        put(cache.z.as_slice());
        put(cache.a.as_slice());
        put(ws.dz(l).as_slice());
        if let Some(da) = ws.da(l) {
            put(da.as_slice());
        }
    }
    for g in ws.gradients().slices() {
        put(g);
    }
    for p in net.parameters() {
        put(p);
    }
    all
}

/// Three Adam steps from the case's network on `threads` threads; the bits
/// after each.
fn steps<T: Real>(c: &Case, path: Path, threads: usize) -> Vec<Vec<u64>> {
    let mut net = Network::<T>::new(c.n_in, &c.layers, c.seed).expect("a network");
    let x = DMatrix::from_fn(c.m, c.n_in, |i, j| {
        T::of_f64(((i * 31 + j * 17) as f64 + c.seed as f64 % 97.0).sin() * 2.0)
    });
    let y = DMatrix::from_fn(c.m, 2, |i, j| T::of_f64(((i + j) % 2) as f64));
    let mut ws = Workspace::new(&net, c.m)
        .with_threads(threads)
        .expect("a thread count")
        .splitting_from(1);
    let mut adam = Optimizer::adam(0.01).start(&net);
    let mut seen = Vec::new();
    for _ in 0..3 {
        path.forward_into(&mut ws, &net, &x)
            .expect("forward")
            .backward(&y, Loss::BINARY_CROSSENTROPY)
            .expect("backward");
        adam.step(&mut net, ws.gradients());
        seen.push(bits(&ws, &net));
    }
    seen
}

fn same_bits_on_any_thread_count<T: Real>(c: &Case) -> Result<(), TestCaseError> {
    for path in Path::BOTH {
        let one = steps::<T>(c, path, 1);
        for threads in &THREADS[1..] {
            let many = steps::<T>(c, path, *threads);
            prop_assert!(
                one == many,
                "{} {path} path, {c:?}: {threads} threads differ from one",
                T::NAME
            );
        }
    }
    Ok(())
}

fn paths_agree_on_threads<T: Real>(c: &Case) -> Result<(), TestCaseError> {
    let net = Network::<T>::new(c.n_in, &c.layers, c.seed).expect("a network");
    let x = DMatrix::from_fn(c.m, c.n_in, |i, j| {
        T::of_f64(((i * 7 + j * 3) as f64 * 0.37).cos())
    });
    let y = DMatrix::from_fn(c.m, 2, |i, j| T::of_f64(((i * 3 + j) % 2) as f64));
    for threads in THREADS {
        let rows = compare::rows_on(&net, &x, &y, Loss::BINARY_CROSSENTROPY, threads)
            .expect("a comparison");
        prop_assert!(
            compare::worst(&rows).holds(),
            "{} {c:?} on {threads} threads: a difference above its bound",
            T::NAME
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn one_two_three_or_seven_threads_give_the_same_bits_f64(c in case()) {
        same_bits_on_any_thread_count::<f64>(&c)?;
    }

    #[test]
    fn one_two_three_or_seven_threads_give_the_same_bits_f32(c in case()) {
        same_bits_on_any_thread_count::<f32>(&c)?;
    }

    #[test]
    fn the_paths_agree_within_the_bound_on_any_thread_count_f64(c in case()) {
        paths_agree_on_threads::<f64>(&c)?;
    }

    #[test]
    fn the_paths_agree_within_the_bound_on_any_thread_count_f32(c in case()) {
        paths_agree_on_threads::<f32>(&c)?;
    }
}

/// Training with `fit` on two threads, at a size above the default
/// thresholds (so that the split is the one `dualpath train` makes), ends
/// with the same weights as on one, on both paths.
#[test]
fn fit_on_two_threads_trains_the_same_weights() {
    use dualpath::train::{FitSettings, fit};
    let net = Network::<f64>::new(64, &[(128, Activation::Relu), (3, Activation::Sigmoid)], 5)
        .expect("a network");
    let x = DMatrix::from_fn(256, 64, |i, j| ((i * 13 + j * 7) % 19) as f64 / 9.5 - 1.0);
    let y = DMatrix::from_fn(256, 3, |i, j| ((i + 2 * j) % 2) as f64);
    for path in Path::BOTH {
        let trained = |threads| {
            let mut n = net.clone();
            let settings = FitSettings {
                epochs: 2,
                batch_size: 128,
                path,
                threads,
                ..FitSettings::default()
            };
            fit(&mut n, &x, &y, &settings).expect("training");
            n.parameters()
                .flatten()
                .map(|v| v.to_bits())
                .collect::<Vec<_>>()
        };
        assert_eq!(trained(1), trained(2), "{path} path");
    }
}

/// The loss of a batch large enough to be split across threads (each
/// thread a range of examples, added in row order afterwards) is the same
/// bits as on one thread, for every loss and on both paths.
#[test]
fn the_loss_is_the_same_bits_on_any_thread_count() {
    let cases = [
        (Loss::BINARY_CROSSENTROPY, Activation::Sigmoid, 32, 700),
        (Loss::MEAN_SQUARED_ERROR, Activation::Linear, 24, 900),
        (
            Loss::SPARSE_CATEGORICAL_CROSSENTROPY
                .with_from_logits(true)
                .expect("a loss"),
            Activation::Linear,
            10,
            2000,
        ),
        (
            Loss::CATEGORICAL_CROSSENTROPY,
            Activation::Softmax,
            12,
            1500,
        ),
    ];
    for (loss, g, n_out, m) in cases {
        let net = Network::<f64>::new(5, &[(7, Activation::Tanh), (n_out, g)], 3)
            .expect("a network")
            .with_l2(0, 0.01)
            .expect("an L2 factor");
        let x = DMatrix::from_fn(m, 5, |i, j| ((i * 7 + j * 3) % 23) as f64 / 11.0 - 1.0);
        let sparse = loss.kind() == dualpath::nn::loss::LossKind::SparseCategoricalCrossentropy;
        let y = if sparse {
            DMatrix::from_fn(m, 1, |i, _| (i % n_out) as f64)
        } else if loss.kind() == dualpath::nn::loss::LossKind::CategoricalCrossentropy {
            DMatrix::from_fn(m, n_out, |i, j| f64::from(u8::from(i % n_out == j)))
        } else {
            DMatrix::from_fn(m, n_out, |i, j| ((i + j) % 2) as f64)
        };
        assert!(m * n_out >= 1 << 14, "large enough to be split");
        for path in Path::BOTH {
            let losses: Vec<u64> = THREADS
                .iter()
                .map(|&t| {
                    let mut ws = Workspace::new(&net, m).with_threads(t).expect("threads");
                    let pass = path.forward_into(&mut ws, &net, &x).expect("forward");
                    pass.loss(&y, loss).expect("a loss").to_bits()
                })
                .collect();
            // The one-thread value is `Loss::value` plus the penalty, as before.
            let f = path.forward(&net, &x).expect("forward");
            let direct = loss.value(g, f.output_z(), f.output(), &y) + net.penalty();
            assert_eq!(
                losses[0],
                direct.to_bits(),
                "{loss} on the {path} path, one thread"
            );
            assert!(
                losses.iter().all(|&l| l == losses[0]),
                "{loss} on the {path} path: {losses:?}"
            );
        }
    }
}
