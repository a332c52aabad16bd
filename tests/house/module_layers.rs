//! The folders of `src/` are the layers of `docs/DESIGN.md`, and imports
//! point down them.
//!
//! The rules, as the table [`ROOMS`] states them:
//!
//! 1. **Down the rooms.** A file in one folder ("room") may use another room
//!    only if that room is in a lower layer. Rooms of the same layer never
//!    use each other (`train` and `proof`). Inside a room anything goes, as
//!    long as there is no cycle. `src/lib.rs` holds re-exports and may name
//!    anything.
//! 2. **No cycles** between any two modules, whether in one room or not.
//! 3. **Commands never import one another** in the program (`src/cli/`),
//!    and its helpers (`common`, `names`, `plot`, `progress`) import no command.
//! 4. **No intrinsics in the teaching crate**: no `std::arch`, `core::arch`,
//!    `is_x86_feature_detected` or `target_feature` under `src/`; they live in
//!    the kernels crate (`kernels/`).
//! 5. **Every folder of `src/` has a row**, and every row a folder.
//! 6. **The two paths are separate programs**: `paths::sequential` and
//!    `paths::matrix` use neither each other nor the switch and walk that
//!    call them (`paths`, `paths::walk`).
//! 7. **No Rust file over 1,000 lines** in `src/`, `tests/`, `kernels/src/`,
//!    `benches/` or `examples/`: a longer one is doing several jobs.
//!
//! A folder's `mod.rs` and its files are one room: a file may name its
//! folder's items through `super::` (`walk.rs` uses `super::Path`), and
//! `mod.rs` may name its files' items by their bare module name
//! (`walk::forward`). The reader sees the first kind and not the second, so
//! such a parent and child are not reported as a cycle.
//!
//! The reading is what `../shared/tools/module_cycles.py` does: `//`
//! comments dropped, everything from a file's first `#[cfg(test)]` on left
//! out, and every `crate::…` and `super::…` path (in a `use`, a group, or
//! inline) taken as a use of the deepest module file it reaches. The last
//! tests run the reader on a made-up file, so a reader that finds nothing
//! fails.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The library's rooms and their layers, lowest first: `""` is the files at
/// the top of `src/` (`real.rs`, `error.rs`). Keep in step with the layout
/// table of `docs/DESIGN.md`.
const ROOMS: [(&str, u32); 8] = [
    ("", 0),
    ("nn", 1),
    ("paths", 2),
    ("train", 3),
    ("proof", 3),
    ("io", 4),
    ("speedup", 5),
    ("explore", 5),
];

/// The program's helpers: every other file of `src/cli/` but `mod.rs` is a command.
const HELPERS: [&str; 5] = ["common", "fitting", "names", "plot", "progress"];

/// Words that may not appear in the teaching crate (rule 4).
const INTRINSICS: [&str; 4] = [
    "std::arch",
    "core::arch",
    "is_x86_feature_detected",
    "target_feature",
];

/// A module: its path under `src/` as segments (`["paths", "matrix"]`),
/// `mod.rs` naming its folder, `lib.rs` and `main.rs` the empty path.
type Module = Vec<String>;

fn module_of(rel: &Path) -> Module {
    let mut segs: Vec<String> = rel
        .with_extension("")
        .iter()
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    if matches!(
        segs.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        segs.pop();
    }
    segs
}

/// The code that is built: `//` comments dropped, and everything from the
/// first `#[cfg(test)]` on left out.
fn code(src: &str) -> String {
    let kept: String = src
        .lines()
        .map(|l| l.find("//").map_or(l, |i| &l[..i]))
        .collect::<Vec<_>>()
        .join("\n");
    match kept.find("#[cfg(test)]") {
        Some(i) => kept[..i].to_string(),
        None => kept,
    }
}

