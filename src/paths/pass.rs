//! The kernel contract: what one layer's forward and backward read and
//! write, every shape check, and the walk through the layers, written once
//! for both paths.
//!
//! The two paths differ only inside a layer: [`crate::paths::sequential`] loops over
//! examples and units, [`crate::paths::matrix`] multiplies matrices. Each implements
//! [`Kernels`], three functions with one signature on both sides:
//!
//! | kernel | writes | reads |
//! | --- | --- | --- |
//! | `dense_forward` | `out: &mut LayerCache` (`Z`, `A`) | `a_in`, the layer |
//! | `dense_backward` | `dz`, `grads` (`dW`, `db`), `da_in` | `dA`, [`LayerState`] |
//! | `dense_backward_dz` | `grads`, `da_in` | `dZ`, [`LayerState`] |
//!
//! Kernels write into buffers their caller owns (outputs first, as llm.c's
//! `*_forward(out, inp, weight, bias, ...)` do) and never allocate once
//! those buffers exist. A [`Workspace`] holds every buffer a forward and
//! backward pass of one network needs at one batch size, so that a training
//! step, after the first, makes no heap allocation. The convenience calls
//! ([`forward`], [`backward`]) allocate those buffers for their caller.
//!
//! Every shape check lives here ([`check_forward`], [`check_backward`]): a
//! kernel given buffers that do not fit panics with a message naming the
//! shapes, because that is a bug in its caller. The walks check what a user
//! can get wrong (the data's width, the targets, a stale cache) and return
//! an [`Error`].

use crate::error::{Error, Result};
use crate::nn::loss::Loss;
use crate::nn::network::{Dense, Network, all_finite, check_finite};
use crate::real::Real;
use nalgebra::{DMatrix, DVector};

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

/// The kernels' working memory, owned by their caller.
///
/// - **The loop path's per-example rows:** one example's input `a_in` and
///   its gradient `da_in` (each `n_in` long), its `z` and `a` (each `units`
///   long), each contiguous. A column-major matrix stores an example's row
///   with a stride, so the loop path copies it here once per example and
///   then reads it in order for every unit.
/// - **The matrix path's packed panels:** the blocks of the two factors of
///   each product, copied into the order the product kernel reads them
///   ([`dualpath_kernels::gemm`]).
///
/// Each buffer grows on first use to what the layer needs and is reused
/// after, so a [`Workspace`]'s scratch allocates during the first step only.
#[derive(Clone, Debug, Default)]
pub struct Scratch<T: Real> {
    x: Vec<T>,
    dx: Vec<T>,
    z: Vec<T>,
    a: Vec<T>,
    pack: Vec<T>,
}

/// The four rows of a [`Scratch`], sized for one layer.
pub struct Rows<'s, T> {
    /// This example's `a_in`, `n_in` long.
    pub x: &'s mut [T],
    /// This example's `da_in`, `n_in` long.
    pub dx: &'s mut [T],
    /// This example's `z`, `units` long.
    pub z: &'s mut [T],
    /// This example's `a`, `units` long.
    pub a: &'s mut [T],
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

    /// The buffer for the matrix path's packed panels (the product kernel sizes it).
    pub fn packing(&mut self) -> &mut Vec<T> {
        &mut self.pack
    }

    /// The rows for a layer of `units` units on `n_in` inputs, grown if too short.
    pub fn rows(&mut self, n_in: usize, units: usize) -> Rows<'_, T> {
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

/// A set of layer kernels: one path. [`crate::paths::sequential::Loops`] and
/// [`crate::paths::matrix::Matrices`] implement it by calling their module's
/// functions of the same names, so each path's kernels can be read as plain
/// functions and the walk below is written once.
pub trait Kernels {
    /// One dense layer forward: `Z = A_in·W + B`, `A = g(Z)`, into `out`.
    fn dense_forward<T: Real>(
        out: &mut LayerCache<T>,
        scratch: &mut Scratch<T>,
        a_in: &DMatrix<T>,
        layer: &Dense<T>,
    );

    /// One dense layer backward from `dA`: `dZ = dA ⊙ g'(Z)` into `dz`, then
    /// `dW`, `db` into `grads` and `dA_in` where asked.
    fn dense_backward<T: Real>(
        dz: &mut DMatrix<T>,
        grads: &mut DenseGradients<T>,
        da_in: InputGradient<'_, T>,
        scratch: &mut Scratch<T>,
        da: &DMatrix<T>,
        at: LayerState<'_, T>,
    );

    /// One dense layer backward from a given `dZ` (the output layer's, from the loss).
    fn dense_backward_dz<T: Real>(
        grads: &mut DenseGradients<T>,
        da_in: InputGradient<'_, T>,
        scratch: &mut Scratch<T>,
        dz: &DMatrix<T>,
        at: LayerState<'_, T>,
    );
}

