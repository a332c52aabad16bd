//! Every code reference in the documentation names something that exists.
//!
//! The chapters in `docs/` and the README point a reader at files, functions
//! and tests; when code is renamed or moved, this test says which reference
//! went stale. It reads `docs/*.md`, `README.md` and the `//!` documentation
//! of every Rust file in `src/`, `tests/`, `examples/` and `benches/` (the
//! crate's map in `src/lib.rs` among them), and checks:
//!
//! 1. **Paths.** Every `src/…`, `tests/…`, `examples/…` or `benches/…` path
//!    in the text (a link target such as `../src/paths/matrix.rs`, or a path in
//!    backticks) exists in the repository. A path counts when it starts the
//!    text, follows a space, a bracket, a parenthesis, a quote or a backtick,
//!    or follows `../` (so `keras/src/optimizers/adam.py`, another project's
//!    path, is not taken for ours).
//! 2. **Links.** Every relative Markdown link, its text in brackets then its
//!    target in parentheses (not `http…`, not `#anchor`, not a Rust item
//!    such as `enum@Error` in a Rust file's documentation, which `cargo doc`
//!    checks), resolves to a file or folder, from the linking file's folder.
//! 3. **Named items.** A link whose text is one name in backticks and whose
//!    target is a Rust file, `` [`dense_forward`](../../src/paths/matrix.rs) `` or
//!    `` [`Network::new`](../../src/nn/network.rs) ``, names something that file
//!    defines: the last `::` segment must appear as `fn NAME`, `struct NAME`,
//!    `enum NAME`, `trait NAME`, `type NAME`, `const NAME`, `static NAME`,
//!    `mod NAME`, or an enum variant (a line that starts with `NAME {`,
//!    `NAME(` or `NAME,`). Tests are named this way too:
//!    `` [`notes_loop_backward_agrees_for_linear_layer`](../../tests/proofs/erratum.rs) ``.
//!    An example is named by its own name:
//!    `` [`coffee_roasting`](../../examples/coffee_roasting.rs) ``.
//! 4. **Module paths in backticks.** `` `matrix::dense_backward` `` (or
//!    `` `dualpath::matrix::dense_backward` ``), where `matrix` is a file
//!    `src/paths/matrix.rs`, names an item of that file, linked or not.
//! 5. **Commands.** `cargo test --test NAME` needs `tests/NAME.rs` or
//!    `tests/NAME/main.rs`, and
//!    `--example NAME` needs `examples/NAME.rs` or `examples/NAME/main.rs`
//!    (an all-capitals `NAME` is a placeholder and is skipped).
//!
//! The checks are plain text scans, no Markdown parser: they can miss a
//! reference written some other way, but whatever they report is a real
//! mismatch. The last tests run the checker on made-up text, so a checker
//! that silently checks nothing would fail.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// The repository root (where Cargo.toml is).
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What a scan found: problems, and how many references it checked.
#[derive(Debug, Default)]
struct Report {
    problems: Vec<String>,
    checked: usize,
}

impl Report {
    fn check(&mut self, ok: bool, problem: impl FnOnce() -> String) {
        self.checked += 1;
        if !ok {
            self.problems.push(problem());
        }
    }
}

/// Characters a path in the text may contain.
fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/')
}

/// Characters after which a path may start.
fn opens_path(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | '[' | '`' | '"' | '\'' | '|')
}

/// Every `src/…`, `tests/…`, `examples/…`, `benches/…` path in `text`,
/// relative to the repository root.
fn repo_paths(text: &str) -> Vec<String> {
    const TOPS: [&str; 5] = ["src/", "tests/", "examples/", "benches/", "kernels/"];
    let mut found = Vec::new();
    for (start, _) in text.char_indices() {
        let rest = &text[start..];
        if !TOPS.iter().any(|top| rest.starts_with(top)) {
            continue;
        }
        let before = &text[..start];
        let mut chars = before.chars().rev();
        let starts_here = match chars.next() {
            None => true,
            Some(c) if opens_path(c) => true,
            Some('/') => {
                // `../src/...`: the `..` must itself start a path.
                before.ends_with("../") && {
                    let outer = &before[..before.len() - 3];
                    outer.chars().next_back().is_none_or(opens_path)
                }
            }
            Some(_) => false,
        };
        if !starts_here {
            continue;
        }
        let path: String = rest.chars().take_while(|&c| is_path_char(c)).collect();
        let path = path.trim_end_matches(['.', '/']);
        found.push(path.to_string());
    }
    found
}

