//! What the commands share: failures and their exit codes, reading data and
//! models, parsing `--layers`, and writing files. No command imports another;
//! each imports what it needs from here.

use super::names;
use clap::Args;
use dualpath::io::data::{self, Dataset, Normalization};
use dualpath::io::files::FileIdentity;
use dualpath::io::model::Model;
use dualpath::{Activation, Loss, Network};
use nalgebra::DMatrix;
use std::fmt;
use std::path::{Path, PathBuf};

/// The notes' network: `Sequential([Dense(25, 'sigmoid'), Dense(15, 'sigmoid'), Dense(1, 'sigmoid')])`.
pub const NOTES_LAYERS: &str = "25:sigmoid,15:sigmoid,1:sigmoid";

/// Options shared by the commands that read a model and data.
#[derive(Args, Debug, Clone)]
pub struct ModelData {
    /// Model file (JSON, Keras layout).
    #[arg(long, value_name = "FILE.json")]
    pub model: Option<PathBuf>,
    /// Data: `coffee`, `blobs`, `digits8x8` (built in) or a CSV file with a header.
    #[arg(long, value_name = "coffee|blobs|digits8x8|FILE.csv")]
    pub data: Option<String>,
    /// Target column(s) by name (repeatable or comma separated; default: the model's
    /// recorded targets, else the last column).
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub target: Vec<String>,
    #[command(flatten)]
    pub limit: FileLimit,
}

/// The largest data file a command reads.
#[derive(Args, Debug, Clone, Copy)]
pub struct FileLimit {
    /// The largest data file to read, in bytes or with a unit: 500M, 2G (KiB, MiB, GiB
    /// powers of 1024). A larger file is refused before it fills the memory.
    #[arg(long, value_name = "SIZE", default_value = "1G", allow_hyphen_values = true, value_parser = file_size)]
    pub max_file_size: u64,
}

/// A `--max-file-size` value: a whole number of bytes, or one followed by
/// `K`, `M`, `G` or `T` (optionally `KiB`, `KB`, …: powers of 1024 all).
pub fn file_size(text: &str) -> Result<u64, String> {
    let expected = "expected a size of at least 1 byte such as 1G, 500M or 1048576 (bytes)";
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(digits);
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => return Err(format!("not a size; {expected}")),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("not a size; {expected}"))?;
    n.checked_mul(1u64 << shift)
        .filter(|&v| v > 0)
        .ok_or_else(|| format!("out of range; {expected}"))
}

impl ModelData {
    /// The model and the data these options name: both files, a model on
    /// the coffee data, or (with neither) the notes' network, seeded, on the
    /// coffee data. A model that records its column names takes them from
    /// the data by name ([`data_for_model`]).
    pub fn load(&self) -> CliResult<(Model, Dataset)> {
        let limit = self.limit.max_file_size;
        let with = |m: &Path, d: &str| -> CliResult<(Model, Dataset)> {
            let model = load_model(m)?;
            let data = data_for_model(&model, m, d, &self.target, true, limit)?;
            Ok((model, data))
        };
        match (&self.model, &self.data) {
            (None, None) => seed_model_and_data(&self.target),
            (Some(m), Some(d)) => with(m, d),
            (Some(m), None) => with(m, "coffee"),
            (None, Some(_)) => Err(Failure::input(
                "--data needs --model too (or give neither, for the notes' network on the coffee data)",
            )),
        }
    }
}

/// A whole-number flag's value parser: any integer is read, negative or too
/// large for the flag too, so that a value out of range is answered with the
/// flag's range (clap alone says "invalid digit", or takes `-1` for a flag).
/// Use it with `allow_hyphen_values = true` (clap's `allow_negative_numbers`
/// takes only `-` and digits for a value: `-.5`, `-1e-3` and `-inf` would be
/// read as unknown flags); [`value_error`] turns what it refuses into the
/// program's own message.
pub fn whole<T: TryFrom<u64>>(
    min: u64,
    max: u64,
) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static {
    move |text: &str| {
        let expected = || format!("expected a whole number from {min} to {max}");
        let digits = text.trim();
        let unsigned = digits.strip_prefix(['-', '+']).unwrap_or(digits);
        if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("not a whole number; {}", expected()));
        }
        let value = digits.parse::<i128>().ok().filter(|v| *v >= 0);
        value
            .and_then(|v| u64::try_from(v).ok())
            .filter(|v| (min..=max).contains(v))
            .and_then(|v| T::try_from(v).ok())
            .ok_or_else(|| format!("out of range; {}", expected()))
    }
}

