//! How much faster is the matrix path, and where does the loop win?
//!
//! This module holds what the benchmarks and the program share: the sizes
//! measured ([`sweep`]), their operation counts ([`Size::flops`]), one
//! training step ([`train_step`]), the agreement check done before timing
//! ([`paths_agree`]), the table ([`format_table`]) and the chart
//! (`chart`, with the `charts` feature: `write_chart`).
//!
//! Two ways to fill the table:
//!
//! * `cargo bench` (criterion, `benches/paths.rs`) is **the careful
//!   measurement**: it warms up, takes many samples, and prints the table at
//!   the end from criterion's own estimates. It takes about four minutes.
//!   `docs/09-performance.md` shows and explains its results.
//! * `dualpath speedup` runs [`quick_sweep`]: **a quick estimate** of the same
//!   sweep in seconds, with a plain `std::time::Instant` loop and the median of
//!   a few runs. On a busy machine its numbers can be off by tens of percent.
//!
//! Both paths run single-threaded here (the product kernel too), so the
//! speedup is one core's.

use crate::error::{Error, Result};
use crate::nn::activation::Activation;
use crate::nn::loss::Loss;
use crate::nn::network::Network;
use crate::paths::Path;
use crate::paths::buffers::Workspace;
use crate::proof::bounds::Agreement;
use crate::proof::compare;
use crate::real::Real;
use crate::train::optim::Sgd;
use nalgebra::DMatrix;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

#[cfg(feature = "charts")]
mod chart;
#[cfg(feature = "charts")]
pub use chart::{chart_svg, write_chart};

/// The seed of every benchmark network's weights and batch.
pub const SEED: u64 = 2;
/// The loss of the backward pass and the training step: binary cross-entropy,
/// as in the notes.
pub const LOSS: Loss = Loss::BINARY_CROSSENTROPY;
/// The learning rate of the training step.
pub const LEARNING_RATE: f64 = 0.01;

/// What is timed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stage {
    /// The forward pass: `Z` and `A` of every layer.
    Forward,
    /// The backward pass, given a forward cache: every layer's `dW` and `db`.
    Backward,
    /// One step of gradient descent: forward, backward, and
    /// [`crate::train::optim::Sgd::step`] on one batch.
    TrainStep,
}

impl Stage {
    /// All three, in the order a step runs them.
    pub const ALL: [Stage; 3] = [Stage::Forward, Stage::Backward, Stage::TrainStep];

    /// The benchmark group's name: `forward`, `backward` or `train_step`.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Forward => "forward",
            Stage::Backward => "backward",
            Stage::TrainStep => "train_step",
        }
    }
}

/// The floating-point type a size is computed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Float {
    /// `f64`, the crate's default.
    F64,
    /// `f32`, Keras' default.
    F32,
}

impl Float {
    /// `"f64"` or `"f32"`.
    pub fn name(self) -> &'static str {
        match self {
            Float::F64 => "f64",
            Float::F32 => "f32",
        }
    }
}

impl std::str::FromStr for Float {
    type Err = Error;

    /// `f64` or `f32` (also Keras' names, `float64` and `float32`), ignoring ASCII case.
    ///
    /// ```
    /// use dualpath::speedup::Float;
    /// assert_eq!("float32".parse::<Float>().unwrap(), Float::F32);
    /// assert!("f16".parse::<Float>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "f64" | "float64" => Ok(Float::F64),
            "f32" | "float32" => Ok(Float::F32),
            _ => Err(Error::InvalidSetting {
                name: "float type".into(),
                detail: format!("{s:?} is not one: expected f64 or f32 (Keras' float64, float32)"),
            }),
        }
    }
}

/// One problem size: a sigmoid network's widths, the batch size `m`, and the type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Size {
    /// Widths from input to output, e.g. `[2, 25, 15, 1]`.
    pub widths: Vec<usize>,
    /// Examples per batch, `m`.
    pub batch: usize,
    /// `f64` or `f32`.
    pub float: Float,
}

impl Size {
    /// A size from its widths, batch and type.
    pub fn new(widths: &[usize], batch: usize, float: Float) -> Size {
        Size {
            widths: widths.to_vec(),
            batch,
            float,
        }
    }

