//! A small pool of threads, started once and reused for every parallel
//! piece of work: [`Pool::run`] hands one job to `parts` threads (the
//! caller's own thread is part 0) and returns when every part is done.
//!
//! **Why not spawn per call, or use rayon.** A training step makes six
//! products and as many element-wise passes; spawning threads for each
//! costs tens of microseconds and allocates every time. rayon keeps its
//! threads too, but its work-stealing deques, scopes and job queue are built
//! for many small jobs of unknown size, and may allocate while they run.
//! The work here is the opposite: a few parts of known, equal size, split
//! once. So the pool is a few dozen lines of the standard library: a mutex,
//! two condition variables, and a generation counter. Dispatching a job
//! allocates nothing (`tests/training/threads.rs` in the main crate counts).
//!
//! **Which thread does what is fixed.** Part `p` always runs on the same
//! thread and is always given the same slice of the work by its caller, so
//! a result never depends on which thread was quicker. The pool itself
//! promises nothing about numbers; its callers split work so that no sum is
//! ever divided between parts (see [`crate::gemm::gemm_on`]).

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;

/// The most threads a pool may have: far more than any processor this
/// crate runs on, low enough that a mistyped number is refused rather than
/// tried.
pub const MAX_THREADS: usize = 1024;

/// How long a thread looks for news (a new job, the last part done)
/// before it sleeps. The products of one training step come one after
/// another, so a worker finds the next one while spinning, and is not woken
/// from sleep for each: on a 2-core virtual machine, waking a sleeping
/// thread took 20 to 50 µs, handing a job to a spinning one about 1.5 µs.
const SPIN: std::time::Duration = std::time::Duration::from_micros(50);

/// Waits, spinning, until `ready()` or [`SPIN`] has passed; whether it was ready.
fn spin_until(ready: impl Fn() -> bool) -> bool {
    let start = std::time::Instant::now();
    loop {
        for _ in 0..64 {
            if ready() {
                return true;
            }
            std::hint::spin_loop();
        }
        if start.elapsed() >= SPIN {
            return ready();
        }
    }
}