/// `n` and the noun, singular for one: "1 row", "200 rows", "1 unit".
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// A real-number flag's value parser (`--lr`, `--validation-split`): any
/// number is read, negative too (`-1e-3`, `-.5`, `-inf`; use it with
/// `allow_hyphen_values = true`), and the command checks its range.
pub fn number(text: &str) -> Result<f64, String> {
    text.trim()
        .parse()
        .map_err(|_| "not a number; expected a decimal number such as 0.01 or 1e-3".to_string())
}

/// `--lr`'s parser: a finite number greater than 0, in any notation.
pub fn learning_rate(text: &str) -> Result<f64, String> {
    let v = number(text)?;
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        let nan = if v.is_nan() {
            " (NaN is not a number)"
        } else {
            ""
        };
        Err(format!(
            "out of range{nan}; the learning rate must be a positive, finite number, such as 0.01 or 1e-3"
        ))
    }
}

/// `--validation-split`'s parser: a fraction strictly between 0 and 1.
pub fn open_fraction(text: &str) -> Result<f64, String> {
    let v = number(text)?;
    if v > 0.0 && v < 1.0 {
        Ok(v)
    } else {
        Err(
            "out of range; the validation split must be a fraction between 0 and 1 \
             (both left out), such as 0.2 for the last fifth of the rows"
                .into(),
        )
    }
}

/// The program's own line for a flag whose value its parser refused, such as
/// `--epochs -1: out of range; expected a whole number from 1 to …`; `None`
/// for every other argument error, which clap reports itself.
pub fn value_error(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if e.kind() != ErrorKind::ValueValidation {
        return None;
    }
    let text = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        _ => None,
    };
    // clap names the argument as `--epochs <EPOCHS>`: the flag is its first word.
    let arg = text(ContextKind::InvalidArg)?;
    let flag = arg.split_whitespace().next()?;
    let value = text(ContextKind::InvalidValue)?;
    let why = std::error::Error::source(e)?;
    Some(format!("{flag} {value}: {why}"))
}

/// A failure the program reports in one line, with its exit code.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub code: u8,
}

