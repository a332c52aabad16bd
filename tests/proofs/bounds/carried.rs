//! Deviations carried from layer to layer: a dense layer given inputs that
//! already differ (`dense_forward_bound`'s `δA_in`, `dense_backward_dz_bound`'s
//! `δA_in` and `δdZ`), and `network_bound`, which chains every layer's
//! bounds through the network and back.
//!
//! The definitions of the two dense bounds with nonzero `δ` inputs are
//! `definitions.rs`'s (deviations of `10⁻⁶` and `0.3` of each value forward,
//! `10⁻⁵`, `0.1` and `0.2` backward); here the loop path is given inputs at
//! the far end of those deviations, and `network_bound` is recomputed as the
//! composition of the per-layer bounds its doc comment describes.

use super::definitions::assert_same;
use super::exact::Worst;
use super::*;
use dualpath::proof::bounds::{
    Agreement, activation_backward_bound, dense_backward_dz_bound, dense_forward_bound, loss_bound,
    network_bound, output_dz_bound,
};
use dualpath::{Loss, Network, Path};

// ---------------------------------------------------------------------------
// 1. `network_bound` as the composition of the layers' bounds.

/// One layer's bounds: `Z`, `A`, `dW`, `db`.
type Layer = (DMatrix<f64>, DMatrix<f64>, DMatrix<f64>, DVector<f64>);

/// `network_bound` recomputed from its parts, on the matrix path's values:
/// - forward, layer by layer: `dense_forward_bound` from the layer below's
///   `A` bound (zero for `X`, which both paths share);
/// - the loss: `loss_bound` and `output_dz_bound` from the output layer's;
/// - backward, from the output: `dense_backward_dz_bound` with that layer's
///   `δdZ` and its input's `A` bound; below it, `activation_backward_bound`
///   of the matrix path's own `dA_in` (its `dense_backward_dz`) and `dZ`
///   (`dA ⊙ g'`), with the `Z` and `A` bounds of that layer;
/// - the L2 penalty, when the network has one: both paths add the same
///   `fl(2·l2·W)` to their own `dW`, and the same penalty to their own `J`,
///   one rounding each: a bound `b` becomes `(b·(1 + 2u) + 2u·(1 + u)·|x|)·OWN`
///   with `x` the matrix path's total (`dW` of a layer with `l2 > 0`; `J` =
///   the loss plus every penalty).
fn composition<T: Real>(
    net: &Network<T>,
    x: &DMatrix<T>,
    y: &DMatrix<T>,
    loss: Loss,
) -> (Vec<Layer>, f64) {
    let u = unit_roundoff::<T>();
    let fwd = Path::Matrix
        .forward(net, x)
        .expect("a valid network and input");
    let layers = net.layers();
    let n = layers.len();
    let (mut zs, mut acts) = (Vec::new(), Vec::new());
    let mut dev_in = DMatrix::zeros(x.nrows(), x.ncols());
    for (l, d) in layers.iter().enumerate() {
        let c = &fwd.layers()[l];
        let (bz, ba) = dense_forward_bound(
            fwd.a_in(l),
            &dev_in,
            d.w(),
            d.b(),
            d.activation(),
            &c.z,
            &c.a,
        );
        dev_in = ba.clone();
        zs.push(bz);
        acts.push(ba);
    }
    let g = net.output_activation();
    let (z, a) = (&fwd.layers()[n - 1].z, &fwd.layers()[n - 1].a);
    let mut j_bound = loss_bound(loss, g, z, &zs[n - 1], a, &acts[n - 1], y);
    let mut dz = DMatrix::zeros(z.nrows(), z.ncols());
    loss.output_dz(&mut dz, g, z, a, y);
    let mut dev_dz = output_dz_bound(loss, g, z, &zs[n - 1], a, &acts[n - 1], y);
    let mut back = vec![(DMatrix::zeros(0, 0), DVector::zeros(0)); n];
    for l in (0..n).rev() {
        let dev_a_in = if l == 0 {
            DMatrix::zeros(x.nrows(), x.ncols())
        } else {
            acts[l - 1].clone()
        };
        let (dda, dw, db) =
            dense_backward_dz_bound(&dz, &dev_dz, fwd.a_in(l), &dev_a_in, layers[l].w(), l > 0);
        back[l] = (dw, db);
        if l > 0 {
            let dda = dda.expect("dA_in asked for");
            let da = kernels::backward_dz::<T, Matrices>(&dz, fwd.a_in(l), &layers[l], true)
                .da_in
                .expect("dA_in asked for");
            let below = &fwd.layers()[l - 1];
            let gb = layers[l - 1].activation();
            let next = DMatrix::from_fn(da.nrows(), da.ncols(), |i, k| {
                da[(i, k)] * gb.g_prime(below.z[(i, k)], below.a[(i, k)])
            });
            dev_dz = activation_backward_bound(
                &da,
                &dda,
                &below.z,
                &zs[l - 1],
                &below.a,
                &acts[l - 1],
                gb,
            );
            dz = next;
        }
    }
    if net.penalty() != T::zero() {
        let grads = Path::Matrix
            .backward(net, &fwd, y, loss)
            .expect("valid targets");
        for (l, (dw, _)) in back.iter_mut().enumerate() {
            if layers[l].l2() > 0.0 {
                for (k, b) in dw.iter_mut().enumerate() {
                    let total = abs_f64(grads.layers[l].dw[k]);
                    *b = (*b * (1.0 + 2.0 * u) + 2.0 * u * (1.0 + u) * total) * OWN;
                }
            }
        }
        let j = (loss.value(g, z, a, y) + net.penalty()).as_f64().abs();
        j_bound = (j_bound * (1.0 + 2.0 * u) + 2.0 * u * (1.0 + u) * j) * OWN;
    }
    let out = zs
        .into_iter()
        .zip(acts)
        .zip(back)
        .map(|((z, a), (dw, db))| (z, a, dw, db))
        .collect();
    (out, j_bound)
}