/// Panics, naming the shapes, unless a layer's forward buffers fit:
/// `A_in (m, n_in)`, the layer's `W (n_in, units)`, and `out.z`, `out.a` each `(m, units)`.
pub fn check_forward<T: Real>(who: &str, out: &LayerCache<T>, a_in: &DMatrix<T>, layer: &Dense<T>) {
    let (m, units) = (a_in.nrows(), layer.units());
    assert!(
        a_in.ncols() == layer.n_in() && out.z.shape() == (m, units) && out.a.shape() == (m, units),
        "{who}: A_in is {:?} and W is {:?}, so Z and A must be ({m}, {units}), but out.z is {:?} \
         and out.a is {:?}; need A_in (m, n_in), W (n_in, units)",
        a_in.shape(),
        layer.w().shape(),
        out.z.shape(),
        out.a.shape()
    );
}

/// Panics, naming the shapes, unless a layer's backward buffers fit:
/// `upstream` (the `dA` or `dZ` it is given), `dz` (when written), `Z` and
/// `A` each `(m, units)`; `A_in` and `dA_in` `(m, n_in)`; `dW (n_in, units)`,
/// `db (units)`.
pub fn check_backward<T: Real>(
    who: &str,
    dz: Option<&DMatrix<T>>,
    grads: &DenseGradients<T>,
    da_in: &InputGradient<'_, T>,
    upstream: &DMatrix<T>,
    at: &LayerState<'_, T>,
) {
    let (m, n_in, units) = (at.a_in.nrows(), at.layer.n_in(), at.layer.units());
    let want = (m, units);
    let fits = |s: (usize, usize)| s == want;
    assert!(
        at.a_in.ncols() == n_in,
        "{who}: A_in is {:?} but W is {:?}; need A_in (m, n_in), W (n_in, units)",
        at.a_in.shape(),
        at.layer.w().shape()
    );
    assert!(
        fits(upstream.shape()) && fits(at.cache.z.shape()) && fits(at.cache.a.shape()),
        "{who}: A_in is {:?} and W is {:?}, so the upstream gradient, Z and A must be {want:?}, \
         but they are {:?}, {:?} and {:?}",
        at.a_in.shape(),
        at.layer.w().shape(),
        upstream.shape(),
        at.cache.z.shape(),
        at.cache.a.shape()
    );
    if let Some(dz) = dz {
        assert!(
            fits(dz.shape()),
            "{who}: dZ must be {want:?} like dA, but the buffer is {:?}",
            dz.shape()
        );
    }
    assert!(
        grads.dw.shape() == (n_in, units) && grads.db.len() == units,
        "{who}: W is {:?} and b has {units} values, but the buffers dW is {:?} and db has {}",
        at.layer.w().shape(),
        grads.dw.shape(),
        grads.db.len()
    );
    if let InputGradient::Into(d) = da_in {
        assert!(
            d.shape() == (m, n_in),
            "{who}: A_in is {:?}, so dA_in must be too, but the buffer is {:?}",
            at.a_in.shape(),
            d.shape()
        );
    }
}

/// Forward through every layer with one path's kernels, into `caches`.
fn forward_walk<T: Real, K: Kernels>(
    caches: &mut [LayerCache<T>],
    scratch: &mut Scratch<T>,
    net: &Network<T>,
    x: &DMatrix<T>,
) {
    for (l, layer) in net.layers().iter().enumerate() {
        let (below, here) = caches.split_at_mut(l);
        let a_in = if l == 0 { x } else { &below[l - 1].a };
        K::dense_forward(&mut here[0], scratch, a_in, layer);
    }
}

/// The buffers of a backward pass: every layer's `dZ`, the `dA` each layer
/// above the first hands down, and the gradients.
#[derive(Clone, Debug)]
struct BackwardBuffers<T: Real> {
    /// `dZ` of layer `l`, `(m, units_l)`.
    dz: Vec<DMatrix<T>>,
    /// `dA` of layer `l`'s output, `(m, units_l)`, for every layer but the last
    /// (written by the layer above as its `dA_in`).
    da: Vec<DMatrix<T>>,
    grads: Gradients<T>,
}

