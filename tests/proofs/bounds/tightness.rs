//! Crafted sums whose every rounding goes the same way reach a stated fraction of the bound.

use super::exact::*;
use super::*;

// ---------------------------------------------------------------------------
// 3. Tightness: sums that round the same way at every step.

/// The spacing of `T`'s numbers just above `r > 0`.
pub(super) fn ulp_above<T: Real>(r: T) -> f64 {
    if T::NAME == "f32" {
        let r = r.as_f64() as f32;
        f64::from(f32::from_bits(r.to_bits() + 1)) - f64::from(r)
    } else {
        let r = r.as_f64();
        f64::from_bits(r.to_bits() + 1) - r
    }
}

/// `len` terms of about 1 whose running sum, added one after another from
/// zero in `T`, rounds down at every step by as much as the terms' grid
/// allows, and the sum of those rounding errors.
///
/// Step `k` with partial sum `s` (an integer, `k - 1`): `r = s + 1` is
/// representable, and the term `t = 1 + (ulp(r)/2 - g)`, with `g = 2u` the
/// spacing of numbers in `[1, 2)`, makes the exact sum `r + ulp(r)/2 - g`:
/// just below the midpoint, so it rounds down to `r` with error
/// `ulp(r)/2 - g = u·(2^e - 2)` for `r` in `[2^e, 2^{e+1})`, nearly half an
/// ulp, the most a rounding to nearest can lose (`u·2^e`) less the grid of
/// the terms. Summed over `k = 1..len` with `r = k`: `u·Σ_k (2^{⌊log₂k⌋} - 2)⁺`,
/// 21590·u for 256 terms and 310·u for 32, against `γ_n·Σ|t| ≈ n²·u`:
/// fractions 0.33 and 0.30 of a single chain's `γ`. The function checks
/// every step's rounding as it builds the terms.
pub(super) fn rounding_chain<T: Real>(len: usize) -> (Vec<T>, f64) {
    let g = 2.0 * unit_roundoff::<T>();
    let (mut s, mut total) = (T::zero(), 0.0);
    let mut terms = Vec::with_capacity(len);
    for _ in 0..len {
        let r = s + T::one();
        let lost = (ulp_above(r) / 2.0 - g).max(0.0);
        let t = T::of_f64((r.as_f64() - s.as_f64()) + lost);
        assert_eq!(s + t, r, "the chain's step rounds to r");
        let (hi, lo) = two_sum(s.as_f64(), t.as_f64());
        assert_eq!(
            (hi - r.as_f64()) + lo,
            lost,
            "the chain's step loses {lost:e}"
        );
        terms.push(t);
        total += lost;
        s = r;
    }
    (terms, total)
}

/// Each value of `chain` eight times over, `out[8q + l] = chain[q]`: in a
/// sum kept as eight running sums by `index mod 8`, every running sum is the
/// same chain, and adding the eight equal results pairwise is exact (`x + x
/// = 2x`), so the whole error is eight times the chain's.
pub(super) fn in_eight_lanes<T: Real>(chain: &[T]) -> Vec<T> {
    chain.iter().flat_map(|&c| [c; 8]).collect()
}

