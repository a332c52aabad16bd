//! Optimizers: how the parameters move against their gradients.
//!
//! Each optimizer is a small struct that owns its state and has one `step`,
//! written once against the parameter view ([`Network::parameters_mut`] and
//! [`Gradients::slices`], which come in the same order), so it never needs to
//! know about layers. The formulas are Keras 3's, with its defaults.
//!
//! [`Optimizer`] is the choice a user makes (`"sgd"`, `"adam"`, a learning
//! rate); [`Optimizer::start`] turns it into a running [`OptimizerState`] for
//! one network.

use crate::error::{Error, Result};
use crate::nn::network::Network;
use crate::paths::buffers::Gradients;
use crate::real::Real;
use std::fmt;
use std::str::FromStr;

/// Keras' default step size for `SGD` (`keras.optimizers.SGD(learning_rate=0.01)`).
pub const SGD_LEARNING_RATE: f64 = 0.01;
/// Keras' default step size for `Adam` (`keras.optimizers.Adam(learning_rate=0.001)`).
pub const ADAM_LEARNING_RATE: f64 = 0.001;

/// Which optimizer, with its settings (what `model.compile(optimizer=...)` is given).
///
/// Each variant holds its optimizer's settings whole, as the struct that
/// then runs it: [`Sgd`] has no state beyond them, and [`Adam`] keeps its
/// [`AdamSettings`] beside its moments.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Optimizer {
    /// Gradient descent: `w ← w - α·∂J/∂w` (Keras' `SGD` without momentum).
    Sgd(Sgd),
    /// Adam, with Keras' formulas (Keras 3 `Adam.update_step`).
    Adam(AdamSettings),
}

/// Adam's settings, with Keras' names and defaults. At step `t`:
/// `m ← m + (g - m)(1 - β₁)`, `v ← v + (g² - v)(1 - β₂)`,
/// `α_t = α·√(1 - β₂ᵗ)/(1 - β₁ᵗ)`, `w ← w - α_t·m/(√v + ε)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamSettings {
    /// The step size `α` (Keras default [`ADAM_LEARNING_RATE`]).
    pub learning_rate: f64,
    /// Decay of the mean of the gradients, `β₁` (Keras default 0.9).
    pub beta_1: f64,
    /// Decay of the mean of the squared gradients, `β₂` (Keras default 0.999).
    pub beta_2: f64,
    /// `ε` added to `√v` (Keras default 1e-7).
    pub epsilon: f64,
}

impl Default for AdamSettings {
    /// Keras' `Adam()`.
    fn default() -> Self {
        AdamSettings {
            learning_rate: ADAM_LEARNING_RATE,
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
        }
    }
}

impl Optimizer {
    /// Gradient descent with step size `learning_rate`.
    pub fn sgd(learning_rate: f64) -> Self {
        Optimizer::Sgd(Sgd { learning_rate })
    }

    /// Adam with Keras' defaults and the given step size (Keras' default is [`ADAM_LEARNING_RATE`]).
    pub fn adam(learning_rate: f64) -> Self {
        Optimizer::Adam(AdamSettings {
            learning_rate,
            ..AdamSettings::default()
        })
    }

    /// The step size `α`.
    pub fn learning_rate(&self) -> f64 {
        match self {
            Optimizer::Sgd(s) => s.learning_rate,
            Optimizer::Adam(a) => a.learning_rate,
        }
    }

    /// Keras' default step size for this optimizer: [`SGD_LEARNING_RATE`]
    /// or [`ADAM_LEARNING_RATE`].
    pub fn default_learning_rate(&self) -> f64 {
        match self {
            Optimizer::Sgd(_) => SGD_LEARNING_RATE,
            Optimizer::Adam(_) => ADAM_LEARNING_RATE,
        }
    }

