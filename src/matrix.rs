//! The matrix path: the whole batch at once, as the notes' "Matrix Forward
//! Propagation" and "Matrix Backward Propagation" write it.
//!
//! Each operation is one nalgebra call. Products of large matrices go to the
//! `matrixmultiply` crate's blocked, SIMD kernel: that, not a different
//! formula, is where the speedup over the loop path comes from.
//!
//! nalgebra does not broadcast, so `+ B` adds `b[j]` down column `j`
//! explicitly; `np.sum(dZ, axis=0)` is `row_sum`.
//!
//! The functions mirror [`crate::sequential`]: same names, same arguments,
//! same results.

use crate::activation::Activation;
use crate::error::Result;
use crate::loss::Loss;
use crate::network::{DenseBackward, Forward, Gradients, LayerCache, Network};
use crate::path::{backward_through, check_layer_shapes, forward_through};
use crate::real::Real;
use nalgebra::{DMatrix, DVector};

/// One dense layer forward for the whole batch: `Z = A_in·W + B`, `A = g(Z)`.
///
/// Shapes: `a_in (m, n_in)`, `w (n_in, units)`, `b (units)` → `z`, `a` each `(m, units)`.
///
/// The course's NumPy: `Z = np.matmul(A_in, W) + B; A_out = g(Z)`.
///
/// ```
/// use dualpath::{matrix, Activation};
/// use nalgebra::{dmatrix, dvector};
/// // Course 2, week 1: a batch of two examples through a linear layer of three units.
/// let x = dmatrix![1.0, 2.0, 3.0, 4.0; 5.0, 6.0, 7.0, 8.0];
/// let w = dmatrix![1.0, 2.0, 3.0; 4.0, 5.0, 6.0; 7.0, 8.0, 9.0; 10.0, 11.0, 12.0];
/// let out = matrix::dense_forward(&x, &w, &dvector![3.0, 5.0, 6.0], Activation::Linear);
/// assert_eq!(out.a, dmatrix![73.0, 85.0, 96.0; 161.0, 189.0, 216.0]);
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
    check_layer_shapes("matrix::dense_forward", a_in, w, b);
    let mut z = a_in * w; // (m, n_in)·(n_in, units) → (m, units)
    for (mut zj, &bj) in z.column_iter_mut().zip(b.iter()) {
        zj.add_scalar_mut(bj); // + B: b_j down column j
    }
    let mut a = DMatrix::zeros(z.nrows(), z.ncols());
    g.apply(z.as_slice(), a.as_mut_slice()); // A = g(Z), element by element
    LayerCache { z, a }
}

/// One dense layer backward for the whole batch, from `dA`:
/// `dZ = dA ⊙ g'(Z)`, then [`dense_backward_dz`].
///
/// Shapes: `da`, `z` `(m, units)`, `a_in (m, n_in)`, `w (n_in, units)` →
/// `da_in (m, n_in)` (when `need_da_in`), `dw (n_in, units)`, `db (units)`.
///
/// The course's NumPy: `dZ = dA * g_prime(A_in @ W + B)` (here `Z` comes from the forward cache).
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
    assert!(
        da.shape() == z.shape(),
        "matrix::dense_backward: dA is {:?} but Z is {:?}; they must match",
        da.shape(),
        z.shape()
    );
    let mut dz = DMatrix::zeros(z.nrows(), z.ncols());
    g.backprop(da.as_slice(), z.as_slice(), dz.as_mut_slice()); // dZ = dA ⊙ g'(Z), (m, units)
    dense_backward_dz(&dz, a_in, w, need_da_in)
}

/// One dense layer backward from `dZ` directly:
/// `dW = A_inᵀ·dZ`, `db = Σ_rows dZ`, `dA_in = dZ·Wᵀ`.
///
/// The course's NumPy: `dA_in = dZ @ W.T; dW = A_in.T @ dZ; dB = np.sum(dZ, axis=0)`.
///
/// # Panics
/// If the shapes do not fit.
pub fn dense_backward_dz<T: Real>(
    dz: &DMatrix<T>,
    a_in: &DMatrix<T>,
    w: &DMatrix<T>,
    need_da_in: bool,
) -> DenseBackward<T> {
    let (m, n_in) = a_in.shape();
    let units = w.ncols();
    assert!(
        w.nrows() == n_in && dz.shape() == (m, units),
        "matrix backward: A_in is ({m}, {n_in}), W is ({}, {units}) and dZ is {:?}; \
         need W (n_in, units) and dZ (m, units)",
        w.nrows(),
        dz.shape()
    );
    // The transposes are materialised: nalgebra's `tr_mul` and products with a
    // transposed view do not reach the fast blocked kernel.
    let dw = a_in.transpose() * dz; // (n_in, m)·(m, units) → (n_in, units)
    let db = dz.row_sum().transpose(); // Σ over rows: (m, units) → (units)
    let da_in = need_da_in.then(|| dz * w.transpose()); // (m, units)·(units, n_in) → (m, n_in)
    DenseBackward { da_in, dw, db }
}

/// The whole network forward, layer after layer, each layer by [`dense_forward`].
///
/// # Errors
/// If `x` is not `(m ≥ 1, n_in)` or holds a NaN or infinity.
pub fn forward<'x, T: Real>(net: &Network<T>, x: &'x DMatrix<T>) -> Result<Forward<'x, T>> {
    forward_through(net, x, dense_forward::<T>)
}

/// The whole network backward: the output layer's `dZ` from the loss, then
/// each layer by [`dense_backward_dz`] / [`dense_backward`], last to first.
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
