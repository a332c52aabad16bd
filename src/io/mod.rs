//! The crate's edges: built-in data sets and CSV files, normalisation, model
//! files, charts, and the atomic write every file goes through. The numeric
//! core above never depends on a file format.
//!
//! | module | holds |
//! | --- | --- |
//! | [`files`] | atomic writes, I/O reasons for error messages |
//! | [`data`] | the labs' data sets, `Normalization`; CSV files read by column name, bounded |
//! | [`model`] | JSON model files |
//! | [`summary`] | Keras' `model.summary()` table |
//! | [`training`] | where training left off: the optimizer's state, in a model file |
//! | `chart` | SVG charts, with a bundled font (feature `charts`) |

#[cfg(feature = "charts")]
pub mod chart;
pub mod data;
pub mod files;
mod json;
pub mod model;
pub mod summary;
pub mod training;
