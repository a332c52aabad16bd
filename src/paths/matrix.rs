//! The matrix path: the whole batch at once, as the notes' "Matrix Forward
//! Propagation" and "Matrix Backward Propagation" write it.
//!
//! Each operation is one call: a matrix product, a column sum, or `g` over
//! every element. The products go to a blocked, packed, SIMD
//! matrix-multiply kernel ([`dualpath_kernels::gemm`], the same method as the
//! `matrixmultiply` crate nalgebra's `*` uses, and the same bits): that, not
//! a different formula, is where the speedup over the loop path comes from
//! (`docs/09-performance.md` explains how). They go through one private function, `product`, so that
//! the two transposed products of the backward pass and a batch of one
//! example are handled in one place; its comments say why.
//!
//! nalgebra does not broadcast, so `+ B` adds `b[j]` down column `j`
//! explicitly; `np.sum(dZ, axis=0)` is a sum down each column, `column_sum`.
//!
//! The functions mirror [`crate::paths::sequential`]: same names, same arguments,
//! same results. The kernels write into buffers their caller owns (the
//! contract is [`crate::paths::contract`]); the matrix path keeps its products' packed
//! panels in the `scratch` (the loop path, its per-example rows).

use super::buffers::{DenseGradients, InputGradient, LayerCache, LayerState, Scratch, Threads};
use super::contract;
use crate::nn::network::Dense;
use crate::real::Real;
use dualpath_kernels::gemm::{self, Operand};
use nalgebra::{DMatrix, DVectorView, DVectorViewMut};

/// One dense layer forward for the whole batch: `Z = A_in·W + B`, `A = g(Z)`.
///
/// Shapes: `a_in (m, n_in)`, the layer's `W (n_in, units)`, `b (units)` →
/// `out.z`, `out.a` each `(m, units)`.
///
/// The course's NumPy: `Z = np.matmul(A_in, W) + B; A_out = g(Z)`.
///
/// ```
/// use dualpath::{matrix, Activation, Dense, LayerCache, Scratch};
/// use nalgebra::{dmatrix, dvector};
/// // Course 2, week 1: a batch of two examples through a linear layer of three units.
/// let x = dmatrix![1.0, 2.0, 3.0, 4.0; 5.0, 6.0, 7.0, 8.0];
/// let w = dmatrix![1.0, 2.0, 3.0; 4.0, 5.0, 6.0; 7.0, 8.0, 9.0; 10.0, 11.0, 12.0];
/// let layer = Dense::new(w, dvector![3.0, 5.0, 6.0], Activation::Linear)?;
/// let mut out = LayerCache::zeros(2, 3);
/// matrix::dense_forward(&mut out, &mut Scratch::default(), &x, &layer);
/// assert_eq!(out.a, dmatrix![73.0, 85.0, 96.0; 161.0, 189.0, 216.0]);
/// # Ok::<(), dualpath::Error>(())
/// ```
///
/// # Panics
/// If the shapes do not fit (the message names them).
pub fn dense_forward<T: Real>(
    out: &mut LayerCache<T>,
    scratch: &mut Scratch<T>,
    a_in: &DMatrix<T>,
    layer: &Dense<T>,
) {
    contract::check_forward("matrix::dense_forward", out, a_in, layer);
    let threads = scratch.threaded();
    product(&mut out.z, a_in, AsStored, layer.w(), AsStored, &threads); // A_in·W: (m, n_in)·(n_in, units) → (m, units)
    let m = out.z.nrows();
    for (zj, &bj) in out
        .z
        .as_mut_slice()
        .chunks_exact_mut(m)
        .zip(layer.b().iter())
    {
        zj.iter_mut().for_each(|z| *z += bj); // + B: b_j down column j
    }
    layer.activation().activate(&out.z, &mut out.a); // A = g(Z), (m, units)
}

/// One dense layer backward for the whole batch, from `dA`:
/// `dZ = dA ⊙ g'(Z)` into `dz`, then [`dense_backward_dz`].
///
/// Shapes: `da` and the cache's `z` and `a` `(m, units)`, `a_in (m, n_in)`,
/// `W (n_in, units)` → `dz (m, units)`, `grads.dw (n_in, units)`,
/// `grads.db (units)`, and `da_in (m, n_in)` when asked for.
///
/// The course's NumPy: `dZ = dA * g_prime(A_in @ W + B)`. Here `Z` comes from
/// the forward cache, and the sigmoid's and tanh's `g'` from the cached `A`
/// ([`Activation::g_prime`](crate::Activation::g_prime)), as TensorFlow takes them.
///
/// # Panics
/// If the shapes do not fit.
pub fn dense_backward<T: Real>(
    grads: &mut DenseGradients<T>,
    da_in: InputGradient<'_, T>,
    scratch: &mut Scratch<T>,
    dz: &mut DMatrix<T>,
    da: &DMatrix<T>,
    at: LayerState<'_, T>,
) {
    contract::check_backward("matrix::dense_backward", Some(dz), grads, &da_in, da, &at);
    let g = at.layer.activation();
    let (z, a) = (at.cache.z.as_slice(), at.cache.a.as_slice());
    g.backprop(da.as_slice(), z, a, dz.as_mut_slice()); // dZ = dA ⊙ g'(Z), g' read from the cached A: (m, units)
    dense_backward_dz(grads, da_in, scratch, dz, at);
}

