//! The loop path and the matrix path agree, within the rounding bound that
//! `dualpath::proof::bounds` derives from the same data (docs/DESIGN.md, "What identical
//! means", layer 2).
//!
//! The bound is not a tolerance picked to make the tests pass: it is the most
//! that adding the same products in another order can change a result
//! (`2·γ_k·Σ|terms|` per sum, Higham §3.1), carried through the layers. A
//! difference above it is a bug in one of the paths.
//!
//! The suite has its own harness (libtest-mimic: filters and the closing
//! `N passed; M failed` line work as usual) so that it can end with a table
//! of what it saw: for each property the cases tried, the largest ratio of
//! a difference to its bound, and how many exact identities held bit for bit.

mod common;

use common::kernels::{self, Loops, Matrices};
use dualpath::proof::bounds::{
    Agreement, dense_backward_dz_bound, dense_forward_bound, network_bound,
};
use dualpath::{Activation, Loss, Network, Path, Real};
use libtest_mimic::{Arguments, Failed, Trial};
use nalgebra::{DMatrix, DVector};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestRunner};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// What one property saw, for the table.
#[derive(Default, Clone, Copy)]
struct Seen {
    cases: usize,
    worst_ratio: f64,
    identical: usize,
    identities: usize,
}

static SEEN: Mutex<BTreeMap<&'static str, Seen>> = Mutex::new(BTreeMap::new());

/// Notes a case's worst difference/bound ratio and its bit-identity checks.
fn saw(property: &'static str, ratio: f64, identical: usize, identities: usize) {
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    let s = seen.entry(property).or_default();
    s.cases += 1;
    s.worst_ratio = s.worst_ratio.max(ratio);
    s.identical += identical;
    s.identities += identities;
}

fn activation() -> impl Strategy<Value = Activation> {
    prop::sample::select(Activation::ALL.to_vec())
}

fn to_matrix<T: Real>(rows: usize, cols: usize, v: &[f64]) -> DMatrix<T> {
    DMatrix::from_row_slice(
        rows,
        cols,
        &v.iter().map(|&x| T::of_f64(x)).collect::<Vec<_>>(),
    )
}

/// One dense layer's inputs: `A_in (m, n_in)`, `W (n_in, units)`, `b`, `g`,
/// and an upstream gradient `dA (m, units)`.
#[derive(Clone, Debug)]
struct LayerCase {
    m: usize,
    n_in: usize,
    units: usize,
    a_in: Vec<f64>,
    w: Vec<f64>,
    b: Vec<f64>,
    da: Vec<f64>,
    g: Activation,
}

fn layer_case() -> impl Strategy<Value = LayerCase> {
    (1..=24usize, 1..=32usize, 1..=32usize).prop_flat_map(|(m, n_in, units)| {
        (
            prop::collection::vec(-4.0..4.0f64, m * n_in),
            prop::collection::vec(-2.0..2.0f64, n_in * units),
            prop::collection::vec(-2.0..2.0f64, units),
            prop::collection::vec(-2.0..2.0f64, m * units),
            activation(),
        )
            .prop_map(move |(a_in, w, b, da, g)| LayerCase {
                m,
                n_in,
                units,
                a_in,
                w,
                b,
                da,
                g,
            })
    })
}

