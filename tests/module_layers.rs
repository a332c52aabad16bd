//! Imports point down the layers that `docs/DESIGN.md` writes down.
//!
//! `docs/DESIGN.md` has two tables with a `layer` and a `modules` column: one
//! under the heading "The layers of the library", one under "The layers of the
//! program". A module may use only modules in rows with a smaller layer
//! number; modules in the same row never use each other; a row whose layer is
//! `—` (the crate root, `lib`) may use anything, and nothing may use it.
//!
//! This test reads those tables, then every `src/**/*.rs` file, and checks:
//!
//! 1. **Imports point down.** Every reference from one module to another:
//!    `use crate::…`, `use super::…`, `use self::…`, a `use` of a child
//!    module by its bare name, groups `{a, b::{c, self}}` at any depth, and
//!    paths written inline in the code (`crate::x::f()`, `super::x::T`,
//!    `child::f()`). A path names the deepest module file it reaches:
//!    `crate::network::Network` is `network`, `super::Failure` in
//!    `src/cli/plot.rs` is `cli`. The crate root is the exception: a name
//!    that `src/lib.rs` (or `src/main.rs`) re-exports, `crate::Path`, counts
//!    as the module it comes from, `path`, because the root holds
//!    re-exports only.
//! 2. **Commands never import one another.** The program's commands are the
//!    row of its table directly below `cli`.
//! 3. **Every module has a row, and every row's modules have a file.** A new
//!    module is placed on purpose, and a table that names a module nobody
//!    wrote is stale.
//!
//! Files map to module names by their path under `src/`: `src/matrix.rs` is
//! `matrix`, `src/cli/mod.rs` is `cli`, `src/cli/tour.rs` is `cli::tour`,
//! `src/lib.rs` is `lib` and `src/main.rs` is `main`. `src/main.rs` and
//! everything under `src/cli/` belong to the program, a crate of its own:
//! there `crate::` means `main`, and `dualpath::…` (the library) is free to
//! use, so it is not checked.
//!
//! Comments (doc comments and their examples too), string and character
//! literals, and every item marked `#[cfg(test)]` (a `mod tests { … }` block,
//! a test-only `use` or function) are left out: they are not part of what the
//! crate builds. A file that opens with `#![cfg(test)]` is left out whole,
//! and so is a file declared by `#[cfg(test)] mod NAME;`.
//!
//! The reading is a small tokenizer written here, with the standard library
//! only; the last tests run it on snippets of Rust, so a checker that
//! silently finds nothing would fail. `python3 ../shared/tools/module_cycles.py
//! src` reads imports the same way and lists cycles.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

/// The document that holds the tables, relative to the repository root.
const DESIGN: &str = "docs/DESIGN.md";
/// The heading above the library's table.
const LIBRARY_HEADING: &str = "The layers of the library";
/// The heading above the program's table.
const PROGRAM_HEADING: &str = "The layers of the program";

// ---------------------------------------------------------------------------
// Tokens: what is left of a Rust file without comments and literals.

/// One token of Rust source: only what a path or a `use` is made of is kept
/// apart; everything else is `Other`.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    /// An identifier or keyword (`crate`, `super`, `use`, `mod`, …); a raw
    /// identifier keeps its `r#`, so `r#use` is not the keyword.
    Ident(String),
    /// `::`
    PathSep,
    /// `(`, `[` or `{`
    Open(char),
    /// `)`, `]` or `}`
    Close(char),
    /// Any other punctuation, one character at a time.
    Punct(char),
    /// A literal (string, character, number), its content dropped.
    Literal,
}

