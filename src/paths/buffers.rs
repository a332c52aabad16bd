//! The buffers: what one layer's forward keeps for its backward, the
//! gradients, the kernels' scratch, and the [`Workspace`] that holds them all
//! for one network and batch size.
//!
//! Kernels write into buffers their caller owns (outputs first, as llm.c's
//! `*_forward(out, inp, weight, bias, ...)` do) and never allocate once
//! those buffers exist. A [`Workspace`] holds every buffer a forward and
//! backward pass of one network needs at one batch size, so that a training
//! step, after the first, makes no heap allocation.

use crate::error::{Error, Result};
use crate::nn::network::{Dense, Network};
use crate::real::Real;
use dualpath_kernels::gemm::PARALLEL_MIN_WORK;
use dualpath_kernels::threads::{MAX_THREADS, Pool};
use nalgebra::{DMatrix, DVector};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// What one layer's forward keeps for its backward: `Z` and `A`, each `(m, units)`.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerCache<T: Real> {
    /// Pre-activation `Z = A_in·W + B`.
    pub z: DMatrix<T>,
    /// Activation `A = g(Z)`.
    pub a: DMatrix<T>,
}

impl<T: Real> LayerCache<T> {
    /// Zeroed buffers for `m` examples of a layer of `units` units.
    pub fn zeros(m: usize, units: usize) -> Self {
        LayerCache {
            z: DMatrix::zeros(m, units),
            a: DMatrix::zeros(m, units),
        }
    }
}

/// The gradients of one layer's parameters: `dW` (shape of `W`) and `db` (shape of `b`).
#[derive(Clone, Debug, PartialEq)]
pub struct DenseGradients<T: Real> {
    /// `∂J/∂W`, shape `(n_in, units)`.
    pub dw: DMatrix<T>,
    /// `∂J/∂b`, length `units`.
    pub db: DVector<T>,
}

impl<T: Real> DenseGradients<T> {
    /// Zeroed gradients for a layer of `units` units on `n_in` inputs.
    pub fn zeros(n_in: usize, units: usize) -> Self {
        DenseGradients {
            dw: DMatrix::zeros(n_in, units),
            db: DVector::zeros(units),
        }
    }
}

/// The gradients of every parameter of a [`Network`], layer by layer, in the
/// network's shapes. A backward pass overwrites every value: nothing
/// accumulates across calls.
#[derive(Clone, Debug, PartialEq)]
pub struct Gradients<T: Real> {
    /// One entry per layer, input side first.
    pub layers: Vec<DenseGradients<T>>,
}

impl<T: Real> Gradients<T> {
    /// Zeroed gradients in `net`'s shapes.
    pub fn zeros_like(net: &Network<T>) -> Self {
        Gradients {
            layers: net
                .layers()
                .iter()
                .map(|d| DenseGradients::zeros(d.n_in(), d.units()))
                .collect(),
        }
    }

    /// Every gradient as slices, in the order of [`Network::parameters`]:
    /// layer by layer, `dW` (column-major) then `db`.
    pub fn slices(&self) -> impl Iterator<Item = &[T]> + '_ {
        self.layers
            .iter()
            .flat_map(|g| [g.dw.as_slice(), g.db.as_slice()])
    }

    /// [`Gradients::slices`], writable.
    pub fn slices_mut(&mut self) -> impl Iterator<Item = &mut [T]> + '_ {
        self.layers
            .iter_mut()
            .flat_map(|g| [g.dw.as_mut_slice(), g.db.as_mut_slice()])
    }
}

/// Whether a layer's backward also computes `dA_in = ∂J/∂A_in`, and where
/// it writes it. The first layer's input is the data, which needs no
/// gradient; every other layer hands `dA_in` to the layer below.
#[derive(Debug)]
pub enum InputGradient<'a, T: Real> {
    /// Not wanted: skip the work.
    Skip,
    /// Write `dA_in`, `(m, n_in)`, here.
    Into(&'a mut DMatrix<T>),
}

/// What one layer's backward reads: its input, what its forward kept, and its weights.
#[derive(Clone, Copy, Debug)]
pub struct LayerState<'a, T: Real> {
    /// The layer's input `A_in`, `(m, n_in)`: `X` for the first layer.
    pub a_in: &'a DMatrix<T>,
    /// `Z` and `A` from this layer's forward, each `(m, units)`.
    pub cache: &'a LayerCache<T>,
    /// The layer: `W (n_in, units)`, `b (units)`, `g`.
    pub layer: &'a Dense<T>,
}

