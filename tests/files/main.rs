//! Reading and writing files, in one test binary:
//!
//! - `model_file`: model files round-trip bit for bit, and every mistake a
//!   hand-edited one can hold is named;
//! - `csv`: CSV data files, and every kind of bad one, named by line and
//!   column;
//! - `digits_npy`: the `digits` example's NumPy `.npy` reader;
//! - `writes`: writing through symbolic links, telling two paths to one
//!   file apart from two files, and stopping writes with none left half done.
//!
//! Run one with `cargo test --test files model_file` (any part of a test's
//! name filters, as usual).

mod csv;
mod digits_npy;
mod model_file;
mod writes;