    /// The same optimizer with another step size.
    pub fn with_learning_rate(mut self, rate: f64) -> Self {
        match &mut self {
            Optimizer::Sgd(s) => s.learning_rate = rate,
            Optimizer::Adam(a) => a.learning_rate = rate,
        }
        self
    }

    /// `"sgd"` or `"adam"`.
    pub fn name(&self) -> &'static str {
        match self {
            Optimizer::Sgd(_) => "sgd",
            Optimizer::Adam(_) => "adam",
        }
    }

    /// Checks the settings a user chooses.
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] for a learning rate that is not a positive
    /// finite number, or Adam's `β` outside `[0, 1)` or `ε` negative.
    pub fn validate(&self) -> Result<()> {
        let bad = |name: &str, detail: String| {
            Err(Error::InvalidSetting {
                name: name.into(),
                detail,
            })
        };
        let lr = self.learning_rate();
        if !(lr.is_finite() && lr > 0.0) {
            return bad(
                "learning rate",
                format!("{lr} (expected a positive number, e.g. 0.01)"),
            );
        }
        if let Optimizer::Adam(a) = self {
            for (name, b) in [("beta_1", a.beta_1), ("beta_2", a.beta_2)] {
                if !(0.0..1.0).contains(&b) {
                    return bad(name, format!("{b} (expected a number in [0, 1))"));
                }
            }
            if !(a.epsilon.is_finite() && a.epsilon >= 0.0) {
                return bad("epsilon", format!("{} (expected ≥ 0)", a.epsilon));
            }
        }
        Ok(())
    }

    /// A running optimizer for `net`, with zeroed state (Adam's moments in
    /// the parameters' shapes).
    pub fn start<T: Real>(&self, net: &Network<T>) -> OptimizerState<T> {
        match *self {
            Optimizer::Sgd(sgd) => OptimizerState::Sgd(sgd),
            Optimizer::Adam(settings) => OptimizerState::Adam(Adam {
                settings,
                steps: 0,
                m: vec![T::zero(); net.param_count()],
                v: vec![T::zero(); net.param_count()],
            }),
        }
    }
}

impl fmt::Display for Optimizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Optimizer {
    type Err = Error;

    /// Parses `sgd` or `adam` (any case), each with Keras' default learning rate.
    ///
    /// ```
    /// use dualpath::train::optim::Optimizer;
    /// let adam: Optimizer = "adam".parse()?;
    /// assert_eq!(adam.learning_rate(), 0.001);
    /// assert_eq!("SGD".parse::<Optimizer>()?, Optimizer::sgd(0.01));
    /// # Ok::<(), dualpath::Error>(())
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sgd" => Ok(Optimizer::sgd(SGD_LEARNING_RATE)),
            "adam" => Ok(Optimizer::adam(ADAM_LEARNING_RATE)),
            _ => Err(Error::InvalidSetting {
                name: "optimizer".into(),
                detail: format!("{s:?} is not an optimizer: expected sgd or adam"),
            }),
        }
    }
}

/// Plain gradient descent: `w ← w - α·∂J/∂w` for every parameter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sgd {
    /// The step size `α`.
    pub learning_rate: f64,
}

impl Sgd {
    /// One step of gradient descent.
    ///
    /// ```
    /// use dualpath::{Activation::Linear, Dense, Gradients, Network, train::optim::Sgd};
    /// use nalgebra::{dmatrix, dvector};
    /// let mut net = Network::from_layers(vec![Dense::new(dmatrix![1.0], dvector![0.5], Linear)?])?;
    /// let mut g = Gradients::zeros_like(&net);
    /// g.layers[0].dw[(0, 0)] = 2.0;
    /// Sgd { learning_rate: 0.25 }.step(&mut net, &g);
    /// assert_eq!(net.layers()[0].w()[(0, 0)], 0.5); // 1 - 0.25·2
    /// # Ok::<(), dualpath::Error>(())
    /// ```
    ///
    /// # Panics
    /// If `grads` does not have `net`'s shapes.
    pub fn step<T: Real>(&mut self, net: &mut Network<T>, grads: &Gradients<T>) {
        self.step_finite(net, grads);
    }

