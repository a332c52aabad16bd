//! The microkernels: the innermost loop of the product, which keeps an
//! `mr × nr` tile of `C` in registers and adds one outer product per step
//! of the inner dimension. [`Kernel::of`] picks the one for a
//! [`Variant`] and element type.

use super::Variant;
use crate::Element;

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
#[derive(Clone, Copy)]
pub(super) struct Kernel<T> {
    pub(super) mr: usize,
    pub(super) nr: usize,
    pub(super) micro: Micro<T>,
}

/// Columns of the AVX-512 `f32` tile. A 12-column tile (24 accumulators)
/// measured no faster than 8, nor did other `MC` and `NC`; see the main
/// crate's `docs/09-performance.md`.
const F32_NR: usize = 8;

/// The largest tile of any microkernel (32 × F32_NR `f32` for AVX-512): the
/// size of the stack tile an edge tile's sums go through.
pub(super) const TILE_MAX: usize = 32 * F32_NR;

// Every microkernel's tile fits the stack tile, checked as the crate builds:
// `blocked` hands each of them `TILE_MAX` values to write `mr·nr` into.
const _: () = {
    assert!(PORTABLE_TILE * PORTABLE_TILE <= TILE_MAX);
    #[cfg(target_arch = "x86_64")]
    {
        assert!(x86::F64_AVX512.mr * x86::F64_AVX512.nr <= TILE_MAX);
        assert!(x86::F32_AVX512.mr * x86::F32_AVX512.nr <= TILE_MAX);
        assert!(x86::F64_AVX2.mr * x86::F64_AVX2.nr <= TILE_MAX);
        assert!(x86::F32_AVX2.mr * x86::F32_AVX2.nr <= TILE_MAX);
    }
};

/// The side of the plain-Rust microkernel's square tile.
const PORTABLE_TILE: usize = 4;

impl<T: Element> Kernel<T> {
    /// The microkernel of `variant` in `T`.
    pub(super) fn of(variant: Variant) -> Self {
        let vector = match variant {
            #[cfg(target_arch = "x86_64")]
            Variant::Avx512 => Kernel::either(x86::F64_AVX512, x86::F32_AVX512),
            #[cfg(target_arch = "x86_64")]
            Variant::Avx2 => Kernel::either(x86::F64_AVX2, x86::F32_AVX2),
            _ => None,
        };
        vector.unwrap_or(Kernel {
            mr: PORTABLE_TILE,
            nr: PORTABLE_TILE,
            micro: match variant {
                Variant::Portable { fused: true } => portable::<T, true>,
                // Not fused, and the fallback for a variant with no vector kernel here.
                _ => portable::<T, false>,
            },
        })
    }

