//! The library's error type.
//!
//! The rule, as in nalgebra and the csv crate: a broken contract inside a
//! kernel (two matrices whose shapes cannot multiply) is a bug and panics with
//! both shapes in the message; anything a user can get wrong (a network whose
//! layers do not chain, data of the wrong width, a NaN, a label the loss cannot
//! take) comes back from the public entry points as an [`Error`].

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
    /// A setting that is out of its range, e.g. a learning rate of 0.
    #[error("invalid {name}: {detail}")]
    InvalidSetting {
        /// The setting's name, e.g. `"learning rate"`.
        name: String,
        /// What was wrong and what is expected.
        detail: String,
    },
    /// Training produced a loss that is NaN or infinite.
    #[error(
        "training diverged in epoch {epoch}: the loss became {loss}; try a smaller learning rate than {learning_rate}"
    )]
    Diverged {
        /// The epoch (counted from 1, as Keras prints it) in which it happened.
        epoch: usize,
        /// The non-finite loss.
        loss: f64,
        /// The learning rate in use.
        learning_rate: f64,
    },
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