/// `(text, target)` of every Markdown link `[text](target)` in `text`.
fn links(text: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(mid) = rest.find("](") {
        let head = &rest[..mid];
        let after = &rest[mid + 2..];
        let Some(close) = after.find(')') else { break };
        let target = after[..close].trim().to_string();
        // The link text: back from `](` to its `[`, skipping a `[` inside backticks.
        let label = match head.rfind("[`") {
            Some(open) if head[open..].ends_with('`') => head[open + 1..].to_string(),
            _ => head
                .rfind('[')
                .map(|open| head[open + 1..].to_string())
                .unwrap_or_default(),
        };
        found.push((label, target));
        rest = &after[close..];
    }
    found
}

/// The inline code spans of `text` outside fenced code blocks.
fn code_spans(text: &str) -> Vec<String> {
    let mut spans = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let parts: Vec<&str> = line.split('`').collect();
        // Odd-numbered pieces lie between a pair of backticks.
        for (k, part) in parts.iter().enumerate() {
            if k % 2 == 1 && k + 1 < parts.len() {
                spans.push(part.to_string());
            }
        }
    }
    spans
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether Rust source `source` defines, or re-exports, an item or enum variant called `name`.
fn defines(source: &str, name: &str) -> bool {
    const KEYWORDS: [&str; 8] = [
        "fn", "struct", "enum", "trait", "type", "const", "static", "mod",
    ];
    let declared = source.lines().any(|line| {
        let words: Vec<&str> = line
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .collect();
        words
            .windows(2)
            .any(|w| KEYWORDS.contains(&w[0]) && w[1] == name)
    });
    let variant = source.lines().any(|line| {
        line.trim_start().strip_prefix(name).is_some_and(|rest| {
            rest.starts_with(" {") || rest.starts_with('(') || rest.starts_with(',')
        })
    });
    // A re-export (`pub use fit::{fit, fit_validated};`) defines the name too.
    let reexported = source.split("pub use ").skip(1).any(|statement| {
        let statement = statement.split(';').next().unwrap_or("");
        statement
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .any(|w| w == name)
    });
    declared || variant || reexported
}

/// The name a link label or code span refers to: the last `::` segment, without `()`.
fn item_name(label: &str) -> Option<&str> {
    let inner = label.strip_prefix('`')?.strip_suffix('`')?;
    let last = inner.rsplit("::").next()?.trim_end_matches("()");
    is_identifier(last).then_some(last)
}

