//! Model files: a trained network (and the normalisation its inputs need) as
//! JSON in Keras' layout, readable and writable by hand.
//!
//! ```json
//! {
//!   "layers": [
//!     {
//!       "units": 3,
//!       "activation": "sigmoid",
//!       "kernel": [
//!         [-8.93, 0.29, 12.9],
//!         [-0.1, -7.32, 10.82]
//!       ],
//!       "bias": [-9.82, -9.28, 0.96]
//!     },
//!     {
//!       "units": 1,
//!       "activation": "sigmoid",
//!       "kernel": [[-31.18], [-27.59], [-32.56]],
//!       "bias": [15.41]
//!     }
//!   ],
//!   "normalization": { "mean": [216.9, 13.5], "std": [39.7, 1.1] },
//!   "features": ["temperature", "duration"],
//!   "targets": ["good_roast"],
//!   "loss": "bce"
//! }
//! ```
//!
//! | field | meaning | Keras |
//! | --- | --- | --- |
//! | `units` | the layer's width | `Dense(units, ...)` |
//! | `activation` | `linear`, `relu`, `sigmoid` or `tanh` | `activation=` |
//! | `kernel` | `W`, `n_in` rows of `units` numbers: row `i` holds input `i`'s weight into every unit | `layer.get_weights()[0]` |
//! | `bias` | `b`, `units` numbers | `layer.get_weights()[1]` |
//! | `l2` | optional, default 0: the kernel's L2 factor, the loss gains `l2·ΣW²` | `kernel_regularizer=L2(l2)` |
//! | `normalization` | optional: `mean` and `std`, one per input feature | `Normalization`'s `mean` and `sqrt(variance)` |
//! | `features` | optional: the name of each input, in the order the network takes them | the columns given to `fit` |
//! | `targets` | optional: the names of the target columns (one class id column for `scce`) | the label columns |
//! | `loss` | optional: the loss it was trained with, `bce`, `mse`, `scce` or `cce` | `model.compile(loss=...)` |
//! | `from_logits` | optional, default `false`: the last layer's outputs are logits | `from_logits=True` |
//! | `training` | optional: where training left off, the epochs done, the seed, the optimizer and its state (see [`crate::io::training`]) | the optimizer's variables, `optimizer.iterations` |
//!
//! `activation` may also be `softmax`, on the last layer only. The `loss`
//! tells `dualpath predict` what the outputs mean: with `from_logits`, the
//! probabilities are the sigmoid or softmax of the outputs.
//!
//! The network's input size is the first kernel's number of rows, and each
//! kernel has as many rows as the layer before it has units.
//!
//! `features` is what lets a data file's columns be read by name, in any
//! order, rather than by position: `dualpath train` records the names of the
//! columns it trained on, and every command that reads data for a model picks
//! those columns. Files written before the names were recorded have neither
//! `features` nor `targets`; they still load, and their data is read by
//! position. Names must be non-empty and distinct, with one `features` name
//! per input; no name may be both a feature and a target.
//!
//! Numbers are written in the shortest form that reads back as the same
//! `f64`, and read with correct rounding (`serde_json`'s `float_roundtrip`
//! parsing), so saving and loading changes no bit of any weight.
//!
//! Errors name the file. Text that is not JSON, a value of the wrong type
//! (a string where a number belongs), a number too large for `f64`, and a
//! missing, unknown or repeated key are reported with the line and column
//! (both counted from 1, columns in characters, as an editor shows them).
//! Layers that do not make a network are reported by layer (counted from 1,
//! input side first) and field, e.g.
//! `model.json: layer 2 "kernel" has 4 rows but layer 1 has 3 units`; rows
//! and values inside a kernel are counted from 1 too.

use crate::error::{Error, Result};
use crate::io::data::Normalization;
use crate::io::files::{io_reason, write_atomically};
use crate::io::json::{JsonObject, Object, number_list};
pub use crate::io::training::Training;
use crate::io::training::{TrainingFile, read_training, write_training};
use crate::nn::activation::Activation;
use crate::nn::loss::Loss;
use crate::nn::network::{Dense, Network};
use nalgebra::{DMatrix, DVector};
use serde::Deserialize;
use std::fmt::Write as _;
use std::path::Path;

