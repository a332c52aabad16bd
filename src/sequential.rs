//! The loop path: one example at a time, one unit at a time, as the notes'
//! "Sequential Forward Propagation" and (corrected) "Sequential Backward
//! Propagation" write it.
//!
//! Nothing here calls the matrix path or allocates inside the unit loop. The
//! loops read memory in order: `W[:,j]` is a contiguous column of the
//! column-major kernel, and each example's row of `A_in` (strided in a
//! column-major matrix) is first copied into a small buffer that is reused for
//! every example. These are the loops a careful programmer would write; the
//! benchmarks compare them with the matrix path as equals.
//!
//! The functions mirror [`crate::matrix`]: same names, same arguments, same
//! results, so reading the two modules side by side is the lesson.

use crate::activation::Activation;
use crate::error::Result;
use crate::loss::Loss;
use crate::network::{DenseBackward, Forward, Gradients, LayerCache, Network};
use crate::path::{backward_through, check_layer_shapes, forward_through};
use crate::real::Real;
use nalgebra::{DMatrix, DVector};

/// `Σₖ x[k]·y[k]`: the notes' `np.dot(W[:,j], a_in)`.
///
/// Like the BLAS `ddot` behind NumPy's `np.dot`, it keeps eight running sums,
/// one for each `k mod 8`, and adds them at the end, together with the last
/// `len mod 8` products (summed in order). One running sum would make every addition wait
/// for the one before (a few cycles each); eight independent sums let the
/// processor overlap them and let the compiler put them in vector registers.
/// On this crate's benchmarks that is 3-4× faster than the single sum for
/// vectors of a hundred or more (`docs/performance.md`), so the loop path is
/// timed with the dot product a careful programmer would write.
///
/// The order of the additions changes the rounding, not the value: the
/// rounding bound ([`crate::bounds`]) holds for any order, and on exactly
/// representable inputs every order gives the same bits.
///
/// ```
/// use dualpath::sequential::dot;
/// assert_eq!(dot(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]), 32.0); // 4 + 10 + 18
/// ```
///
/// # Panics
/// If the slices differ in length.
#[inline]
pub fn dot<T: Real>(x: &[T], y: &[T]) -> T {
    assert_eq!(x.len(), y.len(), "dot: the two vectors differ in length");
    let (xs, ys) = (x.chunks_exact(8), y.chunks_exact(8));
    let tail = xs
        .remainder()
        .iter()
        .zip(ys.remainder())
        .fold(T::zero(), |sum, (&x, &y)| sum + x * y);
    let mut sums = [T::zero(); 8];
    for (x8, y8) in xs.zip(ys) {
        for l in 0..8 {
            sums[l] += x8[l] * y8[l];
        }
    }
    let s4 = [0, 1, 2, 3].map(|l| sums[l] + sums[l + 4]);
    ((s4[0] + s4[2]) + (s4[1] + s4[3])) + tail
}

/// Column `j` of a column-major matrix as one contiguous slice.
#[inline]
fn column<T: Real>(w: &DMatrix<T>, j: usize) -> &[T] {
    let n = w.nrows();
    &w.as_slice()[j * n..(j + 1) * n]
}

/// One dense layer forward, per example and per unit:
/// `z_j = W[:,j]·a_in + b_j`, `a_j = g(z_j)`.
///
/// Shapes: `a_in (m, n_in)`, `w (n_in, units)`, `b (units)` → `z`, `a` each `(m, units)`.
///
/// The course's NumPy, for one example:
/// ```python
/// for j in range(units):
///     z = np.dot(W[:,j], a_in) + b[j]
///     a_out[j] = g(z)
/// ```
///
/// ```
/// use dualpath::{sequential, Activation};
/// use nalgebra::{dmatrix, dvector};
/// // Course 2, week 1: x = [1, 2, 3, 4], W = four rows of [1, 2], b = [3, 5].
/// let x = dmatrix![1.0, 2.0, 3.0, 4.0];
/// let w = dmatrix![1.0, 2.0; 1.0, 2.0; 1.0, 2.0; 1.0, 2.0];
/// let out = sequential::dense_forward(&x, &w, &dvector![3.0, 5.0], Activation::Linear);
/// assert_eq!(out.a, dmatrix![13.0, 25.0]); // 1+2+3+4+3, 2·10+5
/// ```
///
/// # Panics
/// If the shapes do not fit (the message names both).
pub fn dense_forward<T: Real>(
    a_in: &DMatrix<T>,
    w: &DMatrix<T>,
    b: &DVector<T>,
    g: Activation,
) -> LayerCache<T> {
    check_layer_shapes("sequential::dense_forward", a_in, w, b);
    let (m, n_in) = a_in.shape();
    let units = w.ncols();
    let mut z = DMatrix::zeros(m, units);
    let mut a = DMatrix::zeros(m, units);
    let mut x = vec![T::zero(); n_in]; // one example, contiguous; reused for every example
    for i in 0..m {
        for (k, xk) in x.iter_mut().enumerate() {
            *xk = a_in[(i, k)];
        }
        for j in 0..units {
            let zj = dot(column(w, j), &x) + b[j]; // z = np.dot(W[:,j], a_in) + b[j]
            z[(i, j)] = zj;
            a[(i, j)] = g.g(zj); // a_out[j] = g(z)
        }
    }
    LayerCache { z, a }
}