    /// Whichever of the two is in `T` (a safe downcast: `T` is one of the
    /// two types, so one of them is this very kernel).
    #[cfg(target_arch = "x86_64")]
    fn either(in_f64: Kernel<f64>, in_f32: Kernel<f32>) -> Option<Self> {
        use std::any::Any;
        let as_t = |k: &dyn Any| k.downcast_ref::<Kernel<T>>().copied();
        as_t(&in_f64).or_else(|| as_t(&in_f32))
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
    let mut acc = [[T::ZERO; PORTABLE_TILE]; PORTABLE_TILE];
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
    //! The vector microkernels, written once in [`vector_kernel!`] and
    //! stamped for each element type and instruction set. Each keeps its tile
    //! in registers: per step `p` it loads one packed column of `A` (`mr`
    //! values, two registers), broadcasts each of the `nr` values of `B` in
    //! turn, and does `2·nr` fused multiply-adds, `s ← a·b + s`, the order
    //! of the reference.
    use super::{F32_NR, Kernel, Micro, Panel};
    use std::arch::x86_64::*;

    /// Stamps one vector microkernel as a [`Kernel`] constant: a tile of
    /// `2·lanes` rows by `nr` columns, kept in `2·nr` registers of `lanes`
    /// values, with the named intrinsics of one element type and
    /// instruction set. (The `matrixmultiply` crate writes its kernels the
    /// same way, one macro stamped per type and set.)
    macro_rules! vector_kernel {
        (
            $(#[$doc:meta])*
            $name:ident: $t:ty, $feature:literal, lanes $lanes:literal, nr $nr:expr,
            $zero:ident, $load:ident, $store:ident, $splat:ident, $fmadd:ident, $add:ident $(,)?
        ) => {
            $(#[$doc])*
            pub(super) const $name: Kernel<$t> = {
                const LANES: usize = $lanes;
                const NR: usize = $nr;

                /// The microkernel of the constant above.
                ///
                /// # Safety
                /// The processor has the instruction set this function
                /// enables; `a` holds `kc` steps of `2·LANES` values with
                /// `stride = 1`, `b` `kc` steps of `NR` (see
                /// [`Panel`](super::Panel)); `c` is a `2·LANES × NR` tile,
                /// columns `ldc` apart.
                #[target_feature(enable = $feature)]
                unsafe fn micro(
                    kc: usize,
                    a: Panel<$t>,
                    b: Panel<$t>,
                    c: *mut $t,
                    ldc: usize,
                    add: bool,
                ) {
                    let mut lo = [$zero(); NR];
                    let mut hi = [$zero(); NR];
                    for p in 0..kc {
                        // SAFETY: p < kc, so step p of A's panel holds
                        // 2·LANES contiguous values (stride 1) from
                        // a.ptr + a.step·p, and step p of B's holds NR
                        // values at b.stride apart: the caller's contract.
                        unsafe {
                            let a0 = $load(a.ptr.add(a.step * p));
                            let a1 = $load(a.ptr.add(a.step * p + LANES));
                            for j in 0..NR {
                                let bj = $splat(*b.ptr.add(b.step * p + b.stride * j));
                                lo[j] = $fmadd(a0, bj, lo[j]);
                                hi[j] = $fmadd(a1, bj, hi[j]);
                            }
                        }
                    }
                    for j in 0..NR {
                        // SAFETY: j < NR, so column j of the tile holds
                        // 2·LANES values from c + ldc·j: the caller's contract.
                        unsafe {
                            let (c0, c1) = (c.add(ldc * j), c.add(ldc * j + LANES));
                            if add {
                                $store(c0, $add($load(c0), lo[j]));
                                $store(c1, $add($load(c1), hi[j]));
                            } else {
                                $store(c0, lo[j]);
                                $store(c1, hi[j]);
                            }
                        }
                    }
                }

                Kernel {
                    mr: 2 * LANES,
                    nr: NR,
                    micro: micro as Micro<$t>,
                }
            };
        };
    }

    vector_kernel! {
        /// AVX-512, 16 × 8 `f64`: 16 accumulators of 8 lanes.
        F64_AVX512: f64, "avx512f", lanes 8, nr 8,
        _mm512_setzero_pd, _mm512_loadu_pd, _mm512_storeu_pd,
        _mm512_set1_pd, _mm512_fmadd_pd, _mm512_add_pd,
    }

    vector_kernel! {
        /// AVX-512, 32 × [`F32_NR`] `f32`: `2·F32_NR` accumulators of 16 lanes.
        F32_AVX512: f32, "avx512f", lanes 16, nr F32_NR,
        _mm512_setzero_ps, _mm512_loadu_ps, _mm512_storeu_ps,
        _mm512_set1_ps, _mm512_fmadd_ps, _mm512_add_ps,
    }

    vector_kernel! {
        /// AVX2 with FMA, 8 × 6 `f64`: 12 accumulators of 4 lanes.
        F64_AVX2: f64, "avx2,fma", lanes 4, nr 6,
        _mm256_setzero_pd, _mm256_loadu_pd, _mm256_storeu_pd,
        _mm256_set1_pd, _mm256_fmadd_pd, _mm256_add_pd,
    }

    vector_kernel! {
        /// AVX2 with FMA, 16 × 6 `f32`: 12 accumulators of 8 lanes.
        F32_AVX2: f32, "avx2,fma", lanes 8, nr 6,
        _mm256_setzero_ps, _mm256_loadu_ps, _mm256_storeu_ps,
        _mm256_set1_ps, _mm256_fmadd_ps, _mm256_add_ps,
    }
}