/// Both paths' layer forward and backward on the same inputs, against the
/// bound `2·γ_{n_in+1}·(|A_in||W| + |B|)` for `Z` and its analogues for
/// `dA_in` (`γ_units`), `dW` (`γ_m`) and `db` (`γ_{m-1}`).
fn check_layer<T: Real>(property: &'static str, c: &LayerCase) -> Result<(), TestCaseError> {
    let mut worst: f64 = 0.0;
    let (mut identical, mut identities) = (0, 0);
    let a_in = to_matrix::<T>(c.m, c.n_in, &c.a_in);
    let w = to_matrix::<T>(c.n_in, c.units, &c.w);
    let b = DVector::from_iterator(c.units, c.b.iter().map(|&x| T::of_f64(x)));
    let da = to_matrix::<T>(c.m, c.units, &c.da);

    let layer = kernels::layer(&w, &b, c.g);
    let seq = kernels::forward::<T, Loops>(&a_in, &layer);
    let mat = kernels::forward::<T, Matrices>(&a_in, &layer);
    let zero_in = DMatrix::zeros(c.m, c.n_in);
    let (bz, ba) = dense_forward_bound(&a_in, &zero_in, &w, &b, c.g, &mat.z, &mat.a);
    for (name, agr) in [
        ("Z", Agreement::of(&seq.z, &mat.z, &bz)),
        ("A", Agreement::of(&seq.a, &mat.a, &ba)),
    ] {
        worst = worst.max(agr.worst_ratio);
        prop_assert!(agr.holds(), "{} forward {name}: {agr:?} for {c:?}", T::NAME);
    }
    // The same z through the same g gives the same bits.
    for (zs, (zm, (as_, am))) in seq
        .z
        .iter()
        .zip(mat.z.iter().zip(seq.a.iter().zip(mat.a.iter())))
    {
        if zs.as_f64().to_bits() == zm.as_f64().to_bits() {
            identities += 1;
            prop_assert_eq!(as_.as_f64().to_bits(), am.as_f64().to_bits());
            identical += 1;
        }
    }

    // Backward from the same dA, Z (the matrix path's), A_in and W.
    let z = &mat.z;
    let bs = kernels::backward::<T, Loops>(&da, z, &a_in, &layer, true);
    let bm = kernels::backward::<T, Matrices>(&da, z, &a_in, &layer, true);
    let mut dz = DMatrix::zeros(c.m, c.units);
    c.g.backprop(
        da.as_slice(),
        z.as_slice(),
        mat.a.as_slice(),
        dz.as_mut_slice(),
    );
    // dZ = dA ⊙ g'(Z) is one multiplication of the same numbers on both paths
    // (g' read from the same cached A = g(Z)).
    prop_assert_eq!(&bs.dz, &dz, "{} loop dZ", T::NAME);
    prop_assert_eq!(&bm.dz, &dz, "{} matrix dZ", T::NAME);
    let zero_dz = DMatrix::zeros(c.m, c.units);
    let (bda, bdw, bdb) = dense_backward_dz_bound(&dz, &zero_dz, &a_in, &zero_in, &w, true);
    let bda = bda.expect("asked for the dA_in bound");
    for (name, agr) in [
        (
            "dA_in",
            Agreement::of(bs.da_in.as_ref().unwrap(), bm.da_in.as_ref().unwrap(), &bda),
        ),
        ("dW", Agreement::of(&bs.dw, &bm.dw, &bdw)),
        ("db", Agreement::of(&bs.db, &bm.db, &bdb)),
    ] {
        worst = worst.max(agr.worst_ratio);
        prop_assert!(
            agr.holds(),
            "{} backward {name}: {agr:?} for {c:?}",
            T::NAME
        );
    }

    // From dZ directly (the output layer's form), and without dA_in.
    let ds = kernels::backward_dz::<T, Loops>(&dz, &a_in, &layer, false);
    let dm = kernels::backward_dz::<T, Matrices>(&dz, &a_in, &layer, false);
    prop_assert!(ds.da_in.is_none() && dm.da_in.is_none());
    prop_assert!(Agreement::of(&ds.dw, &dm.dw, &bdw).holds());
    prop_assert!(Agreement::of(&ds.db, &dm.db, &bdb).holds());
    saw(property, worst, identical, identities);
    Ok(())
}

/// A whole network and a batch: depth 1–4, random widths and activations.
#[derive(Clone, Debug)]
struct NetworkCase {
    m: usize,
    widths: Vec<usize>,
    activations: Vec<Activation>,
    seed: u64,
    x: Vec<f64>,
    y: Vec<f64>,
    loss: Loss,
}

