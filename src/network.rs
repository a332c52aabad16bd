//! The network: dense layers, their initialisation, the forward cache and the gradients.
//!
//! Shapes follow Keras (and the course): examples are **rows**.
//!
//! | name | shape | Keras |
//! | --- | --- | --- |
//! | `X`, `A_in` | `(m, n_in)` | the batch |
//! | `W` | `(n_in, units)` | `kernel`: column `j` holds unit `j`'s weights |
//! | `b` | `(units,)` | `bias` |
//! | `Z`, `A` | `(m, units)` | pre-activation and activation |
//!
//! nalgebra stores matrices column by column, so `W.column(j)` (the notes'
//! `W[:,j]`) is one contiguous slice: the loop path's dot products read memory
//! in order.

use crate::activation::Activation;
use crate::error::{Error, Result};
use crate::real::Real;
use nalgebra::{DMatrix, DVector};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;

/// One dense (fully connected) layer: `A = g(A_in·W + b)`.
///
/// Keras: `Dense(units, activation=...)`, with `kernel` = `W` and `bias` = `b`.
#[derive(Clone, Debug, PartialEq)]
pub struct Dense<T: Real> {
    pub(crate) w: DMatrix<T>,
    pub(crate) b: DVector<T>,
    pub(crate) activation: Activation,
}

impl<T: Real> Dense<T> {
    /// A layer from given weights: `w` of shape `(n_in, units)`, `b` of length `units`.
    ///
    /// Course literals are written row by row, so build `W` with
    /// `DMatrix::from_row_slice` or `dmatrix!` (nalgebra's `from_vec` reads
    /// column by column and would silently transpose it).
    ///
    /// ```
    /// use dualpath::{Activation, Dense};
    /// use nalgebra::{dmatrix, dvector};
    /// let layer = Dense::new(dmatrix![1.0, 2.0; 3.0, 4.0; 5.0, 6.0], dvector![0.0, 1.0], Activation::Relu)?;
    /// assert_eq!((layer.n_in(), layer.units()), (3, 2));
    /// # Ok::<(), dualpath::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Empty`] for a layer with no inputs or no units, [`Error::Shape`]
    /// if `b` does not have one value per unit, [`Error::NonFinite`] for a NaN
    /// or infinite weight.
    pub fn new(w: DMatrix<T>, b: DVector<T>, activation: Activation) -> Result<Self> {
        if w.nrows() == 0 || w.ncols() == 0 {
            return Err(Error::Empty(format!(
                "kernel W of shape ({}, {}) (a layer needs at least one input and one unit)",
                w.nrows(),
                w.ncols()
            )));
        }
        if b.len() != w.ncols() {
            return Err(Error::shape(
                "bias b length (one per unit, the kernel's column count)",
                w.ncols(),
                b.len(),
            ));
        }
        check_finite("kernel W", &w)?;
        check_finite("bias b", &b)?;
        Ok(Dense { w, b, activation })
    }

    /// The kernel `W`, shape `(n_in, units)`.
    pub fn w(&self) -> &DMatrix<T> {
        &self.w
    }

    /// The bias `b`, length `units`.
    pub fn b(&self) -> &DVector<T> {
        &self.b
    }

    /// The activation `g`.
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// Inputs per example, `n_in` (rows of `W`).
    pub fn n_in(&self) -> usize {
        self.w.nrows()
    }

    /// Number of units (columns of `W`).
    pub fn units(&self) -> usize {
        self.w.ncols()
    }

    /// Trainable parameters: `n_in·units + units`.
    pub fn param_count(&self) -> usize {
        self.w.len() + self.b.len()
    }
}

/// A stack of dense layers, each feeding the next: Keras' `Sequential([...])`.
///
/// (In this crate the word *sequential* names the loop path, so the container
/// is called `Network`.)
#[derive(Clone, Debug)]
pub struct Network<T: Real> {
    pub(crate) layers: Vec<Dense<T>>,
    /// Changes whenever the weights may change, so that a forward cache can
    /// tell whether it still belongs to these weights (see [`Forward`]).
    /// A clone keeps it: its weights are the same.
    pub(crate) stamp: u64,
}

/// Networks are equal when their layers are.
impl<T: Real> PartialEq for Network<T> {
    fn eq(&self, other: &Self) -> bool {
        self.layers == other.layers
    }
}

