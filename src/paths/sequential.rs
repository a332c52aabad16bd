//! The loop path: one example at a time, one unit at a time, as the notes'
//! "Sequential Forward Propagation" and (corrected) "Sequential Backward
//! Propagation" write it.
//!
//! Nothing here calls the matrix path or allocates. The loops read memory in
//! order: `W[:,j]` is a contiguous column of the column-major kernel, and
//! each example's row of `A_in` (strided in a column-major matrix) is first
//! copied into a row of the caller's [`Scratch`], reused for every example.
//! These are the loops a careful programmer would write; the benchmarks
//! compare them with the matrix path as equals.
//!
//! The functions mirror [`crate::paths::matrix`]: same names, same arguments, same
//! results, so reading the two modules side by side is the lesson. The
//! kernels write into buffers their caller owns (the contract is
//! [`crate::paths::contract`]); [`crate::Path`] walks the layers with them.

use super::buffers::{
    DenseGradients, InputGradient, LayerCache, LayerState, Scratch, Threads, lock,
};
use super::contract;
use crate::nn::network::Dense;
use crate::real::Real;
use dualpath_kernels::threads::Split;
use nalgebra::DMatrix;

/// `Σₖ x[k]·y[k]`: the notes' `np.dot(W[:,j], a_in)`.
///
/// Like the BLAS `ddot` behind NumPy's `np.dot`, it keeps eight running sums,
/// one for each `k mod 8`, and adds them at the end, together with the last
/// `len mod 8` products (summed in order). One running sum would make every addition wait
/// for the one before (a few cycles each); eight independent sums let the
/// processor overlap them and let the compiler put them in vector registers
/// (`docs/09-performance.md` measures the difference), so the loop path is
/// timed with the dot product a careful programmer would write.
///
/// The order of the additions changes the rounding, not the value: the
/// rounding bound ([`crate::proof::bounds`]) holds for any order, and on exactly
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
/// `z_j = W[:,j]·a_in + b_j` for every unit `j`, then `a = g(z)`.
///
/// Shapes: `a_in (m, n_in)`, the layer's `W (n_in, units)`, `b (units)` →
/// `out.z`, `out.a` each `(m, units)`.
///
/// The course's NumPy, for one example:
/// ```python
/// for j in range(units):
///     z = np.dot(W[:,j], a_in) + b[j]
///     a_out[j] = g(z)
/// ```
/// Here every `z_j` of the example is computed first and then the row is
/// activated: for the course's element-wise activations that is the same
/// `a_j = g(z_j)`, unit by unit.
///
/// ```
/// use dualpath::{sequential, Activation, Dense, LayerCache, Scratch};
/// use nalgebra::{dmatrix, dvector};
/// // Course 2, week 1: x = [1, 2, 3, 4], W = four rows of [1, 2], b = [3, 5].
/// let x = dmatrix![1.0, 2.0, 3.0, 4.0];
/// let w = dmatrix![1.0, 2.0; 1.0, 2.0; 1.0, 2.0; 1.0, 2.0];
/// let layer = Dense::new(w, dvector![3.0, 5.0], Activation::Linear)?;
/// let mut out = LayerCache::zeros(1, 2);
/// sequential::dense_forward(&mut out, &mut Scratch::default(), &x, &layer);
/// assert_eq!(out.a, dmatrix![13.0, 25.0]); // 1+2+3+4+3, 2·10+5
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
    contract::check_forward("sequential::dense_forward", out, a_in, layer);
    let threads = scratch.threaded();
    if threads.count() > 1 && split_pays(&threads, a_in.ncols(), layer.units(), a_in.nrows()) {
        return dense_forward_on_threads(out, &threads, a_in, layer);
    }
    let (m, n_in) = a_in.shape();
    let (w, b, g) = (layer.w(), layer.b(), layer.activation());
    let units = w.ncols();
    let rows = scratch.rows(n_in, units);
    let (x, z, a) = (rows.x, rows.z, rows.a); // one example's a_in, z and a, contiguous
    for i in 0..m {
        for (k, xk) in x.iter_mut().enumerate() {
            *xk = a_in[(i, k)];
        }
        for (j, zj) in z.iter_mut().enumerate() {
            *zj = dot(column(w, j), x) + b[j]; // z = np.dot(W[:,j], a_in) + b[j]
        }
        g.activate_row(z, a); // a_out[j] = g(z), for every unit j
        for j in 0..units {
            out.z[(i, j)] = z[j];
            out.a[(i, j)] = a[j];
        }
    }
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
/// Shapes: `da` and the cache's `z` `(m, units)`, `a_in (m, n_in)`,
/// `W (n_in, units)` → `dz (m, units)`, `grads.dw (n_in, units)`,
/// `grads.db (units)`, and `da_in (m, n_in)` when asked for.
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
    contract::check_backward(
        "sequential::dense_backward",
        Some(dz),
        grads,
        &da_in,
        da,
        &at,
    );
    let (z, a, g) = (&at.cache.z, &at.cache.a, at.layer.activation());
    let (m, units) = da.shape();
    // Unit by unit, down each column: the matrices are stored column by
    // column, so this reads and writes memory in order. Each dz_j stands
    // alone, so the order changes nothing else.
    for j in 0..units {
        for i in 0..m {
            // dz_j = da_j · g'(z_j), with g' read from the cached a_j = g(z_j)
            dz[(i, j)] = da[(i, j)] * g.g_prime(z[(i, j)], a[(i, j)]);
        }
    }
    dense_backward_dz(grads, da_in, scratch, dz, at);
}

