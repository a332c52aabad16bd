//! What `train` and `explore` share: the flags that say what to train and
//! how (`--data`, `--layers`, `--loss`, `--epochs`, `--repeat`, …), and the
//! work from those flags to a network, its inputs and its settings, ready
//! for `fit`.

use super::common::{
    CliResult, Failure, FileLimit, NOTES_LAYERS, check_loss, data_for_model, learning_rate,
    load_all_columns, load_data, load_model, loss_for, model_input, name_list, note, open_fraction,
    parse_layers_with_l2, plural, whole,
};
use super::names::column_name;
use clap::Args;
use dualpath::io::data::{Dataset, Normalization};
use dualpath::io::model::{Model, Training};
use dualpath::speedup::Float;
use dualpath::train::{
    FitSettings, History, Optimizer, Progress, Resume, fit_resumed, split_validation,
};
use dualpath::{Loss, Network, Path, Real};
use nalgebra::DMatrix;
use std::borrow::Cow;
use std::ops::ControlFlow;
use std::path::PathBuf;

/// The flags that say what to train and how, named as Keras names them.
#[derive(Args, Debug)]
pub struct FitFlags {
    /// Data: `coffee` (the coffee-roasting lab), `blobs` (the Softmax lab's four clusters,
    /// drawn with --seed), `digits8x8` (the UCI handwritten digits) or a CSV file with a header.
    #[arg(
        long,
        default_value = "coffee",
        value_name = "coffee|blobs|digits8x8|FILE.csv"
    )]
    pub data: String,
    /// Target column(s) by name (repeatable or comma separated; default: the last column, or
    /// with --model the model's recorded targets).
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub target: Vec<String>,
    /// Layers as UNITS:ACTIVATION[:l2=NUMBER], comma separated (activations: linear, relu,
    /// sigmoid, tanh, softmax on the last layer; l2=0.1 is Keras' kernel_regularizer=L2(0.1))
    /// [default: 25:sigmoid,15:sigmoid,1:sigmoid, the notes' network].
    #[arg(long, conflicts_with = "model", allow_hyphen_values = true)]
    pub layers: Option<String>,
    /// Start from the weights in this model file instead of a fresh network. Its features are
    /// taken from the data by name, and its loss is used unless --loss is given.
    #[arg(long, value_name = "FILE.json")]
    pub model: Option<PathBuf>,
    /// Loss: bce (binary cross-entropy), mse (mean squared error), scce (sparse categorical
    /// cross-entropy: class ids) or cce (categorical cross-entropy: one-hot rows). Default:
    /// bce, or with --model the loss it was saved with.
    #[arg(long)]
    pub loss: Option<Loss>,
    /// Keras' `from_logits=True`: the last layer is linear and its outputs are logits
    /// (a sigmoid or softmax is applied inside the loss).
    #[arg(long)]
    pub from_logits: bool,
    /// Optimizer: sgd (the notes' gradient descent) or adam (the course labs'). Default: adam,
    /// or with --model the optimizer it was trained with, whose state it continues.
    #[arg(long)]
    pub optimizer: Option<Optimizer>,
    /// Learning rate (default: Keras' default for the optimizer, 0.01 for sgd, 0.001 for adam;
    /// with --model and no --optimizer, the rate it was trained with).
    #[arg(long, allow_hyphen_values = true, value_parser = learning_rate)]
    pub lr: Option<f64>,
    /// Passes over the data [default: 10].
    #[arg(long, allow_hyphen_values = true, value_parser = whole::<usize>(1, u64::MAX))]
    pub epochs: Option<usize>,
    /// Examples per gradient step.
    #[arg(long, default_value_t = 32, allow_hyphen_values = true, value_parser = whole::<usize>(1, u64::MAX))]
    pub batch_size: usize,
    /// Repeat the training rows this many times in every epoch, as the coffee lab's
    /// `np.tile(Xn, (1000, 1))` does: more steps per epoch from a small data set. The copies
    /// are shuffled together. A --validation-split is taken from the rows as read, before
    /// they are repeated, so no validation row has a copy among the training rows (Keras,
    /// given a tiled array, would take the last copies, which repeat rows it trains on)
    /// [default: 1].
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = whole::<usize>(1, 1_000_000))]
    pub repeat: Option<usize>,
    /// Keep row order instead of reshuffling every epoch.
    #[arg(long)]
    pub no_shuffle: bool,
    /// Seed of the initial weights and of the shuffling (default 0, or with --model the seed
    /// it was trained with: its shuffling goes on where it stopped).
    #[arg(long, allow_hyphen_values = true, value_parser = whole::<u64>(0, u64::MAX))]
    pub seed: Option<u64>,
    /// The path that computes every pass: sequential (loops) or matrix.
    #[arg(long, default_value = "matrix")]
    pub path: Path,
    /// Threads to compute on (default: the cores this process may use). Every number is the
    /// same, bit for bit, on any count; 1 computes on one core.
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = whole::<usize>(1, dualpath::MAX_THREADS as u64))]
    pub threads: Option<usize>,
    /// The precision to train in: f64, or f32 (Keras' default, float32). The data and the
    /// weights are rounded to f32 for training; the model and history files are written as
    /// f64 text either way (every f32 is exactly an f64).
    #[arg(long, default_value = "f64", value_name = "f64|f32")]
    pub float: Float,
    /// Learn a per-feature normalisation (Keras' `Normalization`) and keep it with the model.
    #[arg(long)]
    pub normalize: bool,
    /// Hold back the last fraction of the rows for validation (Keras' validation_split):
    /// taken before any shuffling, never trained on; the history gains val_loss.
    #[arg(
        long,
        value_name = "F",
        allow_hyphen_values = true,
        value_parser = open_fraction,
        conflicts_with = "validation_data"
    )]
    pub validation_split: Option<f64>,
    /// Validate on this data after every epoch (Keras' validation_data): a CSV file with the
    /// training data's columns, or a built-in set.
    #[arg(long, value_name = "FILE.csv")]
    pub validation_data: Option<String>,
    #[command(flatten)]
    pub limit: FileLimit,
}

