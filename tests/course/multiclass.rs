//! Week 2 on both paths: softmax, the categorical cross-entropies, and
//! `from_logits`, held to the same standard as the rest of the suite.
//!
//! - The assignment's own check of `my_softmax`, and softmax's properties
//!   (rows sum to 1, the largest logit gets the largest probability, no
//!   overflow at logits of ±1000).
//! - An exact identity: for the same `Z`, the loop path's row-by-row softmax
//!   and the matrix path's give the same bits (one function computes both).
//! - Agreement within the derived rounding bound (`dualpath::proof::bounds`,
//!   `softmax_bound` and the categorical loss bounds), per layer and for
//!   whole networks with softmax or logits outputs.
//! - Finite differences as independent truth for both paths' gradients.
//! - Every output a loss cannot take, and every label it cannot, refused
//!   with a message that says why.

use crate::common::kernels::{self, Loops, Matrices};
use dualpath::nn::activation::softmax_row;
use dualpath::proof::bounds::{Agreement, dense_forward_bound, network_bound};
use dualpath::proof::gradcheck::{max_relative_error, numerical_gradients};
use dualpath::{Activation, Error, Loss, Network, Path, Real};
use nalgebra::{DMatrix, DVector, RowDVector};
use proptest::prelude::*;

/// The week 2 assignment's public test for `my_softmax` (`C2_W2_Assignment`,
/// `public_tests.py`, `test_my_softmax`): two cases, each within `1e-10` of
/// TensorFlow's softmax. `[1, 2, 3, 4]` gives `e^k / (e + e² + e³ + e⁴)`
/// (the values below, computed with Python's `math.exp` to 16 digits; the
/// notebook prints them as `[0.03 0.09 0.24 0.64]`); ten logits of `ln 0.1`
/// give 0.1 each.
#[test]
fn softmax_matches_the_assignments_public_test() {
    let tenth = RowDVector::from_element(10, 0.1_f64.ln());
    let mut a10 = RowDVector::zeros(10);
    softmax_row(&tenth, &mut a10);
    for (j, &aj) in a10.iter().enumerate() {
        assert!((aj - 0.1).abs() <= 1e-10, "unit {j} of ten ln 0.1: {aj}");
    }
    let z = RowDVector::from_row_slice(&[1.0_f64, 2.0, 3.0, 4.0]);
    let mut a = RowDVector::zeros(4);
    softmax_row(&z, &mut a);
    let want = [
        0.0320586032800850,
        0.0871443187420326,
        0.2368828180899101,
        0.6439142598879722,
    ];
    for (j, &w) in want.iter().enumerate() {
        assert!(
            (a[j] - w).abs() <= 1e-10,
            "unit {j}: {} where softmax is {w}",
            a[j]
        );
    }
    // Both paths' activations give the same numbers.
    for (name, out) in [
        ("loop", {
            let mut a = vec![0.0; 4];
            Activation::Softmax.activate_row(z.as_slice(), &mut a);
            a
        }),
        ("matrix", {
            let zm = DMatrix::from_row_slice(1, 4, z.as_slice());
            let mut am = DMatrix::zeros(1, 4);
            Activation::Softmax.activate(&zm, &mut am);
            am.as_slice().to_vec()
        }),
    ] {
        assert_eq!(out.as_slice(), a.as_slice(), "{name}");
    }
}

#[test]
fn softmax_stays_finite_for_logits_of_a_thousand() {
    for z in [
        vec![1000.0_f64, 999.0],
        vec![-1000.0, -1001.0, -999.0],
        vec![1000.0, -1000.0, 0.0, 500.0],
    ] {
        let n = z.len();
        let mut a = RowDVector::<f64>::zeros(n);
        softmax_row(&RowDVector::from_row_slice(&z), &mut a);
        assert!(a.iter().all(|v| v.is_finite()), "{z:?} → {a}");
        assert!((a.sum() - 1.0).abs() <= 4.0 * f64::EPSILON, "{z:?} → {a}");
    }
    // [1000, 999]: e^0 / (e^0 + e^-1) = 1/(1 + 1/e).
    let mut a = RowDVector::zeros(2);
    softmax_row(&RowDVector::from_row_slice(&[1000.0_f64, 999.0]), &mut a);
    let want = 1.0 / (1.0 + (-1.0_f64).exp());
    assert!((a[0] - want).abs() <= 2.0 * f64::EPSILON, "{}", a[0]);
}