/// The kernels' working memory, owned by their caller, and the threads
/// they may run on.
///
/// - **The loop path's per-example rows:** one example's input `a_in` and
///   its gradient `da_in` (each `n_in` long), its `z` and `a` (each `units`
///   long), each contiguous. A column-major matrix stores an example's row
///   with a stride, so the loop path copies it here once per example and
///   then reads it in order for every unit.
/// - **The matrix path's packed panels:** the blocks of the two factors of
///   each product, copied into the order the product kernel reads them
///   ([`dualpath_kernels::gemm`]).
/// - **Threads:** one set of rows and one packing buffer per thread, and
///   the pool of threads itself ([`dualpath_kernels::threads::Pool`]),
///   started when the scratch is made for more than one thread
///   ([`Workspace::with_threads`]) and reused by every kernel after. A
///   clone shares the pool.
///
/// Each buffer grows on first use to what the layer needs and is reused
/// after, so a [`Workspace`]'s scratch allocates during the first step only.
#[derive(Debug)]
pub struct Scratch<T: Real> {
    /// Per thread: its rows (loop path) and its packed panels (matrix path).
    lanes: Vec<Mutex<Lane<T>>>,
    /// The matrix path's packing buffers, one per thread.
    packs: Vec<Mutex<Vec<T>>>,
    /// The threads (a pool of one starts none).
    pool: Arc<Pool>,
    /// The smallest product, in multiply-adds, split across threads.
    min_work: usize,
}

/// One thread's rows.
#[derive(Clone, Debug, Default)]
pub(super) struct Lane<T> {
    x: Vec<T>,
    dx: Vec<T>,
    z: Vec<T>,
    a: Vec<T>,
    /// Its examples' losses, when the loss is split across threads.
    losses: Vec<T>,
}

impl<T: Real> Default for Scratch<T> {
    /// Empty buffers, one thread.
    fn default() -> Self {
        Scratch {
            lanes: vec![Mutex::new(Lane::default())],
            packs: vec![Mutex::new(Vec::new())],
            pool: Arc::new(Pool::new(1)),
            min_work: PARALLEL_MIN_WORK,
        }
    }
}

impl<T: Real> Clone for Scratch<T> {
    fn clone(&self) -> Self {
        Scratch {
            lanes: self
                .lanes
                .iter()
                .map(|v| Mutex::new(lock(v).clone()))
                .collect(),
            packs: self
                .packs
                .iter()
                .map(|v| Mutex::new(lock(v).clone()))
                .collect(),
            pool: self.pool.clone(),
            min_work: self.min_work,
        }
    }
}

/// A lane or buffer, locked. Each part of a parallel kernel locks only its
/// own, so the lock is never contended; a part that panicked cannot have
/// left one in a state that matters (buffers are overwritten before use).
pub(super) fn lock<B>(m: &Mutex<B>) -> MutexGuard<'_, B> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The four rows of a [`Scratch`], sized for one layer.
pub(super) struct Rows<'s, T> {
    /// This example's `a_in`, `n_in` long.
    pub x: &'s mut [T],
    /// This example's `da_in`, `n_in` long.
    pub dx: &'s mut [T],
    /// This example's `z`, `units` long.
    pub z: &'s mut [T],
    /// This example's `a`, `units` long.
    pub a: &'s mut [T],
}

impl<T> Lane<T> {
    /// Room for `n` examples' losses, grown if too short.
    pub(super) fn losses(&mut self, n: usize) -> &mut [T]
    where
        T: Real,
    {
        if self.losses.len() < n {
            self.losses.resize(n, T::zero());
        }
        &mut self.losses[..n]
    }

    /// The rows for a layer of `units` units on `n_in` inputs, grown if too short.
    pub(super) fn rows(&mut self, n_in: usize, units: usize) -> Rows<'_, T>
    where
        T: Real,
    {
        for (v, n) in [
            (&mut self.x, n_in),
            (&mut self.dx, n_in),
            (&mut self.z, units),
            (&mut self.a, units),
        ] {
            if v.len() < n {
                v.resize(n, T::zero());
            }
        }
        Rows {
            x: &mut self.x[..n_in],
            dx: &mut self.dx[..n_in],
            z: &mut self.z[..units],
            a: &mut self.a[..units],
        }
    }
}