/// One dense layer backward, per example and per unit, from `dA` (the
/// gradient of the layer's output): the notes' "Sequential Backward
/// Propagation", corrected.
///
/// For each example and each unit `j`:
/// `dz_j = da_j·g'(z_j)`, then `da_in += dz_j·W[:,j]`, `dW[:,j] += dz_j·a_in`,
/// `db_j += dz_j`, summed over the examples.
///
/// The notes multiply by `g'(z)` only in `db`; `dW` and `dA_in` need it too,
/// because `z_j` is what depends on `W[:,j]` and on `a_in`. The notes' form is
/// right only when `g' = 1` (a linear layer).
///
/// Shapes: `da`, `z` `(m, units)`, `a_in (m, n_in)`, `w (n_in, units)` →
/// `da_in (m, n_in)` (when `need_da_in`), `dw (n_in, units)`, `db (units)`.
///
/// # Panics
/// If the shapes do not fit.
pub fn dense_backward<T: Real>(
    da: &DMatrix<T>,
    z: &DMatrix<T>,
    a_in: &DMatrix<T>,
    w: &DMatrix<T>,
    g: Activation,
    need_da_in: bool,
) -> DenseBackward<T> {
    check_upstream_shape("sequential::dense_backward: dA vs Z", da, z);
    // dz_j = da_j · g'(z_j), computed at the moment each unit needs it.
    units_backward(
        |i, j| da[(i, j)] * g.g_prime(z[(i, j)]),
        z.shape(),
        a_in,
        w,
        need_da_in,
    )
}

/// One dense layer backward from `dZ` directly: the same loops as
/// [`dense_backward`] with `dz_j` given. The output layer uses it, because
/// [`Loss::output_dz`] supplies its `dZ`.
///
/// # Panics
/// If the shapes do not fit.
pub fn dense_backward_dz<T: Real>(
    dz: &DMatrix<T>,
    a_in: &DMatrix<T>,
    w: &DMatrix<T>,
    need_da_in: bool,
) -> DenseBackward<T> {
    units_backward(|i, j| dz[(i, j)], dz.shape(), a_in, w, need_da_in)
}

/// The per-unit backward loops, with `dz_j` of example `i` given by `dz_at(i, j)`.
fn units_backward<T: Real>(
    dz_at: impl Fn(usize, usize) -> T,
    dz_shape: (usize, usize),
    a_in: &DMatrix<T>,
    w: &DMatrix<T>,
    need_da_in: bool,
) -> DenseBackward<T> {
    let (m, n_in) = a_in.shape();
    let units = w.ncols();
    assert!(
        w.nrows() == n_in && dz_shape == (m, units),
        "sequential backward: A_in is ({m}, {n_in}), W is ({}, {units}) and dZ is {dz_shape:?}; \
         need W (n_in, units) and dZ (m, units)",
        w.nrows()
    );
    let mut dw = DMatrix::zeros(n_in, units);
    let mut db = DVector::zeros(units);
    let mut da_in = need_da_in.then(|| DMatrix::zeros(m, n_in));
    let mut x = vec![T::zero(); n_in]; // this example's a_in, contiguous
    let mut dx = vec![T::zero(); n_in]; // this example's da_in, accumulated over units
    for i in 0..m {
        for (k, xk) in x.iter_mut().enumerate() {
            *xk = a_in[(i, k)];
        }
        dx.fill(T::zero());
        for j in 0..units {
            let dz = dz_at(i, j);
            if need_da_in {
                // da_in += dz_j * W[:,j]
                for (dxk, &wk) in dx.iter_mut().zip(column(w, j)) {
                    *dxk += dz * wk;
                }
            }
            // dW[:,j] += dz_j * a_in
            let dwj = &mut dw.as_mut_slice()[j * n_in..(j + 1) * n_in];
            for (dwk, &xk) in dwj.iter_mut().zip(&x) {
                *dwk += dz * xk;
            }
            db[j] += dz; // db_j += dz_j
        }
        if let Some(da_in) = da_in.as_mut() {
            for (k, &dxk) in dx.iter().enumerate() {
                da_in[(i, k)] = dxk;
            }
        }
    }
    DenseBackward { da_in, dw, db }
}

/// The whole network forward, layer after layer, each layer by
/// [`dense_forward`]. Returns every layer's `Z` and `A` for [`backward`].
///
/// # Errors
/// If `x` is not `(m ≥ 1, n_in)` or holds a NaN or infinity.
pub fn forward<'x, T: Real>(net: &Network<T>, x: &'x DMatrix<T>) -> Result<Forward<'x, T>> {
    forward_through(net, x, dense_forward::<T>)
}

/// The whole network backward: the output layer's `dZ` from the loss, then
/// each layer by [`dense_backward_dz`] / [`dense_backward`], from the last to
/// the first. Returns fresh gradients of the mean loss.
///
/// # Errors
/// If `fwd` is not this network's, `y` is not `(m, n_out)`, or a target is
/// non-finite or (for binary cross-entropy) outside `[0, 1]`.
pub fn backward<T: Real>(
    net: &Network<T>,
    fwd: &Forward<'_, T>,
    y: &DMatrix<T>,
    loss: Loss,
) -> Result<Gradients<T>> {
    backward_through(
        net,
        fwd,
        y,
        loss,
        dense_backward::<T>,
        dense_backward_dz::<T>,
    )
}

fn check_upstream_shape<T: Real>(what: &str, da: &DMatrix<T>, z: &DMatrix<T>) {
    assert!(
        da.shape() == z.shape(),
        "{what}: dA is {:?} but Z is {:?}; they must match",
        da.shape(),
        z.shape()
    );
}
