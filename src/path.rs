//! The switch point: [`Path`] picks the loop path or the matrix path.
//!
//! Training, the program and the benchmarks all go through it, so every
//! capability exists on both paths. The walk through the layers (forward from
//! the first layer, backward from the loss to the first layer) is written once
//! here; the two paths supply only the per-layer kernels, which is exactly
//! where the notes say they differ.

use crate::activation::Activation;
use crate::error::Result;
use crate::loss::Loss;
use crate::network::{DenseBackward, DenseGradients, Forward, Gradients, LayerCache, Network};
use crate::real::Real;
use crate::{matrix, sequential};
use nalgebra::{DMatrix, DVector};
use std::fmt;
use std::str::FromStr;

/// Which way to compute: per-unit loops or matrix products.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Path {
    /// [`crate::sequential`]: one example and one unit at a time.
    Sequential,
    /// [`crate::matrix`]: the whole batch as matrix products.
    Matrix,
}

impl Path {
    /// Both paths, loop first.
    pub const BOTH: [Path; 2] = [Path::Sequential, Path::Matrix];

    /// `"sequential"` or `"matrix"`.
    pub fn name(self) -> &'static str {
        match self {
            Path::Sequential => "sequential",
            Path::Matrix => "matrix",
        }
    }

    /// The network's forward pass on this path: see [`sequential::forward`]
    /// and [`matrix::forward`].
    ///
    /// ```
    /// use dualpath::{Activation::Sigmoid, Network, Path};
    /// use nalgebra::DMatrix;
    /// let net = Network::<f64>::new(2, &[(3, Sigmoid), (1, Sigmoid)], 7)?;
    /// let x = DMatrix::from_row_slice(2, 2, &[200.0, 13.9, 200.0, 17.0]);
    /// let out = Path::Matrix.forward(&net, &x)?;
    /// assert_eq!(out.output().shape(), (2, 1));
    /// # Ok::<(), dualpath::Error>(())
    /// ```
    ///
    /// # Errors
    /// If `x` does not fit the network or is not finite.
    pub fn forward<'x, T: Real>(
        self,
        net: &Network<T>,
        x: &'x DMatrix<T>,
    ) -> Result<Forward<'x, T>> {
        match self {
            Path::Sequential => sequential::forward(net, x),
            Path::Matrix => matrix::forward(net, x),
        }
    }

    /// The network's backward pass on this path.
    ///
    /// # Errors
    /// If `fwd` is not this network's, or `y` does not fit or suit `loss`.
    pub fn backward<T: Real>(
        self,
        net: &Network<T>,
        fwd: &Forward<'_, T>,
        y: &DMatrix<T>,
        loss: Loss,
    ) -> Result<Gradients<T>> {
        match self {
            Path::Sequential => sequential::backward(net, fwd, y, loss),
            Path::Matrix => matrix::backward(net, fwd, y, loss),
        }
    }

    /// Forward, the mean loss `J`, and backward, in one call.
    ///
    /// # Errors
    /// As [`Path::forward`] and [`Path::backward`].
    pub fn loss_and_gradients<T: Real>(
        self,
        net: &Network<T>,
        x: &DMatrix<T>,
        y: &DMatrix<T>,
        loss: Loss,
    ) -> Result<(T, Gradients<T>)> {
        let fwd = self.forward(net, x)?;
        let grads = self.backward(net, &fwd, y, loss)?;
        let j = loss.value(net.output_activation(), fwd.output_z(), fwd.output(), y);
        Ok((j, grads))
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Path {
    type Err = crate::Error;

    /// Parses `sequential` (or `loop`) and `matrix`.
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sequential" | "loop" => Ok(Path::Sequential),
            "matrix" => Ok(Path::Matrix),
            _ => Err(crate::Error::InvalidSetting {
                name: "path".into(),
                detail: format!("{s:?} is not a path: expected sequential or matrix"),
            }),
        }
    }
}

/// A path's layer forward: `(A_in, W, b, g) → (Z, A)`.
pub(crate) type DenseForwardFn<T> =
    fn(&DMatrix<T>, &DMatrix<T>, &DVector<T>, Activation) -> LayerCache<T>;
/// A path's layer backward from `dA`: `(dA, Z, A_in, W, g, need_da_in)`.
pub(crate) type DenseBackwardFn<T> =
    fn(&DMatrix<T>, &DMatrix<T>, &DMatrix<T>, &DMatrix<T>, Activation, bool) -> DenseBackward<T>;
/// A path's layer backward from `dZ`: `(dZ, A_in, W, need_da_in)`.
pub(crate) type DenseBackwardDzFn<T> =
    fn(&DMatrix<T>, &DMatrix<T>, &DMatrix<T>, bool) -> DenseBackward<T>;

/// Forward through every layer with one path's layer kernel.
pub(crate) fn forward_through<'x, T: Real>(
    net: &Network<T>,
    x: &'x DMatrix<T>,
    dense_forward: DenseForwardFn<T>,
) -> Result<Forward<'x, T>> {
    net.check_input(x)?;
    let mut layers: Vec<LayerCache<T>> = Vec::with_capacity(net.layers.len());
    for (l, d) in net.layers.iter().enumerate() {
        let a_in = if l == 0 { x } else { &layers[l - 1].a };
        let cache = dense_forward(a_in, &d.w, &d.b, d.activation);
        layers.push(cache);
    }
    Ok(Forward {
        x,
        layers,
        stamp: net.stamp,
    })
}

/// Backward through every layer with one path's layer kernels: the output
/// layer's `dZ` from [`Loss::output_dz`], then each layer from the last to the
/// first, handing its `dA_in` to the layer below.
pub(crate) fn backward_through<T: Real>(
    net: &Network<T>,
    fwd: &Forward<'_, T>,
    y: &DMatrix<T>,
    loss: Loss,
    dense_backward: DenseBackwardFn<T>,
    dense_backward_dz: DenseBackwardDzFn<T>,
) -> Result<Gradients<T>> {
    net.check_cache(fwd)?;
    net.check_targets(y, fwd.batch_size())?;
    loss.check_targets(y)?;
    let last = net.layers.len() - 1;
    let out = &fwd.layers[last];
    let dz = loss.output_dz(net.layers[last].activation, &out.z, &out.a, y);
    let mut step = dense_backward_dz(&dz, fwd.a_in(last), &net.layers[last].w, last > 0);
    let mut grads = Vec::with_capacity(net.layers.len());
    for l in (0..last).rev() {
        let da = step
            .da_in
            .take()
            .expect("a layer above the first returns dA_in");
        grads.push(DenseGradients {
            dw: step.dw,
            db: step.db,
        });
        let d = &net.layers[l];
        step = dense_backward(
            &da,
            &fwd.layers[l].z,
            fwd.a_in(l),
            &d.w,
            d.activation,
            l > 0,
        );
    }
    grads.push(DenseGradients {
        dw: step.dw,
        db: step.db,
    });
    grads.reverse();
    Ok(Gradients { layers: grads })
}

/// Panics, naming the shapes, unless `A_in (m, n_in)`, `W (n_in, units)` and `b (units)` fit.
pub(crate) fn check_layer_shapes<T: Real>(
    who: &str,
    a_in: &DMatrix<T>,
    w: &DMatrix<T>,
    b: &DVector<T>,
) {
    assert!(
        a_in.ncols() == w.nrows() && b.len() == w.ncols(),
        "{who}: A_in is {:?}, W is {:?} and b has {} values; need A_in (m, n_in), W (n_in, units), b (units)",
        a_in.shape(),
        w.shape(),
        b.len()
    );
}
