//! Bit-identical on exact inputs (docs/DESIGN.md, "What identical means", layer 1).
//!
//! The two paths add the same products in different orders. In general that
//! changes the last bits; but when every operation is *exact* the order
//! cannot matter, and `Path::Sequential` and `Path::Matrix` must return the
//! same bits for every layer's `Z` and `A` and every `dW` and `db`. A single
//! differing bit here is a bug, not rounding.
//!
//! One exception, and it is IEEE 754's, not rounding: the *sign of an exact
//! zero* depends on the order of operations. `(-1)·0 = -0`, and
//! `-0 + -0 = -0` but `+0 + -0 = +0`. The loop path starts every sum at `+0`,
//! so it never returns `-0`; nalgebra's product starts from the first product,
//! so `dW = A_inᵀ·dZ` is `-0` when every term is `-0` (e.g. `x = -1` against
//! `dz = +0`, from `a = y` or from relu'(z) = 0). Both are the exact value 0 (`+0 == -0`),
//! and no later step here can tell them apart (relu and `g'` map both to the
//! same result; a sum with any nonzero term loses the sign). So zeros compare
//! equal whatever their sign, and every other value compares by its bits; the
//! failure message counts the `±0` pairs it saw.
//!
//! # Why the arithmetic is exact
//!
//! Every input (X, each W and b, Y) is drawn from a *grid*: `n·2⁻ᵏ` with
//! `|n| ≤ N` and `0 ≤ k ≤ K`. So each one is a whole multiple of the quantum
//! `2⁻ᴷ` and at most `N` in magnitude. Then, for exactly computed values:
//!
//! - a product of a multiple of `2^p` (at most `A`) and a multiple of `2^q`
//!   (at most `B`) is a multiple of `2^(p+q)`, at most `A·B`;
//! - a sum of terms, and every *partial* sum in every order, is a multiple of
//!   the finest quantum among them and at most the sum of their bounds.
//!
//! A binary float with `P` significant bits (53 for `f64`, 24 for `f32`) holds
//! every whole multiple of `2^q` up to `2^(P+q)` exactly (nothing here comes
//! near overflow or the subnormals: no quantum is finer than `2⁻²¹`, and
//! `f32`'s normal numbers reach down to `2⁻¹²⁶`). So if every intermediate
//! value's `bound / quantum ≤ 2^P`, every operation returns its exact result,
//! and by induction so does everything after it, whatever the order of the
//! additions. The other steps add no bits: relu, `max(0, z)`, keeps the
//! quantum and shrinks the magnitude; `g'(z)` is 0 or 1 for relu and linear;
//! the MSE gradient `(a - y)·2·(1/(m·n_out))` multiplies by a power of two
//! (an exact shift of the exponent) because the batch size `m` and the
//! output width `n_out` are both drawn as powers of two.
//!
//! [`worst_case_bits`] carries that bound through the largest network a
//! [`Spec`] can draw (every width at its maximum, the largest batch), through
//! the forward pass (`Z = A_in·W + b`, depth times), `a - y`, and the
//! backward pass (`dW = A_inᵀ·dZ` over `m` examples, `db`, and
//! `dA_in = dZ·Wᵀ` over the units). Its values, checked by
//! `every_spec_is_exact_in_the_worst_case`:
//!
//! | spec | type | depth | grid `N`, `K` | widths | `m` | worst bits | `P` |
//! | --- | --- | --- | --- | --- | --- | --- | --- |
//! | `F64_SHALLOW` | f64 | 1–2 | 8, 3 | ≤ 8 | ≤ 16 | 25.0, 43.0 | 53 |
//! | `F64_DEEP`    | f64 | 3   | 4, 2 | ≤ 8 | ≤ 16 | 47.1 | 53 |
//! | `F32_DEPTH_1` | f32 | 1   | 8, 2 | ≤ 8 | ≤ 16 | 22.0 | 24 |
//! | `F32_DEPTH_2` | f32 | 2   | 2, 1 | ≤ 8 | ≤ 16 | 23.2 | 24 |
//! | `F32_DEPTH_3` | f32 | 3   | 1, 1 | ≤ 4 | ≤ 16 | 21.8 | 24 |
//!
//! Each layer of depth costs about `2·log2(N·2ᴷ) + 2·log2(width)` bits (once
//! forward, once backward), so the grid must shrink with depth: the obvious
//! grid `N = 8, K = 3` already needs 61 bits at depth 3 (more than `f64`
//! has) and 25 bits at depth 1 (more than `f32` has). At depth 3 no grid with
//! a fractional step fits `f32` at width 8, hence `F32_DEPTH_3`'s narrower
//! layers.
//!
//! As a check on the argument itself, each `f32` case is also run in `f64`:
//! if `f32` had rounded anywhere, its results would differ from the `f64`
//! ones, which have 29 more bits to spare.