impl<T: Real> BackwardBuffers<T> {
    fn new(net: &Network<T>, m: usize) -> Self {
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

/// Backward through every layer with one path's kernels: the output layer's
/// `dZ` from [`Loss::output_dz`] (whole rows at once), then each layer from
/// the last to the first, each handing its `dA_in` to the layer below.
fn backward_walk<T: Real, K: Kernels>(
    back: &mut BackwardBuffers<T>,
    scratch: &mut Scratch<T>,
    net: &Network<T>,
    x: &DMatrix<T>,
    caches: &[LayerCache<T>],
    y: &DMatrix<T>,
    loss: Loss,
) {
    let layers = net.layers();
    let last = layers.len() - 1;
    let out = &caches[last];
    loss.output_dz(
        &mut back.dz[last],
        layers[last].activation(),
        &out.z,
        &out.a,
        y,
    );
    for l in (0..=last).rev() {
        let at = LayerState {
            a_in: if l == 0 { x } else { &caches[l - 1].a },
            cache: &caches[l],
            layer: &layers[l],
        };
        // da[l - 1] receives this layer's dA_in; da[l] (above) is what it was handed.
        let (below, here) = back.da.split_at_mut(l);
        let da_in = match below.last_mut() {
            Some(d) => InputGradient::Into(d),
            None => InputGradient::Skip,
        };
        let grads = &mut back.grads.layers[l];
        if l == last {
            K::dense_backward_dz(grads, da_in, scratch, &back.dz[l], at);
        } else {
            K::dense_backward(&mut back.dz[l], grads, da_in, scratch, &here[0], at);
        }
        add_penalty_gradient(grads, &layers[l]);
    }
}

/// `dW += 2·l2·W`: the gradient of the layer's L2 penalty `l2·ΣW²`.
///
/// It is added here, after each path's kernel and once for both: the
/// penalty depends on the weights alone, not on the examples, so it is no
/// part of either path's lesson (Keras adds it the same way, as the gradient
/// of a separate term of the loss), and both paths then add the same bits to
/// their own `dW`.
fn add_penalty_gradient<T: Real>(grads: &mut DenseGradients<T>, layer: &Dense<T>) {
    if layer.l2() == 0.0 {
        return;
    }
    let two_l2 = T::of_f64(2.0) * layer.l2_factor();
    for (dw, &w) in grads.dw.iter_mut().zip(layer.w().iter()) {
        *dw += two_l2 * w;
    }
}

/// The loss a network is trained on, as Keras reports it: the data loss
/// ([`Loss::value`]) plus every layer's L2 penalty ([`Network::penalty`]).
pub fn total_loss<T: Real>(
    net: &Network<T>,
    loss: Loss,
    z: &DMatrix<T>,
    a: &DMatrix<T>,
    y: &DMatrix<T>,
) -> T {
    loss.value(net.output_activation(), z, a, y) + net.penalty()
}

/// The result of a forward pass, which the backward pass needs: the input
/// batch and every layer's `Z` and `A`.
///
/// Only a forward pass can make one, so a backward pass cannot be called
/// without it. It borrows the input `X` rather than copying it.
#[derive(Clone, Debug, PartialEq)]
pub struct Forward<'x, T: Real> {
    x: &'x DMatrix<T>,
    layers: Vec<LayerCache<T>>,
    /// The [`Network`]'s stamp when this pass ran.
    stamp: u64,
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

/// Fails unless `fwd` was computed by `net` with its current weights.
fn check_cache<T: Real>(net: &Network<T>, stamp: Option<u64>) -> Result<()> {
    // Same stamp: the pass ran on these very weights, so every shape fits too.
    if stamp == Some(net.stamp()) {
        Ok(())
    } else {
        Err(Error::shape(
            "forward cache",
            "a forward pass of this network with its current weights",
            "one from another network, or from before these weights changed (run forward again)",
        ))
    }
}

/// Checks what computing `loss` needs of the user: that the loss can take
/// the network's output layer ([`Loss::check_output`]), and targets `y` for
/// `m` examples with the loss's columns (`n_out`, or one class id for the
/// sparse categorical cross-entropy), finite, in the loss's range.
///
/// # Errors
/// [`Error::InvalidSetting`], [`Error::Shape`], [`Error::NonFinite`], or the
/// loss's own target errors ([`Loss::check_targets`]).
pub fn check_targets<T: Real>(
    net: &Network<T>,
    y: &DMatrix<T>,
    m: usize,
    loss: Loss,
) -> Result<()> {
    loss.check_output(net.output_activation())?;
    let cols = loss.target_columns(net.n_out());
    if y.shape() != (m, cols) {
        let what = if loss.name() == "scce" {
            "targets Y shape (examples, 1 class id each)"
        } else {
            "targets Y shape (examples, outputs)"
        };
        return Err(Error::shape(
            what,
            format!("({m}, {cols})"),
            format!("({}, {})", y.nrows(), y.ncols()),
        ));
    }
    check_finite("targets Y", y)?;
    loss.check_targets(y, net.n_out())
}

/// The whole network forward on one path, allocating the caches.
///
/// # Errors
/// If `x` is not `(m ≥ 1, n_in)` or holds a NaN or infinity.
pub fn forward<'x, T: Real, K: Kernels>(
    net: &Network<T>,
    x: &'x DMatrix<T>,
) -> Result<Forward<'x, T>> {
    net.check_input(x)?;
    let m = x.nrows();
    let mut layers: Vec<LayerCache<T>> = net
        .layers()
        .iter()
        .map(|d| LayerCache::zeros(m, d.units()))
        .collect();
    forward_walk::<T, K>(&mut layers, &mut Scratch::for_network(net), net, x);
    Ok(Forward {
        x,
        layers,
        stamp: net.stamp(),
    })
}