/// One dense layer backward from `dZ` directly, per example and per unit:
/// `da_in += dz_j·W[:,j]`, `dW[:,j] += dz_j·a_in`, `db_j += dz_j`. The output
/// layer starts here, because [`Loss::output_dz`](crate::Loss::output_dz)
/// supplies its `dZ` for the whole batch.
///
/// # Panics
/// If the shapes do not fit.
pub fn dense_backward_dz<T: Real>(
    grads: &mut DenseGradients<T>,
    mut da_in: InputGradient<'_, T>,
    scratch: &mut Scratch<T>,
    dz: &DMatrix<T>,
    at: LayerState<'_, T>,
) {
    contract::check_backward(
        "sequential::dense_backward_dz",
        None,
        grads,
        &da_in,
        dz,
        &at,
    );
    let (m, n_in) = at.a_in.shape();
    let w = at.layer.w();
    let units = w.ncols();
    let threads = scratch.threaded();
    if threads.count() > 1 && split_pays(&threads, n_in, units, m) {
        return dense_backward_dz_on_threads(grads, da_in, &threads, dz, at);
    }
    let rows = scratch.rows(n_in, units);
    let (x, dx) = (rows.x, rows.dx); // this example's a_in, and its da_in summed over units
    let want_da_in = matches!(da_in, InputGradient::Into(_));
    grads.dw.fill(T::zero());
    grads.db.fill(T::zero());
    for i in 0..m {
        for (k, xk) in x.iter_mut().enumerate() {
            *xk = at.a_in[(i, k)];
        }
        dx.fill(T::zero());
        for j in 0..units {
            let dzj = dz[(i, j)];
            if want_da_in {
                // da_in += dz_j * W[:,j]
                for (dxk, &wk) in dx.iter_mut().zip(column(w, j)) {
                    *dxk += dzj * wk;
                }
            }
            // dW[:,j] += dz_j * a_in
            let dwj = &mut grads.dw.as_mut_slice()[j * n_in..(j + 1) * n_in];
            for (dwk, &xk) in dwj.iter_mut().zip(x.iter()) {
                *dwk += dzj * xk;
            }
            grads.db[j] += dzj; // db_j += dz_j
        }
        if let InputGradient::Into(d) = &mut da_in {
            for (k, &dxk) in dx.iter().enumerate() {
                d[(i, k)] = dxk;
            }
        }
    }
}

/// Whether a layer of `units` units on `n_in` inputs, over `m` examples, is
/// worth splitting across threads: `m·n_in·units` multiply-adds, at least
/// the matrix path's threshold (by default
/// [`PARALLEL_MIN_WORK`](dualpath_kernels::gemm::PARALLEL_MIN_WORK)). The
/// loop path is slower per multiply-add, but each of its threads also
/// copies every example's row and walks every example: below that, two
/// threads measured slower than one (`docs/performance.md`, "Parallel").
fn split_pays<T>(threads: &Threads<'_, T>, n_in: usize, units: usize, m: usize) -> bool {
    m.saturating_mul(n_in).saturating_mul(units) >= threads.min_work
}

/// [`dense_forward`] on several threads: the units of a layer are
/// independent, so each thread takes a range of them and computes their
/// `z_j = W[:,j]·a_in + b_j` for every example, with the same [`dot`] in the
/// same order as one thread does. Then `a = g(z)` by examples (a softmax
/// needs a whole row), each thread a range of rows. Every value is the same
/// bits as on one thread.
fn dense_forward_on_threads<T: Real>(
    out: &mut LayerCache<T>,
    threads: &Threads<'_, T>,
    a_in: &DMatrix<T>,
    layer: &Dense<T>,
) {
    let (m, n_in) = a_in.shape();
    let (w, b, g) = (layer.w(), layer.b(), layer.activation());
    let units = w.ncols();
    let by_units = Split::new(units, threads.count());
    threads
        .pool
        .columns(out.z.as_mut_slice(), m, by_units, &|p, z_block| {
            let mut lane = lock(&threads.lanes[p]);
            let x = lane.rows(n_in, units).x; // this thread's copy of one example's a_in
            let first = by_units.range(p).start;
            for i in 0..m {
                for (k, xk) in x.iter_mut().enumerate() {
                    *xk = a_in[(i, k)];
                }
                for (jj, zj) in z_block.chunks_exact_mut(m).enumerate() {
                    let j = first + jj;
                    zj[i] = dot(column(w, j), x) + b[j]; // z = np.dot(W[:,j], a_in) + b[j]
                }
            }
        });
    let z_all = &out.z;
    threads.pool.rows(
        out.a.as_mut_slice(),
        Split::new(m, threads.count()),
        &|p, mut a_rows| {
            let mut lane = lock(&threads.lanes[p]);
            let rows = lane.rows(n_in, units);
            let (z, a) = (rows.z, rows.a);
            for i in a_rows.range() {
                for (j, zj) in z.iter_mut().enumerate() {
                    *zj = z_all[(i, j)];
                }
                g.activate_row(z, a); // a_out[j] = g(z), for every unit j
                a_rows.set_row(i, a);
            }
        },
    );
}