use crate::common::{Diff, LayerSpec, mat, network};
use dualpath::{Activation, Gradients, LayerCache, Loss, Path, Real};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

/// Grid values `n·2⁻ᵏ`, `|n| ≤ numerator`, `0 ≤ k ≤ max_shift`.
#[derive(Clone, Copy, Debug)]
struct Grid {
    numerator: i32,
    max_shift: u32,
}

/// What a property draws: depth, largest width, largest batch, and the grid.
#[derive(Clone, Copy, Debug)]
struct Spec {
    min_depth: usize,
    max_depth: usize,
    max_width: usize,
    max_batch_log2: u32,
    grid: Grid,
}

const F64_SHALLOW: Spec = Spec {
    min_depth: 1,
    max_depth: 2,
    max_width: 8,
    max_batch_log2: 4,
    grid: Grid {
        numerator: 8,
        max_shift: 3,
    },
};
const F64_DEEP: Spec = Spec {
    min_depth: 3,
    max_depth: 3,
    max_width: 8,
    max_batch_log2: 4,
    grid: Grid {
        numerator: 4,
        max_shift: 2,
    },
};
const F32_DEPTH_1: Spec = Spec {
    min_depth: 1,
    max_depth: 1,
    max_width: 8,
    max_batch_log2: 4,
    grid: Grid {
        numerator: 8,
        max_shift: 2,
    },
};
const F32_DEPTH_2: Spec = Spec {
    min_depth: 2,
    max_depth: 2,
    max_width: 8,
    max_batch_log2: 4,
    grid: Grid {
        numerator: 2,
        max_shift: 1,
    },
};
const F32_DEPTH_3: Spec = Spec {
    min_depth: 3,
    max_depth: 3,
    max_width: 4,
    max_batch_log2: 4,
    grid: Grid {
        numerator: 1,
        max_shift: 1,
    },
};

/// What the argument above knows about an exactly computed value: a whole
/// multiple of `2^quantum_log2`, at most `max` in magnitude.
#[derive(Clone, Copy, Debug)]
struct Known {
    max: f64,
    quantum_log2: i32,
}

impl Known {
    fn grid(g: Grid) -> Self {
        Known {
            max: f64::from(g.numerator),
            quantum_log2: -(g.max_shift as i32),
        }
    }

    /// Significant bits the value may need: `log2(max / quantum)`.
    fn bits(self) -> f64 {
        self.max.log2() - f64::from(self.quantum_log2)
    }

    fn times(self, other: Known) -> Known {
        Known {
            max: self.max * other.max,
            quantum_log2: self.quantum_log2 + other.quantum_log2,
        }
    }

    fn plus(self, other: Known) -> Known {
        Known {
            max: self.max + other.max,
            quantum_log2: self.quantum_log2.min(other.quantum_log2),
        }
    }

    /// A sum of `n` such values; bounds every partial sum, in any order, too.
    fn sum_of(self, n: usize) -> Known {
        Known {
            max: n as f64 * self.max,
            quantum_log2: self.quantum_log2,
        }
    }
}