/// `Z`: row 0 of `A_in` is a 256-term chain, which the matrix path adds as
/// one chain of multiply-adds from zero (its kernel's block of 256 along
/// `k`; `W = 1`, so every product is exact, fused or not, and `b = 0` adds
/// nothing). Row 1 is a 32-term chain in eight lanes, which the loop
/// path's `sequential::dot` keeps as its eight running sums `s[k mod 8]`
/// (256 = 32·8: no tail). The path meant for a row must reach the
/// fraction of its share `γ_257·Σ|terms|` (`n_in + 1 = 257`) that its
/// construction guarantees (see `rounding_chain`): the matrix path
/// 21590/(257·256) = 0.328, asserted at least 1/4; the loop path
/// 8·310/(257·256) = 0.0377, asserted at least 1/32. The loop path cannot
/// come near the matrix path's fraction: its longest chains are 32
/// additions, so its error is at most about `γ_35·Σ|terms|`, 1/7 of
/// `γ_257`'s, and a chain rounding by nearly half an ulp at every step
/// reaches about a third of its own `γ`. A bound ten times too large fails both.
pub(super) fn z_tightness_for<T: Real>(worst: &mut Worst) {
    let n = 256;
    let (long, long_lost) = rounding_chain::<T>(n);
    let (short, short_lost) = rounding_chain::<T>(n / 8);
    let lanes = in_eight_lanes(&short);
    let a_in = DMatrix::from_fn(2, n, |i, k| if i == 0 { long[k] } else { lanes[k] });
    let w = DMatrix::from_element(n, 2, T::one());
    let b = DVector::zeros(2);
    let f_mat =
        forward_against_exact::<T, Matrices>(worst, "chain", &a_in, &w, &b, Activation::Linear);
    let f_seq =
        forward_against_exact::<T, Loops>(worst, "chain", &a_in, &w, &b, Activation::Linear);
    let size: f64 = long.iter().map(|t| t.as_f64()).sum();
    let expected = long_lost / (gamma_of::<T>(n + 1) * size);
    println!(
        "Z {} matrix chain: observed {:.4} of its share, construction {expected:.4}",
        T::NAME,
        f_mat[(0, 0)]
    );
    let size: f64 = lanes.iter().map(|t| t.as_f64()).sum();
    let expected = 8.0 * short_lost / (gamma_of::<T>(n + 1) * size);
    println!(
        "Z {} loop lanes:   observed {:.4} of its share, construction {expected:.4}",
        T::NAME,
        f_seq[(1, 0)]
    );
    for j in 0..2 {
        assert!(
            f_mat[(0, j)] >= 0.25,
            "{} matrix Z chain reaches only {}",
            T::NAME,
            f_mat[(0, j)]
        );
        assert!(
            f_seq[(1, j)] >= 1.0 / 32.0,
            "{} loop Z lanes reach only {}",
            T::NAME,
            f_seq[(1, j)]
        );
    }
}

/// `Z` where every product underflows: `a·w = η/2` exactly, which rounds
/// to 0 (ties to even), fused or not, so each path returns 0 for an exact
/// `n·η/2`. The bound's floor `(n_in + 1)·η` (its `γ` part is below `η`)
/// must cover it, with a share `(n_in + 1)·η/2`: the fraction is
/// `n/(n + 1)`, at least 0.98 for `n = 64`.
pub(super) fn z_underflow_for<T: Real>(worst: &mut Worst) {
    let n = 64;
    // η/2 = 2^-150 (f32) or 2^-1075 (f64), as a product of two normal numbers.
    let (ea, ew) = if T::NAME == "f32" {
        (-75, -75)
    } else {
        (-537, -538)
    };
    let a_in = DMatrix::from_element(2, n, T::of_f64(2f64.powi(ea)));
    let w = DMatrix::from_element(n, 2, T::of_f64(2f64.powi(ew)));
    let b = DVector::zeros(2);
    for path in ["loops", "matrix"] {
        let layer = kernels::layer(&w, &b, Activation::Linear);
        let got = if path == "loops" {
            kernels::forward::<T, Loops>(&a_in, &layer)
        } else {
            kernels::forward::<T, Matrices>(&a_in, &layer)
        };
        let zero = DMatrix::zeros(2, n);
        let (bz, _) = dense_forward_bound(&a_in, &zero, &w, &b, Activation::Linear, &got.z, &got.a);
        let exact = n as f64 * eta::<T>() / 2.0; // exactly representable in f64
        for (z, bound) in got.z.iter().zip(bz.iter()) {
            let diff = (z.as_f64() - exact).abs();
            // 2·diff/bound, not diff/(bound/2): halving a subnormal bound rounds.
            let f = 2.0 * diff / bound;
            assert!(
                f <= 1.0,
                "{} {path}: underflowed Z off by {diff:e}, bound {bound:e}",
                T::NAME
            );
            assert!(
                f >= 0.98,
                "{} {path}: underflowed Z reaches only {f} of its share",
                T::NAME
            );
            worst.see(format!("Z underflow {} {path}", T::NAME), f);
        }
    }
}

