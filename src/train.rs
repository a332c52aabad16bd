//! Training: mini-batch gradient descent (`fit`) on either path.
//!
//! The notes' third step, `model.fit(X, y, epochs=10)`, with Keras' settings
//! and defaults: `epochs`, `batch_size` (32), `shuffle` (on), and an
//! optimizer, plain gradient descent ([`Optimizer::Sgd`], the notes') or Adam
//! ([`Optimizer::Adam`], the course labs'). Both paths train through the same
//! code: [`fit`] asks [`Path`] for each batch's forward and backward pass.

use crate::error::{Error, Result};
use crate::loss::Loss;
use crate::network::{DenseGradients, Gradients, Network};
use crate::path::Path;
use crate::real::Real;
use nalgebra::DMatrix;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_pcg::Pcg64;

/// How the parameters move against their gradients.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Optimizer {
    /// Gradient descent: `w ← w - α·∂J/∂w` (Keras' `SGD` without momentum).
    Sgd {
        /// The step size `α`.
        learning_rate: f64,
    },
    /// Adam, with Keras' formulas (Keras 3 `Adam.update_step`): at step `t`,
    /// `m ← m + (g - m)(1 - β₁)`, `v ← v + (g² - v)(1 - β₂)`,
    /// `α_t = α·√(1 - β₂ᵗ)/(1 - β₁ᵗ)`, `w ← w - α_t·m/(√v + ε)`.
    Adam {
        /// The step size `α` (Keras default 0.001).
        learning_rate: f64,
        /// Decay of the mean of the gradients, `β₁` (0.9).
        beta_1: f64,
        /// Decay of the mean of the squared gradients, `β₂` (0.999).
        beta_2: f64,
        /// `ε` added to `√v` (Keras default 1e-7).
        epsilon: f64,
    },
}

impl Optimizer {
    /// Gradient descent with step size `learning_rate`.
    pub fn sgd(learning_rate: f64) -> Self {
        Optimizer::Sgd { learning_rate }
    }

    /// Adam with Keras' defaults and the given step size (Keras' default is 0.001).
    pub fn adam(learning_rate: f64) -> Self {
        Optimizer::Adam {
            learning_rate,
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
        }
    }

    /// The step size `α`.
    pub fn learning_rate(&self) -> f64 {
        match *self {
            Optimizer::Sgd { learning_rate } | Optimizer::Adam { learning_rate, .. } => {
                learning_rate
            }
        }
    }

    /// `"sgd"` or `"adam"`.
    pub fn name(&self) -> &'static str {
        match self {
            Optimizer::Sgd { .. } => "sgd",
            Optimizer::Adam { .. } => "adam",
        }
    }
}

/// The settings of [`fit`], named as Keras names them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FitSettings {
    /// The loss to minimise (`model.compile(loss=...)`).
    pub loss: Loss,
    /// How to step.
    pub optimizer: Optimizer,
    /// Passes over the data (Keras' default is 1; the notes use 10).
    pub epochs: usize,
    /// Examples per gradient step (Keras' default 32). The last batch of an
    /// epoch may be shorter; its loss is the mean over its own rows.
    pub batch_size: usize,
    /// Reshuffle the rows before every epoch (Keras' default). Off keeps row order.
    pub shuffle: bool,
    /// Seed of the shuffling.
    pub seed: u64,
    /// The path that computes every forward and backward pass.
    pub path: Path,
}

impl Default for FitSettings {
    /// Keras' defaults where Keras has them: binary cross-entropy, Adam at
    /// 0.001, batch 32, shuffled; one epoch; the matrix path.
    fn default() -> Self {
        FitSettings {
            loss: Loss::BinaryCrossEntropy,
            optimizer: Optimizer::adam(0.001),
            epochs: 1,
            batch_size: 32,
            shuffle: true,
            seed: 0,
            path: Path::Matrix,
        }
    }
}