fn logits(max_k: usize) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(-50.0..50.0f64, 1..=max_k)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// `Σ_j a_j = 1` up to rounding: the sum of K terms each within
    /// `(|z_j - max| + K + 4)·u` of exact ([`dualpath::proof::bounds::softmax_bound`]'s ρ)
    /// and the sum's own `γ_K`; logits here lie within 100 of each other.
    #[test]
    fn softmax_rows_sum_to_one_and_keep_the_largest(z in logits(12)) {
        let k = z.len();
        let mut a = RowDVector::zeros(k);
        softmax_row(&RowDVector::from_row_slice(&z), &mut a);
        let u = f64::EPSILON / 2.0;
        let tolerance = (100.0 + 2.0 * k as f64 + 4.0) * u * 1.01;
        prop_assert!((a.sum() - 1.0).abs() <= tolerance, "Σ = {} for {z:?}", a.sum());
        let top = (0..k).fold(0, |best, j| if z[j] > z[best] { j } else { best });
        prop_assert!(a.iter().all(|&v| v <= a[top]), "the largest z, {}, is not the largest a: {a}", z[top]);
        prop_assert!(a.iter().all(|&v| (0.0..=1.0).contains(&v)));
    }

    /// The exact identity of the week-2 output: the same `Z` gives the same
    /// softmax bits on both paths, row by row or as a matrix.
    #[test]
    fn both_paths_give_the_same_softmax_bits(m in 1..6usize, zs in prop::collection::vec(logits(10), 1..6)) {
        let k = zs[0].len();
        let z = DMatrix::from_fn(m, k, |i, j| zs[i % zs.len()].get(j).copied().unwrap_or(j as f64));
        let mut a = DMatrix::zeros(m, k);
        Activation::Softmax.activate(&z, &mut a);
        for i in 0..m {
            let row: Vec<f64> = z.row(i).iter().copied().collect();
            let mut out = vec![0.0; k];
            Activation::Softmax.activate_row(&row, &mut out);
            for j in 0..k {
                prop_assert_eq!(out[j].to_bits(), a[(i, j)].to_bits(), "row {}, unit {}", i, j);
            }
        }
    }
}

/// A softmax layer's `Z` and `A` on both paths, within the bound.
fn softmax_layer_agrees<T: Real>(
    m: usize,
    n_in: usize,
    k: usize,
    v: &[f64],
) -> Result<(), TestCaseError> {
    let at = |i: usize| v[i % v.len()];
    let a_in = DMatrix::from_fn(m, n_in, |i, j| T::of_f64(at(i * 7 + j)));
    let w = DMatrix::from_fn(n_in, k, |i, j| T::of_f64(at(i * 5 + j + 3) * 2.0));
    let b = DVector::from_fn(k, |j, _| T::of_f64(at(j + 11)));
    let layer = kernels::layer(&w, &b, Activation::Softmax);
    let seq = kernels::forward::<T, Loops>(&a_in, &layer);
    let mat = kernels::forward::<T, Matrices>(&a_in, &layer);
    let zero = DMatrix::zeros(m, n_in);
    let (bz, ba) = dense_forward_bound(&a_in, &zero, &w, &b, Activation::Softmax, &mat.z, &mat.a);
    let (az, aa) = (
        Agreement::of(&seq.z, &mat.z, &bz),
        Agreement::of(&seq.a, &mat.a, &ba),
    );
    prop_assert!(az.holds() && aa.holds(), "{}: Z {az:?}, A {aa:?}", T::NAME);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn softmax_layer_paths_agree_within_rounding_bound(
        m in 1..8usize, n_in in 1..40usize, k in 1..12usize,
        v in prop::collection::vec(-3.0..3.0f64, 1..64),
    ) {
        softmax_layer_agrees::<f64>(m, n_in, k, &v)?;
        softmax_layer_agrees::<f32>(m, n_in, k, &v)?;
    }
}

/// A multiclass network and batch: hidden layers of the element-wise
/// activations, a softmax or linear output of `k` units, and a
/// categorical loss that suits it.
#[derive(Clone, Debug)]
struct Case {
    m: usize,
    widths: Vec<usize>,
    hidden: Vec<Activation>,
    seed: u64,
    x: Vec<f64>,
    /// Class ids (for the sparse loss) or one-hot rows are made from these.
    classes: Vec<usize>,
    loss: Loss,
}

