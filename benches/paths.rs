//! `cargo bench`: the loop path against the matrix path, and the references
//! that tell how good each one is. Ends with the speedup table.
//!
//! Groups (filter with `cargo bench -- <regex>`, e.g. `cargo bench -- forward/`):
//!
//! * `forward`, `backward` (given a forward cache), `train_step` (forward,
//!   backward and `optim::Sgd::step` on one batch): ids `sequential/<size>`
//!   and `matrix/<size>` for every size of `dualpath::speedup::sweep()`;
//!   throughput in FLOPs of the products (`Size::flops`), shown as elem/s.
//!   For the 512- and 1024-wide layers each group also times `a_times_b/<size>`:
//!   the pass's products as nalgebra's plain `A * B`, the yardstick for the
//!   matrix path (this time ÷ the matrix path's time is target 1 of
//!   `docs/09-performance.md`).
//! * `peers`: a training step on both paths at the sizes of
//!   `dualpath::speedup::peer_sizes()` that `train_step` does not time: with
//!   those, the sizes `benches/peers.py` times NumPy, JAX and Keras at; that
//!   script prints these estimates beside its own.
//! * `threads`: a training step on both paths on 1 and 2 threads (and on
//!   the machine's count, when it has more), ids `<path>_<n>t/<size>`, at
//!   the sizes of the peer table's command-line form (`2-25-15-1`,
//!   `400-25-15-1` and `784-256-128-10` on 1000 examples, `1024-1024-1024`
//!   on 256), `f64` and `f32`. The report prints each speedup from threads.
//! * `loop_forward`: the loop path's forward against other per-unit loops
//!   (one running sum by iterator and by index, four running sums, and eight
//!   running sums compiled for AVX2 and FMA): the yardstick for the loop path.
//! * `activation`: `A = g(Z)` alone over the 41 000 values of the notes'
//!   network at batch 1000, to show where the small network's time goes.
//! * `batch1_product`: one `(1, 1024)·(1024, 1024)` product four ways, to
//!   show why the matrix path does not use the matrix-matrix kernel for one
//!   example.
//!
//! Before a size is timed, both paths' results are checked against the
//! rounding bound of `dualpath::proof::bounds` (`speedup::paths_agree`).
//!
//! At the end the table is built from criterion's own estimates of this run
//! (the median of each benchmark's `new/estimates.json`), followed by the
//! ratios `docs/09-performance.md` reports, and the chart is written beside
//! criterion's results as `speedup.svg`.

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput};
use dualpath::speedup::{self, Float, LOSS, Row, Size, Stage};
use dualpath::{Activation, Network, Path, Real, Workspace};
use nalgebra::DMatrix;
use std::cell::OnceCell;
use std::hint::black_box;
use std::path::{Path as FsPath, PathBuf};
use std::time::{Duration, SystemTime};

fn main() {
    let started = SystemTime::now();
    // Criterion draws its HTML report's plots with plotters, which has no
    // font on a machine without system fonts.
    dualpath::io::chart::register_font();
    let out_dir = criterion_home();
    // Short warm-up and measurement, fewer bootstrap resamples and no HTML
    // plots keep the whole suite within about five minutes on two cores;
    // the table below does not need the plots.
    let mut c = Criterion::default()
        .output_directory(&out_dir)
        .without_plots()
        .nresamples(20_000)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(800))
        .sample_size(20)
        .configure_from_args();
    let sizes = speedup::sweep();
    let checked: Vec<OnceCell<()>> = sizes.iter().map(|_| OnceCell::new()).collect();
    for pass in Stage::ALL {
        let mut group = c.benchmark_group(pass.name());
        for (size, checked) in sizes.iter().zip(&checked) {
            match size.float {
                Float::F64 => bench_size::<f64>(&mut group, pass, size, checked),
                Float::F32 => bench_size::<f32>(&mut group, pass, size, checked),
            }
        }
        group.finish();
    }
    bench_peers(&mut c);
    bench_threads(&mut c);
    bench_loop_forward(&mut c);
    bench_activation(&mut c);
    bench_batch1(&mut c);
    c.final_summary();
    if !std::env::args().any(|a| a == "--list") {
        report(&out_dir, started, &sizes);
    }
}

