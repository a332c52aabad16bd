//! The product kernel's tests: every variant and every way of reading the
//! factors against the reference order written out, bit for bit; the
//! detected variant against `matrixmultiply`; the register transposes; the
//! packing buffer's reuse.

use super::pack::{Copied, Transposes, pack_panel, transpose_in_registers};
use super::*;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;

/// What the tests need of an element beyond the kernels' own: conversions and a name.
trait Sample: Element + std::fmt::Display {
    const NAME: &'static str;
    fn of_f64(x: f64) -> Self;
    fn as_f64(self) -> f64;
}

impl Sample for f64 {
    const NAME: &'static str = "f64";
    fn of_f64(x: f64) -> Self {
        x
    }
    fn as_f64(self) -> f64 {
        self
    }
}

impl Sample for f32 {
    const NAME: &'static str = "f32";
    fn of_f64(x: f64) -> Self {
        x as f32
    }
    fn as_f64(self) -> f64 {
        f64::from(self)
    }
}

/// Shapes around every edge: tiles, `MC`, `KC` (a second and third block), `NC`.
const SHAPES: [(usize, usize, usize); 12] = [
    (1, 1, 1),
    (2, 3, 2),
    (7, 5, 9),
    (16, 8, 8),
    (17, 33, 13),
    (33, 256, 7),
    (40, 257, 25),
    (129, 300, 15),
    (6, 513, 40),
    (64, 64, 1030),
    (250, 31, 3),
    (3, 700, 130),
];

/// Random values of mixed sign and size, and the operands' four layouts.
fn case<T: Sample>(rng: &mut Pcg64, m: usize, k: usize, n: usize) -> (Vec<T>, Vec<T>) {
    let mut draw = |len: usize| -> Vec<T> {
        (0..len)
            .map(|_| {
                let u: f64 = rng.random();
                let e: f64 = rng.random();
                T::of_f64((2.0 * u - 1.0) * 10f64.powf(4.0 * e - 2.0))
            })
            .collect()
    };
    (draw(m * k), draw(k * n))
}

fn operand<T>(data: &[T], rows: usize, cols: usize, transposed: bool) -> Operand<'_, T> {
    // Stored as (rows, cols) column-major, or as the transpose of a (cols, rows) one.
    let (rs, cs) = if transposed { (cols, 1) } else { (1, rows) };
    Operand {
        data,
        rows,
        cols,
        rs,
        cs,
    }
}

/// The reference order written out: per element, per block of KC, a chain from zero.
fn reference<T: Sample>(a: Operand<'_, T>, b: Operand<'_, T>, fused: bool) -> Vec<T> {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    let mut c = vec![T::ZERO; m * n];
    for j in 0..n {
        for i in 0..m {
            let mut total = T::ZERO;
            for (block, start) in (0..k).step_by(KC).enumerate() {
                let mut s = T::ZERO;
                for p in start..k.min(start + KC) {
                    let x = a.data[i * a.rs + p * a.cs];
                    let y = b.data[p * b.rs + j * b.cs];
                    s = if fused {
                        x.fused_mul_add(y, s)
                    } else {
                        x * y + s
                    };
                }
                total = if block == 0 { s } else { total + s };
            }
            c[i + j * m] = total;
        }
    }
    c
}

fn bits<T: Sample>(v: &[T]) -> Vec<u64> {
    v.iter().map(|x| x.as_f64().to_bits()).collect()
}

/// How a test stores an operand: as stored (column-major), transposed
/// (row-major), or strided (neither direction contiguous, as a view of every
/// other row of a larger matrix). Each leaves gaps between its runs, filled
/// with NaN, so that a read outside the matrix shows in `C`; the last
/// element is the last of the data, so that a read past it panics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    Stored,
    Transposed,
    Strided,
}

const LAYOUTS: [Layout; 3] = [Layout::Stored, Layout::Transposed, Layout::Strided];

/// `values`, an `(rows, cols)` column-major matrix, stored as `layout` says:
/// the data, with its row and column strides.
fn lay_out<T: Sample>(
    values: &[T],
    rows: usize,
    cols: usize,
    layout: Layout,
) -> (Vec<T>, usize, usize) {
    let (rs, cs) = match layout {
        Layout::Stored => (1, rows + 1),
        Layout::Transposed => (cols + 1, 1),
        Layout::Strided => (2, 2 * rows + 1),
    };
    let mut data = vec![T::of_f64(f64::NAN); (rows - 1) * rs + (cols - 1) * cs + 1];
    for j in 0..cols {
        for i in 0..rows {
            data[i * rs + j * cs] = values[i + j * rows];
        }
    }
    (data, rs, cs)
}