    /// [`Sgd::step`], and whether every parameter is finite after it (a
    /// check in the same pass over the weights, where `fit` would make a
    /// second).
    fn step_finite<T: Real>(&mut self, net: &mut Network<T>, grads: &Gradients<T>) -> bool {
        check_same_shapes(net, grads);
        let lr = T::of_f64(self.learning_rate);
        let mut finite = true;
        for (p, g) in net.parameters_mut().zip(grads.slices()) {
            for (p, &g) in p.iter_mut().zip(g) {
                *p -= lr * g;
                finite &= p.is_finite();
            }
        }
        finite
    }
}

/// Adam, as Keras 3 computes it, with its moments in the order of the
/// parameter view.
#[derive(Clone, Debug, PartialEq)]
pub struct Adam<T: Real> {
    /// Its settings, as it was started with them.
    pub settings: AdamSettings,
    /// Steps taken so far (Keras' `iterations`).
    steps: u64,
    /// The first moment of every parameter, in the view's order.
    m: Vec<T>,
    /// The second moment.
    v: Vec<T>,
}

impl<T: Real> Adam<T> {
    /// Steps taken so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// One Adam step (Keras 3 `Adam.update_step`).
    ///
    /// # Panics
    /// If `grads` does not have `net`'s shapes, or the moments were made for another network.
    pub fn step(&mut self, net: &mut Network<T>, grads: &Gradients<T>) {
        self.step_finite(net, grads);
    }

    /// [`Adam::step`], and whether every parameter is finite after it.
    fn step_finite(&mut self, net: &mut Network<T>, grads: &Gradients<T>) -> bool {
        check_same_shapes(net, grads);
        assert_eq!(
            self.m.len(),
            net.param_count(),
            "Adam::step: the moments hold {} values but the network has {} parameters",
            self.m.len(),
            net.param_count()
        );
        self.steps += 1;
        let one = T::one();
        let AdamSettings {
            learning_rate,
            beta_1,
            beta_2,
            epsilon,
        } = self.settings;
        let (b1, b2) = (T::of_f64(beta_1), T::of_f64(beta_2));
        let t = T::of_f64(self.steps as f64);
        // α_t = α·√(1 - β₂ᵗ)/(1 - β₁ᵗ)
        let alpha = T::of_f64(learning_rate) * (one - b2.powf(t)).sqrt() / (one - b1.powf(t));
        let eps = T::of_f64(epsilon);
        let (mut m, mut v) = (self.m.as_mut_slice(), self.v.as_mut_slice());
        let mut finite = true;
        for (w, g) in net.parameters_mut().zip(grads.slices()) {
            let (m_here, m_rest) = std::mem::take(&mut m).split_at_mut(w.len());
            let (v_here, v_rest) = std::mem::take(&mut v).split_at_mut(w.len());
            (m, v) = (m_rest, v_rest);
            for (((w, &g), m), v) in w.iter_mut().zip(g).zip(m_here).zip(v_here) {
                *m += (g - *m) * (one - b1);
                *v += (g * g - *v) * (one - b2);
                *w -= *m * alpha / (v.sqrt() + eps);
                finite &= w.is_finite();
            }
        }
        finite
    }
}

/// A running optimizer: one of the structs above, owning its state.
#[derive(Clone, Debug, PartialEq)]
pub enum OptimizerState<T: Real> {
    /// Gradient descent (no state).
    Sgd(Sgd),
    /// Adam and its moments.
    Adam(Adam<T>),
}

impl<T: Real> OptimizerState<T> {
    /// One step: move every parameter of `net` against its gradient.
    ///
    /// # Panics
    /// If `grads` does not have `net`'s shapes.
    pub fn step(&mut self, net: &mut Network<T>, grads: &Gradients<T>) {
        self.step_finite(net, grads);
    }

