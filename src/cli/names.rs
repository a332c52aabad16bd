//! How the program's messages name a column and the target it took, and a
//! folder name that reads as a file's.

use std::path::Path;

/// A column as the data files' messages name it: `column "duration"` by its
/// header name, or `column 3` (counted from 1, as an editor counts) when it
/// has none.
pub fn column_name(names: &[String], j: usize) -> String {
    match names.get(j) {
        Some(name) => format!("column {name:?}"),
        None => format!("column {}", j + 1),
    }
}

/// Whether a folder's name ends as a chart's file name does (`loss.svg`):
/// `--plot loss.svg` would make a folder of that name, surely not what was meant.
pub fn looks_like_a_file(dir: &Path) -> bool {
    dir.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        ["svg", "png", "jpg", "jpeg", "pdf"].contains(&e.to_ascii_lowercase().as_str())
    })
}

/// The note that the last column of `source`, `taken` (its name, quoted),
/// was taken as the target, the model at `model_path` recording none.
pub fn target_taken(model_path: &Path, source: &str, taken: &str) -> String {
    format!(
        "{} records no target, so the last column of {source}, {taken}, is taken as the target; \
         name the target column with --target if it is another",
        model_path.display()
    )
}