fn laid_out<T>(stored: &(Vec<T>, usize, usize), rows: usize, cols: usize) -> Operand<'_, T> {
    let (data, rs, cs) = stored;
    Operand {
        data,
        rows,
        cols,
        rs: *rs,
        cs: *cs,
    }
}

/// Every variant this processor has, on every shape, with each factor in
/// every layout (so that the contiguous, the transposing and the strided
/// packs all run) and read in every way, with the transposing packs done as
/// `transposes` forces: bit for bit the reference order. Forced to
/// [`Transposes::Scalar`], only the layouts where some pack transposes run:
/// the others pack as with [`Transposes::Registers`].
fn every_variant_gives_the_reference_bits<T: Sample>(transposes: Transposes) {
    let mut rng = Pcg64::seed_from_u64(7);
    let variants = [
        Variant::Avx512,
        Variant::Avx2,
        Variant::Portable { fused: true },
        Variant::Portable { fused: false },
    ];
    let pairs = LAYOUTS.into_iter().flat_map(|l| LAYOUTS.map(|r| (l, r)));
    // A transposes with its steps contiguous, B with its free dimension's.
    let pairs: Vec<_> = pairs
        .filter(|&(la, lb)| {
            transposes == Transposes::Registers || la == Layout::Transposed || lb == Layout::Stored
        })
        .collect();
    let mut ran = 0;
    for &(m, k, n) in &SHAPES {
        let (ad, bd) = case::<T>(&mut rng, m, k, n);
        let (a0, b0) = (operand(&ad, m, k, false), operand(&bd, k, n, false));
        let want = [reference(a0, b0, false), reference(a0, b0, true)];
        for &(la, lb) in &pairs {
            let (a_stored, b_stored) = (lay_out(&ad, m, k, la), lay_out(&bd, k, n, lb));
            let (a, b) = (laid_out(&a_stored, m, k), laid_out(&b_stored, k, n));
            for v in variants.into_iter().filter(|v| v.available()) {
                let fused = !matches!(v, Variant::Portable { fused: false });
                let want = &want[usize::from(fused)];
                // Packed or read in place, each factor (A in place only
                // with contiguous columns); `Reads::choose` picks one of
                // these, and is tested on its own.
                for a_in_place in [false, true] {
                    for b_in_place in [false, true] {
                        if a_in_place && a.rs != 1 {
                            continue;
                        }
                        let reads = Reads {
                            a_in_place,
                            b_in_place,
                        };
                        let mut c = vec![T::of_f64(f64::NAN); m * n]; // every value overwritten
                        let mut pack = Vec::new();
                        let forced = (Some(reads), Some(transposes));
                        gemm_forcing(v, forced.0, forced.1, &mut c, a, b, &mut pack);
                        assert_eq!(
                            bits(&c),
                            bits(want),
                            "{v:?} {} ({m}, {k})·({k}, {n}), {la:?} {lb:?}, {reads:?}, {transposes:?}",
                            T::NAME
                        );
                        ran += 1;
                    }
                }
            }
        }
    }
    assert!(ran >= SHAPES.len() * pairs.len() * 2 * 2, "ran {ran} cases");
}

/// The variants the bit tests run are every one this processor has: each
/// variant's availability against the processor asked directly (not through
/// `cpu`), and the detected variant the widest of them.
#[test]
fn the_available_variants_are_those_the_processor_has() {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        let avx2_fma = has!("avx2") && has!("fma");
        assert_eq!(Variant::Avx512.available(), avx2_fma && has!("avx512f"));
        assert_eq!(Variant::Avx2.available(), avx2_fma);
    }
    assert!(Variant::Portable { fused: true }.available());
    assert!(Variant::Portable { fused: false }.available());
    let detected = Variant::detect();
    assert!(detected.available());
    if Variant::Avx512.available() {
        assert_eq!(detected, Variant::Avx512);
    } else if Variant::Avx2.available() {
        assert_eq!(detected, Variant::Avx2);
    }
    println!("gemm: {detected:?}");
}