fn network_case() -> impl Strategy<Value = NetworkCase> {
    (
        1..=16usize,
        prop::collection::vec(1..=12usize, 2..=5),
        any::<u64>(),
        prop::sample::select(vec![Loss::BINARY_CROSSENTROPY, Loss::MEAN_SQUARED_ERROR]),
    )
        .prop_flat_map(|(m, widths, seed, loss)| {
            let depth = widths.len() - 1;
            let (n_in, n_out) = (widths[0], widths[depth]);
            (
                Just(m),
                Just(widths),
                prop::collection::vec(activation(), depth),
                Just(seed),
                prop::collection::vec(-3.0..3.0f64, m * n_in),
                prop::collection::vec(0.0..=1.0f64, m * n_out),
                Just(loss),
            )
        })
        .prop_map(|(m, widths, activations, seed, x, y, loss)| NetworkCase {
            m,
            widths,
            activations,
            seed,
            x,
            y,
            loss,
        })
}

/// Both paths through a whole network, outputs and every gradient, against
/// the bound carried through the layers by `network_bound`.
fn check_network<T: Real>(property: &'static str, c: &NetworkCase) -> Result<(), TestCaseError> {
    let spec: Vec<(usize, Activation)> = c.widths[1..]
        .iter()
        .copied()
        .zip(c.activations.iter().copied())
        .collect();
    let net = Network::<f64>::new(c.widths[0], &spec, c.seed)
        .unwrap()
        .cast::<T>();
    // Binary cross-entropy refuses a linear output (Keras would read it as
    // probabilities): such a draw is checked with mean squared error.
    let loss = match c.loss.check_output(net.output_activation()) {
        Ok(()) => c.loss,
        Err(_) => Loss::MEAN_SQUARED_ERROR,
    };
    let n_out = *c.widths.last().unwrap();
    let x = to_matrix::<T>(c.m, c.widths[0], &c.x);
    let y = to_matrix::<T>(c.m, n_out, &c.y);

    let seq = Path::Sequential.forward(&net, &x).unwrap();
    let mat = Path::Matrix.forward(&net, &x).unwrap();
    let gs = Path::Sequential.backward(&net, &seq, &y, loss).unwrap();
    let gm = Path::Matrix.backward(&net, &mat, &y, loss).unwrap();
    let bound = network_bound(&net, &x, &y, loss).unwrap();
    let mut worst = Agreement::default();
    for (l, b) in bound.layers.iter().enumerate() {
        for (name, agr) in [
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
                Agreement::of(&gs.layers[l].dw, &gm.layers[l].dw, &b.dw),
            ),
            (
                "db",
                Agreement::of(&gs.layers[l].db, &gm.layers[l].db, &b.db),
            ),
        ] {
            if agr.worst_ratio > worst.worst_ratio {
                worst = agr;
            }
            prop_assert!(
                agr.holds(),
                "{} layer {} {name}: {agr:?} for {c:?}",
                T::NAME,
                l + 1
            );
        }
    }
    let g = net.output_activation();
    let js = loss.value(g, seq.output_z(), seq.output(), &y);
    let jm = loss.value(g, mat.output_z(), mat.output(), &y);
    let agr = Agreement::of_scalar(js, jm, bound.loss);
    prop_assert!(
        agr.holds(),
        "{} loss: {agr:?} (worst elsewhere {worst:?})",
        T::NAME
    );
    saw(property, worst.worst_ratio.max(agr.worst_ratio), 0, 0);
    Ok(())
}

