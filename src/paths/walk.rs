//! The walk through the layers, written once for both paths: forward from
//! the first layer to the last, backward from the loss to the first layer,
//! each layer by the kernels of the [`Path`] it is given.
//!
//! The public entry points check what a user can get wrong (the data's
//! width, non-finite values, the targets) where the data enters; the walks
//! themselves only assume shapes that fit, which the kernels assert.

use super::Path;
use super::buffers::{
    BackwardBuffers, DenseGradients, Forward, Gradients, InputGradient, LayerCache, LayerState,
    Scratch, Workspace, lock,
};
use super::contract::{check_cache, check_targets};
use crate::error::Result;
use crate::nn::loss::Loss;
use crate::nn::network::{Dense, Network, all_finite};
use crate::real::Real;
use dualpath_kernels::threads::Split;
use nalgebra::DMatrix;

/// The fewest loss elements (examples × outputs) worth splitting across
/// threads: each costs an `exp` and a `ln_1p` or so, tens of nanoseconds, and
/// waking a thread costs microseconds.
const PARALLEL_LOSS_MIN: usize = 1 << 14;

/// Forward through every layer on `path`, into `caches`.
fn forward_walk<T: Real>(
    path: Path,
    caches: &mut [LayerCache<T>],
    scratch: &mut Scratch<T>,
    net: &Network<T>,
    x: &DMatrix<T>,
) {
    for (l, layer) in net.layers().iter().enumerate() {
        let (below, here) = caches.split_at_mut(l);
        let a_in = if l == 0 { x } else { &below[l - 1].a };
        path.dense_forward(&mut here[0], scratch, a_in, layer);
    }
}

/// Backward through every layer on `path`: the output layer's `dZ` from
/// [`Loss::output_dz`] (whole rows at once), then each layer from the last
/// to the first, each handing its `dA_in` to the layer below.
#[allow(clippy::too_many_arguments)] // the walk's inputs and its three buffers, each named
fn backward_walk<T: Real>(
    path: Path,
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
            path.dense_backward_dz(grads, da_in, scratch, &back.dz[l], at);
        } else {
            path.dense_backward(grads, da_in, scratch, &mut back.dz[l], &here[0], at);
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

/// The whole network forward on `path`, allocating the caches.
pub(super) fn forward<'x, T: Real>(
    path: Path,
    net: &Network<T>,
    x: &'x DMatrix<T>,
    threads: usize,
) -> Result<Forward<'x, T>> {
    net.check_input(x)?;
    let m = x.nrows();
    let mut layers: Vec<LayerCache<T>> = net
        .layers()
        .iter()
        .map(|d| LayerCache::zeros(m, d.units()))
        .collect();
    let mut scratch = Scratch::for_network(net);
    if threads > 1 {
        scratch = scratch.on_threads(threads);
    }
    forward_walk(path, &mut layers, &mut scratch, net, x);
    Ok(Forward {
        x,
        layers,
        stamp: net.stamp(),
    })
}

/// The whole network backward on `path`, allocating the buffers; returns
/// fresh gradients of the mean loss.
pub(super) fn backward<T: Real>(
    path: Path,
    net: &Network<T>,
    fwd: &Forward<'_, T>,
    y: &DMatrix<T>,
    loss: Loss,
    threads: usize,
) -> Result<Gradients<T>> {
    check_cache(net, Some(fwd.stamp))?;
    check_targets(net, y, fwd.batch_size(), loss)?;
    let mut back = BackwardBuffers::new(net, fwd.batch_size());
    let mut scratch = Scratch::for_network(net);
    if threads > 1 {
        scratch = scratch.on_threads(threads);
    }
    backward_walk(
        path,
        &mut back,
        &mut scratch,
        net,
        fwd.x,
        &fwd.layers,
        y,
        loss,
    );
    Ok(back.grads)
}

/// The forward pass into a workspace, checking `x` as it enters.
pub(super) fn forward_into<'a, T: Real>(
    path: Path,
    ws: &'a mut Workspace<T>,
    net: &'a Network<T>,
    x: &'a DMatrix<T>,
) -> Result<Pass<'a, T>> {
    net.check_input_shape(x)?;
    ws.check_fits(net, x.nrows())?;
    // A NaN or infinity in X makes every z of its row in the first layer NaN
    // or infinite (its product with a weight is one, 0·∞ included, and so is
    // any sum with one). When the first layer has fewer units than X has
    // columns, its Z is the smaller place to look, and X is searched (to
    // say where) only if Z has one.
    let look_in_z = net.layers()[0].units() < x.ncols();
    if !look_in_z {
        net.check_input(x)?;
    }
    let pass = Pass::unchecked(path, ws, net, x);
    if look_in_z && !all_finite(pass.ws.caches[0].z.as_slice()) {
        net.check_input(x)?; // an error if X is the cause; else an overflow, not an input error
    }
    Ok(pass)
}