/// Criterion's output directory, found as criterion finds it (and then given
/// to it explicitly, so that the report reads where criterion wrote):
/// `$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`, else the target
/// directory of `cargo metadata`, else `target/criterion`.
fn criterion_home() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    let from_metadata = std::env::var_os("CARGO").and_then(|cargo| {
        let out = std::process::Command::new(cargo)
            .args(["metadata", "--format-version", "1", "--no-deps"])
            .output()
            .ok()?;
        let meta: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
        Some(PathBuf::from(meta["target_directory"].as_str()?))
    });
    from_metadata.map_or_else(
        || PathBuf::from("target/criterion"),
        |t| t.join("criterion"),
    )
}

/// Slow sizes get criterion's minimum of 10 samples of one run each, so that
/// the whole suite stays within about five minutes.
fn configure_for(group: &mut BenchmarkGroup<'_, WallTime>, size: &Size, pass: Stage) {
    // The loop path runs at roughly 2-10 GFLOP/s: a second of it is slow.
    let loop_seconds = size.flops(pass) as f64 / 3e9;
    if loop_seconds > 0.02 {
        group.sample_size(10).sampling_mode(SamplingMode::Flat);
    } else {
        group.sample_size(20).sampling_mode(SamplingMode::Auto);
    }
}

/// Times one pass at one size on both paths, after checking (once per size)
/// that the paths agree within the rounding bound.
fn bench_size<T: Real>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    pass: Stage,
    size: &Size,
    checked: &OnceCell<()>,
) {
    let net = size
        .network::<T>()
        .expect("the sweep's sizes make networks");
    let (x, y) = size.batch::<T>();
    let check = || {
        checked.get_or_init(|| {
            let agreement = speedup::paths_agree(&net, &x, &y).expect("the batch fits");
            assert!(
                agreement.holds(),
                "{}: the paths disagree beyond the rounding bound ({agreement:?}); not timing them",
                size.label()
            );
        });
    };
    configure_for(group, size, pass);
    group.throughput(Throughput::Elements(size.flops(pass)));
    // Every pass runs in a workspace made once, as `fit` runs them: the
    // timings are of the arithmetic, with no allocation inside.
    let mut ws = Workspace::new(&net, x.nrows());
    for path in Path::BOTH {
        let id = BenchmarkId::new(path.name(), size.label());
        match pass {
            Stage::Forward => group.bench_function(id, |b| {
                check();
                b.iter(|| {
                    path.forward_into(&mut ws, &net, &x).expect("forward");
                });
            }),
            Stage::Backward => group.bench_function(id, |b| {
                check();
                let mut forward = path.forward_into(&mut ws, &net, &x).expect("forward");
                b.iter(|| {
                    forward.backward(&y, LOSS).expect("backward");
                });
            }),
            Stage::TrainStep => group.bench_function(id, |b| {
                check();
                let mut net = net.clone();
                b.iter(|| {
                    speedup::train_step(path, &mut ws, &mut net, &x, &y).expect("train step")
                });
            }),
        };
    }
    if is_large(size) {
        bench_a_times_b::<T>(group, pass, size);
    }
}

/// The `peers` group: one training step on both paths at each of
/// `speedup::peer_sizes()` that the `train_step` group does not time
/// already (`benches/peers.py` reads those from there), in a workspace made once.
fn bench_peers(c: &mut Criterion) {
    let mut group = c.benchmark_group("peers");
    let sweep = speedup::sweep();
    for size in speedup::peer_sizes() {
        if sweep.contains(&size) {
            continue;
        }
        match size.float {
            Float::F64 => bench_peer::<f64>(&mut group, &size),
            Float::F32 => bench_peer::<f32>(&mut group, &size),
        }
    }
    group.finish();
}

