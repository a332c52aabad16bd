//! The network: dense layers, their initialisation, and the view of all their parameters.
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

use crate::error::{Error, Result};
use crate::nn::activation::Activation;
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
    /// Keras' `kernel_regularizer=L2(l2)`: the loss gains `l2·ΣW²`. 0 for none.
    pub(crate) l2: f64,
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
        Ok(Dense {
            w,
            b,
            activation,
            l2: 0.0,
        })
    }

    /// The same layer with Keras' `kernel_regularizer=L2(l2)`: training
    /// minimises the loss plus `l2·ΣW²` over this kernel (never the bias), so
    /// each step also pulls every weight towards 0 by `2·l2·W`. The lectures
    /// write the penalty `λ/(2m)·Σw²`: `l2 = λ/(2m)`, so the same λ is a
    /// different penalty at another batch of `m` examples.
    ///
    /// ```
    /// use dualpath::{Activation, Dense};
    /// use nalgebra::{dmatrix, dvector};
    /// let layer = Dense::new(dmatrix![1.0, -2.0], dvector![0.0, 0.0], Activation::Relu)?.with_l2(0.1)?;
    /// // Keras weighs by 0.1 rounded to f32 (see `l2_factor`).
    /// assert_eq!(layer.penalty(), f64::from(0.1_f32) * (1.0 + 4.0));
    /// # Ok::<(), dualpath::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] for a negative or non-finite `l2`.
    pub fn with_l2(mut self, l2: f64) -> Result<Self> {
        if !(l2.is_finite() && l2 >= 0.0) {
            return Err(Error::InvalidSetting {
                name: "l2".into(),
                detail: format!("{l2} (expected a finite number ≥ 0, e.g. 0.01; 0 means none)"),
            });
        }
        self.l2 = l2;
        Ok(self)
    }

    /// The L2 factor of this layer's kernel (0 when it has none).
    pub fn l2(&self) -> f64 {
        self.l2
    }

    /// The L2 factor as the penalty uses it, in `T`: first rounded to `f32`.
    ///
    /// **A Keras quirk, followed.** Keras' `L2.__call__` computes
    /// `ops.cast(self.l2, dtype=x.dtype) * ops.sum(ops.square(x))`, and with
    /// TensorFlow the Python float becomes a `float32` tensor before the cast,
    /// so a float64 model's `L2(0.1)` weighs its kernel by
    /// `0.10000000149011612`. Measured: `L2(0.1)` of `[[1, 2], [3, 0.5]]` is
    /// 1.4250000212341547 in Keras 3.15 on TensorFlow 2.21, not 1.425.
    pub fn l2_factor(&self) -> T {
        T::of_f64(f64::from(self.l2 as f32))
    }

    /// This layer's L2 penalty, `l2·ΣW²` (Keras' `L2.__call__`), in `T`.
    pub fn penalty(&self) -> T {
        if self.l2 == 0.0 {
            return T::zero();
        }
        let squares = self.w.iter().fold(T::zero(), |s, &w| s + w * w);
        self.l2_factor() * squares
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
        check_coupled_last(layers.iter().map(|&(_, g)| g))?;
        check_size::<T>(n_in, layers.iter().map(|&(units, _)| units))?;
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
                l2: 0.0,
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
        check_coupled_last(layers.iter().map(Dense::activation))?;
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

    /// The sum of every layer's L2 penalty ([`Dense::penalty`]), layer by
    /// layer: what Keras adds to the loss it reports and minimises.
    pub fn penalty(&self) -> T {
        self.layers
            .iter()
            .fold(T::zero(), |sum, d| sum + d.penalty())
    }

    /// The same network with layer `l` (0-based) regularised by `l2`.
    ///
    /// # Errors
    /// As [`Dense::with_l2`], or [`Error::InvalidSetting`] for a layer it does not have.
    pub fn with_l2(mut self, l: usize, l2: f64) -> Result<Self> {
        let n = self.layers.len();
        let Some(layer) = self.layers.get_mut(l) else {
            return Err(Error::InvalidSetting {
                name: "l2".into(),
                detail: format!("layer {} does not exist (the network has {n})", l + 1),
            });
        };
        *layer = layer.clone().with_l2(l2)?;
        Ok(self)
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
                    l2: d.l2,
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
        self.check_input_shape(x)?;
        check_finite("input X", x)
    }

    /// [`Network::check_input`] without the search for NaN and infinity:
    /// `(m, n_in)` with `m ≥ 1`.
    ///
    /// # Errors
    /// [`Error::Empty`] or [`Error::Shape`].
    pub fn check_input_shape(&self, x: &DMatrix<T>) -> Result<()> {
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
        Ok(())
    }

    /// A number that changes whenever the weights may have changed; a forward
    /// pass remembers it so that a backward pass can refuse a stale cache.
    pub(crate) fn stamp(&self) -> u64 {
        self.stamp
    }

    /// Every parameter, as slices in the crate's fixed order: layer by layer
    /// from the input side, each layer's kernel `W` (column-major, so unit
    /// `j`'s weights `W[:,j]` are one run) and then its bias `b`. So the
    /// slice `k` holds layer `k / 2`'s `W` when `k` is even and its `b` when
    /// `k` is odd; [`Network::parameter_names`] names them. The gradients
    /// ([`crate::paths::buffers::Gradients::slices`]) come in the same order, which is
    /// what lets an optimizer or a finite-difference check walk the two side
    /// by side without knowing about layers.
    ///
    /// ```
    /// use dualpath::{Activation::Relu, Network};
    /// let net = Network::<f64>::new(3, &[(2, Relu), (1, Relu)], 0)?;
    /// let lens: Vec<usize> = net.parameters().map(<[f64]>::len).collect();
    /// assert_eq!(lens, [6, 2, 2, 1]); // W1 (3×2), b1, W2 (2×1), b2
    /// # Ok::<(), dualpath::Error>(())
    /// ```
    pub fn parameters(&self) -> impl Iterator<Item = &[T]> + '_ {
        self.layers
            .iter()
            .flat_map(|d| [d.w.as_slice(), d.b.as_slice()])
    }

    /// [`Network::parameters`], writable. Any forward cache taken before is
    /// stale afterwards, and a backward pass refuses it.
    pub fn parameters_mut(&mut self) -> impl Iterator<Item = &mut [T]> + '_ {
        self.stamp = new_stamp();
        self.layers
            .iter_mut()
            .flat_map(|d| [d.w.as_mut_slice(), d.b.as_mut_slice()])
    }

    /// What each slice of [`Network::parameters`] holds, in the same order.
    pub fn parameter_names(&self) -> impl Iterator<Item = Param> + '_ {
        (0..self.layers.len()).flat_map(|layer| {
            [ParamKind::Kernel, ParamKind::Bias].map(|kind| Param { layer, kind })
        })
    }
}

