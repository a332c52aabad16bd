//! Files: writing one so that a failure never leaves half of it behind,
//! telling whether two paths name the same file, and saying why a read or
//! write failed in words a reader can act on.

use crate::error::{Error, Result};
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The temporary files of the writes in progress in this process: each is
/// listed from just before it is created until just after it is renamed
/// into place or removed, so that [`stop_writes`] can remove them.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn pending() -> MutexGuard<'static, Vec<PathBuf>> {
    // The list stays right even if a thread panicked while holding it: every
    // change to it is a single push or retain.
    PENDING.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Writes `bytes` to a fresh temporary file beside `path`, then renames it
/// over `path`; on failure the temporary file is removed, so `path` holds
/// either its old contents or all of the new ones. Model files, histories
/// and charts are all written this way.
///
/// A `path` that is a symbolic link is written through: the file it points
/// to is replaced (the temporary file is made beside that file) and the
/// link stays a link.
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
    let target = follow_links(path).map_err(|e| fail(format!("cannot save: {}", io_reason(&e))))?;
    let Some(name) = target.file_name() else {
        return Err(fail("cannot save: this names a folder, not a file".into()));
    };
    let dir = match target.parent() {
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
    let created = {
        let mut list = pending();
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp);
        if file.is_ok() {
            list.push(tmp.clone());
        }
        file
    };
    let written = created.and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    // Renamed (or removed) and taken off the list in one hold of the list:
    // `stop_writes` sees the temporary file either still there or gone.
    let mut list = pending();
    let done = written.and_then(|()| std::fs::rename(&tmp, &target));
    if done.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    list.retain(|t| *t != tmp);
    drop(list);
    done.map_err(|e| fail(format!("cannot save: {}", io_reason(&e))))
}

/// Writes held back by [`stop_writes`]: while this value lives, no write
/// of this process creates a temporary file or renames one into place.
#[must_use = "writes resume as soon as this is dropped"]
pub struct WritesStopped {
    _list: MutexGuard<'static, Vec<PathBuf>>,
}

/// For a program about to end at once (on a second Ctrl-C, say): removes the
/// temporary file of every [`write_atomically`] in progress in this process,
/// and holds back every write until the returned value is dropped. Keep it
/// until the process exits; then no write is left half done and no
/// temporary file is left behind, whatever the moment. Each file being
/// written keeps its old contents, or has all of its new ones if its rename
/// came first.
pub fn stop_writes() -> WritesStopped {
    let mut list = pending();
    for tmp in list.drain(..) {
        let _ = std::fs::remove_file(tmp);
    }
    WritesStopped { _list: list }
}

/// The file a write to `path` replaces: `path` itself, or, when it is a
/// symbolic link, the file at the end of its links (which need not exist yet).
///
/// # Errors
/// If a link cannot be read, or the links go round (more than 40 of them).
pub fn follow_links(path: &Path) -> std::io::Result<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let to = std::fs::read_link(&p)?;
                p = match p.parent() {
                    Some(dir) => dir.join(to),
                    None => to,
                };
            }
            _ => return Ok(p),
        }
    }
    Err(std::io::Error::other("too many symbolic links"))
}

/// Which file a path names, whatever its spelling: `./d.csv`, `d.csv`, its
/// absolute path, a symbolic link to it and a hard link to it all have the
/// same identity. Compare two with `==`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FileIdentity {
    /// A file (or folder) that exists: its device and inode number on Unix,
    /// its canonical path elsewhere.
    Existing(FileKey),
    /// A file that does not exist yet: where it would be created, as an
    /// absolute path with every link and `.` resolved.
    Planned(PathBuf),
}

/// What tells an existing file from every other: see [`FileIdentity::Existing`].
#[cfg(unix)]
pub type FileKey = (u64, u64);
/// What tells an existing file from every other: see [`FileIdentity::Existing`].
#[cfg(not(unix))]
pub type FileKey = PathBuf;

impl FileIdentity {
    /// The identity of the file `path` names, or `None` when that cannot be
    /// told (its folder cannot be reached, or it ends in `..`).
    pub fn of(path: &Path) -> Option<Self> {
        if let Ok(meta) = std::fs::metadata(path) {
            return existing_key(path, &meta).map(FileIdentity::Existing);
        }
        // Not there (or a dangling link): where a write would create it.
        let target = follow_links(&std::path::absolute(path).ok()?).ok()?;
        let mut rest = Vec::new();
        let mut base = target.as_path();
        let found = loop {
            if let Ok(found) = std::fs::canonicalize(base) {
                break found;
            }
            rest.push(base.file_name()?);
            base = base.parent()?;
        };
        let mut planned = found;
        for part in rest.iter().rev() {
            planned.push(part);
        }
        // `absolute` keeps `.` inside a path; a `..` after a missing folder
        // made `file_name` fail above.
        Some(FileIdentity::Planned(
            planned
                .components()
                .filter(|c| *c != Component::CurDir)
                .collect(),
        ))
    }
}

#[cfg(unix)]
fn existing_key(_: &Path, meta: &std::fs::Metadata) -> Option<FileKey> {
    use std::os::unix::fs::MetadataExt as _;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn existing_key(path: &Path, _: &std::fs::Metadata) -> Option<FileKey> {
    std::fs::canonicalize(path).ok()
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
