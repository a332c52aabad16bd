//! Every command the README and the chapters show runs, as written.
//!
//! The Markdown is read when the test runs. In each file, in the order
//! written, every fenced block whose language is `sh` is a list of program
//! commands (`dualpath …`, or `cargo run --release -- …`, which is run as the
//! built program; a bare `cargo run --release` is the tour), run in a
//! temporary folder of that file's own, so that a model one command saves is
//! there for the next. A block whose info string holds `file:NAME` (` ```csv
//! file:roasts.csv `) is written to that folder as `NAME` when it is
//! reached. The info string also says what not to run and what else to
//! expect: `skip` (` ```sh skip `) for commands that are not the
//! program's or take too long (`cargo test`, `cargo bench`, an example), and
//! `exit:N` for commands that end with exit code N instead of 0.
//! `docs/DESIGN.md` ("Commands in the docs") states the convention.

use super::helpers::stdout;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

/// A command found in a Markdown file: where, the words after the program's
/// name, and the exit code it must end with.
#[derive(Debug, PartialEq)]
struct Step {
    line: usize,
    args: Vec<String>,
    exit: i32,
}

/// What a Markdown file asks for, in order: files to write and commands to
/// run.
#[derive(Debug, PartialEq)]
enum Item {
    File {
        line: usize,
        name: String,
        text: String,
    },
    Run(Step),
}

/// The items of `markdown`, or the first line that breaks the convention.
fn items(markdown: &str) -> Result<Vec<Item>, String> {
    let mut out = Vec::new();
    let mut lines = markdown.lines().enumerate();
    while let Some((i, line)) = lines.next() {
        let trimmed = line.trim_start();
        let Some(info) = trimmed.strip_prefix("```") else {
            continue;
        };
        let fence = &trimmed[..trimmed.len() - info.len()];
        // A block inside a list item is indented; its lines lose that much.
        let indent = line.len() - trimmed.len();
        let mut body = Vec::new();
        for (_, l) in lines.by_ref() {
            if l.trim_start().starts_with(fence) && l.trim().trim_start_matches('`').is_empty() {
                break;
            }
            let cut = l.len() - l.trim_start().len();
            body.push(&l[cut.min(indent)..]);
        }
        let mut words = info.split_whitespace();
        let language = words.next().unwrap_or("");
        let (mut no_run, mut exit, mut file) = (false, 0, None);
        for w in words {
            if w == "skip" {
                no_run = true;
            } else if let Some(n) = w.strip_prefix("exit:") {
                exit = n
                    .parse()
                    .map_err(|_| format!("line {}: `{w}`: not an exit code", i + 1))?;
            } else if let Some(name) = w.strip_prefix("file:") {
                file = Some(name.to_string());
            }
        }
        if let Some(name) = file {
            let mut text = body.join("\n");
            text.push('\n');
            out.push(Item::File {
                line: i + 1,
                name,
                text,
            });
        } else if language == "sh" && !no_run {
            for (line, text) in logical_lines(&body, i + 2) {
                let args = program_args(&text).map_err(|e| format!("line {line}: {e}"))?;
                out.push(Item::Run(Step { line, args, exit }));
            }
        }
    }
    Ok(out)
}

/// The block's lines with `\` continuations joined and `#` comments and
/// blank lines dropped, each with the number of its first line.
fn logical_lines(body: &[&str], first: usize) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut open = false;
    for (k, raw) in body.iter().enumerate() {
        let text = strip_comment(raw);
        let (text, continues) = match text.trim_end().strip_suffix('\\') {
            Some(t) => (t.to_string(), true),
            None => (text.trim_end().to_string(), false),
        };
        if open {
            let last = out.last_mut().expect("a line is open");
            last.1.push(' ');
            last.1.push_str(text.trim());
        } else if !text.trim().is_empty() {
            out.push((first + k, text.trim().to_string()));
        }
        open = continues && !out.is_empty();
    }
    out
}

/// `line` without a shell comment: a `#` that starts a word, outside quotes.
fn strip_comment(line: &str) -> String {
    let (mut quote, mut previous) = (None, ' ');
    for (k, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '#' && previous.is_whitespace() => return line[..k].to_string(),
            None => {}
        }
        previous = c;
    }
    line.to_string()
}