/// Names one slice of the parameter view: which layer, and `W` or `b`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Param {
    /// The layer, counted from 0 on the input side.
    pub layer: usize,
    /// The kernel or the bias.
    pub kind: ParamKind,
}

/// The two kinds of parameter of a dense layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ParamKind {
    /// The kernel `W`, `(n_in, units)`.
    Kernel,
    /// The bias `b`, `(units)`.
    Bias,
}

impl std::fmt::Display for Param {
    /// `layer 2 kernel W` or `layer 2 bias b`, counting layers from 1 as the program does.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.kind {
            ParamKind::Kernel => "kernel W",
            ParamKind::Bias => "bias b",
        };
        write!(f, "layer {} {what}", self.layer + 1)
    }
}

/// The most parameters a network may have: 2³⁰, 8 GiB of `f64` weights
/// (and as much again for gradients and optimizer state).
pub const MAX_PARAMETERS: usize = 1 << 30;

/// Fails before anything is allocated when the layers would have more than
/// [`MAX_PARAMETERS`] parameters, or more than `usize` can count.
fn check_size<T: Real>(n_in: usize, units: impl Iterator<Item = usize>) -> Result<()> {
    let mut total: Option<usize> = Some(0);
    let mut fan_in = n_in;
    for u in units {
        total = total.and_then(|t| {
            fan_in
                .checked_mul(u)
                .and_then(|w| w.checked_add(u))
                .and_then(|p| t.checked_add(p))
        });
        fan_in = u;
    }
    match total {
        Some(t) if t <= MAX_PARAMETERS => Ok(()),
        _ => {
            let bytes = std::mem::size_of::<T>() as f64;
            let count = total.map_or_else(
                || "more than usize can count".to_string(),
                |t| t.to_string(),
            );
            let gib = total.map_or(f64::INFINITY, |t| t as f64 * bytes / (1u64 << 30) as f64);
            Err(Error::InvalidSetting {
                name: "layers".into(),
                detail: format!(
                    "the network would have {count} parameters ({gib:.1} GiB of {} weights alone); \
                     at most {MAX_PARAMETERS} are allowed",
                    T::NAME
                ),
            })
        }
    }
}

/// Fails unless every activation but the last is element-wise: softmax
/// couples the units of an example, so it may only produce the output.
fn check_coupled_last(activations: impl ExactSizeIterator<Item = Activation>) -> Result<()> {
    let last = activations.len().saturating_sub(1);
    for (l, g) in activations.enumerate() {
        if l < last && !g.is_elementwise() {
            return Err(Error::InvalidSetting {
                name: format!("layer {} activation", l + 1),
                detail: format!(
                    "{g} is allowed on the output layer only (it couples the units of an \
                     example, and its gradient comes from the loss); use relu, tanh, sigmoid \
                     or linear on hidden layers"
                ),
            });
        }
    }
    Ok(())
}

/// Whether every value is finite: one pass with no early exit, which
/// compiles to vector instructions.
pub(crate) fn all_finite<T: Real>(values: &[T]) -> bool {
    values.iter().fold(true, |ok, v| ok & v.is_finite())
}

/// Fails with [`Error::NonFinite`] at the first NaN or infinity of `m`.
pub(crate) fn check_finite<T: Real, R: nalgebra::Dim, C: nalgebra::Dim, S>(
    what: &str,
    m: &nalgebra::Matrix<T, R, C, S>,
) -> Result<()>
where
    S: nalgebra::RawStorage<T, R, C> + nalgebra::IsContiguous,
{
    // Every forward pass checks its input, so the common case must be fast:
    // one pass with no early exit, and only if it finds something, a second
    // pass to say where.
    if all_finite(m.as_slice()) {
        return Ok(());
    }
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