/// The most significant bits any intermediate value of a depth-`depth`
/// network drawn by `spec` can need (see the module comment).
fn worst_case_bits(spec: &Spec, depth: usize) -> f64 {
    let v = Known::grid(spec.grid);
    let (width, m) = (spec.max_width, 1usize << spec.max_batch_log2);
    let mut worst = v.bits();
    let mut seen = |k: Known| {
        worst = worst.max(k.bits());
        k
    };
    // Forward: a[0] = X, a[l+1] = g(a[l]·W + b) with |g(z)| ≤ |z|, same quantum.
    let mut a = vec![v];
    for l in 0..depth {
        let product = seen(a[l].times(v));
        a.push(seen(product.sum_of(width).plus(v)));
    }
    // Output: a - y, then an exact power-of-two scale that changes no bit count.
    let mut dz = seen(a[depth].plus(v));
    for l in (0..depth).rev() {
        let product = seen(a[l].times(dz));
        seen(product.sum_of(m)); // dW = A_inᵀ·dZ
        seen(dz.sum_of(m)); // db = Σ_rows dZ
        if l > 0 {
            let product = seen(dz.times(v));
            dz = seen(product.sum_of(width)); // dA_in = dZ·Wᵀ, then · g' ∈ {0, 1}
        }
    }
    worst
}

/// One drawn network, batch and targets, all on a grid.
#[derive(Clone, Debug)]
struct Case {
    layers: Vec<LayerSpec>,
    m: usize,
    x: Vec<f64>,
    y: Vec<f64>,
}

impl Case {
    fn n_in(&self) -> usize {
        self.layers[0].n_in
    }
    fn n_out(&self) -> usize {
        self.layers[self.layers.len() - 1].units
    }
}

fn grid_value(g: Grid) -> impl Strategy<Value = f64> {
    // n / 2^k is exact: a division by a power of two.
    (-g.numerator..=g.numerator, 0..=g.max_shift)
        .prop_map(|(n, k)| f64::from(n) / f64::from(1u32 << k))
}

fn layer(
    g: Grid,
    n_in: usize,
    units: usize,
    activation: Activation,
) -> impl Strategy<Value = LayerSpec> {
    (vec(grid_value(g), n_in * units), vec(grid_value(g), units)).prop_map(move |(w, b)| {
        LayerSpec {
            n_in,
            units,
            w,
            b,
            activation,
        }
    })
}

fn case(spec: Spec) -> impl Strategy<Value = Case> {
    let max_out_log2 = spec.max_width.ilog2();
    (
        spec.min_depth..=spec.max_depth,
        0..=spec.max_batch_log2,
        0..=max_out_log2,
    )
        .prop_flat_map(move |(depth, m_log2, out_log2)| {
            (
                Just(1usize << m_log2),
                // n_in, then each hidden layer's width; the output width is a power of two.
                vec(1..=spec.max_width, depth),
                Just(1usize << out_log2),
                vec(select(vec![Activation::Linear, Activation::Relu]), depth),
            )
        })
        .prop_flat_map(move |(m, mut widths, n_out, activations)| {
            widths.push(n_out);
            let layers: Vec<_> = activations
                .iter()
                .enumerate()
                .map(|(l, &g)| layer(spec.grid, widths[l], widths[l + 1], g))
                .collect();
            (
                vec(grid_value(spec.grid), m * widths[0]),
                layers,
                vec(grid_value(spec.grid), m * n_out),
            )
                .prop_map(move |(x, layers, y)| Case { layers, m, x, y })
        })
}

/// Forces a relu kink: the first layer becomes relu, and unit 0's weights and
/// bias become 0, so `z = 0` exactly for unit 0 on every example. The grid
/// holds 0, so the worst-case bound still applies.
fn with_relu_kink(mut case: Case) -> Case {
    let first = &mut case.layers[0];
    first.activation = Activation::Relu;
    for r in 0..first.n_in {
        first.w[r * first.units] = 0.0;
    }
    first.b[0] = 0.0;
    case
}

/// Every layer's cache and the gradients of one path.
struct Run<T: Real> {
    caches: Vec<LayerCache<T>>,
    grads: Gradients<T>,
}

