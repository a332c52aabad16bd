//! The product kernel timed at a few sizes, in `f64` and `f32`:
//! `cargo bench -p dualpath-kernels --bench gemm`.
//!
//! Two shapes: a large square-ish product, `(256, 1024)·(1024, 1024)`, where
//! the blocking and the microkernel decide the speed; and the course's
//! digits network's first layer on a batch of 1000, `(1000, 400)·(400, 25)`,
//! a thin product where the choice of packing or reading in place matters.
//! Criterion reports each as time and as elements per second, where an
//! "element" is one floating-point operation (a multiply-add counts two), so
//! its throughput reads as FLOP/s. One core: the kernel runs on one thread.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use dualpath_kernels::Element;
use dualpath_kernels::gemm::{self, Operand};
use dualpath_kernels::threads::Pool;
use std::hint::black_box;
use std::sync::Mutex;
use std::time::Duration;

/// `(m, k, n)`: `A` is `(m, k)`, `B` is `(k, n)`.
const SHAPES: [(usize, usize, usize); 2] = [(256, 1024, 1024), (1000, 400, 25)];

/// Column-major operands of small values, not all equal, so that no
/// arithmetic shortcut (zeros, subnormals) colours the timing.
fn filled<T: Element>(len: usize, of: impl Fn(f64) -> T) -> Vec<T> {
    (0..len)
        .map(|i| of(((i * 7919) % 1000) as f64 / 1000.0 - 0.5))
        .collect()
}

fn time<T: Element>(c: &mut Criterion, name: &str, of: impl Fn(f64) -> T + Copy) {
    let mut group = c.benchmark_group(format!("gemm_{name}"));
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20);
    for (m, k, n) in SHAPES {
        let (ad, bd) = (filled(m * k, of), filled(k * n, of));
        let a = Operand {
            data: &ad,
            rows: m,
            cols: k,
            rs: 1,
            cs: m,
        };
        let b = Operand {
            data: &bd,
            rows: k,
            cols: n,
            rs: 1,
            cs: k,
        };
        let mut out = vec![T::ZERO; m * n];
        let mut pack = Vec::new();
        group.throughput(Throughput::Elements((2 * m * k * n) as u64));
        group.bench_function(
            BenchmarkId::from_parameter(format!("{m}x{k}x{n}")),
            |bench| bench.iter(|| gemm::gemm(black_box(&mut out), a, b, &mut pack)),
        );
    }
    group.finish();
}

/// Where splitting a product across two threads starts to pay: square-ish
/// products from 2^15 to 2^21 multiply-adds, on one thread and split on two
/// (`gemm_on_from(1, ..)` splits every one). Ratios in one run.
fn split(c: &mut Criterion) {
    let pool = Pool::new(2);
    let mut group = c.benchmark_group("split_f64");
    group
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_millis(400))
        .sample_size(20);
    for (m, k, n) in [
        (32, 32, 32),
        (32, 64, 64),
        (64, 64, 64),
        (64, 128, 64),
        (128, 128, 64),
        (128, 128, 128),
    ] {
        let (ad, bd) = (filled(m * k, |x| x), filled(k * n, |x| x));
        let a = Operand {
            data: &ad,
            rows: m,
            cols: k,
            rs: 1,
            cs: m,
        };
        let b = Operand {
            data: &bd,
            rows: k,
            cols: n,
            rs: 1,
            cs: k,
        };
        let mut out = vec![0.0; m * n];
        let packs: Vec<_> = (0..2).map(|_| Mutex::new(Vec::new())).collect();
        for threads in [1, 2] {
            let id = BenchmarkId::new(format!("{m}x{k}x{n}"), format!("{threads}t"));
            let min_work = if threads == 1 { usize::MAX } else { 1 };
            group.bench_function(id, |bench| {
                bench
                    .iter(|| gemm::gemm_on_from(min_work, &pool, black_box(&mut out), a, b, &packs))
            });
        }
    }
    group.finish();
}

fn products(c: &mut Criterion) {
    time::<f64>(c, "f64", |x| x);
    time::<f32>(c, "f32", |x| x as f32);
}

criterion_group!(benches, products, split);
criterion_main!(benches);
