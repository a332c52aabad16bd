//! The matrix path's product kernel: `C = op(A)·op(B)`, blocked and packed
//! as BLAS libraries do it, writing its packed panels into a buffer the
//! caller owns.
//!
//! **Why the crate has its own.** nalgebra hands large products to the
//! `matrixmultiply` crate, which allocates its packing buffer on every call:
//! six allocations in each training step of the notes' network, however the
//! rest of the step is written. This kernel does the same work into the
//! caller's buffer (`dualpath::Scratch`), so a training step allocates
//! nothing.
//!
//! **How it works** (Goto and van de Geijn's layout, the one BLIS,
//! OpenBLAS and `matrixmultiply` use). The inner dimension `k` is cut into
//! blocks of [`KC`]; for each block a slab of `B` is copied ("packed") into
//! panels of `nr` columns, and a slab of `A` into panels of `mr` rows, each
//! panel contiguous in the order the microkernel reads it. The microkernel
//! keeps an `mr × nr` tile of `C` in vector registers and, for each `p` of
//! the block, adds the outer product of one packed column of `A` and one
//! packed row of `B`: `mr·nr` fused multiply-adds from `mr + nr` loads. The
//! packing costs `O(m·k + k·n)` and is repaid `nr` and `mr` times over.
//!
//! **The same bits as `matrixmultiply`.** Every element of `C` is computed
//! in one fixed order: within each block of `KC` values of `p`, a chain of
//! multiply-adds from zero, `s ← a_ip·b_pj + s`; the first block's sum is
//! stored, each later block's added to it. With fused multiply-adds where
//! the processor has them (x86-64 with AVX2 and FMA, and AArch64), and a
//! separate multiply and add elsewhere, that is exactly what `matrixmultiply`
//! 0.3 computes, so switching changed no number; a unit test compares the
//! two bit for bit. The order does not depend on the vector width, which is
//! why the AVX-512 and AVX2 variants agree to the bit as well.

use crate::Element;
use crate::cpu::Features;
use std::any::TypeId;

/// The block of the inner dimension: 256, as `matrixmultiply`'s `D_KC` and
/// `S_KC`, which fixes where one block's sum is added to the next.
pub const KC: usize = 256;
/// Rows of `A` packed at a time, before rounding to a multiple of `mr`.
const MC: usize = 128;
/// Columns of `B` packed at a time, before rounding to a multiple of `nr`.
const NC: usize = 1024;

/// One factor of a product: an `(rows, cols)` matrix whose element `(i, j)`
/// is `data[i·rs + j·cs]`. A column-major matrix as stored has `rs = 1`,
/// `cs = rows`; its transpose is the same data with the strides swapped.
#[derive(Clone, Copy, Debug)]
pub struct Operand<'a, T> {
    /// The elements.
    pub data: &'a [T],
    /// Rows of the operand.
    pub rows: usize,
    /// Columns of the operand.
    pub cols: usize,
    /// Distance between rows.
    pub rs: usize,
    /// Distance between columns.
    pub cs: usize,
}

impl<T: Copy> Operand<'_, T> {
    /// Panics unless every element lies inside `data`.
    fn check(&self, name: &str) {
        let last = if self.rows == 0 || self.cols == 0 {
            0
        } else {
            (self.rows - 1) * self.rs + (self.cols - 1) * self.cs + 1
        };
        assert!(
            last <= self.data.len(),
            "gemm: {name} is ({}, {}) with strides ({}, {}) but holds only {} values",
            self.rows,
            self.cols,
            self.rs,
            self.cs,
            self.data.len()
        );
    }
}

/// The microkernel variants, from the widest vectors down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// x86-64 AVX-512: 8 `f64` or 16 `f32` per register, fused multiply-add.
    Avx512,
    /// x86-64 AVX2 with FMA: 4 `f64` or 8 `f32` per register.
    Avx2,
    /// Plain Rust, fused (`mul_add`) or not: any processor.
    Portable {
        /// Whether each step is one fused multiply-add or a multiply and an add.
        fused: bool,
    },
}

impl Variant {
    /// The variant for this processor: the widest vectors it has, with fused
    /// multiply-adds exactly where `matrixmultiply` uses them.
    pub fn detect() -> Variant {
        if Variant::Avx512.available() {
            Variant::Avx512
        } else if Variant::Avx2.available() {
            Variant::Avx2
        } else {
            Variant::Portable {
                fused: cfg!(target_arch = "aarch64"),
            }
        }
    }

    /// Whether this processor can run the variant ([`Features::detected`]).
    pub fn available(self) -> bool {
        let has = Features::detected();
        match self {
            Variant::Avx512 => has.avx512f && has.avx2 && has.fma,
            Variant::Avx2 => has.avx2 && has.fma,
            Variant::Portable { .. } => true,
        }
    }
}