/// One dense layer backward from `dZ` directly:
/// `dW = A_inᵀ·dZ`, `db = Σ_rows dZ`, `dA_in = dZ·Wᵀ`.
///
/// The course's NumPy: `dA_in = dZ @ W.T; dW = A_in.T @ dZ; dB = np.sum(dZ, axis=0)`.
///
/// # Panics
/// If the shapes do not fit.
pub fn dense_backward_dz<T: Real>(
    grads: &mut DenseGradients<T>,
    da_in: InputGradient<'_, T>,
    scratch: &mut Scratch<T>,
    dz: &DMatrix<T>,
    at: LayerState<'_, T>,
) {
    contract::check_backward("matrix::dense_backward_dz", None, grads, &da_in, dz, &at);
    let threads = scratch.threaded();
    // Both transposes are read in place by the kernel: see `product`.
    product(&mut grads.dw, at.a_in, Transposed, dz, AsStored, &threads); // A_inᵀ·dZ: (n_in, m)·(m, units) → (n_in, units)
    let m = dz.nrows();
    for (dbj, dzj) in grads.db.iter_mut().zip(dz.as_slice().chunks_exact(m)) {
        *dbj = column_sum(dzj); // Σ over rows: (m, units) → (units)
    }
    if let InputGradient::Into(d) = da_in {
        product(d, dz, AsStored, at.layer.w(), Transposed, &threads); // dZ·Wᵀ: (m, units)·(units, n_in) → (m, n_in)
    }
}

/// The sum of one column, as eight running sums: value `i` goes to sum
/// `i mod 8`, and the eight are added pairwise at the end,
/// `((s₀ + s₁) + (s₂ + s₃)) + ((s₄ + s₅) + (s₆ + s₇))`.
///
/// One running sum would make every addition wait for the one before; eight
/// independent ones become one vector addition per eight values. The order
/// is fixed by the code, not by the vector width, so every processor gives
/// the same bits. The loop path adds in example order; the two differ by
/// rounding, within the sum bound of `docs/06-what-identical-means.md`.
fn column_sum<T: Real>(column: &[T]) -> T {
    let mut s = [T::zero(); 8];
    let mut chunks = column.chunks_exact(8);
    for chunk in &mut chunks {
        for (s, &v) in s.iter_mut().zip(chunk) {
            *s += v;
        }
    }
    for (s, &v) in s.iter_mut().zip(chunks.remainder()) {
        *s += v;
    }
    ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))
}

/// The course's `eval_mse` (week 3) on whole vectors: `Σ(ŷ - y)² / (2m)`,
/// NumPy's `np.sum((yhat - y)**2) / (2*m)`. See [`crate::paths::sequential::eval_mse`]
/// for the loop; note the ½, which Keras' `MeanSquaredError` does not have.
///
/// ```
/// use dualpath::matrix::eval_mse;
/// assert!((eval_mse(&[2.3, 4.1], &[2.4, 4.2]) - 0.005).abs() < 1e-15);
/// ```
///
/// # Panics
/// If the lengths differ or there are none.
pub fn eval_mse(y: &[f64], yhat: &[f64]) -> f64 {
    assert!(
        y.len() == yhat.len() && !y.is_empty(),
        "eval_mse: {} targets and {} predictions; need as many, and at least one",
        y.len(),
        yhat.len()
    );
    let (y, yhat) = (
        DVectorView::from_slice(y, y.len()),
        DVectorView::from_slice(yhat, yhat.len()),
    );
    (yhat - y).norm_squared() / (2.0 * y.len() as f64) // (m,) - (m,) → (m,) → Σ squares
}

/// The course's `eval_cat_err` (week 3) on whole vectors: the mean of
/// `yhat != y`, NumPy's `np.mean(yhat != y)`. See [`crate::paths::sequential::eval_cat_err`].
///
/// ```
/// use dualpath::matrix::eval_cat_err;
/// assert_eq!(eval_cat_err(&[1, 2, 3, 4], &[1, 2, 0, 0]), 0.5);
/// ```
///
/// # Panics
/// If the lengths differ or there are none.
pub fn eval_cat_err(y: &[usize], yhat: &[usize]) -> f64 {
    assert!(
        y.len() == yhat.len() && !y.is_empty(),
        "eval_cat_err: {} classes and {} predictions; need as many, and at least one",
        y.len(),
        yhat.len()
    );
    let wrong = y.iter().zip(yhat).filter(|(a, b)| a != b).count(); // (m,) != (m,) → count
    wrong as f64 / y.len() as f64
}