fn bench_peer<T: Real>(group: &mut BenchmarkGroup<'_, WallTime>, size: &Size) {
    let mut net = size.network::<T>().expect("the peer sizes make networks");
    let (x, y) = size.batch::<T>();
    configure_for(group, size, Stage::TrainStep);
    group.throughput(Throughput::Elements(size.flops(Stage::TrainStep)));
    let mut ws = Workspace::new(&net, x.nrows());
    for path in Path::BOTH {
        let id = BenchmarkId::new(path.name(), size.label());
        group.bench_function(id, |b| {
            b.iter(|| speedup::train_step(path, &mut ws, &mut net, &x, &y).expect("train step"));
        });
    }
}

/// The thread counts the `threads` group times: 1, 2, and the machine's
/// count when it has more.
fn thread_counts() -> Vec<usize> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let mut counts = vec![1, 2];
    if cores > 2 {
        counts.push(cores);
    }
    counts
}

/// The sizes of the peer table's command-line form, in both precisions.
fn thread_sizes() -> Vec<Size> {
    speedup::peer_sizes()
        .into_iter()
        .filter(|s| s.batch >= 256)
        .collect()
}

/// The `threads` group: a training step on both paths on each of
/// [`thread_counts`], in a workspace made once per count.
fn bench_threads(c: &mut Criterion) {
    let mut group = c.benchmark_group("threads");
    // Half the suite's measurement time: the group times 32 steps or more.
    group
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_millis(500));
    for size in thread_sizes() {
        match size.float {
            Float::F64 => bench_threads_at::<f64>(&mut group, &size),
            Float::F32 => bench_threads_at::<f32>(&mut group, &size),
        }
    }
    group.finish();
}

fn bench_threads_at<T: Real>(group: &mut BenchmarkGroup<'_, WallTime>, size: &Size) {
    let mut net = size.network::<T>().expect("the peer sizes make networks");
    let (x, y) = size.batch::<T>();
    configure_for(group, size, Stage::TrainStep);
    group.throughput(Throughput::Elements(size.flops(Stage::TrainStep)));
    for threads in thread_counts() {
        let mut ws = Workspace::new(&net, x.nrows())
            .with_threads(threads)
            .expect("a thread count");
        for path in Path::BOTH {
            let id = BenchmarkId::new(format!("{}_{threads}t", path.name()), size.label());
            group.bench_function(id, |b| {
                b.iter(|| {
                    speedup::train_step(path, &mut ws, &mut net, &x, &y).expect("train step")
                });
            });
        }
    }
}

/// The `threads` group's table: per size and path, the step on each thread
/// count and its speedup over one thread.
fn report_threads(est: &dyn Fn(String) -> Option<f64>) {
    let counts = thread_counts();
    let mut lines = Vec::new();
    for size in thread_sizes() {
        for path in Path::BOTH {
            let times: Vec<Option<f64>> = counts
                .iter()
                .map(|t| est(format!("threads/{}_{t}t/{}", path.name(), size.label())))
                .collect();
            let Some(one) = times[0] else { continue };
            let mut line = format!("  {:<28} {:<10}", size.label(), path.name());
            for (t, time) in counts.iter().zip(&times) {
                if let Some(time) = time {
                    line += &format!(
                        " {t}: {:>9} ({:.2}×)",
                        speedup::format_seconds(*time),
                        one / time
                    );
                }
            }
            lines.push(line);
        }
    }
    if !lines.is_empty() {
        println!("\nA training step on 1, 2, … threads, and its speedup over one thread:\n");
        for line in lines {
            println!("{line}");
        }
    }
}

/// The sizes at which the matrix path is compared with plain `A * B`: the
/// 512- and 1024-wide layers at batch 256.
fn is_large(size: &Size) -> bool {
    size.batch == 256 && size.widths[0] >= 512
}

