//! The library's error type.
//!
//! The rule, as in nalgebra and the csv crate: a broken contract inside a
//! kernel (two matrices whose shapes cannot multiply) is a bug and panics with
//! both shapes in the message; anything a user can get wrong (a network whose
//! layers do not chain, data of the wrong width, a NaN, a label the loss cannot
//! take) comes back from the public entry points as an [`Error`](enum@Error).

use thiserror::Error;

/// Shorthand for `Result<T, dualpath::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything a caller of the library can get wrong.
///
/// Rows and columns are counted from 0, as in NumPy: row `i` is example `i`.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum Error {
    /// Two things that must fit together do not.
    #[error("{what}: expected {expected}, found {found}")]
    Shape {
        /// What was being checked, e.g. `"layer 2 kernel rows"`.
        what: String,
        /// The size that was needed.
        expected: String,
        /// The size that was given.
        found: String,
    },
    /// Something that needs at least one element has none.
    #[error("{0} is empty")]
    Empty(String),
    /// A NaN or an infinity where a finite number is needed.
    #[error("{what} has a non-finite value {value} at row {row}, column {col}")]
    NonFinite {
        /// What holds the value, e.g. `"input X"` or `"layer 1 kernel"`.
        what: String,
        /// Row of the offending value (0-based).
        row: usize,
        /// Column of the offending value (0-based).
        col: usize,
        /// The value itself (NaN or ±∞).
        value: f64,
    },
    /// A binary cross-entropy target outside `[0, 1]`.
    #[error(
        "target at row {row}, column {col} is {value}: binary cross-entropy needs labels in [0, 1]"
    )]
    LabelOutOfRange {
        /// Row of the label (0-based).
        row: usize,
        /// Column of the label (0-based).
        col: usize,
        /// The label.
        value: f64,
    },
    /// A sparse categorical cross-entropy target that is not a class id.
    #[error(
        "target at row {row} is {value}: sparse categorical cross-entropy needs class ids, whole numbers from 0 to {} (the output layer has {classes} units)",
        .classes.saturating_sub(1)
    )]
    ClassOutOfRange {
        /// The row (0-based).
        row: usize,
        /// The value found.
        value: f64,
        /// The number of classes `K` (the output layer's units).
        classes: usize,
    },
    /// A categorical cross-entropy target outside `[0, 1]`.
    #[error(
        "target at row {row}, column {col} is {value}: categorical cross-entropy needs probabilities in [0, 1] (one-hot rows, one column per class)"
    )]
    ProbabilityOutOfRange {
        /// The row (0-based).
        row: usize,
        /// The column (0-based).
        col: usize,
        /// The value found.
        value: f64,
    },
    /// A setting that is out of its range, e.g. a learning rate of 0.
    #[error("invalid {name}: {detail}")]
    InvalidSetting {
        /// The setting's name, e.g. `"learning rate"`.
        name: String,
        /// What was wrong and what is expected.
        detail: String,
    },
    /// Training produced a loss or a weight that is NaN or infinite.
    #[error(
        "training diverged in epoch {epoch}: {what} became {value}; try a smaller learning rate than {learning_rate:?}"
    )]
    Diverged {
        /// The epoch (counted from 1, as Keras prints it) in which it happened.
        epoch: usize,
        /// What stopped being finite: `"the loss"` or e.g. `"a weight of layer 2"`.
        what: String,
        /// The non-finite value.
        value: f64,
        /// The learning rate in use.
        learning_rate: f64,
    },
    /// A file that cannot be read or written (missing, a directory, no permission, …).
    ///
    /// Displays as e.g. `data.csv: cannot read the file: not found (check the path)`.
    #[error("{path}: {detail}")]
    Io {
        /// The file, as it was given.
        path: String,
        /// What was being done and what went wrong.
        detail: String,
    },
    /// A data (CSV) file whose contents are not what was expected.
    ///
    /// Displays as e.g. `data.csv, line 7, column "duration": "abc" is not a number`.
    /// Lines are counted from 1, as an editor shows them: the header is line 1.
    #[error("{path}{}: {detail}", data_place(*.line, .column.as_deref()))]
    Data {
        /// The file (or the name given to the text being read).
        path: String,
        /// The line of the file, counted from 1, when one line is at fault.
        line: Option<usize>,
        /// The column's name, when one column is at fault.
        column: Option<String>,
        /// What was found and what was expected.
        detail: String,
    },
    /// A model file that is not valid JSON, or whose layers do not make a network.
    ///
    /// Displays as e.g. `model.json: layer 2 "kernel" has 4 rows but layer 1 has 3 units`,
    /// or with the place for JSON that does not parse:
    /// `model.json, line 3, column 9: EOF while parsing a value`.
    #[error("{path}{}: {}{detail}", model_at(*.at), model_part(*.layer, .field.as_deref()))]
    Model {
        /// The file (or the name given to the text being read).
        path: String,
        /// Line and column in the file (both counted from 1) where the problem
        /// is, when one place is at fault.
        at: Option<(usize, usize)>,
        /// The layer (counted from 1, input side first) at fault, if one is.
        layer: Option<usize>,
        /// The field at fault, e.g. `"kernel"` or `"normalization.std"`.
        field: Option<String>,
        /// What was found and what was expected.
        detail: String,
    },
}

/// `", line 7, column \"duration\""`, or the parts of it that are known.
fn data_place(line: Option<usize>, column: Option<&str>) -> String {
    let mut s = String::new();
    if let Some(line) = line {
        s.push_str(&format!(", line {line}"));
    }
    if let Some(column) = column {
        s.push_str(&format!(", column {column:?}"));
    }
    s
}

/// `", line 3, column 7"` when the place in the file is known.
fn model_at(at: Option<(usize, usize)>) -> String {
    match at {
        Some((line, col)) => format!(", line {line}, column {col}"),
        None => String::new(),
    }
}

/// `"layer 2 \"kernel\" "`, `"\"layers\" "` or nothing.
fn model_part(layer: Option<usize>, field: Option<&str>) -> String {
    match (layer, field) {
        (Some(l), Some(f)) => format!("layer {l} {f:?} "),
        (Some(l), None) => format!("layer {l} "),
        (None, Some(f)) => format!("{f:?} "),
        (None, None) => String::new(),
    }
}

impl Error {
    pub(crate) fn shape(
        what: impl Into<String>,
        expected: impl ToString,
        found: impl ToString,
    ) -> Self {
        Error::Shape {
            what: what.into(),
            expected: expected.to_string(),
            found: found.to_string(),
        }
    }
}
