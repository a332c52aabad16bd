//! Files: writing one so that a failure never leaves half of it behind, and
//! saying why a read or write failed in words a reader can act on.

use crate::error::{Error, Result};
use std::io::Write as _;
use std::path::Path;

/// Writes `bytes` to a fresh temporary file beside `path`, then renames it
/// over `path`; on failure the temporary file is removed, so `path` holds
/// either its old contents or all of the new ones. Model files, histories
/// and charts are all written this way.
///
/// # Errors
/// [`Error::Io`] naming `path` if its folder does not exist or cannot be written.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
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

/// A short reason for an I/O failure that a reader can act on.
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "not found (check the path)".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "it is a directory, not a file".into(),
        _ => e.to_string(),
    }
}