/// What a flag left out means. `train` takes Keras' and the notes' defaults
/// ([`Defaults::TRAIN`]); `explore` takes a lab's settings for the built-in
/// data sets when no setting is given.
#[derive(Clone, Copy, Debug)]
pub struct Defaults {
    pub layers: &'static str,
    pub loss: Option<Loss>,
    pub from_logits: bool,
    pub learning_rate: Option<f64>,
    pub epochs: usize,
    pub repeat: usize,
    pub normalize: bool,
}

impl Defaults {
    /// `train`'s: the notes' network, 10 epochs, the rows once, as read.
    pub const TRAIN: Defaults = Defaults {
        layers: NOTES_LAYERS,
        loss: None,
        from_logits: false,
        learning_rate: None,
        epochs: 10,
        repeat: 1,
        normalize: false,
    };
}

impl FitFlags {
    /// Whether any setting of the network or of its training was given
    /// (everything but the data, the seed and the path).
    pub fn any_setting(&self) -> bool {
        self.layers.is_some()
            || self.model.is_some()
            || self.loss.is_some()
            || self.from_logits
            || self.optimizer.is_some()
            || self.lr.is_some()
            || self.epochs.is_some()
            || self.repeat.is_some()
            || self.normalize
            || self.batch_size != 32
            || self.no_shuffle
    }

    /// The files these flags read, named by their flags, for `check_outputs`.
    pub fn inputs(&self) -> Vec<(&'static str, &std::path::Path)> {
        let mut inputs = Vec::new();
        if let Some(path) = super::common::data_file(&self.data) {
            inputs.push(("--data", path));
        }
        if let Some(path) = self
            .validation_data
            .as_deref()
            .and_then(super::common::data_file)
        {
            inputs.push(("--validation-data", path));
        }
        if let Some(path) = &self.model {
            inputs.push(("--model", path.as_path()));
        }
        inputs
    }

