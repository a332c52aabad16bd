//! The erratum in the notes, kept as a test (docs/DESIGN.md, "The erratum in the notes").
//!
//! The notes' "Sequential Backward Propagation" multiplies by `g'(z)` only
//! in `db`; `dA_in` and `dW` use `dA[j]` where they need
//! `dz_j = dA[j]·g'(z_j)`. It is right only where `g' = 1`, a linear layer.
//! Below it is transcribed as written, for one example (the notes' `A_in` is a
//! single vector, so `m = 1`), and compared with the matrix path and with the
//! crate's corrected loop, [`sequential::dense_backward`].

use crate::common::kernels::{self, Loops, Matrices};
use crate::common::{mat, vector};
use dualpath::{Activation, gamma};
use nalgebra::{DMatrix, DVector};
use proptest::collection::vec;
use proptest::prelude::*;

/// Unit roundoff of `f64`, `2⁻⁵³`.
const U: f64 = f64::EPSILON / 2.0;

/// The notes' loop backward, line for line, for one example:
///
/// ```python
/// def dense(dA, A_in, W, b, g_prime):
///     units = W.shape[1]
///     dA_in, dW, db = np.zeros(A_in.shape), np.zeros(W.shape), np.zeros(units)
///     for j in range(units):
///         z = np.dot(W[:,j], A_in) + b[j]
///         dA_in += dA[j] * W[:,j]
///         dW[:,j] = dA[j] * A_in
///         db[j] = dA[j] * g_prime(z)
///     return (dA_in, dW, db)
/// ```
///
/// Returns `(dA_in, dW, db)`.
fn notes_dense_backward(
    da: &DVector<f64>,
    a_in: &DVector<f64>,
    w: &DMatrix<f64>,
    b: &DVector<f64>,
    g: Activation,
) -> (DVector<f64>, DMatrix<f64>, DVector<f64>) {
    let units = w.ncols();
    let mut da_in = DVector::zeros(a_in.len());
    let mut dw = DMatrix::zeros(w.nrows(), units);
    let mut db = DVector::zeros(units);
    for j in 0..units {
        let z = w.column(j).dot(a_in) + b[j]; // z = np.dot(W[:,j], A_in) + b[j]
        da_in += w.column(j) * da[j]; // dA_in += dA[j] * W[:,j]
        dw.set_column(j, &(a_in * da[j])); // dW[:,j] = dA[j] * A_in
        db[j] = da[j] * g.g_prime(z, g.g(z)); // db[j] = dA[j] * g_prime(z)
    }
    (da_in, dw, db)
}

/// One example as a `(1, n)` row, the shape both paths take.
fn row(v: &DVector<f64>) -> DMatrix<f64> {
    DMatrix::from_row_slice(1, v.len(), v.as_slice())
}

/// What the crate's two paths return for one example: `(dA_in, dW, db)` of
/// the matrix path and of the corrected loop.
struct Paths {
    matrix: (DVector<f64>, DMatrix<f64>, DVector<f64>),
    sequential: (DVector<f64>, DMatrix<f64>, DVector<f64>),
}

fn both_paths(
    da: &DVector<f64>,
    a_in: &DVector<f64>,
    w: &DMatrix<f64>,
    b: &DVector<f64>,
    g: Activation,
) -> Paths {
    let x = row(a_in);
    let layer = kernels::layer(w, b, g);
    let z = kernels::forward::<f64, Matrices>(&x, &layer).z;
    let unpack = |r: kernels::Backward<f64>| {
        let da_in = r.da_in.expect("asked for dA_in");
        (DVector::from_row_slice(da_in.as_slice()), r.dw, r.db)
    };
    Paths {
        matrix: unpack(kernels::backward::<f64, Matrices>(
            &row(da),
            &z,
            &x,
            &layer,
            true,
        )),
        sequential: unpack(kernels::backward::<f64, Loops>(
            &row(da),
            &z,
            &x,
            &layer,
            true,
        )),
    }
}

/// Largest `|a - b|` over two equally shaped matrices or vectors.
fn max_diff<R: nalgebra::Dim, C: nalgebra::Dim, S1, S2>(
    a: &nalgebra::Matrix<f64, R, C, S1>,
    b: &nalgebra::Matrix<f64, R, C, S2>,
) -> f64
where
    S1: nalgebra::RawStorage<f64, R, C>,
    S2: nalgebra::RawStorage<f64, R, C>,
{
    assert_eq!(a.shape(), b.shape());
    a.iter()
        .zip(b.iter())
        .fold(0.0, |m, (x, y)| m.max((x - y).abs()))
}