impl Failure {
    /// Bad input: exit code 2.
    pub fn input(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            code: 2,
        }
    }

    /// The same failure with another exit code.
    pub fn with_code(mut self, code: u8) -> Self {
        self.code = code;
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<dualpath::Error> for Failure {
    fn from(e: dualpath::Error) -> Self {
        Failure::input(e.to_string())
    }
}

/// What every command returns.
pub type CliResult<T = ()> = Result<T, Failure>;

/// Parses `25:sigmoid,15:sigmoid,1:sigmoid`.
pub fn parse_layers(spec: &str) -> CliResult<Vec<(usize, Activation)>> {
    Ok(parse_layers_with_l2(spec)?.0)
}

/// Layers as `Network::new` takes them, and each one's L2 factor.
pub type LayersWithL2 = (Vec<(usize, Activation)>, Vec<f64>);

/// Parses `120:relu:l2=0.1,40:relu:l2=0.1,6:linear`: the layers, and each
/// layer's L2 factor (0 where none is given).
pub fn parse_layers_with_l2(spec: &str) -> CliResult<LayersWithL2> {
    let bad = |part: &str, why: String| {
        Failure::input(format!(
            "--layers: {part:?} {why}; expected UNITS:ACTIVATION[:l2=NUMBER] items separated by commas, e.g. {NOTES_LAYERS} or 120:relu:l2=0.1,6:linear"
        ))
    };
    let mut layers = Vec::new();
    let mut l2s = Vec::new();
    for part in spec.split(',').map(str::trim) {
        let (units, rest) = part
            .split_once(':')
            .ok_or_else(|| bad(part, "has no ':'".into()))?;
        let (act, l2) =
            match rest.split_once(':') {
                None => (rest, 0.0),
                Some((act, l2)) => {
                    let value = l2.trim().strip_prefix("l2=").ok_or_else(|| {
                        bad(part, format!("has {l2:?} where l2=NUMBER should be"))
                    })?;
                    let l2: f64 = value.trim().parse().map_err(|_| {
                        bad(part, format!("has l2={value:?}, which is not a number"))
                    })?;
                    if !(l2.is_finite() && l2 >= 0.0) {
                        return Err(bad(
                            part,
                            format!("has l2={l2}; it must be a finite number ≥ 0"),
                        ));
                    }
                    (act, l2)
                }
            };
        let units: usize = units.trim().parse().map_err(|_| {
            bad(
                part,
                format!("has {:?} where a number of units should be", units.trim()),
            )
        })?;
        if units == 0 {
            return Err(bad(part, "has 0 units".into()));
        }
        let act: Activation = act
            .parse()
            .map_err(|e| bad(part, format!("names an {e}")))?;
        layers.push((units, act));
        l2s.push(l2);
    }
    Ok((layers, l2s))
}

/// The built-in coffee data or a CSV file.
///
/// The built-in sets: `coffee` (the coffee-roasting lab's 200 roasts),
/// `blobs` (the Softmax lab's four clusters of 2000 points, drawn with
/// `seed`) and `digits8x8` (the UCI handwritten digits). Their targets are
/// fixed: `targets`, when given, must name them.
pub fn load_data(spec: &str, targets: &[String], seed: u64, limit: u64) -> CliResult<Dataset> {
    load_data_as(spec, &data::TargetChoice::from_names(targets), seed, limit)
}

/// [`load_data`] with the targets chosen by `choice`. `TargetChoice::None`
/// gives a built-in set's targets as features too, after its features.
fn load_data_as(
    spec: &str,
    choice: &data::TargetChoice,
    seed: u64,
    limit: u64,
) -> CliResult<Dataset> {
    let built_in = match spec.to_ascii_lowercase().as_str() {
        "coffee" => data::coffee(),
        "blobs" => data::softmax_lab_blobs(seed),
        "digits8x8" => data::digits8x8(),
        _ => {
            check_not_misspelled(spec)?;
            return Ok(data::read_csv_limited(Path::new(spec), choice, limit)?);
        }
    };
    match choice {
        data::TargetChoice::None => Ok(built_in.all_columns()),
        data::TargetChoice::Last => Ok(built_in),
        data::TargetChoice::Named(targets) => {
            check_built_in_targets(spec, &built_in, targets)?;
            Ok(built_in)
        }
    }
}

/// Refuses a `--data` value that is no file and looks like the name of a
/// built-in set rather than a path (no folder, no extension): it lists the
/// built-in sets, the closest first.
fn check_not_misspelled(spec: &str) -> CliResult {
    let path = Path::new(spec);
    if path.exists() || spec.contains(['/', '\\', '.']) || spec.is_empty() {
        return Ok(());
    }
    let lower = spec.to_ascii_lowercase();
    // The closest name, if it is close: a prefix either way, or a few typos.
    let closest = BUILT_IN
        .iter()
        .map(|name| {
            let prefix = name.starts_with(&lower) || lower.starts_with(*name);
            (!prefix, edit_distance(&lower, name), *name)
        })
        .min()
        .filter(|&(far, typos, _)| !far || typos <= 3)
        .map_or("the".to_string(), |(_, _, name)| {
            format!("did you mean {name}? The")
        });
    Err(Failure::input(format!(
        "{spec}: there is no such file, and no built-in data set of that name; \
         {closest} built-in sets are {} (or give a CSV file's path)",
        BUILT_IN.join(", ")
    )))
}

/// The number of one-character insertions, deletions and substitutions
/// that turn `a` into `b` (Levenshtein).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let here = (prev + usize::from(ca != cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            prev = row[j + 1];
            row[j + 1] = here;
        }
    }
    row[b.len()]
}

/// Refuses `--target` names other than a built-in set's own target columns,
/// which would otherwise be ignored without a word.
fn check_built_in_targets(spec: &str, data: &Dataset, targets: &[String]) -> CliResult {
    if targets.is_empty() || targets == data.target_names.as_slice() {
        return Ok(());
    }
    Err(Failure::input(format!(
        "--target {}: the built-in data set {spec} has the fixed target column {} \
         (features: {}); leave --target out, or write the data to a CSV file to choose another",
        targets.join(","),
        data.target_names.join(","),
        name_list(&data.feature_names)
    )))
}