    /// The name used in benchmark ids and tables: widths joined by `-`, then
    /// `_m` and the batch size, then `_f32` for `f32`: `2-25-15-1_m200`,
    /// `1024-1024-1024_m256_f32`.
    ///
    /// ```
    /// use dualpath::speedup::{Float, Size};
    /// assert_eq!(Size::new(&[2, 25, 15, 1], 200, Float::F64).label(), "2-25-15-1_m200");
    /// ```
    pub fn label(&self) -> String {
        let widths: Vec<String> = self.widths.iter().map(usize::to_string).collect();
        let float = match self.float {
            Float::F64 => "",
            Float::F32 => "_f32",
        };
        format!("{}_m{}{float}", widths.join("-"), self.batch)
    }

    /// The series this size belongs to on the chart: the same network over
    /// several batch sizes (`2-25-15-1, f64`), or the width sweep at batch
    /// 256 (`w-w-w, m = 256, f32`).
    pub fn family(&self) -> String {
        let w = &self.widths;
        let square = w.len() == 3 && w.iter().all(|&v| v == w[0]);
        if square && self.batch == 256 {
            format!("w-w-w, m = 256, {}", self.float.name())
        } else {
            let widths: Vec<String> = w.iter().map(usize::to_string).collect();
            format!("{}, {}", widths.join("-"), self.float.name())
        }
    }

    /// Floating-point operations of the products in one pass, counting a
    /// multiply-add as two: `2·m·n_in·units` per product.
    ///
    /// The forward pass has one product per layer (`A_in·W`); the backward
    /// pass has `A_inᵀ·dZ` per layer and `dZ·Wᵀ` per layer above the first
    /// (the data needs no gradient); the training step adds both and two
    /// operations per parameter for the update. The activations, the loss and
    /// the bias are not counted: GFLOP/s measures how well the products run,
    /// and where `exp` dominates (the notes' small network) it is low on both
    /// paths.
    ///
    /// ```
    /// use dualpath::speedup::{Float, Stage, Size};
    /// let seed = Size::new(&[2, 25, 15, 1], 1, Float::F64);
    /// assert_eq!(seed.flops(Stage::Forward), 2 * (2 * 25 + 25 * 15 + 15 * 1));
    /// ```
    pub fn flops(&self, pass: Stage) -> u64 {
        let m = self.batch as u64;
        let products: Vec<u64> = self
            .widths
            .windows(2)
            .map(|w| 2 * m * w[0] as u64 * w[1] as u64)
            .collect();
        let forward: u64 = products.iter().sum();
        let backward = forward + products.iter().skip(1).sum::<u64>();
        let params: u64 = self
            .widths
            .windows(2)
            .map(|w| (w[0] as u64 + 1) * w[1] as u64)
            .sum();
        match pass {
            Stage::Forward => forward,
            Stage::Backward => backward,
            Stage::TrainStep => forward + backward + 2 * params,
        }
    }

    /// The network: every layer sigmoid, as in the notes, Glorot-uniform
    /// weights from [`SEED`].
    ///
    /// # Errors
    /// If the widths cannot make a network (fewer than two, or a zero).
    pub fn network<T: Real>(&self) -> Result<Network<T>> {
        let n_in = self.widths.first().copied().unwrap_or(0);
        let layers: Vec<(usize, Activation)> = self
            .widths
            .iter()
            .skip(1)
            .map(|&u| (u, Activation::Sigmoid))
            .collect();
        Network::new(n_in, &layers, SEED)
    }

    /// A seeded batch: `X` uniform in `[-2, 2)`, shape `(m, n_in)`, and labels
    /// `Y (m, n_out)` with `Y[i, j] = 1` when `X[i, j mod n_in] > 0`, else 0.
    pub fn batch<T: Real>(&self) -> (DMatrix<T>, DMatrix<T>) {
        let n_in = self.widths.first().copied().unwrap_or(0);
        let n_out = self.widths.last().copied().unwrap_or(0);
        let mut rng = Pcg64::seed_from_u64(SEED.wrapping_add(1));
        let x = DMatrix::from_fn(self.batch, n_in, |_, _| {
            T::of_f64(4.0 * rng.random::<f64>() - 2.0)
        });
        let y = DMatrix::from_fn(self.batch, n_out, |i, j| {
            if x[(i, j % n_in)] > T::zero() {
                T::one()
            } else {
                T::zero()
            }
        });
        (x, y)
    }
}

