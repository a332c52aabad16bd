//! Training: mini-batch gradient descent (`fit`) on either path.
//!
//! The notes' third step, `model.fit(X, y, epochs=10)`, with Keras' settings
//! and defaults: `epochs`, `batch_size` (32), `shuffle` (on), and an
//! optimizer, plain gradient descent ([`Optimizer::Sgd`], the notes') or Adam
//! ([`Optimizer::Adam`], the course labs'), from [`crate::train::optim`]. Both paths
//! train through the same code: [`fit`] asks [`Path`] for each batch's
//! forward and backward pass, into a [`Workspace`] allocated once, so that
//! after the first step an epoch allocates nothing.
//!
//! Training can be stopped between two steps: the progress callback of
//! [`fit_with_progress`] and [`fit_validated`] answers each report, and an
//! answer of `ControlFlow::Break(())` ends the run with the weights of the
//! last step, the history of the epochs completed, and [`History::stopped`]
//! saying where it stopped (the program stops this way on Ctrl-C).

use crate::error::{Error, Result};
use crate::nn::loss::Loss;
use crate::nn::network::{Network, Param};
use crate::paths::Path;
use crate::paths::buffers::Workspace;
use crate::paths::contract::check_targets;
use crate::paths::walk::{Pass, total_loss};
use crate::real::Real;
use crate::train::optim::{Optimizer, OptimizerSnapshot, OptimizerState};
use nalgebra::DMatrix;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_pcg::Pcg64;
use std::ops::ControlFlow;

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
    /// With one batch per epoch (a batch size of at least the number of rows)
    /// the order would change nothing but the rounding of the sums over the
    /// batch, so the rows are then kept in order and trained on in place.
    pub shuffle: bool,
    /// Seed of the shuffling.
    pub seed: u64,
    /// The path that computes every forward and backward pass.
    pub path: Path,
    /// Threads each pass runs on (1, the default, runs on the caller's
    /// alone). Every number is the same on any count
    /// ([`Workspace::with_threads`]).
    pub threads: usize,
}