/// The register transposes against their definition, on every count up
/// to each panel width and step counts around the vector blocks, with
/// slots past `count` left as they were.
fn transpose_in_registers_copies_exactly<T: Sample>() {
    let mut rng = Pcg64::seed_from_u64(5);
    let mut ran = false;
    for width in [4, 6, 8, 16, 32] {
        for count in 1..=width {
            for kc in [1, 3, 4, 7, 8, 9, 16, 17, 31] {
                let stride = kc + rng.random_range(0..5);
                let runs: Vec<T> = (0..(count - 1) * stride + kc)
                    .map(|_| T::of_f64(rng.random::<f64>()))
                    .collect();
                let sentinel = T::of_f64(-7.0);
                let mut panel = vec![sentinel; kc * width];
                if !transpose_in_registers(&mut panel, width, &runs, stride, count, kc) {
                    continue;
                }
                ran = true;
                for p in 0..kc {
                    for f in 0..width {
                        let want = if f < count {
                            runs[f * stride + p]
                        } else {
                            sentinel
                        };
                        assert_eq!(
                            panel[p * width + f],
                            want,
                            "width {width}, count {count}, kc {kc}: ({p}, {f})"
                        );
                    }
                }
            }
        }
    }
    #[cfg(target_arch = "x86_64")]
    assert_eq!(ran, std::arch::is_x86_feature_detected!("avx"));
    #[cfg(not(target_arch = "x86_64"))]
    assert!(!ran);
}

#[test]
fn transpose_in_registers_copies_exactly_f64() {
    transpose_in_registers_copies_exactly::<f64>();
}

#[test]
fn transpose_in_registers_copies_exactly_f32() {
    transpose_in_registers_copies_exactly::<f32>();
}

#[test]
fn every_variant_gives_the_reference_bits_f64() {
    every_variant_gives_the_reference_bits::<f64>(Transposes::Registers);
}

#[test]
fn every_variant_gives_the_reference_bits_f32() {
    every_variant_gives_the_reference_bits::<f32>(Transposes::Registers);
}

/// As above with every transposing pack done one value at a time, as on a
/// processor without AVX: its code runs here too.
#[test]
fn every_variant_gives_the_reference_bits_without_avx_transposes_f64() {
    every_variant_gives_the_reference_bits::<f64>(Transposes::Scalar);
}

#[test]
fn every_variant_gives_the_reference_bits_without_avx_transposes_f32() {
    every_variant_gives_the_reference_bits::<f32>(Transposes::Scalar);
}

/// The claim that switching kernels changed no number: the detected
/// variant against `matrixmultiply` on this processor, bit for bit.
#[test]
fn the_detected_variant_gives_matrixmultiplys_bits() {
    let mut rng = Pcg64::seed_from_u64(11);
    for &(m, k, n) in &SHAPES {
        let (ad, bd) = case::<f64>(&mut rng, m, k, n);
        let (af, bf): (Vec<f32>, Vec<f32>) = (
            ad.iter().map(|&x| x as f32).collect(),
            bd.iter().map(|&x| x as f32).collect(),
        );
        for (ta, tb) in [(false, false), (true, false), (false, true)] {
            let (a, b) = (operand(&ad, m, k, ta), operand(&bd, k, n, tb));
            let mut ours = vec![0.0; m * n];
            gemm(&mut ours, a, b, &mut Vec::new());
            let mut theirs = vec![0.0; m * n];
            // SAFETY: the operands' strides address their data (checked
            // by gemm above on the same operands), C is (m, n) column-major.
            unsafe {
                matrixmultiply::dgemm(
                    m,
                    k,
                    n,
                    1.0,
                    ad.as_ptr(),
                    a.rs as isize,
                    a.cs as isize,
                    bd.as_ptr(),
                    b.rs as isize,
                    b.cs as isize,
                    0.0,
                    theirs.as_mut_ptr(),
                    1,
                    m as isize,
                );
            }
            assert_eq!(
                bits(&ours),
                bits(&theirs),
                "f64 ({m}, {k})·({k}, {n}) {ta} {tb}"
            );

            let (a, b) = (operand(&af, m, k, ta), operand(&bf, k, n, tb));
            let mut ours = vec![0.0f32; m * n];
            gemm(&mut ours, a, b, &mut Vec::new());
            let mut theirs = vec![0.0f32; m * n];
            // SAFETY: as above.
            unsafe {
                matrixmultiply::sgemm(
                    m,
                    k,
                    n,
                    1.0,
                    af.as_ptr(),
                    a.rs as isize,
                    a.cs as isize,
                    bf.as_ptr(),
                    b.rs as isize,
                    b.cs as isize,
                    0.0,
                    theirs.as_mut_ptr(),
                    1,
                    m as isize,
                );
            }
            assert_eq!(
                bits(&ours),
                bits(&theirs),
                "f32 ({m}, {k})·({k}, {n}) {ta} {tb}"
            );
        }
    }
}