/// The sizes `cargo bench` and `dualpath speedup` measure: the notes'
/// 2-25-15-1 network at batch 1, 32, 200 and 1000; the course's 400-25-15-1
/// digit network at batch 1 and 1000; square layers `w-w-w` for w = 8, 32,
/// 128, 512, 1024 at batch 256 in `f64` and in `f32`; and the 1024-wide
/// layers at batch 1.
pub fn sweep() -> Vec<Size> {
    let mut sizes = Vec::new();
    for m in [1, 32, 200, 1000] {
        sizes.push(Size::new(&[2, 25, 15, 1], m, Float::F64));
    }
    for m in [1, 1000] {
        sizes.push(Size::new(&[400, 25, 15, 1], m, Float::F64));
    }
    sizes.push(Size::new(&[1024, 1024, 1024], 1, Float::F64));
    for float in [Float::F64, Float::F32] {
        for w in [8, 32, 128, 512, 1024] {
            sizes.push(Size::new(&[w, w, w], 256, float));
        }
    }
    sizes
}

/// The sizes at which `cargo bench`'s `peers` group times a training step,
/// and `benches/peers.py` times the same step in NumPy, JAX and Keras: the
/// notes' 2-25-15-1 network and the course's 400-25-15-1 digit network at
/// batch 32 (Keras' default) and 1000, a 784-256-128-10 network (MNIST's
/// inputs) at the same two batches, and 1024-wide layers at batch 256;
/// each in `f64` and in `f32`.
///
/// ```
/// let sizes = dualpath::speedup::peer_sizes();
/// assert_eq!(sizes.len(), 14);
/// assert_eq!(sizes[0].label(), "2-25-15-1_m32");
/// ```
pub fn peer_sizes() -> Vec<Size> {
    let mut sizes = Vec::new();
    for float in [Float::F64, Float::F32] {
        for widths in [&[2, 25, 15, 1][..], &[400, 25, 15, 1], &[784, 256, 128, 10]] {
            for m in [32, 1000] {
                sizes.push(Size::new(widths, m, float));
            }
        }
        sizes.push(Size::new(&[1024, 1024, 1024], 256, float));
    }
    sizes
}

/// One training step on `path`: forward and backward into `ws`, then
/// `w ← w - lr·dw` with [`LEARNING_RATE`]. With a workspace made once for
/// the network and batch, it allocates nothing.
///
/// # Errors
/// As [`Path::forward_into`] and [`crate::Pass::backward`].
pub fn train_step<T: Real>(
    path: Path,
    ws: &mut Workspace<T>,
    net: &mut Network<T>,
    x: &DMatrix<T>,
    y: &DMatrix<T>,
) -> Result<()> {
    path.forward_into(ws, net, x)?.backward(y, LOSS)?;
    Sgd {
        learning_rate: LEARNING_RATE,
    }
    .step(net, ws.gradients());
    Ok(())
}

/// Runs both paths forward and backward on `(x, y)` and compares every `Z`,
/// `A`, `dW`, `db` and the loss against the rounding bound
/// ([`compare::rows`]). Returns the worst of those comparisons: the
/// benchmarks time nothing unless it [holds](Agreement::holds).
///
/// # Errors
/// If `x` or `y` does not fit the network.
pub fn paths_agree<T: Real>(net: &Network<T>, x: &DMatrix<T>, y: &DMatrix<T>) -> Result<Agreement> {
    Ok(compare::worst(&compare::rows(net, x, y, LOSS)?))
}

/// One line of the table: a pass at a size, timed on both paths.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// What was timed.
    pub pass: Stage,
    /// At which size.
    pub size: Size,
    /// Seconds per pass on the loop path.
    pub sequential: f64,
    /// Seconds per pass on the matrix path.
    pub matrix: f64,
}

