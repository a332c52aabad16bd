//! The notes' "Sequential Backward Propagation", transcribed, beside the
//! correct loop and the notes' own matrix code, on one dense layer.
//!
//! ```sh
//! cargo run --example erratum
//! ```
//!
//! The notes' loop, for one example:
//!
//! ```python
//! for j in range(units):
//!     z = np.dot(W[:,j], A_in) + b[j]
//!     dA_in += dA[j] * W[:,j]          # needs dz_j = dA[j]·g'(z_j), not dA[j]
//!     dW[:,j] = dA[j] * A_in           # the same
//!     db[j] = dA[j] * g_prime(z)       # right
//! ```
//!
//! `z_j` is what depends on `W[:,j]`, `b_j` and `A_in`, so the chain rule
//! takes every one of their gradients through `dz_j = dA[j]·g'(z_j)`. The
//! notes apply `g'` to `db` only: their loop is right exactly when `g' = 1`,
//! a linear layer. Their matrix code, `dZ = dA * g_prime(A_in @ W + B)`
//! followed by `dZ @ W.T`, `A_in.T @ dZ`, `np.sum(dZ, axis=0)`, is right.

use dualpath::proof::bounds::{Agreement, dense_backward_dz_bound};
use dualpath::{
    Activation, Dense, DenseGradients, InputGradient, LayerCache, LayerState, Scratch, matrix,
    sequential,
};
use nalgebra::{DMatrix, DVector, dmatrix, dvector};

/// The notes' loop, as they write it, for one example `a_in` (length `n_in`).
/// Returns `(dA_in, dW, db)`.
fn notes_loop_backward(
    da: &[f64],
    a_in: &[f64],
    w: &DMatrix<f64>,
    b: &DVector<f64>,
    g: Activation,
) -> (Vec<f64>, DMatrix<f64>, Vec<f64>) {
    let (n_in, units) = w.shape();
    let mut da_in = vec![0.0; n_in];
    let mut dw = DMatrix::zeros(n_in, units);
    let mut db = vec![0.0; units];
    for j in 0..units {
        let wj = w.column(j);
        // z = np.dot(W[:,j], A_in) + b[j], with the loop path's own dot
        // product, so this z is the forward pass's z to the bit.
        let z = sequential::dot(wj.as_slice(), a_in) + b[j];
        for k in 0..n_in {
            da_in[k] += da[j] * wj[k]; // dA_in += dA[j] * W[:,j]
            dw[(k, j)] = da[j] * a_in[k]; // dW[:,j] = dA[j] * A_in
        }
        db[j] = da[j] * g.g_prime(z, g.g(z)); // db[j] = dA[j] * g_prime(z)
    }
    (da_in, dw, db)
}

fn show(name: &str, values: impl IntoIterator<Item = f64>) -> String {
    let cells: Vec<String> = values.into_iter().map(|v| format!("{v:>9.5}")).collect();
    format!("{name:<8}[{}]", cells.join(" "))
}

