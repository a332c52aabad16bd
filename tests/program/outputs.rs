//! Nothing a user gives is lost: an output path that names an input, or
//! another output, is refused before any work, however it is spelled
//! (`./d.csv`, an absolute path, a symbolic link, a hard link), and so is
//! an output that cannot be written. Every refusal is exit code 2 and one
//! line naming both flags, and leaves every file in the folder as it was,
//! byte for byte.
//!
//! And a symbolic link given as an output is written through: the file it
//! points to is replaced, and the link stays.

use super::helpers::{assert_bad_input, dualpath, stderr};
use std::collections::BTreeMap;
use std::path::Path;

const DATA: &str = "a,b,y\n1,2,0\n2,1,1\n3,3,1\n0,1,0\n";
const VALIDATION: &str = "a,b,y\n1,1,0\n2,2,1\n";

/// Everything in `dir`, recursively: each file's bytes, each link's target,
/// each folder as an empty entry.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, into: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).expect("read the folder") {
            let path = entry.expect("an entry").path();
            let name = path.strip_prefix(root).unwrap().display().to_string();
            let meta = std::fs::symlink_metadata(&path).expect("metadata");
            if meta.file_type().is_symlink() {
                let to = std::fs::read_link(&path).expect("a link");
                into.insert(format!("{name} ->"), to.display().to_string().into_bytes());
            } else if meta.is_dir() {
                into.insert(format!("{name}/"), Vec::new());
                walk(root, &path, into);
            } else {
                into.insert(name, std::fs::read(&path).expect("read a file"));
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(dir, dir, &mut files);
    files
}

/// A folder with the data, the validation data and a model to start from.
fn folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(dir.path().join("d.csv"), DATA).unwrap();
    std::fs::write(dir.path().join("v.csv"), VALIDATION).unwrap();
    let out = dualpath(
        dir.path(),
        &[
            "train", "--data", "d.csv", "--epochs", "1", "--quiet", "--save", "m.json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    dir
}

/// `train --epochs 1 --quiet` with `args` is refused with exit code 2 and
/// one line holding every fragment of `says`, and no file in `dir` changes.
fn refused(dir: &Path, args: &[&str], says: &[&str]) {
    let before = snapshot(dir);
    let mut all = vec!["train", "--epochs", "1", "--quiet"];
    all.extend_from_slice(args);
    assert_bad_input(dir, &all, says);
    assert_eq!(snapshot(dir), before, "{args:?} changed the folder");
}

#[test]
fn an_output_that_names_the_data_is_refused_however_it_is_spelled() {
    let dir = folder();
    let abs = dir.path().join("d.csv").display().to_string();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("d.csv", dir.path().join("link.csv")).unwrap();
        std::fs::hard_link(dir.path().join("d.csv"), dir.path().join("hard.csv")).unwrap();
    }
    let mut spellings = vec!["d.csv", "./d.csv", abs.as_str()];
    if cfg!(unix) {
        spellings.extend(["link.csv", "hard.csv"]);
    }
    for spelling in &spellings {
        for flag in ["--save", "--history"] {
            refused(
                dir.path(),
                &["--data", "d.csv", flag, spelling],
                &[&format!(
                    "{flag} {spelling} is the --data file; choose another name"
                )],
            );
            // And the other way round: the data named by the other spelling.
            refused(
                dir.path(),
                &["--data", spelling, flag, "d.csv"],
                &[&format!("{flag} d.csv is the --data file")],
            );
        }
    }
}

#[test]
fn an_output_that_names_the_validation_data_or_the_model_is_refused() {
    let dir = folder();
    refused(
        dir.path(),
        &[
            "--data",
            "d.csv",
            "--validation-data",
            "v.csv",
            "--save",
            "./v.csv",
        ],
        &["--save ./v.csv is the --validation-data file"],
    );
    refused(
        dir.path(),
        &[
            "--data",
            "d.csv",
            "--model",
            "m.json",
            "--history",
            "m.json",
        ],
        &["--history m.json is the --model file"],
    );
    refused(
        dir.path(),
        &["--data", "d.csv", "--model", "m.json", "--plot", "m.json"],
        &["--plot m.json is the --model file"],
    );
}

#[test]
fn two_outputs_that_name_one_file_are_refused_whether_or_not_it_exists() {
    let dir = folder();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("h.json"), "kept\n").unwrap();
    refused(
        dir.path(),
        &["--data", "d.csv", "--save", "h.json", "--history", "h.json"],
        &["--history h.json is the --save file; choose another name"],
    );
    // Not there yet: compared by where each would be created.
    refused(
        dir.path(),
        &[
            "--data",
            "d.csv",
            "--save",
            "new.json",
            "--history",
            "sub/../new.json",
        ],
        &["--history sub/../new.json is the --save file"],
    );
    #[cfg(unix)]
    {
        // A link to a file not made yet is the file it would create.
        std::os::unix::fs::symlink("sub/later.json", dir.path().join("later")).unwrap();
        refused(
            dir.path(),
            &[
                "--data",
                "d.csv",
                "--save",
                "later",
                "--history",
                "sub/later.json",
            ],
            &["--history sub/later.json is the --save file"],
        );
    }
}

