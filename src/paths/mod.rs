//! How a network runs over a batch: the switch [`Path`], the two paths
//! ([`sequential`], [`matrix`]), and what both share.
//!
//! | module | holds |
//! | --- | --- |
//! | [`sequential`] | the notes' per-unit loops, one example and one unit at a time |
//! | [`matrix`] | the notes' matrix form, the whole batch as products |
//! | [`contract`] | what a layer kernel reads and writes, and every shape check |
//! | [`buffers`] | the per-layer caches, gradients, scratch and the [`Workspace`] |
//! | [`walk`] | the walk through the layers, written once for both paths |
//!
//! [`Path`] is the only place that chooses: training, the program and the
//! benchmarks all go through it, so every capability exists on both paths.
//! It calls the walk directly, and the walk calls each layer's kernel on
//! the chosen path: the two paths differ only inside a layer, which is
//! exactly where the notes say they differ.

pub mod buffers;
pub mod contract;
pub mod matrix;
pub mod sequential;
pub mod walk;

use crate::error::Result;
use crate::nn::loss::Loss;
use crate::nn::network::{Dense, Network};
use crate::real::Real;
use buffers::{
    DenseGradients, Forward, Gradients, InputGradient, LayerCache, LayerState, Scratch, Workspace,
};
use nalgebra::DMatrix;
use std::fmt;
use std::str::FromStr;
use walk::Pass;

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

    /// The network's forward pass on this path, layer after layer, each
    /// layer by [`sequential::dense_forward`] or [`matrix::dense_forward`].
    /// Returns every layer's `Z` and `A` for [`Path::backward`].
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
    /// If `x` is not `(m ≥ 1, n_in)` or holds a NaN or infinity.
    pub fn forward<'x, T: Real>(
        self,
        net: &Network<T>,
        x: &'x DMatrix<T>,
    ) -> Result<Forward<'x, T>> {
        walk::forward(self, net, x, 1)
    }

    /// [`Path::forward`] on `threads` threads (started for this call and
    /// stopped after it; a [`Workspace`] keeps them instead). The same bits
    /// as on one.
    ///
    /// # Errors
    /// As [`Path::forward`], and for 0 threads or more than
    /// [`MAX_THREADS`](crate::MAX_THREADS).
    pub fn forward_on<'x, T: Real>(
        self,
        net: &Network<T>,
        x: &'x DMatrix<T>,
        threads: usize,
    ) -> Result<Forward<'x, T>> {
        buffers::check_threads(threads)?;
        walk::forward(self, net, x, threads)
    }

    /// The network's backward pass on this path: the output layer's `dZ`
    /// from the loss, then each layer by `dense_backward_dz` /
    /// `dense_backward`, from the last to the first. Returns fresh gradients
    /// of the mean loss.
    ///
    /// # Errors
    /// If `fwd` is not this network's with its current weights, `y` is not
    /// `(m, n_out)`, or a target is non-finite or outside what `loss` takes.
    pub fn backward<T: Real>(
        self,
        net: &Network<T>,
        fwd: &Forward<'_, T>,
        y: &DMatrix<T>,
        loss: Loss,
    ) -> Result<Gradients<T>> {
        walk::backward(self, net, fwd, y, loss, 1)
    }

    /// [`Path::backward`] on `threads` threads, as [`Path::forward_on`].
    ///
    /// # Errors
    /// As [`Path::backward`] and [`Path::forward_on`].
    pub fn backward_on<T: Real>(
        self,
        net: &Network<T>,
        fwd: &Forward<'_, T>,
        y: &DMatrix<T>,
        loss: Loss,
        threads: usize,
    ) -> Result<Gradients<T>> {
        buffers::check_threads(threads)?;
        walk::backward(self, net, fwd, y, loss, threads)
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
        let j = walk::total_loss(net, loss, fwd.output_z(), fwd.output(), y);
        Ok((j, grads))
    }

    /// The forward pass into a [`Workspace`], allocating nothing. The
    /// [`Pass`] it returns holds `x`, the network and the workspace for the
    /// loss ([`Pass::loss`]) and the backward pass ([`Pass::backward`]).
    ///
    /// ```
    /// use dualpath::{Activation::Sigmoid, Loss, Network, Path, Workspace};
    /// use nalgebra::dmatrix;
    /// let net = Network::<f64>::new(2, &[(3, Sigmoid), (1, Sigmoid)], 0)?;
    /// let (x, y) = (dmatrix![0.5, -1.0; 2.0, 0.0], dmatrix![1.0; 0.0]);
    /// let mut ws = Workspace::new(&net, 2);
    /// let mut pass = Path::Sequential.forward_into(&mut ws, &net, &x)?;
    /// pass.backward(&y, Loss::BINARY_CROSSENTROPY)?;
    /// assert_eq!(ws.gradients().layers[1].dw.shape(), (3, 1));
    /// # Ok::<(), dualpath::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Path::forward`], or if `ws` was made for other widths or another batch size.
    pub fn forward_into<'a, T: Real>(
        self,
        ws: &'a mut Workspace<T>,
        net: &'a Network<T>,
        x: &'a DMatrix<T>,
    ) -> Result<Pass<'a, T>> {
        walk::forward_into(self, ws, net, x)
    }

    /// One dense layer forward on this path: [`sequential::dense_forward`]
    /// or [`matrix::dense_forward`].
    ///
    /// # Panics
    /// If the shapes do not fit (the message names them).
    pub fn dense_forward<T: Real>(
        self,
        out: &mut LayerCache<T>,
        scratch: &mut Scratch<T>,
        a_in: &DMatrix<T>,
        layer: &Dense<T>,
    ) {
        match self {
            Path::Sequential => sequential::dense_forward(out, scratch, a_in, layer),
            Path::Matrix => matrix::dense_forward(out, scratch, a_in, layer),
        }
    }

    /// One dense layer backward from `dA` on this path:
    /// [`sequential::dense_backward`] or [`matrix::dense_backward`].
    ///
    /// # Panics
    /// If the shapes do not fit.
    pub fn dense_backward<T: Real>(
        self,
        grads: &mut DenseGradients<T>,
        da_in: InputGradient<'_, T>,
        scratch: &mut Scratch<T>,
        dz: &mut DMatrix<T>,
        da: &DMatrix<T>,
        at: LayerState<'_, T>,
    ) {
        match self {
            Path::Sequential => sequential::dense_backward(grads, da_in, scratch, dz, da, at),
            Path::Matrix => matrix::dense_backward(grads, da_in, scratch, dz, da, at),
        }
    }

    /// One dense layer backward from a given `dZ` on this path:
    /// [`sequential::dense_backward_dz`] or [`matrix::dense_backward_dz`].
    ///
    /// # Panics
    /// If the shapes do not fit.
    pub fn dense_backward_dz<T: Real>(
        self,
        grads: &mut DenseGradients<T>,
        da_in: InputGradient<'_, T>,
        scratch: &mut Scratch<T>,
        dz: &DMatrix<T>,
        at: LayerState<'_, T>,
    ) {
        match self {
            Path::Sequential => sequential::dense_backward_dz(grads, da_in, scratch, dz, at),
            Path::Matrix => matrix::dense_backward_dz(grads, da_in, scratch, dz, at),
        }
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