/// The matrix products of one pass, `(m, k, n)` for each `(m, k)·(k, n)`, in
/// the order the matrix path computes them: `A_in·W` per layer forward;
/// `A_inᵀ·dZ` per layer and `dZ·Wᵀ` per layer above the first, last layer
/// first, backward; both for a training step.
fn product_shapes(size: &Size, pass: Stage) -> Vec<(usize, usize, usize)> {
    let m = size.batch;
    let layers: Vec<(usize, usize)> = size.widths.windows(2).map(|w| (w[0], w[1])).collect();
    let forward = layers.iter().map(|&(n_in, units)| (m, n_in, units));
    let mut backward = Vec::new();
    for (l, &(n_in, units)) in layers.iter().enumerate().rev() {
        backward.push((n_in, m, units)); // dW = A_inᵀ·dZ
        if l > 0 {
            backward.push((m, units, n_in)); // dA_in = dZ·Wᵀ
        }
    }
    match pass {
        Stage::Forward => forward.collect(),
        Stage::Backward => backward,
        Stage::TrainStep => forward.chain(backward).collect(),
    }
}

/// The reference for the matrix path: the pass's products, each as
/// nalgebra's plain `A * B` on ready-made operands (transposes already
/// copied), timed in the same group right after the two paths, so that the
/// ratio of the two times is taken close together on a shared machine.
fn bench_a_times_b<T: Real>(group: &mut BenchmarkGroup<'_, WallTime>, pass: Stage, size: &Size) {
    let operands: Vec<(DMatrix<T>, DMatrix<T>)> = product_shapes(size, pass)
        .into_iter()
        .map(|(m, k, n)| {
            let a = DMatrix::from_fn(m, k, |i, j| T::of_f64(((i * 7 + j * 3) % 11) as f64 / 11.0));
            let b = DMatrix::from_fn(k, n, |i, j| T::of_f64(((i * 5 + j * 2) % 13) as f64 / 13.0));
            (a, b)
        })
        .collect();
    let flops: u64 = operands
        .iter()
        .map(|(a, b)| 2 * (a.nrows() * a.ncols() * b.ncols()) as u64)
        .sum();
    group.throughput(Throughput::Elements(flops));
    group.bench_function(BenchmarkId::new("a_times_b", size.label()), |bench| {
        bench.iter(|| {
            for (a, b) in &operands {
                black_box(a * b);
            }
        });
    });
}

/// At batch 1, one 1024-wide layer's product `x·W`, `(1, 1024)·(1024, 1024)`,
/// four ways: the loop path's 1024 dot products, nalgebra's `gemv_tr` (what
/// the matrix path calls for one row), nalgebra's plain `A * B` (a one-row
/// factor sends it to its generic loop), and matrixmultiply's matrix-matrix
/// kernel called directly (which first packs `W`). Why the kernel must not be
/// used for one example.
fn bench_batch1(c: &mut Criterion) {
    let mut group = c.benchmark_group("batch1_product");
    group.sample_size(20);
    let n = 1024;
    let x = DMatrix::<f64>::from_fn(1, n, |_, k| ((k * 7) % 11) as f64 / 11.0 - 0.5);
    let w = DMatrix::<f64>::from_fn(n, n, |i, j| ((i * 5 + j * 3) % 13) as f64 / 13.0 - 0.5);
    group.throughput(Throughput::Elements(2 * (n * n) as u64));
    let label = "1x1024x1024";
    group.bench_function(BenchmarkId::new("loop_dots", label), |b| {
        b.iter(|| {
            let mut z = DMatrix::<f64>::zeros(1, n);
            for (j, zj) in z.iter_mut().enumerate() {
                *zj = dualpath::sequential::dot(&w.as_slice()[j * n..(j + 1) * n], x.as_slice());
            }
            z
        });
    });
    group.bench_function(BenchmarkId::new("gemv", label), |b| {
        b.iter(|| {
            let mut z = DMatrix::<f64>::zeros(1, n);
            let xv = nalgebra::DVectorView::from_slice(x.as_slice(), n);
            nalgebra::DVectorViewMut::from_slice(z.as_mut_slice(), n).gemv_tr(1.0, &w, &xv, 0.0);
            z
        });
    });
    group.bench_function(BenchmarkId::new("a_times_b", label), |b| b.iter(|| &x * &w));
    group.bench_function(BenchmarkId::new("packed_kernel", label), |b| {
        b.iter(|| {
            let mut z = DMatrix::<f64>::zeros(1, n);
            // SAFETY: x is (1, n), w is (n, n) and z is (1, n), all column-major
            // with the strides given; z does not overlap the others.
            unsafe {
                matrixmultiply::dgemm(
                    1,
                    n,
                    n,
                    1.0,
                    x.as_ptr(),
                    1,
                    1,
                    w.as_ptr(),
                    1,
                    n as isize,
                    0.0,
                    z.as_mut_ptr(),
                    1,
                    1,
                );
            }
            z
        });
    });
    group.finish();
}