/// The bound is tight enough to mean something: on the notes' 2-25-15-1
/// sigmoid network, every element's bound is within a few hundred units of
/// roundoff of the quantity's size, so a real bug (a missing `g'`, a wrong
/// index) would stand far outside it.
fn bound_is_small_relative_to_the_values_it_bounds() {
    use Activation::Sigmoid;
    let net = Network::<f64>::new(2, &[(25, Sigmoid), (15, Sigmoid), (1, Sigmoid)], 5).unwrap();
    let x = DMatrix::from_fn(64, 2, |i, j| ((i * 7 + j * 3) % 11) as f64 / 5.0 - 1.0);
    let y = DMatrix::from_fn(64, 1, |i, _| (i % 2) as f64);
    let bound = network_bound(&net, &x, &y, Loss::BINARY_CROSSENTROPY).unwrap();
    let g = Path::Matrix
        .loss_and_gradients(&net, &x, &y, Loss::BINARY_CROSSENTROPY)
        .unwrap()
        .1;
    let u = f64::UNIT_ROUNDOFF;
    for (l, (b, gl)) in bound.layers.iter().zip(&g.layers).enumerate() {
        let scale = gl.dw.amax().max(gl.db.amax());
        let worst = b.dw.max().max(b.db.max());
        assert!(
            worst < 1e4 * u * scale.max(1e-3),
            "layer {}: gradient bound {worst:e} against gradients of size {scale:e}",
            l + 1
        );
        let zmax = b.z.max();
        assert!(zmax < 1e3 * u * 10.0, "layer {}: Z bound {zmax:e}", l + 1);
    }
}

/// The erratum's mistake is far outside the bound: dropping `g'(z)` from `dW`
/// changes a sigmoid layer's gradient by much more than rounding can.
fn a_missing_g_prime_is_caught_by_the_bound() {
    let a_in = DMatrix::from_row_slice(2, 3, &[0.5, -1.0, 2.0, 1.5, 0.25, -0.75]);
    let w = DMatrix::from_row_slice(3, 2, &[0.1, -0.2, 0.3, 0.4, -0.5, 0.6]);
    let b = DVector::from_vec(vec![0.1, -0.1]);
    let da = DMatrix::from_row_slice(2, 2, &[1.0, -0.5, 0.25, 2.0]);
    let layer = kernels::layer(&w, &b, Activation::Sigmoid);
    let fwd = kernels::forward::<f64, Matrices>(&a_in, &layer);
    let right = kernels::backward::<f64, Loops>(&da, &fwd.z, &a_in, &layer, true);
    // What the mistake computes for dW: A_inᵀ·dA, with no g'(z).
    let wrong_dw = a_in.transpose() * &da;
    let mut dz = DMatrix::zeros(2, 2);
    let (z, a) = (fwd.z.as_slice(), fwd.a.as_slice());
    Activation::Sigmoid.backprop(da.as_slice(), z, a, dz.as_mut_slice());
    let zero_in = DMatrix::zeros(2, 3);
    let zero_dz = DMatrix::zeros(2, 2);
    let (_, bdw, _) = dense_backward_dz_bound(&dz, &zero_dz, &a_in, &zero_in, &w, false);
    let agr = Agreement::of(&right.dw, &wrong_dw, &bdw);
    assert!(
        agr.worst_ratio > 1e12,
        "the mistake should be far outside the bound: {agr:?}"
    );
}

/// The same `Z` through softmax on both paths: every bit the same.
fn check_softmax_bits(z: &[f64]) -> Result<(), TestCaseError> {
    let k = z.len();
    let m = 3;
    let zm = DMatrix::from_fn(m, k, |i, j| z[j] * (i as f64 + 1.0));
    let mut a = DMatrix::zeros(m, k);
    Activation::Softmax.activate(&zm, &mut a);
    let mut same = 0;
    for i in 0..m {
        let row: Vec<f64> = zm.row(i).iter().copied().collect();
        let mut out = vec![0.0; k];
        Activation::Softmax.activate_row(&row, &mut out);
        for j in 0..k {
            prop_assert_eq!(out[j].to_bits(), a[(i, j)].to_bits());
            same += 1;
        }
    }
    saw("softmax of the same Z, both paths", 0.0, same, m * k);
    Ok(())
}

/// The failing cases proptest has kept, replayed first, beside the other
/// binaries' in `tests/proptest-regressions/`.
const REGRESSIONS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/proptest-regressions/equivalence.txt"
);