/// A network and, if its inputs are to be standardised first, the
/// normalisation learned from the training data.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    /// The layers.
    pub network: Network<f64>,
    /// Applied to the raw features before the first layer, when present.
    pub normalization: Option<Normalization>,
    /// The loss it was trained with, if known: it says what the outputs are
    /// (probabilities, or logits when [`Loss::from_logits`]).
    pub loss: Option<Loss>,
    /// The name of each input feature, in the network's input order, when
    /// known: data is then read by column name (see [`Model::with_names`]).
    pub feature_names: Option<Vec<String>>,
    /// The names of the target columns it was trained on, when known.
    pub target_names: Option<Vec<String>>,
    /// Where training left off, when it was trained: the epochs done, the
    /// optimizer's state and the seed of the shuffling, so that
    /// `dualpath train --model` continues exactly (see [`Training`]).
    pub training: Option<Training>,
}

impl Model {
    /// A model from a network and an optional normalisation of its inputs.
    ///
    /// # Errors
    /// [`Error::Shape`] if the normalisation is not for `network.n_in()` features.
    pub fn new(network: Network<f64>, normalization: Option<Normalization>) -> Result<Self> {
        if let Some(norm) = &normalization {
            norm.check_features(network.n_in())?;
        }
        Ok(Model {
            network,
            normalization,
            loss: None,
            feature_names: None,
            target_names: None,
            training: None,
        })
    }

    /// The same model, recording the names of its input features (one per
    /// input, in the network's order) and of its target columns.
    ///
    /// ```
    /// use dualpath::io::model::Model;
    /// use dualpath::{Activation, Network};
    /// let net = Network::<f64>::new(2, &[(1, Activation::Sigmoid)], 0)?;
    /// let model = Model::new(net, None)?.with_names(
    ///     vec!["temperature".into(), "duration".into()],
    ///     vec!["good_roast".into()],
    /// )?;
    /// assert_eq!(model.feature_names.as_deref(), Some(&["temperature".to_string(), "duration".to_string()][..]));
    /// # Ok::<(), dualpath::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] if there is not one feature name per input,
    /// a name is empty or repeated, or a name is both a feature and a target.
    pub fn with_names(mut self, features: Vec<String>, targets: Vec<String>) -> Result<Self> {
        check_names(&features, &targets, self.n_in()).map_err(|detail| Error::InvalidSetting {
            name: "column names".into(),
            detail,
        })?;
        self.feature_names = Some(features);
        self.target_names = (!targets.is_empty()).then_some(targets);
        Ok(self)
    }

    /// The model's outputs for the network's outputs `a`, `(m, n_out)`, as
    /// probabilities when they are logits of a known loss (the sigmoid of
    /// each for binary cross-entropy, the softmax of each row for the
    /// categorical ones); `a` itself otherwise.
    pub fn probabilities(&self, a: &DMatrix<f64>) -> DMatrix<f64> {
        match self.loss {
            Some(l) if l.from_logits() && l.is_elementwise() => {
                a.map(crate::nn::activation::sigmoid)
            }
            Some(l) if l.from_logits() => {
                let mut p = DMatrix::zeros(a.nrows(), a.ncols());
                Activation::Softmax.activate(a, &mut p);
                p
            }
            _ => a.clone(),
        }
    }

    /// Features per example the model takes (before normalisation).
    pub fn n_in(&self) -> usize {
        self.network.n_in()
    }

    /// The network's input for raw features `x`, `(m, n_in)` → `(m, n_in)`:
    /// `x` normalised when the model has a normalisation, `x` itself otherwise.
    /// Pass the result to [`crate::Path::forward`].
    ///
    /// ```
    /// use dualpath::io::data::Normalization;
    /// use dualpath::io::model::Model;
    /// use dualpath::{Activation, Network};
    /// use nalgebra::dmatrix;
    /// let net = Network::<f64>::new(2, &[(1, Activation::Sigmoid)], 0)?;
    /// let norm = Normalization::new(vec![200.0, 13.0], vec![40.0, 1.0])?;
    /// let model = Model::new(net, Some(norm))?;
    /// assert_eq!(model.network_input(&dmatrix![240.0, 12.0])?, dmatrix![1.0, -1.0]);
    /// # Ok::<(), dualpath::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Network::check_input`]: no rows, the wrong number of columns, or
    /// a non-finite value.
    pub fn network_input(&self, x: &DMatrix<f64>) -> Result<DMatrix<f64>> {
        self.network.check_input(x)?;
        Ok(match &self.normalization {
            Some(norm) => {
                norm.check_features(x.ncols())?;
                norm.apply(x)
            }
            None => x.clone(),
        })
    }