/// Every path a file names from `crate::` or `super::`, groups expanded,
/// resolved against `module` (the file's own module), as segments from the root.
fn paths(module: &[String], code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    // `crate::` starts at the root; `super::` at the file's parent module.
    let parent = &module[..module.len().saturating_sub(1)];
    for (start, base) in [("crate::", &module[..0]), ("super::", parent)] {
        let mut rest = code;
        while let Some(i) = rest.find(start) {
            let before = rest[..i].chars().next_back();
            rest = &rest[i + start.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue; // `dualpath_kernels::crate::` or a longer word
            }
            expand(base.to_vec(), rest, &mut out);
        }
    }
    out
}

/// Reads one path (or group of paths) at the start of `text` after `prefix`.
fn expand(prefix: Vec<String>, text: &str, out: &mut Vec<Vec<String>>) {
    let mut segs = prefix;
    let mut rest = text;
    loop {
        let word: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !word.is_empty() {
            rest = &rest[word.len()..];
            if word != "self" {
                segs.push(word);
            }
        }
        if let Some(after) = rest.strip_prefix("::") {
            rest = after;
            if let Some(group) = rest.strip_prefix('{') {
                for item in top_level_items(group) {
                    expand(segs.clone(), item.trim(), out);
                }
                return;
            }
            continue;
        }
        out.push(segs);
        return;
    }
}

/// The comma-separated items of a `{…}` group, up to its closing brace.
fn top_level_items(group: &str) -> Vec<&str> {
    let (mut depth, mut from, mut items) = (0, 0, Vec::new());
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                items.push(&group[from..i]);
                return items;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&group[from..i]);
                from = i + 1;
            }
            _ => {}
        }
    }
    items
}

/// Which module of `known` a path reaches: its longest leading part that is one.
fn target(path: &[String], known: &BTreeSet<Module>) -> Option<Module> {
    (1..=path.len())
        .rev()
        .map(|k| path[..k].to_vec())
        .find(|m| known.contains(m))
}

/// One crate's modules and who uses whom.
struct Graph {
    edges: BTreeMap<Module, BTreeSet<Module>>,
}

fn graph(files: &BTreeMap<Module, String>) -> Graph {
    let known: BTreeSet<Module> = files.keys().cloned().collect();
    let mut edges = BTreeMap::new();
    for (module, src) in files {
        let uses: BTreeSet<Module> = paths(module, &code(src))
            .iter()
            .filter_map(|p| target(p, &known))
            .filter(|t| t != module && !module.starts_with(t)) // a file's own folder
            .collect();
        edges.insert(module.clone(), uses);
    }
    Graph { edges }
}

/// The `.rs` files under `dir`, by module, relative to `base`.
fn read_modules(base: &Path, dir: &Path, out: &mut BTreeMap<Module, String>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            read_modules(base, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(base).expect("under base");
            let text = fs::read_to_string(&path).expect("readable source");
            out.insert(module_of(rel), text);
        }
    }
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The library's modules and the program's (`main` and `cli::…`), apart.
fn crates() -> (BTreeMap<Module, String>, BTreeMap<Module, String>) {
    let mut all = BTreeMap::new();
    read_modules(&src(), &src(), &mut all);
    let main = fs::read_to_string(src().join("main.rs")).expect("src/main.rs");
    let (mut lib, mut program) = (BTreeMap::new(), BTreeMap::new());
    for (module, text) in all {
        if module.first().is_some_and(|s| s == "cli") {
            program.insert(module, text);
        } else if module.is_empty() && text == main {
            program.insert(vec!["main".to_string()], text);
        } else {
            lib.insert(module, text);
        }
    }
    (lib, program)
}

/// The room of a library module (its folder, or `""` for a file at the top
/// of `src/`) and its layer; `None` for a folder with no row.
fn room(module: &[String]) -> (String, Option<u32>) {
    let top = module.first().map_or("", String::as_str);
    let name = if src().join(top).is_dir() { top } else { "" };
    let layer = ROOMS.iter().find(|(r, _)| *r == name).map(|&(_, l)| l);
    (name.to_string(), layer)
}