impl Row {
    /// How many times faster the matrix path is: loop time ÷ matrix time
    /// (below 1, the loop is faster).
    pub fn speedup(&self) -> f64 {
        self.sequential / self.matrix
    }

    /// Billions of floating-point operations per second on `path`
    /// ([`Size::flops`] ÷ time).
    pub fn gflops(&self, path: Path) -> f64 {
        let seconds = match path {
            Path::Sequential => self.sequential,
            Path::Matrix => self.matrix,
        };
        self.size.flops(self.pass) as f64 / seconds / 1e9
    }
}

/// Where the loop stops winning along one series of the chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Crossover {
    /// The series ([`Size::family`]).
    pub family: String,
    /// The last size (smallest to largest) at which the loop is faster.
    pub loop_wins_at: Size,
    /// The next size, at which the matrix path is faster.
    pub matrix_wins_at: Size,
    /// FLOPs at which the speedup crosses 1, interpolated on log-log axes
    /// between the two.
    pub flops: f64,
}

/// Crossovers of one pass, one per series that has one: the last size at
/// which the loop wins, with the matrix path winning at the next size up.
pub fn crossovers(rows: &[Row], pass: Stage) -> Vec<Crossover> {
    let mut out = Vec::new();
    for (family, series) in families(rows, pass) {
        let Some(i) = series.iter().rposition(|r| r.speedup() < 1.0) else {
            continue;
        };
        let Some(next) = series.get(i + 1) else {
            continue;
        };
        let prev = series[i];
        let (x0, x1) = (
            (prev.size.flops(pass) as f64).ln(),
            (next.size.flops(pass) as f64).ln(),
        );
        let (y0, y1) = (prev.speedup().ln(), next.speedup().ln());
        let t = if y1 > y0 { -y0 / (y1 - y0) } else { 0.5 };
        out.push(Crossover {
            family,
            loop_wins_at: prev.size.clone(),
            matrix_wins_at: next.size.clone(),
            flops: (x0 + t * (x1 - x0)).exp(),
        });
    }
    out
}

/// The rows of one pass, grouped by [`Size::family`] in first-seen order,
/// each series sorted by FLOPs.
pub(crate) fn families(rows: &[Row], pass: Stage) -> Vec<(String, Vec<&Row>)> {
    let mut out: Vec<(String, Vec<&Row>)> = Vec::new();
    for r in rows.iter().filter(|r| r.pass == pass) {
        let family = r.size.family();
        match out.iter_mut().find(|(f, _)| *f == family) {
            Some((_, series)) => series.push(r),
            None => out.push((family, vec![r])),
        }
    }
    for (_, series) in &mut out {
        series.sort_by_key(|r| r.size.flops(pass));
    }
    out
}

/// A duration in seconds with a unit that keeps three or four digits: `812 ns`, `4.31 ms`.
pub fn format_seconds(s: f64) -> String {
    let (value, unit) = if s < 1e-6 {
        (s * 1e9, "ns")
    } else if s < 1e-3 {
        (s * 1e6, "µs")
    } else if s < 1.0 {
        (s * 1e3, "ms")
    } else {
        (s, "s")
    };
    if value < 10.0 {
        format!("{value:.2} {unit}")
    } else if value < 100.0 {
        format!("{value:.1} {unit}")
    } else {
        format!("{value:.0} {unit}")
    }
}

/// The speedup table: one line per pass and size, with both times, the
/// speedup and each path's GFLOP/s, then the crossovers.
pub fn format_table(rows: &[Row]) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "{:<11} {:<24} {:>10} {:>10} {:>8} {:>7} {:>7}",
        "pass", "size", "loop", "matrix", "speedup", "loop", "matrix"
    );
    let _ = writeln!(
        t,
        "{:<11} {:<24} {:>10} {:>10} {:>8} {:>7} {:>7}",
        "", "widths_m<batch>", "time", "time", "", "GFLOP/s", "GFLOP/s"
    );
    for pass in Stage::ALL {
        for r in rows.iter().filter(|r| r.pass == pass) {
            let _ = writeln!(
                t,
                "{:<11} {:<24} {:>10} {:>10} {:>7.2}× {:>7.2} {:>7.2}",
                pass.name(),
                r.size.label(),
                format_seconds(r.sequential),
                format_seconds(r.matrix),
                r.speedup(),
                r.gflops(Path::Sequential),
                r.gflops(Path::Matrix),
            );
        }
    }
    let _ = writeln!(
        t,
        "speedup = loop time ÷ matrix time (above 1 the matrix path is faster); \
         GFLOP/s counts the products' multiply-adds (×2) only."
    );
    for pass in Stage::ALL {
        for c in crossovers(rows, pass) {
            let _ = writeln!(
                t,
                "{}: the loop wins up to {}, the matrix path from {} on ({}).",
                pass.name(),
                c.loop_wins_at.label(),
                c.matrix_wins_at.label(),
                c.family
            );
        }
    }
    t
}