impl Default for FitSettings {
    /// Keras' defaults where Keras has them: binary cross-entropy, Adam at
    /// 0.001, batch 32, shuffled; one epoch; the matrix path.
    fn default() -> Self {
        FitSettings {
            loss: Loss::BINARY_CROSSENTROPY,
            optimizer: Optimizer::adam(crate::train::optim::ADAM_LEARNING_RATE),
            epochs: 1,
            batch_size: 32,
            shuffle: true,
            seed: 0,
            path: Path::Matrix,
            threads: 1,
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
        self.optimizer.validate()?;
        crate::paths::buffers::check_threads(self.threads)?;
        if self.epochs == 0 {
            return bad("epochs", "0 (expected at least 1)".into());
        }
        if self.batch_size == 0 {
            return bad("batch size", "0 (expected at least 1)".into());
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
    /// predictions (Keras' `binary_accuracy`); for the categorical losses,
    /// their accuracy (the fraction of examples whose largest output is
    /// their class). Empty for mean squared error.
    pub accuracy: Vec<f64>,
    /// Per epoch, with validation data: the loss on it (penalty included)
    /// with the weights at the end of the epoch (Keras' `val_loss`).
    pub val_loss: Vec<f64>,
    /// Per epoch, with validation data and where accuracy applies: the
    /// accuracy on it (Keras' `val_accuracy`).
    pub val_accuracy: Vec<f64>,
    /// Per epoch, for mean squared error: the mean absolute error of the
    /// same pre-update predictions as the loss (Keras' `metrics=["mae"]`).
    /// Empty for the cross-entropies.
    pub mae: Vec<f64>,
    /// Per epoch, with validation data and mean squared error: the mean
    /// absolute error on it (Keras' `val_mae`).
    pub val_mae: Vec<f64>,
    /// Where training stopped, when the progress callback stopped it before
    /// the last epoch's last step; `None` when every epoch ran. The lists
    /// above hold the epochs completed: an epoch stopped part way is left out.
    pub stopped: Option<Stopped>,
}

/// Where a run stopped early: after step `step` of the `steps` of epoch
/// `epoch` (both counted from 1). When `step == steps` the epoch was
/// completed, and is in the history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stopped {
    /// The epoch it stopped in.
    pub epoch: usize,
    /// The last step taken in that epoch.
    pub step: usize,
    /// Steps (batches) per epoch.
    pub steps: usize,
}

/// What a progress callback answers: `()` or `ControlFlow::Continue(())` to
/// go on, `ControlFlow::Break(())` to stop after the step (or epoch) just
/// reported. Stopping is checked between steps, never inside one, so the
/// weights are always those of a whole number of steps.
pub trait ProgressReply {
    /// Whether training goes on.
    fn goes_on(self) -> bool;
}

impl ProgressReply for () {
    fn goes_on(self) -> bool {
        true
    }
}

impl ProgressReply for ControlFlow<()> {
    fn goes_on(self) -> bool {
        self.is_continue()
    }
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
        /// The running mean absolute error so far (mean squared error only).
        mae: Option<f64>,
    },
    /// An epoch has ended.
    Epoch {
        /// The epoch, counted from 1.
        epoch: usize,
        /// Its loss, as in [`History::loss`].
        loss: f64,
        /// Its accuracy, as in [`History::accuracy`].
        accuracy: Option<f64>,
        /// The validation loss, as in [`History::val_loss`].
        val_loss: Option<f64>,
        /// The validation accuracy, as in [`History::val_accuracy`].
        val_accuracy: Option<f64>,
        /// Its mean absolute error, as in [`History::mae`].
        mae: Option<f64>,
        /// The validation mean absolute error, as in [`History::val_mae`].
        val_mae: Option<f64>,
    },
}

/// Keras' `validation_split=fraction`: the **last** `fraction` of the rows
/// held back for validation, taken before any shuffling and never trained
/// on. Returns `(x_train, y_train, x_val, y_val)`; the training rows are the
/// first `⌊m·(1 - fraction)⌋`, as Keras computes `split_at`.
///
/// ```
/// use dualpath::train::split_validation;
/// use nalgebra::DMatrix;
/// let x = DMatrix::from_fn(10, 1, |i, _| i as f64);
/// let (xt, _, xv, _) = split_validation(&x, &x, 0.2)?;
/// assert_eq!((xt.nrows(), xv.nrows(), xv[(0, 0)]), (8, 2, 8.0));
/// # Ok::<(), dualpath::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidSetting`] for a fraction outside `(0, 1)`, or one that
/// leaves no training rows or no validation rows.
#[allow(clippy::type_complexity)]
pub fn split_validation<T: Real>(
    x: &DMatrix<T>,
    y: &DMatrix<T>,
    fraction: f64,
) -> Result<(DMatrix<T>, DMatrix<T>, DMatrix<T>, DMatrix<T>)> {
    let bad = |detail: String| Error::InvalidSetting {
        name: "validation split".into(),
        detail,
    };
    if !(fraction > 0.0 && fraction < 1.0) {
        return Err(bad(format!(
            "{fraction} (expected a fraction between 0 and 1, e.g. 0.2 for the last fifth of the rows)"
        )));
    }
    let m = x.nrows();
    let split_at = (m as f64 * (1.0 - fraction)).floor() as usize;
    if split_at == 0 || split_at >= m {
        return Err(bad(format!(
            "{fraction} of {m} rows leaves {split_at} to train on and {} to validate on; \
             both need at least one",
            m - split_at.min(m)
        )));
    }
    Ok((
        x.rows(0, split_at).into_owned(),
        y.rows(0, split_at).into_owned(),
        x.rows(split_at, m - split_at).into_owned(),
        y.rows(split_at, m - split_at).into_owned(),
    ))
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

/// [`fit`], calling `progress` after every batch and every epoch. The
/// callback may return nothing, or a `ControlFlow` to stop early
/// ([`ProgressReply`]): after `ControlFlow::Break(())` no further step is
/// taken, and [`History::stopped`] says where training stopped.
///
/// ```
/// use dualpath::train::{fit_with_progress, FitSettings, Progress, Stopped};
/// use dualpath::{Activation::Sigmoid, Network};
/// use nalgebra::dmatrix;
/// use std::ops::ControlFlow;
/// let mut net = Network::<f64>::new(1, &[(1, Sigmoid)], 0)?;
/// let (x, y) = (dmatrix![-1.0; 1.0; 2.0], dmatrix![0.0; 1.0; 1.0]);
/// let settings = FitSettings { epochs: 10, batch_size: 1, ..FitSettings::default() };
/// // Stop after the second step of the fourth epoch.
/// let history = fit_with_progress(&mut net, &x, &y, &settings, |p| match p {
///     Progress::Batch { epoch: 4, done: 2, .. } => ControlFlow::Break(()),
///     _ => ControlFlow::Continue(()),
/// })?;
/// assert_eq!(history.stopped, Some(Stopped { epoch: 4, step: 2, steps: 3 }));
/// assert_eq!(history.loss.len(), 3); // the epochs completed
/// # Ok::<(), dualpath::Error>(())
/// ```
///
/// # Errors
/// As [`fit`].
pub fn fit_with_progress<T: Real, R: ProgressReply>(
    net: &mut Network<T>,
    x: &DMatrix<T>,
    y: &DMatrix<T>,
    settings: &FitSettings,
    progress: impl FnMut(Progress) -> R,
) -> Result<History> {
    fit_validated(net, x, y, None, settings, progress)
}

/// [`fit_with_progress`], and after every epoch the loss (and accuracy) on
/// `validation = Some((x_val, y_val))`, rows never trained on: Keras'
/// `validation_data=` (or, from [`split_validation`], `validation_split=`).
/// `progress` may stop training early, as in [`fit_with_progress`].
///
/// # Errors
/// As [`fit`], and if the validation data does not fit the network or the loss.
pub fn fit_validated<T: Real, R: ProgressReply>(
    net: &mut Network<T>,
    x: &DMatrix<T>,
    y: &DMatrix<T>,
    validation: Option<(&DMatrix<T>, &DMatrix<T>)>,
    settings: &FitSettings,
    progress: impl FnMut(Progress) -> R,
) -> Result<History> {
    let mut fresh = Resume::default();
    fit_resumed(net, x, y, validation, settings, &mut fresh, progress)
}

/// Where an earlier run of `fit` left off, so that another continues it
/// exactly: the epochs it completed and its optimizer's state (Keras keeps
/// both, as `optimizer.iterations` and the optimizer's variables).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Resume {
    /// Epochs completed so far, by every run before.
    pub epochs_done: usize,
    /// The optimizer's state at the end of the last run; `None` starts afresh.
    pub optimizer: Option<OptimizerSnapshot>,
}

/// [`fit_validated`], continuing from `resume`: the optimizer takes up the
/// saved state (Adam's moments and step count) when it is the same
/// optimizer for the same network, and the shuffling goes on with the
/// permutations of epochs `epochs_done + 1, …` of the seed's stream, as one
/// longer run would draw them. So with the same seed and data, `fit` for 4
/// epochs, then `fit_resumed` for 4 more, gives the weights of 8 epochs in
/// one run, bit for bit. Afterwards `resume` holds where this run left off.
///
/// ```
/// use dualpath::train::{fit, fit_resumed, FitSettings, Resume};
/// use dualpath::{Activation::Sigmoid, Network};
/// use nalgebra::dmatrix;
/// let (x, y) = (dmatrix![-1.0; 1.0; 2.0; 0.5], dmatrix![0.0; 1.0; 1.0; 0.0]);
/// let settings = |epochs| FitSettings { epochs, batch_size: 2, ..FitSettings::default() };
/// let mut once = Network::<f64>::new(1, &[(1, Sigmoid)], 0)?;
/// fit(&mut once, &x, &y, &settings(8))?;
/// let mut twice = Network::<f64>::new(1, &[(1, Sigmoid)], 0)?;
/// let mut resume = Resume::default();
/// fit_resumed(&mut twice, &x, &y, None, &settings(4), &mut resume, |_| {})?;
/// fit_resumed(&mut twice, &x, &y, None, &settings(4), &mut resume, |_| {})?;
/// assert_eq!(twice.layers()[0].w(), once.layers()[0].w());
/// assert_eq!(resume.epochs_done, 8);
/// # Ok::<(), dualpath::Error>(())
/// ```
///
/// # Errors
/// As [`fit`].
pub fn fit_resumed<T: Real, R: ProgressReply>(
    net: &mut Network<T>,
    x: &DMatrix<T>,
    y: &DMatrix<T>,
    validation: Option<(&DMatrix<T>, &DMatrix<T>)>,
    settings: &FitSettings,
    resume: &mut Resume,
    mut progress: impl FnMut(Progress) -> R,
) -> Result<History> {
    settings.validate()?;
    net.check_input(x)?;
    let m = x.nrows();
    check_targets(net, y, m, settings.loss)?;
    if let Some((xv, yv)) = validation {
        net.check_input(xv)?;
        check_targets(net, yv, xv.nrows(), settings.loss)?;
    }

    let batch_size = settings.batch_size.min(m);
    let batches = m.div_ceil(batch_size);
    let mut order: Vec<usize> = (0..m).collect();
    let mut rng = Pcg64::seed_from_u64(settings.seed);
    let mut optimizer = resume
        .optimizer
        .as_ref()
        .and_then(|saved| OptimizerState::resume(settings.optimizer, net, saved))
        .unwrap_or_else(|| settings.optimizer.start(net));
    let mut sgd_steps = match &resume.optimizer {
        Some(saved) if matches!(optimizer, OptimizerState::Sgd(_)) => saved.iterations,
        _ => 0,
    };
    let metric = settings.loss.metric();
    let with_mae = settings.loss.kind() == crate::nn::loss::LossKind::MeanSquaredError;
    // Everything a step needs, allocated once: one set of buffers for full
    // batches and one for a short last batch (none when m divides evenly).
    let short_size = m % batch_size;
    let whole_in_order = batch_size == m;
    // The permutations the epochs before drew, drawn again: the stream goes
    // on where the last run left it.
    if settings.shuffle && !whole_in_order {
        for _ in 0..resume.epochs_done {
            order.shuffle(&mut rng);
        }
    }
    // One pool of threads, started here, for every workspace of the run.
    let mut full = Batch::new(net, batch_size, x.ncols(), y.ncols());
    full.ws = full.ws.with_threads(settings.threads)?;
    let mut short = (short_size > 0).then(|| {
        let mut short = Batch::new(net, short_size, x.ncols(), y.ncols());
        short.ws = short.ws.sharing_threads(&full.ws);
        short
    });
    // The validation rows' buffers, allocated once like the batches'.
    let mut val_ws =
        validation.map(|(xv, _)| Workspace::new(net, xv.nrows()).sharing_threads(&full.ws));
    // Room for the epochs up front, but no more than a few pages' worth: a
    // run of a billion epochs is a request to train until stopped, not to
    // allocate gigabytes of history before the first step.
    let room = settings.epochs.min(1 << 12);
    let epochs_of = |wanted: bool| Vec::with_capacity(if wanted { room } else { 0 });
    let validating = validation.is_some();
    let mut history = History {
        loss: epochs_of(true),
        accuracy: epochs_of(metric.is_some()),
        val_loss: epochs_of(validating),
        val_accuracy: epochs_of(validating && metric.is_some()),
        mae: epochs_of(with_mae),
        val_mae: epochs_of(validating && with_mae),
        stopped: None,
    };

    for epoch in 1..=settings.epochs {
        if settings.shuffle && !whole_in_order {
            order.shuffle(&mut rng);
        }
        let (mut loss_sum, mut correct, mut counted, mut seen) = (0.0, 0usize, 0usize, 0usize);
        let mut abs_sum = 0.0;
        let (mut stop, mut done) = (false, 0);
        // Whether every weight stayed finite, as each step reports it.
        let mut finite = true;
        for (k, rows) in order.chunks(batch_size).enumerate() {
            let batch = match short.as_mut() {
                Some(s) if rows.len() < batch_size => s,
                _ => &mut full,
            };
            let Batch { x: bx, y: by, ws } = batch;
            // Full-batch gradient descent trains on X itself, in row
            // order: no copy of the whole data at every step.
            let (xb, yb) = if whole_in_order {
                (x, y)
            } else {
                gather_rows(x, rows, bx);
                gather_rows(y, rows, by);
                (&*bx, &*by)
            };
            // X and Y were checked once, above: a step only computes.
            let mut pass = Pass::unchecked(settings.path, ws, net, xb);
            let batch_loss = pass.loss_unchecked(yb, settings.loss).as_f64();
            if !batch_loss.is_finite() {
                return Err(diverged(epoch, "the loss", batch_loss, settings));
            }
            loss_sum += batch_loss * rows.len() as f64;
            seen += rows.len();
            if let Some(metric) = metric {
                let (right, of) = metric.correct(pass.output(), yb);
                (correct, counted) = (correct + right, counted + of);
            }
            if with_mae {
                abs_sum += crate::nn::loss::absolute_error_sum(pass.output(), yb);
            }
            pass.backward_unchecked(yb, settings.loss);
            finite &= optimizer.step_finite(net, ws.gradients());
            sgd_steps += 1;
            let reply = progress(Progress::Batch {
                epoch,
                done: k + 1,
                of: batches,
                loss: loss_sum / seen as f64,
                accuracy: metric.map(|_| correct as f64 / counted as f64),
                mae: with_mae.then(|| abs_sum / seen as f64),
            });
            done = k + 1;
            if !reply.goes_on() {
                stop = true;
                break;
            }
        }
        // The steps checked every weight as they wrote it; only when one
        // was not finite is the network searched for which.
        if let Some((param, value)) = (!finite).then(|| first_non_finite_parameter(net)).flatten() {
            let what = format!("a weight of layer {}", param.layer + 1);
            return Err(diverged(epoch, &what, value, settings));
        }
        if stop && done < batches {
            // Part of an epoch: its figures would not be an epoch's.
            history.stopped = Some(Stopped {
                epoch,
                step: done,
                steps: batches,
            });
            resume.epochs_done += history.loss.len();
            resume.optimizer = Some(optimizer.snapshot(sgd_steps));
            return Ok(history);
        }
        let loss = loss_sum / m as f64;
        let accuracy = metric.map(|_| correct as f64 / counted as f64);
        history.loss.push(loss);
        history.accuracy.extend(accuracy);
        let mae = with_mae.then(|| abs_sum / m as f64);
        history.mae.extend(mae);
        let (mut val_loss, mut val_accuracy, mut val_mae) = (None, None, None);
        if let (Some((xv, yv)), Some(ws)) = (validation, val_ws.as_mut()) {
            // With the weights at the end of the epoch, as Keras evaluates.
            let pass = Pass::unchecked(settings.path, ws, net, xv);
            let j = pass.loss_unchecked(yv, settings.loss).as_f64();
            val_loss = Some(j);
            val_accuracy = metric.map(|metric| {
                let (right, of) = metric.correct(pass.output(), yv);
                right as f64 / of as f64
            });
            val_mae = with_mae.then(|| {
                crate::nn::loss::absolute_error_sum(pass.output(), yv) / yv.nrows() as f64
            });
            history.val_loss.push(j);
            history.val_accuracy.extend(val_accuracy);
            history.val_mae.extend(val_mae);
        }
        let reply = progress(Progress::Epoch {
            epoch,
            loss,
            accuracy,
            val_loss,
            val_accuracy,
            mae,
            val_mae,
        });
        if (stop || !reply.goes_on()) && epoch < settings.epochs {
            history.stopped = Some(Stopped {
                epoch,
                step: batches,
                steps: batches,
            });
            break;
        }
    }
    resume.epochs_done += history.loss.len();
    resume.optimizer = Some(optimizer.snapshot(sgd_steps));
    Ok(history)
}

/// One batch size's buffers in [`fit`]: the gathered rows and the workspace.
struct Batch<T: Real> {
    x: DMatrix<T>,
    y: DMatrix<T>,
    ws: Workspace<T>,
}

impl<T: Real> Batch<T> {
    fn new(net: &Network<T>, rows: usize, n_x: usize, n_y: usize) -> Self {
        Batch {
            x: DMatrix::zeros(rows, n_x),
            y: DMatrix::zeros(rows, n_y),
            ws: Workspace::new(net, rows),
        }
    }
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
    check_targets(net, y, x.nrows(), loss)?;
    let j = total_loss(net, loss, fwd.output_z(), fwd.output(), y).as_f64();
    let accuracy = loss.metric().map(|metric| {
        let (right, of) = metric.correct(fwd.output(), y);
        right as f64 / of as f64
    });
    Ok((j, accuracy))
}

/// What Keras' `model.evaluate` returns: the loss, penalties included, and
/// the metric the course compiles with (`metrics=["accuracy"]` for the
/// cross-entropies, `metrics=["mae"]` for mean squared error).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Evaluation {
    /// The mean of the batches' losses (each with the L2 penalties) weighted
    /// by their sizes: Keras' `loss`.
    pub loss: f64,
    /// The accuracy [`Loss::metric`] picks, for the cross-entropies.
    pub accuracy: Option<f64>,
    /// The mean absolute error, for mean squared error (Keras' `mae`).
    pub mae: Option<f64>,
}