/// `C = op(A)·op(B)` with the variant for this processor: `a` is
/// `(m, k)`, `b` is `(k, n)`, and `c` the `m·n` values of a column-major
/// `(m, n)` matrix, all overwritten. `pack` holds the packed panels; it grows
/// on first use to the size this product needs and is reused after.
///
/// # Panics
/// If the shapes do not chain, `c` has not `m·n` values, or an operand's
/// strides reach outside its data.
pub fn gemm<T: Element>(c: &mut [T], a: Operand<'_, T>, b: Operand<'_, T>, pack: &mut Vec<T>) {
    gemm_with(Variant::detect(), c, a, b, pack);
}

/// [`gemm`] with a given variant (the tests run each one).
///
/// # Panics
/// As [`gemm`], and if this processor cannot run `variant`.
pub fn gemm_with<T: Element>(
    variant: Variant,
    c: &mut [T],
    a: Operand<'_, T>,
    b: Operand<'_, T>,
    pack: &mut Vec<T>,
) {
    gemm_reading(variant, None, c, a, b, pack);
}

/// [`gemm_with`], reading the factors as `reads` says (the tests try every
/// way), or as [`Reads::choose`] picks.
fn gemm_reading<T: Element>(
    variant: Variant,
    reads: Option<Reads>,
    c: &mut [T],
    a: Operand<'_, T>,
    b: Operand<'_, T>,
    pack: &mut Vec<T>,
) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert!(
        b.rows == k && c.len() == m * n,
        "gemm: A is ({m}, {k}) and B is ({}, {n}), but C holds {} values",
        b.rows,
        c.len()
    );
    a.check("A");
    b.check("B");
    assert!(
        variant.available(),
        "gemm: this processor cannot run {variant:?}"
    );
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        c.fill(T::ZERO);
        return;
    }
    let kernel = Kernel::<T>::of(variant);
    let reads = reads.unwrap_or_else(|| Reads::choose(&a, &b, &kernel));
    blocked(kernel, reads, c, a, b, pack);
}

/// Which factors the microkernel reads where they are stored, instead of
/// from a packed copy. Packing pays when a panel is read many times; when
/// it is read once or twice, the copy costs as much as the products. So:
///
/// - `A` in place when its columns are contiguous (`rs = 1`, as `A_in`
///   and `dZ` are stored) and `C` has at most `4·nr` columns, so that each
///   of `A`'s micro-panels is read at most four times (`A_in·W` for the
///   thin layers of the course's networks);
/// - `B` in place when `C` has at most `2·mr` rows, so that each of `B`'s
///   micro-panels is read at most twice (a batch of 32 against a wide
///   layer's `W`).
///
/// The edge panels (fewer than `mr` rows or `nr` columns) are always packed,
/// so that no read goes past the operand. Neither choice changes the order
/// of any addition, so the bits are the same either way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Reads {
    a_in_place: bool,
    b_in_place: bool,
}

impl Reads {
    fn choose<T>(a: &Operand<'_, T>, b: &Operand<'_, T>, kernel: &Kernel<T>) -> Reads {
        Reads {
            a_in_place: a.rs == 1 && b.cols <= 4 * kernel.nr,
            b_in_place: a.rows <= 2 * kernel.mr,
        }
    }
}

/// A microkernel: the `mr × nr` sum `S = Σ_p a_p·b_pᵀ` over `kc` steps,
/// written into the column-major tile at `c` (columns `ldc` apart):
/// `C = S`, or `C = C + S` when `add` (one rounding per element either way).
type Micro<T> = unsafe fn(kc: usize, a: Panel<T>, b: Panel<T>, c: *mut T, ldc: usize, add: bool);

/// Where a microkernel reads one factor's `kc` steps: step `p`'s values at
/// `ptr + p·step + i·stride`, `i` along the tile (`mr` rows of `A`, `nr`
/// columns of `B`). A packed panel has `step` = the tile's side and
/// `stride = 1`. A factor can also be read where it is stored: `A` when its
/// columns are contiguous (`stride = 1`, `step` = the column distance), and
/// `B` at any strides, since its values are broadcast one at a time.
/// `A`'s values of a step are always loaded as vectors, so `A` needs `stride = 1`.
#[derive(Clone, Copy, Debug)]
struct Panel<T> {
    ptr: *const T,
    step: usize,
    stride: usize,
}

impl<T> Panel<T> {
    /// A packed panel of `side` values per step.
    fn packed(values: &[T], side: usize) -> Self {
        Panel {
            ptr: values.as_ptr(),
            step: side,
            stride: 1,
        }
    }
}

/// A microkernel with its tile shape.
struct Kernel<T> {
    mr: usize,
    nr: usize,
    micro: Micro<T>,
}