/// Times every pass of every size of `sizes` on both paths, quickly: see the
/// module documentation. `progress` is called with each size before it is timed.
///
/// Each measurement runs the pass once to warm up, then repeats it in small
/// batches for about 40 ms (and at least three times), and keeps the median.
/// Every pass runs in a [`Workspace`] made once per size, so nothing is
/// allocated while the clock runs.
///
/// # Errors
/// If a size cannot make a network (not for the sizes of [`sweep`]).
pub fn quick_sweep(sizes: &[Size], progress: impl FnMut(&Size)) -> Result<Vec<Row>> {
    quick_sweep_on(sizes, 1, progress)
}

/// [`quick_sweep`] with both paths on `threads` threads
/// ([`Workspace::with_threads`]).
///
/// # Errors
/// As [`quick_sweep`], and for a thread count [`Workspace::with_threads`] refuses.
pub fn quick_sweep_on(
    sizes: &[Size],
    threads: usize,
    mut progress: impl FnMut(&Size),
) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    for size in sizes {
        progress(size);
        match size.float {
            Float::F64 => rows.extend(time_size::<f64>(size, threads)?),
            Float::F32 => rows.extend(time_size::<f32>(size, threads)?),
        }
    }
    Ok(rows)
}

/// The three passes of one size, each on both paths.
fn time_size<T: Real>(size: &Size, threads: usize) -> Result<Vec<Row>> {
    let net = size.network::<T>()?;
    let (x, y) = size.batch::<T>();
    let mut ws = Workspace::new(&net, x.nrows()).with_threads(threads)?;
    let mut rows = Vec::new();
    for pass in Stage::ALL {
        let mut seconds = [0.0; 2];
        for (s, path) in seconds.iter_mut().zip(Path::BOTH) {
            *s = match pass {
                Stage::Forward => {
                    median_seconds(|| path.forward_into(&mut ws, &net, &x).map(drop))?
                }
                Stage::Backward => {
                    let mut forward = path.forward_into(&mut ws, &net, &x)?;
                    median_seconds(|| forward.backward(&y, LOSS).map(drop))?
                }
                Stage::TrainStep => {
                    let mut net = net.clone();
                    median_seconds(|| train_step(path, &mut ws, &mut net, &x, &y))?
                }
            };
        }
        rows.push(Row {
            pass,
            size: size.clone(),
            sequential: seconds[0],
            matrix: seconds[1],
        });
    }
    Ok(rows)
}

/// The median time of one call of `run`, from about 40 ms of calls.
fn median_seconds(mut run: impl FnMut() -> Result<()>) -> Result<f64> {
    const BUDGET: Duration = Duration::from_millis(40);
    let start = Instant::now();
    run()?; // warm up: caches, and the allocator's first requests
    let once = start.elapsed().as_secs_f64().max(1e-9);
    // Time batches of at least ~0.2 ms, so that the clock's own cost is small.
    let per_sample = ((2e-4 / once).ceil() as usize).max(1);
    let mut samples = Vec::new();
    let start = Instant::now();
    while samples.len() < 3 || (start.elapsed() < BUDGET && samples.len() < 100) {
        let t = Instant::now();
        for _ in 0..per_sample {
            run()?;
        }
        samples.push(t.elapsed().as_secs_f64() / per_sample as f64);
    }
    samples.sort_by(f64::total_cmp);
    Ok(samples[samples.len() / 2])
}
