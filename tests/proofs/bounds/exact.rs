//! Each path's own error against an exact reference, within its share of the bound.

use super::*;

// ---------------------------------------------------------------------------
// 2. Each path against the exact result.

/// `(s, e)` with `s = fl(a + b)` and `s + e = a + b` exactly (Knuth's
/// TwoSum, Higham §4.3).
pub(super) fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// A dot product in about twice `f64`'s precision, kept as the unevaluated
/// sum `hi + lo`, with a bound on its own error.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Exact {
    pub(super) hi: f64,
    pub(super) lo: f64,
    /// Bound on `|hi + lo - exact|`.
    pub(super) err: f64,
}

impl Exact {
    /// `|got - (hi + lo)|`, to within a relative `2u₆₄` of itself: `got - hi`
    /// is split exactly by TwoSum, so only the last two roundings remain.
    fn distance(&self, got: f64) -> f64 {
        let (d, e) = two_sum(got, -self.hi);
        (d + (e - self.lo)).abs()
    }
}

/// `Σ x_k·y_k` by Dot2 (Ogita, Rump and Oishi, "Accurate sum and dot
/// product", SIAM J. Sci. Comput. 26(6), 2005, §5) without its final
/// rounding: each product split exactly into `p + e` by TwoProduct (here one
/// fused multiply-add, exact unless it underflows, which the cases here
/// avoid), the `p` summed by TwoSum into `hi`, every error term gathered in
/// `lo`. Then `hi + lo` is within `γ_n²·Σ|x_k·y_k|` of the exact value
/// (`f64`'s `γ`; their bound `u·|xᵀy| + γ_n²·|x|ᵀ|y|` less the final
/// rounding's `u·|xᵀy|`); `err` is twice that, for the rounding of the
/// `f64` sum of sizes. For `f32` inputs every product is exact in `f64`.
pub(super) fn dot2(pairs: impl IntoIterator<Item = (f64, f64)>) -> Exact {
    let (mut s, mut c, mut size, mut n) = (0.0, 0.0, 0.0, 0usize);
    for (x, y) in pairs {
        let p = x * y;
        let ep = x.mul_add(y, -p);
        let (t, es) = two_sum(s, p);
        s = t;
        c += ep + es;
        size += p.abs();
        n += 1;
    }
    let g = gamma64(n);
    Exact {
        hi: s,
        lo: c,
        err: 2.0 * g * g * size,
    }
}

/// The worst fraction of its share each path used, for the report.
#[derive(Default)]
pub(super) struct Worst(Vec<(String, f64)>);

impl Worst {
    pub(super) fn see(&mut self, what: String, fraction: f64) {
        match self.0.iter_mut().find(|(w, _)| *w == what) {
            Some((_, f)) => *f = f.max(fraction),
            None => self.0.push((what, fraction)),
        }
    }

    pub(super) fn print(&self, title: &str) {
        println!("{title}: observed error ÷ the path's share of the bound");
        for (what, f) in &self.0 {
            println!("  {what:<40} {f:.4}");
        }
    }
}

/// Asserts `|got - exact| ≤ share + exact.err` and returns the fraction
/// `|got - exact| / share`.
pub(super) fn within_share(what: &str, got: f64, exact: Exact, share: f64) -> f64 {
    let diff = exact.distance(got);
    let slack = exact.err + 2.0 * unit_roundoff::<f64>() * diff;
    assert!(
        diff <= share + slack,
        "{what}: the path is {diff:e} from the exact {:e}, its share of the bound is {share:e}",
        exact.hi
    );
    if diff == 0.0 { 0.0 } else { diff / share }
}

/// `Z = A_in·W + b`, every element exactly (up to `Exact::err`).
pub(super) fn exact_z<T: Real>(
    a_in: &DMatrix<T>,
    w: &DMatrix<T>,
    b: &DVector<T>,
) -> DMatrix<Exact> {
    DMatrix::from_fn(a_in.nrows(), w.ncols(), |i, j| {
        dot2(
            (0..a_in.ncols())
                .map(|k| (a_in[(i, k)].as_f64(), w[(k, j)].as_f64()))
                .chain([(b[j].as_f64(), 1.0)]),
        )
    })
}