    /// The network to start from and the settings of the run, before any data is read.
    pub fn plan(&self, defaults: Defaults) -> CliResult<Plan> {
        let layers = if self.model.is_none() {
            Some(parse_layers_with_l2(
                self.layers.as_deref().unwrap_or(defaults.layers),
            )?)
        } else {
            None
        };
        let start = match &self.model {
            Some(path) => Some(load_model(path)?),
            None => None,
        };
        // Continuing a model: its optimizer, its state and its seed, unless others are asked for.
        let saved = start.as_ref().and_then(|m| m.training.clone());
        let (optimizer, resume) = resumed(self, saved.as_ref(), defaults.learning_rate);
        let seed = self.seed.or(saved.as_ref().map(|t| t.seed)).unwrap_or(0);
        let loss = match (self.loss, defaults.loss) {
            (None, Some(lab)) if !self.from_logits && start.is_none() => {
                loss_for(Some(lab), defaults.from_logits, None)?
            }
            _ => loss_for(self.loss, self.from_logits, start.as_ref())?,
        };
        let settings = FitSettings {
            loss,
            optimizer,
            epochs: self.epochs.unwrap_or(defaults.epochs),
            batch_size: self.batch_size,
            shuffle: !self.no_shuffle,
            seed,
            path: self.path,
            threads: self.threads.unwrap_or_else(dualpath::available_threads),
        };
        settings.validate()?;
        Ok(Plan {
            layers,
            start,
            resume,
            seed,
            settings,
            repeat: self.repeat.unwrap_or(defaults.repeat),
            normalize: self.normalize || defaults.normalize,
        })
    }
}

/// [`FitFlags::plan`]'s answer: what to start from and how to train.
#[derive(Debug)]
pub struct Plan {
    layers: Option<super::common::LayersWithL2>,
    start: Option<Model>,
    pub resume: Resume,
    pub seed: u64,
    pub settings: FitSettings,
    pub repeat: usize,
    pub normalize: bool,
}

/// Everything `fit` needs, read and checked: the model (with its
/// normalisation), the training rows as read, the network's inputs for them
/// repeated `--repeat` times, and the validation rows.
#[derive(Debug)]
pub struct Prepared {
    pub model: Model,
    /// The training rows as read (before `--repeat`).
    pub data: Dataset,
    /// The validation rows as read, if any.
    pub validation_data: Option<Dataset>,
    /// The validation rows' network inputs and targets.
    pub validation: Option<(DMatrix<f64>, DMatrix<f64>)>,
    /// The network's inputs for the training rows, repeated.
    pub x: DMatrix<f64>,
    /// The training rows' targets and lines, repeated as `x`.
    pub fit_data: Dataset,
    pub resume: Resume,
    pub seed: u64,
    pub settings: FitSettings,
    pub repeat: usize,
    /// What in the setup may make training diverge, for the error message.
    pub causes: String,
}