    /// Reads a model file.
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be read; [`Error::Model`] if it is not
    /// UTF-8, not JSON, or does not describe a network (see
    /// [`Model::from_json_str`]).
    pub fn load(path: &Path) -> Result<Self> {
        let source = path.display().to_string();
        let bytes = read_bounded(path, &source)?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let before = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line_start = before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1);
            let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
            Error::Model {
                path: source.clone(),
                at: Some((line, chars(&before[line_start..]) + 1)),
                layer: None,
                field: None,
                detail: "the file is not UTF-8 text".into(),
            }
        })?;
        Self::from_json_str(&text, &source)
    }

    /// Writes the model to `path`, replacing any file there.
    ///
    /// The text goes first to a new temporary file in the same folder, which
    /// is then renamed over `path`: a rename within one folder is atomic, so
    /// `path` holds either the old file or the complete new one, never half a
    /// model, even if the program stops midway.
    ///
    /// # Errors
    /// [`Error::Io`], naming `path`, if the folder does not exist or cannot be
    /// written; the errors of [`Model::to_json_string`].
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = self.to_json_string()?;
        write_atomically(path, text.as_bytes())
    }

    /// Parses a model from JSON text; `source` names it in error messages (use
    /// the file name).
    ///
    /// ```
    /// use dualpath::io::model::Model;
    /// let text = r#"{"layers": [{"units": 1, "activation": "linear",
    ///                 "kernel": [[2.0], [3.0]], "bias": [0.5]}]}"#;
    /// let model = Model::from_json_str(text, "model.json")?;
    /// assert_eq!(model.network.widths(), [2, 1]);
    /// assert_eq!(model.network.layers()[0].w()[(1, 0)], 3.0);
    ///
    /// let wrong = text.replace("[0.5]", "[0.5, 1.5]");
    /// assert_eq!(
    ///     Model::from_json_str(&wrong, "model.json").unwrap_err().to_string(),
    ///     r#"model.json: layer 1 "bias" has 2 values but "units" is 1"#
    /// );
    ///
    /// let typo = text.replace("\"bias\"", "\"bais\"");
    /// assert_eq!(
    ///     Model::from_json_str(&typo, "model.json").unwrap_err().to_string(),
    ///     "model.json, line 2, column 48: unknown field `bais`, \
    ///      expected one of `units`, `activation`, `kernel`, `bias`, `l2`"
    /// );
    /// # Ok::<(), dualpath::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Model`], with the line and column, for text that is not JSON,
    /// a value of the wrong type, a number too large for `f64`, and a missing,
    /// unknown or repeated key; and, naming the layer and the field, for a
    /// layer whose `units`, `kernel` and `bias` disagree, for kernels that do
    /// not chain (a layer's rows must equal the previous layer's units), for
    /// an unknown activation, and for a normalisation whose lengths are not
    /// the input size or whose `std` is negative.
    pub fn from_json_str(text: &str, source: &str) -> Result<Self> {
        // A byte-order mark, as some Windows editors write at the start of
        // UTF-8 text, is not part of the JSON.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if looks_like_csv(text) {
            return Err(Error::Model {
                path: source.into(),
                at: None,
                layer: None,
                field: None,
                detail: "this looks like a CSV data file, not a model file (a model file is JSON written by train --save)".into(),
            });
        }
        let file: Object<ModelFile> =
            serde_json::from_str(text).map_err(|e| json_error(&e, text, source))?;
        file.0.into_model(source)
    }

    /// The model as pretty-printed JSON, one kernel row per line, every number
    /// in the shortest form that reads back as the same `f64`.
    ///
    /// ```
    /// use dualpath::io::model::Model;
    /// use dualpath::{Activation, Dense, Network};
    /// use nalgebra::{dmatrix, dvector};
    /// let layer = Dense::new(dmatrix![0.1, -2.0; 1e-7, 3.0], dvector![0.0, 0.5], Activation::Relu)?;
    /// let model = Model::new(Network::from_layers(vec![layer])?, None)?;
    /// let text = model.to_json_string()?;
    /// assert!(text.contains("[0.1, -2.0],\n        [1e-7, 3.0]"));
    /// assert_eq!(Model::from_json_str(&text, "model.json")?, model);
    /// # Ok::<(), dualpath::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::NonFinite`] if a weight or a normalisation value is NaN or
    /// infinite (JSON cannot hold one), [`Error::Shape`] if the normalisation
    /// does not fit the network, [`Error::InvalidSetting`] for a negative std:
    /// a file that would not load again is not written.
    pub fn to_json_string(&self) -> Result<String> {
        for (l, layer) in self.network.layers().iter().enumerate() {
            crate::nn::network::check_finite(&format!("layer {} kernel W", l + 1), layer.w())?;
            crate::nn::network::check_finite(&format!("layer {} bias b", l + 1), layer.b())?;
        }
        if let Some(norm) = &self.normalization {
            norm.check_features(self.n_in())?;
            Normalization::new(norm.mean.clone(), norm.std.clone())?;
        }

        let mut out = String::from("{\n  \"layers\": [\n");
        let layers = self.network.layers();
        for (l, layer) in layers.iter().enumerate() {
            let w = layer.w();
            let _ = write!(
                out,
                "    {{\n      \"units\": {},\n      \"activation\": \"{}\",\n      \"kernel\": [\n",
                layer.units(),
                layer.activation().name()
            );
            for r in 0..w.nrows() {
                let sep = if r + 1 < w.nrows() { "," } else { "" };
                let _ = writeln!(out, "        {}{sep}", number_list(w.row(r).iter()));
            }
            let _ = write!(
                out,
                "      ],\n      \"bias\": {}",
                number_list(layer.b().iter()),
            );
            if layer.l2() > 0.0 {
                let _ = write!(out, ",\n      \"l2\": {}", layer.l2());
            }
            let _ = write!(
                out,
                "\n    }}{}\n",
                if l + 1 < layers.len() { "," } else { "" }
            );
        }
        out.push_str("  ]");
        if let Some(norm) = &self.normalization {
            let _ = write!(
                out,
                ",\n  \"normalization\": {{\n    \"mean\": {},\n    \"std\": {}\n  }}",
                number_list(norm.mean.iter()),
                number_list(norm.std.iter())
            );
        }
        if let Some(features) = &self.feature_names {
            check_names(
                features,
                self.target_names.as_deref().unwrap_or_default(),
                self.n_in(),
            )
            .map_err(|detail| Error::InvalidSetting {
                name: "column names".into(),
                detail,
            })?;
            let _ = write!(out, ",\n  \"features\": {}", string_list(features));
        }
        if let Some(targets) = &self.target_names {
            let _ = write!(out, ",\n  \"targets\": {}", string_list(targets));
        }
        if let Some(loss) = self.loss {
            let _ = write!(out, ",\n  \"loss\": \"{}\"", loss.name());
            if loss.from_logits() {
                out.push_str(",\n  \"from_logits\": true");
            }
        }
        if let Some(t) = &self.training {
            write_training(&mut out, t, self.network.param_count())?;
        }
        out.push_str("\n}\n");
        Ok(out)
    }
}