/// The most rounding can separate two evaluations of `dA_in = Σ_j dz_j·W[:,j]`
/// that add the same products in different orders: each is within
/// `γ_units·Σ_j |dz_j·W[k,j]|` of the exact sum (Higham §3.1), so they are
/// within twice that of each other.
fn da_in_rounding_bound(dz: &DVector<f64>, w: &DMatrix<f64>) -> f64 {
    let g = gamma::<f64>(w.ncols());
    (0..w.nrows())
        .map(|k| {
            2.0 * g
                * (0..w.ncols())
                    .map(|j| (dz[j] * w[(k, j)]).abs())
                    .sum::<f64>()
        })
        .fold(0.0, f64::max)
}

/// Course 2, week 1 (the practice lab's `my_dense` example): `x = [0.1, 0.2]`,
/// `W = [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]`, `b = [0.1, 0.2, 0.3]`, with an
/// upstream gradient `dA = [1, -2, 0.5]` chosen for this test.
fn course_layer() -> (DVector<f64>, DVector<f64>, DMatrix<f64>, DVector<f64>) {
    (
        vector(&[1.0, -2.0, 0.5]),
        vector(&[0.1, 0.2]),
        mat(2, 3, &[0.1, 0.2, 0.3, 0.4, 0.5, 0.6]),
        vector(&[0.1, 0.2, 0.3]),
    )
}

#[test]
fn notes_loop_backward_disagrees_with_matrix_path_for_sigmoid() {
    let (da, a_in, w, b) = course_layer();
    let g = Activation::Sigmoid;
    let (notes_da_in, notes_dw, _) = notes_dense_backward(&da, &a_in, &w, &b, g);
    let p = both_paths(&da, &a_in, &w, &b, g);
    let (da_in, dw, _) = &p.matrix;

    // With m = 1 every dW entry is a single product on both sides, one
    // rounding each: they could differ by 2u·|dW| if both were right.
    let dw_rounding = 2.0 * U * dw.amax().max(notes_dw.amax());
    let dw_diff = max_diff(&notes_dw, dw);
    let dz = DVector::from_row_slice(p.matrix.2.as_slice()); // db = dz for one example
    let da_in_rounding = da_in_rounding_bound(&dz, &w) + da_in_rounding_bound(&da, &w);
    let da_in_diff = max_diff(&notes_da_in, da_in);
    assert!(
        dw_diff > 1e6 * dw_rounding,
        "dW: notes vs matrix differ by {dw_diff:e}, rounding could explain {dw_rounding:e}"
    );
    assert!(
        da_in_diff > 1e6 * da_in_rounding,
        "dA_in: notes vs matrix differ by {da_in_diff:e}, rounding could explain {da_in_rounding:e}"
    );
    // The corrected loop is on the matrix path's side.
    assert_eq!(
        p.sequential.1, *dw,
        "corrected loop dW (single products, m = 1)"
    );
    assert!(max_diff(&p.sequential.0, da_in) <= da_in_rounding_bound(&dz, &w));
}

#[test]
fn notes_loop_backward_gets_db_right_even_for_sigmoid() {
    let (da, a_in, w, b) = course_layer();
    let g = Activation::Sigmoid;
    let (_, _, notes_db) = notes_dense_backward(&da, &a_in, &w, &b, g);
    let p = both_paths(&da, &a_in, &w, &b, g);
    // Both compute dA_j·σ'(z_j). The notes recompute z, perhaps adding in another
    // order than the forward pass: |Δz| ≤ 2γ₃(Σ|W·x| + |b|) ≤ 2γ₃·0.5 here, and
    // |σ''| ≤ 0.1, so σ' moves by at most 0.1·|Δz|; σ' itself is within 4u.
    let dz_bound = 2.0 * gamma::<f64>(3) * 0.5;
    for j in 0..3 {
        let tol = da[j].abs() * (0.1 * dz_bound + 4.0 * U);
        let (notes, matrix) = (notes_db[j], p.matrix.2[j]);
        assert!(
            (notes - matrix).abs() <= tol,
            "db[{j}]: notes {notes:e}, matrix {matrix:e}, allowed {tol:e}"
        );
    }
}

/// A small dense layer for one example, and an upstream gradient.
#[derive(Clone, Debug)]
struct Layer {
    da: Vec<f64>,
    a_in: Vec<f64>,
    w: Vec<f64>,
    b: Vec<f64>,
}

