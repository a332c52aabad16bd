//! Which vector instructions this processor has, asked once.
//!
//! The product kernel ([`crate::gemm::Variant`]) and the element-wise passes
//! ([`crate::vectors::Vectors`]) both choose code by the instruction sets the
//! processor offers. Both ask here, so the crate has one answer and one
//! place that asks the processor.

use std::sync::OnceLock;

/// The instruction sets the kernels can use, as this processor reports them.
/// On a processor other than x86-64 every field is `false`.
///
/// Each field is true only when the processor also has every feature that
/// enabling it for the compiler turns on: `#[target_feature(enable =
/// "avx512f")]` lets the compiler use AVX2, FMA and F16C instructions as
/// well, and `"avx2"` AVX. A virtual machine that reports AVX-512F but hides
/// one of those then gets no AVX-512 code, rather than an illegal
/// instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Features {
    /// AVX: 256-bit vectors of floats (the register transposes of packing).
    pub avx: bool,
    /// AVX2 (with AVX): 256-bit vectors for every element type.
    pub avx2: bool,
    /// FMA: fused multiply-add on 128- and 256-bit vectors.
    pub fma: bool,
    /// AVX-512 Foundation (with AVX2, FMA and F16C): 512-bit vectors, with
    /// fused multiply-add.
    pub avx512f: bool,
}

impl Features {
    /// This processor's, asked on the first call and remembered.
    #[inline]
    pub fn detected() -> Features {
        static FEATURES: OnceLock<Features> = OnceLock::new();
        *FEATURES.get_or_init(Features::ask)
    }

    /// Asks the processor (through the standard library's detection).
    fn ask() -> Features {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            let (avx, fma) = (has!("avx"), has!("fma"));
            let avx2 = avx && has!("avx2");
            Features {
                avx,
                avx2,
                fma,
                avx512f: avx2 && fma && has!("f16c") && has!("avx512f"),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        Features {
            avx: false,
            avx2: false,
            fma: false,
            avx512f: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_remembered_answer_is_the_processors() {
        let f = Features::detected();
        assert_eq!(f, Features::detected());
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            assert_eq!(f.avx, has!("avx"));
            assert_eq!(f.avx2, has!("avx2") && has!("avx"));
            assert_eq!(f.fma, has!("fma"));
            let implied = has!("avx2") && has!("avx") && has!("fma") && has!("f16c");
            assert_eq!(f.avx512f, has!("avx512f") && implied);
        }
        #[cfg(not(target_arch = "x86_64"))]
        assert!(!(f.avx || f.avx2 || f.fma || f.avx512f));
        println!("{f:?}");
    }
}