/// The model file as written: what serde checks (JSON syntax, the keys, the
/// types of the values) before [`ModelFile::into_model`] checks that the
/// layers make a network.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelFile {
    layers: Vec<Object<LayerFile>>,
    normalization: Option<Object<NormFile>>,
    features: Option<Vec<String>>,
    targets: Option<Vec<String>>,
    loss: Option<String>,
    from_logits: Option<bool>,
    training: Option<Object<TrainingFile>>,
}

/// One layer as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LayerFile {
    units: usize,
    activation: String,
    kernel: Vec<Vec<f64>>,
    bias: Vec<f64>,
    l2: Option<f64>,
}

/// The normalisation as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NormFile {
    mean: Vec<f64>,
    std: Vec<f64>,
}

impl JsonObject for ModelFile {
    const EXPECTED: &'static str = r#"a model, an object {"layers": [...]}"#;
}

impl JsonObject for LayerFile {
    const EXPECTED: &'static str =
        r#"a layer, an object {"units": ..., "activation": ..., "kernel": [...], "bias": [...]}"#;
}

impl JsonObject for NormFile {
    const EXPECTED: &'static str = r#"a normalization, an object {"mean": [...], "std": [...]}"#;
}

impl ModelFile {
    /// Checks that the layers make a network and the normalisation fits it.
    fn into_model(self, source: &str) -> Result<Model> {
        let bad = |layer: Option<usize>, field: &str, detail: String| Error::Model {
            path: source.into(),
            at: None,
            layer,
            field: Some(field.into()),
            detail,
        };
        if self.layers.is_empty() {
            return Err(bad(
                None,
                "layers",
                "is empty; a model needs at least one layer".into(),
            ));
        }

        let mut built: Vec<Dense<f64>> = Vec::with_capacity(self.layers.len());
        for (i, Object(layer)) in self.layers.into_iter().enumerate() {
            let l = Some(i + 1);
            let LayerFile {
                units,
                activation,
                kernel,
                bias,
                l2,
            } = layer;
            if units == 0 {
                return Err(bad(
                    l,
                    "units",
                    "is 0; a layer needs at least 1 unit".into(),
                ));
            }
            let Ok(activation) = activation.parse::<Activation>() else {
                let known = Activation::ALL.map(Activation::name).join(", ");
                return Err(bad(
                    l,
                    "activation",
                    format!("is {activation:?}, which is not one of {known}"),
                ));
            };
            for (r, row) in kernel.iter().enumerate() {
                if row.len() != units {
                    return Err(bad(
                        l,
                        "kernel",
                        format!(
                            "row {} has {} {} but \"units\" is {units}",
                            r + 1,
                            row.len(),
                            plural(row.len(), "value", "values")
                        ),
                    ));
                }
            }
            if bias.len() != units {
                return Err(bad(
                    l,
                    "bias",
                    format!(
                        "has {} {} but \"units\" is {units}",
                        bias.len(),
                        plural(bias.len(), "value", "values")
                    ),
                ));
            }
            let rows = kernel.len();
            if rows == 0 {
                return Err(bad(
                    l,
                    "kernel",
                    "has no rows; it needs one row per input".into(),
                ));
            }
            if let Some(prev) = built.last()
                && rows != prev.units()
            {
                return Err(bad(
                    l,
                    "kernel",
                    format!(
                        "has {rows} {} but layer {i} has {} {}",
                        plural(rows, "row", "rows"),
                        prev.units(),
                        plural(prev.units(), "unit", "units")
                    ),
                ));
            }
            let w = DMatrix::from_row_iterator(rows, units, kernel.into_iter().flatten());
            let layer =
                Dense::new(w, DVector::from_vec(bias), activation).map_err(|e| Error::Model {
                    path: source.into(),
                    at: None,
                    layer: l,
                    field: None,
                    detail: format!("is not a valid layer: {e}"),
                })?;
            let layer = layer.with_l2(l2.unwrap_or(0.0)).map_err(|_| {
                bad(
                    l,
                    "l2",
                    format!(
                        "is {}; Keras' L2 factor must be a finite number ≥ 0 (0, or no \"l2\", means none)",
                        l2.unwrap_or(0.0)
                    ),
                )
            })?;
            built.push(layer);
        }
        let network =
            Network::from_layers(built).map_err(|e| bad(None, "layers", e.to_string()))?;

        let normalization = match self.normalization {
            None => None,
            Some(Object(NormFile { mean, std })) => {
                let n_in = network.n_in();
                for (field, values) in [("normalization.mean", &mean), ("normalization.std", &std)]
                {
                    if values.len() != n_in {
                        return Err(bad(
                            None,
                            field,
                            format!(
                                "has {} {} but the network takes {n_in} {} (layer 1 \"kernel\" has {n_in} {})",
                                values.len(),
                                plural(values.len(), "value", "values"),
                                plural(n_in, "input", "inputs"),
                                plural(n_in, "row", "rows"),
                            ),
                        ));
                    }
                }
                // (serde_json refuses numbers beyond `f64`'s range, so a value
                // read from JSON is always finite; the sign is what can be wrong.)
                if let Some((j, s)) = std
                    .iter()
                    .enumerate()
                    .find(|(_, s)| !s.is_finite() || **s < 0.0)
                {
                    return Err(bad(
                        None,
                        "normalization.std",
                        format!(
                            "value {} is {s}; a standard deviation must be finite and not negative",
                            j + 1
                        ),
                    ));
                }
                Some(Normalization { mean, std })
            }
        };
        let loss = match (self.loss, self.from_logits) {
            (None, None) => None,
            (None, Some(_)) => {
                return Err(bad(
                    None,
                    "from_logits",
                    "is given without a \"loss\" to apply to".into(),
                ));
            }
            (Some(name), from_logits) => {
                let loss = name
                    .parse::<Loss>()
                    .and_then(|l| l.with_from_logits(from_logits.unwrap_or(false)))
                    .map_err(|e| bad(None, "loss", e.to_string()))?;
                loss.check_output(network.output_activation())
                    .map_err(|e| bad(None, "loss", e.to_string()))?;
                Some(loss)
            }
        };
        if self.targets.is_some() && self.features.is_none() {
            return Err(bad(
                None,
                "targets",
                "is given without \"features\"; name the inputs too, or leave both out".into(),
            ));
        }
        if let Some(features) = &self.features {
            let targets = self.targets.as_deref().unwrap_or_default();
            check_names(features, targets, network.n_in()).map_err(|detail| {
                let field = if detail.starts_with("targets") {
                    "targets"
                } else {
                    "features"
                };
                bad(
                    None,
                    field,
                    detail.trim_start_matches("targets ").to_string(),
                )
            })?;
            if let (Some(l), Some(t)) = (loss, &self.targets) {
                let want = l.target_columns(network.n_out());
                if t.len() != want {
                    return Err(bad(
                        None,
                        "targets",
                        format!(
                            "has {} {} but {} on {} {} needs {want}",
                            t.len(),
                            plural(t.len(), "name", "names"),
                            l.name(),
                            network.n_out(),
                            plural(network.n_out(), "output", "outputs"),
                        ),
                    ));
                }
            }
        }
        let training = match self.training {
            None => None,
            Some(Object(t)) => Some(read_training(t, network.param_count(), |field, detail| {
                bad(None, field, detail)
            })?),
        };
        Ok(Model {
            network,
            normalization,
            loss,
            feature_names: self.features,
            target_names: self.targets.filter(|t| !t.is_empty()),
            training,
        })
    }
}

