//! After the first step, a training step makes no heap allocation, on either
//! path: every buffer lives in a [`Workspace`] (and the optimizer's state)
//! allocated once.
//!
//! The count comes from a global allocator that counts the allocations of
//! the calling thread only, so tests running beside it on other threads do
//! not disturb it, plus those of the workspace's pool of threads (named
//! `dualpath-1`, `dualpath-2`, …), counted together. No other test of this
//! binary starts a pool of more than one thread, so no other test's pool
//! adds to that count.

use dualpath::train::optim::Optimizer;
use dualpath::train::{FitSettings, fit, fit_with_progress};
use dualpath::{Activation, Loss, Network, Path, Real, Workspace};
use nalgebra::DMatrix;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    /// Whether this thread is a pool's worker; asked once per thread.
    static WORKER: Cell<Option<bool>> = const { Cell::new(None) };
}

/// Allocations made on the pools' worker threads, all together.
static WORKER_ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

fn count_one() {
    // `try_with`: the thread's counter may already be gone while it exits.
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
    if is_worker() {
        WORKER_ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
    }
}

/// Whether the current thread is one of a pool's (by its name). The answer
/// is set to "no" before asking, so an allocation while asking does not
/// ask again.
fn is_worker() -> bool {
    WORKER
        .try_with(|w| match w.get() {
            Some(known) => known,
            None => {
                w.set(Some(false));
                let name = std::thread::current().name().map(str::to_owned);
                let worker = name.is_some_and(|n| n.starts_with("dualpath-"));
                w.set(Some(worker));
                worker
            }
        })
        .unwrap_or(false)
}

// SAFETY: every call is passed on to the system allocator unchanged; the
// counter is a thread-local integer, which allocates nothing itself.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// How many allocations `f` makes on this thread.
fn allocations_in(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

/// How many allocations `f` makes on this thread and on the pools' threads.
fn allocations_on_threads_in(f: impl FnOnce()) -> usize {
    let workers = WORKER_ALLOCATIONS.load(Ordering::SeqCst);
    let mine = allocations_in(f);
    mine + (WORKER_ALLOCATIONS.load(Ordering::SeqCst) - workers)
}

/// A batch of `m` examples for `net`, values in [-1, 1], labels 0 or 1.
fn batch<T: Real>(m: usize, n_in: usize, n_out: usize) -> (DMatrix<T>, DMatrix<T>) {
    let x = DMatrix::from_fn(m, n_in, |i, j| {
        T::of_f64(((i * 7 + j * 3) % 11) as f64 / 5.0 - 1.0)
    });
    let y = DMatrix::from_fn(m, n_out, |i, j| T::of_f64(((i + j) % 2) as f64));
    (x, y)
}

fn steps_allocate_nothing<T: Real>(n_in: usize, layers: &[(usize, Activation)], m: usize) {
    steps_allocate_nothing_on_each::<T>(n_in, layers, m, &[1, 2]);
}

fn steps_allocate_nothing_on_each<T: Real>(
    n_in: usize,
    layers: &[(usize, Activation)],
    m: usize,
    each: &[usize],
) {
    for &threads in each {
        steps_allocate_nothing_on::<T>(n_in, layers, m, threads);
    }
}

fn steps_allocate_nothing_on<T: Real>(
    n_in: usize,
    layers: &[(usize, Activation)],
    m: usize,
    threads: usize,
) {
    let start = Network::<T>::new(n_in, layers, 3).expect("a network");
    let (x, y) = batch::<T>(m, n_in, start.n_out());
    let loss = Loss::BINARY_CROSSENTROPY;
    for path in Path::BOTH {
        for optimizer in [Optimizer::sgd(0.1), Optimizer::adam(0.01)] {
            let mut net = start.clone();
            let mut ws = Workspace::new(&net, m)
                .with_threads(threads)
                .expect("a thread count");
            let mut state = optimizer.start(&net);
            let mut step = |net: &mut Network<T>| {
                path.forward_into(&mut ws, net, &x)
                    .expect("forward")
                    .backward(&y, loss)
                    .expect("backward");
                state.step(net, ws.gradients());
            };
            step(&mut net); // the first step may size the scratch buffers
            let counted = allocations_on_threads_in(|| {
                for _ in 0..5 {
                    step(&mut net);
                }
            });
            assert_eq!(
                counted,
                0,
                "{} {path} path, {} widths {:?}, batch {m}, {threads} threads: \
                 {counted} allocations in 5 steps",
                T::NAME,
                optimizer,
                start.widths()
            );
        }
    }
}

#[test]
fn a_training_step_allocates_nothing_after_the_first_on_either_path() {
    use Activation::*;
    let notes = [(25, Sigmoid), (15, Sigmoid), (1, Sigmoid)];
    // Batches of 1 (matrix-vector products), 32, and one large enough for
    // the product kernel's blocks of 256 along the batch.
    for m in [1, 32, 300] {
        steps_allocate_nothing::<f64>(2, &notes, m);
        steps_allocate_nothing::<f32>(2, &notes, m);
    }
    let mixed = [(40, Relu), (300, Tanh), (7, Linear), (2, Sigmoid)];
    steps_allocate_nothing::<f64>(30, &mixed, 64);
    steps_allocate_nothing::<f32>(30, &mixed, 64);
    // Products large enough to be split across threads (above
    // `PARALLEL_MIN_WORK`), so that the pool's threads do work too.
    let wide = [(128, Relu), (64, Sigmoid), (3, Sigmoid)];
    steps_allocate_nothing_on_each::<f64>(64, &wide, 128, &[2, 3]);
    steps_allocate_nothing_on_each::<f32>(64, &wide, 128, &[2, 3]);
}

/// `fit` sets up its buffers once: a longer run allocates no more.
#[test]
fn fit_allocates_no_more_for_three_epochs_than_for_one() {
    use Activation::Sigmoid;
    let (x, y) = batch::<f64>(3200, 2, 1);
    let net = Network::<f64>::new(2, &[(25, Sigmoid), (15, Sigmoid), (1, Sigmoid)], 0)
        .expect("the notes' network");
    for path in Path::BOTH {
        let run = |epochs: usize| {
            let mut n = net.clone();
            let settings = FitSettings {
                epochs,
                batch_size: 32,
                path,
                ..FitSettings::default()
            };
            let plain = allocations_in(|| {
                fit(&mut n, &x, &y, &settings).expect("training");
            });
            // A callback that could stop training (and never does) costs nothing more.
            let mut n = net.clone();
            let asking = allocations_in(|| {
                fit_with_progress(&mut n, &x, &y, &settings, |_| {
                    std::ops::ControlFlow::Continue(())
                })
                .expect("training");
            });
            assert_eq!(plain, asking, "{path} path, {epochs} epochs");
            plain
        };
        let (one, three) = (run(1), run(3));
        assert_eq!(
            one, three,
            "{path} path: fit allocated {one} times for one epoch and {three} for three \
             (100 steps each)"
        );
    }
}