/// A fresh [`Network::stamp`].
fn new_stamp() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl<T: Real> Network<T> {
    /// Builds a network like `Sequential([Dense(units, activation), ...])` on
    /// `n_in` inputs, with Keras' default initialisation: each kernel
    /// Glorot-uniform, `W ~ U(-l, l)` with `l = √(6 / (n_in + units))`, and each
    /// bias zero.
    ///
    /// The draws come from a PCG64 generator seeded with `seed`
    /// (`rand_pcg::Pcg64::seed_from_u64`), taken layer by layer and each kernel
    /// row by row, in `f64` and then rounded to `T`: the same seed gives the
    /// same network on every platform, and an `f32` network that is the `f64`
    /// one rounded. Keras draws from its own generator, so the values (not
    /// their distribution) differ from a Keras model's.
    ///
    /// ```
    /// use dualpath::{Activation::Sigmoid, Network};
    /// // The notes' network on the coffee data's two features.
    /// let net = Network::<f64>::new(2, &[(25, Sigmoid), (15, Sigmoid), (1, Sigmoid)], 1)?;
    /// assert_eq!(net.param_count(), 2 * 25 + 25 + 25 * 15 + 15 + 15 + 1); // 481
    /// # Ok::<(), dualpath::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Empty`] if `n_in` is 0, the list is empty, or a layer has 0 units.
    pub fn new(n_in: usize, layers: &[(usize, Activation)], seed: u64) -> Result<Self> {
        if n_in == 0 {
            return Err(Error::Empty("the input (n_in = 0 features)".into()));
        }
        if layers.is_empty() {
            return Err(Error::Empty("the list of layers".into()));
        }
        let mut rng = Pcg64::seed_from_u64(seed);
        let mut fan_in = n_in;
        let mut built = Vec::with_capacity(layers.len());
        for (l, &(units, activation)) in layers.iter().enumerate() {
            if units == 0 {
                return Err(Error::Empty(format!("layer {} (0 units)", l + 1)));
            }
            let limit = (6.0 / (fan_in + units) as f64).sqrt();
            let mut w = DMatrix::zeros(fan_in, units);
            for r in 0..fan_in {
                for c in 0..units {
                    let u: f64 = rng.random();
                    w[(r, c)] = T::of_f64((2.0 * u - 1.0) * limit);
                }
            }
            built.push(Dense {
                w,
                b: DVector::zeros(units),
                activation,
            });
            fan_in = units;
        }
        Ok(Network {
            layers: built,
            stamp: new_stamp(),
        })
    }

    /// A network from given layers.
    ///
    /// # Errors
    /// [`Error::Empty`] for no layers, [`Error::Shape`] when a layer's `n_in`
    /// is not the previous layer's `units`.
    pub fn from_layers(layers: Vec<Dense<T>>) -> Result<Self> {
        if layers.is_empty() {
            return Err(Error::Empty("the list of layers".into()));
        }
        for (l, pair) in layers.windows(2).enumerate() {
            if pair[1].n_in() != pair[0].units() {
                return Err(Error::shape(
                    format!(
                        "layer {} kernel rows (must equal layer {}'s units)",
                        l + 2,
                        l + 1
                    ),
                    pair[0].units(),
                    pair[1].n_in(),
                ));
            }
        }
        Ok(Network {
            layers,
            stamp: new_stamp(),
        })
    }

    /// The layers, input side first.
    pub fn layers(&self) -> &[Dense<T>] {
        &self.layers
    }

    /// Features per example the network takes.
    pub fn n_in(&self) -> usize {
        self.layers[0].n_in()
    }

    /// Outputs per example (units of the last layer).
    pub fn n_out(&self) -> usize {
        self.layers[self.layers.len() - 1].units()
    }

    /// The last layer's activation.
    pub fn output_activation(&self) -> Activation {
        self.layers[self.layers.len() - 1].activation
    }

    /// Widths from input to output, e.g. `[2, 25, 15, 1]`.
    pub fn widths(&self) -> Vec<usize> {
        std::iter::once(self.n_in())
            .chain(self.layers.iter().map(Dense::units))
            .collect()
    }

    /// Trainable parameters over all layers (Keras' `model.count_params()`).
    pub fn param_count(&self) -> usize {
        self.layers.iter().map(Dense::param_count).sum()
    }

    /// The same network in another float type (`f64 → f32` rounds each weight).
    pub fn cast<U: Real>(&self) -> Network<U> {
        Network {
            layers: self
                .layers
                .iter()
                .map(|d| Dense {
                    w: d.w.map(|v| U::of_f64(v.as_f64())),
                    b: d.b.map(|v| U::of_f64(v.as_f64())),
                    activation: d.activation,
                })
                .collect(),
            stamp: new_stamp(),
        }
    }

    /// Checks that `x` is a batch this network can take: `(m, n_in)` with
    /// `m ≥ 1` and every value finite.
    ///
    /// # Errors
    /// [`Error::Empty`], [`Error::Shape`] or [`Error::NonFinite`].
    pub fn check_input(&self, x: &DMatrix<T>) -> Result<()> {
        if x.nrows() == 0 {
            return Err(Error::Empty("input X (no examples)".into()));
        }
        if x.ncols() != self.n_in() {
            return Err(Error::shape(
                "input X columns (features per example)",
                self.n_in(),
                x.ncols(),
            ));
        }
        check_finite("input X", x)
    }

    /// Checks that `y` holds one row of `n_out` finite targets per example of
    /// `m` examples.
    ///
    /// # Errors
    /// [`Error::Shape`] or [`Error::NonFinite`].
    pub fn check_targets(&self, y: &DMatrix<T>, m: usize) -> Result<()> {
        if y.shape() != (m, self.n_out()) {
            return Err(Error::shape(
                "targets Y shape (examples, outputs)",
                format!("({m}, {})", self.n_out()),
                format!("({}, {})", y.nrows(), y.ncols()),
            ));
        }
        check_finite("targets Y", y)
    }

    /// Checks that `fwd` is a forward cache of this network.
    pub(crate) fn check_cache(&self, fwd: &Forward<'_, T>) -> Result<()> {
        // Same stamp: the pass ran on these very weights, so every shape fits too.
        if fwd.stamp == self.stamp {
            Ok(())
        } else {
            Err(Error::shape(
                "forward cache",
                "a forward pass of this network with its current weights",
                "one from another network, or from before these weights changed (run forward again)",
            ))
        }
    }

    /// Mutable access to the layers, for the optimisers (which keep every shape).
    pub(crate) fn layers_mut(&mut self) -> &mut [Dense<T>] {
        self.stamp = new_stamp();
        &mut self.layers
    }

    /// `w ← w - lr·dw` and `b ← b - lr·db` on every layer: one step of plain
    /// gradient descent.
    ///
    /// # Panics
    /// If `grads` does not have this network's shapes (use gradients of this network).
    pub fn sgd_step(&mut self, grads: &Gradients<T>, learning_rate: T) {
        assert_eq!(
            grads.layers.len(),
            self.layers.len(),
            "sgd_step: layer count"
        );
        for (d, g) in self.layers_mut().iter_mut().zip(&grads.layers) {
            d.w.zip_apply(&g.dw, |w, dw| *w -= learning_rate * dw);
            d.b.zip_apply(&g.db, |b, db| *b -= learning_rate * db);
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

/// The gradients of every parameter of a [`Network`], layer by layer, in the
/// network's shapes. Always returned fresh by a backward pass: nothing
/// accumulates across calls.
#[derive(Clone, Debug, PartialEq)]
pub struct Gradients<T: Real> {
    /// One entry per layer, input side first.
    pub layers: Vec<DenseGradients<T>>,
}

/// What one layer's forward keeps for its backward: `Z` and `A`, each `(m, units)`.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerCache<T: Real> {
    /// Pre-activation `Z = A_in·W + B`.
    pub z: DMatrix<T>,
    /// Activation `A = g(Z)`.
    pub a: DMatrix<T>,
}

/// The result of a forward pass, which the backward pass needs: the input
/// batch and every layer's `Z` and `A`.
///
/// Only a forward pass can make one, so a backward pass cannot be called
/// without it. It borrows the input `X` rather than copying it.
#[derive(Clone, Debug, PartialEq)]
pub struct Forward<'x, T: Real> {
    pub(crate) x: &'x DMatrix<T>,
    pub(crate) layers: Vec<LayerCache<T>>,
    /// The [`Network`]'s stamp when this pass ran.
    pub(crate) stamp: u64,
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

/// Fails with [`Error::NonFinite`] at the first NaN or infinity of `m`.
pub(crate) fn check_finite<T: Real, R: nalgebra::Dim, C: nalgebra::Dim, S>(
    what: &str,
    m: &nalgebra::Matrix<T, R, C, S>,
) -> Result<()>
where
    S: nalgebra::RawStorage<T, R, C>,
{
    for c in 0..m.ncols() {
        for r in 0..m.nrows() {
            let v = m[(r, c)];
            if !v.is_finite() {
                return Err(Error::NonFinite {
                    what: what.to_string(),
                    row: r,
                    col: c,
                    value: v.as_f64(),
                });
            }
        }
    }
    Ok(())
}

/// What one layer's backward returns: the gradients of its parameters and,
/// when asked for, the gradient of its input (which the layer below needs).
#[derive(Clone, Debug, PartialEq)]
pub struct DenseBackward<T: Real> {
    /// `∂J/∂A_in = dZ·Wᵀ`, `(m, n_in)`; `None` when not asked for (the first
    /// layer's input is the data, which needs no gradient).
    pub da_in: Option<DMatrix<T>>,
    /// `∂J/∂W = A_inᵀ·dZ`, `(n_in, units)`.
    pub dw: DMatrix<T>,
    /// `∂J/∂b = Σ_rows dZ`, `(units)`.
    pub db: DVector<T>,
}