/// A forward pass held in a [`Workspace`]: what [`Path::forward_into`]
/// hands back, and all the backward pass needs.
///
/// It borrows the workspace, the network and the input `X` for as long as
/// it lives, so the weights cannot change between the forward and the
/// backward pass, and `X` is given once. Drop it to read the workspace
/// ([`Workspace::gradients`], [`Workspace::dz`], …).
#[derive(Debug)]
pub struct Pass<'a, T: Real> {
    path: Path,
    ws: &'a mut Workspace<T>,
    net: &'a Network<T>,
    x: &'a DMatrix<T>,
}

impl<'a, T: Real> Pass<'a, T> {
    /// Forward on `path` with no check of the data: the caller has checked
    /// `x` (finite, `net`'s width) and that `ws` fits `net` and `x`'s rows.
    /// [`crate::train::fit`] checks its data once, not at every step.
    pub(crate) fn unchecked(
        path: Path,
        ws: &'a mut Workspace<T>,
        net: &'a Network<T>,
        x: &'a DMatrix<T>,
    ) -> Self {
        forward_walk(path, &mut ws.caches, &mut ws.scratch, net, x);
        Pass { path, ws, net, x }
    }

    /// The network's output `A`, `(m, n_out)`.
    pub fn output(&self) -> &DMatrix<T> {
        self.ws.output()
    }

    /// The loss of this pass's output against targets `y`, penalties
    /// included ([`total_loss`]): Keras' `model.evaluate` on this batch.
    ///
    /// # Errors
    /// If `y` does not fit the network's output or suit `loss`.
    pub fn loss(&self, y: &DMatrix<T>, loss: Loss) -> Result<T> {
        check_targets(self.net, y, self.x.nrows(), loss)?;
        Ok(self.loss_unchecked(y, loss))
    }

    /// [`Pass::loss`] for targets the caller has checked.
    pub(crate) fn loss_unchecked(&self, y: &DMatrix<T>, loss: Loss) -> T {
        let (z, a) = (self.ws.output_z(), self.ws.output());
        let threads = self.ws.scratch.threaded();
        if threads.count() == 1 || z.len() < PARALLEL_LOSS_MIN {
            return total_loss(self.net, loss, z, a, y);
        }
        // The examples' losses, a range of rows per thread, then added in
        // row order as `Loss::value` adds them: the same bits on any count.
        let g = self.net.output_activation();
        let split = Split::new(z.nrows(), threads.count());
        threads.pool.run(split.parts(), &|p| {
            let rows = split.range(p);
            let mut lane = lock(&threads.lanes[p]);
            loss.row_losses(g, z, a, y, rows.clone(), lane.losses(rows.len()));
        });
        let mut total = T::zero();
        for p in 0..split.parts() {
            let n = split.range(p).len();
            for &row in lock(&threads.lanes[p]).losses(n).iter() {
                total += row;
            }
        }
        total / T::of_f64(z.nrows() as f64) + self.net.penalty()
    }

    /// The backward pass on the same path, into the workspace: afterwards
    /// [`Workspace::gradients`] holds the gradients of the mean loss.
    ///
    /// # Errors
    /// If `y` does not fit the network's output or suit `loss`.
    pub fn backward(&mut self, y: &DMatrix<T>, loss: Loss) -> Result<&Gradients<T>> {
        check_targets(self.net, y, self.x.nrows(), loss)?;
        Ok(self.backward_unchecked(y, loss))
    }

    /// [`Pass::backward`] for targets the caller has checked.
    pub(crate) fn backward_unchecked(&mut self, y: &DMatrix<T>, loss: Loss) -> &Gradients<T> {
        let ws = &mut *self.ws;
        backward_walk(
            self.path,
            &mut ws.back,
            &mut ws.scratch,
            self.net,
            self.x,
            &ws.caches,
            y,
            loss,
        );
        &ws.back.grads
    }
}
