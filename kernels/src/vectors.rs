//! Vector instruction sets for element-wise passes, chosen at run time.
//!
//! A plain loop over two slices, compiled inside a function that enables
//! AVX2 or AVX-512, becomes vector instructions for that set; [`Vectors::run`]
//! calls such a function after checking that the processor has the set. The
//! loop itself stays in the caller, written as ordinary Rust (`dualpath`'s
//! `Activation::apply` is one): only the switch lives here.

use crate::cpu::Features;

/// The instruction sets an element-wise pass is compiled for, chosen at run
/// time like the product kernel's ([`crate::gemm::Variant`]).
///
/// The results are the same bits whichever runs: vector instructions round
/// each addition, multiplication and division exactly as the scalar ones do,
/// and the code has no fused multiply-add for a compiler to use. The unit
/// tests run every variant the processor has and compare their bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Vectors {
    /// As the crate is compiled (on x86-64 by default, SSE2: two `f64` or
    /// four `f32` at a time).
    Baseline,
    /// AVX2: four `f64` or eight `f32` at a time.
    Avx2,
    /// AVX-512: eight `f64` or sixteen `f32` at a time.
    Avx512,
}

impl Vectors {
    /// The widest the processor has ([`Features::detected`]).
    #[inline]
    pub fn detected() -> Vectors {
        let has = Features::detected();
        if has.avx512f {
            Vectors::Avx512
        } else if has.avx2 {
            Vectors::Avx2
        } else {
            Vectors::Baseline
        }
    }

    /// Every variant the processor can run, narrowest first.
    pub fn available() -> Vec<Vectors> {
        let widest = Vectors::detected();
        [Vectors::Baseline, Vectors::Avx2, Vectors::Avx512]
            .into_iter()
            .filter(|&v| v as u8 <= widest as u8)
            .collect()
    }

    /// Runs `pass` compiled for these vectors.
    ///
    /// # Panics
    /// If the processor lacks them (a variant not from [`Vectors::available`]).
    #[inline(always)]
    pub fn run(self, pass: impl FnOnce()) {
        #[cfg(target_arch = "x86_64")]
        {
            #[target_feature(enable = "avx512f")]
            fn avx512(pass: impl FnOnce()) {
                pass();
            }
            #[target_feature(enable = "avx2")]
            fn avx2(pass: impl FnOnce()) {
                pass();
            }
            match self {
                Vectors::Avx512 => {
                    assert!(
                        Features::detected().avx512f,
                        "{self:?} vectors on a processor without them"
                    );
                    // SAFETY: the processor has AVX-512F, checked just above.
                    return unsafe { avx512(pass) };
                }
                Vectors::Avx2 => {
                    assert!(
                        Features::detected().avx2,
                        "{self:?} vectors on a processor without them"
                    );
                    // SAFETY: the processor has AVX2, checked just above.
                    return unsafe { avx2(pass) };
                }
                Vectors::Baseline => {}
            }
        }
        assert!(
            self == Vectors::Baseline,
            "{self:?} vectors on a processor without them"
        );
        pass();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_detected_variant_is_the_widest_the_processor_has() {
        #[cfg(target_arch = "x86_64")]
        {
            // Asked of the processor directly, not through `cpu`, with the
            // features each set implies for the compiler.
            use std::arch::is_x86_feature_detected as has;
            let avx2 = has!("avx2") && has!("avx");
            let avx512 = has!("avx512f") && avx2 && has!("fma") && has!("f16c");
            let want = if avx512 {
                Vectors::Avx512
            } else if avx2 {
                Vectors::Avx2
            } else {
                Vectors::Baseline
            };
            assert_eq!(Vectors::detected(), want);
        }
        println!(
            "element-wise passes: {:?} of {:?}",
            Vectors::detected(),
            Vectors::available()
        );
    }

    /// Narrowest first: the baseline, which every processor runs, then each
    /// wider variant up to the detected one, and nothing wider.
    #[test]
    fn available_runs_from_the_baseline_to_the_detected_variant() {
        let all = [Vectors::Baseline, Vectors::Avx2, Vectors::Avx512];
        let widest = all.iter().position(|&v| v == Vectors::detected()).unwrap();
        assert_eq!(Vectors::available(), all[..=widest].to_vec());
    }

    /// `e^x` and `e^x - 1` over a slice, compiled for each variant this
    /// processor has, give the values of the baseline, which every processor
    /// runs (no AVX, no FMA): the element-wise math's fallback checked here
    /// even where wider vectors are detected.
    fn every_variant_gives_the_baselines_values<T: crate::Element>(of: fn(f64) -> T) {
        let xs: Vec<T> = (0..=4000).map(|i| of(-(i as f64) * 0.0271)).collect();
        let pass = |v: Vectors| {
            let (mut e, mut em1) = (xs.clone(), xs.clone());
            v.run(|| {
                for (e, em1) in e.iter_mut().zip(&mut em1) {
                    (*e, *em1) = (e.exp_nonpositive(), em1.expm1_nonpositive());
                }
            });
            (e, em1)
        };
        let baseline = pass(Vectors::Baseline);
        for v in Vectors::available() {
            assert!(pass(v) == baseline, "{v:?}");
        }
    }

    #[test]
    fn every_variant_gives_the_baselines_values_f64() {
        every_variant_gives_the_baselines_values::<f64>(|x| x);
    }

    #[test]
    fn every_variant_gives_the_baselines_values_f32() {
        every_variant_gives_the_baselines_values::<f32>(|x| x as f32);
    }

    #[test]
    fn each_available_variant_runs_its_pass() {
        for v in Vectors::available() {
            let mut ran = false;
            v.run(|| ran = true);
            assert!(ran, "{v:?}");
        }
    }
}