/// A network case: `(name, layers as (units, activation), loss)`.
type NetCase = (&'static str, Vec<(usize, Activation)>, Loss);

/// Small networks with every activation and loss.
fn nets() -> Vec<NetCase> {
    use Activation::*;
    let bce = Loss::BINARY_CROSSENTROPY;
    let mse = Loss::MEAN_SQUARED_ERROR;
    vec![
        (
            "relu tanh sigmoid, bce",
            vec![(4, Relu), (3, Tanh), (2, Sigmoid)],
            bce,
        ),
        (
            "sigmoid linear, bce logits",
            vec![(5, Sigmoid), (1, Linear)],
            bce.with_logits(),
        ),
        (
            "tanh relu linear, mse",
            vec![(3, Tanh), (4, Relu), (2, Linear)],
            mse,
        ),
        ("relu sigmoid, mse", vec![(4, Relu), (1, Sigmoid)], mse),
        (
            "sigmoid relu, bce clipped",
            vec![(3, Sigmoid), (2, Relu)],
            bce,
        ),
        ("relu tanh, bce clipped", vec![(3, Relu), (3, Tanh)], bce),
        (
            "tanh relu tanh, mse",
            vec![(3, Tanh), (3, Relu), (2, Tanh)],
            mse,
        ),
        (
            "tanh softmax, cce",
            vec![(4, Tanh), (3, Softmax)],
            Loss::CATEGORICAL_CROSSENTROPY,
        ),
        (
            "relu linear, scce logits",
            vec![(4, Relu), (3, Linear)],
            Loss::SPARSE_CATEGORICAL_CROSSENTROPY.with_logits(),
        ),
    ]
}

/// Targets for `loss` on `n_out` outputs: labels in `[0, 1]` (some exactly
/// 0 and 1) for binary cross-entropy, any values for the squared error,
/// class ids or one-hot rows for the categorical ones.
fn targets<T: Real>(rng: &mut Rng, loss: Loss, m: usize, n_out: usize) -> DMatrix<T> {
    use dualpath::nn::loss::LossKind::*;
    match loss.kind() {
        BinaryCrossentropy => DMatrix::from_fn(m, n_out, |i, j| {
            T::of_f64([0.0, 1.0, rng.uniform(0.0, 1.0)][(i + j) % 3])
        }),
        MeanSquaredError => rng.matrix(m, n_out, -3.0, 3.0),
        SparseCategoricalCrossentropy => {
            DMatrix::from_fn(m, 1, |i, _| T::of_f64((i % n_out) as f64))
        }
        CategoricalCrossentropy => DMatrix::from_fn(m, n_out, |i, j| {
            T::of_f64(f64::from(u8::from(i % n_out == j)))
        }),
    }
}

/// The network of `layers` on `n_in` inputs with random biases (so that
/// `|b|` enters every `Z` bound), and L2 on none, the first, or every layer.
fn network_of<T: Real>(
    rng: &mut Rng,
    n_in: usize,
    layers: &[(usize, Activation)],
    l2: usize,
) -> Network<T> {
    let net = Network::<T>::new(n_in, layers, 7).expect("a valid network");
    let with_bias = net
        .layers()
        .iter()
        .map(|d| {
            let b = DVector::from_fn(d.units(), |_, _| T::of_f64(rng.uniform(-0.5, 0.5)));
            kernels::layer(d.w(), &b, d.activation())
        })
        .collect();
    let mut net = Network::from_layers(with_bias).expect("the same shapes");
    let n = layers.len();
    for (l, rate) in [0.01, 0.3, 0.002].into_iter().enumerate().take(n) {
        if l2 == 2 || (l2 == 1 && l == 0) {
            net = net.with_l2(l, rate).expect("a valid l2");
        }
    }
    net
}

fn network_bound_definitions_for<T: Real>() {
    let mut rng = Rng(41);
    for (name, layers, loss) in nets() {
        for l2 in 0..3 {
            for m in [1, 5] {
                let net = network_of::<T>(&mut rng, 3, &layers, l2);
                let x = rng.matrix::<T>(m, 3, -2.0, 2.0);
                let y = targets::<T>(&mut rng, loss, m, net.n_out());
                let got = network_bound(&net, &x, &y, loss).expect("a valid case");
                let (want, want_j) = composition(&net, &x, &y, loss);
                let at = format!("{} {name}, l2 case {l2}, m = {m}", T::NAME);
                assert_eq!(got.layers.len(), want.len(), "{at}: layers");
                for (l, (g, (z, a, dw, db))) in got.layers.iter().zip(&want).enumerate() {
                    let pairs = [(&g.z, z, "Z"), (&g.a, a, "A"), (&g.dw, dw, "dW")];
                    for (got_m, want_m, what) in pairs {
                        assert_eq!(got_m.shape(), want_m.shape(), "{at}: layer {l} {what}");
                        for (k, (&gv, &wv)) in got_m.iter().zip(want_m.iter()).enumerate() {
                            assert_same(&format!("{at}: layer {l} {what} #{k}"), gv, wv, 4);
                        }
                    }
                    assert_eq!(g.db.len(), db.len(), "{at}: layer {l} db");
                    for (k, (&gv, &wv)) in g.db.iter().zip(db.iter()).enumerate() {
                        assert_same(&format!("{at}: layer {l} db #{k}"), gv, wv, 4);
                    }
                }
                assert_same(&format!("{at}: J"), got.loss, want_j, 4);
            }
        }
    }
}

#[test]
fn network_bound_is_the_composition_of_the_layers_bounds() {
    network_bound_definitions_for::<f64>();
    network_bound_definitions_for::<f32>();
}

// ---------------------------------------------------------------------------
// 2. Soundness: the real loop path against the matrix path, whole networks.

/// Each network above, both paths run forward and backward for real, every
/// `Z`, `A`, `dW`, `db` and `J` within `network_bound`.
fn network_soundness_for<T: Real>(worst: &mut Worst) {
    let mut rng = Rng(42);
    for (name, layers, loss) in nets() {
        for l2 in [0, 2] {
            let net = network_of::<T>(&mut rng, 6, &layers, l2);
            let x = rng.matrix::<T>(40, 6, -3.0, 3.0);
            let y = targets::<T>(&mut rng, loss, 40, net.n_out());
            let bound = network_bound(&net, &x, &y, loss).expect("a valid case");
            let f_m = Path::Matrix.forward(&net, &x).expect("valid");
            let f_s = Path::Sequential.forward(&net, &x).expect("valid");
            let g_m = Path::Matrix.backward(&net, &f_m, &y, loss).expect("valid");
            let g_s = Path::Sequential
                .backward(&net, &f_s, &y, loss)
                .expect("valid");
            let at = format!("{} {name} l2 {l2}", T::NAME);
            for (l, b) in bound.layers.iter().enumerate() {
                let (cm, cs) = (&f_m.layers()[l], &f_s.layers()[l]);
                for (what, agree) in [
                    ("Z", Agreement::of(&cs.z, &cm.z, &b.z)),
                    ("A", Agreement::of(&cs.a, &cm.a, &b.a)),
                    (
                        "dW",
                        Agreement::of(&g_s.layers[l].dw, &g_m.layers[l].dw, &b.dw),
                    ),
                    (
                        "db",
                        Agreement::of(&g_s.layers[l].db, &g_m.layers[l].db, &b.db),
                    ),
                ] {
                    assert!(agree.holds(), "{at} layer {l} {what}: {agree:?}");
                    worst.see(format!("network {what} {}", T::NAME), agree.worst_ratio);
                }
            }
            let g = net.output_activation();
            let j = |f: &dualpath::Forward<'_, T>| {
                let n = f.layers().len();
                loss.value(g, &f.layers()[n - 1].z, &f.layers()[n - 1].a, &y) + net.penalty()
            };
            let agree = Agreement::of_scalar(j(&f_s), j(&f_m), bound.loss);
            assert!(agree.holds(), "{at} J: {agree:?}");
            worst.see(format!("network J {}", T::NAME), agree.worst_ratio);
        }
    }
}