/// Columns of the AVX-512 `f32` tile. 12 (24 accumulators) measured no
/// faster: 130-138 GFLOP/s either way for `(256, 1024)·(1024, 1024)` on one
/// core of an Intel Xeon (family 6, model 207), as `MC` and `NC` from 64 to 256 and 256 to 1024 did.
const F32_NR: usize = 8;

/// The largest tile of any microkernel (32 × F32_NR `f32` for AVX-512).
const TILE_MAX: usize = 32 * F32_NR;

impl<T: Element> Kernel<T> {
    fn of(variant: Variant) -> Self {
        let is = |t: TypeId| TypeId::of::<T>() == t;
        let (f64_, f32_) = (is(TypeId::of::<f64>()), is(TypeId::of::<f32>()));
        // SAFETY (every transmute below): each changes a function pointer's
        // element type from f64 (or f32) to T only when T is that very type,
        // so the pointer is unchanged and is called with the types it takes.
        match variant {
            #[cfg(target_arch = "x86_64")]
            Variant::Avx512 if f64_ => Kernel {
                mr: 16,
                nr: 8,
                micro: unsafe { std::mem::transmute::<Micro<f64>, Micro<T>>(x86::f64_avx512) },
            },
            #[cfg(target_arch = "x86_64")]
            Variant::Avx512 if f32_ => Kernel {
                mr: 32,
                nr: F32_NR,
                micro: unsafe {
                    std::mem::transmute::<Micro<f32>, Micro<T>>(x86::f32_avx512::<F32_NR>)
                },
            },
            #[cfg(target_arch = "x86_64")]
            Variant::Avx2 if f64_ => Kernel {
                mr: 8,
                nr: 6,
                micro: unsafe { std::mem::transmute::<Micro<f64>, Micro<T>>(x86::f64_avx2) },
            },
            #[cfg(target_arch = "x86_64")]
            Variant::Avx2 if f32_ => Kernel {
                mr: 16,
                nr: 6,
                micro: unsafe { std::mem::transmute::<Micro<f32>, Micro<T>>(x86::f32_avx2) },
            },
            Variant::Portable { fused: true } => Kernel {
                mr: 4,
                nr: 4,
                micro: portable::<T, true>,
            },
            // Not fused, and the fallback for any other type.
            _ => Kernel {
                mr: 4,
                nr: 4,
                micro: portable::<T, false>,
            },
        }
    }
}