/// A token and the line (from 1) it starts on.
#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    line: usize,
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Splits Rust source into tokens, dropping comments (nested block comments
/// too), and reducing string, raw string, byte string, character and number
/// literals to [`Tok::Literal`], so that `"crate::x"` or `// crate::x` is never
/// read as a path.
fn tokenize(src: &str) -> Vec<Token> {
    let c: Vec<char> = src.chars().collect();
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    // Advances past `"…"` starting at the opening quote `i`, counting lines.
    let skip_string = |mut i: usize, line: &mut usize| -> usize {
        i += 1;
        while i < c.len() {
            match c[i] {
                '\\' => {
                    if at(i + 1) == '\n' {
                        *line += 1;
                    }
                    i += 2;
                }
                '"' => return i + 1,
                '\n' => {
                    *line += 1;
                    i += 1;
                }
                _ => i += 1,
            }
        }
        i
    };
    // Advances past `#…#"…"#…#` starting at the first `#` or quote `i`, if it
    // is a raw string; `None` if it is not (then it may be a raw identifier).
    let skip_raw_string = |i: usize, line: &mut usize| -> Option<usize> {
        let mut j = i;
        while at(j) == '#' {
            j += 1;
        }
        let hashes = j - i;
        if at(j) != '"' {
            return None;
        }
        j += 1;
        while j < c.len() {
            if c[j] == '\n' {
                *line += 1;
            }
            if c[j] == '"' && (1..=hashes).all(|k| at(j + k) == '#') {
                return Some(j + 1 + hashes);
            }
            j += 1;
        }
        Some(j)
    };
    // Advances past a character literal whose opening quote is `i`; `None`
    // for a lifetime or label (`'a`, `'static`).
    let skip_char = |i: usize| -> Option<usize> {
        if at(i + 1) == '\\' {
            // '\n', '\'', '\\', '\x7f', '\u{1F600}': skip the escaped character, then find the quote.
            let mut j = i + 3;
            while j < c.len() && c[j] != '\'' && c[j] != '\n' {
                j += 1;
            }
            Some(j + 1)
        } else if at(i + 2) == '\'' && at(i + 1) != '\n' {
            Some(i + 3)
        } else {
            None
        }
    };
    while i < c.len() {
        let ch = c[i];
        let start_line = line;
        let mut push = |tok: Tok| {
            out.push(Token {
                tok,
                line: start_line,
            })
        };
        match ch {
            '\n' => {
                line += 1;
                i += 1;
            }
            _ if ch.is_whitespace() => i += 1,
            '/' if at(i + 1) == '/' => {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
            }
            '/' if at(i + 1) == '*' => {
                let mut depth = 0;
                while i < c.len() {
                    if c[i] == '/' && at(i + 1) == '*' {
                        depth += 1;
                        i += 2;
                    } else if c[i] == '*' && at(i + 1) == '/' {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        if c[i] == '\n' {
                            line += 1;
                        }
                        i += 1;
                    }
                }
            }
            '"' => {
                push(Tok::Literal);
                i = skip_string(i, &mut line);
            }
            '\'' => match skip_char(i) {
                Some(next) => {
                    push(Tok::Literal);
                    i = next;
                }
                None => {
                    // A lifetime or a label: its name is not a path; drop it.
                    push(Tok::Punct('\''));
                    i += 1;
                    while i < c.len() && is_ident_char(c[i]) {
                        i += 1;
                    }
                }
            },
            _ if ch.is_ascii_digit() => {
                push(Tok::Literal);
                while i < c.len() && is_ident_char(c[i]) {
                    i += 1;
                }
            }
            _ if is_ident_start(ch) => {
                let begin = i;
                while i < c.len() && is_ident_char(c[i]) {
                    i += 1;
                }
                let word: String = c[begin..i].iter().collect();
                let next = at(i);
                match word.as_str() {
                    "b" | "c" if next == '"' => {
                        push(Tok::Literal);
                        i = skip_string(i, &mut line);
                    }
                    "b" if next == '\'' => {
                        push(Tok::Literal);
                        i = skip_char(i).unwrap_or(i + 1);
                    }
                    "r" | "br" | "cr" if next == '"' || next == '#' => {
                        if let Some(end) = skip_raw_string(i, &mut line) {
                            push(Tok::Literal);
                            i = end;
                        } else if word == "r" && next == '#' && is_ident_start(at(i + 1)) {
                            let begin = i + 1;
                            i = begin;
                            while i < c.len() && is_ident_char(c[i]) {
                                i += 1;
                            }
                            let raw: String = c[begin..i].iter().collect();
                            push(Tok::Ident(format!("r#{raw}")));
                        } else {
                            push(Tok::Ident(word));
                        }
                    }
                    _ => push(Tok::Ident(word)),
                }
            }
            ':' if at(i + 1) == ':' => {
                push(Tok::PathSep);
                i += 2;
            }
            '(' | '[' | '{' => {
                push(Tok::Open(ch));
                i += 1;
            }
            ')' | ']' | '}' => {
                push(Tok::Close(ch));
                i += 1;
            }
            _ => {
                push(Tok::Punct(ch));
                i += 1;
            }
        }
    }
    out
}

fn is_ident(t: Option<&Token>, word: &str) -> bool {
    ident_at(t) == Some(word)
}

/// The identifier `t` is, if it is one.
fn ident_at(t: Option<&Token>) -> Option<&str> {
    match t {
        Some(Token {
            tok: Tok::Ident(w), ..
        }) => Some(w),
        _ => None,
    }
}

fn is_tok(t: Option<&Token>, tok: &Tok) -> bool {
    t.is_some_and(|t| &t.tok == tok)
}

/// The index just past the bracketed attribute body that opens at `i` (`[…]`).
fn attribute_end(toks: &[Token], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < toks.len() {
        match toks[i].tok {
            Tok::Open(_) => depth += 1,
            Tok::Close(_) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    i
}

/// The index just past the item that starts at `i`: its outer attributes,
/// then everything up to a `;` or a `{…}` at the item's own level.
fn item_end(toks: &[Token], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < toks.len() {
        match toks[i].tok {
            Tok::Open(_) => depth += 1,
            Tok::Close(close) => {
                depth = depth.saturating_sub(1);
                if depth == 0 && close == '}' {
                    return i + 1;
                }
            }
            Tok::Punct(';') if depth == 0 => return i + 1,
            _ => {}
        }
        i += 1;
    }
    i
}

/// Whether `toks[i..]` is `#[cfg(test)]` (`inner`: `#![cfg(test)]`); the
/// length of the attribute if so.
fn cfg_test_at(toks: &[Token], i: usize, inner: bool) -> Option<usize> {
    let mut pattern = vec![Tok::Punct('#')];
    if inner {
        pattern.push(Tok::Punct('!'));
    }
    pattern.extend([
        Tok::Open('['),
        Tok::Ident("cfg".into()),
        Tok::Open('('),
        Tok::Ident("test".into()),
        Tok::Close(')'),
        Tok::Close(']'),
    ]);
    let matches = pattern
        .iter()
        .enumerate()
        .all(|(k, p)| is_tok(toks.get(i + k), p));
    matches.then_some(pattern.len())
}

/// What is left of a file once its test-only parts are gone.
#[derive(Debug, Default)]
struct Stripped {
    tokens: Vec<Token>,
    /// The file opens with `#![cfg(test)]`: it is test code, all of it.
    test_only: bool,
    /// Children declared `#[cfg(test)] mod NAME;`, whose files are test code.
    test_mods: Vec<String>,
}

/// Drops every item under `#[cfg(test)]`.
fn strip_test_items(toks: Vec<Token>) -> Stripped {
    let mut stripped = Stripped::default();
    // Inner attributes open the file: `#![cfg(test)]` among them makes it all test code.
    let mut i = 0;
    while is_tok(toks.get(i), &Tok::Punct('#')) && is_tok(toks.get(i + 1), &Tok::Punct('!')) {
        if cfg_test_at(&toks, i, true).is_some() {
            stripped.test_only = true;
            return stripped;
        }
        i = attribute_end(&toks, i + 2);
    }
    let mut i = 0;
    while i < toks.len() {
        let Some(len) = cfg_test_at(&toks, i, false) else {
            stripped.tokens.push(toks[i].clone());
            i += 1;
            continue;
        };
        let start = i + len;
        let end = item_end(&toks, start);
        let item = &toks[start..end];
        let declared = item
            .iter()
            .position(|t| t.tok == Tok::Ident("mod".into()))
            .filter(|&k| is_tok(item.get(k + 2), &Tok::Punct(';')))
            .and_then(|k| ident_at(item.get(k + 1)));
        if let Some(name) = declared {
            stripped.test_mods.push(name.to_string());
        }
        i = end;
    }
    stripped
}

// ---------------------------------------------------------------------------
// `use` trees and paths.

/// One leaf of a `use` tree: `use a::{b, c::d as e}` has the leaves
/// `a::b` and `a::c::d` (alias `e`).
#[derive(Clone, Debug, PartialEq, Eq)]
struct UseLeaf {
    path: Vec<String>,
    alias: Option<String>,
    glob: bool,
    line: usize,
}

/// Reads the `use` tree that starts at `i` (after the `use` keyword) with
/// the segments `prefix` above it; pushes its leaves and returns the index
/// after it.
fn parse_use_tree(
    toks: &[Token],
    mut i: usize,
    prefix: &[String],
    out: &mut Vec<UseLeaf>,
) -> usize {
    let mut path = prefix.to_vec();
    if is_tok(toks.get(i), &Tok::PathSep) {
        i += 1; // `use ::std::…`: a leading `::`
    }
    if is_tok(toks.get(i), &Tok::Punct('$')) && is_ident(toks.get(i + 1), "crate") {
        i += 1; // `$crate` in a macro is the crate root
    }
    loop {
        let Some(t) = toks.get(i) else { return i };
        match &t.tok {
            Tok::Ident(word) => {
                path.push(word.clone());
                i += 1;
                if is_tok(toks.get(i), &Tok::PathSep) {
                    i += 1;
                    continue;
                }
                let mut alias = None;
                if is_ident(toks.get(i), "as")
                    && let Some(name) = ident_at(toks.get(i + 1))
                {
                    alias = Some(name.to_string());
                    i += 2;
                }
                out.push(UseLeaf {
                    path,
                    alias,
                    glob: false,
                    line: t.line,
                });
                return i;
            }
            Tok::Punct('*') => {
                out.push(UseLeaf {
                    path,
                    alias: None,
                    glob: true,
                    line: t.line,
                });
                return i + 1;
            }
            Tok::Open('{') => {
                i += 1;
                loop {
                    match toks.get(i).map(|t| &t.tok) {
                        None => return i,
                        Some(Tok::Close('}')) => return i + 1,
                        Some(Tok::Punct(',')) => i += 1,
                        Some(_) => {
                            let next = parse_use_tree(toks, i, &path, out);
                            if next == i {
                                return i; // not a use tree: stop rather than loop
                            }
                            i = next;
                        }
                    }
                }
            }
            _ => return i,
        }
    }
}

/// A path found in a file: its segments as written and the line it is on.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Reference {
    path: Vec<String>,
    line: usize,
    /// The inline modules (`mod inner { … }`) the path is written in.
    scope: Vec<String>,
}

/// What one file says: its `use` leaves and inline paths, the children it
/// declares with `mod NAME;`, and its test-only parts.
#[derive(Debug, Default)]
struct FileScan {
    uses: Vec<(UseLeaf, Vec<String>)>,
    paths: Vec<Reference>,
    children: BTreeSet<String>,
    test_only: bool,
    test_mods: Vec<String>,
}

impl FileScan {
    /// Every reference, `use` leaves and inline paths alike.
    fn references(&self) -> Vec<Reference> {
        let mut refs: Vec<Reference> = self
            .uses
            .iter()
            .map(|(leaf, scope)| Reference {
                path: leaf.path.clone(),
                line: leaf.line,
                scope: scope.clone(),
            })
            .collect();
        refs.extend(self.paths.iter().cloned());
        refs
    }
}

/// Whether a path starting with `word` may name one of this crate's modules.
fn starts_crate_path(word: &str, children: &BTreeSet<String>, scope: &[String]) -> bool {
    matches!(word, "crate" | "super" | "self") || (scope.is_empty() && children.contains(word))
}

/// Reads one file: `use` declarations (every leaf) and inline paths that
/// start with `crate`, `super`, `self` or a child module's name.
fn scan(src: &str) -> FileScan {
    let stripped = strip_test_items(tokenize(src));
    let toks = &stripped.tokens;
    let mut scan = FileScan {
        test_only: stripped.test_only,
        test_mods: stripped.test_mods.clone(),
        ..FileScan::default()
    };
    // First pass: the children this file declares (`mod NAME;`) at its top level.
    let mut depth = 0usize;
    for (i, t) in toks.iter().enumerate() {
        match t.tok {
            Tok::Open('{') => depth += 1,
            Tok::Close('}') => depth = depth.saturating_sub(1),
            Tok::Ident(ref w)
                if w == "mod" && depth == 0 && is_tok(toks.get(i + 2), &Tok::Punct(';')) =>
            {
                if let Some(name) = ident_at(toks.get(i + 1)) {
                    scan.children.insert(name.to_string());
                }
            }
            _ => {}
        }
    }
    // Second pass: references, with the stack of inline modules they sit in.
    let mut scope: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < toks.len() {
        let names: Vec<String> = scope.iter().map(|(n, _)| n.clone()).collect();
        match &toks[i].tok {
            Tok::Open('{') => {
                depth += 1;
                i += 1;
            }
            Tok::Close('}') => {
                if scope.last().is_some_and(|&(_, d)| d == depth) {
                    scope.pop();
                }
                depth = depth.saturating_sub(1);
                i += 1;
            }
            Tok::Ident(w) if w == "mod" => {
                if is_tok(toks.get(i + 2), &Tok::Open('{'))
                    && let Some(name) = ident_at(toks.get(i + 1))
                {
                    scope.push((name.to_string(), depth + 1));
                }
                i += 1;
            }
            Tok::Ident(w) if w == "use" => {
                let mut leaves = Vec::new();
                let next = parse_use_tree(toks, i + 1, &[], &mut leaves);
                let keep = leaves.into_iter().filter(|leaf| {
                    leaf.path
                        .first()
                        .is_some_and(|w| starts_crate_path(w, &scan.children, &names))
                });
                scan.uses.extend(keep.map(|leaf| (leaf, names.clone())));
                i = next.max(i + 1);
            }
            Tok::Ident(w) => {
                let after_sep = i > 0 && is_tok(toks.get(i - 1), &Tok::PathSep);
                let after_dot = i > 0 && is_tok(toks.get(i - 1), &Tok::Punct('.'));
                if !after_sep
                    && !after_dot
                    && is_tok(toks.get(i + 1), &Tok::PathSep)
                    && starts_crate_path(w, &scan.children, &names)
                {
                    let mut path = vec![w.clone()];
                    let mut k = i + 1;
                    while is_tok(toks.get(k), &Tok::PathSep) {
                        match ident_at(toks.get(k + 1)) {
                            Some(seg) => {
                                path.push(seg.to_string());
                                k += 2;
                            }
                            None => break,
                        }
                    }
                    scan.paths.push(Reference {
                        path,
                        line: toks[i].line,
                        scope: names,
                    });
                    i = k;
                } else {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    scan
}

// ---------------------------------------------------------------------------
// Modules, crates and resolution.

/// The library or the program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Crate {
    Library,
    Program,
}

/// A module: its name as the tables write it (`matrix`, `cli::tour`, `lib`).
type Name = String;

/// The module path of a file relative to `src/`, as segments: `matrix.rs` →
/// `[matrix]`, `cli/mod.rs` → `[cli]`, `cli/tour.rs` → `[cli, tour]`, and
/// `lib.rs`, `main.rs` → `[]` (the crate root); and which crate it is in.
fn module_of(rel: &Path) -> (Crate, Vec<String>) {
    let mut segs: Vec<String> = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let krate = if segs == ["main"] || segs.first().is_some_and(|s| s == "cli") {
        Crate::Program
    } else {
        Crate::Library
    };
    if matches!(
        segs.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        segs.pop();
    }
    (krate, segs)
}

/// The name the tables use for a module path: the root is `lib` or `main`.
fn name_of(krate: Crate, segs: &[String]) -> Name {
    if segs.is_empty() {
        match krate {
            Crate::Library => "lib".into(),
            Crate::Program => "main".into(),
        }
    } else {
        segs.join("::")
    }
}

/// One module file, read.
#[derive(Debug)]
struct Module {
    krate: Crate,
    segs: Vec<String>,
    file: String,
    scan: FileScan,
}

/// Every module of both crates, and what each crate root re-exports.
#[derive(Debug, Default)]
struct Crates {
    modules: BTreeMap<(Crate, Vec<String>), Module>,
    /// A name at a crate root (`crate::Path`) → the module path it comes from.
    reexports: BTreeMap<(Crate, String), Vec<String>>,
}

impl Crates {
    /// Builds from `(file shown in messages, path under src/, source)`.
    fn from_sources(sources: &[(String, PathBuf, String)]) -> Crates {
        let mut crates = Crates::default();
        for (file, rel, src) in sources {
            let (krate, segs) = module_of(rel);
            let scan = scan(src);
            crates.modules.insert(
                (krate, segs.clone()),
                Module {
                    krate,
                    segs,
                    file: file.clone(),
                    scan,
                },
            );
        }
        // Leave out test code: files that say so, and children declared test-only.
        let test_files: Vec<(Crate, Vec<String>)> = crates
            .modules
            .values()
            .flat_map(|m| {
                let own = m.scan.test_only.then(|| (m.krate, m.segs.clone()));
                let children = m.scan.test_mods.iter().map(|child| {
                    let mut segs = m.segs.clone();
                    segs.push(child.clone());
                    (m.krate, segs)
                });
                own.into_iter().chain(children).collect::<Vec<_>>()
            })
            .collect();
        for key in test_files {
            crates.modules.remove(&key);
        }
        // The crate roots' re-exports: `pub use path::Path;` makes `crate::Path` mean `path`.
        for krate in [Crate::Library, Crate::Program] {
            let Some(root) = crates.modules.get(&(krate, Vec::new())) else {
                continue;
            };
            let mut found = Vec::new();
            for (leaf, scope) in &root.scan.uses {
                if leaf.glob || !scope.is_empty() {
                    continue;
                }
                let mut path = leaf.path.clone();
                if path.last().is_some_and(|s| s == "self") {
                    path.pop();
                }
                let Some(last) = path.last().cloned() else {
                    continue;
                };
                let name = leaf.alias.clone().unwrap_or(last);
                if name == "_" {
                    continue;
                }
                if let Some(abs) = absolute(&[], &root.scan.children, &[], &path) {
                    let target = crates.deepest_module(krate, &abs);
                    if !target.is_empty() {
                        found.push(((krate, name), target));
                    }
                }
            }
            crates.reexports.extend(found);
        }
        crates
    }

    /// The deepest module file that `abs` (an absolute path) reaches.
    fn deepest_module(&self, krate: Crate, abs: &[String]) -> Vec<String> {
        (0..=abs.len())
            .rev()
            .map(|k| abs[..k].to_vec())
            .find(|prefix| self.modules.contains_key(&(krate, prefix.clone())))
            .unwrap_or_default()
    }

    /// The module a reference in `module` names, seeing through the crate
    /// root's re-exports; `None` when it names no module of this crate.
    fn resolve(&self, module: &Module, r: &Reference) -> Option<Vec<String>> {
        let abs = absolute(&module.segs, &module.scan.children, &r.scope, &r.path)?;
        let target = self.deepest_module(module.krate, &abs);
        if target.is_empty() {
            let via = abs
                .first()
                .and_then(|first| self.reexports.get(&(module.krate, first.clone())));
            if let Some(via) = via {
                return Some(via.clone());
            }
        }
        Some(target)
    }
}

/// The absolute module path of `path`, written in the module `segs` (inside
/// its inline modules `scope`), whose file declares the children `children`.
/// `None` if it climbs above the crate root or is not a path of this crate.
fn absolute(
    segs: &[String],
    children: &BTreeSet<String>,
    scope: &[String],
    path: &[String],
) -> Option<Vec<String>> {
    let here: Vec<String> = segs.iter().chain(scope).cloned().collect();
    let first = path.first()?;
    let mut abs = match first.as_str() {
        "crate" => path[1..].to_vec(),
        "self" => here.iter().chain(&path[1..]).cloned().collect(),
        "super" => {
            let ups = path.iter().take_while(|s| *s == "super").count();
            let base = here.len().checked_sub(ups)?;
            here[..base].iter().chain(&path[ups..]).cloned().collect()
        }
        child if scope.is_empty() && children.contains(child) => {
            segs.iter().chain(path).cloned().collect()
        }
        _ => return None,
    };
    if abs.last().is_some_and(|s| s == "self") {
        abs.pop();
    }
    Some(abs)
}

// ---------------------------------------------------------------------------
// The tables in docs/DESIGN.md.

/// A row's layer: a number, or `—` for the crate root that may use anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layer {
    Number(u32),
    Root,
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Layer::Number(n) => write!(f, "layer {n}"),
            Layer::Root => f.write_str("layer —"),
        }
    }
}

/// One crate's table: module name → layer, in the order of the rows.
#[derive(Debug, Default)]
struct Table {
    layers: BTreeMap<Name, Layer>,
}

/// The cells of a Markdown table row, `| a | b |` → `["a", "b"]`.
fn cells(line: &str) -> Option<Vec<String>> {
    let inner = line.trim().strip_prefix('|')?;
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    Some(inner.split('|').map(|c| c.trim().to_string()).collect())
}

/// The names in backticks in `cell`: `` `real`, `error` `` → `[real, error]`.
fn backticked(cell: &str) -> Vec<String> {
    cell.split('`')
        .enumerate()
        .filter(|(k, _)| k % 2 == 1)
        .map(|(_, s)| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Reads the first table with `layer` and `modules` columns in the section
/// under the heading that contains `heading`.
fn parse_table(doc: &str, heading: &str) -> Result<Table, String> {
    let lines: Vec<&str> = doc.lines().collect();
    let level = |l: &str| l.chars().take_while(|&c| c == '#').count();
    let start = lines
        .iter()
        .position(|l| level(l) > 0 && l.contains(heading))
        .ok_or_else(|| format!("{DESIGN} has no heading \"{heading}\""))?;
    let depth = level(lines[start]);
    let section: Vec<&str> = lines[start + 1..]
        .iter()
        .take_while(|l| !(level(l) > 0 && level(l) <= depth))
        .copied()
        .collect();
    let header = section
        .iter()
        .position(|l| {
            cells(l)
                .is_some_and(|c| c.iter().any(|x| x == "layer") && c.iter().any(|x| x == "modules"))
        })
        .ok_or_else(|| {
            format!("{DESIGN}: under \"{heading}\", no table with a `layer` and a `modules` column")
        })?;
    let columns = cells(section[header]).unwrap_or_default();
    let layer_col = columns.iter().position(|c| c == "layer").unwrap_or(0);
    let modules_col = columns.iter().position(|c| c == "modules").unwrap_or(0);
    let mut table = Table::default();
    for row in section[header + 1..]
        .iter()
        .take_while(|l| cells(l).is_some())
    {
        let row_cells = cells(row).unwrap_or_default();
        let layer_text = row_cells.get(layer_col).map(String::as_str).unwrap_or("");
        if layer_text.contains("--") && layer_text.chars().all(|c| c == '-' || c == ':') {
            continue; // the `| --- | --- |` line
        }
        let layer = match layer_text {
            "—" | "–" | "-" => Layer::Root,
            n => Layer::Number(n.parse().map_err(|_| {
                format!("{DESIGN}: under \"{heading}\", layer {n:?} is neither a number nor —")
            })?),
        };
        let names = backticked(row_cells.get(modules_col).map(String::as_str).unwrap_or(""));
        if names.is_empty() {
            return Err(format!(
                "{DESIGN}: under \"{heading}\", the row of layer {layer_text} names no module in backticks"
            ));
        }
        for name in names {
            if table.layers.insert(name.clone(), layer).is_some() {
                return Err(format!(
                    "{DESIGN}: under \"{heading}\", `{name}` is in more than one row"
                ));
            }
        }
    }
    if table.layers.is_empty() {
        return Err(format!(
            "{DESIGN}: under \"{heading}\", the table has no rows"
        ));
    }
    Ok(table)
}

/// Both tables, with no module in both.
fn parse_tables(doc: &str) -> Result<BTreeMap<Crate, Table>, String> {
    let library = parse_table(doc, LIBRARY_HEADING)?;
    let program = parse_table(doc, PROGRAM_HEADING)?;
    if let Some(both) = library
        .layers
        .keys()
        .find(|n| program.layers.contains_key(*n))
    {
        return Err(format!("{DESIGN}: `{both}` is in both tables"));
    }
    Ok(BTreeMap::from([
        (Crate::Library, library),
        (Crate::Program, program),
    ]))
}

// ---------------------------------------------------------------------------
// The checks.

/// One import that breaks the layering.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Offence {
    krate: Crate,
    file: String,
    line: usize,
    from: Name,
    to: Name,
    message: String,
}

fn layer_text(layer: Option<Layer>) -> String {
    layer.map_or_else(|| "no layer: not in the table".into(), |l| l.to_string())
}

/// Every import that does not point down its crate's table, one per file,
/// line and module named there. A module that is not in the table is not
/// judged (see [`unplaced`]); an import of one is an offence.
fn offences(crates: &Crates, tables: &BTreeMap<Crate, Table>) -> Vec<Offence> {
    let mut found = BTreeSet::new();
    for m in crates.modules.values() {
        let table = &tables[&m.krate];
        let from = name_of(m.krate, &m.segs);
        let Some(&from_layer) = table.layers.get(&from) else {
            continue;
        };
        if from_layer == Layer::Root {
            continue; // the crate root may name any module
        }
        for r in m.scan.references() {
            let Some(target) = crates.resolve(m, &r) else {
                continue;
            };
            if target == m.segs {
                continue;
            }
            let to = name_of(m.krate, &target);
            let to_layer = table.layers.get(&to).copied();
            let fine = matches!((from_layer, to_layer),
                (Layer::Number(a), Some(Layer::Number(b))) if b < a);
            if !fine {
                found.insert(Offence {
                    krate: m.krate,
                    file: m.file.clone(),
                    line: r.line,
                    from: from.clone(),
                    to: to.clone(),
                    message: format!(
                        "{}:{}: {from} ({from_layer}) uses {to} ({})",
                        m.file,
                        r.line,
                        layer_text(to_layer)
                    ),
                });
            }
        }
    }
    found.into_iter().collect()
}

/// Modules with a file but no row, as messages.
fn unplaced(crates: &Crates, tables: &BTreeMap<Crate, Table>) -> Vec<String> {
    crates
        .modules
        .values()
        .filter(|m| !tables[&m.krate].layers.contains_key(&name_of(m.krate, &m.segs)))
        .map(|m| {
            let which = match m.krate {
                Crate::Library => LIBRARY_HEADING,
                Crate::Program => PROGRAM_HEADING,
            };
            format!(
                "{}: module {} has no row under \"{which}\" in {DESIGN} (its imports are checked once it has one)",
                m.file,
                name_of(m.krate, &m.segs)
            )
        })
        .collect()
}

/// Modules a table names that have no file, as messages.
fn missing(crates: &Crates, tables: &BTreeMap<Crate, Table>) -> Vec<String> {
    let mut out = Vec::new();
    for (&krate, table) in tables {
        for (name, layer) in &table.layers {
            let known = crates
                .modules
                .values()
                .any(|m| m.krate == krate && &name_of(krate, &m.segs) == name);
            if !known {
                out.push(format!(
                    "{DESIGN}: {name} ({layer}) has no file under src/ ({})",
                    expected_file(name)
                ));
            }
        }
    }
    out
}

/// Where the file of module `name` would be.
fn expected_file(name: &str) -> String {
    match name {
        "lib" => "src/lib.rs".into(),
        "main" => "src/main.rs".into(),
        _ => {
            let rel = name.replace("::", "/");
            format!("src/{rel}.rs or src/{rel}/mod.rs")
        }
    }
}

/// The program's commands: the row of its table directly below `cli`.
fn commands(table: &Table) -> BTreeSet<Name> {
    let Some(&Layer::Number(cli)) = table.layers.get("cli") else {
        return BTreeSet::new();
    };
    let below = table
        .layers
        .values()
        .filter_map(|l| match *l {
            Layer::Number(n) if n < cli => Some(n),
            _ => None,
        })
        .max();
    table
        .layers
        .iter()
        .filter(|(_, l)| below.is_some_and(|b| **l == Layer::Number(b)))
        .map(|(n, _)| n.clone())
        .collect()
}

// ---------------------------------------------------------------------------
// Reading this repository.

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir`, as paths relative to `base`, sorted.
fn rust_files(base: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    let entries =
        fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(base, &path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path.strip_prefix(base).expect("under src/").to_path_buf());
        }
    }
}

/// The crate's sources and the tables, read once per test.
fn repository() -> (Crates, BTreeMap<Crate, Table>) {
    let root = root();
    let src = root.join("src");
    let mut files = Vec::new();
    rust_files(&src, &src, &mut files);
    files.sort();
    let sources: Vec<(String, PathBuf, String)> = files
        .into_iter()
        .map(|rel| {
            let text = fs::read_to_string(src.join(&rel))
                .unwrap_or_else(|e| panic!("cannot read src/{}: {e}", rel.display()));
            let shown = format!("src/{}", rel.to_string_lossy().replace('\\', "/"));
            (shown, rel, text)
        })
        .collect();
    let doc = fs::read_to_string(root.join(DESIGN))
        .unwrap_or_else(|e| panic!("cannot read {DESIGN}: {e}"));
    let tables = parse_tables(&doc).unwrap_or_else(|e| panic!("{e}"));
    (Crates::from_sources(&sources), tables)
}

fn fail_if_any(problems: &[String], what: &str) {
    assert!(
        problems.is_empty(),
        "{what} ({} found):\n  {}\n",
        problems.len(),
        problems.join("\n  ")
    );
}

#[test]
fn every_import_points_down_the_layers_of_docs_design() {
    let (crates, tables) = repository();
    let found: Vec<String> = offences(&crates, &tables)
        .into_iter()
        .filter(|o| o.krate == Crate::Library)
        .map(|o| o.message)
        .collect();
    fail_if_any(
        &found,
        "library imports that do not point to a smaller layer of docs/DESIGN.md",
    );
}

#[test]
fn commands_never_import_one_another() {
    let (crates, tables) = repository();
    let commands = commands(&tables[&Crate::Program]);
    assert!(
        !commands.is_empty(),
        "{DESIGN}: the program's table has no row below `cli`, so it names no command"
    );
    let found: Vec<String> = offences(&crates, &tables)
        .into_iter()
        .filter(|o| {
            o.krate == Crate::Program && commands.contains(&o.from) && commands.contains(&o.to)
        })
        .map(|o| o.message)
        .collect();
    fail_if_any(&found, "commands that import another command");
}

#[test]
fn every_import_of_the_program_points_down_its_table() {
    let (crates, tables) = repository();
    let commands = commands(&tables[&Crate::Program]);
    let found: Vec<String> = offences(&crates, &tables)
        .into_iter()
        .filter(|o| {
            o.krate == Crate::Program && !(commands.contains(&o.from) && commands.contains(&o.to))
        })
        .map(|o| o.message)
        .collect();
    fail_if_any(
        &found,
        "program imports that do not point to a smaller layer of docs/DESIGN.md \
         (helpers import no command and not cli; cli::common uses neither plot nor progress)",
    );
}

#[test]
fn every_module_has_a_place_in_the_layer_table() {
    let (crates, tables) = repository();
    fail_if_any(&unplaced(&crates, &tables), "modules without a row");
}

#[test]
fn every_module_the_layer_table_names_has_a_file() {
    let (crates, tables) = repository();
    fail_if_any(
        &missing(&crates, &tables),
        "rows that name a module with no file",
    );
}

#[test]
fn the_layer_tables_of_docs_design_parse_and_name_each_module_once() {
    let doc = fs::read_to_string(root().join(DESIGN)).expect(DESIGN);
    let tables = parse_tables(&doc).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        tables[&Crate::Library].layers.get("lib"),
        Some(&Layer::Root)
    );
    assert_eq!(
        tables[&Crate::Library].layers.get("real"),
        Some(&Layer::Number(0))
    );
    assert!(tables[&Crate::Program].layers.contains_key("main"));
    assert!(tables[&Crate::Program].layers.contains_key("cli"));
}

// ---------------------------------------------------------------------------
// The checker, checked on made-up code.

fn s(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

/// The `use` leaves of `src`, as `a::b` strings (with ` as x` / `::*`).
fn leaves(src: &str) -> Vec<String> {
    let toks = tokenize(src);
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if is_ident(toks.get(i), "use") {
            let mut found = Vec::new();
            i = parse_use_tree(&toks, i + 1, &[], &mut found);
            out.extend(found.into_iter().map(|l| {
                let mut p = l.path.join("::");
                if l.glob {
                    p.push_str("::*");
                }
                if let Some(a) = l.alias {
                    p = format!("{p} as {a}");
                }
                p
            }));
        } else {
            i += 1;
        }
    }
    out
}

/// The modules a made-up file at `rel` names, resolved among `others`.
fn targets(rel: &str, src: &str, others: &[&str]) -> Vec<(String, usize)> {
    let mut sources = vec![(format!("src/{rel}"), PathBuf::from(rel), src.to_string())];
    sources.extend(
        others
            .iter()
            .map(|o| (format!("src/{o}"), PathBuf::from(o), String::new())),
    );
    let crates = Crates::from_sources(&sources);
    let (krate, segs) = module_of(Path::new(rel));
    let m = &crates.modules[&(krate, segs.clone())];
    let mut out: Vec<(String, usize)> = m
        .scan
        .references()
        .iter()
        .filter_map(|r| crates.resolve(m, r).map(|t| (name_of(krate, &t), r.line)))
        .filter(|(t, _)| *t != name_of(krate, &segs))
        .collect();
    out.sort();
    out.dedup();
    out
}

#[test]
fn parser_reads_grouped_and_nested_imports() {
    let src =
        "use crate::{network::{Dense, Network}, path::Path};\nuse super::{a, b::{c, d::{e}}};";
    assert_eq!(
        leaves(src),
        s(&[
            "crate::network::Dense",
            "crate::network::Network",
            "crate::path::Path",
            "super::a",
            "super::b::c",
            "super::b::d::e",
        ])
    );
}

#[test]
fn parser_reads_self_renames_globs_and_leading_colons() {
    let src = "pub(crate) use crate::data::{self, Dataset as Set};\nuse ::std::io::Write as _;\nuse crate::loss::*;";
    assert_eq!(
        leaves(src),
        s(&[
            "crate::data::self",
            "crate::data::Dataset as Set",
            "std::io::Write as _",
            "crate::loss::*",
        ])
    );
}

#[test]
fn parser_resolves_super_super_and_self_to_module_files() {
    let others = [
        "lib.rs",
        "network.rs",
        "cli/mod.rs",
        "cli/common.rs",
        "cli/extra/mod.rs",
        "main.rs",
    ];
    let src =
        "use super::super::network::Dense;\nuse self::inner::X;\nfn f() { super::common::load(); }";
    // `src/cli/extra/deep.rs` is `cli::extra::deep`; two levels up is `cli`.
    let found = targets("cli/extra/deep.rs", src, &others);
    assert_eq!(
        found,
        vec![("cli".to_string(), 1), ("cli::extra".to_string(), 3)]
    );
    let src = "use super::common::Failure;\nuse super::Failure as F;\nuse crate::cli::common;";
    assert_eq!(
        targets("cli/plot.rs", src, &others),
        vec![
            ("cli".to_string(), 2),
            ("cli::common".to_string(), 1),
            ("cli::common".to_string(), 3)
        ]
    );
}

#[test]
fn parser_reads_inline_paths_but_not_other_crates_or_methods() {
    let others = ["lib.rs", "network.rs", "matrix.rs", "train.rs"];
    let src = "fn f() {\n    let n = crate::network::Network::<f64>::new();\n    dualpath::train::fit();\n    x.train::<f64>();\n    crate::matrix::forward();\n}";
    assert_eq!(
        targets("path.rs", src, &others),
        vec![("matrix".to_string(), 5), ("network".to_string(), 2)]
    );
}

#[test]
fn parser_ignores_paths_in_comments_strings_and_characters() {
    let others = ["lib.rs", "network.rs", "matrix.rs"];
    let src = r####"
// use crate::matrix;
/* crate::matrix::x /* nested crate::matrix */ still a comment crate::matrix */
/// ```
/// use crate::matrix::forward;
/// ```
const A: &str = "use crate::matrix::forward; \" crate::matrix";
const B: &str = r#"crate::matrix "quoted" crate::matrix"#;
const C: &[u8] = b"crate::matrix";
const D: char = '"';
const E: char = '\'';
fn f<'a>(x: &'a str) -> &'a str { x }
use crate::network::Network;
"####;
    assert_eq!(
        targets("path.rs", src, &others),
        vec![("network".to_string(), 13)]
    );
}

#[test]
fn parser_leaves_out_test_code() {
    let others = ["lib.rs", "network.rs", "matrix.rs", "sequential.rs"];
    let src = "use crate::network::Network;\n#[cfg(test)]\nmod tests {\n    use crate::matrix;\n    fn t() { crate::sequential::forward(); }\n}\n#[cfg(test)]\nuse crate::sequential::x;\nfn after() { crate::matrix::forward(); }";
    assert_eq!(
        targets("path.rs", src, &others),
        vec![("matrix".to_string(), 9), ("network".to_string(), 1)]
    );
    assert!(scan("#![cfg(test)]\nuse crate::matrix;").test_only);
    assert_eq!(
        scan("#[cfg(test)]\nmod golden;\nmod kept;").test_mods,
        s(&["golden"])
    );
}

#[test]
fn parser_sees_child_modules_by_name_and_through_the_root_s_re_exports() {
    let others = ["lib.rs", "cli/commands.rs"];
    // Line 4: a method called with a turbofish is not a path, even when it shares a child's name.
    let src = "mod commands;\nuse commands::TrainArgs;\nfn main() { commands::train(); }\nfn f() { args.commands::<u8>(); }";
    assert_eq!(
        targets("cli/mod.rs", src, &others),
        vec![
            ("cli::commands".to_string(), 2),
            ("cli::commands".to_string(), 3)
        ]
    );
    let lib =
        "pub mod path;\npub mod real;\npub use path::Path;\npub use real::{Real, gamma as g};";
    let sources = [
        (
            "src/lib.rs".to_string(),
            PathBuf::from("lib.rs"),
            lib.to_string(),
        ),
        (
            "src/path.rs".into(),
            PathBuf::from("path.rs"),
            String::new(),
        ),
        (
            "src/real.rs".into(),
            PathBuf::from("real.rs"),
            String::new(),
        ),
        (
            "src/speedup.rs".into(),
            PathBuf::from("speedup.rs"),
            "use crate::{Path, Real};\nfn f() { crate::g(1); crate::Unknown; }".into(),
        ),
    ];
    let crates = Crates::from_sources(&sources);
    let m = &crates.modules[&(Crate::Library, s(&["speedup"]))];
    let found: Vec<String> = m
        .scan
        .references()
        .iter()
        .filter_map(|r| crates.resolve(m, r))
        .map(|t| name_of(Crate::Library, &t))
        .collect();
    assert_eq!(found, s(&["path", "real", "real", "lib"]));
}

#[test]
fn checker_reports_upward_same_row_and_unplaced_imports_with_file_and_line() {
    let doc = "# Made up\n\n## The layers of the library\n\n| layer | modules | holds |\n| --- | --- | --- |\n\
               | 0 | `real` | floats |\n| 1 | `sequential`, `matrix` | paths |\n| 2 | `path` | switch |\n| — | `lib` | re-exports |\n\n\
               ## The layers of the program\n\n| layer | modules |\n| --- | --- |\n| 0 | `cli::common` |\n\
               | 1 | `cli::train`, `cli::tour` |\n| 2 | `cli` |\n| 3 | `main` |\n";
    let tables = parse_tables(doc).expect("the made-up tables parse");
    let file = |rel: &str, text: &str| (format!("src/{rel}"), PathBuf::from(rel), text.to_string());
    let sources = [
        file(
            "lib.rs",
            "pub mod real; pub mod sequential; pub mod matrix; pub mod path; pub mod extra;",
        ),
        file("real.rs", ""),
        file(
            "sequential.rs",
            "use crate::real::Real;\nuse crate::path::walk;\nuse crate::matrix;",
        ),
        file("matrix.rs", "use crate::real::Real;"),
        file("path.rs", "use crate::{matrix, sequential};"),
        file("extra.rs", "use crate::path::Path;"),
        file("main.rs", "mod cli;\nfn main() { cli::main() }"),
        file(
            "cli/mod.rs",
            "mod common; mod train; mod tour;\nfn main() { train::run(); tour::run(); }",
        ),
        file(
            "cli/common.rs",
            "use super::train::Args;\nuse dualpath::Path;",
        ),
        file(
            "cli/train.rs",
            "use super::common::Failure;\nuse super::tour::NOTES;\nuse super::CliResult;",
        ),
        file("cli/tour.rs", "use super::common::Failure;"),
    ];
    let crates = Crates::from_sources(&sources);
    let messages: Vec<String> = offences(&crates, &tables)
        .into_iter()
        .map(|o| o.message)
        .collect();
    assert_eq!(
        messages,
        s(&[
            "src/sequential.rs:2: sequential (layer 1) uses path (layer 2)",
            "src/sequential.rs:3: sequential (layer 1) uses matrix (layer 1)",
            "src/cli/common.rs:1: cli::common (layer 0) uses cli::train (layer 1)",
            "src/cli/train.rs:2: cli::train (layer 1) uses cli::tour (layer 1)",
            "src/cli/train.rs:3: cli::train (layer 1) uses cli (layer 2)",
        ])
    );
    assert_eq!(
        commands(&tables[&Crate::Program]),
        BTreeSet::from(["cli::train".into(), "cli::tour".into()])
    );
    assert_eq!(
        unplaced(&crates, &tables),
        s(&[
            "src/extra.rs: module extra has no row under \"The layers of the library\" in docs/DESIGN.md (its imports are checked once it has one)"
        ])
    );
    let tables_with_more =
        parse_tables(&doc.replace("`cli::tour` |", "`cli::tour`, `cli::trace` |")).expect("parses");
    assert_eq!(
        missing(&crates, &tables_with_more),
        s(&[
            "docs/DESIGN.md: cli::trace (layer 1) has no file under src/ (src/cli/trace.rs or src/cli/trace/mod.rs)"
        ])
    );
}

#[test]
fn checker_names_an_import_of_a_module_without_a_row() {
    let doc = "## The layers of the library\n| layer | modules |\n|---|---|\n| 0 | `real` |\n| — | `lib` |\n\
               ## The layers of the program\n| layer | modules |\n|---|---|\n| 0 | `cli::plot` |\n| 1 | `cli` |\n| 2 | `main` |\n";
    let tables = parse_tables(doc).expect("parses");
    let sources = [
        (
            "src/cli/plot.rs".to_string(),
            PathBuf::from("cli/plot.rs"),
            "use super::commands::write_text;".to_string(),
        ),
        (
            "src/cli/commands.rs".into(),
            PathBuf::from("cli/commands.rs"),
            String::new(),
        ),
    ];
    let crates = Crates::from_sources(&sources);
    let messages: Vec<String> = offences(&crates, &tables)
        .into_iter()
        .map(|o| o.message)
        .collect();
    assert_eq!(
        messages,
        s(&[
            "src/cli/plot.rs:1: cli::plot (layer 0) uses cli::commands (no layer: not in the table)"
        ])
    );
}

#[test]
fn table_parser_rejects_a_module_in_two_rows_and_a_missing_heading() {
    let twice = "## The layers of the library\n| layer | modules |\n|---|---|\n| 0 | `real` |\n| 1 | `real` |\n\
                 ## The layers of the program\n| layer | modules |\n|---|---|\n| 0 | `main` |\n";
    let err = parse_tables(twice).expect_err("`real` twice");
    assert!(err.contains("`real` is in more than one row"), "{err}");
    let err = parse_tables(
        "## The layers of the library\n| layer | modules |\n|---|---|\n| 0 | `real` |\n",
    )
    .expect_err("no program table");
    assert!(err.contains("The layers of the program"), "{err}");
}
