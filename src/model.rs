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
//!   "normalization": { "mean": [216.9, 13.5], "std": [39.7, 1.1] }
//! }
//! ```
//!
//! | field | meaning | Keras |
//! | --- | --- | --- |
//! | `units` | the layer's width | `Dense(units, ...)` |
//! | `activation` | `linear`, `relu`, `sigmoid` or `tanh` | `activation=` |
//! | `kernel` | `W`, `n_in` rows of `units` numbers: row `i` holds input `i`'s weight into every unit | `layer.get_weights()[0]` |
//! | `bias` | `b`, `units` numbers | `layer.get_weights()[1]` |
//! | `normalization` | optional: `mean` and `std`, one per input feature | `Normalization`'s `mean` and `sqrt(variance)` |
//!
//! The network's input size is the first kernel's number of rows, and each
//! kernel has as many rows as the layer before it has units.
//!
//! Numbers are written in the shortest form that reads back as the same
//! `f64`, and read with correct rounding, so saving and loading changes no bit
//! of any weight. (The file is parsed here rather than by `serde_json`, whose
//! default number parsing can be one unit in the last place off; without that
//! guarantee a saved model would not load back to the same network.)
//!
//! Errors name the file, the line and column, the layer (counted from 1) and
//! the field; rows and values inside a kernel are counted from 1 too, as an
//! editor shows lines.

use crate::activation::Activation;
use crate::data::{Normalization, io_reason};
use crate::error::{Error, Result};
use crate::network::{Dense, Network};
use nalgebra::{DMatrix, DVector};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

/// A network and, if its inputs are to be standardised first, the
/// normalisation learned from the training data.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    /// The layers.
    pub network: Network<f64>,
    /// Applied to the raw features before the first layer, when present.
    pub normalization: Option<Normalization>,
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
        })
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
    /// use dualpath::data::Normalization;
    /// use dualpath::model::Model;
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
        let bytes = std::fs::read(path).map_err(|e| Error::Io {
            path: source.clone(),
            detail: format!("cannot read the model file: {}", io_reason(&e)),
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let before = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            Error::Model {
                path: source.clone(),
                at: Some(json::position_of(
                    std::str::from_utf8(before).unwrap_or(""),
                    before.len(),
                )),
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
    /// use dualpath::model::Model;
    /// let text = r#"{"layers": [{"units": 1, "activation": "linear",
    ///                 "kernel": [[2.0], [3.0]], "bias": [0.5]}]}"#;
    /// let model = Model::from_json_str(text, "model.json")?;
    /// assert_eq!(model.network.widths(), [2, 1]);
    /// assert_eq!(model.network.layers()[0].w()[(1, 0)], 3.0);
    ///
    /// let wrong = text.replace("[0.5]", "[0.5, 1.5]");
    /// assert_eq!(
    ///     Model::from_json_str(&wrong, "model.json").unwrap_err().to_string(),
    ///     r#"model.json, line 2, column 51: layer 1 "bias" has 2 values but "units" is 1"#
    /// );
    /// # Ok::<(), dualpath::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Model`] with the line and column for text that is not JSON;
    /// for a missing, unknown or repeated key; for a layer whose `units`,
    /// `kernel` and `bias` disagree; for kernels that do not chain (a layer's
    /// rows must equal the previous layer's units); for an unknown activation;
    /// for a number too large for `f64`; and for a normalisation whose lengths
    /// are not the input size or whose `std` is negative.
    pub fn from_json_str(text: &str, source: &str) -> Result<Self> {
        let root = json::parse(text).map_err(|e| Error::Model {
            path: source.into(),
            at: Some(e.at),
            layer: None,
            field: None,
            detail: e.detail,
        })?;
        Reader { source }.model(&root)
    }

    /// The model as pretty-printed JSON, one kernel row per line, every number
    /// in the shortest form that reads back as the same `f64`.
    ///
    /// ```
    /// use dualpath::model::Model;
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
            crate::network::check_finite(&format!("layer {} kernel W", l + 1), layer.w())?;
            crate::network::check_finite(&format!("layer {} bias b", l + 1), layer.b())?;
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
                let _ = writeln!(out, "        {}{sep}", json::list(w.row(r).iter()));
            }
            let _ = write!(
                out,
                "      ],\n      \"bias\": {}\n    }}{}\n",
                json::list(layer.b().iter()),
                if l + 1 < layers.len() { "," } else { "" }
            );
        }
        out.push_str("  ]");
        if let Some(norm) = &self.normalization {
            let _ = write!(
                out,
                ",\n  \"normalization\": {{\n    \"mean\": {},\n    \"std\": {}\n  }}",
                json::list(norm.mean.iter()),
                json::list(norm.std.iter())
            );
        }
        out.push_str("\n}\n");
        Ok(out)
    }
}