/// One layer forward with a given dot product, shaped exactly like
/// `sequential::dense_forward`: per example, copy its row; per unit, a dot
/// product with the contiguous column `W[:,j]`, plus `b_j`, then `g`.
#[inline(always)]
fn layer_forward<D: Fn(&[f64], &[f64]) -> f64>(
    a_in: &DMatrix<f64>,
    w: &DMatrix<f64>,
    b: &[f64],
    g: Activation,
    dot: D,
) -> (DMatrix<f64>, DMatrix<f64>) {
    let (m, n_in) = a_in.shape();
    let units = w.ncols();
    let mut z = DMatrix::zeros(m, units);
    let mut a = DMatrix::zeros(m, units);
    let mut x = vec![0.0; n_in];
    for i in 0..m {
        for (k, xk) in x.iter_mut().enumerate() {
            *xk = a_in[(i, k)];
        }
        for j in 0..units {
            let zj = dot(&w.as_slice()[j * n_in..(j + 1) * n_in], &x) + b[j];
            z[(i, j)] = zj;
            a[(i, j)] = g.g(zj);
        }
    }
    (z, a)
}

/// One running sum, by iterator: the crate's `dot` before it kept eight.
#[inline(always)]
fn dot_fold(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).fold(0.0, |s, (&a, &b)| s + a * b)
}

/// One running sum, by index.
#[inline(always)]
fn dot_index(x: &[f64], y: &[f64]) -> f64 {
    let y = &y[..x.len()];
    let mut s = 0.0;
    for k in 0..x.len() {
        s += x[k] * y[k];
    }
    s
}

/// Four running sums.
#[inline(always)]
fn dot_four(x: &[f64], y: &[f64]) -> f64 {
    let (xs, ys) = (x.chunks_exact(4), y.chunks_exact(4));
    let tail = dot_fold(xs.remainder(), ys.remainder());
    let mut s = [0.0; 4];
    for (a, b) in xs.zip(ys) {
        for l in 0..4 {
            s[l] += a[l] * b[l];
        }
    }
    ((s[0] + s[2]) + (s[1] + s[3])) + tail
}

/// Eight running sums with fused multiply-adds, for the AVX2+FMA build below.
#[inline(always)]
fn dot_eight_fma(x: &[f64], y: &[f64]) -> f64 {
    let (xs, ys) = (x.chunks_exact(8), y.chunks_exact(8));
    let tail = dot_fold(xs.remainder(), ys.remainder());
    let mut s = [0.0; 8];
    for (a, b) in xs.zip(ys) {
        for l in 0..8 {
            s[l] = a[l].mul_add(b[l], s[l]);
        }
    }
    let s4 = [s[0] + s[4], s[1] + s[5], s[2] + s[6], s[3] + s[7]];
    ((s4[0] + s4[2]) + (s4[1] + s4[3])) + tail
}

/// The whole layer compiled for AVX2 and FMA (the crate is compiled for
/// baseline x86-64, i.e. SSE2; matrixmultiply picks AVX2/AVX-512 at run time).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn layer_forward_avx2_fma(
    a_in: &DMatrix<f64>,
    w: &DMatrix<f64>,
    b: &[f64],
    g: Activation,
) -> (DMatrix<f64>, DMatrix<f64>) {
    layer_forward(a_in, w, b, g, dot_eight_fma)
}