#[test]
fn the_chart_folder_and_its_charts_clash_with_no_input_or_output() {
    let dir = folder();
    std::fs::create_dir(dir.path().join("charts")).unwrap();
    std::fs::write(dir.path().join("charts/loss.svg"), DATA).unwrap();
    refused(
        dir.path(),
        &["--data", "charts/loss.svg", "--plot", "charts"],
        &[
            "--plot charts would write charts/loss.svg, which is the --data file; choose another folder",
        ],
    );
    refused(
        dir.path(),
        &[
            "--data",
            "d.csv",
            "--save",
            "charts/loss.svg",
            "--plot",
            "./charts",
        ],
        &["--plot ./charts would write ./charts/loss.svg, which is the --save file"],
    );
    refused(
        dir.path(),
        &["--data", "d.csv", "--save", "out", "--plot", "out"],
        &["--plot out is the --save file"],
    );
    refused(
        dir.path(),
        &["--data", "d.csv", "--plot", "d.csv"],
        &["--plot d.csv is the --data file"],
    );
}

#[test]
fn outputs_are_checked_for_writing_before_training() {
    let dir = folder();
    std::fs::write(dir.path().join("a_file"), "x").unwrap();
    std::fs::create_dir_all(dir.path().join("c2/loss.svg")).unwrap();
    refused(
        dir.path(),
        &["--data", "d.csv", "--plot", "a_file/charts"],
        &["--plot a_file/charts", "a_file is a file"],
    );
    refused(
        dir.path(),
        &["--data", "d.csv", "--plot", "c2"],
        &[
            "--plot c2",
            "c2/loss.svg is a directory",
            "expected a file name",
        ],
    );
    refused(
        dir.path(),
        &["--data", "d.csv", "--save", "c2"],
        &["--save c2", "names a directory", "expected a file name"],
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let locked = dir.path().join("locked");
        std::fs::create_dir(&locked).unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
        // The superuser writes in any folder: then there is nothing to refuse.
        let superuser = std::fs::write(locked.join("probe"), "").is_ok();
        if !superuser {
            refused(
                dir.path(),
                &["--data", "d.csv", "--save", "locked/m.json"],
                &["--save locked/m.json", "not writable"],
            );
            refused(
                dir.path(),
                &["--data", "d.csv", "--plot", "locked/charts"],
                &["--plot locked/charts", "not writable"],
            );
        }
        let _ = std::fs::remove_file(locked.join("probe"));
        // Links that go round name no file to write.
        std::os::unix::fs::symlink("loop-b", dir.path().join("loop-a")).unwrap();
        std::os::unix::fs::symlink("loop-a", dir.path().join("loop-b")).unwrap();
        refused(
            dir.path(),
            &["--data", "d.csv", "--save", "loop-a"],
            &["--save loop-a: cannot write there", "symbolic links"],
        );
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn continuing_a_model_in_place_and_naming_built_in_data_are_allowed() {
    let dir = folder();
    let before = std::fs::read(dir.path().join("m.json")).unwrap();
    let out = dualpath(
        dir.path(),
        &[
            "train", "--data", "d.csv", "--model", "m.json", "--save", "./m.json", "--epochs", "1",
            "--quiet",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let after = std::fs::read(dir.path().join("m.json")).unwrap();
    assert_ne!(
        before, after,
        "the model was trained further and saved in place"
    );
    dualpath::io::model::Model::load(&dir.path().join("m.json")).expect("a model file");
    // `coffee` is the built-in data set, not a file: a file of that name may be written.
    let out = dualpath(
        dir.path(),
        &[
            "train", "--data", "coffee", "--save", "coffee", "--epochs", "1", "--quiet",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    dualpath::io::model::Model::load(&dir.path().join("coffee")).expect("a model file");
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_given_as_an_output_is_written_through_and_kept() {
    let dir = folder();
    std::fs::create_dir(dir.path().join("models")).unwrap();
    std::fs::write(dir.path().join("models/real.json"), "old\n").unwrap();
    std::os::unix::fs::symlink("models/real.json", dir.path().join("m-link.json")).unwrap();
    std::os::unix::fs::symlink("models/h.json", dir.path().join("h-link.json")).unwrap();
    let out = dualpath(
        dir.path(),
        &[
            "train",
            "--data",
            "d.csv",
            "--epochs",
            "1",
            "--quiet",
            "--save",
            "m-link.json",
            "--history",
            "h-link.json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for (link, to) in [
        ("m-link.json", "models/real.json"),
        ("h-link.json", "models/h.json"),
    ] {
        let meta = std::fs::symlink_metadata(dir.path().join(link)).unwrap();
        assert!(meta.file_type().is_symlink(), "{link} is still a link");
        assert_eq!(
            std::fs::read_link(dir.path().join(link)).unwrap(),
            Path::new(to)
        );
    }
    dualpath::io::model::Model::load(&dir.path().join("models/real.json")).expect("the model");
    let history = std::fs::read_to_string(dir.path().join("models/h.json")).unwrap();
    assert!(history.contains("\"loss\""), "{history}");
    let names: Vec<String> = std::fs::read_dir(dir.path().join("models"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
}