#[test]
fn both_paths_stay_within_the_network_bound() {
    let mut worst = Worst::default();
    network_soundness_for::<f64>(&mut worst);
    network_soundness_for::<f32>(&mut worst);
    worst.print("whole networks: the paths' difference ÷ network_bound");
}

// ---------------------------------------------------------------------------
// 3. Carried deviations reached.

/// `|x - y|`, exact for `f32` and for close `f64` values; rounded up otherwise.
fn distance<T: Real>(x: T, y: T) -> f64 {
    let (d, e) = super::exact::two_sum(x.as_f64(), -y.as_f64());
    if e == 0.0 {
        d.abs()
    } else {
        f64::from_bits(d.abs().to_bits() + 1)
    }
}

/// Forward: the loop path given `A_in + δ·sign(W[:, 0])` (each input moved
/// by `δ = 2⁻⁸·(1 + |a|)` towards making unit 0's `z` larger), the matrix
/// path `A_in`. Unit 0's `Z` then differs by `Σ_k δ_k·|W_k0|` exactly less
/// the paths' roundings, the bound's carried term `δA_in·|W|`, against its
/// whole bound: `1 - O(n·u/δ)`, asserted 0.99. Every element of `Z` and `A`
/// within its bound, for each activation.
fn forward_carried_for<T: Real>(worst: &mut Worst) {
    let mut rng = Rng(43);
    let (m, n_in, units) = (6, 20, 4);
    let a_in = rng.matrix::<T>(m, n_in, -2.0, 2.0);
    let w = rng.matrix::<T>(n_in, units, -1.0, 1.0);
    let b = DVector::from_fn(units, |_, _| T::of_f64(rng.uniform(-1.0, 1.0)));
    let a_s = DMatrix::from_fn(m, n_in, |i, k| {
        let d = 2f64.powi(-8) * (1.0 + abs_f64(a_in[(i, k)]));
        a_in[(i, k)] + T::of_f64(d.copysign(w[(k, 0)].as_f64()))
    });
    let dev = a_in.zip_map(&a_s, distance);
    for g in [
        Activation::Linear,
        Activation::Relu,
        Activation::Sigmoid,
        Activation::Tanh,
    ] {
        let layer = kernels::layer(&w, &b, g);
        let mat = kernels::forward::<T, Matrices>(&a_in, &layer);
        let seq = kernels::forward::<T, Loops>(&a_s, &layer);
        let (bz, ba) = dense_forward_bound(&a_in, &dev, &w, &b, g, &mat.z, &mat.a);
        let (az, aa) = (
            Agreement::of(&seq.z, &mat.z, &bz),
            Agreement::of(&seq.a, &mat.a, &ba),
        );
        assert!(
            az.holds() && aa.holds(),
            "{} {g:?}: Z {az:?}, A {aa:?}",
            T::NAME
        );
        worst.see(format!("carried A {g:?} {}", T::NAME), aa.worst_ratio);
        let least = (0..m)
            .map(|i| distance(seq.z[(i, 0)], mat.z[(i, 0)]) / bz[(i, 0)])
            .fold(1.0, f64::min);
        println!(
            "carried Z {} {g:?}: unit 0 of every row ≥ {least:.4} (asserted ≥ 0.99)",
            T::NAME
        );
        assert!(least >= 0.99, "{} carried Z reaches only {least}", T::NAME);
        worst.see(format!("carried Z least {}", T::NAME), least);
    }
}

