//! The microkernels: the innermost loop of the product, which keeps an
//! `mr × nr` tile of `C` in registers and adds one outer product per step
//! of the inner dimension. [`Kernel::of`] picks the one for a
//! [`Variant`] and element type.

use super::Variant;
use crate::Element;
use std::any::TypeId;

/// A microkernel: the `mr × nr` sum `S = Σ_p a_p·b_pᵀ` over `kc` steps,
/// written into the column-major tile at `c` (columns `ldc` apart):
/// `C = S`, or `C = C + S` when `add` (one rounding per element either way).
pub(super) type Micro<T> =
    unsafe fn(kc: usize, a: Panel<T>, b: Panel<T>, c: *mut T, ldc: usize, add: bool);

/// Where a microkernel reads one factor's `kc` steps: step `p`'s values at
/// `ptr + p·step + i·stride`, `i` along the tile (`mr` rows of `A`, `nr`
/// columns of `B`). A packed panel has `step` = the tile's side and
/// `stride = 1`. A factor can also be read where it is stored: `A` when its
/// columns are contiguous (`stride = 1`, `step` = the column distance), and
/// `B` at any strides, since its values are broadcast one at a time.
/// `A`'s values of a step are always loaded as vectors, so `A` needs `stride = 1`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Panel<T> {
    pub(super) ptr: *const T,
    pub(super) step: usize,
    pub(super) stride: usize,
}

impl<T> Panel<T> {
    /// A packed panel of `side` values per step.
    pub(super) fn packed(values: &[T], side: usize) -> Self {
        Panel {
            ptr: values.as_ptr(),
            step: side,
            stride: 1,
        }
    }
}

/// A microkernel with its tile shape.
pub(super) struct Kernel<T> {
    pub(super) mr: usize,
    pub(super) nr: usize,
    pub(super) micro: Micro<T>,
}

/// Columns of the AVX-512 `f32` tile. 12 (24 accumulators) measured no
/// faster: 130-138 GFLOP/s either way for `(256, 1024)·(1024, 1024)` on one
/// core of an Intel Xeon (family 6, model 207), as `MC` and `NC` from 64 to 256 and 256 to 1024 did.
const F32_NR: usize = 8;

/// The largest tile of any microkernel (32 × F32_NR `f32` for AVX-512).
pub(super) const TILE_MAX: usize = 32 * F32_NR;

impl<T: Element> Kernel<T> {
    pub(super) fn of(variant: Variant) -> Self {
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
}