/// The plain-Rust microkernel, 4 × 4: the reference every variant must match.
///
/// # Safety
/// `a` and `b` must hold `kc` steps of 4 values each (see [`Panel`]), and
/// `c` a 4 × 4 tile with columns `ldc` apart.
unsafe fn portable<T: Element, const FUSED: bool>(
    kc: usize,
    a: Panel<T>,
    b: Panel<T>,
    c: *mut T,
    ldc: usize,
    add: bool,
) {
    let mut acc = [[T::ZERO; 4]; 4];
    for p in 0..kc {
        for (j, col) in acc.iter_mut().enumerate() {
            // SAFETY: p < kc and j < 4: a value of B's panel.
            let bj = unsafe { *b.ptr.add(b.step * p + b.stride * j) };
            for (i, s) in col.iter_mut().enumerate() {
                // SAFETY: p < kc and i < 4: a value of A's panel.
                let ai = unsafe { *a.ptr.add(a.step * p + a.stride * i) };
                *s = if FUSED {
                    ai.fused_mul_add(bj, *s)
                } else {
                    ai * bj + *s
                };
            }
        }
    }
    for (j, col) in acc.iter().enumerate() {
        for (i, &s) in col.iter().enumerate() {
            // SAFETY: the tile is 4 × 4 with columns ldc apart.
            let cij = unsafe { &mut *c.add(i + ldc * j) };
            *cij = if add { *cij + s } else { s };
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    //! The vector microkernels. Each keeps its tile in registers: per step
    //! `p` it loads one packed column of `A` (`mr` values, two registers),
    //! broadcasts each of the `nr` values of `B` in turn, and does
    //! `2·nr` fused multiply-adds, `s ← a·b + s`, the order of the reference.
    use super::Panel;
    use std::arch::x86_64::*;

    /// 16 × 8 `f64`: 16 accumulators of 8 lanes.
    ///
    /// # Safety
    /// The processor has AVX-512F; `a` holds `kc` steps of 16 values with `stride = 1`, `b` `kc` steps of 8 (see [`Panel`](super::Panel)); `c` is a 16 × 8 tile, columns `ldc` apart.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn f64_avx512(
        kc: usize,
        a: Panel<f64>,
        b: Panel<f64>,
        c: *mut f64,
        ldc: usize,
        add: bool,
    ) {
        let mut lo = [_mm512_setzero_pd(); 8];
        let mut hi = [_mm512_setzero_pd(); 8];
        for p in 0..kc {
            unsafe {
                let a0 = _mm512_loadu_pd(a.ptr.add(a.step * p));
                let a1 = _mm512_loadu_pd(a.ptr.add(a.step * p + 8));
                for j in 0..8 {
                    let bj = _mm512_set1_pd(*b.ptr.add(b.step * p + b.stride * j));
                    lo[j] = _mm512_fmadd_pd(a0, bj, lo[j]);
                    hi[j] = _mm512_fmadd_pd(a1, bj, hi[j]);
                }
            }
        }
        for j in 0..8 {
            unsafe {
                let (c0, c1) = (c.add(ldc * j), c.add(ldc * j + 8));
                if add {
                    _mm512_storeu_pd(c0, _mm512_add_pd(_mm512_loadu_pd(c0), lo[j]));
                    _mm512_storeu_pd(c1, _mm512_add_pd(_mm512_loadu_pd(c1), hi[j]));
                } else {
                    _mm512_storeu_pd(c0, lo[j]);
                    _mm512_storeu_pd(c1, hi[j]);
                }
            }
        }
    }

    /// 32 × NR `f32`: 2·NR accumulators of 16 lanes.
    ///
    /// # Safety
    /// The processor has AVX-512F; `a` holds `kc` steps of 32 values with `stride = 1`, `b` `kc` steps of NR (see [`Panel`](super::Panel)); `c` is a 32 × NR tile, columns `ldc` apart.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn f32_avx512<const NR: usize>(
        kc: usize,
        a: Panel<f32>,
        b: Panel<f32>,
        c: *mut f32,
        ldc: usize,
        add: bool,
    ) {
        let mut lo = [_mm512_setzero_ps(); NR];
        let mut hi = [_mm512_setzero_ps(); NR];
        for p in 0..kc {
            unsafe {
                let a0 = _mm512_loadu_ps(a.ptr.add(a.step * p));
                let a1 = _mm512_loadu_ps(a.ptr.add(a.step * p + 16));
                for j in 0..NR {
                    let bj = _mm512_set1_ps(*b.ptr.add(b.step * p + b.stride * j));
                    lo[j] = _mm512_fmadd_ps(a0, bj, lo[j]);
                    hi[j] = _mm512_fmadd_ps(a1, bj, hi[j]);
                }
            }
        }
        for j in 0..NR {
            unsafe {
                let (c0, c1) = (c.add(ldc * j), c.add(ldc * j + 16));
                if add {
                    _mm512_storeu_ps(c0, _mm512_add_ps(_mm512_loadu_ps(c0), lo[j]));
                    _mm512_storeu_ps(c1, _mm512_add_ps(_mm512_loadu_ps(c1), hi[j]));
                } else {
                    _mm512_storeu_ps(c0, lo[j]);
                    _mm512_storeu_ps(c1, hi[j]);
                }
            }
        }
    }

    /// 8 × 6 `f64`: 12 accumulators of 4 lanes.
    ///
    /// # Safety
    /// The processor has AVX2 and FMA; `a` holds `kc` steps of 8 values with `stride = 1`, `b` `kc` steps of 6 (see [`Panel`](super::Panel)); `c` is an 8 × 6 tile, columns `ldc` apart.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn f64_avx2(
        kc: usize,
        a: Panel<f64>,
        b: Panel<f64>,
        c: *mut f64,
        ldc: usize,
        add: bool,
    ) {
        let mut lo = [_mm256_setzero_pd(); 6];
        let mut hi = [_mm256_setzero_pd(); 6];
        for p in 0..kc {
            unsafe {
                let a0 = _mm256_loadu_pd(a.ptr.add(a.step * p));
                let a1 = _mm256_loadu_pd(a.ptr.add(a.step * p + 4));
                for j in 0..6 {
                    let bj = _mm256_set1_pd(*b.ptr.add(b.step * p + b.stride * j));
                    lo[j] = _mm256_fmadd_pd(a0, bj, lo[j]);
                    hi[j] = _mm256_fmadd_pd(a1, bj, hi[j]);
                }
            }
        }
        for j in 0..6 {
            unsafe {
                let (c0, c1) = (c.add(ldc * j), c.add(ldc * j + 4));
                if add {
                    _mm256_storeu_pd(c0, _mm256_add_pd(_mm256_loadu_pd(c0), lo[j]));
                    _mm256_storeu_pd(c1, _mm256_add_pd(_mm256_loadu_pd(c1), hi[j]));
                } else {
                    _mm256_storeu_pd(c0, lo[j]);
                    _mm256_storeu_pd(c1, hi[j]);
                }
            }
        }
    }

    /// 16 × 6 `f32`: 12 accumulators of 8 lanes.
    ///
    /// # Safety
    /// The processor has AVX2 and FMA; `a` holds `kc` steps of 16 values with `stride = 1`, `b` `kc` steps of 6 (see [`Panel`](super::Panel)); `c` is a 16 × 6 tile, columns `ldc` apart.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn f32_avx2(
        kc: usize,
        a: Panel<f32>,
        b: Panel<f32>,
        c: *mut f32,
        ldc: usize,
        add: bool,
    ) {
        let mut lo = [_mm256_setzero_ps(); 6];
        let mut hi = [_mm256_setzero_ps(); 6];
        for p in 0..kc {
            unsafe {
                let a0 = _mm256_loadu_ps(a.ptr.add(a.step * p));
                let a1 = _mm256_loadu_ps(a.ptr.add(a.step * p + 8));
                for j in 0..6 {
                    let bj = _mm256_set1_ps(*b.ptr.add(b.step * p + b.stride * j));
                    lo[j] = _mm256_fmadd_ps(a0, bj, lo[j]);
                    hi[j] = _mm256_fmadd_ps(a1, bj, hi[j]);
                }
            }
        }
        for j in 0..6 {
            unsafe {
                let (c0, c1) = (c.add(ldc * j), c.add(ldc * j + 8));
                if add {
                    _mm256_storeu_ps(c0, _mm256_add_ps(_mm256_loadu_ps(c0), lo[j]));
                    _mm256_storeu_ps(c1, _mm256_add_ps(_mm256_loadu_ps(c1), hi[j]));
                } else {
                    _mm256_storeu_ps(c0, lo[j]);
                    _mm256_storeu_ps(c1, hi[j]);
                }
            }
        }
    }

    /// The transposing copy of [`super::pack_panel`] in `f32`, eight by
    /// eight in registers: `dst[p·width + f] = src[f·stride + p]` for
    /// `f < count`, `p < kc`. Blocks of eight runs by eight steps are loaded
    /// as eight vectors (one per run), transposed with the classic
    /// unpack/shuffle/permute sequence, and stored as eight vectors (one per
    /// step); the rest is copied one value at a time. A copy, so any order
    /// gives the same panel.
    ///
    /// # Safety
    /// The processor has AVX; `src[f·stride + p]` is readable and
    /// `dst[p·width + f]` writable for every `f < count ≤ width`, `p < kc`.
    #[target_feature(enable = "avx")]
    pub(super) unsafe fn transpose_f32(
        dst: *mut f32,
        width: usize,
        src: *const f32,
        stride: usize,
        count: usize,
        kc: usize,
    ) {
        let (f8, p8) = (count / 8 * 8, kc / 8 * 8);
        unsafe {
            for p0 in (0..p8).step_by(8) {
                for f0 in (0..f8).step_by(8) {
                    let r = |i: usize| _mm256_loadu_ps(src.add((f0 + i) * stride + p0));
                    let (r0, r1, r2, r3) = (r(0), r(1), r(2), r(3));
                    let (r4, r5, r6, r7) = (r(4), r(5), r(6), r(7));
                    // Pairs of runs interleaved, then quads: tᵢ hold steps
                    // q and q + 4 of four runs each.
                    let (a0, a1) = (_mm256_unpacklo_ps(r0, r1), _mm256_unpackhi_ps(r0, r1));
                    let (a2, a3) = (_mm256_unpacklo_ps(r2, r3), _mm256_unpackhi_ps(r2, r3));
                    let (a4, a5) = (_mm256_unpacklo_ps(r4, r5), _mm256_unpackhi_ps(r4, r5));
                    let (a6, a7) = (_mm256_unpacklo_ps(r6, r7), _mm256_unpackhi_ps(r6, r7));
                    let t0 = _mm256_shuffle_ps::<0x44>(a0, a2);
                    let t1 = _mm256_shuffle_ps::<0xEE>(a0, a2);
                    let t2 = _mm256_shuffle_ps::<0x44>(a1, a3);
                    let t3 = _mm256_shuffle_ps::<0xEE>(a1, a3);
                    let t4 = _mm256_shuffle_ps::<0x44>(a4, a6);
                    let t5 = _mm256_shuffle_ps::<0xEE>(a4, a6);
                    let t6 = _mm256_shuffle_ps::<0x44>(a5, a7);
                    let t7 = _mm256_shuffle_ps::<0xEE>(a5, a7);
                    let steps = [
                        _mm256_permute2f128_ps::<0x20>(t0, t4),
                        _mm256_permute2f128_ps::<0x20>(t1, t5),
                        _mm256_permute2f128_ps::<0x20>(t2, t6),
                        _mm256_permute2f128_ps::<0x20>(t3, t7),
                        _mm256_permute2f128_ps::<0x31>(t0, t4),
                        _mm256_permute2f128_ps::<0x31>(t1, t5),
                        _mm256_permute2f128_ps::<0x31>(t2, t6),
                        _mm256_permute2f128_ps::<0x31>(t3, t7),
                    ];
                    for (q, v) in steps.into_iter().enumerate() {
                        _mm256_storeu_ps(dst.add((p0 + q) * width + f0), v);
                    }
                }
            }
            super::transpose_rest(dst, width, src, stride, (count, f8), (kc, p8));
        }
    }

    /// [`transpose_f32`] in `f64`, four by four.
    ///
    /// # Safety
    /// As [`transpose_f32`].
    #[target_feature(enable = "avx")]
    pub(super) unsafe fn transpose_f64(
        dst: *mut f64,
        width: usize,
        src: *const f64,
        stride: usize,
        count: usize,
        kc: usize,
    ) {
        let (f4, p4) = (count / 4 * 4, kc / 4 * 4);
        unsafe {
            for p0 in (0..p4).step_by(4) {
                for f0 in (0..f4).step_by(4) {
                    let r = |i: usize| _mm256_loadu_pd(src.add((f0 + i) * stride + p0));
                    let (r0, r1, r2, r3) = (r(0), r(1), r(2), r(3));
                    let (a0, a1) = (_mm256_unpacklo_pd(r0, r1), _mm256_unpackhi_pd(r0, r1));
                    let (a2, a3) = (_mm256_unpacklo_pd(r2, r3), _mm256_unpackhi_pd(r2, r3));
                    let steps = [
                        _mm256_permute2f128_pd::<0x20>(a0, a2),
                        _mm256_permute2f128_pd::<0x20>(a1, a3),
                        _mm256_permute2f128_pd::<0x31>(a0, a2),
                        _mm256_permute2f128_pd::<0x31>(a1, a3),
                    ];
                    for (q, v) in steps.into_iter().enumerate() {
                        _mm256_storeu_pd(dst.add((p0 + q) * width + f0), v);
                    }
                }
            }
            super::transpose_rest(dst, width, src, stride, (count, f4), (kc, p4));
        }
    }
}