/// The largest model file read: far above any network a course exercise
/// trains (the notes' network is 3 KB, a 1000-wide layer of 1000 inputs
/// about 20 MB), and bounded so that a wrong path (`/dev/zero`, a disk
/// image) is refused rather than read until the memory runs out.
pub const MAX_MODEL_FILE_SIZE: u64 = 1 << 30;

/// The file's bytes, refused at once if its start holds a NUL byte (no JSON
/// text does), and once more than [`MAX_MODEL_FILE_SIZE`] have been read. A
/// start that is not UTF-8 is returned alone, for [`Model::load`] to name.
fn read_bounded(path: &Path, source: &str) -> Result<Vec<u8>> {
    use std::io::Read;
    let io = |e: std::io::Error| Error::Io {
        path: source.into(),
        detail: format!("cannot read the model file: {}", io_reason(&e)),
    };
    let refuse = |detail: String| Error::Model {
        path: source.into(),
        at: None,
        layer: None,
        field: None,
        detail,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(io(std::io::Error::from(std::io::ErrorKind::IsADirectory)));
    }
    let mut bytes = Vec::new();
    (&mut file)
        .take(8 << 10)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if let Err(e) = std::str::from_utf8(&bytes)
        && e.error_len().is_some()
        && !bytes[..e.valid_up_to()].contains(&0)
    {
        // Not UTF-8 before any NUL: the start is enough for the message,
        // which gives the line and column.
        return Ok(bytes);
    }
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        return Err(refuse(format!(
            "this is not a text file (byte {at} is a NUL byte); expected a JSON model file"
        )));
    }
    file.take(MAX_MODEL_FILE_SIZE + 1 - bytes.len() as u64)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_MODEL_FILE_SIZE {
        return Err(refuse(format!(
            "the file is larger than {} GiB, far more than any model; is it the model file?",
            MAX_MODEL_FILE_SIZE >> 30
        )));
    }
    Ok(bytes)
}

