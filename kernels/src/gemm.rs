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
//!
//! **Where things are.** This file holds the public face (the operands, the
//! variants, [`gemm`]) and the loops of blocks around the microkernel; the
//! files under `gemm/` hold the rest:
//!
//! | file | holds |
//! | --- | --- |
//! | `gemm.rs` | [`Operand`], [`Variant`], [`gemm`], the choice of packing or reading in place, the blocked loops |
//! | `gemm/micro.rs` | the microkernels: the plain-Rust reference and the x86 vector ones |
//! | `gemm/pack.rs` | packing factors into panels, and the register transposes it uses |
//! | `gemm/tests.rs` | every variant and reading against the reference order, and against `matrixmultiply` |

mod micro;
mod pack;
#[cfg(test)]
mod tests;

use crate::Element;
use crate::cpu::Features;
use crate::threads::{Disjoint, Pool, Split};
use micro::{Kernel, Panel, TILE_MAX};
use pack::{Transposes, pack_a, pack_b, pack_panel};
use std::sync::{Mutex, PoisonError};

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
    /// Panics unless every element lies inside `data` (a reach that
    /// overflows `usize` lies outside it).
    fn check(&self, name: &str) {
        let last = if self.rows == 0 || self.cols == 0 {
            Some(0)
        } else {
            ((self.rows - 1).checked_mul(self.rs))
                .and_then(|r| r.checked_add((self.cols - 1).checked_mul(self.cs)?))
                .and_then(|r| r.checked_add(1))
        };
        assert!(
            last.is_some_and(|last| last <= self.data.len()),
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

/// The smallest product, in multiply-adds (`m·n·k`), that [`gemm_on`]
/// splits across threads. Measured on a 2-core Intel Xeon (AVX-512) with
/// `cargo bench -p dualpath-kernels --bench gemm -- split`: two threads paid
/// from about 2^17 on a quiet machine, but a split product waits for the
/// scheduler when another process holds a core, which at 2^20 costs about
/// the product itself. The main crate's `docs/performance.md`, "Parallel",
/// has the numbers.
pub const PARALLEL_MIN_WORK: usize = 1 << 20;

/// [`gemm`] on the threads of `pool`: the columns of `C` are cut into
/// contiguous blocks of whole tiles (`nr` columns), one per thread, and
/// each thread computes its block as [`gemm`] would, packing into its own
/// buffer, `packs[p]` for part `p`.
///
/// **The same bits for any number of threads.** No sum is ever split: every
/// element of `C` is computed by one thread, over the whole inner dimension,
/// in the order [`gemm`] uses (blocks of [`KC`] along `k`, in order), and
/// that order depends neither on the tile nor on which columns a call
/// computes. So one thread, two or seven give `C` bit for bit the same.
///
/// A product smaller than [`PARALLEL_MIN_WORK`], or with too few columns
/// to give each thread a tile, runs on the calling thread alone.
///
/// # Panics
/// As [`gemm`], and if `packs` is empty.
pub fn gemm_on<T: Element>(
    pool: &Pool,
    c: &mut [T],
    a: Operand<'_, T>,
    b: Operand<'_, T>,
    packs: &[Mutex<Vec<T>>],
) {
    gemm_split(Variant::detect(), PARALLEL_MIN_WORK, pool, c, a, b, packs);
}

/// [`gemm_on`] splitting every product of at least `min_work`
/// multiply-adds (1: every one it can); the bench that measured
/// [`PARALLEL_MIN_WORK`] times both sides of it with this.
///
/// # Panics
/// As [`gemm_on`].
pub fn gemm_on_from<T: Element>(
    min_work: usize,
    pool: &Pool,
    c: &mut [T],
    a: Operand<'_, T>,
    b: Operand<'_, T>,
    packs: &[Mutex<Vec<T>>],
) {
    gemm_split(Variant::detect(), min_work, pool, c, a, b, packs);
}

/// [`gemm_on`] with a given variant and threshold (the tests force both).
fn gemm_split<T: Element>(
    variant: Variant,
    min_work: usize,
    pool: &Pool,
    c: &mut [T],
    a: Operand<'_, T>,
    b: Operand<'_, T>,
    packs: &[Mutex<Vec<T>>],
) {
    assert!(!packs.is_empty(), "gemm_on: no packing buffer");
    let (m, k, n) = (a.rows, a.cols, b.cols);
    let work = m.saturating_mul(n).saturating_mul(k);
    let nr = Kernel::<T>::of(variant).nr;
    let threads = if work >= min_work {
        pool.threads().min(packs.len())
    } else {
        1
    };
    // Each part reads the whole of the factor that is not split: split C's
    // columns when A is the smaller factor to read again (m ≤ n), its rows
    // when B is.
    let kernel = Kernel::<T>::of(variant);
    let by_rows = m > n;
    let (length, tile) = if by_rows { (m, kernel.mr) } else { (n, nr) };
    let split = Split::new(length.div_ceil(tile), threads);
    if split.parts() <= 1 {
        let mut pack = packs[0].lock().unwrap_or_else(PoisonError::into_inner);
        gemm_forcing(variant, None, None, c, a, b, &mut pack);
        return;
    }
    // The checks `gemm_forcing` makes, made here first: the blocks of `c`
    // handed to the threads below must lie inside it.
    assert!(
        b.rows == k && m.checked_mul(n) == Some(c.len()),
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
    let block = |p: usize| {
        let tiles = split.range(p);
        (tiles.start * tile).min(length)..(tiles.end * tile).min(length)
    };
    let c_ptr = Disjoint(c.as_mut_ptr());
    pool.run(split.parts(), &|p| {
        let range = block(p);
        let mut pack = packs[p].lock().unwrap_or_else(PoisonError::into_inner);
        if by_rows {
            let a_part = Operand {
                data: &a.data[range.start * a.rs..],
                rows: range.len(),
                ..a
            };
            // This part's rows of C: C[range, ..], columns m apart.
            let out = Out {
                ptr: c_ptr.at(range.start),
                ldc: m,
            };
            // SAFETY: the parts' row ranges are disjoint and inside 0..m
            // (`Split` covers each tile once), so the elements C[i, j] for
            // i in `range`, j < n, are inside `c` (m·n values, asserted
            // above) and written by this part alone; `c` stays borrowed
            // until `run` returns, after every part. The operands were
            // checked above (a part of A is inside A).
            unsafe { product_into(kernel, out, a_part, b, &mut pack) };
        } else {
            let b_part = Operand {
                data: &b.data[range.start * b.cs..],
                cols: range.len(),
                ..b
            };
            let out = Out {
                ptr: c_ptr.at(range.start * m),
                ldc: m,
            };
            // SAFETY: as above, with the parts' columns, each a contiguous
            // block of the column-major `c`.
            unsafe { product_into(kernel, out, a, b_part, &mut pack) };
        }
    });
}

/// Where a product writes `C`: element `(i, j)` at `ptr + i + j·ldc`.
#[derive(Clone, Copy)]
struct Out<T> {
    ptr: *mut T,
    ldc: usize,
}

/// `C = A·B` into `out`, for operands already checked.
///
/// # Safety
/// Every element `(i, j)` of the `(a.rows, b.cols)` result, at
/// `out.ptr + i + j·out.ldc`, must be valid to write and written by no one
/// else meanwhile; `a` and `b` must chain and lie inside their data
/// (`Operand::check`); the processor must run `kernel`'s variant.
unsafe fn product_into<T: Element>(
    kernel: Kernel<T>,
    out: Out<T>,
    a: Operand<'_, T>,
    b: Operand<'_, T>,
    pack: &mut Vec<T>,
) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        for j in 0..n {
            // SAFETY: column j's m elements of C are the caller's to write.
            unsafe { std::slice::from_raw_parts_mut(out.ptr.add(j * out.ldc), m) }.fill(T::ZERO);
        }
        return;
    }
    let reads = Reads::choose(&a, &b, &kernel);
    // SAFETY: as this function's.
    unsafe { blocked(kernel, reads, Transposes::detected(), out, a, b, pack) };
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
    gemm_forcing(variant, None, None, c, a, b, pack);
}

/// [`gemm_with`], reading the factors as `reads` says, or as
/// [`Reads::choose`] picks, and transposing while packing as `transposes`
/// says, or as [`Transposes::detected`] picks. The tests force every way on
/// any processor: a processor without AVX packs as `Transposes::Scalar`
/// does on one with it.
fn gemm_forcing<T: Element>(
    variant: Variant,
    reads: Option<Reads>,
    transposes: Option<Transposes>,
    c: &mut [T],
    a: Operand<'_, T>,
    b: Operand<'_, T>,
    pack: &mut Vec<T>,
) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert!(
        b.rows == k && m.checked_mul(n) == Some(c.len()),
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
    let transposes = transposes.unwrap_or_else(Transposes::detected);
    let out = Out {
        ptr: c.as_mut_ptr(),
        ldc: m,
    };
    // SAFETY: `c` is the whole (m, n) column-major result, borrowed
    // mutably; the operands and the variant were checked above.
    unsafe { blocked(kernel, reads, transposes, out, a, b, pack) };
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

/// The loops around the microkernel: blocks of `B` columns, of the inner
/// dimension (in order: this fixes the sum), and of `A` rows; then tiles.
/// Packing transposes as `transposes` says.
///
/// # Safety
/// As [`product_into`], with `k > 0` and `kernel` the variant's.
unsafe fn blocked<T: Element>(
    kernel: Kernel<T>,
    reads: Reads,
    transposes: Transposes,
    c: Out<T>,
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
                pack_b(b_pack, b, (pc, kc), (jc, nc), nr, transposes);
            } else if nc % nr != 0 {
                let q = nc / nr; // only the edge panel
                let panel = &mut b_pack[q * nr * kc..][..nr * kc];
                let edge = (jc + q * nr, nc % nr);
                pack_panel(panel, b, edge, (pc, kc), nr, true, transposes);
            }
            for ic in (0..m).step_by(mc_block) {
                let mc = mc_block.min(m - ic);
                if !reads.a_in_place {
                    pack_a(a_pack, a, (ic, mc), (pc, kc), mr, transposes);
                } else if mc % mr != 0 {
                    let q = mc / mr; // only the edge panel
                    let panel = &mut a_pack[q * mr * kc..][..mr * kc];
                    let edge = (ic + q * mr, mc % mr);
                    pack_panel(panel, a, edge, (pc, kc), mr, false, transposes);
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
                        let first = (jc + jr) * c.ldc + ic + ir; // C[ic + ir, jc + jr]
                        if rows == mr && cols == nr {
                            // SAFETY: each panel holds kc steps of its tile
                            // side: a packed one was sliced to mr·kc or nr·kc
                            // values above; one read in place is a full tile
                            // of the operand (rows == mr, cols == nr, p < kc
                            // ≤ k - pc), whose elements all lie in its data
                            // (`Operand::check`). The tile, C[ic + ir.., jc +
                            // jr..], mr × nr, is inside the result, which the
                            // caller lets this call write; the processor runs
                            // this microkernel (the caller's promise).
                            unsafe { micro(kc, ap, bp, c.ptr.add(first), c.ldc, pc > 0) };
                            continue;
                        }
                        // An edge tile: the sum into the stack tile, then
                        // only the rows and columns that exist into C.
                        // SAFETY: as above, with the stack tile (mr·nr ≤ TILE_MAX values).
                        unsafe { micro(kc, ap, bp, tile.as_mut_ptr(), mr, false) };
                        for j in 0..cols {
                            // SAFETY: rows `rows` of column jc + jr + j of C,
                            // inside the result (as the tile above).
                            let col = unsafe {
                                std::slice::from_raw_parts_mut(c.ptr.add(first + j * c.ldc), rows)
                            };
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