/// `g` of an exact `z`: linear and relu exactly; `σ` and `tanh` (for `f32`
/// paths only) by `f64`'s functions of `hi + lo`, which are within a few
/// `f64` ulps (`2⁻²⁹` of `f32`'s `u`): allowed `16·u₆₄·|g|`, plus the slope
/// times `z`'s own error and the rounding of `hi + lo`.
pub(super) fn g_exact(g: Activation, z: Exact) -> Exact {
    let u64 = unit_roundoff::<f64>();
    let zero = Exact {
        hi: 0.0,
        lo: 0.0,
        err: 0.0,
    };
    let v = z.hi + z.lo;
    let a = match g {
        Activation::Linear => return z,
        Activation::Relu if v > 0.0 => return z,
        Activation::Relu if v < 0.0 => return zero,
        Activation::Relu => {
            return Exact {
                err: z.err + z.lo.abs(),
                ..zero
            };
        }
        Activation::Sigmoid if v >= 0.0 => 1.0 / (1.0 + (-v).exp()),
        Activation::Sigmoid => v.exp() / (1.0 + v.exp()),
        Activation::Tanh => v.tanh(),
        Activation::Softmax => unreachable!(),
    };
    let lip = lip_err(g).0;
    Exact {
        hi: a,
        lo: 0.0,
        err: lip * (z.err + u64 * v.abs()) + 16.0 * u64 * a.abs(),
    }
}

/// One path's forward on `(a_in, w, b)` against the exact `Z` (and, where
/// `g` is exactly computable here, `A`), within half of each bound.
pub(super) fn forward_against_exact<T: Real, K: OnPath>(
    worst: &mut Worst,
    case: &str,
    a_in: &DMatrix<T>,
    w: &DMatrix<T>,
    b: &DVector<T>,
    g: Activation,
) -> DMatrix<f64> {
    let path = if K::PATH == dualpath::Path::Matrix {
        "matrix"
    } else {
        "loops"
    };
    let layer = kernels::layer(w, b, g);
    let got = kernels::forward::<T, K>(a_in, &layer);
    let mat = kernels::forward::<T, Matrices>(a_in, &layer);
    let zero = DMatrix::zeros(a_in.nrows(), a_in.ncols());
    let (bz, ba) = dense_forward_bound(a_in, &zero, w, b, g, &mat.z, &mat.a);
    let exact = exact_z(a_in, w, b);
    let mut fractions = DMatrix::zeros(bz.nrows(), bz.ncols());
    // A's exact value: g exactly computable in f64 only for f32 paths
    // (sigmoid, tanh) or for linear and relu in either type.
    let a_checked = T::NAME == "f32" || matches!(g, Activation::Linear | Activation::Relu);
    for i in 0..bz.nrows() {
        for j in 0..bz.ncols() {
            let what = format!("{case} {} {path} Z[{i}, {j}]", T::NAME);
            let f = within_share(
                &what,
                got.z[(i, j)].as_f64(),
                exact[(i, j)],
                bz[(i, j)] / 2.0,
            );
            fractions[(i, j)] = f;
            worst.see(format!("Z {} {path}", T::NAME), f);
            if a_checked {
                let a_exact = g_exact(g, exact[(i, j)]);
                let what = format!("{case} {} {path} {g:?} A[{i}, {j}]", T::NAME);
                let f = within_share(&what, got.a[(i, j)].as_f64(), a_exact, ba[(i, j)] / 2.0);
                worst.see(format!("A {g:?} {} {path}", T::NAME), f);
            }
        }
    }
    fractions
}

