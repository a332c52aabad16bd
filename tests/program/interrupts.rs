//! Ctrl-C during `train`, for real: the program is started on a run that
//! would last for hours, sent SIGINT (or SIGTERM) once its first epoch is
//! printed, and must finish the step it is taking, save the weights so far
//! and the history, say where it stopped, and exit with 130, leaving no
//! temporary file. A second signal stops it at once, still leaving no
//! temporary file, whatever the moment it arrives. `speedup`, which has
//! nothing to keep, stops at the first.

use dualpath::io::model::Model;
use dualpath::{Activation, Network};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

const EPOCHS: &str = "100000";

/// Starts a long `train` on the built-in digits in `dir`, saving the model
/// to `m.json` and the history to `h.json`; returns once it has printed
/// its first epoch.
fn start_long_training(dir: &Path, layers: &str) -> (Child, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dualpath"))
        .args([
            "train",
            "--data",
            "digits8x8",
            "--layers",
            layers,
            "--loss",
            "scce",
            "--epochs",
            EPOCHS,
            "--quiet",
            "--save",
            "m.json",
            "--history",
            "h.json",
        ])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the dualpath binary starts");
    let mut lines = Vec::new();
    let mut out = BufReader::new(child.stdout.take().expect("its stdout"));
    loop {
        let mut line = String::new();
        let read = out.read_line(&mut line).expect("read stdout");
        assert!(read > 0, "train ended before its first epoch: {lines:?}");
        let epoch = line.starts_with("Epoch");
        lines.push(line);
        if epoch {
            break;
        }
    }
    // The rest of stdout, read on a thread so the program never blocks on it.
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    (child, lines)
}

fn signal(child: &Child, signal: Signal) {
    let pid = Pid::from_raw(i32::try_from(child.id()).expect("a pid"));
    kill(pid, signal).expect("send the signal");
}

fn finish(child: Child) -> Output {
    child.wait_with_output().expect("the program ends")
}

/// The names in `dir` that end in `.tmp`.
fn temporary_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("read the folder")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

/// One signal: the weights so far and the history are saved, and the
/// message says where training stopped.
fn stops_and_saves(sig: Signal) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let (child, _) = start_long_training(dir.path(), "25:relu,10:softmax");
    signal(&child, sig);
    let out = finish(child);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{sig}: exit code; stderr: {err}"
    );
    assert_eq!(err.lines().count(), 1, "{sig}: one line on stderr: {err}");
    // "dualpath: interrupted at epoch E of 100000, step S of 57: saved …"
    let rest = err
        .strip_prefix("dualpath: interrupted at epoch ")
        .unwrap_or_else(|| panic!("{sig}: the message: {err}"));
    let (epoch, rest) = rest
        .split_once(&format!(" of {EPOCHS}, step "))
        .expect(&err);
    let (step, rest) = rest.split_once(" of ").expect(&err);
    let (steps, saved) = rest.split_once(": ").expect(&err);
    let number = |s: &str| {
        s.parse::<u64>()
            .unwrap_or_else(|_| panic!("{s:?} in {err}"))
    };
    let (epoch, step, steps) = (number(epoch), number(step), number(steps));
    assert_eq!(steps, 57, "1797 rows in batches of 32");
    assert!(epoch >= 1 && (1..=steps).contains(&step), "{err}");
    assert_eq!(
        saved.trim_end(),
        "saved the weights so far to m.json and the history to h.json"
    );

    // The model: loadable, and trained (its weights moved from the start).
    let model = Model::load(&dir.path().join("m.json")).expect("a model file");
    let start = Network::<f64>::new(64, &[(25, Activation::Relu), (10, Activation::Softmax)], 0)
        .expect("the starting network");
    assert_eq!(model.network.widths(), start.widths());
    assert_ne!(
        model.network.layers()[0].w(),
        start.layers()[0].w(),
        "{sig}: the saved weights are the trained ones"
    );

    // The history: the epochs completed, and where it stopped.
    let text = std::fs::read_to_string(dir.path().join("h.json")).expect("the history");
    let history: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let completed = if step == steps { epoch } else { epoch - 1 };
    assert_eq!(
        history["loss"].as_array().map(Vec::len),
        Some(completed as usize),
        "{text}"
    );
    assert_eq!(history["stopped"]["epoch"], epoch, "{text}");
    assert_eq!(history["stopped"]["step"], step, "{text}");
    assert_eq!(history["stopped"]["steps"], steps, "{text}");
    assert_eq!(
        history["stopped"]["of"],
        EPOCHS.parse::<u64>().unwrap(),
        "{text}"
    );

    assert_eq!(temporary_files(dir.path()), Vec::<String>::new());
}

#[test]
fn sigint_during_training_saves_the_weights_so_far_and_exits_130() {
    stops_and_saves(Signal::SIGINT);
}

#[test]
fn sigterm_during_training_saves_the_weights_so_far_and_exits_130() {
    stops_and_saves(Signal::SIGTERM);
}

/// Two signals, the second a moment after the first: whether it lands
/// during the last step, the model's save or the history's, the program
/// ends with 130 and leaves no temporary file, and any file it leaves is
/// whole.
#[test]
fn a_second_signal_stops_at_once_and_leaves_no_temporary_file() {
    // A wide layer makes the model file large, so that a save takes long
    // enough for the second signal to land in it.
    for delay_ms in [0, 2, 5, 10, 20, 40] {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let (child, _) = start_long_training(dir.path(), "400:relu,10:softmax");
        signal(&child, Signal::SIGINT);
        std::thread::sleep(Duration::from_millis(delay_ms));
        // The program may have ended already: then the signal has nothing to reach.
        let _ = kill(
            Pid::from_raw(i32::try_from(child.id()).unwrap()),
            Signal::SIGINT,
        );
        let out = finish(child);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(130), "{delay_ms} ms: {err}");
        assert!(
            err.starts_with("dualpath: interrupted"),
            "{delay_ms} ms: {err}"
        );
        assert_eq!(
            temporary_files(dir.path()),
            Vec::<String>::new(),
            "{delay_ms} ms"
        );
        if dir.path().join("m.json").exists() {
            Model::load(&dir.path().join("m.json")).expect("a whole model file");
        }
        if let Ok(text) = std::fs::read_to_string(dir.path().join("h.json")) {
            serde_json::from_str::<serde_json::Value>(&text).expect("a whole history");
        }
    }
}

/// `speedup` has nothing to keep from a sweep cut short: Ctrl-C stops it at
/// once, with exit code 130 and no chart, whole or partial.
#[test]
fn sigint_stops_the_speedup_sweep_at_once_and_writes_no_chart() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut child = Command::new(env!("CARGO_BIN_EXE_dualpath"))
        .args(["speedup", "--plot", "charts"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the dualpath binary starts");
    // Its first line says what it does; the sweep starts after it.
    let mut out = BufReader::new(child.stdout.take().expect("its stdout"));
    let mut line = String::new();
    out.read_line(&mut line).expect("read stdout");
    assert!(line.starts_with("A quick"), "{line}");
    std::thread::sleep(Duration::from_millis(200));
    signal(&child, Signal::SIGINT);
    let out = finish(child);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(
        err.trim_end()
            .ends_with("dualpath: interrupted: stopped at once, nothing more written"),
        "{err}"
    );
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "nothing written"
    );
}
