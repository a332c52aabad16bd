//! Packing: copying a block of a factor into panels laid out in the order
//! the microkernel reads them, with register transposes for a factor whose
//! contiguous direction is the wrong one.
//!
//! Packing only copies, so every way of packing gives the same panel: the
//! choice between them is made once per product ([`Transposes`]) and passed
//! down, so that the tests can run each way on any processor.

use super::Operand;
use crate::Element;
use crate::cpu::Features;

/// How a transposing copy (a factor whose steps, not its free dimension,
/// are contiguous) is done. Chosen once per product, [`Transposes::detected`]
/// unless a test forces one; both give the same panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Transposes {
    /// In AVX registers, eight by eight (`f32`) or four by four (`f64`),
    /// when the processor has AVX and `T` is `f32` or `f64`; one value at a
    /// time otherwise.
    Registers,
    /// One value at a time, eight steps at a time: what a processor without
    /// AVX runs.
    Scalar,
}

impl Transposes {
    /// In registers when the processor has AVX ([`Features::detected`]).
    pub(super) fn detected() -> Transposes {
        if Features::detected().avx {
            Transposes::Registers
        } else {
            Transposes::Scalar
        }
    }
}

/// Which copy [`pack_panel`] made: the tests check that the way they force
/// is the way that ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Copied {
    /// Each step's values are one contiguous run, copied as one slice.
    Runs,
    /// Each free index's steps are one contiguous run: a transpose, in
    /// registers or one value at a time.
    Transposed(Transposes),
    /// Neither is contiguous: one value at a time.
    Strided,
}

/// Copies rows `ic..ic+mc`, columns `pc..pc+kc` of `A` into panels of `mr`
/// rows: panel `q`, step `p` holds `A[ic + q·mr + i, pc + p]` for `i < mr`
/// at `q·mr·kc + p·mr + i`, zero past the last row.
pub(super) fn pack_a<T: Element>(
    dst: &mut [T],
    a: Operand<'_, T>,
    (ic, mc): (usize, usize),
    (pc, kc): (usize, usize),
    mr: usize,
    transposes: Transposes,
) {
    for (q, panel) in dst
        .chunks_exact_mut(mr * kc)
        .take(mc.div_ceil(mr))
        .enumerate()
    {
        let rows = (ic + q * mr, mr.min(mc - q * mr));
        pack_panel(panel, a, rows, (pc, kc), mr, false, transposes);
    }
}

/// Copies rows `pc..pc+kc`, columns `jc..jc+nc` of `B` into panels of `nr`
/// columns: panel `q`, step `p` holds `B[pc + p, jc + q·nr + j]` for `j < nr`
/// at `q·nr·kc + p·nr + j`, zero past the last column.
pub(super) fn pack_b<T: Element>(
    dst: &mut [T],
    b: Operand<'_, T>,
    (pc, kc): (usize, usize),
    (jc, nc): (usize, usize),
    nr: usize,
    transposes: Transposes,
) {
    for (q, panel) in dst
        .chunks_exact_mut(nr * kc)
        .take(nc.div_ceil(nr))
        .enumerate()
    {
        let cols = (jc + q * nr, nr.min(nc - q * nr));
        pack_panel(panel, b, cols, (pc, kc), nr, true, transposes);
    }
}

/// One panel: for each step `p < kc`, `width` values of the operand along
/// its free dimension (`(start, count)` of them exist, the rest are zero),
/// at `p·width`. The free dimension is the rows of `A` or, `along_cols`,
/// the columns of `B`; the step runs along the other. Whichever of the two
/// is contiguous in memory is read in order; a transpose is done as
/// `transposes` says.
///
/// # Panics
/// Unless `1 ≤ count ≤ width` and `kc ≥ 1`, or if the panel or the operand
/// is too short.
pub(super) fn pack_panel<T: Element>(
    panel: &mut [T],
    x: Operand<'_, T>,
    (start, count): (usize, usize),
    (pc, kc): (usize, usize),
    width: usize,
    along_cols: bool,
    transposes: Transposes,
) -> Copied {
    assert!(
        (1..=width).contains(&count) && kc >= 1,
        "pack_panel: {count} of {width} values, {kc} steps"
    );
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
    // Zeros past the values that exist, in an edge panel only: a full
    // panel skips the loop over its steps. (`count <= width` here would
    // fill nothing more: a mutant of this line that no test can see.)
    if count < width {
        for step in panel.chunks_exact_mut(width).take(kc) {
            step[count..].fill(T::ZERO);
        }
    }
    if free == 1 {
        // Each step's values are one contiguous run.
        for p in 0..kc {
            let from = base(start, pc + p);
            panel[p * width..][..count].copy_from_slice(&x.data[from..][..count]);
        }
        Copied::Runs
    } else if step == 1 {
        // Each free index's steps are one contiguous run: a transpose.
        let runs = &x.data[base(start, pc)..=base(start + count - 1, pc + kc - 1)];
        if transposes == Transposes::Registers
            && transpose_in_registers(panel, width, runs, free, count, kc)
        {
            return Copied::Transposed(Transposes::Registers);
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
        Copied::Transposed(Transposes::Scalar)
    } else {
        for p in 0..kc {
            for f in 0..count {
                panel[p * width + f] = x.data[base(start + f, pc + p)];
            }
        }
        Copied::Strided
    }
}

/// `panel[p·width + f] = runs[f·stride + p]` for `f < count`, `p < kc`,
/// with the vector transposes of `x86` when the processor has AVX and `T`
/// is `f32` or `f64`; false (and nothing written) otherwise.
pub(super) fn transpose_in_registers<T: Element>(
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
        use std::any::TypeId;
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

#[cfg(target_arch = "x86_64")]
mod x86 {
    //! The register transposes of packing.
    use std::arch::x86_64::*;

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