/// Every column of a built-in data set or a CSV file as a feature, its
/// targets after its features: data whose columns are chosen by name.
pub fn load_all_columns(spec: &str, seed: u64, limit: u64) -> CliResult<Dataset> {
    load_data_as(spec, &data::TargetChoice::None, seed, limit)
}

/// The features of a built-in data set or of a CSV file: every column of the
/// file but those named in `targets`.
pub fn load_features(spec: &str, targets: &[String], limit: u64) -> CliResult<Dataset> {
    match data_file(spec) {
        None => load_data(spec, targets, 0, limit),
        Some(_) => {
            let choice = if targets.is_empty() {
                data::TargetChoice::None
            } else {
                data::TargetChoice::from_names(targets)
            };
            load_data_as(spec, &choice, 0, limit)
        }
    }
}

/// The data `spec` names, as `model` reads it.
///
/// A model that records its features' names takes those columns by name, in
/// its own order, wherever they are in the file; a column it lacks is
/// refused, naming it and listing the file's columns. With `with_targets`,
/// the targets are the `--target` columns if given, else the model's
/// recorded targets, else the last column that is not a feature; without,
/// every other column is left out.
///
/// A model file without names (written before they were recorded) reads
/// the data by position, as before, with a note.
pub fn data_for_model(
    model: &Model,
    model_path: &Path,
    spec: &str,
    targets: &[String],
    with_targets: bool,
    limit: u64,
) -> CliResult<Dataset> {
    let Some(features) = &model.feature_names else {
        note(format!(
            "{} records no column names (it was saved by an older version), so the columns of {spec} \
             are read by position; add \"features\": [...] to it, one name per input in order, \
             to have them read by name",
            model_path.display()
        ));
        return if with_targets {
            let data = load_data(spec, targets, 0, limit)?;
            if targets.is_empty() {
                note(names::target_taken(
                    model_path,
                    &data.source,
                    &quoted_names(&data.target_names),
                ));
            }
            Ok(data)
        } else {
            load_features(spec, targets, limit)
        };
    };
    let all = load_all_columns(spec, 0, limit)?;
    let asked = match data::TargetChoice::from_names(targets) {
        data::TargetChoice::Named(names) => names,
        _ => Vec::new(),
    };
    let have: std::collections::HashSet<&str> =
        all.feature_names.iter().map(String::as_str).collect();
    if !with_targets {
        // predict: --target names columns to leave out, which the model's
        // names already do; a name that is no column, or is an input, is a mistake.
        if let Some(name) = asked.iter().find(|n| !have.contains(n.as_str())) {
            return Err(Failure::input(format!(
                "--target {name}: {} has no such column; its columns are {}",
                all.source,
                quoted_names(&all.feature_names)
            )));
        }
        if let Some(name) = asked.iter().find(|n| features.contains(n)) {
            return Err(Failure::input(format!(
                "--target {name}: the model {} takes {name:?} as an input, so it cannot be left out",
                model_path.display()
            )));
        }
    }
    let targets: Vec<String> = if !with_targets {
        Vec::new()
    } else if !asked.is_empty() {
        asked
    } else if let Some(recorded) = &model.target_names {
        recorded.clone()
    } else {
        match all.feature_names.last() {
            Some(last) if !features.contains(last) => {
                note(names::target_taken(
                    model_path,
                    &all.source,
                    &format!("{last:?}"),
                ));
                vec![last.clone()]
            }
            _ => {
                return Err(Failure::input(format!(
                    "{}: the last column is one of the model's features and the model records no \
                     target; name the target column with --target",
                    all.source
                )));
            }
        }
    };
    let lacking = |names: &[String]| names.iter().find(|n| !have.contains(n.as_str())).cloned();
    let columns = || quoted_names(&all.feature_names);
    if let Some(name) = lacking(features) {
        return Err(Failure::input(format!(
            "{} has no column {name:?}, which the model {} takes as an input (it reads its inputs \
             by name, in any order); its columns are {}",
            all.source,
            model_path.display(),
            columns()
        )));
    }
    if let Some(name) = lacking(&targets) {
        let whose = if with_targets && model.target_names.as_deref() == Some(&targets[..]) {
            format!(
                "the target the model {} was trained on",
                model_path.display()
            )
        } else {
            "the target asked for".to_string()
        };
        return Err(Failure::input(format!(
            "{} has no column {name:?}, {whose}; its columns are {} (name another with --target)",
            all.source,
            columns()
        )));
    }
    Ok(all.select(features, &targets)?)
}