impl FitSettings {
    /// Checks the settings a user chooses.
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] for a learning rate that is not a positive
    /// finite number, 0 epochs, a batch size of 0, or Adam's `β` outside `[0, 1)`
    /// or `ε` negative.
    pub fn validate(&self) -> Result<()> {
        let bad = |name: &str, detail: String| {
            Err(Error::InvalidSetting {
                name: name.into(),
                detail,
            })
        };
        let lr = self.optimizer.learning_rate();
        if !(lr.is_finite() && lr > 0.0) {
            return bad(
                "learning rate",
                format!("{lr} (expected a positive number, e.g. 0.01)"),
            );
        }
        if self.epochs == 0 {
            return bad("epochs", "0 (expected at least 1)".into());
        }
        if self.batch_size == 0 {
            return bad("batch size", "0 (expected at least 1)".into());
        }
        if let Optimizer::Adam {
            beta_1,
            beta_2,
            epsilon,
            ..
        } = self.optimizer
        {
            for (name, b) in [("beta_1", beta_1), ("beta_2", beta_2)] {
                if !(0.0..1.0).contains(&b) {
                    return bad(name, format!("{b} (expected a number in [0, 1))"));
                }
            }
            if !(epsilon.is_finite() && epsilon >= 0.0) {
                return bad("epsilon", format!("{epsilon} (expected ≥ 0)"));
            }
        }
        Ok(())
    }
}

/// What training reports per epoch, as Keras' `History.history`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// Per epoch: the mean of that epoch's batch losses weighted by batch size,
    /// each taken before its batch's update (what Keras prints as `loss`).
    pub loss: Vec<f64>,
    /// Per epoch, for binary cross-entropy: the fraction of outputs whose
    /// prediction `a > 0.5` equals the label, from the same pre-update
    /// predictions (Keras' `binary_accuracy`). Empty for other losses.
    pub accuracy: Vec<f64>,
}

/// Progress during [`fit`], for a progress bar.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Progress {
    /// A batch has been trained on.
    Batch {
        /// The epoch, counted from 1.
        epoch: usize,
        /// Batches done in this epoch.
        done: usize,
        /// Batches per epoch.
        of: usize,
        /// The running mean loss of this epoch so far.
        loss: f64,
        /// The running accuracy so far (binary cross-entropy only).
        accuracy: Option<f64>,
    },
    /// An epoch has ended.
    Epoch {
        /// The epoch, counted from 1.
        epoch: usize,
        /// Its loss, as in [`History::loss`].
        loss: f64,
        /// Its accuracy, as in [`History::accuracy`].
        accuracy: Option<f64>,
    },
}

/// Trains `net` on `(x, y)`: `settings.epochs` passes, each over batches of
/// `settings.batch_size` rows (shuffled each epoch when `settings.shuffle`),
/// one optimizer step per batch, every pass computed on `settings.path`.
///
/// ```
/// use dualpath::train::{fit, FitSettings, Optimizer};
/// use dualpath::{Activation::Sigmoid, Loss, Network, Path};
/// use nalgebra::dmatrix;
/// let mut net = Network::<f64>::new(1, &[(1, Sigmoid)], 0)?;
/// let (x, y) = (dmatrix![-1.0; 1.0], dmatrix![0.0; 1.0]);
/// let settings = FitSettings { optimizer: Optimizer::sgd(1.0), epochs: 50, ..FitSettings::default() };
/// let history = fit(&mut net, &x, &y, &settings)?;
/// assert!(history.loss[49] < history.loss[0]);
/// # Ok::<(), dualpath::Error>(())
/// ```
///
/// # Errors
/// Invalid settings, data that does not fit the network or the loss, or
/// [`Error::Diverged`] when the loss (or a weight) stops being finite.
pub fn fit<T: Real>(
    net: &mut Network<T>,
    x: &DMatrix<T>,
    y: &DMatrix<T>,
    settings: &FitSettings,
) -> Result<History> {
    fit_with_progress(net, x, y, settings, |_| {})
}