/// The whole network backward on one path, allocating the buffers; returns
/// fresh gradients of the mean loss.
///
/// # Errors
/// If `fwd` is not this network's, or `y` does not fit or suit `loss`.
pub fn backward<T: Real, K: Kernels>(
    net: &Network<T>,
    fwd: &Forward<'_, T>,
    y: &DMatrix<T>,
    loss: Loss,
) -> Result<Gradients<T>> {
    check_cache(net, Some(fwd.stamp))?;
    check_targets(net, y, fwd.batch_size(), loss)?;
    let mut back = BackwardBuffers::new(net, fwd.batch_size());
    let mut scratch = Scratch::for_network(net);
    backward_walk::<T, K>(&mut back, &mut scratch, net, fwd.x, &fwd.layers, y, loss);
    Ok(back.grads)
}

/// Every buffer a forward and backward pass of one network needs at one
/// batch size, allocated once: each layer's `Z` and `A`, `dZ` and `dA`, the
/// gradients, and the loop path's rows. With one, a training step makes no
/// heap allocation: [`crate::Path::forward_into`] and
/// [`crate::Path::backward_into`] fill it, and its accessors read it.
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
///     path.forward_into(&mut ws, &net, &x)?;
///     path.backward_into(&mut ws, &net, &x, &y, Loss::BinaryCrossEntropy)?;
///     assert_eq!(ws.gradients().layers[0].dw.shape(), (2, 3));
/// }
/// # Ok::<(), dualpath::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Workspace<T: Real> {
    widths: Vec<usize>,
    batch: usize,
    caches: Vec<LayerCache<T>>,
    back: BackwardBuffers<T>,
    scratch: Scratch<T>,
    /// After a forward pass: the network's stamp and the input's address and
    /// shape, so that a backward pass can tell it belongs to them.
    /// (The address is only compared, never followed.)
    filled: Option<(u64, usize, (usize, usize))>,
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
            filled: None,
        }
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
    fn check_fits(&self, net: &Network<T>, m: usize) -> Result<()> {
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

/// [`forward`] into a [`Workspace`]: no allocation.
///
/// # Errors
/// As [`forward`], or if `ws` was made for other widths or another batch size.
pub fn forward_into<T: Real, K: Kernels>(
    ws: &mut Workspace<T>,
    net: &Network<T>,
    x: &DMatrix<T>,
) -> Result<()> {
    net.check_input_shape(x)?;
    ws.check_fits(net, x.nrows())?;
    ws.filled = None;
    // A NaN or infinity in X makes every z of its row in the first layer NaN
    // or infinite (its product with a weight is one, 0·∞ included, and so is
    // any sum with one). When the first layer has fewer units than X has
    // columns, its Z is the smaller place to look, and X is searched (to
    // say where) only if Z has one: each step of `fit` reads X once less.
    let look_in_z = net.layers()[0].units() < x.ncols();
    if !look_in_z {
        net.check_input(x)?;
    }
    forward_walk::<T, K>(&mut ws.caches, &mut ws.scratch, net, x);
    if look_in_z && !all_finite(ws.caches[0].z.as_slice()) {
        net.check_input(x)?; // an error if X is the cause; else an overflow, not an input error
    }
    ws.filled = Some((net.stamp(), x.as_ptr() as usize, x.shape()));
    Ok(())
}

/// [`backward`] into a [`Workspace`] filled by [`forward_into`] with the
/// same network and the same `x`: no allocation.
///
/// # Errors
/// As [`backward`], or if `ws` holds no forward pass of `net` on `x`.
pub fn backward_into<T: Real, K: Kernels>(
    ws: &mut Workspace<T>,
    net: &Network<T>,
    x: &DMatrix<T>,
    y: &DMatrix<T>,
    loss: Loss,
) -> Result<()> {
    check_cache(net, ws.filled.map(|(stamp, _, _)| stamp))?;
    if ws.filled.map(|(_, p, s)| (p, s)) != Some((x.as_ptr() as usize, x.shape())) {
        return Err(Error::shape(
            "input X of the backward pass",
            "the X of the forward pass that filled the workspace",
            "another matrix",
        ));
    }
    check_targets(net, y, x.nrows(), loss)?;
    backward_walk::<T, K>(&mut ws.back, &mut ws.scratch, net, x, &ws.caches, y, loss);
    Ok(())
}