/// `a, b, c`, the first eight of many and how many more: a line about a
/// file of a million columns stays a line.
pub fn name_list(names: &[String]) -> String {
    if names.len() > 10 {
        format!("{}, … ({} more)", names[..8].join(", "), names.len() - 8)
    } else {
        names.join(", ")
    }
}

/// `"a", "b", "c"`, the first eight of many and how many more.
fn quoted_names(names: &[String]) -> String {
    let shown: Vec<String> = names.iter().take(8).map(|n| format!("{n:?}")).collect();
    if names.len() > 10 {
        format!("{}, … ({} more)", shown.join(", "), names.len() - 8)
    } else {
        names
            .iter()
            .map(|n| format!("{n:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Notes for stderr, said once the command has done its work (a failure
/// says only what failed, in one line).
static NOTES: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// Keeps a note to print on stderr after the command's work.
pub fn note(text: String) {
    if let Ok(mut notes) = NOTES.lock() {
        notes.push(text);
    }
}

/// The notes kept so far, emptied.
pub fn take_notes() -> Vec<String> {
    NOTES
        .lock()
        .map(|mut notes| std::mem::take(&mut *notes))
        .unwrap_or_default()
}

/// Fails, naming `source`, when a forward pass over `x` overflows: a
/// pre-activation or activation that is infinite or NaN, which would
/// otherwise be printed or compared as if it were a result.
pub fn check_forward_finite<T: dualpath::Real>(
    network: &Network<T>,
    x: &DMatrix<T>,
    source: &str,
) -> CliResult {
    let fwd = dualpath::Path::Matrix.forward(network, x)?;
    for (l, cache) in fwd.layers().iter().enumerate() {
        let bad = cache
            .z
            .iter()
            .chain(cache.a.iter())
            .find(|v| !v.is_finite());
        if let Some(v) = bad {
            return Err(Failure::input(format!(
                "{source}: the forward pass overflowed in layer {} (a value became {v}); \
                 the inputs or the weights are too large for {}",
                l + 1,
                std::any::type_name::<T>()
            )));
        }
    }
    Ok(())
}

/// A model's network input for `x`: `x` normalised with the model's
/// normalisation, if it has one ([`Model::network_input`]), after checking
/// that `source` has as many feature columns as the model takes.
pub fn model_input(model: &Model, x: &DMatrix<f64>, source: &str) -> CliResult<DMatrix<f64>> {
    let n_in = model.network.n_in();
    if x.ncols() != n_in {
        return Err(Failure::input(format!(
            "{source} has {} feature columns but the model takes {n_in} inputs",
            x.ncols()
        )));
    }
    Ok(model.network_input(x)?)
}

/// Reads a model file.
pub fn load_model(path: &Path) -> CliResult<Model> {
    Ok(Model::load(path)?)
}

/// Says where a label the loss cannot take sits in the file: line and column.
pub fn label_error(data: &Dataset, e: dualpath::Error) -> Failure {
    let column = |col: usize| {
        data.target_names
            .get(col)
            .map(String::as_str)
            .unwrap_or("?")
            .to_string()
    };
    match e {
        dualpath::Error::LabelOutOfRange { row, col, value } => Failure::input(format!(
            "{}, column {:?}: the label {value} is outside [0, 1]; binary cross-entropy needs labels in [0, 1] \
             (use --loss mse for other targets)",
            data.place_of_row(row),
            column(col)
        )),
        dualpath::Error::ClassOutOfRange {
            row,
            value,
            classes,
        } => Failure::input(format!(
            "{}, column {:?}: the label {value} is not a class id; sparse categorical cross-entropy needs \
             whole numbers from 0 to {} (the output layer has {classes} units)",
            data.place_of_row(row),
            column(0),
            classes.saturating_sub(1)
        )),
        dualpath::Error::ProbabilityOutOfRange { row, col, value } => Failure::input(format!(
            "{}, column {:?}: the target {value} is outside [0, 1]; categorical cross-entropy needs one-hot \
             (or probability) rows, one column per class (use --loss scce for class ids)",
            data.place_of_row(row),
            column(col)
        )),
        other => other.into(),
    }
}

/// The loss named on the command line, with `--from-logits` if given.
pub fn loss_of(loss: Loss, from_logits: bool) -> CliResult<Loss> {
    Ok(loss.with_from_logits(from_logits)?)
}

/// The loss to use with `model`: the `--loss` given (with `--from-logits`),
/// else the loss the model was saved with (`--from-logits` alone turns its
/// logits on), else binary cross-entropy.
pub fn loss_for(given: Option<Loss>, from_logits: bool, model: Option<&Model>) -> CliResult<Loss> {
    match (given, model.and_then(|m| m.loss)) {
        (Some(loss), _) => loss_of(loss, from_logits),
        (None, Some(saved)) if from_logits => loss_of(saved, true),
        (None, Some(saved)) => Ok(saved),
        (None, None) => loss_of(Loss::BINARY_CROSSENTROPY, from_logits),
    }
}

/// How far a categorical cross-entropy target row may sum from 1. The
/// rounding of adding up to a few thousand `f64` values is below 1e-12, so
/// this is set by how rows are written: a row of probabilities printed with
/// seven decimals is off by at most 5e-8 per cell, within 1e-6 for up to 20
/// classes. A row further off is not a distribution: `[0, 1, 1]`, or
/// percentages. A refusal names the row by its line in the file, counted
/// from 1 as an editor counts (the header is line 1, blank lines count), or
/// for built-in data by its row, counted from 0 as NumPy does.
pub const ROW_SUM_TOLERANCE: f64 = 1e-6;

/// Checks that `loss` can train or evaluate `network` on `data`: the output
/// layer suits the loss, there are as many target columns as the loss needs
/// (one class id, or one per output), and every label is in range (named by
/// file line and column when it is not).
pub fn check_loss(network: &Network<f64>, data: &Dataset, loss: Loss) -> CliResult {
    loss.check_output(network.output_activation())?;
    let want = loss.target_columns(network.n_out());
    if data.y.ncols() != want {
        let what = if loss.takes_class_ids() {
            "one column of class ids".to_string()
        } else {
            format!("{want} target columns, one per output")
        };
        return Err(Failure::input(format!(
            "the network has {} outputs, so {} needs {what}, but {} has {} ({})",
            network.n_out(),
            loss.name(),
            data.source,
            data.y.ncols(),
            name_list(&data.target_names)
        )));
    }
    dualpath::paths::contract::check_targets(network, &data.y, data.y.nrows(), loss)
        .map_err(|e| label_error(data, e))?;
    if loss.kind() == dualpath::nn::loss::LossKind::CategoricalCrossentropy {
        for (i, row) in data.y.row_iter().enumerate() {
            let sum: f64 = row.iter().sum();
            if (sum - 1.0).abs() > ROW_SUM_TOLERANCE {
                let cells: Vec<String> = row.iter().take(8).map(f64::to_string).collect();
                return Err(Failure::input(format!(
                    "{}: the targets [{}{}] sum to {sum}; categorical cross-entropy needs one-hot \
                     (or probability) rows that sum to 1 (within {ROW_SUM_TOLERANCE:e}); \
                     use --loss scce for class ids, or bce for several independent labels",
                    data.place_of_row(i),
                    cells.join(", "),
                    if row.len() > 8 { ", …" } else { "" }
                )));
            }
        }
    }
    Ok(())
}

/// A file a command reads, and the flag that named it.
pub type Input<'a> = (&'static str, &'a Path);

/// Somewhere a command writes, and the flag that named it.
#[derive(Clone, Copy, Debug)]
pub enum Output<'a> {
    /// A file, replaced whole by [`write_text`] (or a model's `save`).
    File(&'static str, &'a Path),
    /// A folder, created when missing, and the names of the files that may
    /// be written in it.
    Folder(&'static str, &'a Path, &'a [&'a str]),
}

/// The data a `--data` (or `--validation-data`) value names on disk: none
/// for the built-in sets, which are not files.
pub fn data_file(spec: &str) -> Option<&Path> {
    (!is_built_in(spec)).then(|| Path::new(spec))
}

fn is_built_in(spec: &str) -> bool {
    BUILT_IN.contains(&spec.to_ascii_lowercase().as_str())
}

/// The built-in data sets' names.
const BUILT_IN: [&str; 3] = ["coffee", "blobs", "digits8x8"];

/// One file or folder a command would write, and how to name it in a message.
struct Target<'a> {
    flag: &'static str,
    path: PathBuf,
    /// The folder it is written into by a `Folder` output (a chart).
    folder: Option<&'a Path>,
    is_folder: bool,
    identity: Option<FileIdentity>,
}

impl Target<'_> {
    /// The start of a refusal: what would be written, then "is …".
    fn subject(&self) -> String {
        match self.folder {
            Some(dir) => format!(
                "{} {} would write {}, which",
                self.flag,
                dir.display(),
                self.path.display()
            ),
            None => format!("{} {}", self.flag, self.path.display()),
        }
    }

    /// What another path would be if it were this one.
    fn what(&self) -> String {
        match (self.folder, self.is_folder) {
            (Some(dir), _) => format!(
                "the chart {} writes as {}",
                self.flag,
                self.path.strip_prefix(dir).unwrap_or(&self.path).display()
            ),
            (None, true) => format!("the {} folder", self.flag),
            (None, false) => format!("the {} file", self.flag),
        }
    }

    fn refuse(&self, other: &str) -> Failure {
        let instead = if self.folder.is_some() {
            "folder"
        } else {
            "name"
        };
        Failure::input(format!(
            "{} is {other}; choose another {instead}",
            self.subject()
        ))
    }
}