/// Keras' `model.evaluate(x, y, batch_size=batch_size)` on `path`: one
/// forward pass per batch of `batch_size` rows, in order (Keras' default is
/// 32; the last batch may be shorter). The loss is the mean of the batch
/// losses weighted by batch size, as Keras' loss tracker averages them: for
/// a mean loss this is the whole data's mean, up to the rounding of the sums,
/// and each batch's loss includes the L2 penalties, so the reported loss
/// does too. The accuracy counts right answers over all batches; the MAE
/// adds each row's mean absolute error and divides by the rows.
///
/// ```
/// use dualpath::train::evaluate_batches;
/// use dualpath::{Activation::Sigmoid, Loss, Network, Path};
/// use nalgebra::dmatrix;
/// let net = Network::<f64>::new(1, &[(1, Sigmoid)], 0)?;
/// let (x, y) = (dmatrix![-1.0; 1.0; 2.0], dmatrix![0.0; 1.0; 1.0]);
/// let e = evaluate_batches(&net, &x, &y, Loss::BINARY_CROSSENTROPY, Path::Matrix, 2)?;
/// assert!(e.loss > 0.0 && e.accuracy.is_some() && e.mae.is_none());
/// # Ok::<(), dualpath::Error>(())
/// ```
///
/// # Errors
/// If the data does not fit the network or the loss, or the batch size is 0.
pub fn evaluate_batches<T: Real>(
    net: &Network<T>,
    x: &DMatrix<T>,
    y: &DMatrix<T>,
    loss: Loss,
    path: Path,
    batch_size: usize,
) -> Result<Evaluation> {
    evaluate_batches_on(net, x, y, loss, path, batch_size, 1)
}