fn layer() -> impl Strategy<Value = (usize, usize, Layer)> {
    (1..=6usize, 1..=6usize).prop_flat_map(|(n_in, units)| {
        (
            Just(n_in),
            Just(units),
            (
                vec(-2.0..2.0, units),
                vec(-2.0..2.0, n_in),
                vec(-2.0..2.0, n_in * units),
                vec(-1.0..1.0, units),
            )
                .prop_map(|(da, a_in, w, b)| Layer { da, a_in, w, b }),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// For sigmoid the notes' `dW[:,j] = dA[j]·A_in` is the correct
    /// `dA[j]·σ'(z_j)·A_in` divided by `σ'(z_j) ≤ 1/4`: every nonzero entry is
    /// off by at least 3 times its correct value. (Rounding moves the ratio by
    /// a few `u`; 2.9 leaves 0.1 for it.)
    #[test]
    fn notes_loop_dw_is_off_by_at_least_three_times_the_correct_dw_for_sigmoid((n_in, units, l) in layer()) {
        let (da, a_in, w, b) = (vector(&l.da), vector(&l.a_in), mat(n_in, units, &l.w), vector(&l.b));
        let (_, notes_dw, _) = notes_dense_backward(&da, &a_in, &w, &b, Activation::Sigmoid);
        let p = both_paths(&da, &a_in, &w, &b, Activation::Sigmoid);
        for (path, dw) in [("matrix", &p.matrix.1), ("sequential", &p.sequential.1)] {
            for (notes, right) in notes_dw.iter().zip(dw.iter()) {
                prop_assert!(
                    (notes - right).abs() >= 2.9 * right.abs(),
                    "{path}: notes {notes:e} vs correct {right:e}"
                );
            }
        }
    }

    /// For a linear layer (`g' = 1`) the notes' loop is right: `dW` and `db`
    /// are the same single products / values as the matrix path's, and
    /// `dA_in` differs only by the order of its additions, within
    /// `2γ_units·Σ|terms|`.
    #[test]
    fn notes_loop_backward_agrees_for_linear_layer((n_in, units, l) in layer()) {
        let (da, a_in, w, b) = (vector(&l.da), vector(&l.a_in), mat(n_in, units, &l.w), vector(&l.b));
        let (notes_da_in, notes_dw, notes_db) = notes_dense_backward(&da, &a_in, &w, &b, Activation::Linear);
        let p = both_paths(&da, &a_in, &w, &b, Activation::Linear);
        let (da_in, dw, db) = &p.matrix;
        // == rather than bits: a zero product may be -0 on one side, +0 on the other.
        prop_assert!(notes_dw == *dw, "dW: largest difference {:e}", max_diff(&notes_dw, dw));
        prop_assert!(notes_db == *db, "db: largest difference {:e}", max_diff(&notes_db, db));
        let diff = max_diff(&notes_da_in, da_in);
        let bound = da_in_rounding_bound(&da, &w);
        prop_assert!(diff <= bound, "dA_in: difference {diff:e} above the rounding bound {bound:e}");
    }

    /// For a linear layer the notes' loop is the corrected loop, bit for bit:
    /// `dz_j = dA[j]·1` is exact, each `dW` entry is the same single product,
    /// and the two add `dA_in` in the same order. (Only the sign of a zero may
    /// differ: the corrected loop accumulates from `+0`, so `+0 + -0 = +0`
    /// where the notes assign `-0`; `x + 0.0` maps `-0` to `+0` before
    /// comparing bits.)
    #[test]
    fn notes_loop_backward_is_the_corrected_loop_bit_for_bit_for_linear_layer((n_in, units, l) in layer()) {
        let (da, a_in, w, b) = (vector(&l.da), vector(&l.a_in), mat(n_in, units, &l.w), vector(&l.b));
        let (notes_da_in, notes_dw, notes_db) = notes_dense_backward(&da, &a_in, &w, &b, Activation::Linear);
        let p = both_paths(&da, &a_in, &w, &b, Activation::Linear);
        let bits = |v: &[f64]| v.iter().map(|x| (x + 0.0).to_bits()).collect::<Vec<_>>();
        let (da_in, dw, db) = &p.sequential;
        prop_assert_eq!(bits(notes_da_in.as_slice()), bits(da_in.as_slice()), "dA_in");
        prop_assert_eq!(bits(notes_dw.as_slice()), bits(dw.as_slice()), "dW");
        prop_assert_eq!(bits(notes_db.as_slice()), bits(db.as_slice()), "db");
    }
}