/// [`dense_backward_dz`] on several threads. `dW[:,j]` and `db_j` belong to
/// unit `j` alone, so each thread takes a range of units and sums their
/// `dz_j·a_in` and `dz_j` over the examples, in example order, as one thread
/// does. `dA_in` is a sum over units, which is never split: each thread
/// takes a range of examples and, for each, adds `dz_j·W[:,j]` over every
/// unit in unit order, as one thread does. So the bits do not depend on the
/// number of threads.
fn dense_backward_dz_on_threads<T: Real>(
    grads: &mut DenseGradients<T>,
    da_in: InputGradient<'_, T>,
    threads: &Threads<'_, T>,
    dz: &DMatrix<T>,
    at: LayerState<'_, T>,
) {
    let (m, n_in) = at.a_in.shape();
    let w = at.layer.w();
    let units = w.ncols();
    let by_units = Split::new(units, threads.count());
    let db = &mut grads.db;
    threads
        .pool
        .columns(grads.dw.as_mut_slice(), n_in, by_units, &|p, dw_block| {
            let mut lane = lock(&threads.lanes[p]);
            let x = lane.rows(n_in, units).x;
            let first = by_units.range(p).start;
            dw_block.fill(T::zero());
            for i in 0..m {
                for (k, xk) in x.iter_mut().enumerate() {
                    *xk = at.a_in[(i, k)];
                }
                for (jj, dwj) in dw_block.chunks_exact_mut(n_in).enumerate() {
                    let dzj = dz[(i, first + jj)];
                    // dW[:,j] += dz_j * a_in
                    for (dwk, &xk) in dwj.iter_mut().zip(x.iter()) {
                        *dwk += dzj * xk;
                    }
                }
            }
        });
    // db_j += dz_j over the examples, in order: a unit's sum, by units.
    threads
        .pool
        .columns(db.as_mut_slice(), 1, by_units, &|p, db_block| {
            let first = by_units.range(p).start;
            for (jj, dbj) in db_block.iter_mut().enumerate() {
                *dbj = T::zero();
                for i in 0..m {
                    *dbj += dz[(i, first + jj)];
                }
            }
        });
    if let InputGradient::Into(d) = da_in {
        let by_examples = Split::new(m, threads.count());
        threads
            .pool
            .rows(d.as_mut_slice(), by_examples, &|p, mut d_rows| {
                let mut lane = lock(&threads.lanes[p]);
                let dx = lane.rows(n_in, units).dx; // this example's da_in, summed over units
                for i in d_rows.range() {
                    dx.fill(T::zero());
                    for j in 0..units {
                        let dzj = dz[(i, j)];
                        // da_in += dz_j * W[:,j]
                        for (dxk, &wk) in dx.iter_mut().zip(column(w, j)) {
                            *dxk += dzj * wk;
                        }
                    }
                    d_rows.set_row(i, dx);
                }
            });
    }
}

/// The course's `eval_mse` (week 3): half the mean squared error of
/// predictions `yhat` against targets `y`, as the assignment writes it, one
/// example at a time:
///
/// ```python
/// for i in range(m):
///     err += (yhat[i] - y[i])**2
/// err = err / (2*m)
/// ```
///
/// Note the ½: Keras' `MeanSquaredError` has none.
///
/// ```
/// use dualpath::sequential::eval_mse;
/// assert!((eval_mse(&[2.3, 4.1], &[2.4, 4.2]) - 0.005).abs() < 1e-15); // (0.1² + 0.1²)/(2·2)
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
    let m = y.len();
    let mut err = 0.0;
    for i in 0..m {
        err += (yhat[i] - y[i]) * (yhat[i] - y[i]);
    }
    err / (2.0 * m as f64)
}

/// The course's `eval_cat_err` (week 3): the fraction of examples whose
/// predicted class `yhat[i]` is not their class `y[i]`, one at a time:
///
/// ```python
/// for i in range(m):
///     if yhat[i] != y[i]:
///         incorrect += 1
/// cerr = incorrect / m
/// ```
///
/// ```
/// use dualpath::sequential::eval_cat_err;
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
    let m = y.len();
    let mut incorrect = 0;
    for i in 0..m {
        if yhat[i] != y[i] {
            incorrect += 1;
        }
    }
    incorrect as f64 / m as f64
}