/// A job with its lifetime erased: only ever dereferenced while
/// [`Pool::run`], which borrows the real job, is waiting for it to finish.
#[derive(Clone, Copy)]
struct Job(*const (dyn Fn(usize) + Sync + 'static));

// SAFETY: the pointee is `Sync`, so calling it from several threads is sound;
// `Pool::run` keeps it alive until every thread is done with it.
unsafe impl Send for Job {}

struct State {
    /// Bumped once per job, so a worker knows a new one arrived.
    generation: u64,
    job: Option<Job>,
    /// Parts of the current job, the caller's included.
    parts: usize,
    /// Worker parts not finished yet.
    remaining: usize,
    /// The first panic of a worker's part, handed to the caller.
    panic: Option<Box<dyn std::any::Any + Send>>,
    /// Workers that have started and wait for work.
    started: usize,
    shutdown: bool,
}

struct Shared {
    state: Mutex<State>,
    /// `State::generation` and `State::remaining`, readable without the
    /// lock: a thread about to sleep first watches them for a while
    /// ([`SPIN`]), since waking a sleeping thread costs tens of microseconds.
    generation: AtomicU64,
    remaining: AtomicUsize,
    /// Signalled when a job arrives or the pool shuts down.
    start: Condvar,
    /// Signalled when the last worker part finishes.
    done: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A part's panic is caught before the lock is taken again, so the
        // state is never left half-written: poisoning can be ignored.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A pool of `threads - 1` worker threads plus the caller's.
pub struct Pool {
    threads: usize,
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
    /// One job at a time: a second caller waits here.
    dispatch: Mutex<()>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("threads", &self.threads)
            .finish()
    }
}

impl Pool {
    /// A pool of `threads` threads: the caller's and `threads - 1` started
    /// here, which wait, asleep, for work until the pool is dropped. One
    /// thread starts none.
    ///
    /// # Panics
    /// If `threads` is 0 or above [`MAX_THREADS`] (callers check what a user
    /// gives first), or the system cannot start a thread.
    pub fn new(threads: usize) -> Pool {
        assert!(
            (1..=MAX_THREADS).contains(&threads),
            "Pool::new: {threads} threads; need 1 to {MAX_THREADS}"
        );
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                generation: 0,
                job: None,
                parts: 0,
                remaining: 0,
                panic: None,
                started: 0,
                shutdown: false,
            }),
            start: Condvar::new(),
            done: Condvar::new(),
            generation: AtomicU64::new(0),
            remaining: AtomicUsize::new(0),
        });
        let workers = (1..threads)
            .map(|part| {
                let shared = Arc::clone(&shared);
                std::thread::Builder::new()
                    .name(format!("dualpath-{part}"))
                    .spawn(move || work(&shared, part))
                    .expect("the system could not start a thread")
            })
            .collect();
        // Wait until every worker runs: whatever starting a thread does
        // (and allocates) is over before the first job.
        let mut state = shared.lock();
        while state.started < threads - 1 {
            state = shared
                .done
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        drop(state);
        Pool {
            threads,
            shared,
            workers,
            dispatch: Mutex::new(()),
        }
    }

    /// How many threads it runs on, the caller's included.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Runs `job(p)` for every part `p` in `0..parts`, part 0 on the
    /// calling thread and part `p` on worker `p`, and returns when all are
    /// done. One part runs on the caller alone, with no synchronisation.
    ///
    /// # Panics
    /// If `parts` is more than [`Pool::threads`], or a part panics (after
    /// every other part has finished).
    pub fn run(&self, parts: usize, job: &(dyn Fn(usize) + Sync)) {
        assert!(
            parts <= self.threads,
            "Pool::run: {parts} parts on {} threads",
            self.threads
        );
        if parts <= 1 {
            if parts == 1 {
                job(0);
            }
            return;
        }
        let _one_at_a_time = self.dispatch.lock().unwrap_or_else(PoisonError::into_inner);
        // SAFETY: only the lifetime is erased. The pointer is cleared below,
        // after every worker part has finished, before this function returns
        // or unwinds, so no worker calls it once `job` is gone.
        let erased: *const (dyn Fn(usize) + Sync + '_) = job;
        let erased = unsafe {
            std::mem::transmute::<
                *const (dyn Fn(usize) + Sync + '_),
                *const (dyn Fn(usize) + Sync + 'static),
            >(erased)
        };
        {
            let mut state = self.shared.lock();
            state.generation = state.generation.wrapping_add(1);
            state.job = Some(Job(erased));
            state.parts = parts;
            state.remaining = parts - 1;
            self.shared.remaining.store(parts - 1, Ordering::SeqCst);
            self.shared
                .generation
                .store(state.generation, Ordering::SeqCst);
            self.shared.start.notify_all();
        }
        let mine = catch_unwind(AssertUnwindSafe(|| job(0)));
        spin_until(|| self.shared.remaining.load(Ordering::SeqCst) == 0);
        let theirs = {
            let mut state = self.shared.lock();
            while state.remaining > 0 {
                state = self
                    .shared
                    .done
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            state.job = None;
            state.panic.take()
        };
        if let Err(panic) = mine {
            resume_unwind(panic);
        }
        if let Some(panic) = theirs {
            resume_unwind(panic);
        }
    }
}

impl Pool {
    /// Runs `job(p, block)` for every part of `split`, where `block` is
    /// part `p`'s columns of the column-major matrix `c` (`rows` rows):
    /// columns `split.range(p)`, one contiguous slice, written by that part
    /// alone.
    ///
    /// # Panics
    /// If `c` has not `rows` values for each of the split's columns, or as
    /// [`Pool::run`].
    pub fn columns<T: Send>(
        &self,
        c: &mut [T],
        rows: usize,
        split: Split,
        job: &(dyn Fn(usize, &mut [T]) + Sync),
    ) {
        assert_eq!(
            Some(c.len()),
            rows.checked_mul(split.units),
            "Pool::columns: {} values for {} columns of {rows}",
            c.len(),
            split.units
        );
        let out = Disjoint(c.as_mut_ptr());
        self.run(split.parts(), &|p| {
            let cols = split.range(p);
            // SAFETY: the parts' column ranges are disjoint and inside the
            // matrix (`Split`, and the length asserted above), so each
            // block lies inside `c` and is this part's alone; `c` stays
            // borrowed until `run` returns, after every part.
            let block = unsafe {
                std::slice::from_raw_parts_mut(out.at(cols.start * rows), cols.len() * rows)
            };
            job(p, block);
        });
    }

    /// Runs `job(p, block)` for every part of `split`, where `block` writes
    /// part `p`'s rows of the column-major matrix `c` (`rows` rows, so
    /// `split` is of the rows): [`RowBlock::set_row`] writes one of them.
    ///
    /// # Panics
    /// If `c` does not hold whole columns of `split`'s rows, or as
    /// [`Pool::run`].
    pub fn rows<T: Send + Copy>(
        &self,
        c: &mut [T],
        split: Split,
        job: &(dyn Fn(usize, RowBlock<'_, T>) + Sync),
    ) {
        let rows = split.units;
        assert!(
            c.is_empty() || rows > 0 && c.len().is_multiple_of(rows),
            "Pool::rows: {} values are not whole columns of {rows}",
            c.len()
        );
        let cols = c.len().checked_div(rows).unwrap_or(0);
        let out = Disjoint(c.as_mut_ptr());
        let out = &out;
        self.run(split.parts(), &|p| {
            job(
                p,
                RowBlock {
                    out,
                    rows,
                    cols,
                    mine: split.range(p),
                },
            );
        });
    }
}

/// One part's rows of a column-major matrix, given by [`Pool::rows`].
pub struct RowBlock<'a, T> {
    out: &'a Disjoint<T>,
    rows: usize,
    cols: usize,
    mine: std::ops::Range<usize>,
}

impl<T: Copy> RowBlock<'_, T> {
    /// The rows this part writes.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.mine.clone()
    }

    /// Writes row `i`: `values[j]` into column `j`.
    ///
    /// # Panics
    /// If row `i` is not this part's, or `values` is not one value per column.
    pub fn set_row(&mut self, i: usize, values: &[T]) {
        assert!(
            self.mine.contains(&i) && values.len() == self.cols,
            "RowBlock::set_row: row {i} of {:?}, {} values for {} columns",
            self.mine,
            values.len(),
            self.cols
        );
        for (j, &v) in values.iter().enumerate() {
            // SAFETY: i < rows and j < cols, so i + j·rows is inside the
            // matrix; row i is this part's alone (the ranges of `Split` are
            // disjoint), so no other thread writes this element.
            unsafe { self.out.at(i + j * self.rows).write(v) };
        }
    }
}

/// A matrix several threads write, each its own elements.
pub(crate) struct Disjoint<T>(pub(crate) *mut T);

// SAFETY: its users (`Pool::columns`, `Pool::rows`, `gemm_on`) hand each
// thread disjoint elements.
unsafe impl<T: Send> Sync for Disjoint<T> {}

impl<T> Disjoint<T> {
    /// The pointer `offset` values on (a method, so that closures capture
    /// the whole `Sync` wrapper rather than its raw pointer field).
    pub(crate) fn at(&self, offset: usize) -> *mut T {
        // Only dereferenced inside the matrix, as each caller's comment says.
        self.0.wrapping_add(offset)
    }
}

/// A worker's life: wait for a job of a newer generation, run its part if
/// the job has one for it, report, repeat; stop at shutdown.
fn work(shared: &Shared, part: usize) {
    let mut seen = 0u64;
    shared.lock().started += 1;
    shared.done.notify_all();
    loop {
        spin_until(|| shared.generation.load(Ordering::SeqCst) != seen);
        let job = {
            let mut state = shared.lock();
            while state.generation == seen && !state.shutdown {
                state = shared
                    .start
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if state.shutdown {
                return;
            }
            seen = state.generation;
            match state.job {
                Some(job) if part < state.parts => job,
                _ => continue,
            }
        };
        // SAFETY: `Pool::run` keeps the job alive until `remaining` reaches 0,
        // which needs this part's report below.
        let result = catch_unwind(AssertUnwindSafe(|| unsafe { (*job.0)(part) }));
        let mut state = shared.lock();
        if let Err(panic) = result {
            state.panic.get_or_insert(panic);
        }
        state.remaining -= 1;
        shared.remaining.store(state.remaining, Ordering::SeqCst);
        if state.remaining == 0 {
            shared.done.notify_all();
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.shared.lock().shutdown = true;
        self.shared.start.notify_all();
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

/// Splits `units` things (tiles, columns, examples) into at most `parts`
/// contiguous ranges of whole units, as even as they can be: part `p` gets
/// `range(p)`. The same `units` and `parts` always give the same ranges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Split {
    units: usize,
    parts: usize,
}

impl Split {
    /// `units` split into `min(parts, units)` ranges (at least one).
    pub fn new(units: usize, parts: usize) -> Split {
        Split {
            units,
            parts: parts.min(units).max(1),
        }
    }

    /// How many ranges.
    pub fn parts(&self) -> usize {
        self.parts
    }

    /// The units of part `p`: the first `units mod parts` parts have one more.
    pub fn range(&self, p: usize) -> std::ops::Range<usize> {
        let (each, extra) = (self.units / self.parts, self.units % self.parts);
        let start = p * each + p.min(extra);
        start..start + each + usize::from(p < extra)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn every_part_runs_once_on_its_own_thread() {
        let pool = Pool::new(4);
        for parts in 0..=4 {
            let ran: Vec<AtomicUsize> = (0..4).map(|_| AtomicUsize::new(0)).collect();
            let names: Vec<Mutex<String>> = (0..4).map(|_| Mutex::new(String::new())).collect();
            pool.run(parts, &|p| {
                ran[p].fetch_add(1, Ordering::SeqCst);
                *names[p].lock().unwrap() = std::thread::current().name().unwrap_or("").to_string();
            });
            for (p, ran) in ran.iter().enumerate() {
                assert_eq!(ran.load(Ordering::SeqCst), usize::from(p < parts));
            }
            for (p, name) in names.iter().enumerate().take(parts).skip(1) {
                assert_eq!(*name.lock().unwrap(), format!("dualpath-{p}"));
            }
        }
    }

    #[test]
    fn a_pool_is_reused_many_times_and_from_several_callers() {
        let pool = Pool::new(3);
        let total = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..3 {
                s.spawn(|| {
                    for _ in 0..200 {
                        pool.run(3, &|p| {
                            total.fetch_add(p + 1, Ordering::SeqCst);
                        });
                    }
                });
            }
        });
        assert_eq!(total.load(Ordering::SeqCst), 3 * 200 * 6);
    }

    #[test]
    fn a_panicking_part_reaches_the_caller_after_the_others_finish() {
        let pool = Pool::new(2);
        let finished = AtomicUsize::new(0);
        let result = catch_unwind(AssertUnwindSafe(|| {
            pool.run(2, &|p| {
                if p == 1 {
                    panic!("part one");
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
                finished.fetch_add(1, Ordering::SeqCst);
            });
        }));
        assert!(result.is_err());
        assert_eq!(finished.load(Ordering::SeqCst), 1);
        // The pool still works.
        pool.run(2, &|_| {
            finished.fetch_add(1, Ordering::SeqCst);
        });
        assert_eq!(finished.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn a_split_covers_every_unit_once_in_order() {
        for units in 0..40 {
            for parts in 1..9 {
                let split = Split::new(units, parts);
                assert_eq!(split.parts(), parts.min(units).max(1));
                let mut next = 0;
                for p in 0..split.parts() {
                    let r = split.range(p);
                    assert_eq!(r.start, next);
                    assert!(r.len() + 1 >= units / split.parts());
                    next = r.end;
                }
                assert_eq!(next, units);
            }
        }
    }
}