#[test]
fn a_packing_buffer_grows_once_and_is_reused() {
    let (m, k, n) = (40, 300, 30);
    let ad = vec![1.0; m * k];
    let bd = vec![0.5; k * n];
    let (a, b) = (operand(&ad, m, k, false), operand(&bd, k, n, false));
    let mut pack = Vec::new();
    let mut c = vec![0.0; m * n];
    gemm(&mut c, a, b, &mut pack);
    let (len, ptr) = (pack.len(), pack.as_ptr());
    gemm(&mut c, a, b, &mut pack);
    assert_eq!((pack.len(), pack.as_ptr()), (len, ptr));
    assert!(c.iter().all(|&v| v == 150.0));
}

#[test]
#[should_panic(expected = "A is (2, 3) and B is (4, 2)")]
fn shapes_that_do_not_chain_are_named() {
    let d = vec![0.0; 12];
    gemm(
        &mut [0.0; 4],
        operand(&d, 2, 3, false),
        operand(&d, 4, 2, false),
        &mut Vec::new(),
    );
}

/// Shapes whose `m·n` overflows `usize` must not pass for an empty `C`:
/// with wrapping arithmetic `2^33 · 2^31` is 0, and the microkernel would
/// write a whole tile into nothing.
#[test]
#[should_panic(expected = "but C holds 0 values")]
fn a_product_whose_size_overflows_is_refused() {
    let one = [1.0_f64];
    let stride_zero = |rows, cols| Operand {
        data: &one[..],
        rows,
        cols,
        rs: 0,
        cs: 0,
    };
    gemm(
        &mut [],
        stride_zero(1 << 33, 1),
        stride_zero(1, 1 << 31),
        &mut Vec::new(),
    );
}

/// An operand whose reach overflows `usize` lies outside its data.
#[test]
#[should_panic(expected = "holds only 1 values")]
fn an_operand_whose_reach_overflows_is_refused() {
    let one = [1.0_f64];
    let huge = Operand {
        data: &one[..],
        rows: 2,
        cols: 1,
        rs: usize::MAX,
        cs: 1,
    };
    let b = Operand {
        data: &one[..],
        rows: 1,
        cols: 1,
        rs: 1,
        cs: 1,
    };
    gemm(&mut [0.0; 2], huge, b, &mut Vec::new());
}