fn case() -> impl Strategy<Value = Case> {
    (
        1..=8usize,
        prop::collection::vec(1..=12usize, 1..=3),
        2..=6usize,
        any::<u64>(),
        prop::sample::select(vec![
            Loss::SPARSE_CATEGORICAL_CROSSENTROPY,
            Loss::SPARSE_CATEGORICAL_CROSSENTROPY.with_logits(),
            Loss::CATEGORICAL_CROSSENTROPY,
            Loss::CATEGORICAL_CROSSENTROPY.with_logits(),
        ]),
    )
        .prop_flat_map(|(m, mut widths, k, seed, loss)| {
            widths.push(k);
            let depth = widths.len() - 1;
            (
                Just(m),
                Just(widths.clone()),
                prop::collection::vec(prop::sample::select(Activation::ALL.to_vec()), depth - 1),
                Just(seed),
                prop::collection::vec(-3.0..3.0f64, m * widths[0]),
                prop::collection::vec(0..k, m),
                Just(loss),
            )
        })
        .prop_map(|(m, widths, hidden, seed, x, classes, loss)| Case {
            m,
            widths,
            hidden,
            seed,
            x,
            classes,
            loss,
        })
}

impl Case {
    fn network<T: Real>(&self) -> Network<T> {
        let out = if self.loss.from_logits() {
            Activation::Linear
        } else {
            Activation::Softmax
        };
        let spec: Vec<(usize, Activation)> = self.widths[1..]
            .iter()
            .copied()
            .zip(self.hidden.iter().copied().chain([out]))
            .collect();
        Network::<f64>::new(self.widths[0], &spec, self.seed)
            .expect("a valid network")
            .cast()
    }

    fn data<T: Real>(&self) -> (DMatrix<T>, DMatrix<T>) {
        let x = DMatrix::from_row_slice(self.m, self.widths[0], &self.x).map(T::of_f64);
        let k = *self.widths.last().unwrap();
        let y = if self.loss.name() == "scce" {
            DMatrix::from_fn(self.m, 1, |i, _| T::of_f64(self.classes[i] as f64))
        } else {
            DMatrix::from_fn(self.m, k, |i, j| {
                T::of_f64(f64::from(u8::from(self.classes[i] == j)))
            })
        };
        (x, y)
    }
}

fn network_agrees<T: Real>(c: &Case) -> Result<(), TestCaseError> {
    let net = c.network::<T>();
    let (x, y) = c.data::<T>();
    let (seq, mat) = (
        Path::Sequential.forward(&net, &x).unwrap(),
        Path::Matrix.forward(&net, &x).unwrap(),
    );
    let gs = Path::Sequential.backward(&net, &seq, &y, c.loss).unwrap();
    let gm = Path::Matrix.backward(&net, &mat, &y, c.loss).unwrap();
    let bound = network_bound(&net, &x, &y, c.loss).unwrap();
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
            prop_assert!(
                agr.holds(),
                "{} layer {} {name}: {agr:?} for {c:?}",
                T::NAME,
                l + 1
            );
        }
    }
    let g = net.output_activation();
    let j = Agreement::of_scalar(
        c.loss.value(g, seq.output_z(), seq.output(), &y),
        c.loss.value(g, mat.output_z(), mat.output(), &y),
        bound.loss,
    );
    prop_assert!(j.holds(), "{} J: {j:?} for {c:?}", T::NAME);
    Ok(())
}