/// The loops around the microkernel: blocks of `B` columns, of the inner
/// dimension (in order: this fixes the sum), and of `A` rows; then tiles.
fn blocked<T: Element>(
    kernel: Kernel<T>,
    reads: Reads,
    c: &mut [T],
    a: Operand<'_, T>,
    b: Operand<'_, T>,
    pack: &mut Vec<T>,
) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    let Kernel { mr, nr, micro } = kernel;
    assert!(
        !reads.a_in_place || a.rs == 1,
        "gemm: A read in place needs contiguous columns"
    );
    let (mc_block, nc_block) = ((MC / mr) * mr, (NC / nr) * nr);
    let a_len = m.min(mc_block).div_ceil(mr) * mr * k.min(KC);
    let b_len = n.min(nc_block).div_ceil(nr) * nr * k.min(KC);
    if pack.len() < a_len + b_len {
        pack.resize(a_len + b_len, T::ZERO);
    }
    let (a_pack, rest) = pack.split_at_mut(a_len);
    let b_pack = &mut rest[..b_len];
    let mut tile = [T::ZERO; TILE_MAX];
    for jc in (0..n).step_by(nc_block) {
        let nc = nc_block.min(n - jc);
        for pc in (0..k).step_by(KC) {
            let kc = KC.min(k - pc);
            if !reads.b_in_place {
                pack_b(b_pack, b, pc, kc, jc, nc, nr);
            } else if nc % nr != 0 {
                let q = nc / nr; // only the edge panel
                let panel = &mut b_pack[q * nr * kc..][..nr * kc];
                pack_panel(panel, b, (jc + q * nr, nc % nr), (pc, kc), nr, true);
            }
            for ic in (0..m).step_by(mc_block) {
                let mc = mc_block.min(m - ic);
                if !reads.a_in_place {
                    pack_a(a_pack, a, ic, mc, pc, kc, mr);
                } else if mc % mr != 0 {
                    let q = mc / mr; // only the edge panel
                    let panel = &mut a_pack[q * mr * kc..][..mr * kc];
                    pack_panel(panel, a, (ic + q * mr, mc % mr), (pc, kc), mr, false);
                }
                for jr in (0..nc).step_by(nr) {
                    let cols = nr.min(nc - jr);
                    let bp = if reads.b_in_place && cols == nr {
                        // B[pc + p, jc + jr + j] at p·rs + j·cs from here.
                        Panel {
                            ptr: b.data[pc * b.rs + (jc + jr) * b.cs..].as_ptr(),
                            step: b.rs,
                            stride: b.cs,
                        }
                    } else {
                        Panel::packed(&b_pack[(jr / nr) * nr * kc..][..nr * kc], nr)
                    };
                    for ir in (0..mc).step_by(mr) {
                        let rows = mr.min(mc - ir);
                        let ap = if reads.a_in_place && rows == mr {
                            // A[ic + ir + i, pc + p] at i + p·cs from here (rs = 1).
                            Panel {
                                ptr: a.data[ic + ir + pc * a.cs..].as_ptr(),
                                step: a.cs,
                                stride: 1,
                            }
                        } else {
                            Panel::packed(&a_pack[(ir / mr) * mr * kc..][..mr * kc], mr)
                        };
                        let first = (jc + jr) * m + ic + ir; // C[ic + ir, jc + jr]
                        if rows == mr && cols == nr {
                            // SAFETY: each panel holds kc steps of its tile
                            // side: a packed one was sliced to mr·kc or nr·kc
                            // values above; one read in place is a full tile
                            // of the operand (rows == mr, cols == nr, p < kc
                            // ≤ k - pc), whose elements all lie in its data
                            // (`Operand::check`). The tile's last element,
                            // C[ic + ir + mr - 1, jc + jr + nr - 1], is inside
                            // c; `Kernel::of` chose a microkernel this
                            // processor runs.
                            let c_tile = c[first..].as_mut_ptr();
                            debug_assert!(first + (nr - 1) * m + mr <= c.len());
                            unsafe { micro(kc, ap, bp, c_tile, m, pc > 0) };
                            continue;
                        }
                        // An edge tile: the sum into the stack tile, then
                        // only the rows and columns that exist into C.
                        // SAFETY: as above, with the stack tile (mr·nr ≤ TILE_MAX values).
                        unsafe { micro(kc, ap, bp, tile.as_mut_ptr(), mr, false) };
                        for j in 0..cols {
                            let col = &mut c[first + j * m..][..rows];
                            let sums = &tile[j * mr..][..rows];
                            if pc == 0 {
                                col.copy_from_slice(sums); // the first block's sum
                            } else {
                                for (c, &s) in col.iter_mut().zip(sums) {
                                    *c += s; // each later block's, added
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Copies rows `ic..ic+mc`, columns `pc..pc+kc` of `A` into panels of `mr`
/// rows: panel `q`, step `p` holds `A[ic + q·mr + i, pc + p]` for `i < mr`
/// at `q·mr·kc + p·mr + i`, zero past the last row.
fn pack_a<T: Element>(
    dst: &mut [T],
    a: Operand<'_, T>,
    ic: usize,
    mc: usize,
    pc: usize,
    kc: usize,
    mr: usize,
) {
    for (q, panel) in dst
        .chunks_exact_mut(mr * kc)
        .take(mc.div_ceil(mr))
        .enumerate()
    {
        let rows = mr.min(mc - q * mr);
        pack_panel(panel, a, (ic + q * mr, rows), (pc, kc), mr, false);
    }
}

/// Copies rows `pc..pc+kc`, columns `jc..jc+nc` of `B` into panels of `nr`
/// columns: panel `q`, step `p` holds `B[pc + p, jc + q·nr + j]` for `j < nr`
/// at `q·nr·kc + p·nr + j`, zero past the last column.
fn pack_b<T: Element>(
    dst: &mut [T],
    b: Operand<'_, T>,
    pc: usize,
    kc: usize,
    jc: usize,
    nc: usize,
    nr: usize,
) {
    for (q, panel) in dst
        .chunks_exact_mut(nr * kc)
        .take(nc.div_ceil(nr))
        .enumerate()
    {
        let cols = nr.min(nc - q * nr);
        pack_panel(panel, b, (jc + q * nr, cols), (pc, kc), nr, true);
    }
}

/// One panel: for each step `p < kc`, `width` values of the operand along
/// its free dimension (`(start, count)` of them exist, the rest are zero),
/// at `p·width`. The free dimension is the rows of `A` or, `along_cols`,
/// the columns of `B`; the step runs along the other. Whichever of the two
/// is contiguous in memory is read in order.
fn pack_panel<T: Element>(
    panel: &mut [T],
    x: Operand<'_, T>,
    (start, count): (usize, usize),
    (pc, kc): (usize, usize),
    width: usize,
    along_cols: bool,
) {
    // Strides along the free dimension and along the step.
    let (free, step) = if along_cols {
        (x.cs, x.rs)
    } else {
        (x.rs, x.cs)
    };
    let base = |f: usize, p: usize| {
        if along_cols {
            p * x.rs + f * x.cs
        } else {
            f * x.rs + p * x.cs
        }
    };
    if count < width {
        panel.fill(T::ZERO);
    }
    if free == 1 {
        // Each step's values are one contiguous run.
        for p in 0..kc {
            let from = base(start, pc + p);
            panel[p * width..][..count].copy_from_slice(&x.data[from..][..count]);
        }
    } else if step == 1 {
        // Each free index's steps are one contiguous run: a transpose.
        if count == 0 || kc == 0 {
            return;
        }
        let runs = &x.data[base(start, pc)..=base(start + count - 1, pc + kc - 1)];
        if transpose_in_registers(panel, width, runs, free, count, kc) {
            return;
        }
        // Eight steps at a time, so that the writes stay within a few cache
        // lines of the panel while every run is still read in order.
        const STEPS: usize = 8;
        for p0 in (0..kc).step_by(STEPS) {
            let steps = STEPS.min(kc - p0);
            let rows = &mut panel[p0 * width..][..steps * width];
            for f in 0..count {
                let run = &x.data[base(start + f, pc + p0)..][..steps];
                for (q, &v) in run.iter().enumerate() {
                    rows[q * width + f] = v;
                }
            }
        }
    } else {
        for p in 0..kc {
            for f in 0..count {
                panel[p * width + f] = x.data[base(start + f, pc + p)];
            }
        }
    }
}

/// `panel[p·width + f] = runs[f·stride + p]` for `f < count`, `p < kc`,
/// with the vector transposes of `x86` when the processor has AVX and `T`
/// is `f32` or `f64`; false (and nothing written) otherwise.
fn transpose_in_registers<T: Element>(
    panel: &mut [T],
    width: usize,
    runs: &[T],
    stride: usize,
    count: usize,
    kc: usize,
) -> bool {
    assert!(
        count >= 1
            && kc >= 1
            && count <= width
            && panel.len() >= kc * width
            && runs.len() > (count - 1) * stride + (kc - 1),
        "transpose_in_registers: {count} runs of {kc} steps do not fit"
    );
    #[cfg(target_arch = "x86_64")]
    if Features::detected().avx {
        let (dst, src) = (panel.as_mut_ptr(), runs.as_ptr());
        // SAFETY: the processor has AVX (checked just above); every index
        // read, f·stride + p < runs.len(), and written, p·width + f <
        // panel.len(), is inside its slice (asserted above); the casts
        // change the element type only to the type T is.
        if TypeId::of::<T>() == TypeId::of::<f32>() {
            unsafe { x86::transpose_f32(dst.cast(), width, src.cast(), stride, count, kc) };
            return true;
        }
        if TypeId::of::<T>() == TypeId::of::<f64>() {
            unsafe { x86::transpose_f64(dst.cast(), width, src.cast(), stride, count, kc) };
            return true;
        }
    }
    false
}

/// What a vector transpose leaves, one value at a time: runs
/// `f_done..count` at every step, and steps `p_done..kc` of the other runs.
///
/// # Safety
/// As `x86::transpose_f32`.
#[cfg(target_arch = "x86_64")]
unsafe fn transpose_rest<T: Copy>(
    dst: *mut T,
    width: usize,
    src: *const T,
    stride: usize,
    (count, f_done): (usize, usize),
    (kc, p_done): (usize, usize),
) {
    unsafe {
        for f in f_done..count {
            for p in 0..kc {
                *dst.add(p * width + f) = *src.add(f * stride + p);
            }
        }
        for p in p_done..kc {
            for f in 0..f_done {
                *dst.add(p * width + f) = *src.add(f * stride + p);
            }
        }
    }
}

#[cfg(test)]
mod tests {
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

    fn every_variant_gives_the_reference_bits<T: Sample>() {
        let mut rng = Pcg64::seed_from_u64(7);
        let variants = [
            Variant::Avx512,
            Variant::Avx2,
            Variant::Portable { fused: true },
            Variant::Portable { fused: false },
        ];
        let mut ran = 0;
        for &(m, k, n) in &SHAPES {
            let (ad, bd) = case::<T>(&mut rng, m, k, n);
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                let (a, b) = (operand(&ad, m, k, ta), operand(&bd, k, n, tb));
                for v in variants.into_iter().filter(|v| v.available()) {
                    let fused = !matches!(v, Variant::Portable { fused: false });
                    let want = reference(a, b, fused);
                    // Packed or read in place, each factor (A in place only
                    // with contiguous columns), and as `Reads::choose` picks.
                    let mut ways = vec![None];
                    for a_in_place in [false, a.rs == 1] {
                        for b_in_place in [false, true] {
                            ways.push(Some(Reads {
                                a_in_place,
                                b_in_place,
                            }));
                        }
                    }
                    for reads in ways {
                        let mut c = vec![T::of_f64(f64::NAN); m * n]; // every value overwritten
                        let mut pack = Vec::new();
                        gemm_reading(v, reads, &mut c, a, b, &mut pack);
                        assert_eq!(
                            bits(&c),
                            bits(&want),
                            "{v:?} {} ({m}, {k})·({k}, {n}), transposed {ta} {tb}, {reads:?}",
                            T::NAME
                        );
                        ran += 1;
                    }
                }
            }
        }
        assert!(ran >= SHAPES.len() * 4 * 2 * 4, "ran {ran} cases");
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
        every_variant_gives_the_reference_bits::<f64>();
    }

    #[test]
    fn every_variant_gives_the_reference_bits_f32() {
        every_variant_gives_the_reference_bits::<f32>();
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
}
