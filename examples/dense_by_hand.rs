//! One dense layer, computed by hand twice: by the per-unit loop and by the
//! matrix product, on the numbers of the Course 2, week 1 assignment's quick
//! checks.
//!
//! ```sh
//! cargo run --example dense_by_hand
//! ```
//!
//! The assignment builds its test values with `np.arange`:
//!
//! ```python
//! x_tst = 0.1*np.arange(1,3,1).reshape(2,)   # [0.1, 0.2]
//! W_tst = 0.1*np.arange(1,7,1).reshape(2,3)  # [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]
//! b_tst = 0.1*np.arange(1,4,1).reshape(3,)   # [0.1, 0.2, 0.3]
//! A_tst = my_dense(x_tst, W_tst, b_tst, sigmoid)
//! print(A_tst)                               # [0.54735762 0.57932425 0.61063923]
//! ```
//!
//! and then, for the vectorised `my_dense_v`, a batch of four examples
//! `X_tst = 0.1*np.arange(1,9,1).reshape(4,2)`.

use dualpath::nn::activation::sigmoid;
use dualpath::proof::bounds::{Agreement, dense_forward_bound};
use dualpath::{Activation, Dense, LayerCache, Scratch, matrix, sequential};
use nalgebra::{DMatrix, DVector};

/// `0.1*np.arange(1, n+1)`: the values `0.1·k` exactly as NumPy rounds them
/// (so `0.1*3` is `0.30000000000000004`, as in the assignment).
fn tenths(n: usize) -> Vec<f64> {
    (1..=n).map(|k| 0.1 * k as f64).collect()
}

/// A row printed the way NumPy prints it: 8 decimals, spaces between.
fn numpy_row(values: impl IntoIterator<Item = f64>) -> String {
    let cells: Vec<String> = values.into_iter().map(|v| format!("{v:.8}")).collect();
    format!("[{}]", cells.join(" "))
}