/// Checks a command's outputs before it does any work, so that no run ends
/// in a file lost or a file it cannot write:
///
/// - no output is one of the `inputs` or another output, compared by what
///   the paths name, not how they are spelled (`./d.csv`, an absolute path,
///   a symbolic or hard link: [`FileIdentity`]). `may_replace` lists the
///   pairs `(output flag, input flag)` that may name the same file on
///   purpose (`("--save", "--model")`: continuing a model in place);
/// - every output can be written: a file's folder exists and is writable
///   and the file is not a folder; a folder is not a file, and it or the
///   folder it would be created in is writable.
///
/// Every refusal is one line naming the flags and the paths.
pub fn check_outputs(
    inputs: &[Input],
    outputs: &[Output],
    may_replace: &[(&str, &str)],
) -> CliResult {
    let mut targets = Vec::new();
    for output in outputs {
        match *output {
            Output::File(flag, path) => targets.push(Target {
                flag,
                path: path.to_path_buf(),
                folder: None,
                is_folder: false,
                identity: FileIdentity::of(path),
            }),
            Output::Folder(flag, dir, files) => {
                targets.push(Target {
                    flag,
                    path: dir.to_path_buf(),
                    folder: None,
                    is_folder: true,
                    identity: FileIdentity::of(dir),
                });
                for name in files {
                    let path = dir.join(name);
                    targets.push(Target {
                        flag,
                        identity: FileIdentity::of(&path),
                        path,
                        folder: Some(dir),
                        is_folder: false,
                    });
                }
            }
        }
    }
    for (k, target) in targets.iter().enumerate() {
        let Some(id) = &target.identity else {
            continue;
        };
        for &(flag, path) in inputs {
            let allowed = may_replace.contains(&(target.flag, flag)) && target.folder.is_none();
            if !allowed && FileIdentity::of(path).as_ref() == Some(id) {
                return Err(target.refuse(&format!("the {flag} file")));
            }
        }
        // The same flag's folder and its files cannot clash with each other.
        let earlier = targets[..k].iter().filter(|t| t.flag != target.flag);
        if let Some(first) = earlier
            .into_iter()
            .find(|t| t.identity.as_ref() == Some(id))
        {
            return Err(target.refuse(&first.what()));
        }
    }
    for output in outputs {
        match *output {
            Output::File(flag, path) => check_file_output(flag, path)?,
            Output::Folder(flag, dir, files) => check_folder_output(flag, dir, files)?,
        }
    }
    Ok(())
}