fn main() {
    // One example with three inputs, a layer of two units, and the gradient
    // dA that the layer above hands down.
    let a_in = dmatrix![0.5, -1.0, 2.0]; // (m, n_in) = (1, 3)
    let w = dmatrix![0.1, -0.2; 0.3, 0.4; -0.5, 0.6]; // (n_in, units) = (3, 2)
    let b = dvector![0.1, -0.1];
    let da = dmatrix![1.0, -0.5]; // (m, units) = (1, 2)

    for g in [Activation::Sigmoid, Activation::Linear] {
        println!("g = {g}");
        // Every backward below is handed the same Z, from the loop path's forward.
        let layer = Dense::new(w.clone(), b.clone(), g).expect("a valid layer");
        let mut scratch = Scratch::default();
        let mut fwd = LayerCache::zeros(1, 2);
        sequential::dense_forward(&mut fwd, &mut scratch, &a_in, &layer);
        let notes = notes_loop_backward(da.as_slice(), a_in.as_slice(), &w, &b, g);
        let at = LayerState {
            a_in: &a_in,
            cache: &fwd,
            layer: &layer,
        };
        // Each path writes dZ, dW, db and dA_in into buffers of its own.
        let mut dz_buf = DMatrix::zeros(1, 2);
        let (mut fixed, mut mat) = (DenseGradients::zeros(3, 2), DenseGradients::zeros(3, 2));
        let (mut fixed_da_in, mut mat_da_in) = (DMatrix::zeros(1, 3), DMatrix::zeros(1, 3));
        let into = InputGradient::Into(&mut fixed_da_in);
        sequential::dense_backward(&mut fixed, into, &mut scratch, &mut dz_buf, &da, at);
        let into = InputGradient::Into(&mut mat_da_in);
        matrix::dense_backward(&mut mat, into, &mut scratch, &mut dz_buf, &da, at);
        let (fixed_da_in, mat_da_in) = (&fixed_da_in, &mat_da_in);
        let gp: Vec<f64> = fwd.z.iter().map(|&z| g.g_prime(z, g.g(z))).collect();
        println!("  z = {:.5?}, g'(z) = {:.5?}", fwd.z.as_slice(), gp);
        println!("  dA_in:");
        println!("    {}", show("notes", notes.0.iter().copied()));
        println!("    {}", show("loop", fixed_da_in.iter().copied()));
        println!("    {}", show("matrix", mat_da_in.iter().copied()));
        println!("  dW (3, 2), row by row:");
        for r in 0..3 {
            let row = |m: &DMatrix<f64>| m.row(r).iter().copied().collect::<Vec<_>>();
            println!(
                "    {}   {}   {}",
                show("notes", row(&notes.1)),
                show("loop", row(&fixed.dw)),
                show("matrix", row(&mat.dw))
            );
        }
        println!("  db:");
        println!("    {}", show("notes", notes.2.iter().copied()));
        println!("    {}", show("loop", fixed.db.iter().copied()));
        println!("    {}", show("matrix", mat.db.iter().copied()));

        // How far apart may two correct computations be? The rounding bound
        // of docs/06, from the same data (zero input differences: both are
        // given the same dZ, A_in and W).
        let mut dz = DMatrix::zeros(1, 2);
        g.backprop(
            da.as_slice(),
            fwd.z.as_slice(),
            fwd.a.as_slice(),
            dz.as_mut_slice(),
        );
        let (bound_da_in, bound_dw, bound_db) = dense_backward_dz_bound(
            &dz,
            &DMatrix::zeros(1, 2),
            &a_in,
            &DMatrix::zeros(1, 3),
            &w,
            true,
        );
        let bound_da_in = bound_da_in.expect("asked for dA_in");
        let notes_da_in = DMatrix::from_row_slice(1, 3, &notes.0);
        let notes_db = DVector::from_vec(notes.2.clone());
        let checks = [
            (
                "loop dA_in",
                Agreement::of(fixed_da_in, mat_da_in, &bound_da_in),
            ),
            ("loop dW", Agreement::of(&fixed.dw, &mat.dw, &bound_dw)),
            ("loop db", Agreement::of(&fixed.db, &mat.db, &bound_db)),
            (
                "notes' dA_in",
                Agreement::of(&notes_da_in, mat_da_in, &bound_da_in),
            ),
            ("notes' dW", Agreement::of(&notes.1, &mat.dw, &bound_dw)),
            ("notes' db", Agreement::of(&notes_db, &mat.db, &bound_db)),
        ];
        println!("  against the matrix path (largest difference / rounding bound):");
        for (name, agr) in &checks {
            println!(
                "    {name:<13} {:>10.3e} / {:.1e}  {}",
                agr.max_diff,
                agr.max_bound,
                if agr.holds() { "within" } else { "OUTSIDE" }
            );
        }
        // The corrected loop, and the notes' db, always agree with the matrix path.
        for (name, agr) in &checks[..3] {
            assert!(
                agr.holds(),
                "{g}: {name} outside the rounding bound: {agr:?}"
            );
        }
        assert!(
            checks[5].1.holds(),
            "{g}: the notes' db is right: {:?}",
            checks[5].1
        );
        let notes_agree = checks[3].1.holds() && checks[4].1.holds();
        match g {
            Activation::Linear => {
                assert!(notes_agree, "linear: g' = 1, so the notes' loop is right");
                println!("  → linear: g'(z) = 1, so the notes' loop and the matrix path agree.");
            }
            _ => {
                // σ' ≤ 1/4: leaving it out makes dA_in and dW at least 4
                // times too large, far outside any rounding bound.
                assert!(
                    !notes_agree,
                    "{g}: the notes' loop should part from the matrix path"
                );
                println!(
                    "  → {g}: the notes' dA_in and dW miss the factor g'(z) and part from the matrix path."
                );
            }
        }
        println!();
    }
    println!(
        "erratum: the notes' loop is right only for g' = 1; the crate's loop matches the matrix path."
    );
}