/// A per-unit loop forward through `net`, with one of the variants above.
fn variant_forward(net: &Network<f64>, x: &DMatrix<f64>, variant: &str) -> DMatrix<f64> {
    let mut a_in = x.clone();
    for d in net.layers() {
        let (w, b, g) = (d.w(), d.b().as_slice(), d.activation());
        let (_z, a) = match variant {
            "one_sum_iterator" => layer_forward(&a_in, w, b, g, dot_fold),
            "one_sum_index" => layer_forward(&a_in, w, b, g, dot_index),
            "four_sums" => layer_forward(&a_in, w, b, g, dot_four),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: only listed by `loop_variants` when the CPU has AVX2 and FMA.
            "eight_sums_avx2_fma" => unsafe { layer_forward_avx2_fma(&a_in, w, b, g) },
            _ => unreachable!("unknown variant {variant}"),
        };
        a_in = a;
    }
    a_in
}

fn loop_variants() -> Vec<&'static str> {
    let mut v = vec!["one_sum_iterator", "one_sum_index", "four_sums"];
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        v.push("eight_sums_avx2_fma");
    }
    v
}

/// The loop path's forward (`crate`, eight running sums) against other
/// per-unit loops: the reference for target 3.
fn bench_loop_forward(c: &mut Criterion) {
    let mut group = c.benchmark_group("loop_forward");
    group.sample_size(10).sampling_mode(SamplingMode::Flat);
    let sizes = [
        Size::new(&[2, 25, 15, 1], 1000, Float::F64),
        Size::new(&[400, 25, 15, 1], 1000, Float::F64),
        Size::new(&[512, 512, 512], 256, Float::F64),
    ];
    for size in &sizes {
        let net = size.network::<f64>().expect("a network");
        let (x, _) = size.batch::<f64>();
        group.throughput(Throughput::Elements(size.flops(Stage::Forward)));
        let ours = Path::Sequential.forward(&net, &x).expect("forward");
        group.bench_function(BenchmarkId::new("crate", size.label()), |b| {
            b.iter(|| Path::Sequential.forward(&net, &x).expect("forward"));
        });
        for variant in loop_variants() {
            let theirs = variant_forward(&net, &x, variant);
            let diff = (&theirs - ours.output()).abs().max();
            assert!(
                diff < 1e-12,
                "{variant} differs from the loop path by {diff:e}"
            );
            group.bench_function(BenchmarkId::new(variant, size.label()), |b| {
                b.iter(|| variant_forward(&net, &x, variant));
            });
        }
    }
    group.finish();
}

/// `A = g(Z)` alone, over as many values as the notes' network at batch 1000
/// has pre-activations (1000 × (25 + 15 + 1)).
fn bench_activation(c: &mut Criterion) {
    let mut group = c.benchmark_group("activation");
    let n = 1000 * (25 + 15 + 1);
    let z: Vec<f64> = (0..n)
        .map(|k| ((k * 37) % 200) as f64 / 25.0 - 4.0)
        .collect();
    let mut a = vec![0.0; n];
    group.throughput(Throughput::Elements(n as u64));
    for g in [Activation::Sigmoid, Activation::Relu] {
        let id = BenchmarkId::new(g.name(), "2-25-15-1_m1000");
        group.bench_function(id, |b| {
            b.iter(|| {
                g.apply(black_box(&z), &mut a);
                black_box(&a);
            });
        });
    }
    group.finish();
}

/// Criterion's median estimate, in seconds, for `group/function/param`, if
/// this run wrote it.
fn estimate(out_dir: &FsPath, started: SystemTime, id: &str) -> Option<f64> {
    let file = out_dir.join(id).join("new").join("estimates.json");
    let written = std::fs::metadata(&file).and_then(|m| m.modified()).ok()?;
    if written < started {
        return None; // from an earlier run (this one filtered it out)
    }
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).ok()?).ok()?;
    Some(json["median"]["point_estimate"].as_f64()? * 1e-9)
}