/// A property: `cases` draws from `strategy`, each checked by `check`
/// (proptest's runner, with this file's regressions replayed first).
fn property<S>(
    test: &'static str,
    name: &'static str,
    cases: u32,
    strategy: S,
    check: fn(&'static str, &S::Value) -> Result<(), TestCaseError>,
) -> Trial
where
    S: Strategy + Send + 'static,
    S::Value: std::fmt::Debug,
{
    Trial::test(test, move || {
        // This file is no module of a folder with a `main.rs`, where
        // proptest's default (`SourceParallel`) looks, so the file is named.
        let config = Config {
            cases,
            failure_persistence: Some(Box::new(FileFailurePersistence::Direct(REGRESSIONS))),
            ..Config::default()
        };
        let mut runner = TestRunner::new(config);
        runner
            .run(&strategy, |c| check(name, &c))
            .map_err(|e| Failed::from(e.to_string()))
    })
}

/// The table `cargo test` ends the suite with.
fn print_table() {
    let seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    if seen.is_empty() {
        return;
    }
    println!();
    println!(
        "How closely the two paths agree (diff/bound: the largest difference over its rounding bound; at most 1 holds):"
    );
    println!(
        "  {:<48} {:>6} {:>16} {:>20}",
        "property", "cases", "worst diff/bound", "bit-identical"
    );
    for (name, s) in seen.iter() {
        let ratio = if s.worst_ratio > 0.0 || s.identities == 0 {
            format!("{:.3}", s.worst_ratio)
        } else {
            "-".into()
        };
        let bits = if s.identities > 0 {
            format!("{} of {}", s.identical, s.identities)
        } else {
            "-".into()
        };
        println!("  {name:<48} {:>6} {ratio:>16} {bits:>20}", s.cases);
    }
    println!(
        "  (bound: docs/06-what-identical-means.md; the exact-arithmetic identities of whole networks: tests/proofs/exact_arithmetic.rs)"
    );
}

/// Both paths' one-layer forward and backward on random layers, in `f64`.
fn dense_layer_paths_agree_within_rounding_bound_f64() -> Trial {
    property(
        "dense_layer_paths_agree_within_rounding_bound_f64",
        "one dense layer, f64",
        256,
        layer_case(),
        check_layer::<f64>,
    )
}

/// The same in `f32`.
fn dense_layer_paths_agree_within_rounding_bound_f32() -> Trial {
    property(
        "dense_layer_paths_agree_within_rounding_bound_f32",
        "one dense layer, f32",
        256,
        layer_case(),
        check_layer::<f32>,
    )
}

/// Whole random networks, every layer's `Z`, `A`, `dW`, `db` and the loss, in `f64`.
fn network_paths_agree_within_propagated_bound_f64() -> Trial {
    property(
        "network_paths_agree_within_propagated_bound_f64",
        "a whole network, f64",
        256,
        network_case(),
        check_network::<f64>,
    )
}

/// The same in `f32`.
fn network_paths_agree_within_propagated_bound_f32() -> Trial {
    property(
        "network_paths_agree_within_propagated_bound_f32",
        "a whole network, f32",
        256,
        network_case(),
        check_network::<f32>,
    )
}

/// The exact identity of week 2's output: the same `Z`, the same softmax bits.
fn softmax_gives_the_same_bits_on_both_paths() -> Trial {
    property(
        "softmax_gives_the_same_bits_on_both_paths",
        "softmax of the same Z, both paths",
        256,
        prop::collection::vec(-50.0..50.0f64, 1..12),
        |_, z| check_softmax_bits(z),
    )
}

fn main() {
    let args = Arguments::from_args();
    let trials = vec![
        dense_layer_paths_agree_within_rounding_bound_f64(),
        dense_layer_paths_agree_within_rounding_bound_f32(),
        network_paths_agree_within_propagated_bound_f64(),
        network_paths_agree_within_propagated_bound_f32(),
        softmax_gives_the_same_bits_on_both_paths(),
        Trial::test("bound_is_small_relative_to_the_values_it_bounds", || {
            bound_is_small_relative_to_the_values_it_bounds();
            Ok(())
        }),
        Trial::test("a_missing_g_prime_is_caught_by_the_bound", || {
            a_missing_g_prime_is_caught_by_the_bound();
            Ok(())
        }),
    ];
    let conclusion = libtest_mimic::run(&args, trials);
    print_table();
    conclusion.exit();
}