/// What a kernel needs to run on several threads: the pool and each
/// thread's buffers. Part `p` of a job uses `lanes[p]` and `packs[p]`.
pub(super) struct Threads<'s, T> {
    pub(super) pool: &'s Pool,
    pub(super) lanes: &'s [Mutex<Lane<T>>],
    pub(super) packs: &'s [Mutex<Vec<T>>],
    /// The smallest product, in multiply-adds, worth splitting.
    pub(super) min_work: usize,
}

impl<T> Threads<'_, T> {
    /// How many threads the kernels may use.
    pub(super) fn count(&self) -> usize {
        self.pool.threads()
    }
}

impl<T: Real> Scratch<T> {
    /// Rows for every layer of `net`.
    pub fn for_network(net: &Network<T>) -> Self {
        let widest_in = net.layers().iter().map(Dense::n_in).max().unwrap_or(0);
        let widest = net.layers().iter().map(Dense::units).max().unwrap_or(0);
        let mut s = Scratch::default();
        s.rows(widest_in, widest);
        s
    }

    /// The same buffers for `threads` threads, with a pool of that many
    /// (of one, which starts no thread, for one). Every thread's rows are sized as the first's.
    pub(super) fn on_threads(self, threads: usize) -> Self {
        self.on_threads_of(threads, Arc::new(Pool::new(threads)))
    }

    /// The same buffers for `threads` threads, on `pool`.
    fn on_threads_of(mut self, threads: usize, pool: Arc<Pool>) -> Self {
        let first = self.lanes[0]
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        self.lanes = (0..threads).map(|_| Mutex::new(first.clone())).collect();
        self.packs.resize_with(threads, || Mutex::new(Vec::new()));
        self.packs.truncate(threads);
        self.pool = pool;
        self
    }

    /// The same buffers on `other`'s pool.
    pub(super) fn sharing(self, other: &Scratch<T>) -> Self {
        self.on_threads_of(other.threads(), other.pool.clone())
    }

    /// How many threads the kernels run on.
    pub fn threads(&self) -> usize {
        self.pool.threads()
    }

    /// The pool and every thread's buffers.
    pub(super) fn threaded(&self) -> Threads<'_, T> {
        Threads {
            pool: &self.pool,
            lanes: &self.lanes,
            packs: &self.packs,
            min_work: self.min_work,
        }
    }

    /// The rows for a layer of `units` units on `n_in` inputs, grown if too short.
    pub(super) fn rows(&mut self, n_in: usize, units: usize) -> Rows<'_, T> {
        self.lanes[0]
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .rows(n_in, units)
    }
}

/// The buffers of a backward pass: every layer's `dZ`, the `dA` each layer
/// above the first hands down, and the gradients.
#[derive(Clone, Debug)]
pub(super) struct BackwardBuffers<T: Real> {
    /// `dZ` of layer `l`, `(m, units_l)`.
    pub(super) dz: Vec<DMatrix<T>>,
    /// `dA` of layer `l`'s output, `(m, units_l)`, for every layer but the last
    /// (written by the layer above as its `dA_in`).
    pub(super) da: Vec<DMatrix<T>>,
    pub(super) grads: Gradients<T>,
}

impl<T: Real> BackwardBuffers<T> {
    pub(super) fn new(net: &Network<T>, m: usize) -> Self {
        let layers = net.layers();
        BackwardBuffers {
            dz: layers
                .iter()
                .map(|d| DMatrix::zeros(m, d.units()))
                .collect(),
            da: layers[..layers.len() - 1]
                .iter()
                .map(|d| DMatrix::zeros(m, d.units()))
                .collect(),
            grads: Gradients::zeros_like(net),
        }
    }
}

/// The result of a forward pass, which the backward pass needs: the input
/// batch and every layer's `Z` and `A`.
///
/// Only a forward pass can make one, so a backward pass cannot be called
/// without it. It borrows the input `X` rather than copying it.
#[derive(Clone, Debug, PartialEq)]
pub struct Forward<'x, T: Real> {
    pub(super) x: &'x DMatrix<T>,
    pub(super) layers: Vec<LayerCache<T>>,
    /// The [`Network`]'s stamp when this pass ran.
    pub(super) stamp: u64,
}