/// Prints the speedup table and the targets' ratios from this run's
/// estimates, and writes the chart.
fn report(out_dir: &FsPath, started: SystemTime, sizes: &[Size]) {
    let est = |id: String| estimate(out_dir, started, &id);
    let mut rows = Vec::new();
    for pass in Stage::ALL {
        for size in sizes {
            let time =
                |path: Path| est(format!("{}/{}/{}", pass.name(), path.name(), size.label()));
            if let (Some(sequential), Some(matrix)) = (time(Path::Sequential), time(Path::Matrix)) {
                rows.push(Row {
                    pass,
                    size: size.clone(),
                    sequential,
                    matrix,
                });
            }
        }
    }
    report_threads(&est);
    if rows.is_empty() {
        println!(
            "\n(no loop/matrix pairs were measured in this run, so there is no speedup table)"
        );
        return;
    }
    let threads = "one core each";
    println!(
        "\nSpeedup of the matrix path over the loop path ({threads}), from criterion's medians:\n"
    );
    print!("{}", speedup::format_table(&rows));

    let find = |pass: Stage, label: &str| {
        rows.iter()
            .find(|r| r.pass == pass && r.size.label() == label)
    };
    println!("\nTargets (ratios within this run):");
    // 1. Large layers: the matrix path against plain A * B doing the same products.
    for size in sizes.iter().filter(|s| is_large(s)) {
        let mut line = format!("  1. {:<24} A*B time ÷ matrix time:", size.label());
        for pass in Stage::ALL {
            let reference = est(format!("{}/a_times_b/{}", pass.name(), size.label()));
            if let (Some(r), Some(t)) = (find(pass, &size.label()), reference) {
                line += &format!(" {} {:.0}%", pass.name(), 100.0 * t / r.matrix);
            }
        }
        println!("{line}");
    }
    // 2. Batch 1: the matrix path's time over the loop's.
    for label in ["2-25-15-1_m1", "1024-1024-1024_m1"] {
        let mut line = format!("  2. {label:<20} matrix time ÷ loop time:");
        for pass in Stage::ALL {
            if let Some(r) = find(pass, label) {
                line += &format!(" {} {:.2}", pass.name(), r.matrix / r.sequential);
            }
        }
        println!("{line}");
    }
    // 3. The loop path against the fastest per-unit loop measured.
    for label in ["2-25-15-1_m1000", "400-25-15-1_m1000", "512-512-512_m256"] {
        let ours = est(format!("loop_forward/crate/{label}"));
        let others: Vec<(&str, f64)> = loop_variants()
            .into_iter()
            .filter_map(|v| Some((v, est(format!("loop_forward/{v}/{label}"))?)))
            .collect();
        if let Some(ours) = ours {
            let mut line = format!("  3. {label:<20} loop path time ÷ variant's:");
            for (v, t) in &others {
                line += &format!(" {v} {:.2}", ours / t);
            }
            println!("{line}");
        }
    }
    // 4. At the notes' size, how much of the matrix forward is the sigmoid.
    if let (Some(r), Some(sigmoid)) = (
        find(Stage::Forward, "2-25-15-1_m1000"),
        est("activation/sigmoid/2-25-15-1_m1000".into()),
    ) {
        let relu = est("activation/relu/2-25-15-1_m1000".into());
        println!(
            "  4. 2-25-15-1_m1000     matrix forward {}, of which A = g(Z) alone {} ({:.0}%){}",
            speedup::format_seconds(r.matrix),
            speedup::format_seconds(sigmoid),
            100.0 * sigmoid / r.matrix,
            relu.map_or(String::new(), |t| format!(
                "; relu instead {}",
                speedup::format_seconds(t)
            ))
        );
    }
    // Why the matrix path switches to a matrix-vector product for one example.
    let ways = ["loop_dots", "gemv", "a_times_b", "packed_kernel"];
    let times: Vec<Option<f64>> = ways
        .iter()
        .map(|w| est(format!("batch1_product/{w}/1x1024x1024")))
        .collect();
    if times.iter().all(Option::is_some) {
        let mut line = "  2. one (1, 1024)·(1024, 1024) product:".to_string();
        for (w, t) in ways.iter().zip(&times) {
            line += &format!(" {w} {}", speedup::format_seconds(t.unwrap_or(0.0)));
        }
        println!("{line}");
    }
    let chart = out_dir.join("speedup.svg");
    let title = format!("Matrix path vs loop path: cargo bench, {threads}");
    match speedup::write_chart(&rows, &title, &chart) {
        Ok(()) => println!("\nChart: {}", chart.display()),
        Err(e) => eprintln!("\nChart not written: {e}"),
    }
}