/// The words after the program's name, split as a shell would split them
/// (spaces, single and double quotes), or why the line is not a command of
/// the program.
fn program_args(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let (mut word, mut quote, mut started) = (String::new(), None, false);
    for c in line.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => word.push(c),
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                started = true;
            }
            None if c.is_whitespace() => {
                if started {
                    words.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            None if "|&;<>$`*?".contains(c) => {
                return Err(format!(
                    "`{line}`: `{c}` asks for a shell; the commands of a runnable block are the program's alone"
                ));
            }
            None => {
                word.push(c);
                started = true;
            }
        }
    }
    if quote.is_some() {
        return Err(format!("`{line}`: a quote is not closed"));
    }
    if started {
        words.push(word);
    }
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    let skip = match w.as_slice() {
        ["dualpath", ..] => 1,
        ["cargo", "run", "--release"] => 3,
        ["cargo", "run", "--release", "--", ..] => 4,
        _ => {
            return Err(format!(
                "`{line}` is not a command of the program (`dualpath …` or \
                 `cargo run --release -- …`); if it must not run here, mark its block ```sh skip"
            ));
        }
    };
    if words[skip..].iter().any(|a| a == "…" || a == "...") {
        return Err(format!(
            "`{line}`: `…` leaves words out; write the command in full or mark its block ```sh skip"
        ));
    }
    Ok(words.split_off(skip))
}

/// One command's run: where it is written, what it printed.
struct Ran {
    line: usize,
    args: Vec<String>,
    output: Output,
}

/// Runs the items of the Markdown file `name` (relative to the crate) in a
/// fresh folder, in order, stopping at the first command that ends with
/// another exit code than the file says; every run so far, or the failure.
fn run_file(name: &str) -> Result<Vec<Ran>, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    let markdown =
        std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let items = items(&markdown).map_err(|e| format!("{name}, {e}"))?;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut ran = Vec::new();
    for item in items {
        match item {
            Item::File {
                line,
                name: file,
                text,
            } => {
                if file.contains('/') || file.contains("..") {
                    return Err(format!(
                        "{name}:{line}: file:{file}: a bare file name, please"
                    ));
                }
                std::fs::write(dir.path().join(&file), text).expect("write the file");
            }
            Item::Run(step) => {
                let started = Instant::now();
                let output = Command::new(env!("CARGO_BIN_EXE_dualpath"))
                    .args(&step.args)
                    .current_dir(dir.path())
                    .output()
                    .expect("the dualpath binary runs");
                eprintln!(
                    "{name}:{}: dualpath {} ({:.2} s)",
                    step.line,
                    step.args.join(" "),
                    started.elapsed().as_secs_f64()
                );
                if output.status.code() != Some(step.exit) {
                    return Err(format!(
                        "{name}:{}: `dualpath {}` ended with {} where the file expects exit code {}\nstdout:\n{}\nstderr:\n{}",
                        step.line,
                        step.args.join(" "),
                        output.status,
                        step.exit,
                        stdout(&output),
                        String::from_utf8_lossy(&output.stderr)
                    ));
                }
                ran.push(Ran {
                    line: step.line,
                    args: step.args,
                    output,
                });
            }
        }
    }
    Ok(ran)
}

/// The Markdown files the learner reads: `README.md` and `docs/*.md`.
fn chapters() -> Vec<String> {
    let docs: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let mut names: Vec<String> = std::fs::read_dir(&docs)
        .expect("the docs folder")
        .map(|e| {
            e.expect("a docs entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.ends_with(".md"))
        .map(|n| format!("docs/{n}"))
        .collect();
    names.sort();
    names
}

#[test]
fn every_command_of_the_readme_runs_and_its_model_calls_the_labs_roasts_right() {
    let ran = run_file("README.md").unwrap_or_else(|e| panic!("{e}"));
    assert!(
        ran.len() >= 15,
        "the README's commands were found: {}",
        ran.len()
    );
    // The README's first `predict` reads the model its first `train` saved
    // and the lab's two test roasts: 200 °C for 13.9 minutes is good, for 17
    // minutes bad (C2_W1_Lab02_CoffeeRoasting_TF).
    let predict = ran
        .iter()
        .find(|r| r.args.first().is_some_and(|a| a == "predict"))
        .expect("the README predicts");
    let text = stdout(&predict.output);
    let decisions: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap_or(""))
        .collect();
    assert_eq!(
        decisions.get(..2),
        Some(&["1", "0"][..]),
        "README.md:{}: the lab's roasts, good then bad:\n{text}",
        predict.line
    );
}

#[test]
fn every_command_of_the_chapters_runs() {
    let mut failures = Vec::new();
    let mut count = 0;
    for name in chapters() {
        match run_file(&name) {
            Ok(ran) => count += ran.len(),
            Err(e) => failures.push(e),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(count >= 3, "the chapters' commands were found: {count}");
}

#[test]
fn chapter_3_shows_the_epochs_the_program_prints() {
    // The run shown in chapter 3 comes from the example; the program, given
    // the same settings (`--repeat 100`), must print the same epochs.
    let name = "docs/03-gradient-descent.md";
    let markdown = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(name))
        .expect("chapter 3");
    let shown: Vec<(String, String)> = markdown
        .lines()
        .filter(|l| l.starts_with("Epoch "))
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            (w[1].to_string(), format!("{} {}", w[3], w[5]))
        })
        .collect();
    assert_eq!(shown.len(), 10, "{name}: ten epochs shown");
    let ran = run_file(name).unwrap_or_else(|e| panic!("{e}"));
    let train = ran
        .iter()
        .find(|r| r.args.iter().any(|a| a == "--repeat"))
        .expect("chapter 3 runs train --repeat");
    let printed: Vec<(String, String)> = stdout(&train.output)
        .lines()
        .filter(|l| l.starts_with("Epoch "))
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            (w[1].to_string(), format!("{} {}", w[4], w[7]))
        })
        .collect();
    assert_eq!(printed, shown, "{name}:{}: the epochs shown", train.line);
}