/// Writes `bytes` to a fresh temporary file beside `path`, then renames it
/// over `path`; on failure the temporary file is removed.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);

    let shown = path.display().to_string();
    let fail = |detail: String| Error::Io {
        path: shown.clone(),
        detail,
    };
    let Some(name) = path.file_name() else {
        return Err(fail("cannot save: this names a folder, not a file".into()));
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(fail(format!(
            "cannot save: the folder {:?} does not exist",
            dir.display().to_string()
        )));
    }
    let tmp = dir.join(format!(
        ".{}.{}-{}.tmp",
        name.to_string_lossy(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .and_then(|mut file| {
            file.write_all(bytes)?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&tmp, path));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(format!("cannot save: {}", io_reason(&e)))
    })
}

/// Turns a parsed JSON tree into a [`Model`], checking every field.
struct Reader<'a> {
    source: &'a str,
}

/// A checked layer, before it becomes a [`Dense`].
struct LayerSpec {
    units: usize,
    activation: Activation,
    kernel: Vec<Vec<f64>>,
    kernel_at: (usize, usize),
    bias: Vec<f64>,
}

impl Reader<'_> {
    fn error(
        &self,
        at: (usize, usize),
        layer: Option<usize>,
        field: Option<&str>,
        detail: impl Into<String>,
    ) -> Error {
        Error::Model {
            path: self.source.into(),
            at: Some(at),
            layer,
            field: field.map(String::from),
            detail: detail.into(),
        }
    }

    fn model(&self, root: &json::Node) -> Result<Model> {
        let members = self.object(root, None, None, &["layers", "normalization"])?;
        let Some(layers_node) = members[0] else {
            return Err(self.error(
                root.at,
                None,
                Some("layers"),
                "is missing; a model file is an object {\"layers\": [...]}",
            ));
        };
        let json::Value::Array(items) = &layers_node.value else {
            return Err(self.error(
                layers_node.at,
                None,
                Some("layers"),
                format!(
                    "must be a list of layers, found {}",
                    layers_node.value.kind()
                ),
            ));
        };
        if items.is_empty() {
            return Err(self.error(
                layers_node.at,
                None,
                Some("layers"),
                "is empty; a model needs at least one layer",
            ));
        }

        let mut built: Vec<Dense<f64>> = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let l = i + 1;
            let spec = self.layer(item, l)?;
            let rows = spec.kernel.len();
            if rows == 0 {
                return Err(self.error(
                    spec.kernel_at,
                    Some(l),
                    Some("kernel"),
                    "has no rows; it needs one row per input",
                ));
            }
            if let Some(prev) = built.last()
                && rows != prev.units()
            {
                return Err(self.error(
                    spec.kernel_at,
                    Some(l),
                    Some("kernel"),
                    format!(
                        "has {rows} {} but layer {} has {} {}",
                        plural(rows, "row", "rows"),
                        l - 1,
                        prev.units(),
                        plural(prev.units(), "unit", "units")
                    ),
                ));
            }
            let flat: Vec<f64> = spec.kernel.into_iter().flatten().collect();
            let w = DMatrix::from_row_slice(rows, spec.units, &flat);
            let layer =
                Dense::new(w, DVector::from_vec(spec.bias), spec.activation).map_err(|e| {
                    self.error(item.at, Some(l), None, format!("is not a valid layer: {e}"))
                })?;
            built.push(layer);
        }
        let network = Network::from_layers(built)
            .map_err(|e| self.error(layers_node.at, None, Some("layers"), e.to_string()))?;

        let normalization = match members[1] {
            None => None,
            Some(node) if matches!(node.value, json::Value::Null) => None,
            Some(node) => Some(self.normalization(node, network.n_in())?),
        };
        Ok(Model {
            network,
            normalization,
        })
    }

    fn layer(&self, node: &json::Node, l: usize) -> Result<LayerSpec> {
        let keys = ["units", "activation", "kernel", "bias"];
        let members = self.object(node, Some(l), None, &keys)?;
        let mut present = [node; 4];
        for (k, member) in members.iter().enumerate() {
            match member {
                Some(m) => present[k] = m,
                None => return Err(self.error(node.at, Some(l), Some(keys[k]), "is missing")),
            }
        }
        let [units_node, activation_node, kernel_node, bias_node] = present;

        let units = match &units_node.value {
            json::Value::Number(text) => text.parse::<usize>().ok().filter(|&u| u > 0),
            _ => None,
        }
        .ok_or_else(|| {
            self.error(
                units_node.at,
                Some(l),
                Some("units"),
                format!(
                    "must be a whole number of at least 1, found {}",
                    units_node.value.shown()
                ),
            )
        })?;

        let activation = match &activation_node.value {
            json::Value::String(name) => name.parse::<Activation>().ok(),
            _ => None,
        }
        .ok_or_else(|| {
            self.error(
                activation_node.at,
                Some(l),
                Some("activation"),
                format!(
                    "is {}, which is not one of linear, relu, sigmoid, tanh",
                    activation_node.value.shown()
                ),
            )
        })?;

        let json::Value::Array(rows) = &kernel_node.value else {
            return Err(self.error(
                kernel_node.at,
                Some(l),
                Some("kernel"),
                format!(
                    "must be a list of rows (one per input, each a list of {units} numbers), found {}",
                    kernel_node.value.kind()
                ),
            ));
        };
        let mut kernel = Vec::with_capacity(rows.len());
        for (r, row) in rows.iter().enumerate() {
            let what = format!("row {}", r + 1);
            let values = self.numbers(row, Some(l), "kernel", &what)?;
            if values.len() != units {
                return Err(self.error(
                    row.at,
                    Some(l),
                    Some("kernel"),
                    format!(
                        "row {} has {} {} but \"units\" is {units}",
                        r + 1,
                        values.len(),
                        plural(values.len(), "value", "values")
                    ),
                ));
            }
            kernel.push(values);
        }

        let bias = self.numbers(bias_node, Some(l), "bias", "")?;
        if bias.len() != units {
            return Err(self.error(
                bias_node.at,
                Some(l),
                Some("bias"),
                format!(
                    "has {} {} but \"units\" is {units}",
                    bias.len(),
                    plural(bias.len(), "value", "values")
                ),
            ));
        }
        Ok(LayerSpec {
            units,
            activation,
            kernel,
            kernel_at: kernel_node.at,
            bias,
        })
    }

    fn normalization(&self, node: &json::Node, n_in: usize) -> Result<Normalization> {
        let members = self.object(node, None, Some("normalization"), &["mean", "std"])?;
        let mut vectors = Vec::with_capacity(2);
        for (k, name) in ["mean", "std"].into_iter().enumerate() {
            let field = format!("normalization.{name}");
            let Some(member) = members[k] else {
                return Err(self.error(node.at, None, Some(&field), "is missing"));
            };
            let values = self.numbers(member, None, &field, "")?;
            if values.len() != n_in {
                return Err(self.error(
                    member.at,
                    None,
                    Some(&field),
                    format!(
                        "has {} {} but the network takes {n_in} {} (layer 1 \"kernel\" has {n_in} {})",
                        values.len(),
                        plural(values.len(), "value", "values"),
                        plural(n_in, "input", "inputs"),
                        plural(n_in, "row", "rows"),
                    ),
                ));
            }
            if name == "std"
                && let Some((j, s)) = values.iter().enumerate().find(|(_, s)| **s < 0.0)
            {
                return Err(self.error(
                    member.at,
                    None,
                    Some(&field),
                    format!(
                        "value {} is {s}; a standard deviation cannot be negative",
                        j + 1
                    ),
                ));
            }
            vectors.push(values);
        }
        let std = vectors.pop().unwrap_or_default();
        let mean = vectors.pop().unwrap_or_default();
        Ok(Normalization { mean, std })
    }

    /// The members of an object with exactly these possible keys, in `keys`'
    /// order (`None` for a key that is absent). `layer` and `field` say which
    /// object it is (neither for the whole file).
    fn object<'n>(
        &self,
        node: &'n json::Node,
        layer: Option<usize>,
        field: Option<&str>,
        keys: &[&str],
    ) -> Result<Vec<Option<&'n json::Node>>> {
        let subject = if layer.is_none() && field.is_none() {
            "the model file "
        } else {
            ""
        };
        let expected = keys
            .iter()
            .map(|k| format!("{k:?}"))
            .collect::<Vec<_>>()
            .join(", ");
        let json::Value::Object(members) = &node.value else {
            return Err(self.error(
                node.at,
                layer,
                field,
                format!(
                    "{subject}must be an object {{...}} with the keys {expected}, found {}",
                    node.value.kind()
                ),
            ));
        };
        let mut found = vec![None; keys.len()];
        for member in members {
            match keys.iter().position(|k| *k == member.key) {
                Some(k) => found[k] = Some(&member.value),
                None => {
                    return Err(self.error(
                        member.key_at,
                        layer,
                        field,
                        format!(
                            "{subject}has an unknown key {:?}; the keys are {expected}",
                            member.key
                        ),
                    ));
                }
            }
        }
        Ok(found)
    }

    /// A list of finite numbers, such as a bias or one kernel row.
    fn numbers(
        &self,
        node: &json::Node,
        layer: Option<usize>,
        field: &str,
        what: &str,
    ) -> Result<Vec<f64>> {
        let prefix = if what.is_empty() {
            String::new()
        } else {
            format!("{what} ")
        };
        let json::Value::Array(items) = &node.value else {
            return Err(self.error(
                node.at,
                layer,
                Some(field),
                format!(
                    "{prefix}must be a list of numbers [...], found {}",
                    node.value.kind()
                ),
            ));
        };
        items
            .iter()
            .enumerate()
            .map(|(k, item)| {
                let bad = |detail: String| {
                    self.error(
                        item.at,
                        layer,
                        Some(field),
                        format!("{prefix}value {} {detail}", k + 1),
                    )
                };
                match &item.value {
                    json::Value::Number(text) => match text.parse::<f64>() {
                        Ok(v) if v.is_finite() => Ok(v),
                        _ => Err(bad(format!("{text} is too large for a 64-bit float"))),
                    },
                    other => Err(bad(format!("must be a number, found {}", other.kind()))),
                }
            })
            .collect()
    }
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// A small JSON reader that keeps every number's text (so it can be converted
/// with correct rounding) and every value's line and column (for messages).
mod json {
    /// A parsed value and where it starts: `(line, column)`, both from 1.
    #[derive(Debug)]
    pub struct Node {
        pub value: Value,
        pub at: (usize, usize),
    }

