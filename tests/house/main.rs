//! Checks over the repository itself, in one test binary:
//!
//! - `module_layers`: the folders of `src/` are the layers of
//!   `docs/DESIGN.md`, and imports point down them;
//! - `docs_references`: every file, item and test the documentation names
//!   exists;
//! - `chapters`: the chapters are numbered once, listed in both READMEs and
//!   chained by their `Next:` links;
//! - `library_dependencies`: the README names every crate the library
//!   needs without the program's features.
//!
//! They read the repository from `CARGO_MANIFEST_DIR`. Run one with
//! `cargo test --test house docs_references` (any part of a test's name
//! filters, as usual).

mod chapters;
mod docs_references;
mod library_dependencies;
mod module_layers;