/// [`evaluate_batches`] with each forward pass on `threads` threads
/// ([`Path::forward_on`]): the same numbers.
///
/// # Errors
/// As [`evaluate_batches`], and for a thread count [`Path::forward_on`] refuses.
pub fn evaluate_batches_on<T: Real>(
    net: &Network<T>,
    x: &DMatrix<T>,
    y: &DMatrix<T>,
    loss: Loss,
    path: Path,
    batch_size: usize,
    threads: usize,
) -> Result<Evaluation> {
    crate::paths::buffers::check_threads(threads)?;
    if batch_size == 0 {
        return Err(Error::InvalidSetting {
            name: "batch size".into(),
            detail: "0 (expected at least 1)".into(),
        });
    }
    net.check_input(x)?;
    let m = x.nrows();
    check_targets(net, y, m, loss)?;
    let metric = loss.metric();
    let with_mae = loss.kind() == crate::nn::loss::LossKind::MeanSquaredError;
    let (mut loss_sum, mut correct, mut counted, mut abs_sum) = (0.0, 0usize, 0usize, 0.0);
    // One workspace per batch size, sharing one pool of threads.
    let full = batch_size.min(m);
    let mut full_ws = Workspace::new(net, full).with_threads(threads)?;
    let mut short_ws =
        (!m.is_multiple_of(full)).then(|| Workspace::new(net, m % full).sharing_threads(&full_ws));
    let mut start = 0;
    while start < m {
        let rows = batch_size.min(m - start);
        let xb = x.rows(start, rows).into_owned();
        let yb = y.rows(start, rows).into_owned();
        let ws = match short_ws.as_mut() {
            Some(short) if rows < full => short,
            _ => &mut full_ws,
        };
        path.forward_into(ws, net, &xb)?;
        let j = total_loss(net, loss, ws.output_z(), ws.output(), &yb).as_f64();
        loss_sum += j * rows as f64;
        if let Some(metric) = metric {
            let (right, of) = metric.correct(ws.output(), &yb);
            (correct, counted) = (correct + right, counted + of);
        }
        if with_mae {
            abs_sum += crate::nn::loss::absolute_error_sum(ws.output(), &yb);
        }
        start += rows;
    }
    Ok(Evaluation {
        loss: loss_sum / m as f64,
        accuracy: metric.map(|_| correct as f64 / counted as f64),
        mae: with_mae.then(|| abs_sum / m as f64),
    })
}

/// Copies `rows` of `src` into `dst`, in order.
fn gather_rows<T: Real>(src: &DMatrix<T>, rows: &[usize], dst: &mut DMatrix<T>) {
    for c in 0..src.ncols() {
        for (r, &i) in rows.iter().enumerate() {
            dst[(r, c)] = src[(i, c)];
        }
    }
}

/// Which parameter holds the first NaN or infinity, and its value.
fn first_non_finite_parameter<T: Real>(net: &Network<T>) -> Option<(Param, f64)> {
    // Only after a step found a weight that is not finite: one vectorised
    // pass, and the search for the name only when it finds something.
    if net.parameters().all(crate::nn::network::all_finite) {
        return None;
    }
    net.parameter_names()
        .zip(net.parameters())
        .find_map(|(name, p)| {
            p.iter()
                .find(|v| !v.is_finite())
                .map(|v| (name, v.as_f64()))
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