/// Checks column names: one non-empty, distinct feature name per input,
/// target names non-empty and distinct from each other and the features.
/// The message starts "targets " when the target names are at fault.
fn check_names(
    features: &[String],
    targets: &[String],
    n_in: usize,
) -> std::result::Result<(), String> {
    if features.len() != n_in {
        return Err(format!(
            "has {} {} but the network takes {n_in} {} (layer 1 \"kernel\" has {n_in} {})",
            features.len(),
            plural(features.len(), "name", "names"),
            plural(n_in, "input", "inputs"),
            plural(n_in, "row", "rows"),
        ));
    }
    let mut seen = std::collections::HashSet::with_capacity(features.len() + targets.len());
    for (list, names) in [("", features), ("targets ", targets)] {
        for (i, name) in names.iter().enumerate() {
            if name.trim().is_empty() {
                return Err(format!(
                    "{list}name {} is empty; every column needs a name",
                    i + 1
                ));
            }
            if !seen.insert(name.as_str()) {
                return Err(format!(
                    "{list}name {} ({name:?}) is used twice; every column needs its own name",
                    i + 1
                ));
            }
        }
    }
    Ok(())
}

/// `["a", "b"]`, as JSON strings.
fn string_list(names: &[String]) -> String {
    let items: Vec<String> = names
        .iter()
        .map(|n| serde_json::to_string(n).unwrap_or_else(|_| "\"\"".into()))
        .collect();
    format!("[{}]", items.join(", "))
}