/// A file output: not a folder, in a folder that exists and is writable.
fn check_file_output(flag: &str, path: &Path) -> CliResult {
    let fail = |why: String| {
        Err(Failure::input(format!(
            "{flag} {}: cannot write there: {why}",
            path.display()
        )))
    };
    let text = path.to_string_lossy();
    if path.is_dir() || text.ends_with(std::path::MAIN_SEPARATOR) || text.ends_with('/') {
        return fail("it names a directory; expected a file name".into());
    }
    // A link is written through: the file it points to must be writable.
    let target = match dualpath::io::files::follow_links(path) {
        Ok(target) => target,
        Err(e) => return fail(dualpath::io::files::io_reason(&e)),
    };
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    if dir.exists() && !dir.is_dir() {
        return fail(format!("{} is a file, not a directory", dir.display()));
    }
    if !dir.is_dir() {
        return fail(format!("the directory {} does not exist", dir.display()));
    }
    if !writable(dir) {
        return fail(format!(
            "the directory {} is not writable (permission denied)",
            dir.display()
        ));
    }
    Ok(())
}

/// A folder output: a folder (or nothing yet, below a writable folder),
/// and none of the files to be written in it a folder.
fn check_folder_output(flag: &str, dir: &Path, files: &[&str]) -> CliResult {
    let fail = |why: String| {
        Err(Failure::input(format!(
            "{flag} {}: cannot write there: {why}",
            dir.display()
        )))
    };
    if dir.exists() && !dir.is_dir() {
        return fail("it is a file; expected a directory (created if missing)".into());
    }
    if names::looks_like_a_file(dir) && !dir.is_dir() {
        return Err(Failure::input(format!(
            "{flag} names a folder for the charts; {} looks like a file name (give a folder, \
             e.g. {flag} charts, and the charts are written into it)",
            dir.display()
        )));
    }
    // The folder, or the nearest folder above it that exists, where it
    // would be created.
    let mut existing = dir;
    while !existing.as_os_str().is_empty() && !existing.exists() {
        existing = existing.parent().unwrap_or(Path::new(""));
    }
    if existing.as_os_str().is_empty() {
        existing = Path::new(".");
    }
    if !existing.is_dir() {
        return fail(format!(
            "{} is a file, so the directory cannot be created",
            existing.display()
        ));
    }
    if !writable(existing) {
        return fail(format!(
            "the directory {} is not writable (permission denied)",
            existing.display()
        ));
    }
    for name in files {
        let path = dir.join(name);
        if path.is_dir() {
            return fail(format!(
                "{} is a directory; expected a file name (or nothing) there",
                path.display()
            ));
        }
    }
    Ok(())
}