fn run<T: Real>(case: &Case, path: Path) -> Run<T> {
    let net = network::<T>(&case.layers);
    let x = mat::<T>(case.m, case.n_in(), &case.x);
    let y = mat::<T>(case.m, case.n_out(), &case.y);
    let fwd = path.forward(&net, &x).expect("a valid case");
    let grads = path
        .backward(&net, &fwd, &y, Loss::MEAN_SQUARED_ERROR)
        .expect("a valid case");
    Run {
        caches: fwd.layers().to_vec(),
        grads,
    }
}

/// Runs both paths in `T` and requires the same bits everywhere; returns the
/// sequential run.
fn check_bit_identical<T: Real>(case: &Case) -> Result<Run<T>, TestCaseError> {
    let seq = run::<T>(case, Path::Sequential);
    let mat = run::<T>(case, Path::Matrix);
    let mut diff = Diff::ignoring_sign_of_zero(); // see the module comment
    diff.caches(&seq.caches, &mat.caches);
    diff.gradients(&seq.grads, &mat.grads);
    prop_assert!(
        diff.bit_identical(),
        "sequential vs matrix in {} on exact inputs: {diff}",
        T::NAME
    );
    Ok(seq)
}

/// As [`check_bit_identical`] in `f32`, and also requires the `f32` results to
/// be the `f64` results: the exactness premise, tested.
fn check_bit_identical_f32(case: &Case) -> Result<(), TestCaseError> {
    let single = check_bit_identical::<f32>(case)?;
    let double = run::<f64>(case, Path::Sequential);
    let mut diff = Diff::new(); // the same path in both types: even zeros' signs agree
    diff.caches(&single.caches, &double.caches);
    diff.gradients(&single.grads, &double.grads);
    prop_assert!(
        diff.bit_identical(),
        "f32 vs f64 on exact inputs (f32 must have rounded): {diff}"
    );
    Ok(())
}

#[test]
fn every_spec_is_exact_in_the_worst_case() {
    let specs = [
        ("F64_SHALLOW", F64_SHALLOW, f64::MANTISSA_DIGITS),
        ("F64_DEEP", F64_DEEP, f64::MANTISSA_DIGITS),
        ("F32_DEPTH_1", F32_DEPTH_1, f32::MANTISSA_DIGITS),
        ("F32_DEPTH_2", F32_DEPTH_2, f32::MANTISSA_DIGITS),
        ("F32_DEPTH_3", F32_DEPTH_3, f32::MANTISSA_DIGITS),
    ];
    for (name, spec, digits) in specs {
        for depth in spec.min_depth..=spec.max_depth {
            let bits = worst_case_bits(&spec, depth);
            assert!(
                bits <= f64::from(digits),
                "{name} at depth {depth} may need {bits:.2} significant bits; the type has {digits}"
            );
        }
    }
    // The argument has teeth: the obvious grid, N = 8 and K = 3, does not fit
    // f64 at depth 3, nor f32 at depth 1.
    let naive = Spec {
        max_depth: 3,
        ..F64_SHALLOW
    };
    assert!(worst_case_bits(&naive, 3) > f64::from(f64::MANTISSA_DIGITS));
    assert!(worst_case_bits(&naive, 1) > f64::from(f32::MANTISSA_DIGITS));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn paths_are_bit_identical_on_exact_inputs_f64_depth_1_to_2(c in case(F64_SHALLOW)) {
        check_bit_identical::<f64>(&c)?;
    }

    #[test]
    fn paths_are_bit_identical_on_exact_inputs_f64_depth_3(c in case(F64_DEEP)) {
        check_bit_identical::<f64>(&c)?;
    }

    #[test]
    fn paths_are_bit_identical_on_exact_inputs_f32_depth_1(c in case(F32_DEPTH_1)) {
        check_bit_identical_f32(&c)?;
    }

    #[test]
    fn paths_are_bit_identical_on_exact_inputs_f32_depth_2(c in case(F32_DEPTH_2)) {
        check_bit_identical_f32(&c)?;
    }

    #[test]
    fn paths_are_bit_identical_on_exact_inputs_f32_depth_3(c in case(F32_DEPTH_3)) {
        check_bit_identical_f32(&c)?;
    }

    #[test]
    fn relu_kink_passes_no_gradient_on_both_paths_f64(c in case(F64_SHALLOW).prop_map(with_relu_kink)) {
        check_relu_kink::<f64>(&c)?;
    }

    #[test]
    fn relu_kink_passes_no_gradient_on_both_paths_f32(c in case(F32_DEPTH_2).prop_map(with_relu_kink)) {
        check_relu_kink::<f32>(&c)?;
        check_bit_identical_f32(&c)?;
    }
}