fn main() {
    // ---- One example, the loop: the notes' `dense(a_in, W, b, g)` ----------
    let x = tenths(2); // [0.1, 0.2]
    // Course literals are row-major; `from_row_slice` reads them that way.
    // (`DMatrix::from_vec` would read them column by column: a silent transpose.)
    let w = DMatrix::from_row_slice(2, 3, &tenths(6)); // (n_in, units) = (2, 3)
    let b = DVector::from_vec(tenths(3)); // (units) = (3)

    println!("x = {x:?}");
    println!("W (2, 3): column j holds unit j's weights");
    for r in 0..2 {
        println!("   {:?}", w.row(r).iter().collect::<Vec<_>>());
    }
    println!("b = {:?}", b.as_slice());
    println!();

    // The notes' loop, written out here one unit at a time, so that nothing
    // is hidden: z = np.dot(W[:,j], a_in) + b[j]; a_out[j] = g(z).
    println!("The loop, unit by unit:");
    let mut by_hand = Vec::new();
    for j in 0..w.ncols() {
        let wj = w.column(j); // W[:,j]: contiguous, nalgebra stores columns
        let z = wj[0] * x[0] + wj[1] * x[1] + b[j];
        let a = sigmoid(z);
        println!(
            "  unit {j}: z = {:.2}·{:.1} + {:.2}·{:.1} + {:.2} = {z:.4}   g(z) = {a:.8}",
            wj[0], x[0], wj[1], x[1], b[j]
        );
        by_hand.push(a);
    }

    // The crate's two kernels on a batch of one example: X is (1, 2). Each
    // writes Z and A into buffers we own; the scratch is the loop's rows.
    let x_row = DMatrix::from_row_slice(1, 2, &x);
    let layer = Dense::new(w.clone(), b.clone(), Activation::Sigmoid).expect("a valid layer");
    let mut scratch = Scratch::default();
    let (mut seq, mut mat) = (LayerCache::zeros(1, 3), LayerCache::zeros(1, 3));
    sequential::dense_forward(&mut seq, &mut scratch, &x_row, &layer);
    matrix::dense_forward(&mut mat, &mut scratch, &x_row, &layer);
    println!();
    println!(
        "sequential::dense_forward  {}",
        numpy_row(seq.a.iter().copied())
    );
    println!(
        "matrix::dense_forward      {}",
        numpy_row(mat.a.iter().copied())
    );
    println!("the assignment prints      [0.54735762 0.57932425 0.61063923]");

    let expected = [0.54735762, 0.57932425, 0.61063923];
    for j in 0..3 {
        for (who, a) in [
            ("by hand", by_hand[j]),
            ("sequential", seq.a[(0, j)]),
            ("matrix", mat.a[(0, j)]),
        ] {
            assert!(
                (a - expected[j]).abs() <= 5e-9,
                "{who}: unit {j} gives {a}, the assignment prints {} (to 8 decimals)",
                expected[j]
            );
        }
    }
    // The two kernels may add the products in different orders, so they are
    // held to the rounding bound 2·γ_{n_in+1}·(|A_in||W| + |B|) of docs/06,
    // not to equality. (With two inputs they happen to add in the same order
    // and agree to the bit.)
    let no_input_error = DMatrix::zeros(1, 2);
    let (z_bound, a_bound) = dense_forward_bound(
        &x_row,
        &no_input_error,
        &w,
        &b,
        Activation::Sigmoid,
        &mat.z,
        &mat.a,
    );
    let z_agree = Agreement::of(&seq.z, &mat.z, &z_bound);
    let a_agree = Agreement::of(&seq.a, &mat.a, &a_bound);
    println!(
        "paths differ by {:e} in Z (bound {:.1e}) and {:e} in A (bound {:.1e})",
        z_agree.max_diff, z_agree.max_bound, a_agree.max_diff, a_agree.max_bound
    );
    assert!(z_agree.holds(), "Z outside the rounding bound: {z_agree:?}");
    assert!(a_agree.holds(), "A outside the rounding bound: {a_agree:?}");

    // ---- A batch of four, the matrix form: `my_dense_v` ----------------------
    // Z = np.matmul(A_in, W) + B: (4, 2)·(2, 3) → (4, 3), then B adds b to every row.
    let xs = DMatrix::from_row_slice(4, 2, &tenths(8));
    let (mut seq, mut mat) = (LayerCache::zeros(4, 3), LayerCache::zeros(4, 3));
    sequential::dense_forward(&mut seq, &mut scratch, &xs, &layer);
    matrix::dense_forward(&mut mat, &mut scratch, &xs, &layer);
    println!();
    println!("A batch of four examples, X (4, 2) = 0.1*np.arange(1,9,1).reshape(4,2):");
    for i in 0..4 {
        println!(
            "  {}   loop {}",
            numpy_row(mat.a.row(i).iter().copied()),
            numpy_row(seq.a.row(i).iter().copied())
        );
    }
    // The assignment's printed result for my_dense_v on these inputs.
    let expected_batch = DMatrix::from_row_slice(
        4,
        3,
        &[
            0.54735762, 0.57932425, 0.61063923, //
            0.57199613, 0.61301418, 0.65248946, //
            0.5962827, 0.64565631, 0.6921095, //
            0.62010643, 0.67699586, 0.72908792,
        ],
    );
    for (path, a) in [("sequential", &seq.a), ("matrix", &mat.a)] {
        let worst = (a - &expected_batch).amax();
        assert!(
            worst <= 5e-9,
            "{path}: the batch differs from the assignment's printout by {worst:e}"
        );
    }
    let no_input_error = DMatrix::zeros(4, 2);
    let (_, a_bound) = dense_forward_bound(
        &xs,
        &no_input_error,
        &w,
        &b,
        Activation::Sigmoid,
        &mat.z,
        &mat.a,
    );
    let agree = Agreement::of(&seq.a, &mat.a, &a_bound);
    println!(
        "largest difference between the two paths: {:e} (bound {:.1e})",
        agree.max_diff, agree.max_bound
    );
    assert!(agree.holds(), "A outside the rounding bound: {agree:?}");
    println!();
    println!("dense_by_hand: every printed value matches the assignment.");
}