/// Backward: every `A_in`, `dZ` and `W` positive, the loop path given
/// `A_in + δA` and `dZ + δdZ` (both up, `δ = 2⁻⁸` of each value), the
/// matrix path the unmoved ones. Then `dW`'s difference is
/// `Σ_i δA·dZ̄ + |A_in|·δdZ` exactly (the bound's carried terms, `dZ̄ = dZ + δdZ`),
/// `db`'s `Σ_i δdZ` and `dA_in`'s `Σ_j δdZ·|W|`, each less the paths'
/// roundings: every element reaches `1 - O(m·u/δ)`, asserted 0.99.
fn backward_carried_for<T: Real>(worst: &mut Worst) {
    let mut rng = Rng(44);
    let (m, n_in, units) = (12, 5, 7);
    let a_in = rng.matrix::<T>(m, n_in, 0.1, 2.0);
    let dz = rng.matrix::<T>(m, units, 0.1, 1.0);
    let w = rng.matrix::<T>(n_in, units, 0.1, 1.0);
    let up = |x: &DMatrix<T>| x.map(|v| v + T::of_f64(2f64.powi(-8) * v.as_f64()));
    let (a_s, dz_s) = (up(&a_in), up(&dz));
    let (dev_a, dev_dz) = (a_in.zip_map(&a_s, distance), dz.zip_map(&dz_s, distance));
    let layer = kernels::layer(&w, &DVector::zeros(units), Activation::Linear);
    let mat = kernels::backward_dz::<T, Matrices>(&dz, &a_in, &layer, true);
    let seq = kernels::backward_dz::<T, Loops>(&dz_s, &a_s, &layer, true);
    let (bda, bdw, bdb) = dense_backward_dz_bound(&dz, &dev_dz, &a_in, &dev_a, &w, true);
    let bda = bda.expect("asked for");
    let (da_m, da_s) = (mat.da_in.expect("asked"), seq.da_in.expect("asked"));
    let fraction = |x: &[T], y: &[T], b: &[f64], what: &str, worst: &mut Worst| {
        let mut least: f64 = 1.0;
        for ((&x, &y), &b) in x.iter().zip(y).zip(b) {
            let f = distance(x, y) / b;
            assert!(f <= 1.0, "{} carried {what}: {f}", T::NAME);
            least = least.min(f);
        }
        println!(
            "carried {what} {}: every element ≥ {least:.4} (asserted ≥ 0.99)",
            T::NAME
        );
        assert!(
            least >= 0.99,
            "{} carried {what} reaches only {least}",
            T::NAME
        );
        worst.see(format!("carried {what} least {}", T::NAME), least);
    };
    fraction(
        seq.dw.as_slice(),
        mat.dw.as_slice(),
        bdw.as_slice(),
        "dW",
        worst,
    );
    fraction(
        seq.db.as_slice(),
        mat.db.as_slice(),
        bdb.as_slice(),
        "db",
        worst,
    );
    fraction(
        da_s.as_slice(),
        da_m.as_slice(),
        bda.as_slice(),
        "dA_in",
        worst,
    );
}

#[test]
fn deviations_carried_into_a_layer_are_reached() {
    let mut worst = Worst::default();
    forward_carried_for::<f64>(&mut worst);
    forward_carried_for::<f32>(&mut worst);
    backward_carried_for::<f64>(&mut worst);
    backward_carried_for::<f32>(&mut worst);
    worst.print("carried deviations: difference ÷ bound");
}