#[test]
fn the_labs_appendix_shows_the_coffee_curve_the_program_prints() {
    // docs/labs.md quotes the loss per epoch of the TensorFlow coffee lab's
    // training started from the lab's printed weights; the program must
    // print those epochs.
    let name = "docs/labs.md";
    let markdown = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(name))
        .expect("the labs appendix");
    let sentence = markdown
        .split("It prints the loss per epoch: ")
        .nth(1)
        .and_then(|rest| rest.split(" (the lab:").next())
        .expect("the appendix quotes the program's losses");
    let shown: Vec<&str> = sentence
        .split(',')
        .map(str::trim)
        .filter(|w| *w != "…")
        .collect();
    assert_eq!(shown.len(), 5, "{name}: five epochs quoted: {shown:?}");
    let ran = run_file(name).unwrap_or_else(|e| panic!("{e}"));
    let train = ran
        .iter()
        .find(|r| r.args.iter().any(|a| a == "--repeat"))
        .expect("the appendix runs train --repeat");
    let printed: Vec<String> = stdout(&train.output)
        .lines()
        .filter(|l| l.starts_with("Epoch "))
        .map(|l| l.split_whitespace().nth(4).expect("a loss").to_string())
        .collect();
    assert_eq!(printed.len(), 10, "{name}: ten epochs");
    let quoted: Vec<&str> = [0, 1, 2, 8, 9]
        .iter()
        .map(|&e| printed[e].as_str())
        .collect();
    assert_eq!(quoted, shown, "{name}:{}: epochs 1-3, 9 and 10", train.line);
}

#[test]
fn the_convention_reads_blocks_files_marks_and_continuations() {
    let md = "text\n\
        ```csv file:a.csv\nx,y\n1,2\n```\n\
        ```sh\n# a comment\ncargo run --release -- train --data a.csv \\\n    --epochs 2   # why\n\n\
        dualpath predict --name 'two words'\ncargo run --release\n```\n\
        ```sh skip\ncargo test\n```\n\
        ```sh exit:2\ndualpath train --lr 0\n```\n\
        ```text\ncargo bench\n```\n\
        - a list item:\n\n  ```csv file:b.csv\n  x\n    1\n  ```\n";
    let got = items(md).expect("read");
    let run = |line: usize, args: &[&str], exit: i32| {
        Item::Run(Step {
            line,
            args: args.iter().map(|s| s.to_string()).collect(),
            exit,
        })
    };
    assert_eq!(
        got,
        vec![
            Item::File {
                line: 2,
                name: "a.csv".into(),
                text: "x,y\n1,2\n".into()
            },
            run(8, &["train", "--data", "a.csv", "--epochs", "2"], 0),
            run(11, &["predict", "--name", "two words"], 0),
            run(12, &[], 0),
            run(18, &["train", "--lr", "0"], 2),
            Item::File {
                line: 25,
                name: "b.csv".into(),
                text: "x\n  1\n".into()
            },
        ]
    );
}

#[test]
fn a_command_that_is_not_the_programs_must_be_marked() {
    for (block, needle) in [
        ("```sh\ncargo test\n```\n", "skip"),
        (
            "```sh\ncargo run --release --example softmax\n```\n",
            "skip",
        ),
        ("```sh\ndualpath train ...\n```\n", "leaves words out"),
        ("```sh\ndualpath predict | head\n```\n", "shell"),
        ("```sh exit:x\ndualpath\n```\n", "exit code"),
    ] {
        let e = items(block).expect_err(block);
        assert!(e.contains(needle), "{block}: {e}");
    }
}