/// [`fit`], calling `progress` after every batch and every epoch.
///
/// # Errors
/// As [`fit`].
pub fn fit_with_progress<T: Real>(
    net: &mut Network<T>,
    x: &DMatrix<T>,
    y: &DMatrix<T>,
    settings: &FitSettings,
    mut progress: impl FnMut(Progress),
) -> Result<History> {
    settings.validate()?;
    net.check_input(x)?;
    let m = x.nrows();
    net.check_targets(y, m)?;
    settings.loss.check_targets(y)?;

    let batch_size = settings.batch_size.min(m);
    let batches = m.div_ceil(batch_size);
    let mut order: Vec<usize> = (0..m).collect();
    let mut rng = Pcg64::seed_from_u64(settings.seed);
    let mut state = OptimizerState::new(net, settings.optimizer);
    let track_accuracy = settings.loss == Loss::BinaryCrossEntropy;
    // Batch buffers, reused: one of the full size, and one for a short last batch.
    let mut full = (
        DMatrix::zeros(batch_size, x.ncols()),
        DMatrix::zeros(batch_size, y.ncols()),
    );
    let mut short = (
        DMatrix::zeros(m % batch_size, x.ncols()),
        DMatrix::zeros(m % batch_size, y.ncols()),
    );
    let mut history = History::default();

    for epoch in 1..=settings.epochs {
        if settings.shuffle {
            order.shuffle(&mut rng);
        }
        let (mut loss_sum, mut correct, mut seen) = (0.0, 0usize, 0usize);
        for (k, rows) in order.chunks(batch_size).enumerate() {
            let (xb, yb) = if rows.len() == batch_size {
                &mut full
            } else {
                &mut short
            };
            gather_rows(x, rows, xb);
            gather_rows(y, rows, yb);
            let fwd = settings.path.forward(net, xb)?;
            let g = net.output_activation();
            let batch_loss = settings
                .loss
                .value(g, fwd.output_z(), fwd.output(), yb)
                .as_f64();
            if !batch_loss.is_finite() {
                return Err(diverged(epoch, "the loss", batch_loss, settings));
            }
            loss_sum += batch_loss * rows.len() as f64;
            seen += rows.len();
            if track_accuracy {
                correct += count_correct(fwd.output(), yb);
            }
            let grads = settings.path.backward(net, &fwd, yb, settings.loss)?;
            drop(fwd);
            state.step(net, &grads);
            progress(Progress::Batch {
                epoch,
                done: k + 1,
                of: batches,
                loss: loss_sum / seen as f64,
                accuracy: track_accuracy.then(|| correct as f64 / (seen * y.ncols()) as f64),
            });
        }
        let loss = loss_sum / m as f64;
        if let Some((l, value)) = first_non_finite_weight(net) {
            let what = format!("a weight of layer {}", l + 1);
            return Err(diverged(epoch, &what, value, settings));
        }
        let accuracy = track_accuracy.then(|| correct as f64 / (m * y.ncols()) as f64);
        history.loss.push(loss);
        history.accuracy.extend(accuracy);
        progress(Progress::Epoch {
            epoch,
            loss,
            accuracy,
        });
    }
    Ok(history)
}

/// The mean loss and (for binary cross-entropy) the accuracy of `net` on
/// `(x, y)`, in one forward pass on `path`.
///
/// # Errors
/// If the data does not fit the network or the loss.
pub fn evaluate<T: Real>(
    net: &Network<T>,
    x: &DMatrix<T>,
    y: &DMatrix<T>,
    loss: Loss,
    path: Path,
) -> Result<(f64, Option<f64>)> {
    let fwd = path.forward(net, x)?;
    net.check_targets(y, x.nrows())?;
    loss.check_targets(y)?;
    let j = loss
        .value(net.output_activation(), fwd.output_z(), fwd.output(), y)
        .as_f64();
    let accuracy = (loss == Loss::BinaryCrossEntropy)
        .then(|| count_correct(fwd.output(), y) as f64 / y.len() as f64);
    Ok((j, accuracy))
}