impl Plan {
    /// Reads the data, splits off the validation rows, learns the
    /// normalisation, and checks the targets against the loss.
    pub fn prepare(self, a: &FitFlags) -> CliResult<Prepared> {
        let Plan {
            layers,
            start,
            resume,
            seed,
            settings,
            repeat,
            normalize,
        } = self;
        let limit = a.limit.max_file_size;
        let data = match (&start, &a.model) {
            (Some(model), Some(path)) => {
                data_for_model(model, path, &a.data, &a.target, true, limit)?
            }
            _ => load_data(&a.data, &a.target, seed, limit)?,
        };
        if data.y.ncols() == 0 {
            return Err(Failure::input(format!(
                "{}: no target column to train on",
                data.source
            )));
        }
        let mut model = match start {
            Some(model) => model,
            None => {
                let (spec, l2s) = layers.unwrap_or_default();
                let mut network = Network::new(data.x.ncols(), &spec, seed)?;
                for (l, &l2) in l2s.iter().enumerate() {
                    network = network.with_l2(l, l2)?;
                }
                Model::new(network, None)?
            }
        };
        let (data, validation) = match (&a.validation_split, &a.validation_data) {
            (Some(f), _) => {
                let (xt, yt, xv, yv) = split_validation(&data.x, &data.y, *f)?;
                let mut train = data.clone();
                let mut val = data.clone();
                (train.x, train.y, val.x, val.y) = (xt, yt, xv, yv);
                let n = train.x.nrows();
                (train.lines, val.lines) = if data.lines.is_empty() {
                    (Vec::new(), Vec::new())
                } else {
                    (data.lines[..n].to_vec(), data.lines[n..].to_vec())
                };
                (train, Some(val))
            }
            (None, Some(spec)) => {
                // The training data's columns, by name, in any order.
                let val = load_all_columns(spec, seed, limit)?
                    .select(&data.feature_names, &data.target_names)
                    .map_err(|e| Failure::input(format!("--validation-data: {e}")))?;
                if val.feature_names != data.feature_names || val.target_names != data.target_names
                {
                    return Err(Failure::input(format!(
                        "--validation-data {}: its columns ({}; target {}) differ from the training data's ({}; target {})",
                        val.source,
                        name_list(&val.feature_names),
                        name_list(&val.target_names),
                        name_list(&data.feature_names),
                        name_list(&data.target_names)
                    )));
                }
                (data, Some(val))
            }
            (None, None) => (data, None),
        };
        if normalize {
            // Learned from the training rows only: the validation rows stay unseen.
            let learned = Normalization::adapt(&data.x)?;
            match (&a.model, &model.normalization) {
                // The weights were learned on inputs scaled the kept way: another
                // scaling under them is not a continuation but a different model.
                (Some(path), Some(kept)) if *kept != learned => {
                    return Err(Failure::input(format!(
                        "--normalize: {} keeps the normalisation learned from the data it was trained on, and its \
                         weights expect inputs scaled that way; {} gives another one. Leave out \
                         --normalize to go on with the kept one, or leave out --model to train a new \
                         model with this data's normalisation",
                        path.display(),
                        data.source
                    )));
                }
                (Some(path), None) => note(format!(
                    "--normalize: {}'s weights were learned on unnormalised inputs; from now on they \
                     see inputs normalised with {}'s mean and standard deviation",
                    path.display(),
                    data.source
                )),
                _ => {}
            }
            model.normalization = Some(learned);
        }
        let x = model_input(&model, &data.x, &data.source)?;
        check_loss(&model.network, &data, settings.loss)?;
        let validation_inputs = match &validation {
            Some(val) => {
                check_loss(&model.network, val, settings.loss)?;
                Some((model_input(&model, &val.x, &val.source)?, val.y.clone()))
            }
            None => None,
        };
        let (x, fit_data) = repeated(x, &data, repeat)?;
        let fit_data = fit_data.into_owned();
        let causes = divergence_causes(&model, &data);
        Ok(Prepared {
            model,
            data,
            validation_data: validation,
            validation: validation_inputs,
            x,
            fit_data,
            resume,
            seed,
            settings,
            repeat,
            causes,
        })
    }
}

impl Prepared {
    /// The line that opens a run: the network, the data, the loss, the
    /// optimizer, the path and the precision.
    pub fn describe(&self, float: Float) -> String {
        let rows = match self.repeat {
            1 => plural(self.data.x.nrows(), "row"),
            n => format!("{} repeated {n} times", plural(self.data.x.nrows(), "row")),
        };
        let s = &self.settings;
        format!(
            "Training {:?} ({} parameters) on {} ({rows}; features: {}; target: {}), {} loss, {} lr {}, {} path, {}",
            self.model.network.widths(),
            self.model.network.param_count(),
            self.data.source,
            name_list(&self.data.feature_names),
            name_list(&self.data.target_names),
            s.loss,
            s.optimizer.name(),
            s.optimizer.learning_rate(),
            s.path,
            float.name()
        )
    }

    /// Trains the model in place in `float`, continuing `self.resume`,
    /// calling `progress` after every step and epoch.
    pub fn fit(
        &mut self,
        float: Float,
        progress: impl FnMut(Progress) -> ControlFlow<()>,
    ) -> CliResult<History> {
        let validation = self.validation.as_ref().map(|(x, y)| (x, y));
        let causes = &self.causes;
        Ok(match float {
            Float::F64 => fit_resumed(
                &mut self.model.network,
                &self.x,
                &self.fit_data.y,
                validation,
                &self.settings,
                &mut self.resume,
                progress,
            )
            .map_err(|e| explained(e, causes))?,
            Float::F32 => {
                let (history, trained) = fit_in::<f32>(
                    &self.model.network,
                    &self.x,
                    &self.fit_data,
                    validation,
                    (&self.settings, &mut self.resume, causes),
                    progress,
                )?;
                self.model.network = trained;
                history
            }
        })
    }
}