/// A JSON error (syntax, a value of the wrong type, a missing, unknown or
/// repeated key, a number out of range) as an [`Error::Model`] with its place.
fn json_error(e: &serde_json::Error, text: &str, source: &str) -> Error {
    let message = e.to_string();
    let (at, detail) = if e.line() == 0 {
        (None, message)
    } else {
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        let detail = message
            .strip_suffix(&suffix)
            .map_or_else(|| message.clone(), String::from);
        // serde_json's column counts the bytes read on the line; an editor
        // counts characters, and from 1.
        let line_start: usize = text
            .split_inclusive('\n')
            .take(e.line() - 1)
            .map(str::len)
            .sum();
        let read = text
            .as_bytes()
            .get(line_start..(line_start + e.column()).min(text.len()))
            .unwrap_or_default();
        // The two ways a weight that is not a finite f64 shows up, said in
        // words: NaN and infinities are not JSON, and 1e999 does not fit.
        let here = text
            .get(line_start + e.column().saturating_sub(1)..)
            .unwrap_or_default();
        let word = here.trim_start_matches(['-', '+']).to_ascii_lowercase();
        let detail = if (detail == "expected value" || detail == "invalid number")
            && (word.starts_with("nan") || word.starts_with("inf"))
        {
            format!(
                "{detail}: NaN and infinities are not numbers in JSON; every weight must be a finite number"
            )
        } else if detail == "number out of range" {
            format!(
                "{detail}: every number must be finite and fit in a 64-bit float (magnitude below about 1.8e308)"
            )
        } else {
            detail
        };
        (Some((e.line(), chars(read).max(1))), detail)
    };
    Error::Model {
        path: source.into(),
        at,
        layer: None,
        field: None,
        detail,
    }
}

/// Whether `text` reads as rows of comma-, semicolon- or tab-separated
/// values rather than JSON: its first line does not open a JSON value and
/// holds a separator.
fn looks_like_csv(text: &str) -> bool {
    let first = text.lines().next().unwrap_or_default().trim();
    !first.is_empty() && !first.starts_with(['{', '[', '"']) && first.contains([',', ';', '\t'])
}

/// The characters in UTF-8 `bytes` (those not continuing a character).
fn chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count()
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}