/// Outputs whose decision `a > 0.5` matches the label (Keras' `binary_accuracy`).
fn count_correct<T: Real>(a: &DMatrix<T>, y: &DMatrix<T>) -> usize {
    let half = T::of_f64(0.5);
    a.iter()
        .zip(y.iter())
        .filter(|&(&a, &y)| (if a > half { T::one() } else { T::zero() }) == y)
        .count()
}

/// Copies `rows` of `src` into `dst`, in order.
fn gather_rows<T: Real>(src: &DMatrix<T>, rows: &[usize], dst: &mut DMatrix<T>) {
    for c in 0..src.ncols() {
        for (r, &i) in rows.iter().enumerate() {
            dst[(r, c)] = src[(i, c)];
        }
    }
}

/// The layer (0-based) and value of the first weight or bias that is NaN or infinite.
fn first_non_finite_weight<T: Real>(net: &Network<T>) -> Option<(usize, f64)> {
    net.layers().iter().enumerate().find_map(|(l, d)| {
        d.w()
            .iter()
            .chain(d.b().iter())
            .find(|v| !v.is_finite())
            .map(|v| (l, v.as_f64()))
    })
}

fn diverged(epoch: usize, what: &str, value: f64, settings: &FitSettings) -> Error {
    Error::Diverged {
        epoch,
        what: what.into(),
        value,
        learning_rate: settings.optimizer.learning_rate(),
    }
}

/// The optimizer and what it remembers between steps.
struct OptimizerState<T: Real> {
    optimizer: Optimizer,
    /// Steps taken so far (Keras' `iterations`).
    steps: u64,
    /// Adam's first and second moments, in the network's shapes.
    moments: Option<(Gradients<T>, Gradients<T>)>,
}

impl<T: Real> OptimizerState<T> {
    fn new(net: &Network<T>, optimizer: Optimizer) -> Self {
        let zeros = || Gradients {
            layers: net
                .layers()
                .iter()
                .map(|d| DenseGradients {
                    dw: DMatrix::zeros(d.n_in(), d.units()),
                    db: nalgebra::DVector::zeros(d.units()),
                })
                .collect(),
        };
        let moments = matches!(optimizer, Optimizer::Adam { .. }).then(|| (zeros(), zeros()));
        OptimizerState {
            optimizer,
            steps: 0,
            moments,
        }
    }

    fn step(&mut self, net: &mut Network<T>, grads: &Gradients<T>) {
        self.steps += 1;
        match self.optimizer {
            Optimizer::Sgd { learning_rate } => net.sgd_step(grads, T::of_f64(learning_rate)),
            Optimizer::Adam {
                learning_rate,
                beta_1,
                beta_2,
                epsilon,
            } => {
                let (m, v) = self.moments.as_mut().expect("Adam keeps moments");
                let (b1, b2) = (T::of_f64(beta_1), T::of_f64(beta_2));
                let t = T::of_f64(self.steps as f64);
                let one = T::one();
                // α_t = α·√(1 - β₂ᵗ)/(1 - β₁ᵗ)
                let alpha =
                    T::of_f64(learning_rate) * (one - b2.powf(t)).sqrt() / (one - b1.powf(t));
                let eps = T::of_f64(epsilon);
                let update = |w: &mut [T], g: &[T], m: &mut [T], v: &mut [T]| {
                    for (((w, &g), m), v) in w.iter_mut().zip(g).zip(m).zip(v) {
                        *m += (g - *m) * (one - b1);
                        *v += (g * g - *v) * (one - b2);
                        *w -= *m * alpha / (v.sqrt() + eps);
                    }
                };
                for (l, d) in net.layers_mut().iter_mut().enumerate() {
                    let (gl, ml, vl) = (&grads.layers[l], &mut m.layers[l], &mut v.layers[l]);
                    update(
                        d.w.as_mut_slice(),
                        gl.dw.as_slice(),
                        ml.dw.as_mut_slice(),
                        vl.dw.as_mut_slice(),
                    );
                    update(
                        d.b.as_mut_slice(),
                        gl.db.as_slice(),
                        ml.db.as_mut_slice(),
                        vl.db.as_mut_slice(),
                    );
                }
            }
        }
    }
}