/// The optimizer to train with and where to start from: with `--model`, the
/// optimizer it was trained with (at the rate `--lr` gives, else its own)
/// and its state, so that training continues exactly; a model file without
/// that state, or another `--optimizer`, starts the optimizer afresh, with
/// a note.
fn resumed(a: &FitFlags, saved: Option<&Training>, lab_rate: Option<f64>) -> (Optimizer, Resume) {
    let saved_optimizer = saved.and_then(|t| t.resume.optimizer.as_ref());
    let kind = a
        .optimizer
        .or(saved_optimizer.map(|s| s.optimizer))
        .unwrap_or(Optimizer::adam(dualpath::train::optim::ADAM_LEARNING_RATE));
    let same = saved_optimizer.is_some_and(|s| s.optimizer.name() == kind.name());
    let lr = match (a.lr, saved_optimizer) {
        (Some(lr), _) => lr,
        (None, Some(s)) if same => s.optimizer.learning_rate(),
        _ => lab_rate.unwrap_or_else(|| kind.default_learning_rate()),
    };
    let optimizer = match saved_optimizer {
        // The saved settings (Adam's betas and epsilon) with the rate chosen.
        Some(s) if same => s.optimizer.with_learning_rate(lr),
        _ => kind.with_learning_rate(lr),
    };
    if let Some(path) = &a.model {
        match (saved, saved_optimizer) {
            (Some(t), Some(s)) if !same => note(format!(
                "{} was trained with {}; training with {} starts its state afresh \
                 (after {} epochs)",
                path.display(),
                s.optimizer.name(),
                kind.name(),
                t.resume.epochs_done
            )),
            (None, _) | (_, None) => note(format!(
                "{} holds no optimizer state (no \"training\" part): {} starts afresh, and the \
                 shuffling from the seed's first epoch",
                path.display(),
                kind.name()
            )),
            _ => {}
        }
    }
    let resume = match saved {
        Some(t) if same => t.resume.clone(),
        // Another optimizer: its state is new, the shuffling goes on.
        Some(t) => Resume {
            epochs_done: t.resume.epochs_done,
            optimizer: None,
        },
        None => Resume::default(),
    };
    (optimizer, resume)
}

/// The most values `--repeat` may make of the network's inputs (2 GiB of `f64`).
const MAX_REPEATED_VALUES: usize = 1 << 28;

/// The network's inputs `x` and the data's targets and line numbers,
/// repeated `times` times one after the other, as NumPy's
/// `np.tile(x, (times, 1))`; borrowed as they are when `times` is 1.
fn repeated<'d>(
    x: DMatrix<f64>,
    data: &'d Dataset,
    times: usize,
) -> CliResult<(DMatrix<f64>, Cow<'d, Dataset>)> {
    if times == 1 {
        return Ok((x, Cow::Borrowed(data)));
    }
    let values = (x.ncols() + data.y.ncols()).max(1);
    let rows = x.nrows().checked_mul(times);
    if rows
        .and_then(|r| r.checked_mul(values))
        .is_none_or(|v| v > MAX_REPEATED_VALUES)
    {
        return Err(Failure::input(format!(
            "--repeat {times}: {} of {values} values each, repeated {times} times, is more than \
             {MAX_REPEATED_VALUES} values; repeat fewer times, or train for more epochs",
            plural(x.nrows(), "row")
        )));
    }
    let tile = |m: &DMatrix<f64>| {
        DMatrix::from_fn(m.nrows() * times, m.ncols(), |i, j| m[(i % m.nrows(), j)])
    };
    let mut copy = data.clone();
    copy.y = tile(&data.y);
    copy.lines = data.lines.repeat(times);
    Ok((tile(&x), Cow::Owned(copy)))
}