/// A named forward case: `(name, A_in, W, b)`.
pub(super) type ForwardCase<T> = (&'static str, DMatrix<T>, DMatrix<T>, DVector<T>);

/// Adversarial forward inputs, `(name, A_in, W, b)`:
/// - random values of both signs;
/// - cancellation: products of about ±10³ alternating in sign plus terms of
///   about 1, so `Z` is tiny against `Σ|terms|`;
/// - saturated and steep: `Z` from -40 to 40 and near 0 (sigmoid's and
///   tanh's flat tails and steepest point);
/// - one long sum, `n_in = 3000` (twelve of the matrix kernel's blocks of
///   256), with cancellation.
pub(super) fn forward_cases<T: Real>() -> Vec<ForwardCase<T>> {
    let mut rng = Rng(20);
    let mut cases = Vec::new();
    let random = (
        rng.matrix::<T>(5, 37, -4.0, 4.0),
        rng.matrix::<T>(37, 6, -2.0, 2.0),
        DVector::from_fn(6, |_, _| T::of_f64(rng.uniform(-2.0, 2.0))),
    );
    cases.push(("random", random.0, random.1, random.2));
    let cancel = |rng: &mut Rng, m: usize, n: usize, units: usize| {
        let a = DMatrix::from_fn(m, n, |_, k| {
            let sign = if k % 2 == 0 { 1.0 } else { -1.0 };
            T::of_f64(sign * 1e3 * rng.uniform(0.99, 1.01))
        });
        let w = DMatrix::from_fn(n, units, |_, _| T::of_f64(rng.uniform(0.999, 1.001)));
        let b = DVector::from_fn(units, |_, _| T::of_f64(rng.uniform(-1.0, 1.0)));
        (a, w, b)
    };
    let (a, w, b) = cancel(&mut rng, 4, 64, 5);
    cases.push(("cancelling", a, w, b));
    // Z spread over [-40, 40] by the scale of each row, and rows near 0.
    let mut a = rng.matrix::<T>(8, 12, -1.0, 1.0);
    for (i, mut row) in a.row_iter_mut().enumerate() {
        let scale = [10.0, 4.0, 1.0, 0.1, 1e-3, 1e-6, 2.0, 6.0][i];
        row.iter_mut()
            .for_each(|v| *v = T::of_f64(v.as_f64() * scale));
    }
    let w = rng.matrix::<T>(12, 7, -1.0, 1.0);
    let b = DVector::from_fn(7, |_, _| T::of_f64(rng.uniform(-0.01, 0.01)));
    cases.push(("saturated and steep", a, w, b));
    let (a, w, b) = cancel(&mut rng, 2, 3000, 2);
    cases.push(("long cancelling", a, w, b));
    cases
}

pub(super) fn forward_soundness_for<T: Real>(worst: &mut Worst) {
    for (case, a_in, w, b) in forward_cases::<T>() {
        for g in [
            Activation::Linear,
            Activation::Relu,
            Activation::Sigmoid,
            Activation::Tanh,
        ] {
            if case == "long cancelling" && g != Activation::Linear {
                continue; // one long case is enough: it is Z that sums.
            }
            forward_against_exact::<T, Loops>(worst, case, &a_in, &w, &b, g);
            forward_against_exact::<T, Matrices>(worst, case, &a_in, &w, &b, g);
        }
    }
}

#[test]
pub(super) fn each_path_is_within_its_share_of_the_forward_bound() {
    let mut worst = Worst::default();
    forward_soundness_for::<f64>(&mut worst);
    forward_soundness_for::<f32>(&mut worst);
    worst.print("forward, random, cancelling, saturated, long");
}

/// One path's `dense_backward_dz` against the exact `dW`, `db`, `dA_in`,
/// within half of each bound (the same inputs on both paths: no `δ`).
pub(super) fn backward_against_exact<T: Real, K: OnPath>(
    worst: &mut Worst,
    case: &str,
    dz: &DMatrix<T>,
    a_in: &DMatrix<T>,
    w: &DMatrix<T>,
) -> (DMatrix<f64>, DVector<f64>, DMatrix<f64>) {
    let path = if K::PATH == dualpath::Path::Matrix {
        "matrix"
    } else {
        "loops"
    };
    let layer = kernels::layer(w, &DVector::zeros(w.ncols()), Activation::Linear);
    let got = kernels::backward_dz::<T, K>(dz, a_in, &layer, true);
    let (m, units) = dz.shape();
    let n_in = a_in.ncols();
    let zero_dz = DMatrix::zeros(m, units);
    let zero_in = DMatrix::zeros(m, n_in);
    let (bda, bdw, bdb) = dense_backward_dz_bound(dz, &zero_dz, a_in, &zero_in, w, true);
    let bda = bda.expect("asked for dA_in");
    let name = T::NAME;
    let mut f_dw = DMatrix::zeros(n_in, units);
    for k in 0..n_in {
        for j in 0..units {
            let e = dot2((0..m).map(|i| (a_in[(i, k)].as_f64(), dz[(i, j)].as_f64())));
            let what = format!("{case} {name} {path} dW[{k}, {j}]");
            let f = within_share(&what, got.dw[(k, j)].as_f64(), e, bdw[(k, j)] / 2.0);
            f_dw[(k, j)] = f;
            worst.see(format!("dW {name} {path}"), f);
        }
    }
    let mut f_db = DVector::zeros(units);
    for j in 0..units {
        let e = dot2((0..m).map(|i| (dz[(i, j)].as_f64(), 1.0)));
        let what = format!("{case} {name} {path} db[{j}]");
        f_db[j] = within_share(&what, got.db[j].as_f64(), e, bdb[j] / 2.0);
        worst.see(format!("db {name} {path}"), f_db[j]);
    }
    let da_in = got.da_in.expect("asked for dA_in");
    let mut f_da = DMatrix::zeros(m, n_in);
    for i in 0..m {
        for k in 0..n_in {
            let e = dot2((0..units).map(|j| (dz[(i, j)].as_f64(), w[(k, j)].as_f64())));
            let what = format!("{case} {name} {path} dA_in[{i}, {k}]");
            f_da[(i, k)] = within_share(&what, da_in[(i, k)].as_f64(), e, bda[(i, k)] / 2.0);
            worst.see(format!("dA_in {name} {path}"), f_da[(i, k)]);
        }
    }
    (f_dw, f_db, f_da)
}

/// A named backward case: `(name, dZ, A_in, W)`.
pub(super) type BackwardCase<T> = (&'static str, DMatrix<T>, DMatrix<T>, DMatrix<T>);

/// Adversarial backward inputs, `(name, dZ, A_in, W)`: random; cancelling
/// (`dZ` and `W` alternating about ±10³ so every sum cancels); long
/// (`m = 2000`, eight blocks of the matrix kernel's 256, with cancellation).
pub(super) fn backward_cases<T: Real>() -> Vec<BackwardCase<T>> {
    let mut rng = Rng(21);
    let alternating = |rng: &mut Rng, rows: usize, cols: usize, by_row: bool| {
        DMatrix::from_fn(rows, cols, |i, j| {
            let sign = if (if by_row { i } else { j }) % 2 == 0 {
                1.0
            } else {
                -1.0
            };
            T::of_f64(sign * 1e3 * rng.uniform(0.99, 1.01))
        })
    };
    let mut cases = vec![(
        "random",
        rng.matrix::<T>(9, 6, -0.5, 0.5),
        rng.matrix::<T>(9, 13, -4.0, 4.0),
        rng.matrix::<T>(13, 6, -2.0, 2.0),
    )];
    let dz = alternating(&mut rng, 48, 40, true);
    let a_in = rng.matrix::<T>(48, 5, 0.99, 1.01);
    let w = alternating(&mut rng, 5, 40, false);
    // dW sums down dZ's alternating rows; dA_in along W's alternating columns.
    cases.push(("cancelling", dz, a_in, w));
    let dz = alternating(&mut rng, 2000, 2, true);
    let a_in = rng.matrix::<T>(2000, 2, 0.99, 1.01);
    let w = rng.matrix::<T>(2, 2, -1.0, 1.0);
    cases.push(("long cancelling", dz, a_in, w));
    cases
}

pub(super) fn backward_soundness_for<T: Real>(worst: &mut Worst) {
    for (case, dz, a_in, w) in backward_cases::<T>() {
        backward_against_exact::<T, Loops>(worst, case, &dz, &a_in, &w);
        backward_against_exact::<T, Matrices>(worst, case, &dz, &a_in, &w);
    }
}

#[test]
pub(super) fn each_path_is_within_its_share_of_the_backward_bound() {
    let mut worst = Worst::default();
    backward_soundness_for::<f64>(&mut worst);
    backward_soundness_for::<f32>(&mut worst);
    worst.print("backward, random, cancelling, long");
}
