//! The kernel contract: what one layer's forward and backward read and
//! write, and every check of it, written once for both paths.
//!
//! | kernel | writes | reads |
//! | --- | --- | --- |
//! | `dense_forward` | `out: &mut LayerCache` (`Z`, `A`) | `a_in`, the layer |
//! | `dense_backward` | `grads` (`dW`, `db`), `da_in`, `dz` | `dA`, [`LayerState`] |
//! | `dense_backward_dz` | `grads`, `da_in` | `dZ`, [`LayerState`] |
//!
//! [`crate::sequential`] and [`crate::matrix`] each write these three with
//! the same signatures, and [`Path`](super::Path) calls one or the other. A
//! kernel given buffers that do not fit panics with a message naming the
//! shapes (`check_forward`, `check_backward`), because that is a bug in
//! its caller. What a user can get wrong (the data's width, the targets, a
//! stale cache) is checked where it enters and returned as an [`Error`].

use super::buffers::{DenseGradients, InputGradient, LayerCache, LayerState};
use crate::error::{Error, Result};
use crate::nn::loss::Loss;
use crate::nn::network::{Dense, Network, check_finite};
use crate::real::Real;
use nalgebra::DMatrix;

/// Panics, naming the shapes, unless a layer's forward buffers fit:
/// `A_in (m, n_in)`, the layer's `W (n_in, units)`, and `out.z`, `out.a` each `(m, units)`.
pub(super) fn check_forward<T: Real>(
    who: &str,
    out: &LayerCache<T>,
    a_in: &DMatrix<T>,
    layer: &Dense<T>,
) {
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
pub(super) fn check_backward<T: Real>(
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

/// Fails unless `fwd` was computed by `net` with its current weights.
pub(super) fn check_cache<T: Real>(net: &Network<T>, stamp: Option<u64>) -> Result<()> {
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
        let what = if loss.takes_class_ids() {
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