/// `fit` in the type `T`: the network, the inputs and the targets rounded
/// to `T`, trained, and the trained weights back in `f64` (exactly, for
/// `f32`). A value that does not fit in `T` is refused, naming where it is.
fn fit_in<T: Real>(
    network: &Network<f64>,
    x: &DMatrix<f64>,
    data: &Dataset,
    validation: Option<(&DMatrix<f64>, &DMatrix<f64>)>,
    (settings, resume, causes): (&FitSettings, &mut Resume, &str),
    progress: impl FnMut(Progress) -> ControlFlow<()>,
) -> CliResult<(History, Network<f64>)> {
    let mut net = network.cast::<T>();
    for (values, name) in net.parameters().zip(network.parameter_names()) {
        if let Some(v) = values.iter().find(|v| !v.is_finite()) {
            return Err(Failure::input(format!(
                "the model's {name} holds a value that does not fit in {} ({v}); train in f64",
                T::NAME
            )));
        }
    }
    let features = format!("{} (features, as the network takes them)", data.source);
    let x_t = rounded::<T>(x, (&features, &data.feature_names), &data.lines)?;
    let targets = format!("{} (targets)", data.source);
    let y_t = rounded::<T>(&data.y, (&targets, &data.target_names), &data.lines)?;
    let val = match validation {
        Some((xv, yv)) => Some((
            rounded::<T>(xv, ("the validation features", &data.feature_names), &[])?,
            rounded::<T>(yv, ("the validation targets", &data.target_names), &[])?,
        )),
        None => None,
    };
    let history = fit_resumed(
        &mut net,
        &x_t,
        &y_t,
        val.as_ref().map(|(x, y)| (x, y)),
        settings,
        resume,
        progress,
    )
    .map_err(|e| explained(e, causes))?;
    Ok((history, net.cast::<f64>()))
}

/// Features this large, unnormalised, are a likely cause of divergence.
const LARGE_FEATURE: f64 = 100.0;
/// An L2 factor this large is a likely cause of divergence (Keras' usual is 0.01 or less).
const LARGE_L2: f64 = 1.0;

/// What in the setup, besides the learning rate, can make training diverge:
/// a large L2 factor in `--layers`, or features of large magnitude that are
/// not normalised. Empty when neither holds.
fn divergence_causes(model: &Model, data: &Dataset) -> String {
    let mut causes = Vec::new();
    let large: Vec<String> = model
        .network
        .layers()
        .iter()
        .enumerate()
        .filter(|(_, layer)| layer.l2() >= LARGE_L2)
        .map(|(l, layer)| format!("layer {} l2={}", l + 1, layer.l2()))
        .collect();
    if !large.is_empty() {
        causes.push(format!(
            "--layers gives {}, a large penalty (Keras' usual is 0.01 or less)",
            large.join(", ")
        ));
    }
    if model.normalization.is_none() {
        let widest = (0..data.x.ncols())
            .map(|j| (j, data.x.column(j).amax()))
            .fold(None, |best: Option<(usize, f64)>, (j, m)| match best {
                Some((_, b)) if b >= m => best,
                _ => Some((j, m)),
            });
        if let Some((j, m)) = widest.filter(|&(_, m)| m >= LARGE_FEATURE) {
            causes.push(format!(
                "the features are not normalised and {} reaches {m:e} in magnitude (add --normalize)",
                column_name(&data.feature_names, j)
            ));
        }
    }
    if causes.is_empty() {
        String::new()
    } else {
        format!("; the setup may cause it too: {}", causes.join("; and "))
    }
}

/// A divergence, with what in the setup may have caused it.
fn explained(e: dualpath::Error, causes: &str) -> Failure {
    match e {
        dualpath::Error::Diverged { .. } => Failure::input(format!("{e}{causes}")),
        e => e.into(),
    }
}

/// `m` rounded to `T`, or an error naming the first value out of `T`'s
/// range: its file line when `lines` gives the rows' lines, else its row.
fn rounded<T: Real>(
    m: &DMatrix<f64>,
    (what, names): (&str, &[String]),
    lines: &[usize],
) -> CliResult<DMatrix<T>> {
    let t = m.map(T::of_f64);
    if let Some(k) = t.iter().position(|v| !v.is_finite()) {
        let (row, col) = (k % m.nrows(), k / m.nrows());
        let place = match lines.get(row) {
            Some(line) => format!("line {line}"),
            None => format!("row {}", row + 1),
        };
        return Err(Failure::input(format!(
            "{what}: {place}, {}: {} does not fit in {} (largest {:e}); train in f64",
            column_name(names, col),
            m[(row, col)],
            T::NAME,
            T::max_value().map_or(f64::INFINITY, Real::as_f64)
        )));
    }
    Ok(t)
}