impl<'x, T: Real> Forward<'x, T> {
    /// The input batch `X`, `(m, n_in)`.
    pub fn input(&self) -> &'x DMatrix<T> {
        self.x
    }

    /// Per-layer caches, input side first.
    pub fn layers(&self) -> &[LayerCache<T>] {
        &self.layers
    }

    /// The input of layer `l` (0-based): `X` for the first layer, else the previous `A`.
    pub fn a_in(&self, l: usize) -> &DMatrix<T> {
        if l == 0 {
            self.x
        } else {
            &self.layers[l - 1].a
        }
    }

    /// The network's output `A` of the last layer, `(m, n_out)`.
    pub fn output(&self) -> &DMatrix<T> {
        &self.layers[self.layers.len() - 1].a
    }

    /// The last layer's pre-activation `Z`, `(m, n_out)`.
    pub fn output_z(&self) -> &DMatrix<T> {
        &self.layers[self.layers.len() - 1].z
    }

    /// Number of examples `m`.
    pub fn batch_size(&self) -> usize {
        self.x.nrows()
    }
}

/// Every buffer a forward and backward pass of one network needs at one
/// batch size, allocated once: each layer's `Z` and `A`, `dZ` and `dA`, the
/// gradients, and the loop path's rows. With one, a training step makes no
/// heap allocation: [`Path::forward_into`](super::Path::forward_into) fills it
/// and hands back a [`Pass`](super::walk::Pass), whose
/// [`Pass::backward`](super::walk::Pass::backward) fills the rest; its accessors read it.
///
/// It fits any network with the same widths, on either path.
///
/// ```
/// use dualpath::{Activation::Sigmoid, Loss, Network, Path, Workspace};
/// use nalgebra::dmatrix;
/// let net = Network::<f64>::new(2, &[(3, Sigmoid), (1, Sigmoid)], 0)?;
/// let (x, y) = (dmatrix![0.5, -1.0; 2.0, 0.0], dmatrix![1.0; 0.0]);
/// let mut ws = Workspace::new(&net, 2);
/// for path in Path::BOTH {
///     let mut pass = path.forward_into(&mut ws, &net, &x)?;
///     let j = pass.loss(&y, Loss::BINARY_CROSSENTROPY)?;
///     pass.backward(&y, Loss::BINARY_CROSSENTROPY)?;
///     assert!(j > 0.0 && ws.gradients().layers[0].dw.shape() == (2, 3));
/// }
/// # Ok::<(), dualpath::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Workspace<T: Real> {
    widths: Vec<usize>,
    batch: usize,
    pub(super) caches: Vec<LayerCache<T>>,
    pub(super) back: BackwardBuffers<T>,
    pub(super) scratch: Scratch<T>,
}

impl<T: Real> Workspace<T> {
    /// Buffers for `net` (or any network of its widths) on batches of `batch` examples.
    pub fn new(net: &Network<T>, batch: usize) -> Self {
        Workspace {
            widths: net.widths(),
            batch,
            caches: net
                .layers()
                .iter()
                .map(|d| LayerCache::zeros(batch, d.units()))
                .collect(),
            back: BackwardBuffers::new(net, batch),
            scratch: Scratch::for_network(net),
        }
    }

    /// The same workspace, its kernels run on `threads` threads: a pool of
    /// `threads - 1` threads is started here, once, and every forward and
    /// backward pass after uses it, with no thread started and nothing
    /// allocated per step. One thread (the default) starts none.
    ///
    /// Every number is the same, bit for bit, on any number of threads: the
    /// work is split so that no sum is ever divided between threads
    /// (`docs/performance.md`, "Parallel", says how on each path).
    ///
    /// ```
    /// use dualpath::{Activation::Relu, Network, Path, Workspace};
    /// use nalgebra::DMatrix;
    /// let net = Network::<f64>::new(64, &[(64, Relu), (64, Relu)], 0)?;
    /// let x = DMatrix::from_fn(256, 64, |i, j| ((i * 7 + j) % 13) as f64 / 13.0);
    /// let mut one = Workspace::new(&net, 256);
    /// let mut two = Workspace::new(&net, 256).with_threads(2)?;
    /// for path in Path::BOTH {
    ///     path.forward_into(&mut one, &net, &x)?;
    ///     path.forward_into(&mut two, &net, &x)?;
    ///     assert_eq!(one.output(), two.output()); // the same bits
    /// }
    /// # Ok::<(), dualpath::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] for 0 threads or more than
    /// [`MAX_THREADS`].
    pub fn with_threads(mut self, threads: usize) -> Result<Self> {
        check_threads(threads)?;
        self.scratch = self.scratch.on_threads(threads);
        Ok(self)
    }

