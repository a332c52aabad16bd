//! The switch point: [`Path`] picks the loop path or the matrix path.
//!
//! Training, the program and the benchmarks all go through it, so every
//! capability exists on both paths. It holds nothing but the choice: the walk
//! through the layers is written once in [`crate::paths::pass`], and the two paths
//! supply only the per-layer kernels, which is exactly where the notes say
//! they differ.

pub mod matrix;
pub mod pass;
pub mod sequential;

use crate::error::Result;
use crate::nn::loss::Loss;
use crate::nn::network::Network;
use crate::real::Real;
use nalgebra::DMatrix;
use pass::{Forward, Gradients, Workspace, total_loss};
use std::fmt;
use std::str::FromStr;

/// Which way to compute: per-unit loops or matrix products.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Path {
    /// [`crate::paths::sequential`]: one example and one unit at a time.
    Sequential,
    /// [`crate::paths::matrix`]: the whole batch as matrix products.
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
        let j = total_loss(net, loss, fwd.output_z(), fwd.output(), y);
        Ok((j, grads))
    }

    /// The forward pass into a [`Workspace`], allocating nothing: see
    /// [`sequential::forward_into`] and [`matrix::forward_into`].
    ///
    /// # Errors
    /// As [`Path::forward`], or if `ws` was made for other widths or another batch size.
    pub fn forward_into<T: Real>(
        self,
        ws: &mut Workspace<T>,
        net: &Network<T>,
        x: &DMatrix<T>,
    ) -> Result<()> {
        match self {
            Path::Sequential => sequential::forward_into(ws, net, x),
            Path::Matrix => matrix::forward_into(ws, net, x),
        }
    }

    /// The backward pass into a [`Workspace`] that [`Path::forward_into`]
    /// filled from `net` and `x`, allocating nothing; the gradients are then
    /// [`Workspace::gradients`].
    ///
    /// # Errors
    /// As [`Path::backward`], or if `ws` holds no forward pass of `net` on `x`.
    pub fn backward_into<T: Real>(
        self,
        ws: &mut Workspace<T>,
        net: &Network<T>,
        x: &DMatrix<T>,
        y: &DMatrix<T>,
        loss: Loss,
    ) -> Result<()> {
        match self {
            Path::Sequential => sequential::backward_into(ws, net, x, y, loss),
            Path::Matrix => matrix::backward_into(ws, net, x, y, loss),
        }
    }

    /// Forward, the mean loss `J`, and backward, in a [`Workspace`]:
    /// [`Path::loss_and_gradients`] without allocating.
    ///
    /// # Errors
    /// As [`Path::forward_into`] and [`Path::backward_into`].
    pub fn loss_and_gradients_into<T: Real>(
        self,
        ws: &mut Workspace<T>,
        net: &Network<T>,
        x: &DMatrix<T>,
        y: &DMatrix<T>,
        loss: Loss,
    ) -> Result<T> {
        self.forward_into(ws, net, x)?;
        self.backward_into(ws, net, x, y, loss)?;
        Ok(total_loss(net, loss, ws.output_z(), ws.output(), y))
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