/// Central differences against both paths' gradients, in `f64`: the same
/// mixed tolerance as `tests/proofs/gradient_check.rs` (1e-6 relative to
/// `max(|g| + |ĝ|, 1e-3·max(1, J))`), which its header derives from
/// `h = 1e-5`.
///
/// Relu's kink at 0 is replaced by tanh here: a difference quotient across
/// the kink is not a derivative (`tests/proofs/gradient_check.rs` covers relu, with
/// the cases that straddle a kink set aside).
fn gradients_match_finite_differences(c: &Case) -> Result<(), TestCaseError> {
    let mut c = c.clone();
    for g in &mut c.hidden {
        if *g == Activation::Relu {
            *g = Activation::Tanh;
        }
    }
    let c = &c;
    let net = c.network::<f64>();
    let (x, y) = c.data::<f64>();
    let numeric = numerical_gradients(&net, &x, &y, c.loss, 1e-5).unwrap();
    for path in Path::BOTH {
        let (j, g) = path.loss_and_gradients(&net, &x, &y, c.loss).unwrap();
        let err = max_relative_error(&g, &numeric, 1e-3 * j.max(1.0));
        prop_assert!(err <= 1e-6, "{path}: relative error {err:e} for {c:?}");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn multiclass_network_paths_agree_within_propagated_bound(c in case()) {
        network_agrees::<f64>(&c)?;
        network_agrees::<f32>(&c)?;
    }

    #[test]
    fn categorical_gradients_match_finite_differences_on_both_paths(c in case()) {
        gradients_match_finite_differences(&c)?;
    }
}

/// `dZ = (softmax(Z) - Y)/m` at the output, on a case small enough to write out:
/// logits [0, ln 3] give softmax [1/4, 3/4].
#[test]
fn the_output_dz_of_softmax_and_cross_entropy_is_a_minus_y_over_m() {
    let l3 = 3.0_f64.ln();
    let z = DMatrix::from_row_slice(2, 2, &[0.0, l3, l3, 0.0]);
    let mut a = DMatrix::zeros(2, 2);
    Activation::Softmax.activate(&z, &mut a);
    for (loss, y) in [
        (
            Loss::SPARSE_CATEGORICAL_CROSSENTROPY,
            DMatrix::from_row_slice(2, 1, &[1.0, 1.0]),
        ),
        (
            Loss::CATEGORICAL_CROSSENTROPY,
            DMatrix::from_row_slice(2, 2, &[0.0, 1.0, 0.0, 1.0]),
        ),
    ] {
        let mut dz = DMatrix::zeros(2, 2);
        loss.output_dz(&mut dz, Activation::Softmax, &z, &a, &y);
        let want = [
            (0.25 - 0.0) / 2.0,
            (0.75 - 1.0) / 2.0,
            (0.75 - 0.0) / 2.0,
            (0.25 - 1.0) / 2.0,
        ];
        for (k, w) in want.iter().enumerate() {
            let got = dz[(k / 2, k % 2)];
            assert!(
                (got - w).abs() <= 1e-16,
                "{loss:?}: dZ[{k}] = {got}, want {w}"
            );
        }
        // J = mean of -ln(3/4) and -ln(1/4).
        let j = loss.value(Activation::Softmax, &z, &a, &y);
        let want_j = ((4.0_f64 / 3.0).ln() + 4.0_f64.ln()) / 2.0;
        assert!(
            (j - want_j).abs() <= 4.0 * f64::EPSILON,
            "{loss:?}: J = {j}, want {want_j}"
        );
    }
}

// ---- What is refused, and why ----

fn message(e: Error) -> String {
    e.to_string()
}

#[test]
fn softmax_is_refused_on_a_hidden_layer() {
    let e = Network::<f64>::new(2, &[(3, Activation::Softmax), (1, Activation::Sigmoid)], 0)
        .unwrap_err();
    let text = message(e);
    assert!(
        text.contains("layer 1") && text.contains("output layer only"),
        "{text}"
    );
}

#[test]
fn each_loss_refuses_the_outputs_it_cannot_take() {
    use Activation::*;
    let refused = [
        (Loss::BINARY_CROSSENTROPY, Linear, "--from-logits"),
        (
            Loss::BINARY_CROSSENTROPY,
            Softmax,
            "categorical cross-entropy",
        ),
        (
            Loss::BINARY_CROSSENTROPY.with_logits(),
            Sigmoid,
            "linear last layer",
        ),
        (
            Loss::MEAN_SQUARED_ERROR,
            Softmax,
            "categorical cross-entropy",
        ),
        (
            Loss::SPARSE_CATEGORICAL_CROSSENTROPY,
            Linear,
            "--from-logits",
        ),
        (
            Loss::SPARSE_CATEGORICAL_CROSSENTROPY,
            Sigmoid,
            "softmax output",
        ),
        (Loss::CATEGORICAL_CROSSENTROPY, Relu, "softmax output"),
        (
            Loss::CATEGORICAL_CROSSENTROPY.with_logits(),
            Softmax,
            "linear last layer",
        ),
        (
            Loss::SPARSE_CATEGORICAL_CROSSENTROPY.with_logits(),
            Tanh,
            "linear last layer",
        ),
    ];
    for (loss, g, needle) in refused {
        let text = message(loss.check_output(g).unwrap_err());
        assert!(text.contains(needle), "{loss:?} on {g}: {text}");
    }
    let accepted = [
        (Loss::BINARY_CROSSENTROPY, Sigmoid),
        (Loss::BINARY_CROSSENTROPY, Tanh),
        (Loss::BINARY_CROSSENTROPY.with_logits(), Linear),
        (Loss::MEAN_SQUARED_ERROR, Linear),
        (Loss::SPARSE_CATEGORICAL_CROSSENTROPY, Softmax),
        (Loss::SPARSE_CATEGORICAL_CROSSENTROPY.with_logits(), Linear),
        (Loss::CATEGORICAL_CROSSENTROPY, Softmax),
        (Loss::CATEGORICAL_CROSSENTROPY.with_logits(), Linear),
    ];
    for (loss, g) in accepted {
        assert!(loss.check_output(g).is_ok(), "{loss:?} on {g}");
    }
}

#[test]
fn class_ids_must_be_whole_numbers_below_the_number_of_units() {
    let net = Network::<f64>::new(2, &[(4, Activation::Softmax)], 0).unwrap();
    let x = DMatrix::from_row_slice(2, 2, &[0.5, 1.0, -1.0, 0.0]);
    let fwd = Path::Matrix.forward(&net, &x).unwrap();
    let scce = Loss::SPARSE_CATEGORICAL_CROSSENTROPY;
    for (bad, row) in [(4.0, 1), (2.5, 0), (-1.0, 1)] {
        let mut y = DMatrix::from_row_slice(2, 1, &[0.0, 3.0]);
        y[(row, 0)] = bad;
        let e = Path::Matrix.backward(&net, &fwd, &y, scce).unwrap_err();
        assert!(
            matches!(e, Error::ClassOutOfRange { row: r, value, classes: 4 } if r == row && value == bad),
            "{bad}: {e:?}"
        );
        assert!(message(e).contains("from 0 to 3"));
    }
    // One column of ids, not one per class.
    let e = Path::Matrix
        .backward(&net, &fwd, &DMatrix::zeros(2, 4), scce)
        .unwrap_err();
    assert!(message(e).contains("(2, 1)"));
    // One-hot rows for the other loss, with values in [0, 1].
    let mut onehot = DMatrix::zeros(2, 4);
    onehot[(1, 2)] = 1.5;
    let e = Path::Matrix
        .backward(&net, &fwd, &onehot, Loss::CATEGORICAL_CROSSENTROPY)
        .unwrap_err();
    assert!(
        matches!(e, Error::ProbabilityOutOfRange { row: 1, col: 2, .. }),
        "{e:?}"
    );
}

/// The binary cross-entropy's clip on a non-sigmoid output (Keras clips `a`
/// to `[ε, 1 - ε]`, ε = 1e-7, and passes no gradient where it clipped):
/// just inside either end the gradient is the formula's, just outside it is 0.
#[test]
fn binary_cross_entropy_clips_both_ends_and_passes_no_gradient_there() {
    let bce = Loss::BINARY_CROSSENTROPY;
    let eps = dualpath::nn::loss::BCE_EPSILON;
    let (z, y, scale) = (0.3, 1.0, 1.0);
    let formula = |a: f64| (a - y) / (a * (1.0 - a)) * scale * Activation::Tanh.g_prime(z, a);
    for a in [eps, 0.5, 1.0 - eps] {
        let got = bce.output_dz_element(Activation::Tanh, z, a, y, scale);
        assert_eq!(got, formula(a), "a = {a} is inside the clip");
        assert!(got != 0.0);
    }
    for a in [eps / 2.0, 1.0 - eps / 2.0, 0.0, 1.0] {
        let got = bce.output_dz_element(Activation::Tanh, z, a, y, scale);
        assert_eq!(got, 0.0, "a = {a} is clipped: no gradient");
    }
    // The loss at a clipped prediction is the loss at the clip.
    let at_clip = bce.element(Activation::Relu, 0.0, eps, 1.0);
    assert_eq!(bce.element(Activation::Relu, 0.0, 0.0, 1.0), at_clip);
    assert!((at_clip - (-(eps.ln()))).abs() < 1e-12, "{at_clip}");
}