    /// [`OptimizerState::step`], and whether every parameter is finite
    /// after it: each optimizer updates every parameter, so this is the
    /// whole network's check, made in the pass the step makes anyway.
    pub(crate) fn step_finite(&mut self, net: &mut Network<T>, grads: &Gradients<T>) -> bool {
        match self {
            OptimizerState::Sgd(s) => s.step_finite(net, grads),
            OptimizerState::Adam(a) => a.step_finite(net, grads),
        }
    }
}

/// A running optimizer's state as plain `f64` numbers, for a model file:
/// Keras keeps its optimizer's variables with the model, so that training
/// continues where it stopped. Adam's moments are in the order of the
/// parameter view ([`Network::parameters`]): layer by layer, the kernel
/// column by column (one unit's weights after another), then the bias.
/// Gradient descent has no state: `iterations` counts its steps, and the
/// moments are empty.
#[derive(Clone, Debug, PartialEq)]
pub struct OptimizerSnapshot {
    /// The optimizer and its settings.
    pub optimizer: Optimizer,
    /// Steps taken so far (Keras' `optimizer.iterations`).
    pub iterations: u64,
    /// Adam's first moments (empty for SGD).
    pub m: Vec<f64>,
    /// Adam's second moments (empty for SGD).
    pub v: Vec<f64>,
}

impl<T: Real> OptimizerState<T> {
    /// The state, as `f64` numbers (exactly: every `f32` is an `f64`).
    pub fn snapshot(&self, steps_if_sgd: u64) -> OptimizerSnapshot {
        match self {
            OptimizerState::Sgd(s) => OptimizerSnapshot {
                optimizer: Optimizer::Sgd(*s),
                iterations: steps_if_sgd,
                m: Vec::new(),
                v: Vec::new(),
            },
            OptimizerState::Adam(a) => OptimizerSnapshot {
                optimizer: Optimizer::Adam(a.settings),
                iterations: a.steps,
                m: a.m.iter().map(|x| x.as_f64()).collect(),
                v: a.v.iter().map(|x| x.as_f64()).collect(),
            },
        }
    }

    /// `optimizer` running for `net`, continuing from `saved` when it is the
    /// same kind of optimizer, for a network of as many parameters: its
    /// moments and step count with `optimizer`'s settings (a new learning
    /// rate applies from the next step). `None` when `saved` cannot continue
    /// it (another optimizer, another network): then the state is fresh.
    pub fn resume(
        optimizer: Optimizer,
        net: &Network<T>,
        saved: &OptimizerSnapshot,
    ) -> Option<Self> {
        match (optimizer, saved.optimizer) {
            (Optimizer::Sgd(s), Optimizer::Sgd(_)) => Some(OptimizerState::Sgd(s)),
            (Optimizer::Adam(settings), Optimizer::Adam(_))
                if saved.m.len() == net.param_count() && saved.v.len() == net.param_count() =>
            {
                Some(OptimizerState::Adam(Adam {
                    settings,
                    steps: saved.iterations,
                    m: saved.m.iter().map(|&x| T::of_f64(x)).collect(),
                    v: saved.v.iter().map(|&x| T::of_f64(x)).collect(),
                }))
            }
            _ => None,
        }
    }
}

/// Panics unless `grads` has one slice of each parameter's length, in order.
fn check_same_shapes<T: Real>(net: &Network<T>, grads: &Gradients<T>) {
    let fits = grads.layers.len() == net.layers().len()
        && net
            .parameters()
            .zip(grads.slices())
            .all(|(p, g)| p.len() == g.len());
    assert!(
        fits,
        "optimizer step: the gradients are not in the network's shapes (network widths {:?}, \
         gradient layers {:?})",
        net.widths(),
        grads
            .layers
            .iter()
            .map(|g| g.dw.shape())
            .collect::<Vec<_>>()
    );
}