/// Each way of packing one panel against its definition, with the way
/// forced, on every layout of the operand, as a row panel of `A` and as a
/// column panel of `B`: the values that exist in order, zeros past them,
/// and the copy that ran the one the layout and `transposes` call for.
fn every_way_of_packing_a_panel_copies_exactly<T: Sample>() {
    let mut rng = Pcg64::seed_from_u64(3);
    let avx = Transposes::detected() == Transposes::Registers;
    let (rows, cols) = (37, 41);
    let values: Vec<T> = (0..rows * cols)
        .map(|_| T::of_f64(rng.random::<f64>() + 1.0))
        .collect();
    for layout in LAYOUTS {
        let stored = lay_out(&values, rows, cols, layout);
        let x = laid_out(&stored, rows, cols);
        for along_cols in [false, true] {
            let at = |f: usize, p: usize| {
                let (i, j) = if along_cols { (p, f) } else { (f, p) };
                values[i + j * rows]
            };
            let (free_len, step_len) = if along_cols {
                (cols, rows)
            } else {
                (rows, cols)
            };
            // As stored, A's rows are contiguous, B's steps; transposed, the other way.
            let contiguous = (layout == Layout::Stored) != along_cols;
            for transposes in [Transposes::Registers, Transposes::Scalar] {
                let want_copied = match layout {
                    Layout::Strided => Copied::Strided,
                    _ if contiguous => Copied::Runs,
                    _ if transposes == Transposes::Registers && avx => {
                        Copied::Transposed(Transposes::Registers)
                    }
                    _ => Copied::Transposed(Transposes::Scalar),
                };
                for width in [4, 6, 8, 16] {
                    for count in [1, 3, width - 1, width] {
                        for kc in [1, 7, 8, 9, 17] {
                            let start = rng.random_range(0..=free_len - count);
                            let pc = rng.random_range(0..=step_len - kc);
                            let mut panel = vec![T::of_f64(f64::NAN); kc * width];
                            let copied = pack_panel(
                                &mut panel,
                                x,
                                (start, count),
                                (pc, kc),
                                width,
                                along_cols,
                                transposes,
                            );
                            let case = format!(
                                "{layout:?}, along_cols {along_cols}, {transposes:?}, \
                                 width {width}, ({start}, {count}), ({pc}, {kc})"
                            );
                            assert_eq!(copied, want_copied, "{case}");
                            for p in 0..kc {
                                for f in 0..width {
                                    let want = if f < count {
                                        at(start + f, pc + p)
                                    } else {
                                        T::ZERO
                                    };
                                    let got = panel[p * width + f];
                                    assert!(
                                        got.as_f64().to_bits() == want.as_f64().to_bits(),
                                        "{case}: ({p}, {f}) is {got}, not {want}"
                                    );
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn every_way_of_packing_a_panel_copies_exactly_f64() {
    every_way_of_packing_a_panel_copies_exactly::<f64>();
}

#[test]
fn every_way_of_packing_a_panel_copies_exactly_f32() {
    every_way_of_packing_a_panel_copies_exactly::<f32>();
}

/// Transposing in registers is the choice exactly when the processor has AVX.
#[test]
fn transposes_are_in_registers_exactly_with_avx() {
    #[cfg(target_arch = "x86_64")]
    let avx = std::arch::is_x86_feature_detected!("avx");
    #[cfg(not(target_arch = "x86_64"))]
    let avx = false;
    let want = if avx {
        Transposes::Registers
    } else {
        Transposes::Scalar
    };
    assert_eq!(Transposes::detected(), want);
}

/// `Reads::choose` as its documentation states it, at the edges of each
/// rule: `A` in place with contiguous columns and at most `4·nr` columns of
/// `C`, `B` in place with at most `2·mr` rows of `C`.
#[test]
fn reads_are_chosen_as_documented() {
    let micro = Kernel::<f64>::of(Variant::Portable { fused: false }).micro;
    let data = [0.0];
    let op = |rows, cols, rs| Operand {
        data: &data[..],
        rows,
        cols,
        rs,
        cs: 1,
    };
    for (mr, nr) in [(16, 8), (8, 6), (4, 4)] {
        let kernel = Kernel { mr, nr, micro };
        for m in [2 * mr - 1, 2 * mr, 2 * mr + 1] {
            for n in [4 * nr - 1, 4 * nr, 4 * nr + 1] {
                for rs in [1, 2, 5] {
                    let want = Reads {
                        a_in_place: rs == 1 && n <= 4 * nr,
                        b_in_place: m <= 2 * mr,
                    };
                    let got = Reads::choose(&op(m, 5, rs), &op(5, n, 1), &kernel);
                    assert_eq!(got, want, "{mr} × {nr}: ({m}, 5)·(5, {n}), rs {rs}");
                }
            }
        }
    }
}

/// Products with an empty dimension: `C` empty, or all zeros when `k = 0`.
#[test]
fn empty_products_are_empty_or_zero() {
    let data = [1.0_f64; 6];
    for (m, k, n) in [(0, 3, 2), (2, 3, 0), (0, 0, 0), (2, 0, 3), (0, 2, 0)] {
        let mut c = vec![f64::NAN; m * n];
        let (a, b) = (operand(&data, m, k, false), operand(&data, k, n, true));
        gemm(&mut c, a, b, &mut Vec::new());
        assert!(c.iter().all(|&v| v == 0.0), "({m}, {k})·({k}, {n})");
    }
}

/// The packing buffer holds one block of each factor: `MC` rows of `A`
/// (rounded down to whole panels) by `KC` steps, and `NC` columns of `B`
/// likewise, each rounded up to whole panels when the factor is smaller.
#[test]
fn the_packing_buffer_holds_one_block_of_each_factor() {
    let (m, k, n) = (300, 300, 1100);
    let (ad, bd) = (vec![0.5_f32; m * k], vec![0.25_f32; k * n]);
    let (a, b) = (operand(&ad, m, k, false), operand(&bd, k, n, false));
    for v in [
        Variant::Avx512,
        Variant::Avx2,
        Variant::Portable { fused: false },
    ] {
        if !v.available() {
            continue;
        }
        let Kernel { mr, nr, .. } = Kernel::<f32>::of(v);
        let mut pack = Vec::new();
        let mut c = vec![0.0; m * n];
        gemm_with(v, &mut c, a, b, &mut pack);
        let want = (MC / mr * mr + NC / nr * nr) * KC;
        assert_eq!(pack.len(), want, "{v:?}");
        let (m, n) = (5, 7);
        let mut small = Vec::new();
        gemm_with(
            v,
            &mut c[..m * n],
            operand(&ad, m, k, false),
            operand(&bd, k, n, false),
            &mut small,
        );
        let want = (m.div_ceil(mr) * mr + n.div_ceil(nr) * nr) * KC;
        assert_eq!(small.len(), want, "{v:?}");
    }
}

/// Split across 1, 2, 3 and 7 threads (forced to split even the smallest
/// product), every available variant and every layout gives the one-thread
/// bits, which are the reference order's.
fn split_gives_the_same_bits_for_any_thread_count<T: Sample>() {
    let mut rng = Pcg64::seed_from_u64(11);
    let pools = [1, 2, 3, 7].map(crate::threads::Pool::new);
    let pairs = LAYOUTS.into_iter().flat_map(|l| LAYOUTS.map(|r| (l, r)));
    let pairs: Vec<_> = pairs.collect();
    let mut ran = 0;
    for &(m, k, n) in &SHAPES {
        let (ad, bd) = case::<T>(&mut rng, m, k, n);
        for &(la, lb) in &pairs {
            let (a_stored, b_stored) = (lay_out(&ad, m, k, la), lay_out(&bd, k, n, lb));
            let (a, b) = (laid_out(&a_stored, m, k), laid_out(&b_stored, k, n));
            for v in [Variant::detect(), Variant::Portable { fused: false }] {
                let mut one = vec![T::of_f64(f64::NAN); m * n];
                gemm_forcing(v, None, None, &mut one, a, b, &mut Vec::new());
                for pool in &pools {
                    let packs: Vec<_> = (0..pool.threads())
                        .map(|_| Mutex::new(Vec::new()))
                        .collect();
                    let mut c = vec![T::of_f64(f64::NAN); m * n];
                    gemm_split(v, 1, pool, &mut c, a, b, &packs);
                    assert_eq!(
                        bits(&c),
                        bits(&one),
                        "{v:?} {} ({m}, {k})·({k}, {n}), {la:?} {lb:?}, {} threads",
                        T::NAME,
                        pool.threads()
                    );
                    ran += 1;
                }
            }
        }
    }
    assert_eq!(ran, SHAPES.len() * pairs.len() * 2 * pools.len());
}

#[test]
fn split_gives_the_same_bits_for_any_thread_count_f64() {
    split_gives_the_same_bits_for_any_thread_count::<f64>();
}

#[test]
fn split_gives_the_same_bits_for_any_thread_count_f32() {
    split_gives_the_same_bits_for_any_thread_count::<f32>();
}

/// The threshold keeps small products on one thread, and the split never
/// uses more threads than there are tiles along the dimension it splits
/// (columns, or rows when `C` is taller than wide).
#[test]
fn small_products_and_narrow_ones_stay_on_fewer_threads() {
    let pool = crate::threads::Pool::new(4);
    let used = |m: usize, k: usize, n: usize, min_work: usize| {
        let packs: Vec<_> = (0..4).map(|_| Mutex::new(Vec::<f64>::new())).collect();
        let (a, b) = (vec![1.0; m * k], vec![1.0; k * n]);
        let mut c = vec![0.0; m * n];
        let v = Variant::Portable { fused: false };
        gemm_split(
            v,
            min_work,
            &pool,
            &mut c,
            operand(&a, m, k, false),
            operand(&b, k, n, false),
            &packs,
        );
        assert!(c.iter().all(|&x| x == k as f64));
        packs
            .iter()
            .filter(|p| !p.lock().unwrap().is_empty())
            .count()
    };
    assert_eq!(used(8, 8, 64, 1 << 20), 1); // 4096 multiply-adds, under the threshold
    assert_eq!(used(8, 8, 64, 1), 4);
    assert_eq!(used(8, 8, 64, 4096), 4); // at the threshold, every thread
    assert_eq!(used(8, 8, 64, 4097), 1); // just below it, one
    assert_eq!(used(8, 8, 8, 1), 2); // two tiles of 4 columns (portable)
    assert_eq!(used(64, 8, 8, 1), 4); // taller than wide: split by rows, 16 tiles of 4
    assert_eq!(used(6, 8, 4, 1), 2); // two tiles of rows, the second an edge
}