fn shown(module: &[String]) -> String {
    if module.is_empty() {
        "lib".to_string()
    } else {
        module.join("::")
    }
}

/// Every module on a cycle, as `a -> b -> … -> a`.
fn cycles(g: &Graph) -> Vec<String> {
    fn reaches(g: &Graph, from: &Module, to: &Module, seen: &mut BTreeSet<Module>) -> bool {
        g.edges[from]
            .iter()
            .any(|next| next == to || (seen.insert(next.clone()) && reaches(g, next, to, seen)))
    }
    let mut found = Vec::new();
    for (a, uses) in &g.edges {
        for b in uses {
            if a < b && reaches(g, b, a, &mut BTreeSet::new()) {
                found.push(format!("{} <-> {}", shown(a), shown(b)));
            }
        }
    }
    found
}

/// Imports that break rule 1: to the same layer in another room, or up.
fn upward(g: &Graph) -> Vec<String> {
    let mut found = Vec::new();
    for (from, uses) in &g.edges {
        if from.is_empty() {
            continue; // lib.rs: re-exports
        }
        let (from_room, from_layer) = room(from);
        for to in uses {
            let (to_room, to_layer) = room(to);
            let ok = to_room == from_room
                || matches!((from_layer, to_layer), (Some(f), Some(t)) if t < f);
            if !ok {
                found.push(format!(
                    "{} (room {from_room:?}, layer {from_layer:?}) uses {} (room {to_room:?}, layer {to_layer:?})",
                    shown(from),
                    shown(to)
                ));
            }
        }
    }
    found
}