/// `dW`, `db` and `dA_in`, each from a 256-term chain with exact products:
/// - `dW = A_inᵀ·dZ` sums down the examples, on both paths one chain from
///   zero (the loop path's `dW[:,j] += dz_j·a_in`, example by example; the
///   matrix kernel's multiply-adds along its block of 256): `A_in`'s column
///   1 is ones and `dZ`'s column 2 the chain, so `dW[1, 2]` is the chain on
///   both paths, and so is `dW[0, 1]` (`A_in`'s column 0 the chain, `dZ`'s
///   column 1 ones). Share `γ_256·Σ|t|`: 21590/256² = 0.329, asserted 1/4.
/// - `db = Σ_rows dZ`: the loop path adds example by example, so `db[2]`
///   (the chain) reaches 21590/(255·256) = 0.331 of `γ_255`'s share for it,
///   asserted 1/4; the matrix path's `column_sum` keeps eight running sums
///   by `i mod 8`, so `dZ`'s column 0, a 32-term chain in eight lanes, makes
///   its `db[0]` reach 8·310/(255·256) = 0.038, asserted 1/32.
/// - `dA_in = dZ·Wᵀ` sums along the units: a second layer with 256 units,
///   `dZ`'s row 0 the chain and `W`'s row 0 ones, is one chain on both
///   paths (`da_in += dz_j·W[:,j]` unit by unit; the kernel's block):
///   0.329, asserted 1/4.
pub(super) fn backward_tightness_for<T: Real>(worst: &mut Worst) {
    let n = 256;
    let (chain, _) = rounding_chain::<T>(n);
    let (short, _) = rounding_chain::<T>(n / 8);
    let lanes = in_eight_lanes(&short);
    let one = T::one();
    let a_in = DMatrix::from_fn(n, 2, |i, k| if k == 0 { chain[i] } else { one });
    let dz = DMatrix::from_fn(n, 3, |i, j| [lanes[i], one, chain[i]][j]);
    let w = DMatrix::from_element(2, 3, one);
    let name = T::NAME;
    for (path, (f_dw, f_db, _)) in [
        (
            "loops",
            backward_against_exact::<T, Loops>(worst, "chain", &dz, &a_in, &w),
        ),
        (
            "matrix",
            backward_against_exact::<T, Matrices>(worst, "chain", &dz, &a_in, &w),
        ),
    ] {
        println!(
            "dW {name} {path} chain: {:.4}, {:.4} of its share",
            f_dw[(1, 2)],
            f_dw[(0, 1)]
        );
        assert!(
            f_dw[(1, 2)] >= 0.25 && f_dw[(0, 1)] >= 0.25,
            "{name} {path} dW chain: {f_dw}"
        );
        let (j, at_least) = if path == "loops" {
            (2, 0.25)
        } else {
            (0, 1.0 / 32.0)
        };
        println!("db {name} {path} chain: {:.4} of its share", f_db[j]);
        assert!(
            f_db[j] >= at_least,
            "{name} {path} db[{j}] reaches only {}",
            f_db[j]
        );
    }
    let dz = DMatrix::from_fn(2, n, |i, j| if i == 0 { chain[j] } else { one });
    let w = DMatrix::from_element(2, n, one);
    let a_in = DMatrix::from_element(2, 2, one);
    for (path, (_, _, f_da)) in [
        (
            "loops",
            backward_against_exact::<T, Loops>(worst, "chain", &dz, &a_in, &w),
        ),
        (
            "matrix",
            backward_against_exact::<T, Matrices>(worst, "chain", &dz, &a_in, &w),
        ),
    ] {
        println!(
            "dA_in {name} {path} chain: {:.4} of its share",
            f_da[(0, 0)]
        );
        assert!(
            f_da[(0, 0)] >= 0.25,
            "{name} {path} dA_in chain reaches only {}",
            f_da[(0, 0)]
        );
    }
}

#[test]
pub(super) fn crafted_sums_reach_a_stated_fraction_of_the_bound() {
    let mut worst = Worst::default();
    z_tightness_for::<f64>(&mut worst);
    z_tightness_for::<f32>(&mut worst);
    z_underflow_for::<f64>(&mut worst);
    z_underflow_for::<f32>(&mut worst);
    backward_tightness_for::<f64>(&mut worst);
    backward_tightness_for::<f32>(&mut worst);
    worst.print("crafted sums, worst over each path's elements");
}