    /// One `"key": value` pair of an object.
    #[derive(Debug)]
    pub struct Member {
        pub key: String,
        pub key_at: (usize, usize),
        pub value: Node,
    }

    /// A JSON value; numbers are kept as written.
    #[derive(Debug)]
    pub enum Value {
        Null,
        Bool(bool),
        Number(String),
        String(String),
        Array(Vec<Node>),
        Object(Vec<Member>),
    }

    impl Value {
        /// What kind of value this is, for messages: `"a string"`, `"a list"`.
        pub fn kind(&self) -> &'static str {
            match self {
                Value::Null => "null",
                Value::Bool(_) => "true or false",
                Value::Number(_) => "a number",
                Value::String(_) => "a string",
                Value::Array(_) => "a list [...]",
                Value::Object(_) => "an object {...}",
            }
        }

        /// A number, string, `true` or `false` as written, anything else by its kind.
        pub fn shown(&self) -> String {
            match self {
                Value::Number(text) => text.clone(),
                Value::String(s) => format!("{s:?}"),
                Value::Bool(b) => b.to_string(),
                other => other.kind().to_string(),
            }
        }
    }

    /// A syntax error at `(line, column)`.
    #[derive(Debug)]
    pub struct SyntaxError {
        pub at: (usize, usize),
        pub detail: String,
    }

    /// Deeper nesting than this is an error (a model file needs 4 levels),
    /// so that no input can exhaust the stack.
    const MAX_DEPTH: usize = 64;

    /// Parses one JSON value filling the whole text.
    pub fn parse(text: &str) -> Result<Node, SyntaxError> {
        let mut p = Parser {
            text,
            bytes: text.as_bytes(),
            i: 0,
            line: 1,
            col: 1,
        };
        p.skip_ws();
        if p.i == p.bytes.len() {
            return Err(p.err("the file is empty; expected a JSON object {\"layers\": [...]}"));
        }
        let root = p.value(0)?;
        p.skip_ws();
        if p.i < p.bytes.len() {
            return Err(p.err(format!(
                "unexpected {} after the end of the JSON value",
                p.found()
            )));
        }
        Ok(root)
    }

    /// `(line, column)` of byte `i` of `text` (columns count characters).
    pub fn position_of(text: &str, i: usize) -> (usize, usize) {
        let before = &text.as_bytes()[..i.min(text.len())];
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        let start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let col = 1 + before[start..]
            .iter()
            .filter(|&&b| b & 0xC0 != 0x80)
            .count();
        (line, col)
    }

    /// `[a, b, c]`, each number in the shortest form that reads back exactly
    /// (`ryu`, as `serde_json` writes them).
    pub fn list<'a>(values: impl Iterator<Item = &'a f64>) -> String {
        let items: Vec<String> = values
            .map(|v| serde_json::to_string(v).unwrap_or_else(|_| "null".into()))
            .collect();
        format!("[{}]", items.join(", "))
    }

    struct Parser<'a> {
        text: &'a str,
        bytes: &'a [u8],
        i: usize,
        line: usize,
        col: usize,
    }

    impl Parser<'_> {
        fn err(&self, detail: impl Into<String>) -> SyntaxError {
            SyntaxError {
                at: (self.line, self.col),
                detail: detail.into(),
            }
        }

        fn peek(&self) -> Option<u8> {
            self.bytes.get(self.i).copied()
        }

        /// Moves past one byte, keeping line and column (in characters) up to date.
        fn bump(&mut self) {
            if let Some(&b) = self.bytes.get(self.i) {
                self.i += 1;
                if b == b'\n' {
                    self.line += 1;
                    self.col = 1;
                } else if b & 0xC0 != 0x80 {
                    self.col += 1;
                }
            }
        }

        /// The next character, for messages.
        fn found(&self) -> String {
            match self.text.get(self.i..).and_then(|s| s.chars().next()) {
                None if self.i >= self.bytes.len() => "the end of the file".into(),
                None => "a broken character".into(),
                Some(c) => format!("{c:?}"),
            }
        }

        fn skip_ws(&mut self) {
            while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                self.bump();
            }
        }

        fn expect(&mut self, b: u8, what: &str) -> Result<(), SyntaxError> {
            self.skip_ws();
            if self.peek() == Some(b) {
                self.bump();
                Ok(())
            } else {
                Err(self.err(format!("expected {what}, found {}", self.found())))
            }
        }

        fn value(&mut self, depth: usize) -> Result<Node, SyntaxError> {
            self.skip_ws();
            let at = (self.line, self.col);
            let value = match self.peek() {
                Some(b'{') => self.object(depth + 1)?,
                Some(b'[') => self.array(depth + 1)?,
                Some(b'"') => Value::String(self.string()?),
                Some(b'-' | b'0'..=b'9') => Value::Number(self.number()?),
                Some(b't') => self.literal("true", Value::Bool(true))?,
                Some(b'f') => self.literal("false", Value::Bool(false))?,
                Some(b'n') => self.literal("null", Value::Null)?,
                _ => {
                    return Err(self.err(format!(
                        "expected a value (a number, a \"string\", a list [...] or an object {{...}}), found {}",
                        self.found()
                    )));
                }
            };
            Ok(Node { value, at })
        }

        fn literal(&mut self, word: &str, value: Value) -> Result<Value, SyntaxError> {
            if self.bytes[self.i..].starts_with(word.as_bytes()) {
                for _ in 0..word.len() {
                    self.bump();
                }
                Ok(value)
            } else {
                Err(self.err(format!(
                    "expected a value (did you mean {word}?); NaN and infinity cannot be written in JSON"
                )))
            }
        }

        fn nested(&self, depth: usize) -> Result<(), SyntaxError> {
            if depth > MAX_DEPTH {
                Err(self.err(format!(
                    "lists and objects are nested more than {MAX_DEPTH} deep"
                )))
            } else {
                Ok(())
            }
        }

        fn array(&mut self, depth: usize) -> Result<Value, SyntaxError> {
            self.nested(depth)?;
            self.bump(); // [
            let mut items = Vec::new();
            self.skip_ws();
            if self.peek() == Some(b']') {
                self.bump();
                return Ok(Value::Array(items));
            }
            loop {
                items.push(self.value(depth)?);
                self.skip_ws();
                match self.peek() {
                    Some(b',') => self.bump(),
                    Some(b']') => {
                        self.bump();
                        return Ok(Value::Array(items));
                    }
                    _ => {
                        return Err(self.err(format!(
                            "expected ',' or ']' after a list item, found {}",
                            self.found()
                        )));
                    }
                }
            }
        }

        fn object(&mut self, depth: usize) -> Result<Value, SyntaxError> {
            self.nested(depth)?;
            self.bump(); // {
            let mut members: Vec<Member> = Vec::new();
            self.skip_ws();
            if self.peek() == Some(b'}') {
                self.bump();
                return Ok(Value::Object(members));
            }
            loop {
                self.skip_ws();
                let key_at = (self.line, self.col);
                if self.peek() != Some(b'"') {
                    return Err(self.err(format!(
                        "expected a key in double quotes, found {}",
                        self.found()
                    )));
                }
                let key = self.string()?;
                if members.iter().any(|m| m.key == key) {
                    return Err(SyntaxError {
                        at: key_at,
                        detail: format!("the key {key:?} appears twice in the same object"),
                    });
                }
                self.expect(b':', "':' after the key")?;
                let value = self.value(depth)?;
                members.push(Member { key, key_at, value });
                self.skip_ws();
                match self.peek() {
                    Some(b',') => self.bump(),
                    Some(b'}') => {
                        self.bump();
                        return Ok(Value::Object(members));
                    }
                    _ => {
                        return Err(self.err(format!(
                            "expected ',' or '}}' after a value in an object, found {}",
                            self.found()
                        )));
                    }
                }
            }
        }

        fn string(&mut self) -> Result<String, SyntaxError> {
            self.bump(); // "
            let mut out = String::new();
            loop {
                let start = self.i;
                while let Some(b) = self.peek() {
                    if b == b'"' || b == b'\\' || b < 0x20 {
                        break;
                    }
                    self.bump();
                }
                out.push_str(&self.text[start..self.i]);
                match self.peek() {
                    None => {
                        return Err(self.err("the text ends inside a string (a '\"' is missing)"));
                    }
                    Some(b'"') => {
                        self.bump();
                        return Ok(out);
                    }
                    Some(b'\\') => {
                        self.bump();
                        let c = self.escape()?;
                        out.push(c);
                    }
                    Some(_) => {
                        return Err(self.err(
                            "a string cannot hold a line break or control character (close it with '\"')",
                        ));
                    }
                }
            }
        }

        fn escape(&mut self) -> Result<char, SyntaxError> {
            let c = match self.peek() {
                Some(b'"') => '"',
                Some(b'\\') => '\\',
                Some(b'/') => '/',
                Some(b'b') => '\u{8}',
                Some(b'f') => '\u{c}',
                Some(b'n') => '\n',
                Some(b'r') => '\r',
                Some(b't') => '\t',
                Some(b'u') => {
                    self.bump();
                    let high = self.hex4()?;
                    let code = if (0xD800..0xDC00).contains(&high) {
                        if !self.bytes[self.i..].starts_with(b"\\u") {
                            return Err(self
                                .err("a \\u escape of a surrogate must be followed by its pair"));
                        }
                        self.bump();
                        self.bump();
                        let low = self.hex4()?;
                        if !(0xDC00..0xE000).contains(&low) {
                            return Err(self
                                .err("a \\u escape of a surrogate must be followed by its pair"));
                        }
                        0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        high
                    };
                    return char::from_u32(code)
                        .ok_or_else(|| self.err("a \\u escape names no character"));
                }
                _ => {
                    return Err(
                        self.err(format!("unknown escape '\\' followed by {}", self.found()))
                    );
                }
            };
            self.bump();
            Ok(c)
        }

        fn hex4(&mut self) -> Result<u32, SyntaxError> {
            let mut code = 0;
            for _ in 0..4 {
                let digit = self
                    .peek()
                    .and_then(|b| (b as char).to_digit(16))
                    .ok_or_else(|| self.err("expected 4 hexadecimal digits after \\u"))?;
                code = code * 16 + digit;
                self.bump();
            }
            Ok(code)
        }

        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, returned as written.
        fn number(&mut self) -> Result<String, SyntaxError> {
            let start = self.i;
            if self.peek() == Some(b'-') {
                self.bump();
            }
            match self.peek() {
                Some(b'0') => {
                    self.bump();
                    if matches!(self.peek(), Some(b'0'..=b'9')) {
                        return Err(self.err("a number cannot have a leading zero"));
                    }
                }
                Some(b'1'..=b'9') => self.digits(),
                _ => return Err(self.err(format!("expected a digit, found {}", self.found()))),
            }
            if self.peek() == Some(b'.') {
                self.bump();
                if !matches!(self.peek(), Some(b'0'..=b'9')) {
                    return Err(self.err(format!(
                        "expected a digit after the decimal point, found {}",
                        self.found()
                    )));
                }
                self.digits();
            }
            if matches!(self.peek(), Some(b'e' | b'E')) {
                self.bump();
                if matches!(self.peek(), Some(b'+' | b'-')) {
                    self.bump();
                }
                if !matches!(self.peek(), Some(b'0'..=b'9')) {
                    return Err(self.err(format!(
                        "expected a digit in the exponent, found {}",
                        self.found()
                    )));
                }
                self.digits();
            }
            Ok(self.text[start..self.i].to_string())
        }

        fn digits(&mut self) {
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.bump();
            }
        }
    }
}