fn fail_if_any(problems: &[String], what: &str) {
    assert!(
        problems.is_empty(),
        "{} {what}:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

#[test]
fn library_imports_point_down_the_rooms() {
    let (lib, _) = crates();
    fail_if_any(&upward(&graph(&lib)), "imports point up or sideways");
}

#[test]
fn no_module_cycle_in_the_library_or_the_program() {
    let (lib, program) = crates();
    fail_if_any(&cycles(&graph(&lib)), "cycles in the library");
    fail_if_any(&cycles(&graph(&program)), "cycles in the program");
}

#[test]
fn commands_never_import_one_another() {
    let (_, program) = crates();
    let is_command =
        |m: &Module| m.len() == 2 && m[0] == "cli" && !HELPERS.contains(&m[1].as_str());
    let g = graph(&program);
    let mut found = Vec::new();
    for (from, uses) in &g.edges {
        let helper = from.len() == 2 && HELPERS.contains(&from[1].as_str());
        for to in uses {
            if (is_command(from) || helper) && (is_command(to) || to == &["cli".to_string()]) {
                found.push(format!("{} uses {}", shown(from), shown(to)));
            }
        }
    }
    fail_if_any(
        &found,
        "imports between commands (or from a helper to a command or to cli)",
    );
}

#[test]
fn the_two_paths_use_neither_each_other_nor_what_calls_them() {
    let (lib, _) = crates();
    let g = graph(&lib);
    let path = |s: &str| module(s);
    let mut found = Vec::new();
    for (from, other) in [
        ("paths::sequential", "paths::matrix"),
        ("paths::matrix", "paths::sequential"),
    ] {
        let uses = &g.edges[&path(from)];
        assert!(
            !uses.is_empty(),
            "{from} uses nothing: the reader missed it"
        );
        for forbidden in [other, "paths", "paths::walk"] {
            if uses.contains(&path(forbidden)) {
                found.push(format!("{from} uses {forbidden}"));
            }
        }
    }
    fail_if_any(&found, "uses between the two paths, or of what calls them");
}

#[test]
fn the_teaching_crate_has_no_intrinsics() {
    let (lib, program) = crates();
    let mut found = Vec::new();
    for (module, text) in lib.iter().chain(&program) {
        for word in INTRINSICS {
            if code(text).contains(word) {
                found.push(format!("{} names {word}", shown(module)));
            }
        }
    }
    fail_if_any(&found, "uses of intrinsics outside the kernels crate");
}

#[test]
fn every_folder_of_src_has_a_room_and_every_room_a_folder() {
    let folders: BTreeSet<String> = fs::read_dir(src())
        .expect("src/")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.is_dir())
        .map(|p| {
            p.file_name()
                .expect("a name")
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name != "cli")
        .collect();
    let rooms: BTreeSet<String> = ROOMS
        .iter()
        .filter(|(r, _)| !r.is_empty())
        .map(|(r, _)| r.to_string())
        .collect();
    assert_eq!(
        folders, rooms,
        "the folders of src/ (less cli/) and the rooms of ROOMS"
    );
}

// The reader itself, on made-up files: a reader that finds nothing must fail.

fn module(path: &str) -> Module {
    path.split("::").map(str::to_string).collect()
}

#[test]
fn the_reader_finds_uses_in_groups_inline_and_through_super() {
    let src = r#"
use crate::nn::{activation::Activation, loss::{self, Loss}};
use super::pass::Workspace; // a comment naming crate::io::data
fn f() { crate::real::gamma::<f64>(2); }
#[cfg(test)]
mod tests { use crate::proof::bounds; }
"#;
    let files: BTreeMap<Module, String> = [
        (module("paths::matrix"), src.to_string()),
        (module("paths::pass"), String::new()),
        (module("nn::activation"), String::new()),
        (module("nn::loss"), String::new()),
        (module("real"), String::new()),
        (module("io::data"), String::new()),
        (module("proof::bounds"), String::new()),
    ]
    .into_iter()
    .collect();
    let g = graph(&files);
    let got: Vec<String> = g.edges[&module("paths::matrix")]
        .iter()
        .map(|m| shown(m))
        .collect();
    assert_eq!(
        got,
        ["nn::activation", "nn::loss", "paths::pass", "real"],
        "the comment and the test module are left out"
    );
}

#[test]
fn the_rules_catch_an_upward_import_a_sideways_one_and_a_cycle() {
    let files: BTreeMap<Module, String> = [
        (
            module("nn::network"),
            "use crate::paths::pass::Workspace;".to_string(),
        ),
        (
            module("paths::pass"),
            "use crate::nn::network::Network;".to_string(),
        ),
        (
            module("train::fit"),
            "use crate::proof::bounds::x;".to_string(),
        ),
        (module("proof::bounds"), String::new()),
    ]
    .into_iter()
    .collect();
    let g = graph(&files);
    let up = upward(&g);
    assert!(
        up.iter()
            .any(|p| p.starts_with("nn::network") && p.contains("uses paths::pass")),
        "{up:?}"
    );
    assert!(
        up.iter()
            .any(|p| p.starts_with("train::fit") && p.contains("uses proof::bounds")),
        "{up:?}"
    );
    assert_eq!(cycles(&g), ["nn::network <-> paths::pass"]);
}

/// The longest a Rust file may grow: past this, a file is doing several
/// jobs, and a reader cannot hold it in mind.
const MOST_LINES: usize = 1_000;

/// Every `.rs` file under `dir`.
fn rust_files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
    {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files_under(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_rust_file_is_over_a_thousand_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src", "tests", "kernels/src", "benches", "examples"] {
        rust_files_under(&root.join(dir), &mut files);
    }
    assert!(files.len() > 50, "found only {} files", files.len());
    let long: Vec<String> = files
        .iter()
        .map(|f| (f, fs::read_to_string(f).expect("readable").lines().count()))
        .filter(|&(_, n)| n > MOST_LINES)
        .map(|(f, n)| format!("{}: {n} lines", f.strip_prefix(root).unwrap_or(f).display()))
        .collect();
    fail_if_any(&long, "files over 1,000 lines");
}
