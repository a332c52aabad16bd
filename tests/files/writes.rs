//! Writing files: a symbolic link is written through (the file it points to
//! replaced, the link kept), two paths are compared by the file they name
//! rather than their spelling, and `stop_writes` leaves no temporary file
//! whatever the moment.

use dualpath::io::files::{FileIdentity, stop_writes, write_atomically};
use std::path::Path;
use std::time::{Duration, Instant};

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read the folder")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_is_written_through_and_stays_a_link() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let (here, there) = (dir.path().join("here"), dir.path().join("there"));
    std::fs::create_dir(&here).unwrap();
    std::fs::create_dir(&there).unwrap();
    std::fs::write(there.join("model.json"), "old").unwrap();
    // A link to a link to the file, in another folder.
    symlink("../there/model.json", here.join("inner")).unwrap();
    symlink("inner", here.join("outer")).unwrap();
    write_atomically(&here.join("outer"), b"new").expect("written");
    assert_eq!(std::fs::read(there.join("model.json")).unwrap(), b"new");
    assert_eq!(
        std::fs::read_link(here.join("outer")).unwrap(),
        Path::new("inner")
    );
    assert_eq!(
        std::fs::read_link(here.join("inner")).unwrap(),
        Path::new("../there/model.json")
    );
    assert_eq!(names(&here), ["inner", "outer"]);
    assert_eq!(names(&there), ["model.json"]);

    // A link to a file not made yet creates that file.
    symlink("../there/later.json", here.join("later")).unwrap();
    write_atomically(&here.join("later"), b"made").expect("written");
    assert_eq!(std::fs::read(there.join("later.json")).unwrap(), b"made");
    assert!(
        std::fs::symlink_metadata(here.join("later"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(names(&there), ["later.json", "model.json"]);

    // Links that go round are an error, not a hang, and write nothing.
    symlink("loop-b", here.join("loop-a")).unwrap();
    symlink("loop-a", here.join("loop-b")).unwrap();
    let e = write_atomically(&here.join("loop-a"), b"x").unwrap_err();
    assert!(e.to_string().contains("loop-a"), "{e}");
    assert_eq!(
        names(&here),
        ["inner", "later", "loop-a", "loop-b", "outer"]
    );
}

#[test]
fn paths_are_compared_by_the_file_they_name_not_their_spelling() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("sub")).unwrap();
    std::fs::write(d.join("a.csv"), "a").unwrap();
    std::fs::write(d.join("b.csv"), "a").unwrap();
    let id = |p: &Path| FileIdentity::of(p).unwrap_or_else(|| panic!("{}", p.display()));
    let a = id(&d.join("a.csv"));
    assert_eq!(a, id(&d.join("sub/../a.csv")));
    assert_eq!(a, id(&d.join("./a.csv")));
    assert_ne!(a, id(&d.join("b.csv")), "same bytes, another file");
    assert!(matches!(a, FileIdentity::Existing(_)));
    // Files not made yet: where they would be created.
    let planned = id(&d.join("new.json"));
    assert!(matches!(planned, FileIdentity::Planned(_)), "{planned:?}");
    assert_eq!(planned, id(&d.join("sub/../new.json")));
    assert_eq!(planned, id(&d.join("./new.json")));
    assert_eq!(id(&d.join("missing/x")), id(&d.join("missing/./x")));
    assert_ne!(planned, id(&d.join("sub/new.json")));
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("a.csv", d.join("link")).unwrap();
        std::fs::hard_link(d.join("a.csv"), d.join("hard")).unwrap();
        std::os::unix::fs::symlink("sub", d.join("sub-link")).unwrap();
        std::os::unix::fs::symlink("new.json", d.join("dangling")).unwrap();
        assert_eq!(a, id(&d.join("link")));
        assert_eq!(a, id(&d.join("hard")));
        assert_eq!(id(&d.join("sub/x")), id(&d.join("sub-link/x")));
        assert_eq!(planned, id(&d.join("dangling")));
    }
}

/// Set in the copy of this test binary that runs the test below alone.
const ALONE: &str = "DUALPATH_TEST_STOP_WRITES_ALONE";

/// `stop_writes` removes the temporary file of a write in progress and
/// holds back every other write, as the program does on a second Ctrl-C
/// before it exits. It acts on the whole process, so the checks run in a
/// copy of this test binary that runs this test alone.
#[test]
fn stop_writes_removes_the_temporary_file_of_a_write_in_progress() {
    if std::env::var_os(ALONE).is_none() {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "writes::stop_writes_removes_the_temporary_file_of_a_write_in_progress",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(ALONE, "1")
            .output()
            .expect("the test binary runs");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && text.contains("stop_writes: checked"),
            "{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.bin");
    std::fs::write(&big, b"old").unwrap();
    // Large enough that writing and syncing it takes a while.
    let writer = {
        let big = big.clone();
        std::thread::spawn(move || write_atomically(&big, &vec![7u8; 64 << 20]))
    };
    let start = Instant::now();
    let seen = loop {
        if let Some(tmp) = names(dir.path()).into_iter().find(|n| n.ends_with(".tmp")) {
            break tmp;
        }
        assert!(
            !writer.is_finished(),
            "the write ended before its temporary file was seen"
        );
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no temporary file appeared"
        );
        std::thread::yield_now();
    };
    let held = stop_writes();
    assert_eq!(names(dir.path()), ["big.bin"], "{seen} removed");
    assert_eq!(
        std::fs::read(&big).unwrap(),
        b"old",
        "the file keeps its old contents"
    );
    // Another write cannot start while the writes are stopped.
    let other = dir.path().join("other.json");
    let second = {
        let other = other.clone();
        std::thread::spawn(move || write_atomically(&other, b"{}"))
    };
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        names(dir.path()),
        ["big.bin"],
        "nothing written while stopped"
    );
    assert!(!writer.is_finished() || writer.join().unwrap().is_err());
    assert!(!second.is_finished());
    println!("stop_writes: checked");
    // As the program does: end with the writes still held.
    let _ = &held;
    std::process::exit(0);
}