/// relu'(0) = 0 on both paths: a unit sitting exactly on the kink passes no
/// gradient to its weights or bias (with relu'(0) = 1, `db[0]` would be the sum
/// of that unit's upstream gradients), and the paths still agree bit for bit.
fn check_relu_kink<T: Real>(c: &Case) -> Result<(), TestCaseError> {
    for path in Path::BOTH {
        let r = run::<T>(c, path);
        prop_assert!(
            r.caches[0].z.column(0).iter().all(|&z| z == T::zero()),
            "premise: z = 0 for unit 0 on every example"
        );
        let g = &r.grads.layers[0];
        prop_assert!(
            g.db[0] == T::zero(),
            "{path}: db[0] = {} at the kink",
            g.db[0]
        );
        prop_assert!(
            g.dw.column(0).iter().all(|&d| d == T::zero()),
            "{path}: dW[:, 0] = {} at the kink",
            g.dw.column(0)
        );
    }
    check_bit_identical::<T>(c)?;
    Ok(())
}

/// A kink reached by cancellation, with nonzero inputs and weights, worked by
/// hand: `x = [1, 1]`, unit 0 has weights `[1/2, -1/2]` so `z = 0`; unit 1 has
/// `[1, 1]` so `z = 2`. A linear output sums them: `ŷ = 2`, `y = 0`, `m = 1`.
///
/// `dZ₂ = 2·(2 - 0) = 4`, `dW₂ = a₁ᵀ·4 = [0, 8]ᵀ`, `dA₁ = 4·[1, 1]`,
/// `dZ₁ = [4·relu'(0), 4·relu'(2)] = [0, 4]`, `dW₁ = xᵀ·dZ₁ = [[0, 4], [0, 4]]`,
/// `db₁ = [0, 4]`. Every number is exact in both types.
fn cancellation_kink<T: Real>() {
    let layers = [
        LayerSpec {
            n_in: 2,
            units: 2,
            w: vec![0.5, 1.0, -0.5, 1.0],
            b: vec![0.0, 0.0],
            activation: Activation::Relu,
        },
        LayerSpec {
            n_in: 2,
            units: 1,
            w: vec![1.0, 1.0],
            b: vec![0.0],
            activation: Activation::Linear,
        },
    ];
    let case = Case {
        layers: layers.to_vec(),
        m: 1,
        x: vec![1.0, 1.0],
        y: vec![0.0],
    };
    for path in Path::BOTH {
        let r = run::<T>(&case, path);
        assert_eq!(
            r.caches[0].z,
            mat::<T>(1, 2, &[0.0, 2.0]),
            "{path} {}: Z₁",
            T::NAME
        );
        assert_eq!(
            r.grads.layers[1].dw,
            mat::<T>(2, 1, &[0.0, 8.0]),
            "{path} {}: dW₂",
            T::NAME
        );
        assert_eq!(
            r.grads.layers[0].dw,
            mat::<T>(2, 2, &[0.0, 4.0, 0.0, 4.0]),
            "{path} {}: dW₁ (column 0 is zero because relu'(0) = 0)",
            T::NAME
        );
        assert_eq!(
            r.grads.layers[0].db,
            crate::common::vector::<T>(&[0.0, 4.0]),
            "{path} {}: db₁",
            T::NAME
        );
    }
    check_bit_identical::<T>(&case).expect("both paths give the same bits");
}

#[test]
fn relu_kink_by_cancellation_gives_the_hand_computed_gradients_f64() {
    cancellation_kink::<f64>();
}

#[test]
fn relu_kink_by_cancellation_gives_the_hand_computed_gradients_f32() {
    cancellation_kink::<f32>();
}