    /// The same workspace, splitting across its threads every product of
    /// at least `min_work` multiply-adds (the default is
    /// [`PARALLEL_MIN_WORK`],
    /// measured; the loop path splits a layer of as many). 1
    /// splits every product that has a tile of columns per thread, which
    /// the tests use to split small ones; the bits are the same either way.
    pub fn splitting_from(mut self, min_work: usize) -> Self {
        self.scratch.min_work = min_work.max(1);
        self
    }

    /// The same workspace, its kernels run on `other`'s threads: the two
    /// share one pool (one runs at a time), and no thread is started.
    pub fn sharing_threads(mut self, other: &Workspace<T>) -> Self {
        self.scratch = self.scratch.sharing(&other.scratch);
        self
    }

    /// How many threads its kernels run on.
    pub fn threads(&self) -> usize {
        self.scratch.threads()
    }

    /// The batch size `m` it holds buffers for.
    pub fn batch_size(&self) -> usize {
        self.batch
    }

    /// Every layer's `Z` and `A` from the last forward pass.
    pub fn layers(&self) -> &[LayerCache<T>] {
        &self.caches
    }

    /// The last layer's `A`, `(m, n_out)`.
    pub fn output(&self) -> &DMatrix<T> {
        &self.caches[self.caches.len() - 1].a
    }

    /// The last layer's `Z`, `(m, n_out)`.
    pub fn output_z(&self) -> &DMatrix<T> {
        &self.caches[self.caches.len() - 1].z
    }

    /// Layer `l`'s `dZ` from the last backward pass, `(m, units)`.
    pub fn dz(&self, l: usize) -> &DMatrix<T> {
        &self.back.dz[l]
    }

    /// The `dA` that layer `l + 1` handed down to layer `l` in the last
    /// backward pass, `(m, units)`; `None` for the last layer, whose `dZ`
    /// comes from the loss directly.
    pub fn da(&self, l: usize) -> Option<&DMatrix<T>> {
        self.back.da.get(l)
    }

    /// The gradients from the last backward pass.
    pub fn gradients(&self) -> &Gradients<T> {
        &self.back.grads
    }

    /// Fails unless this workspace fits `net` and a batch of `m` examples.
    pub(super) fn check_fits(&self, net: &Network<T>, m: usize) -> Result<()> {
        // Compared without collecting the network's widths: no allocation.
        let layers = net.layers();
        let same_widths = self.widths.len() == layers.len() + 1
            && self.widths[0] == net.n_in()
            && layers
                .iter()
                .zip(&self.widths[1..])
                .all(|(d, &w)| d.units() == w);
        if !same_widths || m != self.batch {
            return Err(Error::shape(
                "workspace",
                format!("widths {:?} and a batch of {m}", net.widths()),
                format!(
                    "one made for widths {:?} and a batch of {}",
                    self.widths, self.batch
                ),
            ));
        }
        Ok(())
    }
}

/// The cores this process may use (`std::thread::available_parallelism`),
/// or 1 if the system cannot say: the program's default thread count.
pub fn available_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Fails unless `threads` is a thread count a pool can have: 1 to
/// [`MAX_THREADS`].
///
/// # Errors
/// [`Error::InvalidSetting`], naming the count and the range.
pub fn check_threads(threads: usize) -> Result<()> {
    if (1..=MAX_THREADS).contains(&threads) {
        Ok(())
    } else {
        Err(Error::InvalidSetting {
            name: "threads".into(),
            detail: format!("{threads} (expected 1 to {MAX_THREADS})"),
        })
    }
}