/// The word after each occurrence of `flag` (e.g. `--test `) in `text`.
fn words_after<'a>(text: &'a str, flag: &str) -> Vec<&'a str> {
    text.match_indices(flag)
        .map(|(at, _)| {
            let rest = &text[at + flag.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .filter(|w| !w.is_empty() && !w.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        .collect()
}

/// Checks one document, `text`, found at `file` (relative to `root`).
fn check_document(root: &Path, file: &Path, text: &str, report: &mut Report) {
    let shown = file.display();
    let read = |rel: &Path| fs::read_to_string(root.join(rel)).ok();

    for path in repo_paths(text) {
        // `tests/NAME.rs`: a placeholder, not a file.
        let placeholder = path.split('/').any(|part| {
            let stem = part.split('.').next().unwrap_or_default();
            !stem.is_empty() && stem.chars().all(|c| c.is_ascii_uppercase() || c == '_')
        });
        if placeholder {
            continue;
        }
        report.check(root.join(&path).exists(), || {
            format!("{shown}: mentions {path}, which does not exist")
        });
    }

    let dir = file.parent().unwrap_or(Path::new(""));
    for (label, target) in links(text) {
        if target.starts_with("http://")
            || target.starts_with("https://")
            || target.starts_with("mailto:")
            || target.starts_with('#')
            || target.is_empty()
            || is_intra_doc_link(file, &target)
        {
            continue;
        }
        let target_file = target.split('#').next().unwrap_or_default();
        let resolved = normalise(&dir.join(target_file));
        let exists = root.join(&resolved).exists();
        report.check(exists, || {
            format!("{shown}: links [{label}]({target}), which does not exist")
        });
        let Some(name) = item_name(&label) else {
            continue;
        };
        if !(exists && target_file.ends_with(".rs")) {
            continue;
        }
        if resolved.starts_with("examples") {
            // An example is named by its file (or its folder, for `NAME/main.rs`).
            let stem = match resolved.file_stem().and_then(|s| s.to_str()) {
                Some("main") => resolved.parent().and_then(|d| d.file_name()),
                _ => resolved.file_stem(),
            };
            report.check(stem.is_some_and(|s| s == name), || {
                format!(
                    "{shown}: links [{label}] to {}, another example",
                    resolved.display()
                )
            });
        } else {
            let source = read(&resolved).unwrap_or_default();
            report.check(defines(&source, name), || {
                format!(
                    "{shown}: links [{label}] to {}, which defines no `{name}`",
                    resolved.display()
                )
            });
        }
    }

    for span in code_spans(text) {
        let inner = span.strip_prefix("dualpath::").unwrap_or(&span);
        let segments: Vec<&str> = inner.trim_end_matches("()").split("::").collect();
        if segments.len() < 2 || !segments.iter().all(|s| is_identifier(s)) {
            continue;
        }
        // The longest leading run of segments that is one of this crate's
        // module files names the module; the segment after it, the item.
        let found = (1..segments.len())
            .rev()
            .find_map(|i| module_file(root, &segments[..i]).map(|file| (file, segments[i])));
        let Some((file, name)) = found else {
            continue; // not one of this crate's module files (a type, or another crate)
        };
        let source = read(&file).unwrap_or_default();
        report.check(defines(&source, name), || {
            format!(
                "{shown}: names `{span}`, but {} defines no `{name}`",
                file.display()
            )
        });
    }

    for name in words_after(text, "--test ") {
        let exists = root.join(format!("tests/{name}.rs")).exists()
            || root.join(format!("tests/{name}/main.rs")).exists();
        report.check(exists, || {
            format!("{shown}: runs `cargo test --test {name}`, but tests/{name}.rs does not exist")
        });
    }
    for name in words_after(text, "--example ") {
        let exists = root.join(format!("examples/{name}.rs")).exists()
            || root.join(format!("examples/{name}/main.rs")).exists();
        report.check(exists, || {
            format!("{shown}: runs `--example {name}`, but examples/{name}.rs does not exist")
        });
    }
}

/// In a Rust file's documentation, a link to an item rather than a file:
/// `[`Error`](enum@Error)`, `[x](crate::io::data::coffee)`, `[y](Loss::value)`.
/// `cargo doc` (with `-D warnings`) checks those.
fn is_intra_doc_link(file: &Path, target: &str) -> bool {
    file.extension().is_some_and(|x| x == "rs")
        && (target.contains('@')
            || target.contains("::")
            || target
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_'))
}

/// The file of a module path of this crate, `["nn", "loss"]` →
/// `src/nn/loss.rs` (or `src/nn/loss/mod.rs`). The root's re-exported
/// modules (`matrix`, `sequential`) are found in the folder that holds them.
fn module_file(root: &Path, segments: &[&str]) -> Option<PathBuf> {
    let joined = segments.join("/");
    let mut candidates = vec![
        PathBuf::from(format!("src/{joined}.rs")),
        PathBuf::from(format!("src/{joined}/mod.rs")),
    ];
    if let [only] = segments {
        candidates.push(PathBuf::from(format!("src/paths/{only}.rs")));
    }
    candidates.into_iter().find(|f| root.join(f).is_file())
}

/// `docs/../src/x.rs` → `src/x.rs`, without touching the file system.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Every `.rs` file under `dir`, at any depth.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(|e| e.ok()) {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// The documents this test reads, relative to the root, with their text.
fn documents(root: &Path) -> Vec<(PathBuf, String)> {
    let mut files: BTreeSet<PathBuf> = fs::read_dir(root.join("docs"))
        .expect("the docs/ folder")
        .filter_map(|e| e.ok())
        .map(|e| PathBuf::from("docs").join(e.file_name()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    files.insert(PathBuf::from("README.md"));
    let mut docs: Vec<(PathBuf, String)> = files
        .into_iter()
        .map(|f| {
            let text = fs::read_to_string(root.join(&f))
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", f.display()));
            (f, text)
        })
        .collect();
    // The `//!` documentation of every Rust file: the crate's map in
    // src/lib.rs, each module's, each test file's, example's and bench's.
    let mut sources = Vec::new();
    for top in ["src", "tests", "examples", "benches"] {
        rust_files(&root.join(top), &mut sources);
    }
    sources.sort();
    for file in sources {
        let text = fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        let doc: String = text
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix("//!"))
            .map(|l| format!("{}\n", l.strip_prefix(' ').unwrap_or(l)))
            .collect();
        if !doc.is_empty() {
            let rel = file
                .strip_prefix(root)
                .expect("under the root")
                .to_path_buf();
            docs.push((rel, doc));
        }
    }
    docs
}

#[test]
fn every_path_function_and_test_the_docs_name_exists() {
    let root = root();
    let mut report = Report::default();
    let docs = documents(&root);
    for (file, text) in &docs {
        check_document(&root, file, text, &mut report);
    }
    assert!(
        report.problems.is_empty(),
        "{} of {} references in {} documents are stale:\n  {}",
        report.problems.len(),
        report.checked,
        docs.len(),
        report.problems.join("\n  ")
    );
    // The chapters cite well over a hundred things; far fewer means the scan broke.
    assert!(
        report.checked >= 150,
        "only {} references found: the scan is not reading the docs",
        report.checked
    );
}

#[test]
fn every_chapter_is_in_the_reading_order() {
    let root = root();
    let index = fs::read_to_string(root.join("docs/README.md")).expect("docs/README.md");
    let linked: BTreeSet<String> = links(&index).into_iter().map(|(_, t)| t).collect();
    for entry in fs::read_dir(root.join("docs")).expect("the docs/ folder") {
        let name = entry.expect("a docs/ entry").file_name();
        let name = name.to_string_lossy();
        if name.ends_with(".md") && name != "README.md" {
            assert!(
                linked.contains(name.as_ref()),
                "docs/{name} is not linked from docs/README.md, the reading order"
            );
        }
    }
}

// ---- The checker on made-up text: it must find what is wrong ---------------

#[test]
fn the_checker_reports_a_missing_file_a_missing_item_and_a_missing_test_file() {
    let root = root();
    let text = "\
See [`dense_forward`](../src/paths/matrix.rs) and [`no_such_function`](../src/paths/matrix.rs),
the file `src/no_such_file.rs`, the call `matrix::no_such_kernel`, a link to
[a chapter](no-such-chapter.md), and run `cargo test --test no_such_test` or
`cargo run --example no_such_example`.";
    let mut report = Report::default();
    check_document(&root, Path::new("docs/made-up.md"), text, &mut report);
    let all = report.problems.join("\n");
    for expected in [
        "defines no `no_such_function`",
        "src/no_such_file.rs, which does not exist",
        "src/paths/matrix.rs defines no `no_such_kernel`",
        "[a chapter](no-such-chapter.md), which does not exist",
        "tests/no_such_test.rs does not exist",
        "examples/no_such_example.rs does not exist",
    ] {
        assert!(all.contains(expected), "missed {expected:?} in:\n{all}");
    }
    assert!(
        !all.contains("`dense_forward`"),
        "flagged an item that exists:\n{all}"
    );
    assert_eq!(report.problems.len(), 6, "{all}");
}

#[test]
fn the_checker_accepts_what_exists_and_ignores_other_projects_paths() {
    let root = root();
    let text = "\
[`Network::new`](../src/nn/network.rs), [`Activation::Sigmoid`](../src/nn/activation.rs),
`sequential::dense_backward`, `dualpath::io::data::coffee`, [tests](../tests/proofs/erratum.rs#L1),
[`notes_loop_backward_agrees_for_linear_layer`](../tests/proofs/erratum.rs),
[`digits`](../examples/digits/main.rs), [`erratum`](../examples/erratum.rs),
Keras' `keras/src/optimizers/adam.py`, `Loss::output_dz`, `rand::seq`,
`cargo test --test proofs erratum`, `cargo run --example NAME`, https://example.org/src/x.rs";
    let mut report = Report::default();
    check_document(&root, Path::new("docs/made-up.md"), text, &mut report);
    assert!(report.problems.is_empty(), "{:#?}", report.problems);
    assert!(report.checked >= 10, "checked only {}", report.checked);
}

#[test]
fn the_checker_reads_rust_files_docs_and_knows_their_link_forms() {
    let root = root();
    let docs = documents(&root);
    for file in [
        "src/lib.rs",
        "src/cli/mod.rs",
        "tests/course/main.rs",
        "examples/coffee_roasting.rs",
    ] {
        assert!(
            docs.iter().any(|(f, _)| f == Path::new(file)),
            "the `//!` documentation of {file} is not read"
        );
    }
    // In a Rust file: rustdoc's item links, a test folder, a placeholder path.
    let text = "[`Error`](enum@Error), [fit](crate::train::fit), [`Loss`](Loss),
`cargo test --test course`, `tests/NAME.rs`";
    let mut report = Report::default();
    check_document(&root, Path::new("src/made_up.rs"), text, &mut report);
    assert!(report.problems.is_empty(), "{:#?}", report.problems);
    // The same item links in a Markdown file are file links, and missing.
    let mut report = Report::default();
    check_document(
        &root,
        Path::new("docs/made-up.md"),
        "[`Error`](enum@Error)",
        &mut report,
    );
    assert_eq!(report.problems.len(), 1, "{:#?}", report.problems);
}