/// How [`product`] reads one of its factors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Read {
    /// The matrix as stored.
    AsStored,
    /// Its transpose, read in place (nothing is copied).
    Transposed,
}
use Read::{AsStored, Transposed};

/// `C = op(A)·op(B)`, each factor read as stored or transposed: the three
/// products of the notes, `A_in·W`, `A_inᵀ·dZ` and `dZ·Wᵀ`, written into `c`.
///
/// **The kernel.** A product of two matrices goes to [`dualpath_kernels::gemm`], a
/// blocked, packed matrix-multiply kernel with vector microkernels
/// (AVX-512 or AVX2 where the processor has them). It packs into the
/// scratch's buffers, so a product allocates nothing once they have grown.
/// On a scratch with several threads, a large product's columns are shared
/// out among them ([`gemm::gemm_on`]); each element is still one thread's
/// whole sum, so the bits do not change. A transpose is the same memory with the row and column
/// strides swapped, so `A_inᵀ·dZ` and `dZ·Wᵀ` are read in place, never
/// copied, and run as fast as `A_in·W`. (nalgebra's own `a.tr_mul(&b)` runs
/// a dot product per element, and `a.transpose() * &b` copies `aᵀ` first:
/// `docs/09-performance.md` has what each cost when measured.)
///
/// **A factor that is a single row or column** (a batch of one example, or a
/// layer of one unit) makes the product a matrix-vector product, BLAS's
/// `gemv`, which nalgebra's `gemv`/`gemv_tr` compute. A matrix-matrix kernel
/// first packs both factors into cache-sized blocks so that each block is
/// reused many times; with one row nothing is reused, and the packing is
/// pure cost (`cargo bench -- batch1_product` times the two, and
/// `docs/09-performance.md` reports it).
///
/// # Panics
/// If the inner dimensions differ or `c` is not `(m, n)` (a bug in the
/// caller: the kernels check shapes first).
fn product<T: Real>(
    c: &mut DMatrix<T>,
    a: &DMatrix<T>,
    read_a: Read,
    b: &DMatrix<T>,
    read_b: Read,
    threads: &Threads<'_, T>,
) {
    let (oa, ob) = (operand(a, read_a), operand(b, read_b));
    let (m, k, k_b, n) = (oa.rows, oa.cols, ob.rows, ob.cols);
    assert!(
        k == k_b && c.shape() == (m, n),
        "product: op(A) is ({m}, {k}) and op(B) is ({k_b}, {n}), but C is {:?}",
        c.shape()
    );
    if m == 1 || n == 1 {
        // The vector factor (one row or column, as stored or transposed) is k
        // contiguous values, and so is the result.
        let x = DVectorView::from_slice(if m == 1 { a } else { b }.as_slice(), k);
        // gemv computes y = α·op(M)·x + β·y; with y zeroed first it gives
        // exactly α·op(M)·x, whatever the buffer held before.
        c.fill(T::zero());
        let mut y = DVectorViewMut::from_slice(c.as_mut_slice(), m * n);
        let (one, zero) = (T::one(), T::zero());
        match (m == 1, read_a, read_b) {
            (true, _, AsStored) => y.gemv_tr(one, b, &x, zero), // cᵀ = Bᵀ·aᵀ
            (true, _, Transposed) => y.gemv(one, b, &x, zero),  // cᵀ = B·aᵀ
            (false, AsStored, _) => y.gemv(one, a, &x, zero),   // c = A·b
            (false, Transposed, _) => y.gemv_tr(one, a, &x, zero), // c = Aᵀ·b
        }
        return;
    }
    // Split by blocks of C's columns, never along the sum: the same bits on
    // any number of threads (`gemm_on`; one thread runs `gemm` itself).
    gemm::gemm_on_from(
        threads.min_work,
        threads.pool,
        c.as_mut_slice(),
        oa,
        ob,
        threads.packs,
    );
}

/// A matrix as a factor of [`gemm::gemm`]. Column-major: element `(i, j)` of
/// an `(r, ·)` matrix is at `i + j·r`, so its row stride is 1 and its column
/// stride `r`; its transpose swaps the two.
fn operand<T: Real>(x: &DMatrix<T>, read: Read) -> Operand<'_, T> {
    let (rows, cols) = x.shape();
    match read {
        AsStored => Operand {
            data: x.as_slice(),
            rows,
            cols,
            rs: 1,
            cs: rows,
        },
        Transposed => Operand {
            data: x.as_slice(),
            rows: cols,
            cols: rows,
            rs: rows,
            cs: 1,
        },
    }
}