/// Whether this process may create files in the folder `dir`.
fn writable(dir: &Path) -> bool {
    #[cfg(unix)]
    {
        use nix::unistd::{AccessFlags, access};
        access(dir, AccessFlags::W_OK | AccessFlags::X_OK).is_ok()
    }
    #[cfg(not(unix))]
    {
        std::fs::metadata(dir).is_ok_and(|m| !m.permissions().readonly())
    }
}

/// Writes a text file through a temporary file renamed into place.
pub fn write_text(path: &Path, text: &str) -> CliResult {
    Ok(dualpath::io::files::write_atomically(
        path,
        text.as_bytes(),
    )?)
}

/// The seed network and data of `compare` without files: the notes' network
/// (Glorot-uniform, seed 0) on the normalised coffee data.
pub fn seed_model_and_data(targets: &[String]) -> CliResult<(Model, Dataset)> {
    let data = load_data("coffee", targets, 0, data::DEFAULT_MAX_FILE_SIZE)?;
    let network = Network::new(2, &parse_layers(NOTES_LAYERS)?, 0)?;
    let normalization = Some(Normalization::adapt(&data.x)?);
    Ok((
        Model {
            network,
            normalization,
            loss: None,
            feature_names: None,
            target_names: None,
            training: None,
        },
        data,
    ))
}
